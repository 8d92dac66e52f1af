//! Pod surgery around the template merge: stripping a previous injection, re-applying the
//! user's own sidecar settings (and its user to the init container), and the post-processing
//! Istio does after merging: prometheus merge (`prometheus.rs`), probe rewriting (`probes.rs`),
//! status annotation, container order. None of it renders a template: it edits the merged Pod.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod, PodSpec};
use serde_json::{json, Value};

pub mod probes;
pub mod prometheus;

use super::{status, AnnotationFault, InjectError, RenderFailure};
use crate::annotations as n;
use crate::render::{
    ENABLE_CORE_DUMP_CONTAINER, INIT_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER,
};
use crate::settings::ProxyView;
use crate::settings::Snapshot;

/// Istio's `stripPod` + `reinsertOverrides`: the pod the templates see. Istio reinserts the
/// containers of `proxy.istio.io/overrides` into every pod, injected before or not, so a
/// template ranging over `.Spec.Containers` sees them. A pod with neither a previous injection
/// nor overrides is borrowed as it is.
pub fn strip_pod<'a>(snap: &Snapshot, pod: &'a Pod) -> Cow<'a, Pod> {
    let annotations = pod.metadata.annotations.as_ref();
    let prev = annotations
        .and_then(|a| a.get(n::SIDECAR_STATUS))
        .and_then(|s| serde_json::from_str::<status::Status>(s).ok());
    let has_overrides = annotations.is_some_and(|a| a.contains_key(n::PROXY_OVERRIDES));
    if prev.is_none() && !has_overrides {
        return Cow::Borrowed(pod);
    }
    let mut pod = pod.clone();
    if let Some(prev) = prev {
        if let Some(spec) = pod.spec.as_mut() {
            spec.containers
                .retain(|c| !prev.containers.contains(&c.name));
            if let Some(inits) = spec.init_containers.as_mut() {
                inits.retain(|c| !prev.init_containers.contains(&c.name));
            }
        }
        prometheus::strip_previous_injection_prometheus(&mut pod, snap.status_port());
        if let Some(a) = pod.metadata.annotations.as_mut() {
            a.remove(n::SIDECAR_STATUS);
        }
    }
    reinsert_overrides(&mut pod);
    Cow::Owned(pod)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Overrides {
    containers: Vec<Container>,
    init_containers: Vec<Container>,
}

fn overrides_of(pod: &Pod) -> Result<Overrides, InjectError> {
    match pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(n::PROXY_OVERRIDES))
    {
        None => Ok(Overrides::default()),
        Some(s) => {
            serde_json::from_str(s).map_err(|source| AnnotationFault::Overrides { source }.into())
        }
    }
}

fn reinsert_overrides(pod: &mut Pod) {
    let Ok(o) = overrides_of(pod) else { return };
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    for c in o.containers {
        if !spec.containers.iter().any(|x| x.name == c.name) {
            spec.containers.push(c);
        }
    }
    // As Go's append: the list exists only once something is added to it.
    for c in o.init_containers {
        let inits = spec.init_containers.get_or_insert_with(Vec::new);
        if !inits.iter().any(|x| x.name == c.name) {
            inits.push(c);
        }
    }
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v.pointer(&format!("/spec/{key}"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// With native sidecars the template puts `istio-proxy` under initContainers; a user's own
/// `istio-proxy` in `containers` moves there too so the two merge.
pub fn move_proxy_to_init(pod: &mut Value, template: &Value) {
    if !names(template, "initContainers")
        .iter()
        .any(|c| c == PROXY_CONTAINER)
    {
        return;
    }
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(containers) = spec.get_mut("containers").and_then(Value::as_array_mut) else {
        return;
    };
    let Some(i) = containers
        .iter()
        .position(|c| c.get("name").and_then(Value::as_str) == Some(PROXY_CONTAINER))
    else {
        return;
    };
    let proxy = containers.remove(i);
    let inits = spec.entry("initContainers").or_insert_with(|| json!([]));
    if let Some(list) = inits.as_array_mut() {
        list.push(proxy);
    }
}

/// Istio's `reapplyOverwrittenContainers`: a container the user defined with the same name as an
/// injected one (typically `istio-proxy`) is merged back over the injected one.
pub fn reapply_overrides(
    merged: &mut Value,
    original: &Pod,
    template: &Pod,
    proxy: &ProxyView,
) -> Result<(), InjectError> {
    let existing = overrides_of(original)?;
    let already = original
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(n::SIDECAR_STATUS))
        .and_then(|s| serde_json::from_str::<status::Status>(s).ok());
    let no_spec = PodSpec::default();
    let spec = original.spec.as_ref().unwrap_or(&no_spec);
    let tspec = template.spec.as_ref().unwrap_or(&no_spec);
    let mut applied: (Vec<Value>, Vec<Value>) = (Vec::new(), Vec::new());
    for (init, list) in [
        (false, &tspec.containers),
        (true, tspec.init_containers.as_ref().unwrap_or(&Vec::new())),
    ] {
        for c in list {
            let prev = already.as_ref().map(|s| {
                if init {
                    &s.init_containers
                } else {
                    &s.containers
                }
            });
            if prev.is_some_and(|p| p.contains(&c.name)) {
                continue;
            }
            let from_ann = if init {
                &existing.init_containers
            } else {
                &existing.containers
            };
            let found = from_ann.iter().find(|x| x.name == c.name).or_else(|| {
                let own = spec.containers.iter().find(|x| x.name == c.name);
                if init {
                    own.or_else(|| {
                        spec.init_containers
                            .iter()
                            .flatten()
                            .find(|x| x.name == c.name)
                    })
                } else {
                    own
                }
            });
            let Some(found) = found else { continue };
            let mut overlay = found.clone();
            if overlay.image.as_deref() == Some("auto") {
                overlay.image = None;
            }
            let mut ov = serde_json::to_value(&overlay).map_err(RenderFailure::Json)?;
            crate::goenc::normalize_container(&mut ov).map_err(RenderFailure::Encode)?;
            let patch = if init {
                json!({ "spec": { "initContainers": [ov.clone()] } })
            } else {
                json!({ "spec": { "containers": [ov.clone()] } })
            };
            super::merge(merged, &patch)?;
            if init {
                applied.1.push(ov)
            } else {
                applied.0.push(ov)
            }
        }
    }
    if already.is_none() && (!applied.0.is_empty() || !applied.1.is_empty()) {
        let text = status::overrides_annotation(&applied.0, &applied.1);
        let meta = merged.as_object_mut().and_then(|m| {
            m.entry("metadata")
                .or_insert_with(|| json!({}))
                .as_object_mut()
        });
        if let Some(meta) = meta {
            let ann = meta.entry("annotations").or_insert_with(|| json!({}));
            if let Some(a) = ann.as_object_mut() {
                a.insert(n::PROXY_OVERRIDES.into(), Value::String(text));
            }
        }
    }
    adjust_init_container_user(merged, original, proxy)?;
    Ok(())
}

/// Istio's `adjustInitContainerUser`: a user-set `runAsUser` on `istio-proxy` becomes
/// iptables' `-u` (and the validation container's user) so traffic capture skips the right UID.
/// TPROXY (from the effective ProxyConfig, mesh-wide or `proxy.istio.io/config`, or from the
/// annotation) keeps the proxy at UID 0 whatever the user set.
fn adjust_init_container_user(
    merged: &mut Value,
    original: &Pod,
    proxy: &ProxyView,
) -> Result<(), InjectError> {
    let Some(user) = find_container(original, PROXY_CONTAINER) else {
        return Ok(());
    };
    let Some(sc) = user.security_context.as_ref() else {
        return Ok(());
    };
    if sc.run_as_user.is_none() && sc.run_as_group.is_none() {
        return Ok(());
    }
    let mut pod: Pod = serde_json::from_value(merged.clone()).map_err(RenderFailure::Json)?;
    let tproxy = proxy.interception_mode == "TPROXY"
        || pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(n::SIDECAR_INTERCEPTION_MODE))
            .is_some_and(|m| m == "TPROXY");
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(());
    };
    if tproxy && sc.run_as_user.is_some() {
        let proxy = spec
            .containers
            .iter_mut()
            .chain(spec.init_containers.iter_mut().flatten())
            .find(|c| c.name == PROXY_CONTAINER);
        if let Some(psc) = proxy.and_then(|p| p.security_context.as_mut()) {
            psc.run_as_user = Some(0);
        }
    }
    let Some(init) = spec
        .init_containers
        .iter_mut()
        .flatten()
        .find(|c| c.name == INIT_CONTAINER || c.name == VALIDATION_CONTAINER)
    else {
        return Ok(());
    };
    if !tproxy && init.name == VALIDATION_CONTAINER {
        let isc = init.security_context.get_or_insert_with(Default::default);
        if sc.run_as_user.is_some() {
            isc.run_as_user = sc.run_as_user;
        }
        if sc.run_as_group.is_some() {
            isc.run_as_group = sc.run_as_group;
        }
    }
    if let Some(uid) = sc.run_as_user.filter(|u| *u != 0) {
        if let Some(args) = init.args.as_mut() {
            if let Some(i) = args.iter().position(|a| a == "-u") {
                if let Some(user) = args.get_mut(i + 1) {
                    *user = uid.to_string();
                }
            }
        }
    }
    *merged = serde_json::to_value(&pod).map_err(RenderFailure::Json)?;
    Ok(())
}

fn find_container<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == name)
}

/// Istio's `postProcessPod`.
pub fn post_process(
    snap: &Snapshot,
    pod: &mut Pod,
    template: &Pod,
    proxy: &ProxyView,
    proxy_envs: &BTreeMap<String, String>,
    target: &super::Target,
) -> Result<(), InjectError> {
    overwrite_cluster_info(pod, proxy_envs);
    prometheus::apply_prometheus_merge(pod, snap.prometheus_merge(), proxy.status_port);
    probes::apply_rewrite(
        pod,
        snap.values.sidecar_injector_webhook.rewrite_app_http_probe,
        proxy.status_port,
    );
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    if let Some(nw) = proxy_envs.get("ISTIO_META_NETWORK") {
        pod.metadata
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(n::TOPOLOGY_NETWORK_LABEL.into(), nw.clone());
    }
    annotations.insert(
        n::SIDECAR_STATUS.into(),
        status::injection_status(template, &target.revision),
    );
    if !target.kube_inject {
        for (k, v) in &snap.values.sidecar_injector_webhook.injected_annotations {
            annotations.insert(k.clone(), v.clone());
        }
    }
    pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    let hold = proxy.hold_application_until_proxy_starts
        || snap
            .values
            .global
            .proxy
            .hold_application_until_proxy_starts
            .unwrap_or(false);
    reorder(pod, hold);
    Ok(())
}

/// Istio's `updateClusterEnvs`: URL-given settings replace the proxy's env entries of the same
/// name, appended in key order.
fn overwrite_cluster_info(pod: &mut Pod, envs: &BTreeMap<String, String>) {
    if envs.is_empty() {
        return;
    }
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    let proxy = spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
        .find(|c| c.name == PROXY_CONTAINER);
    let Some(proxy) = proxy else { return };
    let env = proxy.env.get_or_insert_with(Vec::new);
    env.retain(|e| !envs.contains_key(&e.name));
    env.extend(envs.iter().map(|(k, v)| EnvVar {
        name: k.clone(),
        value: Some(v.clone()),
        value_from: None,
    }));
}

enum Place {
    First,
    Last,
}

fn move_container(list: &mut Vec<Container>, name: &str, place: Place) {
    if let Some(i) = list.iter().position(|c| c.name == name) {
        let c = list.remove(i);
        match place {
            Place::First => list.insert(0, c),
            Place::Last => list.push(c),
        }
    }
}

/// Istio's `reorderPod`: the proxy last (first when the app waits for it); with native
/// sidecars init → proxy → the rest, otherwise validation first and iptables last.
fn reorder(pod: &mut Pod, hold: bool) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    move_container(
        &mut spec.containers,
        PROXY_CONTAINER,
        if hold { Place::First } else { Place::Last },
    );
    let Some(inits) = spec.init_containers.as_mut() else {
        return;
    };
    if inits.iter().any(|c| c.name == PROXY_CONTAINER) {
        for name in [
            ENABLE_CORE_DUMP_CONTAINER,
            PROXY_CONTAINER,
            VALIDATION_CONTAINER,
            INIT_CONTAINER,
        ] {
            move_container(inits, name, Place::First);
        }
    } else {
        move_container(inits, VALIDATION_CONTAINER, Place::First);
        move_container(inits, INIT_CONTAINER, Place::Last);
        move_container(inits, ENABLE_CORE_DUMP_CONTAINER, Place::Last);
    }
}
