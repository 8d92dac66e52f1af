//! Benchmark helper (not shipped): the generated pods, a callgrind workload and the floor
//! server `bench/load.sh` compares us with.
//!
//!   bench_tool gen DIR                  writes DIR/{small,medium,large,env2k}.json (AdmissionReviews)
//!   bench_tool run POD N                `admission::review` on POD, N times (run under callgrind)
//!   bench_tool parse POD N              the floor's in-process work: POD into a `Value`, N times
//!   bench_tool floor ADDR CERT KEY POD  the floor server: our stack (axum + rustls + the same
//!                                       connection code), parses the body into a
//!                                       `serde_json::Value` and answers a fixed AdmissionReview
//!                                       with a patch of the size ours has for POD
//!
//! `cargo build --release --example bench_tool`

#[path = "../bench/pods.rs"]
mod pods;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use sidecar_injector::server::admission::review;
use sidecar_injector::server::conn::{serve, Limits};
use sidecar_injector::server::metrics::Metrics;
use sidecar_injector::server::reload::Settings;
use sidecar_injector::server::shutdown::Shutdown;
use sidecar_injector::server::tls::{server_config, CertStore};
use sidecar_injector::server::AppState;
use sidecar_injector::settings::Snapshot;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["gen", dir] => gen(Path::new(dir)),
        ["run", pod, n] => run(pod, n.parse().context("N must be a number")?),
        ["parse", pod, n] => parse(pod, n.parse().context("N must be a number")?),
        ["floor", addr, cert, key, pod] => floor(addr, cert, key, pod),
        _ => bail!("usage: bench_tool gen DIR | run POD N | parse POD N | floor ADDR CERT KEY POD"),
    }
}

fn body(pod: &str) -> anyhow::Result<Vec<u8>> {
    pods::review(pod).with_context(|| format!("unknown pod {pod:?}; one of {:?}", pods::NAMES))
}

fn state() -> anyhow::Result<AppState> {
    let snap = Snapshot::load(None, None)?;
    Ok(AppState::new(
        Arc::new(Settings::fixed(snap)),
        Arc::new(Metrics::new()),
    ))
}

fn gen(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let state = state()?;
    for name in pods::NAMES {
        let body = body(name)?;
        let answer = review(&state, "/inject", &body).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::write(dir.join(format!("{name}.json")), &body)?;
        println!(
            "{name}: review {} bytes, answer {} bytes, patch {} bytes",
            body.len(),
            answer.body.len(),
            answer.patch_bytes
        );
    }
    Ok(())
}

fn run(pod: &str, n: usize) -> anyhow::Result<()> {
    let state = state()?;
    let body = body(pod)?;
    let mut total = 0;
    for _ in 0..n {
        let answer =
            review(&state, "/inject", black_box(&body)).map_err(|e| anyhow::anyhow!("{e}"))?;
        total += answer.body.len();
    }
    println!("{pod} x{n}: {total} bytes answered");
    Ok(())
}

fn parse(pod: &str, n: usize) -> anyhow::Result<()> {
    let body = body(pod)?;
    let mut objects = 0;
    for _ in 0..n {
        let v: serde_json::Value = serde_json::from_slice(black_box(&body))?;
        objects += usize::from(v.is_object());
    }
    println!("{pod} x{n}: {objects} parsed");
    Ok(())
}

fn floor(addr: &str, cert: &str, key: &str, pod: &str) -> anyhow::Result<()> {
    // The answer ours gives for this pod, computed once: same size, same envelope.
    let answer = review(&state()?, "/inject", &body(pod)?)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .body;
    let answer = Bytes::from(answer);
    let router = Router::new().route(
        "/inject",
        post(move |body: Bytes| {
            let answer = answer.clone();
            async move {
                match serde_json::from_slice::<serde_json::Value>(&body) {
                    Ok(v) => {
                        black_box(&v);
                        ([(header::CONTENT_TYPE, "application/json")], answer).into_response()
                    }
                    Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
                }
            }
        }),
    );
    let store = CertStore::load(Path::new(cert), Path::new(key))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(server_config(store)?);
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        serve(
            "floor",
            listener,
            Some(acceptor),
            router,
            Limits::default(),
            Shutdown::new(),
        )
        .await;
        Ok(())
    })
}
