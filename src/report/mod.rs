//! Rollout reports from plain `kubectl get … -o yaml` output: `coverage` (who gets a sidecar,
//! who opted out, who waits for a restart) and `outdated` (whose sidecar differs from what the
//! current settings inject).
//!
//! No cluster access: the input is a `v1` `List` or a multi-document stream. Decisions come
//! from [`crate::decision::decide_pod`] with the namespace's labels, the same call the webhook makes
//! when it watches namespaces; re-rendering goes through [`crate::inject::mutate`], the
//! webhook's own entry point.

pub mod coverage;
pub mod outdated;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::yaml;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error("{what}: {message}")]
    Object { what: String, message: String },
}

/// Every object of the input, `v1` `List`s flattened.
pub fn read_objects(text: &str) -> Result<Vec<Value>, ReportError> {
    let mut out = Vec::new();
    for doc in yaml::read_documents(text)? {
        if let Some(v) = doc.value {
            flatten(v, &mut out);
        }
    }
    Ok(out)
}

fn flatten(v: Value, out: &mut Vec<Value>) {
    let is_list = v
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && v.get("items").is_some_and(Value::is_array);
    if !is_list {
        out.push(v);
        return;
    }
    if let Some(Value::Array(items)) = v.get("items").cloned() {
        for item in items {
            flatten(item, out);
        }
    }
}

pub(crate) fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn kind(v: &Value) -> &str {
    str_at(v, "/kind")
}

/// A label or annotation map as strings (YAML may hand us `true` or `8080` unquoted).
pub(crate) fn string_map(v: Option<&Value>) -> Option<BTreeMap<String, String>> {
    let m = v?.as_object()?;
    Some(
        m.iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect(),
    )
}

/// Whether a pod spec runs `istio-proxy` (as a container or a native sidecar).
pub(crate) fn has_sidecar(spec: Option<&Value>) -> bool {
    let Some(spec) = spec else { return false };
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_array))
        .flatten()
        .any(|c| c.get("name").and_then(Value::as_str) == Some("istio-proxy"))
}

/// `(namespace, kind, name)` of the workload a pod belongs to: the Deployment behind a
/// ReplicaSet when the ReplicaSet is in the input (its owner reference) or by Istio's
/// name-hash rule, else the controller itself, else the pod.
pub(crate) fn owner_of(
    pod: &Value,
    replica_sets: &BTreeMap<(String, String), String>,
) -> (String, String, String) {
    let ns = str_at(pod, "/metadata/namespace").to_string();
    let meta = pod
        .get("metadata")
        .cloned()
        .and_then(|m| serde_json::from_value(m).ok())
        .unwrap_or_default();
    let controller = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true));
    if let Some(rs) = controller.filter(|r| kind(r) == "ReplicaSet") {
        let key = (ns.clone(), str_at(rs, "/name").to_string());
        if let Some(deploy) = replica_sets.get(&key) {
            return (ns, "Deployment".into(), deploy.clone());
        }
    }
    let (deploy, type_meta) = crate::workload::deploy_meta_from_pod(&meta);
    (ns, type_meta.kind, deploy.name)
}

/// ReplicaSets in the input that a Deployment owns: `(namespace, replicaset)` → deployment.
pub(crate) fn replica_set_owners(objects: &[Value]) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for rs in objects.iter().filter(|o| kind(o) == "ReplicaSet") {
        let owner = rs
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| kind(r) == "Deployment");
        if let Some(owner) = owner {
            out.insert(
                (
                    str_at(rs, "/metadata/namespace").to_string(),
                    str_at(rs, "/metadata/name").to_string(),
                ),
                str_at(owner, "/name").to_string(),
            );
        }
    }
    out
}

/// A plain text table: columns padded to their widest cell, two spaces apart.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let n = cells.len();
        for (i, (cell, w)) in cells.into_iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i + 1 < n {
                out.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}
