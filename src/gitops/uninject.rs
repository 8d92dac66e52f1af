//! `uninject`: undo an injection, reading what was added from what the injection recorded.
//!
//! `sidecar.istio.io/status` names the containers, init containers, volumes and image pull
//! secrets the templates added; `proxy.istio.io/overrides` keeps the user's own `istio-proxy`
//! settings; `istio-proxy`'s `ISTIO_KUBE_APP_PROBERS` keeps the original probe actions and
//! `ISTIO_PROMETHEUS_ANNOTATIONS` the original scrape annotations. Labels and annotations the
//! template adds without recording them (`security.istio.io/tlsMode`, the canonical service
//! labels, `istio.io/rev`, `kubectl.kubernetes.io/default-container`) are removed when they
//! hold exactly the value injection would have given them, so a user's own different value
//! survives. The goal is `uninject(inject(m)) == m` for manifests without Istio parts, and
//! re-injection of the result equal to injecting the clean manifest.

use serde_json::{Map, Value};

use crate::annotations as n;
use crate::inject::post::probes::KUBE_APP_PROBERS_ENV;
use crate::inject::post::prometheus::{MERGED_METRICS_PATH, PROMETHEUS_ANNOTATIONS_ENV};
use crate::render::PROXY_CONTAINER;

#[derive(Debug, thiserror::Error)]
pub enum UninjectError {
    #[error("annotation {annotation} is not valid JSON: {message}")]
    Annotation {
        annotation: &'static str,
        message: String,
    },
    #[error("{PROXY_ENV_OWNER} env {name} is not valid JSON: {message}")]
    ProxyEnv { name: &'static str, message: String },
}

const PROXY_ENV_OWNER: &str = "istio-proxy";

/// What `sidecar.istio.io/status` records.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Status {
    #[serde(deserialize_with = "nullable")]
    init_containers: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    containers: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    volumes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    image_pull_secrets: Vec<String>,
    revision: String,
}

fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    use serde::Deserialize;
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Removes the injection from a pod template given as its `metadata` and `spec` objects.
/// `workload` is the workload's name (the canonical-name label's last fallback).
/// `Ok(false)`: not injected (no status annotation), nothing changed.
pub fn uninject_template(
    meta: &mut Value,
    spec: &mut Value,
    workload: &str,
) -> Result<bool, UninjectError> {
    let Some(raw) = meta
        .pointer(&format!("/annotations/{}", esc(n::SIDECAR_STATUS)))
        .and_then(Value::as_str)
    else {
        return Ok(false);
    };
    let status: Status = serde_json::from_str(raw).map_err(|e| UninjectError::Annotation {
        annotation: n::SIDECAR_STATUS,
        message: e.to_string(),
    })?;
    let overrides = overrides(meta)?;
    let proxy = find_proxy(spec).cloned();
    let probers = proxy_env_json(proxy.as_ref(), KUBE_APP_PROBERS_ENV)?;
    let scrape = proxy_env_json(proxy.as_ref(), PROMETHEUS_ANNOTATIONS_ENV)?;

    let injected: Vec<&str> = status
        .containers
        .iter()
        .chain(&status.init_containers)
        .map(String::as_str)
        .collect();
    for key in ["containers", "initContainers"] {
        remove_containers(spec, key, &injected, overrides.get(key));
    }
    remove_named(spec, "volumes", &status.volumes);
    remove_named(spec, "imagePullSecrets", &status.image_pull_secrets);
    if let Some(Value::Object(probers)) = &probers {
        restore_probes(spec, probers);
    }
    restore_annotations(meta, spec, &status, scrape.as_ref());
    restore_labels(meta, workload);
    Ok(true)
}

/// JSON pointer escaping of one key.
fn esc(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn overrides(meta: &Value) -> Result<Map<String, Value>, UninjectError> {
    let ptr = format!("/annotations/{}", esc(n::PROXY_OVERRIDES));
    match meta.pointer(&ptr).and_then(Value::as_str) {
        None => Ok(Map::new()),
        Some(s) => serde_json::from_str(s).map_err(|e| UninjectError::Annotation {
            annotation: n::PROXY_OVERRIDES,
            message: e.to_string(),
        }),
    }
}

fn find_proxy(spec: &Value) -> Option<&Value> {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_array))
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(PROXY_CONTAINER))
}

/// The JSON value of one of `istio-proxy`'s env variables, when set.
fn proxy_env_json(
    proxy: Option<&Value>,
    name: &'static str,
) -> Result<Option<Value>, UninjectError> {
    let text = proxy
        .and_then(|p| p.get("env"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|e| e.get("value"))
        .and_then(Value::as_str);
    match text {
        None | Some("") => Ok(None),
        Some(t) => serde_json::from_str(t)
            .map(Some)
            .map_err(|e| UninjectError::ProxyEnv {
                name,
                message: e.to_string(),
            }),
    }
}

fn name_of(v: &Value) -> &str {
    v.get("name").and_then(Value::as_str).unwrap_or("")
}

/// Drops the injected containers of `spec[key]`; one the user had declared before
/// (`proxy.istio.io/overrides`) goes back in its place as the user wrote it.
fn remove_containers(spec: &mut Value, key: &str, injected: &[&str], overrides: Option<&Value>) {
    let Some(list) = spec.get_mut(key).and_then(Value::as_array_mut) else {
        return;
    };
    let own: Vec<&Value> = overrides
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for c in list.drain(..) {
        let name = name_of(&c).to_string();
        if !injected.contains(&name.as_str()) {
            out.push(c);
        } else if let Some(user) = own.iter().find(|o| name_of(o) == name) {
            out.push((*user).clone());
        }
    }
    *list = out;
    drop_if_empty(spec, key);
}

fn remove_named(spec: &mut Value, key: &str, names: &[String]) {
    if let Some(list) = spec.get_mut(key).and_then(Value::as_array_mut) {
        list.retain(|v| !names.iter().any(|n| n == name_of(v)));
    }
    drop_if_empty(spec, key);
}

/// An emptied list or map goes away entirely: Go's encoding omits empty ones, and the
/// injection created them.
fn drop_if_empty(obj: &mut Value, key: &str) {
    let empty = match obj.get(key) {
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    };
    if empty {
        if let Some(m) = obj.as_object_mut() {
            m.remove(key);
        }
    }
}

const PROBES: [(&str, &str); 3] = [
    ("readinessProbe", "/app-health/{}/readyz"),
    ("livenessProbe", "/app-health/{}/livez"),
    ("startupProbe", "/app-health/{}/startupz"),
];
const HOOKS: [(&str, &str); 2] = [
    ("preStop", "/app-lifecycle/{}/prestopz"),
    ("postStart", "/app-lifecycle/{}/poststartz"),
];

/// Puts the original probe and lifecycle actions back where injection pointed them at
/// pilot-agent; every other probe setting (period, thresholds, timeout) was left as it was.
fn restore_probes(spec: &mut Value, probers: &Map<String, Value>) {
    for key in ["containers", "initContainers"] {
        let Some(list) = spec.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in list.iter_mut() {
            let name = name_of(c).to_string();
            let ports = c.get("ports").cloned().unwrap_or(Value::Null);
            for (field, url) in PROBES {
                if let Some(probe) = c.get_mut(field) {
                    restore_action(probe, probers, &url.replace("{}", &name), &ports);
                }
            }
            for (field, url) in HOOKS {
                if let Some(hook) = c.get_mut("lifecycle").and_then(|l| l.get_mut(field)) {
                    restore_action(hook, probers, &url.replace("{}", &name), &ports);
                }
            }
        }
    }
}

fn restore_action(action: &mut Value, probers: &Map<String, Value>, url: &str, ports: &Value) {
    let rewritten = action.pointer("/httpGet/path").and_then(Value::as_str) == Some(url);
    // The port injection pointed the action at: the agent's status port.
    let status_port = action.pointer("/httpGet/port").and_then(Value::as_i64);
    let (true, Some(Value::Object(original)), Some(obj)) =
        (rewritten, probers.get(url), action.as_object_mut())
    else {
        return;
    };
    obj.remove("httpGet");
    for kind in ["httpGet", "tcpSocket", "grpc"] {
        if let Some(h) = original.get(kind) {
            let mut h = h.clone();
            if let Some(m) = h.as_object_mut() {
                // Go writes unset pointers as `null` in the prober JSON (`grpc.service`).
                m.retain(|_, v| !v.is_null());
                name_status_port(m, status_port, ports);
            }
            obj.insert(kind.into(), h);
        }
    }
}

/// Istio records a named probe port as its number. When that number is the status port, the
/// number alone would be read by the next injection as "already rewritten" and the probe's
/// original dropped, so the container's port name (the kubelet resolves it to the same
/// number) is put back instead; any other number stays a number.
fn name_status_port(handler: &mut Map<String, Value>, status_port: Option<i64>, ports: &Value) {
    let Some(port) = handler.get("port").and_then(Value::as_i64) else {
        return;
    };
    if status_port != Some(port) {
        return;
    }
    let named: Vec<&str> = ports
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p.get("containerPort").and_then(Value::as_i64) == Some(port))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .collect();
    if let [name] = named.as_slice() {
        handler.insert("port".into(), Value::String((*name).to_string()));
    }
}

fn restore_annotations(meta: &mut Value, spec: &Value, status: &Status, scrape: Option<&Value>) {
    let first_container = spec
        .get("containers")
        .and_then(Value::as_array)
        .and_then(|l| l.first())
        .map(|c| name_of(c).to_string());
    let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) else {
        return;
    };
    a.remove(n::SIDECAR_STATUS);
    a.remove(n::PROXY_OVERRIDES);
    let revision = if status.revision.is_empty() {
        "default"
    } else {
        &status.revision
    };
    remove_if(a, n::REV_ANNOTATION, revision);
    if let Some(first) = &first_container {
        remove_if(a, n::KUBECTL_DEFAULT_CONTAINER, first);
        remove_if(a, n::KUBECTL_DEFAULT_LOGS_CONTAINER, first);
    }
    let merged = a.get(n::PROMETHEUS_PATH).and_then(Value::as_str) == Some(MERGED_METRICS_PATH)
        && a.get(n::PROMETHEUS_SCRAPE).and_then(Value::as_str) == Some("true")
        && a.contains_key(n::PROMETHEUS_PORT);
    if merged {
        for k in [n::PROMETHEUS_PORT, n::PROMETHEUS_PATH, n::PROMETHEUS_SCRAPE] {
            a.remove(k);
        }
        // The original settings were kept by value, not by spelling: they come back under
        // the canonical `prometheus.io/` names.
        for (field, key) in [
            ("scrape", n::PROMETHEUS_SCRAPE),
            ("path", n::PROMETHEUS_PATH),
            ("port", n::PROMETHEUS_PORT),
        ] {
            let v = scrape.and_then(|s| s.get(field)).and_then(Value::as_str);
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                a.insert(key.to_string(), Value::String(v.into()));
            }
        }
    }
    drop_if_empty(meta, "annotations");
}

fn remove_if(m: &mut Map<String, Value>, key: &str, value: &str) {
    if m.get(key).and_then(Value::as_str) == Some(value) {
        m.remove(key);
    }
}

/// The labels the sidecar template adds when absent, removed when they hold its value.
fn restore_labels(meta: &mut Value, workload: &str) {
    let Some(l) = meta.get_mut("labels").and_then(Value::as_object_mut) else {
        return;
    };
    let label = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let first_set = |options: &[String]| {
        options
            .iter()
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_default()
    };
    let name: String = first_set(&[
        label(n::APP_KUBERNETES_NAME_LABEL),
        label(n::APP_LABEL),
        workload.to_string(),
    ])
    .chars()
    .take(63)
    .collect();
    let name = name.strip_suffix('-').unwrap_or(&name).to_string();
    let revision = first_set(&[
        label(n::APP_KUBERNETES_VERSION_LABEL),
        label(n::VERSION_LABEL),
        "latest".to_string(),
    ]);
    remove_if(l, n::TLS_MODE_LABEL, "istio");
    remove_if(l, n::TUNNEL_LABEL, "http");
    remove_if(l, n::CANONICAL_NAME_LABEL, &name);
    remove_if(l, n::CANONICAL_REVISION_LABEL, &revision);
    drop_if_empty(meta, "labels");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn restored(port_in_prober: Value, ports: Value) -> Value {
        let probers = json!({"/app-health/app/readyz": {"httpGet": {"path": "/ready", "port": port_in_prober}}});
        let mut probe = json!({"httpGet": {"path": "/app-health/app/readyz", "port": 15020}, "periodSeconds": 3});
        let Value::Object(probers) = probers else {
            unreachable!()
        };
        restore_action(&mut probe, &probers, "/app-health/app/readyz", &ports);
        probe
    }

    #[test]
    fn a_probe_named_for_the_status_port_gets_its_name_back() {
        let ports = json!([{"name": "health", "containerPort": 15020}, {"name": "http", "containerPort": 8080}]);
        assert_eq!(
            restored(json!(15020), ports.clone()),
            json!({"httpGet": {"path": "/ready", "port": "health"}, "periodSeconds": 3})
        );
        // Any other number stays a number (README: a named probe port comes back as its number).
        assert_eq!(restored(json!(8080), ports)["httpGet"]["port"], 8080);
        // Without exactly one name for the number, the number.
        let two =
            json!([{"name": "a", "containerPort": 15020}, {"name": "b", "containerPort": 15020}]);
        assert_eq!(restored(json!(15020), two)["httpGet"]["port"], 15020);
        assert_eq!(
            restored(json!(15020), Value::Null)["httpGet"]["port"],
            15020
        );
    }
}
