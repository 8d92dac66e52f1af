//! Settings can't break admission: a snapshot goes live only once it has injected a set of
//! canary pods.
//!
//! Istio renders its templates per pod, so a values file with `cpu: lots` loads fine and then
//! fails every Pod CREATE. We check twice before a snapshot serves:
//! 1. the typed values keys whose bad values we know how to name (resource quantities, image
//!    hub/tag/name, the injection policy, pull policy, numeric probe settings, default
//!    templates): the error names the **values key** and the value;
//! 2. canary pods through the whole pipeline ([`crate::inject::inject_pod`]): a plain pod, a pod
//!    whose http/tcp/grpc/exec probes make the probe rewrite run, and one pod per template
//!    the snapshot defines (`inject.istio.io/templates`), each with native sidecars on and off.
//!    A custom template's failure names `sidecarInjectorWebhook.templates.<name>`; anything
//!    else keeps the rendered pod's path, with the canary named.
//!
//! Mesh config is checked where it is read (`mesh::load`): its errors already name the field.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use serde_json::{json, Value};

use crate::annotations as n;
use crate::inject::{self, Target};
use crate::render::templates::{self, BUILT_IN};
use crate::settings::{go_sprint, SettingsError, Snapshot};

const PULL_POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];

impl Snapshot {
    /// Everything a snapshot must pass before it serves: typed key checks, then the canaries.
    /// The error lists every problem found by the key checks, or the first failing canary.
    pub fn check(&self) -> Result<(), SettingsError> {
        let problems = check_keys(self);
        if !problems.is_empty() {
            return Err(SettingsError::Refused { problems });
        }
        run_canaries(self)
    }
}

fn refused(key: &str, reason: impl std::fmt::Display) -> String {
    format!("values: {key}: {reason}")
}

/// The typed keys, checked directly so the message names the key and not a rendered path.
fn check_keys(snap: &Snapshot) -> Vec<String> {
    let mut problems = Vec::new();
    let raw = &snap.values.raw;
    for base in ["global.proxy.resources", "global.proxy_init.resources"] {
        check_resources(raw, base, &mut problems);
    }
    check_images(snap, &mut problems);
    let g = &snap.values.global;
    let policy = &g.proxy.auto_inject;
    if !["enabled", "disabled"]
        .iter()
        .any(|p| p.eq_ignore_ascii_case(policy))
    {
        // A wrong-case `Enabled` only warns (see `lint`): Istio loads it and injects nothing.
        problems.push(refused(
            "global.proxy.autoInject",
            format!("invalid policy {policy:?}: must be enabled or disabled"),
        ));
    }
    let pull = &g.image_pull_policy;
    if !pull.is_empty() && !PULL_POLICIES.contains(&pull.as_str()) {
        let hint = crate::text::did_you_mean(pull, PULL_POLICIES)
            .map(|p| format!(" (did you mean {p}?)"))
            .unwrap_or_default();
        problems.push(refused(
            "global.imagePullPolicy",
            format!("invalid pull policy {pull:?}: must be Always, IfNotPresent or Never{hint}"),
        ));
    }
    let p = &g.proxy;
    for (key, v) in [
        ("statusPort", &p.status_port),
        (
            "readinessInitialDelaySeconds",
            &p.readiness_initial_delay_seconds,
        ),
        ("readinessPeriodSeconds", &p.readiness_period_seconds),
        ("readinessFailureThreshold", &p.readiness_failure_threshold),
        (
            "startupProbe.failureThreshold",
            &p.startup_probe.failure_threshold,
        ),
    ] {
        if !is_whole_number(v) {
            problems.push(refused(
                &format!("global.proxy.{key}"),
                format!("{:?} is not a whole number", go_sprint(v)),
            ));
        }
    }
    check_default_templates(snap, &mut problems);
    problems
}

/// `null` means unset; otherwise a non-negative integer, as a number or a string of digits
/// (the template prints either unquoted).
fn is_whole_number(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Number(n) => n.as_u64().is_some(),
        Value::String(s) => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// Every `limits`/`requests` entry must be a Kubernetes quantity (`null` entries are dropped
/// by the template).
fn check_resources(raw: &Value, base: &str, problems: &mut Vec<String>) {
    let ptr = format!("/{}", base.replace('.', "/"));
    let Some(resources) = raw.pointer(&ptr) else {
        return;
    };
    let Value::Object(sections) = resources else {
        if !resources.is_null() {
            problems.push(refused(base, "must be a mapping of limits and requests"));
        }
        return;
    };
    for (section, list) in sections {
        let Value::Object(list) = list else {
            if !list.is_null() {
                problems.push(refused(
                    &format!("{base}.{section}"),
                    "must be a mapping of resource names to quantities",
                ));
            }
            continue;
        };
        for (name, q) in list {
            let text = match q {
                Value::Null => continue,
                Value::String(_) | Value::Number(_) => go_sprint(q),
                other => other.to_string(),
            };
            if let Err(e) = crate::go::quantity::canonicalize(&text) {
                let key = format!("{base}.{section}.{name}");
                problems.push(refused(&key, format!("invalid quantity {text:?}: {e}")));
            }
        }
    }
}

/// Proxy images the API server itself would refuse in every injected pod (empty, or with
/// surrounding whitespace); other malformed references only warn (`image_ref::problems`).
fn check_images(snap: &Snapshot, problems: &mut Vec<String>) {
    problems.extend(
        crate::settings::image_ref::problems(snap)
            .into_iter()
            .filter(|p| p.refused)
            .map(|p| p.message),
    );
}

fn check_default_templates(snap: &Snapshot, problems: &mut Vec<String>) {
    let known = templates::names(snap);
    let defaults = &snap.values.sidecar_injector_webhook.default_templates;
    for (i, name) in defaults.iter().enumerate() {
        if known.iter().any(|k| k == name) {
            continue;
        }
        let hint = crate::text::did_you_mean(name, known.iter().map(String::as_str))
            .map(|k| format!(" (did you mean {k}?)"))
            .unwrap_or_default();
        problems.push(refused(
            &format!("sidecarInjectorWebhook.defaultTemplates[{i}]"),
            format!(
                "unknown template {name:?}{hint}; known: {}",
                known.join(", ")
            ),
        ));
    }
}

/// One canary: what it is called in messages, and the pod.
struct Canary {
    name: String,
    /// The values key to blame when it fails (custom templates).
    key: Option<String>,
    pod: Value,
}

fn canaries(snap: &Snapshot) -> Vec<Canary> {
    let mut list = vec![
        Canary {
            name: "plain pod".into(),
            key: None,
            pod: canary_pod(None, false),
        },
        Canary {
            name: "pod with http, tcp, grpc and exec probes".into(),
            key: None,
            pod: canary_pod(None, true),
        },
    ];
    for name in templates::names(snap) {
        let key = (!BUILT_IN.contains(&name.as_str()))
            .then(|| format!("sidecarInjectorWebhook.templates.{name}"));
        list.push(Canary {
            name: format!("pod with template {name}"),
            key,
            pod: canary_pod(Some(&name), true),
        });
    }
    list
}

fn canary_pod(template: Option<&str>, probes: bool) -> Value {
    let ports =
        json!([{"containerPort": 8080, "name": "http"}, {"containerPort": 9090, "name": "grpc"}]);
    let containers = if probes {
        json!([
            {
                "name": "app",
                "image": "canary.invalid/app:1",
                "ports": ports,
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "livenessProbe": {"tcpSocket": {"port": 8080}},
                "startupProbe": {"grpc": {"port": 9090}},
            },
            {
                "name": "worker",
                "image": "canary.invalid/worker:1",
                "livenessProbe": {"exec": {"command": ["true"]}},
            },
        ])
    } else {
        json!([{"name": "app", "image": "canary.invalid/app:1", "ports": ports}])
    };
    let annotations = match template {
        Some(t) => json!({ n::INJECT_TEMPLATES: t }),
        None => json!({}),
    };
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "canary",
            "namespace": "canary",
            "labels": {"app": "canary"},
            "annotations": annotations,
        },
        "spec": {"containers": containers},
    })
}

fn run_canaries(snap: &Snapshot) -> Result<(), SettingsError> {
    for canary in canaries(snap) {
        let pod: Pod = serde_json::from_value(canary.pod).map_err(|e| SettingsError::Canary {
            canary: canary.name.clone(),
            reason: format!("building the canary: {e}"),
        })?;
        let (deploy, type_meta) = crate::workload::deploy_meta_from_pod(&pod.metadata);
        for native_sidecars in [false, true] {
            let target = Target {
                type_meta: type_meta.clone(),
                deploy: deploy.clone(),
                native_sidecars,
                proxy_envs: BTreeMap::new(),
                revision: snap.values.revision.clone(),
                kube_inject: false,
            };
            if let Err(e) = inject::inject_pod(snap, &pod, &target) {
                let native = if native_sidecars { "on" } else { "off" };
                let label = format!("{} (native sidecars {native})", canary.name);
                return Err(match &canary.key {
                    Some(key) => SettingsError::Refused {
                        problems: vec![refused(key, format!("canary {label} fails: {e}"))],
                    },
                    None => SettingsError::Canary {
                        canary: label,
                        reason: e.to_string(),
                    },
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
