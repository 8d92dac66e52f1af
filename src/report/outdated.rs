//! `outdated`: pods whose sidecar is not what the current settings would inject.
//!
//! Each injected pod is uninjected ([`crate::gitops::uninject_object`]), injected again
//! through the webhook's own entry point ([`crate::inject::mutate`]) and its injected
//! containers compared with the running ones. The API server adds defaults to what the
//! webhook returned (`terminationMessagePath`, probe thresholds, `fieldRef.apiVersion`), so a
//! rendered field matches when the live value contains it: objects compare key by key over
//! the rendered keys, lists element by element with equal lengths (an env variable added or
//! removed by an upgrade still shows).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::{kind, owner_of, replica_set_owners, str_at, table, ReportError};
use crate::inject::{Outcome, PodRequest};
use crate::settings::Snapshot;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OutdatedWorkload {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub pods: Vec<String>,
    /// `container.field` entries that differ, e.g. `istio-proxy.image`.
    pub differences: Vec<String>,
    /// What to run; a bare Pod or a Job cannot be restarted in place.
    pub restart: String,
}

/// Options of the re-render (the webhook's flags).
#[derive(Debug, Clone, Default)]
pub struct OutdatedOptions {
    pub native_sidecars: bool,
}

pub fn outdated(
    snap: &Snapshot,
    objects: &[Value],
    opts: &OutdatedOptions,
) -> Result<Vec<OutdatedWorkload>, ReportError> {
    let replica_sets = replica_set_owners(objects);
    let mut groups: BTreeMap<(String, String, String), OutdatedWorkload> = BTreeMap::new();
    for pod in objects.iter().filter(|o| kind(o) == "Pod") {
        let what = format!(
            "pod {}/{}",
            str_at(pod, "/metadata/namespace"),
            str_at(pod, "/metadata/name")
        );
        let diffs = pod_differences(snap, pod, opts)
            .map_err(|message| ReportError::Object { what, message })?;
        if diffs.is_empty() {
            continue;
        }
        let key = owner_of(pod, &replica_sets);
        let entry = groups
            .entry(key.clone())
            .or_insert_with(|| OutdatedWorkload {
                namespace: key.0.clone(),
                kind: key.1.clone(),
                name: key.2.clone(),
                pods: Vec::new(),
                differences: Vec::new(),
                restart: restart_line(&key.0, &key.1, &key.2),
            });
        entry.pods.push(str_at(pod, "/metadata/name").to_string());
        for d in diffs {
            if !entry.differences.contains(&d) {
                entry.differences.push(d);
            }
        }
    }
    Ok(groups.into_values().collect())
}

fn restart_line(ns: &str, kind: &str, name: &str) -> String {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            format!(
                "kubectl rollout restart {}/{name} -n {ns}",
                kind.to_lowercase()
            )
        }
        "Pod" => format!("kubectl delete pod {name} -n {ns}  # then recreate it from its manifest"),
        other => format!(
            "# {}/{name} -n {ns}: re-create it to pick up the new sidecar",
            other.to_lowercase()
        ),
    }
}

/// The injected containers' fields that differ from a fresh render; empty for a pod without
/// an injection or one the current settings would not inject.
fn pod_differences(
    snap: &Snapshot,
    pod: &Value,
    opts: &OutdatedOptions,
) -> Result<Vec<String>, String> {
    let status = str_at(pod, crate::annotations::SIDECAR_STATUS_POINTER);
    if status.is_empty() {
        return Ok(Vec::new());
    }
    let injected: Vec<String> = serde_json::from_str::<Value>(status)
        .ok()
        .map(|s| {
            ["containers", "initContainers"]
                .iter()
                .filter_map(|k| s.get(*k).and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let mut clean = pod.clone();
    if let Some(m) = clean.as_object_mut() {
        m.remove("status");
    }
    if let Some(m) = clean.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    crate::gitops::uninject_object(&mut clean)?;
    let envs = BTreeMap::new();
    let req = PodRequest {
        namespace: str_at(pod, "/metadata/namespace"),
        native_sidecars: opts.native_sidecars,
        proxy_envs: &envs,
        namespace_labels: None,
    };
    let patch = match crate::inject::mutate(snap, &clean, &req).map_err(|e| e.to_string())? {
        Outcome::Injected { patch, .. } => patch,
        Outcome::Skipped(_) => return Ok(Vec::new()),
    };
    let mut fresh = clean;
    let patch = patch
        .to_json_patch()
        .map_err(|e| format!("reading the re-render's patch: {e}"))?;
    json_patch::patch(&mut fresh, &patch).map_err(|e| format!("applying the re-render: {e}"))?;
    let mut out = Vec::new();
    for name in &injected {
        let (live, live_list) = find_container(pod, name);
        let (want, want_list) = find_container(&fresh, name);
        match (live, want) {
            (Some(l), Some(w)) => {
                if live_list != want_list {
                    out.push(format!("{name}: moved to {want_list}"));
                }
                out.extend(
                    field_differences(w, l)
                        .into_iter()
                        .map(|f| format!("{name}.{f}")),
                );
            }
            (Some(_), None) => out.push(format!("{name}: no longer injected")),
            (None, Some(_)) => out.push(format!("{name}: missing")),
            (None, None) => {}
        }
    }
    for (name, _) in new_containers(&fresh, &injected) {
        out.push(format!("{name}: missing"));
    }
    Ok(out)
}

fn find_container<'a>(pod: &'a Value, name: &str) -> (Option<&'a Value>, &'static str) {
    for key in ["containers", "initContainers"] {
        let found = pod
            .pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name));
        if found.is_some() {
            return (found, key);
        }
    }
    (None, "containers")
}

/// Containers the fresh render's status lists that the live pod's status did not.
fn new_containers<'a>(fresh: &'a Value, injected: &[String]) -> Vec<(String, &'a Value)> {
    let status = str_at(fresh, crate::annotations::SIDECAR_STATUS_POINTER);
    let names: Vec<String> = serde_json::from_str::<Value>(status)
        .ok()
        .map(|s| {
            ["containers", "initContainers"]
                .iter()
                .filter_map(|k| s.get(*k).and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    names
        .into_iter()
        .filter(|n| !injected.contains(n))
        .filter_map(|n| find_container(fresh, &n).0.map(|c| (n, c)))
        .collect()
}

/// Top-level fields (with env variable names for `env`) where `live` lacks what `want` says.
fn field_differences(want: &Value, live: &Value) -> Vec<String> {
    let Some(w) = want.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, wv) in w {
        let lv = live.get(k).unwrap_or(&Value::Null);
        if k == "env" {
            out.extend(env_differences(wv, lv));
        } else if !contains(lv, wv) {
            out.push(k.clone());
        }
    }
    out
}

fn env_differences(want: &Value, live: &Value) -> Vec<String> {
    let by_name = |v: &Value| -> BTreeMap<String, Value> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|e| (str_at(e, "/name").to_string(), e.clone()))
            .collect()
    };
    let (w, l) = (by_name(want), by_name(live));
    let mut out = Vec::new();
    for (name, wv) in &w {
        match l.get(name) {
            None => out.push(format!("env.{name} (added)")),
            Some(lv) if !contains(lv, wv) => out.push(format!("env.{name}")),
            Some(_) => {}
        }
    }
    out.extend(
        l.keys()
            .filter(|n| !w.contains_key(*n))
            .map(|n| format!("env.{n} (removed)")),
    );
    out
}

/// `live` holds everything `want` says (and possibly API server defaults besides).
fn contains(live: &Value, want: &Value) -> bool {
    match (live, want) {
        (Value::Object(l), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| contains(l.get(k).unwrap_or(&Value::Null), wv)),
        (Value::Array(l), Value::Array(w)) => {
            l.len() == w.len() && l.iter().zip(w).all(|(a, b)| contains(a, b))
        }
        (Value::Null, Value::Object(w)) => w.is_empty(),
        (Value::Null, Value::Array(w)) => w.is_empty(),
        (l, w) => l == w,
    }
}

pub fn to_text(rows: &[OutdatedWorkload]) -> String {
    if rows.is_empty() {
        return "All injected pods match the current settings.\n".into();
    }
    let t: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.namespace.clone(),
                format!("{}/{}", r.kind.to_lowercase(), r.name),
                r.pods.len().to_string(),
                r.differences.join(", "),
            ]
        })
        .collect();
    let mut out = table(&["NAMESPACE", "WORKLOAD", "PODS", "DIFFERENCES"], &t);
    out.push_str("\nTo roll them onto the current sidecar:\n");
    for r in rows {
        out.push_str(&r.restart);
        out.push('\n');
    }
    out
}
