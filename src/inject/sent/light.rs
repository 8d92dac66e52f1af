//! The pod decoded for the fast path: only the fields an injection of an ordinary pod, its
//! decision and the webhook's bookkeeping read, each into its k8s-openapi type; everything else
//! skipped by the parser, never built.
//!
//! k8s-openapi's decoders for a whole pod were the costliest stage left of a fast-path
//! admission (environment variables, resources, security contexts and volume sources built
//! and dropped unread, ~2.8K L1 instruction misses per medium pod since their code exceeds the
//! cache). A pod read this way is only ever used where nothing else is read: the caller
//! (`super::SentPod`) keeps the text, and the general path decodes it whole
//! (`super::decode_whole`) before it reads the pod. `tests/fast_path.rs` holds the text route
//! to the general path on generated pods that set the skipped fields (env, resources, security
//! contexts, volume sources, commands, ...).
//!
//! Kept (everything else is `None`/empty):
//! - `metadata`: every field but `managedFields` (cut before, as for the whole decode);
//! - `spec`: `containers` and `initContainers` with their names, images, ports, probes,
//!   lifecycle handlers and volume mounts (the template's input, `post_process`'s probe
//!   rewrite, the memo's token volumes); `ephemeralContainers`' names and volume mounts;
//!   `volumes`' names; `imagePullSecrets`; `serviceAccountName`, `hostNetwork`, `nodeName`;
//! - not `status`.
//!
//! A container's `env` is counted, not kept: over `MAX_ENV_PER_CONTAINER` the pod is decoded
//! whole instead, so that the bound's error names the container as before. Likewise a pod
//! whose `apiVersion` or `kind` k8s-openapi's decoder refuses, for its error.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, LocalObjectReference, Pod, PodSpec,
    Probe, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use crate::inject::MAX_ENV_PER_CONTAINER;

/// The pod read as the module note says; `None` when it does not decode so, or a container
/// has more env entries than the bound (the caller then decodes it whole, for the error).
pub(super) fn decode(text: &str) -> Option<Pod> {
    serde_json::from_str::<LightPod>(text).ok()?.into_pod()
}

/// `null` decodes as absent everywhere, as in k8s-openapi's decoders, but for `apiVersion` and
/// `kind`, which k8s-openapi refuses unless they are `v1` and `Pod` (or absent).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LightPod {
    #[serde(default)]
    api_version: Present<String>,
    #[serde(default)]
    kind: Present<String>,
    metadata: Option<Meta>,
    spec: Option<Spec>,
}

impl LightPod {
    fn into_pod(self) -> Option<Pod> {
        let refused =
            |present: &Present<String>, want: &str| present.0.as_ref().is_some_and(|v| v != want);
        if refused(&self.api_version, "v1") || refused(&self.kind, "Pod") {
            return None;
        }
        let spec = match self.spec {
            Some(spec) => Some(spec.into_spec()?),
            None => None,
        };
        Some(Pod {
            metadata: self.metadata.map(Meta::into_meta).unwrap_or_default(),
            spec,
            status: None,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    annotations: Option<BTreeMap<String, String>>,
    creation_timestamp: Option<Time>,
    deletion_grace_period_seconds: Option<i64>,
    deletion_timestamp: Option<Time>,
    finalizers: Option<Vec<String>>,
    generate_name: Option<String>,
    generation: Option<i64>,
    labels: Option<BTreeMap<String, String>>,
    name: Option<String>,
    namespace: Option<String>,
    owner_references: Option<Vec<OwnerReference>>,
    resource_version: Option<String>,
    self_link: Option<String>,
    uid: Option<String>,
}

impl Meta {
    /// Every field named: a new one in k8s-openapi fails to compile here rather than being
    /// dropped unnoticed.
    fn into_meta(self) -> ObjectMeta {
        ObjectMeta {
            annotations: self.annotations,
            creation_timestamp: self.creation_timestamp,
            deletion_grace_period_seconds: self.deletion_grace_period_seconds,
            deletion_timestamp: self.deletion_timestamp,
            finalizers: self.finalizers,
            generate_name: self.generate_name,
            generation: self.generation,
            labels: self.labels,
            managed_fields: None,
            name: self.name,
            namespace: self.namespace,
            owner_references: self.owner_references,
            resource_version: self.resource_version,
            self_link: self.self_link,
            uid: self.uid,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    containers: Option<Vec<LightContainer>>,
    init_containers: Option<Vec<LightContainer>>,
    ephemeral_containers: Option<Vec<LightEphemeral>>,
    volumes: Option<Vec<Named>>,
    image_pull_secrets: Option<Vec<LocalObjectReference>>,
    service_account_name: Option<String>,
    host_network: Option<bool>,
    node_name: Option<String>,
}

impl Spec {
    fn into_spec(self) -> Option<PodSpec> {
        let containers = |list: Vec<LightContainer>| -> Option<Vec<Container>> {
            list.into_iter()
                .map(LightContainer::into_container)
                .collect()
        };
        let init_containers = match self.init_containers {
            Some(list) => Some(containers(list)?),
            None => None,
        };
        let ephemeral = self.ephemeral_containers.map(|list| {
            let light = list.into_iter().map(|c| EphemeralContainer {
                name: c.name.unwrap_or_default(),
                volume_mounts: c.volume_mounts,
                ..Default::default()
            });
            light.collect()
        });
        let volumes = self.volumes.map(|list| {
            let light = list.into_iter().map(|v| Volume {
                name: v.name.unwrap_or_default(),
                ..Default::default()
            });
            light.collect()
        });
        Some(PodSpec {
            containers: containers(self.containers.unwrap_or_default())?,
            init_containers,
            ephemeral_containers: ephemeral,
            volumes,
            image_pull_secrets: self.image_pull_secrets,
            service_account_name: self.service_account_name,
            host_network: self.host_network,
            node_name: self.node_name,
            ..Default::default()
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LightContainer {
    name: Option<String>,
    image: Option<String>,
    ports: Option<Vec<ContainerPort>>,
    liveness_probe: Option<Probe>,
    readiness_probe: Option<Probe>,
    startup_probe: Option<Probe>,
    lifecycle: Option<Lifecycle>,
    volume_mounts: Option<Vec<VolumeMount>>,
    env: Option<Count>,
}

impl LightContainer {
    fn into_container(self) -> Option<Container> {
        if self.env.is_some_and(|n| n.0 > MAX_ENV_PER_CONTAINER) {
            return None;
        }
        Some(Container {
            name: self.name.unwrap_or_default(),
            image: self.image,
            ports: self.ports,
            liveness_probe: self.liveness_probe,
            readiness_probe: self.readiness_probe,
            startup_probe: self.startup_probe,
            lifecycle: self.lifecycle,
            volume_mounts: self.volume_mounts,
            ..Default::default()
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LightEphemeral {
    name: Option<String>,
    volume_mounts: Option<Vec<VolumeMount>>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

/// A member that, when present, must decode as `T` (`null` too, unlike `Option<T>`).
#[derive(Default)]
struct Present<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|v| Present(Some(v)))
    }
}

/// A list's length; its elements skipped.
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(CountVisitor)
    }
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = Count;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(Count(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A pod setting fields of every kind: what the light decoding keeps equals the whole
    /// decoding's, field for field, and the rest is absent.
    #[test]
    fn keeps_what_the_fast_path_reads_and_nothing_else() {
        let probe = json!({"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5});
        let pod = json!({
            "metadata": {
                "name": "p", "generateName": "p-", "namespace": "ns", "uid": "u",
                "labels": {"app": "a"}, "annotations": {"sidecar.istio.io/inject": "true"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "rs", "uid": "x", "controller": true}],
                "creationTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["f"],
                "generation": 3, "resourceVersion": "7"
            },
            "spec": {
                "containers": [{
                    "name": "app", "image": "app:1", "ports": [{"containerPort": 8080}],
                    "readinessProbe": probe, "livenessProbe": probe, "startupProbe": probe,
                    "lifecycle": {"preStop": {"exec": {"command": ["sleep", "1"]}}},
                    "volumeMounts": [{"name": "v", "mountPath": "/v"}],
                    "env": [{"name": "A", "value": "1"}],
                    "resources": {"limits": {"cpu": "1"}},
                    "securityContext": {"runAsUser": 1000},
                    "command": ["run"], "args": ["x"], "workingDir": "/w"
                }],
                "initContainers": [{"name": "init", "image": "init:1",
                    "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
                "ephemeralContainers": [{"name": "debug", "image": "busybox",
                    "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
                "volumes": [{"name": "v", "configMap": {"name": "cm"}}, {"name": "e", "emptyDir": {}}],
                "imagePullSecrets": [{"name": "s"}],
                "serviceAccountName": "sa", "hostNetwork": false, "nodeName": "n1",
                "affinity": {"nodeAffinity": {}}, "tolerations": [{"key": "k"}],
                "securityContext": {"fsGroup": 1}, "dnsPolicy": "ClusterFirst"
            },
            "status": {"phase": "Pending"}
        });
        let whole: Pod = serde_json::from_value(pod.clone()).unwrap();
        let light = decode(&pod.to_string()).unwrap();
        assert_eq!(light.metadata, whole.metadata);
        assert_eq!(light.status, None);
        let (spec, ws) = (light.spec.unwrap(), whole.spec.unwrap());
        let (c, wc) = (&spec.containers[0], &ws.containers[0]);
        assert_eq!(
            (&c.name, &c.image, &c.ports, &c.volume_mounts, &c.lifecycle),
            (
                &wc.name,
                &wc.image,
                &wc.ports,
                &wc.volume_mounts,
                &wc.lifecycle
            )
        );
        let probes = |c: &Container| {
            let p = [&c.liveness_probe, &c.readiness_probe, &c.startup_probe];
            p.map(Clone::clone)
        };
        assert_eq!(probes(c), probes(wc));
        assert!(c.env.is_none() && c.resources.is_none() && c.security_context.is_none());
        assert!(c.command.is_none() && c.args.is_none() && c.working_dir.is_none());
        let init = spec.init_containers.as_deref().unwrap_or_default();
        assert_eq!(init.len(), 1);
        assert_eq!(
            init[0].volume_mounts,
            ws.init_containers.unwrap()[0].volume_mounts
        );
        let debug = &spec.ephemeral_containers.unwrap()[0];
        assert_eq!(
            (debug.name.as_str(), debug.image.as_deref()),
            ("debug", None)
        );
        assert_eq!(debug.volume_mounts.as_ref().map(Vec::len), Some(1));
        let volumes = spec.volumes.unwrap();
        let names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["v", "e"]);
        assert!(volumes
            .iter()
            .all(|v| v.config_map.is_none() && v.empty_dir.is_none()));
        assert_eq!(spec.image_pull_secrets, ws.image_pull_secrets);
        assert_eq!(
            (
                &spec.service_account_name,
                spec.host_network,
                &spec.node_name
            ),
            (&ws.service_account_name, ws.host_network, &ws.node_name)
        );
        assert!(spec.affinity.is_none() && spec.tolerations.is_none());
        assert!(spec.security_context.is_none() && spec.dns_policy.is_none());
    }

    #[test]
    fn nulls_and_missing_names_decode_as_k8s_openapi_decodes_them() {
        let pod = json!({"metadata": null, "spec": {"containers": [{"name": null, "env": null}],
            "volumes": [{}], "initContainers": null}});
        let whole: Pod = serde_json::from_value(pod.clone()).unwrap();
        let light = decode(&pod.to_string()).unwrap();
        assert_eq!(light.metadata, whole.metadata);
        let (spec, ws) = (light.spec.unwrap(), whole.spec.unwrap());
        assert_eq!(spec.containers, ws.containers);
        assert_eq!(spec.volumes, ws.volumes);
        assert_eq!(spec.init_containers, None);
        let no_spec = decode(r#"{"spec":null}"#).unwrap();
        assert_eq!(no_spec.spec, None);
    }

    #[test]
    fn env_over_the_bound_or_undecodable_pods_are_decoded_whole_instead() {
        let env: Vec<_> = (0..=MAX_ENV_PER_CONTAINER)
            .map(|i| json!({"name": format!("E{i}")}))
            .collect();
        let pod = json!({"spec": {"containers": [{"name": "c", "env": env}]}});
        assert!(decode(&pod.to_string()).is_none());
        let under = json!({"spec": {"containers": [{"name": "c", "env": env[1..]}]}});
        assert!(decode(&under.to_string()).is_some());
        // The type's own checks: k8s-openapi refuses another `apiVersion` or `kind`, or null.
        for top in [
            r#""apiVersion":"v2""#,
            r#""kind":"Service""#,
            r#""kind":null"#,
        ] {
            let text = format!(r#"{{{top},"spec":{{"containers":[{{"name":"c"}}]}}}}"#);
            assert!(serde_json::from_str::<Pod>(&text).is_err(), "{text}");
            assert!(decode(&text).is_none(), "{text}");
        }
        assert!(decode(r#"{"apiVersion":"v1","kind":"Pod"}"#).is_some());
        // A wrong type where the light decoding reads is its failure too.
        assert!(decode(r#"{"spec":{"containers":[{"name":1}]}}"#).is_none());
        assert!(decode(r#"{"spec":{"containers":{}}}"#).is_none());
    }
}
