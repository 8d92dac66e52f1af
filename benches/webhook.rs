//! The webhook's per-review work, without sockets: parse the AdmissionReview (managedFields
//! skipped), `inject::mutate`, serialize the answer (base64 patch). Also a plain
//! `serde_json::Value` parse of the same body, to show what skipping managedFields saves.
//!
//! `inject::mutate` alone and `kube_inject::inject_stream` on a multi-document fixture are
//! measured too.
//!
//! `cargo bench --bench webhook`
//!
//! For stable instruction counts on a noisy machine, set `BENCH_ONLY=<name> BENCH_ITERS=<n>` and
//! run the bench binary under `valgrind --tool=callgrind`: criterion is bypassed and only that
//! workload runs, n times (names: `review`, `mutate`, `kube_inject`, `parse`).

use std::collections::BTreeMap;

use criterion::{black_box, criterion_group, Criterion, Throughput};
use serde_json::Value;
use sidecar_injector::inject::{mutate, mutate_sent, Outcome, PodRequest, SentPod};
use sidecar_injector::kube_inject::{inject_stream, Options};
use sidecar_injector::server::admission::review::{encode_answer, parse_review, Answer};
use sidecar_injector::settings::Snapshot;

fn captured() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/admission/deployment-pod.json"
    );
    std::fs::read(path).expect("fixture")
}

/// The captured review with managedFields as a busy object accumulates them (20 managers).
fn with_heavy_managed_fields() -> Vec<u8> {
    let mut review: Value = serde_json::from_slice(&captured()).expect("json");
    let meta = &mut review["request"]["object"]["metadata"];
    let one = meta["managedFields"][0].clone();
    meta["managedFields"] = Value::Array(vec![one; 20]);
    serde_json::to_vec(&review).expect("json")
}

fn kube_inject_input() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kube-inject/multi-doc-comments/input.yaml"
    );
    std::fs::read_to_string(path).expect("fixture")
}

/// The pod of the captured review, as the server hands it to `mutate` (managedFields dropped).
fn captured_pod() -> Value {
    let mut review: Value = serde_json::from_slice(&captured()).expect("json");
    let mut pod = review["request"]["object"].take();
    if let Some(meta) = pod["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    pod
}

fn mutate_once(snap: &Snapshot, pod: &Value) -> usize {
    let envs = BTreeMap::new();
    let req = PodRequest {
        namespace: "shop",
        native_sidecars: false,
        proxy_envs: &envs,
        namespace_labels: None,
    };
    match mutate(snap, pod, &req) {
        Ok(Outcome::Injected { patch, .. }) => patch.len(),
        _ => 0,
    }
}

fn kube_inject_once(snap: &Snapshot, text: &str) -> usize {
    let opts = Options {
        native_sidecars: false,
        ..Default::default()
    };
    inject_stream(snap, text, &opts, &mut |_| {})
        .map(|s| s.len())
        .unwrap_or(0)
}

fn review_once(snap: &Snapshot, body: &[u8]) -> usize {
    let Ok(mut parsed) = parse_review(body) else {
        return 0;
    };
    let envs = BTreeMap::new();
    let answer = match parsed.request.object.take() {
        Some(pod) => {
            let req = PodRequest {
                namespace: "shop",
                native_sidecars: false,
                proxy_envs: &envs,
                namespace_labels: None,
            };
            let sent = SentPod::new(pod.0, req.namespace);
            match mutate_sent(snap, sent, &req).map(|(outcome, _)| outcome) {
                Ok(Outcome::Injected { patch, .. }) => Answer::Patch(patch),
                Ok(Outcome::Skipped(_)) => Answer::Allow,
                Err(e) => Answer::Deny {
                    code: 500,
                    reason: "InternalError",
                    message: e.to_string(),
                },
            }
        }
        None => Answer::Allow,
    };
    encode_answer(parsed.api_version, &parsed.request.uid, &answer, &[])
        .map(|(b, _)| b.len())
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let snap = Snapshot::load(None, None).expect("default settings");
    for (name, body) in [
        ("captured", captured()),
        ("heavy_managed_fields", with_heavy_managed_fields()),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("parse_skip_managed_fields", |b| {
            b.iter(|| parse_review(black_box(&body)).map(|r| r.request.uid.len()))
        });
        group.bench_function("parse_full_value", |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).map(|v| v.is_object()))
        });
        group.bench_function("parse_mutate_serialize", |b| {
            b.iter(|| review_once(&snap, black_box(&body)))
        });
        group.finish();
    }
    let pod = captured_pod();
    c.bench_function("mutate", |b| b.iter(|| mutate_once(&snap, black_box(&pod))));
    let text = kube_inject_input();
    c.bench_function("kube_inject_stream", |b| {
        b.iter(|| kube_inject_once(&snap, black_box(&text)))
    });
}

/// `BENCH_ONLY` mode: one workload, `BENCH_ITERS` times, no criterion (for callgrind).
fn run_only(name: &str) {
    let iters: usize = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let snap = Snapshot::load(None, None).expect("default settings");
    let body = captured();
    let pod = captured_pod();
    let text = kube_inject_input();
    let mut total = 0usize;
    for _ in 0..iters {
        total += match name {
            "review" => review_once(&snap, black_box(&body)),
            "mutate" => mutate_once(&snap, black_box(&pod)),
            "kube_inject" => kube_inject_once(&snap, black_box(&text)),
            "parse" => parse_review(black_box(&body)).map_or(0, |r| r.request.uid.len()),
            other => panic!("unknown BENCH_ONLY workload {other}"),
        };
    }
    println!("{name} x{iters}: {total}");
}

criterion_group!(benches, bench);

fn main() {
    match std::env::var("BENCH_ONLY") {
        Ok(name) => run_only(&name),
        Err(_) => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
