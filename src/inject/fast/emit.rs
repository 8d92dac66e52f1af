//! The patch operations for what the fast path changed (see the parent module's note).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation};
use k8s_openapi::api::core::v1::{Container, Lifecycle, Pod, Probe};
use serde_json::{Map, Value};

use super::{at, Named};
use crate::goenc::{encode, Recent};
use crate::inject::{InjectError, Patch, RenderFailure};

/// What the probe rewrite may change in a container: its probes and lifecycle handlers.
type Probes = ([Option<Probe>; 3], Option<Lifecycle>);

fn probes(c: &Container) -> Probes {
    (
        [
            c.liveness_probe.clone(),
            c.readiness_probe.clone(),
            c.startup_probe.clone(),
        ],
        c.lifecycle.clone(),
    )
}

const PROBE_FIELDS: [&str; 4] = [
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
];

/// The probes of the pod's own containers before post-processing (the only part of them it
/// rewrites), by list and name.
pub(super) fn probes_by_name(pod: &Pod) -> HashMap<(bool, String), Probes> {
    let Some(spec) = pod.spec.as_ref() else {
        return HashMap::new();
    };
    let own = |init: bool, c: &Container| ((init, c.name.clone()), probes(c));
    spec.containers
        .iter()
        .map(|c| own(false, c))
        .chain(spec.init_containers.iter().flatten().map(|c| own(true, c)))
        .collect()
}

fn ptr(tokens: &[&str]) -> PointerBuf {
    PointerBuf::from_tokens(tokens.iter().copied())
}

fn add(ops: &mut Patch, path: PointerBuf, value: Value) {
    ops.push(PatchOperation::Add(AddOperation { path, value }));
}

fn remove(ops: &mut Patch, path: PointerBuf) {
    ops.push(PatchOperation::Remove(RemoveOperation { path }));
}

/// The operations that turn `original` (the pod as sent, its own Go encoding) into the
/// injected `pod`, knowing that only the parts named in the module note changed. New elements
/// are encoded through `recent` (the snapshot's encodings of earlier pods' elements).
pub(super) fn emit(
    original: &Value,
    pod: &mut Pod,
    before: &HashMap<(bool, String), Probes>,
    recent: &Recent,
) -> Result<Patch, InjectError> {
    let mut ops = Patch::default();
    emit_map(&mut ops, original, "labels", pod.metadata.labels.as_ref());
    emit_map(
        &mut ops,
        original,
        "annotations",
        pod.metadata.annotations.as_ref(),
    );
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(ops);
    };
    let containers = encode_new(original, "containers", &mut spec.containers, recent)?;
    emit_list(&mut ops, original, "containers", containers);
    emit_probes(
        &mut ops,
        original,
        "containers",
        &spec.containers,
        false,
        before,
    )?;
    let inits = spec.init_containers.as_deref_mut().unwrap_or_default();
    let encoded = encode_new(original, "initContainers", inits, recent)?;
    emit_list(&mut ops, original, "initContainers", encoded);
    emit_probes(&mut ops, original, "initContainers", inits, true, before)?;
    let volumes = spec.volumes.as_deref_mut().unwrap_or_default();
    let encoded = encode_new(original, "volumes", volumes, recent)?;
    emit_list(&mut ops, original, "volumes", encoded);
    let secrets = spec.image_pull_secrets.as_deref_mut().unwrap_or_default();
    let encoded = encode_new(original, "imagePullSecrets", secrets, recent)?;
    emit_list(&mut ops, original, "imagePullSecrets", encoded);
    Ok(ops)
}

/// Labels or annotations: per-key operations, or the whole map when the pod had none. An empty
/// map is omitted by Go's encoding (`omitempty`).
fn emit_map(ops: &mut Patch, original: &Value, key: &str, now: Option<&BTreeMap<String, String>>) {
    let was = at(original, "metadata", key)
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty());
    let now = now.filter(|m| !m.is_empty());
    match (was, now) {
        (None, None) => {}
        (Some(_), None) => remove(ops, ptr(&["metadata", key])),
        (None, Some(now)) => {
            let map: Map<String, Value> = now
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            add(ops, ptr(&["metadata", key]), Value::Object(map));
        }
        (Some(was), Some(now)) => {
            for (k, v) in now {
                if was.get(k).and_then(Value::as_str) != Some(v.as_str()) {
                    add(ops, ptr(&["metadata", key, k]), Value::String(v.clone()));
                }
            }
            for k in was.keys().filter(|k| !now.contains_key(*k)) {
                remove(ops, ptr(&["metadata", key, k]));
            }
        }
    }
}

/// The final list, each element either the pod's own (`None`: unchanged here) or new, as Go
/// encodes it (JSON text). The elements are only borrowed mutably for the encoding's sake
/// (`Recent::encode_container`) and left as they were.
fn encode_new<T: Named>(
    original: &Value,
    list: &str,
    now: &mut [T],
    recent: &Recent,
) -> Result<Vec<Option<Arc<str>>>, InjectError> {
    let own: Vec<&str> = at(original, "spec", list)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    now.iter_mut()
        .map(|e| {
            if own.contains(&e.name()) {
                Ok(None)
            } else {
                e.encode_in(recent)
                    .map(Some)
                    .map_err(|e| RenderFailure::from(e).into())
            }
        })
        .collect()
}

/// Adds the new elements at their final positions. The pod's own elements keep their relative
/// order (checked by `order_kept`; the reorder only moves injected names), so inserting each
/// new one at its final index, left to right, yields the final list.
fn emit_list(ops: &mut Patch, original: &Value, list: &str, now: Vec<Option<Arc<str>>>) {
    let had = at(original, "spec", list).is_some_and(Value::is_array);
    if !had {
        if !now.is_empty() {
            let all: Vec<&str> = now.iter().flatten().map(AsRef::as_ref).collect();
            let all = format!("[{}]", all.join(","));
            ops.push_add_raw(ptr(&["spec", list]), Arc::from(all));
        }
        return;
    }
    for (i, element) in now.into_iter().enumerate() {
        if let Some(value) = element {
            let mut path = ptr(&["spec", list]);
            path.push_back(i);
            ops.push_add_raw(path, value);
        }
    }
}

/// Probes the post-processing rewrote on the pod's own containers, at their final indexes.
fn emit_probes(
    ops: &mut Patch,
    original: &Value,
    list: &str,
    now: &[Container],
    init: bool,
    before: &HashMap<(bool, String), Probes>,
) -> Result<(), InjectError> {
    let own = at(original, "spec", list).and_then(Value::as_array);
    let is_own = |name: &str| {
        own.is_some_and(|l| {
            l.iter()
                .any(|c| c.get("name").and_then(Value::as_str) == Some(name))
        })
    };
    for (i, c) in now.iter().enumerate() {
        if !is_own(&c.name) {
            continue;
        }
        let Some(was) = before.get(&(init, c.name.clone())) else {
            continue;
        };
        let after = (
            [
                c.liveness_probe.as_ref(),
                c.readiness_probe.as_ref(),
                c.startup_probe.as_ref(),
            ],
            c.lifecycle.as_ref(),
        );
        let unchanged = |k: usize| match k {
            3 => was.1.as_ref() == after.1,
            _ => was.0.get(k).and_then(Option::as_ref) == after.0.get(k).copied().flatten(),
        };
        for (k, field) in PROBE_FIELDS.iter().enumerate() {
            if unchanged(k) {
                continue;
            }
            let mut path = ptr(&["spec", list]);
            path.push_back(i);
            path.push_back(*field);
            // Each rewritten field encoded on its own, as Go encodes it inside the container.
            let encoded = match k {
                0 => c.liveness_probe.as_ref().map(encode),
                1 => c.readiness_probe.as_ref().map(encode),
                2 => c.startup_probe.as_ref().map(encode),
                _ => c.lifecycle.as_ref().map(encode),
            };
            match encoded.transpose().map_err(RenderFailure::from)? {
                Some(text) => ops.push_add_raw(path, text),
                None => remove(ops, path),
            }
        }
    }
    Ok(())
}
