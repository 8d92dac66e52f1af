//! `goenc::is_pod_encoding` (the check-only pass the webhook's fast path routes on) against what
//! it replaced: copy the pod, normalise the copy, compare. Over generated pods (the differential
//! generator, `CHECK_SEEDS=N` seeds, default 1000) and every pod-like document of the fixtures,
//! each as written, in Go's encoding, and with random single-point changes of that encoding.

mod oracle_support;

use std::path::{Path, PathBuf};

use oracle_support::gen::{self, Rng};
use serde_json::{json, Value};
use sidecar_injector::goenc;

/// The two answers, or the first disagreement.
fn disagreement(v: &Value) -> Option<String> {
    let mut copy = v.clone();
    let by_copy = goenc::normalize_pod(&mut copy).is_ok() && copy == *v;
    let checked = goenc::is_pod_encoding(v);
    if checked != by_copy {
        return Some(format!("check says {checked}, copy says {by_copy}: {v}"));
    }
    text_disagreement(v)
}

/// The text check (`goenc::text`) may be stricter than the value check, never looser: where it
/// says yes, so does the value check on the pod as the webhook parses it (the pod's own
/// `managedFields` dropped). And the pod decodes whole as a typed `Pod`: the fast path reads
/// only part of such a pod (`inject::sent::light`), relying on the rest decoding too.
fn text_disagreement(v: &Value) -> Option<String> {
    let text = v.to_string();
    if !goenc::text::is_pod_encoding(&text) {
        return None;
    }
    let mut parsed = v.clone();
    if let Some(meta) = parsed.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.shift_remove("managedFields");
    }
    // k8s-openapi also refuses another `apiVersion` or `kind` than `v1`/`Pod`, which Go's
    // encoding does not care about; the light decoding refuses them likewise (its unit tests).
    let typed = serde_json::from_str::<k8s_openapi::api::core::v1::Pod>(&parsed.to_string());
    let named = |k: &str, want: &str| parsed.get(k).is_some_and(|v| v != want);
    let other_type = named("apiVersion", "v1") || named("kind", "Pod");
    if let (Err(e), false) = (typed, other_type) {
        return Some(format!(
            "the text check says yes, the typed decode no ({e}): {text}"
        ));
    }
    (!goenc::is_pod_encoding(&parsed)).then(|| format!("the text check says yes, wrongly: {text}"))
}

/// JSON pointers to every value in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(
                    c,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Values each rule of the Go encoding treats differently.
fn perturbations() -> Vec<Value> {
    json!([null, [], {}, 0, 7, 7.0, -1, 2.5, 1_099_511_627_776_i64, u64::MAX, "", "x", "0",
        "100m", "1000m", " 1", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.5Z", true, false,
        ["x"], [{}], {"a": "1"}, {"name": "n"}])
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// One random single-point change: a value replaced, a key removed, renamed to upper case,
/// or an unknown key added.
fn mutate(rng: &mut Rng, v: &Value, all: &[String], values: &[Value]) -> Value {
    let mut out = v.clone();
    let at = rng.pick(all);
    match rng.below(4) {
        0 | 1 => {
            if let Some(slot) = out.pointer_mut(at) {
                *slot = rng.pick(values).clone();
            }
        }
        2 => {
            if let Some(obj) = out.pointer_mut(at).and_then(Value::as_object_mut) {
                obj.insert("unknownField".into(), json!("u"));
            }
        }
        _ => {
            let Some((parent, key)) = at.rsplit_once('/') else {
                return out;
            };
            if let Some(obj) = out.pointer_mut(parent).and_then(Value::as_object_mut) {
                let key = key.replace("~1", "/").replace("~0", "~");
                if let Some(value) = obj.shift_remove(&key) {
                    if rng.chance(50) {
                        obj.insert(key.to_uppercase(), value);
                    }
                }
            }
        }
    }
    out
}

/// Checks `pod`, its Go encoding and `n` mutations of it; counts the `true` answers.
fn check_around(rng: &mut Rng, pod: &Value, n: usize, failures: &mut Vec<String>) -> usize {
    let values = perturbations();
    let mut normal = pod.clone();
    let mut candidates = vec![pod.clone()];
    if goenc::normalize_pod(&mut normal).is_ok() {
        let mut all = Vec::new();
        pointers(&normal, String::new(), &mut all);
        for _ in 0..n {
            candidates.push(mutate(rng, &normal, &all, &values));
        }
        // Every Go encoding passes the text check too: Go's key order is the one it reads.
        if !goenc::text::is_pod_encoding(&normal.to_string()) {
            failures.push(format!("the text check refuses a Go encoding: {normal}"));
        }
        candidates.push(normal);
    }
    let mut encoded = 0;
    for v in &candidates {
        match disagreement(v) {
            Some(what) => failures.push(what),
            None => encoded += usize::from(goenc::is_pod_encoding(v)),
        }
    }
    encoded
}

#[test]
fn check_agrees_with_normalising_a_copy_on_generated_pods() {
    let seeds = std::env::var("CHECK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let (mut encoded, mut failures) = (0, Vec::new());
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let template = gen::pod(&mut rng);
        let (pod, _) = gen::admitted_pod(&mut rng, &template);
        encoded += check_around(&mut rng, &pod, 20, &mut failures);
    }
    failures.truncate(5);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not vacuous: every Go encoding says yes, and so do mutations Go would not change.
    assert!(
        encoded as u64 >= seeds,
        "only {encoded} encodings recognised"
    );
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "json") {
            out.push(path);
        }
    }
}

/// Every object in `v` that has a `spec.containers` (pods, templates, review objects).
fn pod_like(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if v.pointer("/spec/containers").is_some() {
                out.push(v.clone());
            }
            m.values().for_each(|c| pod_like(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| pod_like(c, out)),
        _ => {}
    }
}

#[test]
fn check_agrees_with_normalising_a_copy_on_fixture_pods() {
    let mut files = Vec::new();
    fixture_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut files,
    );
    files.sort();
    let (mut pods, mut failures) = (Vec::new(), Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for doc in sidecar_injector::yaml::read_documents(&text).unwrap_or_default() {
            if let Some(v) = doc.value {
                pod_like(&v, &mut pods);
            }
        }
    }
    let mut rng = Rng::new(7);
    for pod in &pods {
        check_around(&mut rng, pod, 10, &mut failures);
    }
    failures.truncate(5);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(pods.len() > 100, "only {} fixture pods", pods.len());
}
