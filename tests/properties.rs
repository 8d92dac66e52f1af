//! Invariants over generated valid workloads (the differential tests' generator, no oracle
//! needed), for every seed in `PROP_SEEDS` (default `0..400`):
//! - the webhook's patch applies to the pod as sent, and re-reviewing the patched pod (what
//!   `reinvocationPolicy: IfNeeded` does) gives no further patch;
//! - kube-inject's output reads back (no YAML it writes is unreadable) and injecting it again
//!   changes nothing;
//! - the webhook and kube-inject add the same containers to the same pod.
//!
//! A failure names its seed; rerun one with `PROP_SEEDS=N..N+1 cargo test --test properties`.

mod harness;
mod oracle_support;

use harness::env_as_sets;

use oracle_support::gen::{self, Rng};
use serde_json::{json, Value};
use sidecar_injector::inject::{mutate, Outcome, PodRequest};
use sidecar_injector::kube_inject::{inject_stream, Options};
use sidecar_injector::settings::Snapshot;
use sidecar_injector::yaml::read_documents;

fn seeds() -> std::ops::Range<u64> {
    let spec = std::env::var("PROP_SEEDS").unwrap_or_else(|_| "0..400".into());
    let (a, b) = spec.split_once("..").expect("PROP_SEEDS is START..END");
    a.parse().expect("start")..b.parse().expect("end")
}

struct Case {
    /// Values that set `defaultTemplates`: kube-inject ignores them, as Istio's does.
    default_templates: bool,
    snap: Snapshot,
    native: bool,
    pod: Value,
    namespace: String,
    workload: Value,
}

fn case(seed: u64) -> Option<Case> {
    let mut rng = Rng::new(seed);
    let template = gen::pod(&mut rng);
    let (values, _) = gen::values(&mut rng, &json!({}));
    let mesh = gen::mesh(&mut rng);
    let native = rng.chance(50);
    let workload = gen::workload(&mut rng, &template);
    let (pod, namespace) = gen::admitted_pod(&mut rng, &template);
    // A generated settings variant that does not load is not what this test is about.
    let snap = Snapshot::from_strs(Some(&values), Some(&mesh)).ok()?;
    Some(Case {
        default_templates: values.contains("defaultTemplates"),
        snap,
        native,
        pod,
        namespace,
        workload,
    })
}

fn has_user_sidecar(workload: &Value) -> bool {
    let text = workload.to_string();
    text.contains("\"istio-proxy\"") || text.contains("\"istio-init\"")
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

fn request<'a>(
    c: &'a Case,
    envs: &'a std::collections::BTreeMap<String, String>,
) -> PodRequest<'a> {
    PodRequest {
        namespace: &c.namespace,
        native_sidecars: c.native,
        proxy_envs: envs,
        namespace_labels: None,
    }
}

/// The webhook path: the patched pod, or None when skipped or refused.
fn webhook(c: &Case, pod: &Value, seed: u64) -> Option<Value> {
    let envs = Default::default();
    match mutate(&c.snap, pod, &request(c, &envs)) {
        Ok(Outcome::Injected { patch, .. }) => {
            let mut out = pod.clone();
            let patch = patch.to_json_patch().unwrap();
            json_patch::patch(&mut out, &patch).unwrap_or_else(|e| {
                panic!("seed {seed}: patch does not apply to the pod as sent: {e}")
            });
            Some(out)
        }
        Ok(Outcome::Skipped(_)) | Err(_) => None,
    }
}

#[test]
fn webhook_patches_apply_and_reinvocation_is_a_no_op() {
    let mut injected = 0;
    for seed in seeds() {
        let Some(c) = case(seed) else { continue };
        let Some(patched) = webhook(&c, &c.pod, seed) else {
            continue;
        };
        injected += 1;
        let envs = Default::default();
        match mutate(&c.snap, &patched, &request(&c, &envs)) {
            Ok(Outcome::Injected { patch, .. }) => {
                assert!(
                    patch.is_empty(),
                    "seed {seed}: re-invocation patches again: {patch:?}"
                )
            }
            Ok(Outcome::Skipped(_)) => {}
            Err(e) => panic!("seed {seed}: re-invocation refuses our own output: {e}"),
        }
    }
    println!("properties: {injected} generated pods injected by the webhook path; patches apply, re-invocation adds nothing");
    assert!(
        injected > 50,
        "too few pods injected ({injected}): the generator drifted"
    );
}

#[test]
fn kube_inject_output_reads_back_and_is_idempotent() {
    let mut injected = 0;
    for seed in seeds() {
        let Some(c) = case(seed) else { continue };
        let text = serde_json::to_string(&c.workload).expect("JSON");
        let opts = Options {
            remote: None,
            native_sidecars: c.native,
            ..Default::default()
        };
        let Ok(once) = inject_stream(&c.snap, &text, &opts, &mut |_| {}) else {
            continue;
        };
        injected += 1;
        let docs = read_documents(&once)
            .unwrap_or_else(|e| panic!("seed {seed}: output does not read back: {e}\n{once}"));
        // Istio's own re-injection drops a user's `istio-proxy`/`istio-init` overrides (a
        // container listed in `sidecar.istio.io/status` is re-rendered from the template, see
        // `reapplyOverwrittenContainers`), so for those twice is not once, in Istio as here.
        if has_user_sidecar(&c.workload) {
            continue;
        }
        let twice = inject_stream(&c.snap, &once, &opts, &mut |_| {})
            .unwrap_or_else(|e| panic!("seed {seed}: refuses its own output: {e}"));
        let again = read_documents(&twice).expect("reads back");
        // Istio's re-injection moves env entries it appends after the template
        // (`ISTIO_META_NETWORK`, `ISTIO_KUBE_APP_PROBERS`) relative to each other (checked
        // with the oracle): compare env lists as sets.
        let (a, b) = (env_as_sets(&docs), env_as_sets(&again));
        if a != b {
            let a: Vec<Value> = a.into_iter().flatten().collect();
            let b: Vec<Value> = b.into_iter().flatten().collect();
            let diffs: Vec<String> = oracle_support::compare::compare_docs(&a, &b)
                .iter()
                .map(ToString::to_string)
                .collect();
            panic!(
                "seed {seed}: twice differs from once:\n{}",
                diffs.join("\n")
            );
        }
    }
    println!("properties: {injected} generated workloads through kube-inject; output reads back, twice equals once");
    assert!(injected > 50, "too few workloads injected ({injected})");
}

#[test]
fn webhook_and_kube_inject_add_the_same_containers() {
    let mut compared = 0;
    for seed in seeds() {
        let Some(c) = case(seed) else { continue };
        // Only pods without a previous injection: the two paths treat those differently in Istio.
        if c.default_templates
            || c.pod["metadata"]["annotations"]["sidecar.istio.io/status"].is_string()
        {
            continue;
        }
        let Some(patched) = webhook(&c, &c.pod, seed) else {
            continue;
        };
        let mut manifest = c.pod.clone();
        manifest["metadata"]
            .as_object_mut()
            .expect("metadata")
            .remove("namespace");
        let opts = Options {
            remote: None,
            native_sidecars: c.native,
            ..Default::default()
        };
        let text = serde_json::to_string(&manifest).expect("JSON");
        let Ok(out) = inject_stream(&c.snap, &text, &opts, &mut |_| {}) else {
            continue;
        };
        let docs = read_documents(&out).expect("reads back");
        let Some(offline) = docs.first().and_then(|d| d.value.clone()) else {
            continue;
        };
        for list in ["containers", "initContainers"] {
            assert_eq!(
                names(&patched["spec"][list]),
                names(&offline["spec"][list]),
                "seed {seed}: spec.{list} differ between the webhook and kube-inject"
            );
        }
        compared += 1;
    }
    println!("properties: {compared} pods compared between the webhook and kube-inject");
    assert!(compared > 30, "too few pods compared ({compared})");
}
