//! Which object an Event is about: the workload that owns the pod, as Linkerd's injector finds
//! it (`GetOwnerKindAndName`): the pod's controller owner reference, and when that is a
//! ReplicaSet or a Job, one step further up to *its* controller (a Deployment, an Argo
//! Rollout, a CronJob), read from the API server. A pod being admitted does not exist yet
//! (a controller's pod has no name, no uid), so an Event on the pod could never be found
//! by `kubectl describe`; a pod without owner gets no Event.
//!
//! The extra step is a metadata-only GET, cached per ReplicaSet/Job (every pod of a rollout
//! shares one), so a rollout costs one lookup. When the lookup fails (missing RBAC, the
//! object already gone) the Event goes on the ReplicaSet or Job itself: still findable.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Api, Client};

/// How long a looked-up parent is trusted (a ReplicaSet's owner never changes; the bound is
/// for memory and for adoption by a new Deployment, which is rare).
const CACHE_TTL: Duration = Duration::from_secs(600);
/// Parents cached at once; when full the cache starts over (cheap, and rare).
const CACHE_MAX: usize = 4096;
/// A lookup that takes longer than this gives up and reports on the intermediate object.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// The pod's controller owner: the reference with `controller: true`, else the only
/// reference (as Linkerd); `None` for a bare pod or an ambiguous set.
pub fn pod_owner(meta: &ObjectMeta) -> Option<OwnerReference> {
    let owner = controller_of(meta.owner_references.as_deref()?)?;
    (!owner.name.is_empty() && !owner.kind.is_empty()).then(|| owner.clone())
}

/// The controller of an object's owner references (same rule as for the pod).
fn controller_of(refs: &[OwnerReference]) -> Option<&OwnerReference> {
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| (refs.len() == 1).then(|| refs.first()).flatten())
}

/// Kinds whose own controller is the workload users act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intermediate {
    ReplicaSet,
    Job,
}

/// Whether `owner` is a ReplicaSet or Job whose controller we should look up.
pub fn intermediate(owner: &OwnerReference) -> Option<Intermediate> {
    let group = owner.api_version.split_once('/').map_or("", |(g, _)| g);
    match (group, owner.kind.as_str()) {
        ("apps" | "extensions", "ReplicaSet") => Some(Intermediate::ReplicaSet),
        ("batch", "Job") => Some(Intermediate::Job),
        _ => None,
    }
}

/// An owner reference as the `regarding` of an Event in `namespace`.
pub fn object_ref(namespace: &str, owner: &OwnerReference) -> ObjectReference {
    ObjectReference {
        api_version: Some(owner.api_version.clone()),
        kind: Some(owner.kind.clone()),
        name: Some(owner.name.clone()),
        namespace: Some(namespace.to_string()),
        uid: Some(owner.uid.clone()).filter(|u| !u.is_empty()),
        ..ObjectReference::default()
    }
}

/// The workload to report on, given the pod's owner and a way to read an intermediate
/// object's owner references (`None`: could not be read).
pub fn resolve(
    namespace: &str,
    owner: &OwnerReference,
    parent_refs: Option<&[OwnerReference]>,
) -> ObjectReference {
    match parent_refs.and_then(controller_of) {
        Some(parent) if intermediate(owner).is_some() => object_ref(namespace, parent),
        _ => object_ref(namespace, owner),
    }
}

type CacheKey = (String, Intermediate, String, String);

/// Looks up intermediate objects' owners through the API server, with a cache.
pub struct Resolver {
    client: Client,
    cache: HashMap<CacheKey, (Option<Vec<OwnerReference>>, Instant)>,
}

impl Resolver {
    pub fn new(client: Client) -> Resolver {
        Resolver {
            client,
            cache: HashMap::new(),
        }
    }

    /// The Event's `regarding` for a pod owned by `owner` in `namespace`.
    pub async fn regarding(&mut self, namespace: &str, owner: &OwnerReference) -> ObjectReference {
        let Some(kind) = intermediate(owner) else {
            return object_ref(namespace, owner);
        };
        let key = (
            namespace.to_string(),
            kind,
            owner.name.clone(),
            owner.uid.clone(),
        );
        let now = Instant::now();
        let cached = self
            .cache
            .get(&key)
            .filter(|(_, at)| now.saturating_duration_since(*at) < CACHE_TTL)
            .map(|(refs, _)| refs.clone());
        let refs = match cached {
            Some(refs) => refs,
            None => {
                let refs = self.lookup(namespace, kind, &owner.name).await;
                if self.cache.len() >= CACHE_MAX {
                    self.cache.clear();
                }
                self.cache.insert(key, (refs.clone(), now));
                refs
            }
        };
        resolve(namespace, owner, refs.as_deref())
    }

    async fn lookup(
        &self,
        namespace: &str,
        kind: Intermediate,
        name: &str,
    ) -> Option<Vec<OwnerReference>> {
        let client = self.client.clone();
        let get = async move {
            match kind {
                Intermediate::ReplicaSet => Api::<ReplicaSet>::namespaced(client, namespace)
                    .get_metadata(name)
                    .await
                    .map(|m| m.metadata.owner_references.unwrap_or_default()),
                Intermediate::Job => Api::<Job>::namespaced(client, namespace)
                    .get_metadata(name)
                    .await
                    .map(|m| m.metadata.owner_references.unwrap_or_default()),
            }
        };
        match tokio::time::timeout(LOOKUP_TIMEOUT, get).await {
            Ok(Ok(refs)) => Some(refs),
            Ok(Err(e)) => {
                tracing::warn!(namespace, ?kind, name, error = %crate::cluster::one_cause(&e),
                    "could not read the pod owner's owner; the Event goes on the owner itself");
                None
            }
            Err(_) => {
                tracing::warn!(
                    namespace,
                    ?kind,
                    name,
                    "reading the pod owner's owner timed out"
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn owner(
        api_version: &str,
        kind: &str,
        name: &str,
        controller: Option<bool>,
    ) -> OwnerReference {
        OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: name.into(),
            uid: format!("uid-{name}"),
            controller,
            block_owner_deletion: None,
        }
    }

    fn pod(refs: Value) -> ObjectMeta {
        serde_json::from_value(json!({"generateName": "web-7c9f-", "ownerReferences": refs}))
            .unwrap()
    }

    #[test]
    fn the_pods_controller_reference_is_chosen() {
        let p = pod(json!([
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": "1"},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c9f", "uid": "2", "controller": true},
        ]));
        let o = pod_owner(&p).unwrap();
        assert_eq!(
            (o.kind.as_str(), o.name.as_str()),
            ("ReplicaSet", "web-7c9f")
        );
        // A lone reference counts even without `controller`, as in Linkerd.
        let p = pod(
            json!([{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "3"}]),
        );
        assert_eq!(pod_owner(&p).unwrap().name, "db");
        // Two references and no controller: ambiguous, no Event.
        let p = pod(json!([
            {"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1"},
            {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2"},
        ]));
        assert_eq!(pod_owner(&p), None);
        assert_eq!(pod_owner(&ObjectMeta::default()), None);
        let unnamed = json!([{"apiVersion": "v1", "kind": "ReplicaSet", "name": "", "uid": "1"}]);
        assert_eq!(pod_owner(&pod(unnamed)), None);
    }

    #[test]
    fn a_replicaset_reports_on_its_deployment() {
        let rs = owner("apps/v1", "ReplicaSet", "web-7c9f", Some(true));
        let parents = [owner("apps/v1", "Deployment", "web", Some(true))];
        let r = resolve("shop", &rs, Some(&parents));
        assert_eq!(r.kind.as_deref(), Some("Deployment"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.api_version.as_deref(), Some("apps/v1"));
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.uid.as_deref(), Some("uid-web"));
    }

    #[test]
    fn a_job_reports_on_its_cronjob_and_an_argo_rollout_is_followed_too() {
        let job = owner("batch/v1", "Job", "nightly-29000000", Some(true));
        let cron = [owner("batch/v1", "CronJob", "nightly", Some(true))];
        assert_eq!(
            resolve("ops", &job, Some(&cron)).kind.as_deref(),
            Some("CronJob")
        );
        let rs = owner("apps/v1", "ReplicaSet", "canary-5d4", Some(true));
        let rollout = [owner(
            "argoproj.io/v1alpha1",
            "Rollout",
            "canary",
            Some(true),
        )];
        let r = resolve("ops", &rs, Some(&rollout));
        assert_eq!(
            (r.api_version.as_deref(), r.kind.as_deref()),
            (Some("argoproj.io/v1alpha1"), Some("Rollout"))
        );
    }

    #[test]
    fn without_a_parent_the_intermediate_object_is_reported() {
        let rs = owner("apps/v1", "ReplicaSet", "standalone", Some(true));
        // A bare ReplicaSet, and a lookup that failed.
        assert_eq!(
            resolve("shop", &rs, Some(&[])).kind.as_deref(),
            Some("ReplicaSet")
        );
        assert_eq!(
            resolve("shop", &rs, None).name.as_deref(),
            Some("standalone")
        );
        // Other kinds are never looked through, whatever they say.
        let sts = owner("apps/v1", "StatefulSet", "db", Some(true));
        assert_eq!(intermediate(&sts), None);
        let parents = [owner("example.com/v1", "Operator", "op", Some(true))];
        assert_eq!(
            resolve("shop", &sts, Some(&parents)).kind.as_deref(),
            Some("StatefulSet")
        );
        // Only the apps (or old extensions) ReplicaSet is Kubernetes' own.
        assert_eq!(
            intermediate(&owner("example.com/v1", "ReplicaSet", "x", None)),
            None
        );
        assert_eq!(
            intermediate(&owner("extensions/v1beta1", "ReplicaSet", "x", None)),
            Some(Intermediate::ReplicaSet)
        );
    }
}
