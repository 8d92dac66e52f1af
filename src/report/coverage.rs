//! `coverage`: per namespace, whether injection is on; per workload, whether it runs a
//! sidecar, opted out (and how), or waits for a restart to get (or lose) one.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;

use super::{has_sidecar, kind, owner_of, replica_set_owners, str_at, string_map, table};
use crate::decision::{self, Asker, Decision, Reason};
use crate::settings::Snapshot;
use crate::workload;

/// Workload kinds listed (ReplicaSets, Jobs and Pods owned by another workload are counted
/// under their owner).
const WORKLOAD_KINDS: [&str; 6] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceRow {
    pub name: String,
    pub injection: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The template is injected (in the manifest) or every pod runs a sidecar.
    Injected,
    /// New pods get a sidecar; there are no pods to check yet.
    WillInject,
    /// Running pods disagree with the template's decision; a rollout restart fixes it.
    RestartNeeded,
    /// The workload says no (label, annotation, selector, host networking).
    OptedOut,
    /// Its namespace (or the policy) leaves it out.
    NotEnabled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Injected => "injected",
            Status::WillInject => "will-inject",
            Status::RestartNeeded => "restart-needed",
            Status::OptedOut => "opted-out",
            Status::NotEnabled => "not-enabled",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRow {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub status: Status,
    pub pods: usize,
    pub pods_with_sidecar: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Coverage {
    pub namespaces: Vec<NamespaceRow>,
    pub workloads: Vec<WorkloadRow>,
}

/// The coverage of every namespace and workload in `objects`.
pub fn coverage(snap: &Snapshot, objects: &[Value]) -> Coverage {
    let ns_labels: BTreeMap<String, BTreeMap<String, String>> = objects
        .iter()
        .filter(|o| kind(o) == "Namespace")
        .map(|o| {
            let labels = string_map(o.pointer("/metadata/labels")).unwrap_or_default();
            (str_at(o, "/metadata/name").to_string(), labels)
        })
        .collect();
    let namespaces = ns_labels
        .iter()
        .map(|(name, labels)| namespace_row(snap, name, labels))
        .collect();
    let replica_sets = replica_set_owners(objects);
    // (namespace, kind, name) → (pods, pods with a sidecar)
    let mut pods: BTreeMap<(String, String, String), (usize, usize)> = BTreeMap::new();
    for pod in objects.iter().filter(|o| kind(o) == "Pod") {
        let entry = pods.entry(owner_of(pod, &replica_sets)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(has_sidecar(pod.get("spec")));
    }
    let mut workloads: Vec<WorkloadRow> = objects
        .iter()
        .filter(|o| WORKLOAD_KINDS.contains(&kind(o)) && !owned(o))
        .map(|o| {
            let key = (
                str_at(o, "/metadata/namespace").to_string(),
                kind(o).to_string(),
                str_at(o, "/metadata/name").to_string(),
            );
            let counts = pods.get(&key).copied().unwrap_or_default();
            workload_row(snap, o, ns_labels.get(&key.0), counts)
        })
        .collect();
    workloads
        .sort_by(|a, b| (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind)));
    Coverage {
        namespaces,
        workloads,
    }
}

/// Owned by another workload (a Deployment's ReplicaSet, a CronJob's Job).
fn owned(o: &Value) -> bool {
    o.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        })
}

/// A namespace is on when a pod with no opinion of its own would be injected there.
fn namespace_row(snap: &Snapshot, name: &str, labels: &BTreeMap<String, String>) -> NamespaceRow {
    let pod = Pod {
        metadata: ObjectMeta {
            namespace: Some(name.to_string()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec::default()),
        status: None,
    };
    let asker = Asker::Webhook {
        namespace_labels: Some(labels),
    };
    let d = decision::decide_pod(snap, &pod, asker);
    // The namespace's own rule says more than the policy that followed it.
    let ns_reason = d.reasons.iter().find(|r| {
        matches!(
            r,
            Reason::NamespaceEnabled | Reason::NamespaceRevision(_) | Reason::NamespacesByDefault
        )
    });
    NamespaceRow {
        name: name.to_string(),
        injection: d.inject,
        reason: ns_reason.map_or_else(|| reason_text(&d), ToString::to_string),
    }
}

fn reason_text(d: &Decision) -> String {
    d.main_reason().map(ToString::to_string).unwrap_or_default()
}

fn workload_row(
    snap: &Snapshot,
    o: &Value,
    ns_labels: Option<&BTreeMap<String, String>>,
    (pods, with_sidecar): (usize, usize),
) -> WorkloadRow {
    let namespace = str_at(o, "/metadata/namespace").to_string();
    let paths = workload::template_paths(str_at(o, "/apiVersion"), kind(o));
    let (meta, spec) = match paths {
        Some(p) => (o.pointer(p.metadata), o.pointer(p.spec)),
        None => (None, None),
    };
    let annotations = string_map(meta.and_then(|m| m.get("annotations")));
    let in_manifest = annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(crate::annotations::SIDECAR_STATUS))
        || has_sidecar(spec);
    let pod = Pod {
        metadata: ObjectMeta {
            namespace: Some(namespace.clone()),
            labels: string_map(meta.and_then(|m| m.get("labels"))),
            annotations,
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            host_network: spec
                .and_then(|s| s.get("hostNetwork"))
                .and_then(Value::as_bool),
            ..PodSpec::default()
        }),
        status: None,
    };
    let empty = BTreeMap::new();
    let asker = Asker::Webhook {
        namespace_labels: Some(ns_labels.unwrap_or(&empty)),
    };
    let d = decision::decide_pod(snap, &pod, asker);
    let (status, reason) = classify(&d, in_manifest, pods, with_sidecar);
    WorkloadRow {
        namespace,
        kind: kind(o).to_string(),
        name: str_at(o, "/metadata/name").to_string(),
        status,
        pods,
        pods_with_sidecar: with_sidecar,
        reason,
    }
}

fn classify(d: &Decision, in_manifest: bool, pods: usize, with: usize) -> (Status, String) {
    let why = reason_text(d);
    if in_manifest {
        let status = if with < pods {
            Status::RestartNeeded
        } else {
            Status::Injected
        };
        return (status, "sidecar in the manifest (kube-inject)".into());
    }
    if d.inject {
        return match (pods, with) {
            (0, _) => (Status::WillInject, why),
            (p, w) if w == p => (Status::Injected, why),
            (p, w) => (
                Status::RestartNeeded,
                format!("{} of {p} pods have no sidecar; {why}", p - w),
            ),
        };
    }
    if with > 0 {
        return (
            Status::RestartNeeded,
            format!("{with} of {pods} pods still have a sidecar; {why}"),
        );
    }
    let opted_out = matches!(
        d.main_reason(),
        Some(Reason::PodSays { .. } | Reason::NeverSelector(_) | Reason::HostNetwork)
    );
    let status = if opted_out {
        Status::OptedOut
    } else {
        Status::NotEnabled
    };
    (status, why)
}

/// The text report: a namespace table, then a workload table.
pub fn to_text(c: &Coverage) -> String {
    let ns: Vec<Vec<String>> = c
        .namespaces
        .iter()
        .map(|n| {
            let on = if n.injection { "enabled" } else { "disabled" };
            vec![n.name.clone(), on.into(), n.reason.clone()]
        })
        .collect();
    let wl: Vec<Vec<String>> = c
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.namespace.clone(),
                format!("{}/{}", w.kind.to_lowercase(), w.name),
                w.status.as_str().into(),
                format!("{}/{}", w.pods_with_sidecar, w.pods),
                w.reason.clone(),
            ]
        })
        .collect();
    let mut out = table(&["NAMESPACE", "INJECTION", "REASON"], &ns);
    out.push('\n');
    out.push_str(&table(
        &["NAMESPACE", "WORKLOAD", "STATUS", "SIDECARS", "REASON"],
        &wl,
    ));
    out
}
