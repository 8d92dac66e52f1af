//! Application probe rewriting: Istio's `app_probe.go` plus `applyRewrite` and
//! `mergeOrAppendProbers` from its webhook.
//!
//! With mutual TLS the kubelet cannot reach the application's HTTP, TCP or gRPC probes
//! directly, so every app container's probes and `httpGet`/`tcpSocket` lifecycle hooks are
//! pointed at pilot-agent's status port (`/app-health/<container>/readyz` and friends), and the
//! original actions travel to pilot-agent as JSON in `ISTIO_KUBE_APP_PROBERS` on the
//! `istio-proxy` container. That JSON is produced exactly as Go would (see `app_probers`).
//!
//! This runs on the merged Pod, after the sidecar template has been applied; the `istio-proxy`
//! container itself is never rewritten. Everything here is infallible: where Istio logs and
//! carries on (a bad status port annotation, an unreadable previous prober list) we do the same.

mod app_probers;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::annotations::{SIDECAR_REWRITE_APP_HTTP_PROBERS, SIDECAR_STATUS, SIDECAR_STATUS_PORT};
use crate::go::strconv;
use crate::render::PROXY_CONTAINER;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, HTTPGetAction, LifecycleHandler, Pod, Probe,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub(crate) use app_probers::write_go_string;
use app_probers::{AppProbers, Prober};

/// The environment variable carrying the original probers to pilot-agent.
pub const KUBE_APP_PROBERS_ENV: &str = "ISTIO_KUBE_APP_PROBERS";

/// Whether app probes get rewritten: the annotation wins when it parses as a Go boolean,
/// otherwise the values setting (`sidecarInjectorWebhook.rewriteAppHTTPProbe`) decides.
pub fn should_rewrite(
    annotations: Option<&BTreeMap<String, String>>,
    values_default: bool,
) -> bool {
    annotations
        .and_then(|a| a.get(SIDECAR_REWRITE_APP_HTTP_PROBERS))
        .and_then(|v| strconv::parse_bool(v).ok())
        .unwrap_or(values_default)
}

/// The first `istio-proxy` among the regular containers, else among the init containers
/// (native sidecars), as Istio's `FindSidecar` looks.
pub(crate) fn find_sidecar_mut(pod: &mut Pod) -> Option<&mut Container> {
    let spec = pod.spec.as_mut()?;
    if let Some(c) = spec
        .containers
        .iter_mut()
        .find(|c| c.name == PROXY_CONTAINER)
    {
        return Some(c);
    }
    spec.init_containers
        .as_mut()?
        .iter_mut()
        .find(|c| c.name == PROXY_CONTAINER)
}

fn has_sidecar(pod: &Pod) -> bool {
    pod.spec.as_ref().is_some_and(|spec| {
        spec.containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .any(|c| c.name == PROXY_CONTAINER)
    })
}

/// The value of `ISTIO_KUBE_APP_PROBERS` for this Pod, or `None` when there is nothing to hand
/// over (Istio then adds no variable). Named ports are resolved against the container's ports;
/// a probe whose port name is unknown, or which already targets `status_port`, is left out.
pub fn dump_app_probers(pod: &Pod, status_port: i32) -> Option<String> {
    let probers = collect_app_probers(pod, status_port);
    (!probers.is_empty()).then(|| app_probers::encode(&probers))
}

/// Which probe or hook a rewritten URL stands for (`status.FormatProberURL`).
#[derive(Debug, Clone, Copy)]
enum Hook {
    Readiness,
    Liveness,
    Startup,
    PreStop,
    PostStart,
}

fn prober_url(container: &str, hook: Hook) -> String {
    match hook {
        Hook::Readiness => format!("/app-health/{container}/readyz"),
        Hook::Liveness => format!("/app-health/{container}/livez"),
        Hook::Startup => format!("/app-health/{container}/startupz"),
        Hook::PreStop => format!("/app-lifecycle/{container}/prestopz"),
        Hook::PostStart => format!("/app-lifecycle/{container}/poststartz"),
    }
}

fn collect_app_probers(pod: &Pod, target_port: i32) -> AppProbers {
    let mut out = AppProbers::new();
    let Some(spec) = pod.spec.as_ref() else {
        return out;
    };
    // Init containers first: a regular container of the same name overwrites their entries.
    for c in spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
    {
        if c.name == PROXY_CONTAINER {
            continue;
        }
        let ports = c.ports.as_deref().unwrap_or_default();
        let mut add = |hook: Hook, prober: Option<Prober>| {
            if let Some(p) = prober.and_then(|p| resolve_port(p, ports, target_port)) {
                out.insert(prober_url(&c.name, hook), Some(p));
            }
        };
        add(Hook::Readiness, probe_to_prober(c.readiness_probe.as_ref()));
        add(Hook::Liveness, probe_to_prober(c.liveness_probe.as_ref()));
        add(Hook::Startup, probe_to_prober(c.startup_probe.as_ref()));
        if let Some(lifecycle) = &c.lifecycle {
            add(
                Hook::PreStop,
                handler_to_prober(lifecycle.pre_stop.as_ref()),
            );
            add(
                Hook::PostStart,
                handler_to_prober(lifecycle.post_start.as_ref()),
            );
        }
    }
    out
}

/// One action per prober, in Istio's precedence: HTTP, then TCP, then gRPC.
fn probe_to_prober(probe: Option<&Probe>) -> Option<Prober> {
    let probe = probe?;
    let timeout_seconds = probe.timeout_seconds.unwrap_or(0);
    let prober = if let Some(h) = &probe.http_get {
        Prober {
            http_get: Some(h.clone()),
            ..Prober::default()
        }
    } else if let Some(t) = &probe.tcp_socket {
        Prober {
            tcp_socket: Some(t.clone()),
            ..Prober::default()
        }
    } else {
        Prober {
            grpc: Some(probe.grpc.clone()?),
            ..Prober::default()
        }
    };
    Some(Prober {
        timeout_seconds,
        ..prober
    })
}

/// Lifecycle hooks carry no timeout and have no gRPC form.
fn handler_to_prober(handler: Option<&LifecycleHandler>) -> Option<Prober> {
    let handler = handler?;
    if let Some(h) = &handler.http_get {
        return Some(Prober {
            http_get: Some(h.clone()),
            ..Prober::default()
        });
    }
    Some(Prober {
        tcp_socket: Some(handler.tcp_socket.clone()?),
        ..Prober::default()
    })
}

/// Istio's `updateNamedPort`: gRPC ports are always numeric and pass as they are; a named port
/// becomes its number (the last container port of that name), or drops the prober when no port
/// has that name; a numeric port equal to the status port means "already rewritten" and drops it.
fn resolve_port(mut p: Prober, ports: &[ContainerPort], target_port: i32) -> Option<Prober> {
    if p.grpc.is_some() {
        return Some(p);
    }
    let port = match (p.http_get.as_mut(), p.tcp_socket.as_mut()) {
        (Some(h), _) => &mut h.port,
        (None, Some(t)) => &mut t.port,
        (None, None) => return None,
    };
    match port {
        IntOrString::String(name) => {
            let number = ports
                .iter()
                .rev()
                .find(|cp| !name.is_empty() && cp.name.as_deref() == Some(name.as_str()))?
                .container_port;
            *port = IntOrString::Int(number);
        }
        IntOrString::Int(n) if *n == target_port => return None,
        IntOrString::Int(_) => {}
    }
    Some(p)
}

/// Points every app container's probes and `httpGet`/`tcpSocket` lifecycle hooks at
/// pilot-agent (`patchRewriteProbe`). The port is `status.sidecar.istio.io/port` when the Pod
/// has it, else `status_port`.
pub fn rewrite_app_probes(pod: &mut Pod, status_port: i32) {
    let port = annotated_status_port(pod.metadata.annotations.as_ref()).unwrap_or(status_port);
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    let containers = spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten());
    for c in containers.filter(|c| c.name != PROXY_CONTAINER) {
        convert_container(c, port);
    }
}

/// The status port annotation read like Go's `strconv.Atoi` followed by an `int32` conversion:
/// Istio logs a bad value and still uses what `Atoi` returned (0, or the clamped value when out
/// of range), truncated to 32 bits.
fn annotated_status_port(annotations: Option<&BTreeMap<String, String>>) -> Option<i32> {
    let raw = annotations?.get(SIDECAR_STATUS_PORT)?;
    let n = match raw.parse::<i64>() {
        Ok(n) => n,
        Err(e) => {
            let n = match e.kind() {
                std::num::IntErrorKind::PosOverflow => i64::MAX,
                std::num::IntErrorKind::NegOverflow => i64::MIN,
                _ => 0,
            };
            tracing::warn!(
                annotation = SIDECAR_STATUS_PORT,
                value = %raw,
                "invalid status port annotation ({e}); rewriting probes to port {} as Istio does",
                n as i32
            );
            n
        }
    };
    // Go's int32(int) conversion keeps the low 32 bits.
    Some(n as i32)
}

fn convert_container(c: &mut Container, port: i32) {
    convert_probe(&mut c.readiness_probe, &c.name, Hook::Readiness, port);
    convert_probe(&mut c.liveness_probe, &c.name, Hook::Liveness, port);
    convert_probe(&mut c.startup_probe, &c.name, Hook::Startup, port);
    if let Some(lifecycle) = c.lifecycle.as_mut() {
        convert_handler(&mut lifecycle.pre_stop, &c.name, Hook::PreStop, port);
        convert_handler(&mut lifecycle.post_start, &c.name, Hook::PostStart, port);
    }
}

/// HTTP probes keep their headers and host but move to the status port; TCP and gRPC probes
/// become plain HTTP GETs of the prober URL. Exec probes are left alone.
fn convert_probe(probe: &mut Option<Probe>, container: &str, hook: Hook, port: i32) {
    let Some(probe) = probe.as_mut() else {
        return;
    };
    if let Some(h) = probe.http_get.as_mut() {
        rewrite_http_get(h, prober_url(container, hook), port);
    } else if probe.tcp_socket.is_some() {
        probe.http_get = Some(agent_http_get(prober_url(container, hook), port));
        probe.tcp_socket = None;
    } else if probe.grpc.is_some() {
        // Kubelet → HTTP → pilot-agent → gRPC → application.
        probe.http_get = Some(agent_http_get(prober_url(container, hook), port));
        probe.grpc = None;
    }
}

fn convert_handler(handler: &mut Option<LifecycleHandler>, container: &str, hook: Hook, port: i32) {
    let Some(handler) = handler.as_mut() else {
        return;
    };
    if let Some(h) = handler.http_get.as_mut() {
        rewrite_http_get(h, prober_url(container, hook), port);
    } else if handler.tcp_socket.is_some() {
        handler.http_get = Some(agent_http_get(prober_url(container, hook), port));
        handler.tcp_socket = None;
    }
}

/// Kubelet → HTTP → pilot-agent → HTTPS → application: the kubelet side is always plain HTTP.
fn rewrite_http_get(h: &mut HTTPGetAction, url: String, port: i32) {
    h.port = IntOrString::Int(port);
    h.path = Some(url);
    if h.scheme.as_deref() == Some("HTTPS") {
        h.scheme = Some("HTTP".to_owned());
    }
}

fn agent_http_get(url: String, port: i32) -> HTTPGetAction {
    HTTPGetAction {
        path: Some(url),
        port: IntOrString::Int(port),
        ..HTTPGetAction::default()
    }
}

/// Istio's `applyRewrite`: when the Pod has a sidecar and rewriting is on, hand the original
/// probers to `istio-proxy` in `ISTIO_KUBE_APP_PROBERS`, then rewrite the probes.
/// `values_default` is `sidecarInjectorWebhook.rewriteAppHTTPProbe`; `mesh_status_port` is
/// `defaultConfig.statusPort` from the mesh config.
pub fn apply_rewrite(pod: &mut Pod, values_default: bool, mesh_status_port: i32) {
    if !has_sidecar(pod) {
        return;
    }
    let annotations = pod.metadata.annotations.as_ref();
    if !should_rewrite(annotations, values_default) {
        return;
    }
    let probers = collect_app_probers(pod, mesh_status_port);
    if !probers.is_empty() {
        let previously_injected = annotations.is_some_and(|a| a.contains_key(SIDECAR_STATUS));
        if let Some(sidecar) = find_sidecar_mut(pod) {
            let env = sidecar.env.get_or_insert_with(Vec::new);
            merge_or_append_probers(previously_injected, env, probers);
        }
    }
    rewrite_app_probes(pod, mesh_status_port);
}

/// A first injection appends the variable. On re-injection an existing variable is merged:
/// its entries win over the new ones (they hold the pre-rewrite originals), and the result is
/// re-encoded in place; if it cannot be read, Istio leaves the env untouched.
fn merge_or_append_probers(
    previously_injected: bool,
    env: &mut Vec<EnvVar>,
    mut probers: AppProbers,
) {
    if previously_injected {
        if let Some(existing) = env.iter_mut().find(|e| e.name == KUBE_APP_PROBERS_ENV) {
            match app_probers::decode(existing.value.as_deref().unwrap_or_default()) {
                Ok(previous) => probers.extend(previous),
                Err(e) => {
                    tracing::warn!(
                        env = KUBE_APP_PROBERS_ENV,
                        "keeping the existing app probers: {e}"
                    );
                    return;
                }
            }
            *existing = probers_env(&probers);
            return;
        }
    }
    env.push(probers_env(&probers));
}

fn probers_env(probers: &AppProbers) -> EnvVar {
    EnvVar {
        name: KUBE_APP_PROBERS_ENV.to_owned(),
        value: Some(app_probers::encode(probers)),
        value_from: None,
    }
}
