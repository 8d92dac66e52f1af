//! The patch operations for what the fast path changed (see the parent module's note).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation};
use k8s_openapi::api::core::v1::{Container, Lifecycle, Pod, Probe};
use serde_json::{Map, Value};

use super::{Named, LISTS};
use crate::goenc::Recent;
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

/// What the pod as sent had of the parts the fast path changes. It is its own Go encoding
/// (see `fallback_reason`), so this is also what Go prints of them.
pub(super) struct Was {
    pub labels: Option<BTreeMap<String, String>>,
    pub annotations: Option<BTreeMap<String, String>>,
    /// The names of its own elements of each of [`LISTS`], in order.
    pub own: [Vec<String>; 4],
}

/// The operations that turn the pod as sent (`was`) into the injected `pod`, knowing that only
/// the parts named in the module note changed. New containers are encoded through `recent`
/// (the snapshot's encodings of earlier pods' elements); `added`: the volumes and pull secrets
/// in their final order, `None` for the pod's own, else the new one's encoding (the pod keeps
/// its own lists of those as sent).
pub(super) fn emit(
    was: &Was,
    pod: &mut Pod,
    before: &HashMap<(bool, String), Probes>,
    added: [Vec<Option<Arc<str>>>; 2],
    recent: &Recent,
) -> Result<Patch, InjectError> {
    let mut ops = Patch::default();
    let labels = was.labels.as_ref();
    emit_map(&mut ops, "labels", labels, pod.metadata.labels.as_ref());
    let annotations = was.annotations.as_ref();
    let now = pod.metadata.annotations.as_ref();
    emit_map(&mut ops, "annotations", annotations, now);
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(ops);
    };
    let [containers, inits, volumes, secrets] = &was.own;
    let encoded = encode_new(containers, &mut spec.containers, recent)?;
    emit_list(&mut ops, LISTS[0], containers, encoded);
    emit_probes(
        &mut ops,
        containers,
        &spec.containers,
        false,
        before,
        recent,
    )?;
    let now = spec.init_containers.as_deref_mut().unwrap_or_default();
    let encoded = encode_new(inits, now, recent)?;
    emit_list(&mut ops, LISTS[1], inits, encoded);
    emit_probes(&mut ops, inits, now, true, before, recent)?;
    let [volumes_now, secrets_now] = added;
    emit_list(&mut ops, LISTS[2], volumes, volumes_now);
    emit_list(&mut ops, LISTS[3], secrets, secrets_now);
    Ok(ops)
}

/// Labels or annotations: per-key operations, or the whole map when the pod had none. An empty
/// map is omitted by Go's encoding (`omitempty`).
fn emit_map(
    ops: &mut Patch,
    key: &str,
    was: Option<&BTreeMap<String, String>>,
    now: Option<&BTreeMap<String, String>>,
) {
    let was = was.filter(|m| !m.is_empty());
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
                if was.get(k) != Some(v) {
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
    own: &[String],
    now: &mut [T],
    recent: &Recent,
) -> Result<Vec<Option<Arc<str>>>, InjectError> {
    now.iter_mut()
        .map(|e| {
            if own.iter().any(|name| name == e.name()) {
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
/// `own`: the pod's own elements' names; Go prints the list only when there are some (and
/// `containers`, here never empty).
fn emit_list(ops: &mut Patch, list: &str, own: &[String], now: Vec<Option<Arc<str>>>) {
    if own.is_empty() {
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
    own: &[String],
    now: &[Container],
    init: bool,
    before: &HashMap<(bool, String), Probes>,
    recent: &Recent,
) -> Result<(), InjectError> {
    let list = if init { LISTS[1] } else { LISTS[0] };
    for (i, c) in now.iter().enumerate() {
        if !own.contains(&c.name) {
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
            // Each rewritten field encoded on its own, as Go encodes it inside the container
            // (or found among the snapshot's kept encodings).
            let encoded = match k {
                0 => c.liveness_probe.as_ref().map(|p| recent.encode(p)),
                1 => c.readiness_probe.as_ref().map(|p| recent.encode(p)),
                2 => c.startup_probe.as_ref().map(|p| recent.encode(p)),
                _ => c.lifecycle.as_ref().map(|l| recent.encode(l)),
            };
            match encoded.transpose().map_err(RenderFailure::from)? {
                Some(text) => ops.push_add_raw(path, text),
                None => remove(ops, path),
            }
        }
    }
    Ok(())
}
