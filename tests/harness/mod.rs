//! Invariants checked on arbitrary input, shared by the fuzz targets (`fuzz/`) and the
//! regression replay (`tests/fuzz_regressions.rs`). Each check takes raw bytes, must never
//! crash, hang or overflow the stack, and panics (the fuzzer's "finding") only when an
//! invariant breaks:
//! - `admission`: the handler's own function answers; an answer with a patch applies to the
//!   pod as sent, and re-reviewing the patched pod gives no further patch;
//! - `kube_inject`: output parses back, and injecting it again changes nothing;
//! - `annotations`: any annotation values on a valid pod give a clean answer (see above);
//! - `settings`: values and mesh text load or are refused with a message;
//! - `template`: any template text parses or not, and renders or fails, with a message.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use base64::Engine;
use serde_json::{json, Value};
use sidecar_injector::kube_inject::{inject_stream, Options};
use sidecar_injector::server::admission::review;
use sidecar_injector::server::metrics::Metrics;
use sidecar_injector::server::reload::Settings;
use sidecar_injector::server::AppState;
use sidecar_injector::settings::snapshot::Snapshot;
use sidecar_injector::template::Template;

/// Annotation read by the `echo` template below: its text lands in the template's YAML, as
/// in Istio's own templates (the shape of the first stack-overflow finding).
pub const ECHO_ANNOTATION: &str = "fuzz.example.com/yaml";

/// Values with a custom template that pastes an annotation's text into its YAML.
pub const VALUES: &str = r#"
sidecarInjectorWebhook:
  defaultTemplates: [sidecar, echo]
  templates:
    echo: |
      metadata:
        annotations:
          fuzz.example.com/echoed: "yes"
      {{ index .ObjectMeta.Annotations "fuzz.example.com/yaml" }}
"#;

pub fn snapshot() -> &'static Snapshot {
    static SNAP: OnceLock<Snapshot> = OnceLock::new();
    SNAP.get_or_init(|| Snapshot::from_strs(Some(VALUES), None).expect("fuzz values load"))
}

pub fn state() -> &'static AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE.get_or_init(|| {
        let snap = Snapshot::from_strs(Some(VALUES), None).expect("fuzz values load");
        let settings = Arc::new(Settings::fixed(snap));
        AppState::new(settings, Arc::new(Metrics::new()))
    })
}

/// The patch in an AdmissionReview response, if any.
fn patch_in(body: &[u8]) -> Option<json_patch::Patch> {
    let review: Value = serde_json::from_slice(body).expect("our response is JSON");
    let b64 = review.pointer("/response/patch")?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("patch is base64");
    Some(serde_json::from_slice(&bytes).expect("patch is a JSON Patch"))
}

/// An AdmissionReview for a Pod CREATE around `pod`.
pub fn review_of(pod: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "fuzz",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "fuzz",
            "operation": "CREATE",
            "object": pod,
        }
    }))
    .expect("JSON")
}

pub fn admission(data: &[u8]) {
    let Ok(answer) = review(state(), "/inject", data) else {
        return; // refused with a 4xx: fine
    };
    let Some(patch) = patch_in(&answer.body) else {
        return;
    };
    // Like Go's decoder, ours takes a lone surrogate escape (`\ud800`) in a part it skips;
    // serde_json's `Value` refuses one, so such a review can't be re-checked here.
    let Ok(request) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let mut pod = request
        .pointer("/request/object")
        .cloned()
        .expect("a patched review has an object");
    if let Err(e) = json_patch::patch(&mut pod, &patch) {
        let shown: String = format!("{patch:?}").chars().take(2_000).collect();
        panic!("patch does not apply to the pod as sent: {e}\npatch: {shown}");
    }
    // Re-invocation on our own output changes nothing.
    let again = review(state(), "/inject", &review_of(&pod)).expect("patched pod is reviewable");
    if let Some(p) = patch_in(&again.body) {
        if !p.0.is_empty() {
            panic!("re-invocation patches again: {p:?}");
        }
    }
}

pub fn kube_inject(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = Options {
        native_sidecars: false,
        ..Default::default()
    };
    let Ok(out) = inject_stream(snapshot(), text, &opts, &mut |_| {}) else {
        return;
    };
    let docs = sidecar_injector::yaml::read_documents(&out)
        .unwrap_or_else(|e| panic!("kube-inject wrote YAML it cannot read: {e}\n{out}"));
    let again = inject_stream(snapshot(), &out, &opts, &mut |_| {})
        .unwrap_or_else(|e| panic!("kube-inject refuses its own output: {e}\n{out}"));
    let again_docs = sidecar_injector::yaml::read_documents(&again).expect("read back");
    // Istio's re-injection may move the env entries it appends after the template
    // (`ISTIO_META_NETWORK`, `ISTIO_KUBE_APP_PROBERS`) relative to each other (checked with
    // the oracle): env lists compare as sets. It may also derive another canonical name the
    // second time (a pod named `---`: `--`, then `-`; istioctl does the same, checked with
    // the oracle), so that label is left out; the differential tests check it against Istio.
    assert_eq!(
        without_canonical_name(env_as_sets(&docs)),
        without_canonical_name(env_as_sets(&again_docs)),
        "kube-inject twice differs from once"
    );
}

/// The values without `service.istio.io/canonical-name` labels, wherever they are.
fn without_canonical_name(mut docs: Vec<Option<Value>>) -> Vec<Option<Value>> {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(labels)) = map.get_mut("labels") {
                    labels.remove(sidecar_injector::annotations::CANONICAL_NAME_LABEL);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    docs.iter_mut().flatten().for_each(strip);
    docs
}

/// The documents' values with every `env` list sorted by name (compared as sets).
pub fn env_as_sets(docs: &[sidecar_injector::yaml::Document]) -> Vec<Option<Value>> {
    docs.iter()
        .map(|d| {
            d.value.clone().map(|mut v| {
                sort_env(&mut v);
                v
            })
        })
        .collect()
}

/// Sorts every `env` list by name, in place.
pub fn sort_env(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "env" {
                    if let Value::Array(list) = child {
                        list.sort_by_key(|e| e["name"].as_str().unwrap_or_default().to_string());
                    }
                }
                sort_env(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_env),
        _ => {}
    }
}

/// Annotations chosen from the table (by index) or free, on a valid pod.
#[derive(Debug, arbitrary::Arbitrary)]
pub struct AnnotatedPod {
    pub entries: Vec<(u8, Option<String>, String)>,
    pub label: Option<(u8, String)>,
    pub host_network: bool,
}

pub fn annotated_pod_json(input: &AnnotatedPod) -> Value {
    // As the differential generator: the revision and namespace names are left out, so a
    // saved input keeps naming the annotation it was found with.
    let names: Vec<&str> = sidecar_injector::annotations::ANNOTATIONS
        .iter()
        .map(|s| s.name)
        .filter(|n| !["istio.io/rev", "istio-injection"].contains(n))
        .collect();
    let pick = |i: u8| names[usize::from(i) % names.len()];
    let mut annotations = serde_json::Map::new();
    for (i, free, value) in &input.entries {
        let name = free.clone().unwrap_or_else(|| pick(*i).to_string());
        annotations.insert(name, Value::String(value.clone()));
    }
    let mut labels = serde_json::Map::new();
    labels.insert("app".into(), "fuzz".into());
    if let Some((i, v)) = &input.label {
        labels.insert(pick(*i).to_string(), Value::String(v.clone()));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "fuzz", "labels": labels, "annotations": annotations},
        "spec": {
            "hostNetwork": input.host_network,
            "containers": [{
                "name": "app",
                "image": "app:1",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "livenessProbe": {"tcpSocket": {"port": "http"}}
            }]
        }
    })
}

pub fn annotations(input: &AnnotatedPod) {
    let pod = annotated_pod_json(input);
    admission(&review_of(&pod));
    let mut manifest = pod;
    manifest["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("namespace");
    if let Ok(text) = serde_json::to_string(&manifest) {
        kube_inject(text.as_bytes());
    }
}

pub fn settings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `values` and `mesh` are separated by a line `===`.
    let (values, mesh) = text.split_once("\n===\n").unwrap_or((text, ""));
    if let Ok(snap) = Snapshot::from_strs(Some(values), Some(mesh)) {
        // A snapshot that loads must inject a plain pod or refuse it with a message.
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "a"}]}});
        let req = sidecar_injector::inject::PodRequest {
            namespace: "fuzz",
            native_sidecars: false,
            proxy_envs: &Default::default(),
            namespace_labels: None,
        };
        let _ = sidecar_injector::inject::mutate(&snap, &pod, &req);
    }
}

pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(t) = Template::parse("fuzz", text) else {
        return;
    };
    let data = json!({
        "Values": {"global": {"proxy": {"image": "proxyv2", "resources": {"limits": {"cpu": "2"}}}}},
        "ObjectMeta": {"name": "p", "annotations": {"a": "b", "n": "1"}, "labels": {"app": "x"}},
        "Spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80}]}]},
    });
    let _ = t.render(&data);
}
