//! The webhook's per-review work, without sockets: parse the AdmissionReview (managedFields
//! skipped), `inject::mutate`, serialize the answer (base64 patch). Also a plain
//! `serde_json::Value` parse of the same body, to show what skipping managedFields saves.
//!
//! `cargo bench --bench webhook`

use std::collections::BTreeMap;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use sidecar_injector::inject::{mutate, Outcome, PodRequest};
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

fn review_once(snap: &Snapshot, body: &[u8]) -> usize {
    let Ok(mut parsed) = parse_review(body) else {
        return 0;
    };
    let envs = BTreeMap::new();
    let answer = match parsed.request.object.as_mut() {
        Some(pod) => {
            let req = PodRequest {
                namespace: "shop",
                native_sidecars: false,
                proxy_envs: &envs,
                namespace_labels: None,
            };
            match mutate(snap, &pod.0, &req) {
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
    encode_answer(parsed.api_version, &parsed.request.uid, &answer)
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
