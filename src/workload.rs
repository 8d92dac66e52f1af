//! Workload kinds: where each keeps its pod template, and which workload a pod belongs to.
//!
//! `kube-inject` reads workloads (Deployment, CronJob, …) and injects their pod template; the
//! webhook sees bare Pods and derives the workload from the owner reference the way Istio's
//! `GetDeployMetaFromPod` does (ReplicaSet `hello-7d9f8` with `pod-template-hash: 7d9f8` →
//! Deployment `hello`, Job `backup-28391040` → CronJob `backup`, …).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// The workload a pod belongs to (`DeploymentMeta`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployMeta {
    pub name: String,
    pub namespace: String,
}

/// The workload's kind (`TypeMeta`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeMeta {
    pub api_version: String,
    pub kind: String,
}

/// Where a kind keeps the pod's metadata and spec, as JSON pointer paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplatePaths {
    pub metadata: &'static str,
    pub spec: &'static str,
}

const TEMPLATE: TemplatePaths = TemplatePaths {
    metadata: "/spec/template/metadata",
    spec: "/spec/template/spec",
};

/// The pod template location for a kind we inject, `None` for every other kind.
/// API groups are checked so a CRD that happens to be called `Deployment` passes through.
pub fn template_paths(api_version: &str, kind: &str) -> Option<TemplatePaths> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("", "Pod") => Some(TemplatePaths {
            metadata: "/metadata",
            spec: "/spec",
        }),
        ("apps" | "extensions", "Deployment" | "DaemonSet" | "ReplicaSet")
        | ("apps", "StatefulSet")
        | ("", "ReplicationController")
        | ("batch", "Job")
        | ("apps.openshift.io" | "", "DeploymentConfig") => Some(TEMPLATE),
        // Istio injects a CronJob's job-template metadata, not the pod template's.
        ("batch", "CronJob") => Some(TemplatePaths {
            metadata: "/spec/jobTemplate/metadata",
            spec: "/spec/jobTemplate/spec/template/spec",
        }),
        _ => None,
    }
}

/// Istio's `GetDeployMetaFromPod`: the workload a pod was created for.
pub fn deploy_meta_from_pod(meta: &ObjectMeta) -> (DeployMeta, TypeMeta) {
    let mut deploy = DeployMeta {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone().unwrap_or_default(),
    };
    let mut type_meta = TypeMeta {
        api_version: "v1".into(),
        kind: "Pod".into(),
    };
    let generated = meta.generate_name.as_deref().is_some_and(|g| !g.is_empty());
    let controller = meta
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true));
    if let (true, Some(owner)) = (generated, controller) {
        type_meta = TypeMeta {
            api_version: owner.api_version.clone(),
            kind: owner.kind.clone(),
        };
        deploy.name = owner.name.clone();
        let label = |k: &str| {
            meta.labels
                .as_ref()
                .and_then(|l| l.get(k))
                .map_or("", String::as_str)
        };
        let hash = label("pod-template-hash");
        let rollout_hash = label("rollouts-pod-template-hash");
        if owner.kind == "ReplicaSet" && !hash.is_empty() && owner.name.ends_with(hash) {
            deploy.name = trim_suffix(&owner.name, &format!("-{hash}"));
            type_meta.kind = "Deployment".into();
        } else if owner.kind == "ReplicaSet"
            && !rollout_hash.is_empty()
            && owner.name.ends_with(rollout_hash)
        {
            deploy.name = trim_suffix(&owner.name, &format!("-{rollout_hash}"));
            type_meta = TypeMeta {
                api_version: "v1alpha1".into(),
                kind: "Rollout".into(),
            };
        } else if owner.kind == "ReplicationController" && !label("deploymentconfig").is_empty() {
            deploy.name = label("deploymentconfig").to_string();
            type_meta.kind = "DeploymentConfig".into();
        } else if owner.kind == "Job" {
            if let Some(cron) = cron_job_name(&owner.name) {
                deploy.name = cron.to_string();
                type_meta = TypeMeta {
                    api_version: "batch/v1".into(),
                    kind: "CronJob".into(),
                };
            }
        }
    }
    if deploy.name.is_empty() {
        deploy.name = meta.name.clone().unwrap_or_default();
    }
    (deploy, type_meta)
}

fn trim_suffix(s: &str, suffix: &str) -> String {
    s.strip_suffix(suffix).unwrap_or(s).to_string()
}

/// `(.+)-\d{8,10}$`: a Job a CronJob created (its name ends with a scheduled timestamp).
fn cron_job_name(job: &str) -> Option<&str> {
    let (base, stamp) = job.rsplit_once('-')?;
    let digits = (8..=10).contains(&stamp.len()) && stamp.bytes().all(|b| b.is_ascii_digit());
    (digits && !base.is_empty()).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn pod(
        generate: &str,
        owner: Option<(&str, &str, &str)>,
        labels: &[(&str, &str)],
    ) -> ObjectMeta {
        serde_json::from_value(serde_json::json!({
            "generateName": generate,
            "namespace": "shop",
            "labels": labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
            "ownerReferences": owner.map(|(av, k, n)| vec![serde_json::json!({
                "apiVersion": av, "kind": k, "name": n, "uid": "u", "controller": true})]).unwrap_or_default(),
        }))
        .unwrap()
    }

    #[rstest]
    #[case(pod("hello-7d9f8-", Some(("apps/v1", "ReplicaSet", "hello-7d9f8")), &[("pod-template-hash", "7d9f8")]), "hello", "apps/v1", "Deployment")]
    #[case(pod("rs-", Some(("apps/v1", "ReplicaSet", "rs")), &[]), "rs", "apps/v1", "ReplicaSet")]
    #[case(pod("backup-28391040-", Some(("batch/v1", "Job", "backup-28391040")), &[]), "backup", "batch/v1", "CronJob")]
    #[case(pod("once-", Some(("batch/v1", "Job", "once")), &[]), "once", "batch/v1", "Job")]
    #[case(pod("db-", Some(("apps/v1", "StatefulSet", "db")), &[]), "db", "apps/v1", "StatefulSet")]
    #[case(pod("web-1-", Some(("v1", "ReplicationController", "web-1")), &[("deploymentconfig", "web")]), "web", "v1", "DeploymentConfig")]
    #[case(pod("r-abc-", Some(("apps/v1", "ReplicaSet", "r-abc")), &[("rollouts-pod-template-hash", "abc")]), "r", "v1alpha1", "Rollout")]
    fn owners(#[case] meta: ObjectMeta, #[case] name: &str, #[case] av: &str, #[case] kind: &str) {
        let (d, t) = deploy_meta_from_pod(&meta);
        assert_eq!(
            (d.name.as_str(), t.api_version.as_str(), t.kind.as_str()),
            (name, av, kind)
        );
        assert_eq!(d.namespace, "shop");
    }

    #[test]
    fn a_named_pod_is_its_own_workload() {
        let meta = ObjectMeta {
            name: Some("hellopod".into()),
            ..Default::default()
        };
        let (d, t) = deploy_meta_from_pod(&meta);
        assert_eq!((d.name.as_str(), t.kind.as_str()), ("hellopod", "Pod"));
    }

    #[rstest]
    #[case("apps/v1", "Deployment", true)]
    #[case("extensions/v1beta1", "Deployment", true)]
    #[case("apps/v1beta1", "StatefulSet", true)]
    #[case("batch/v1beta1", "CronJob", true)]
    #[case("v1", "Service", false)]
    #[case("example.com/v1", "Deployment", false)]
    fn injectable_kinds(#[case] av: &str, #[case] kind: &str, #[case] want: bool) {
        assert_eq!(template_paths(av, kind).is_some(), want);
    }
}

/// A pod template found in a document, as the offline commands (`explain`, kube-inject's
/// warnings) read it: the object's kind and name, and the template's metadata and spec.
#[derive(Debug, Clone)]
pub struct PodView<'a> {
    pub kind: String,
    pub name: String,
    /// The object's namespace (`""` when the manifest leaves it to the apply).
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub host_network: bool,
    pub spec: Option<&'a Value>,
}

/// Every pod template in a document (items of a `v1` `List` included), in order.
pub fn pod_views(doc: &Value) -> Vec<PodView<'_>> {
    let mut out = Vec::new();
    collect_views(doc, &mut out);
    out
}

fn collect_views<'a>(obj: &'a Value, out: &mut Vec<PodView<'a>>) {
    let s = |ptr: &str| obj.pointer(ptr).and_then(Value::as_str).unwrap_or("");
    let (api_version, kind) = (s("/apiVersion"), s("/kind"));
    if kind == "List" && api_version == "v1" {
        for item in obj
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_views(item, out);
        }
        return;
    }
    let Some(paths) = template_paths(api_version, kind) else {
        return;
    };
    let meta = obj.pointer(paths.metadata);
    let strings = |k: &str| -> BTreeMap<String, String> {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), scalar_text(v)))
            .collect()
    };
    let spec = obj.pointer(paths.spec);
    out.push(PodView {
        kind: kind.to_string(),
        name: s("/metadata/name").to_string(),
        namespace: s("/metadata/namespace").to_string(),
        labels: strings("labels"),
        annotations: strings("annotations"),
        host_network: spec
            .and_then(|v| v.get("hostNetwork"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        spec,
    });
}

/// A YAML scalar as Kubernetes decodes it into a string field (`yes` → `"true"`, `1` → `"1"`).
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
