//! What one admission costs in-process, on the four generated pods (bench/pods.rs):
//! `admission::review(state, path, body)` (parse, decide, inject, encode the answer) without
//! the replica memo (`review`) and with it, the same review again (`review_replica`: a
//! rollout's replicas), and the floor's work on the same body (parse into a
//! `serde_json::Value`).
//!
//! `cargo bench --bench admission`; instruction counts: `bench/callgrind.sh`.

#[path = "../bench/pods.rs"]
mod pods;

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sidecar_injector::server::admission::review;
use sidecar_injector::server::metrics::Metrics;
use sidecar_injector::server::reload::Settings;
use sidecar_injector::server::AppState;
use sidecar_injector::settings::Snapshot;

fn bench(c: &mut Criterion) {
    let snap = Snapshot::load(None, None).expect("default settings");
    let replicas = AppState::new(Arc::new(Settings::fixed(snap)), Arc::new(Metrics::new()));
    let mut state = replicas.clone();
    state.memo = None;
    for name in pods::NAMES {
        let body = pods::review(name).expect("generated pod");
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("review", |b| {
            b.iter(|| review(&state, "/inject", black_box(&body)).map(|r| r.body.len()))
        });
        group.bench_function("review_replica", |b| {
            b.iter(|| review(&replicas, "/inject", black_box(&body)).map(|r| r.body.len()))
        });
        group.bench_function("floor_parse_value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).is_ok())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
