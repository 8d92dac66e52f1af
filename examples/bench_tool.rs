//! Benchmark helper (not shipped): the generated pods, a callgrind workload and the floor
//! server `bench/load.sh` compares us with.
//!
//!   bench_tool gen DIR                  writes DIR/{small,medium,large,env2k}.json (AdmissionReviews)
//!   bench_tool run POD N                `admission::review` on POD, N times (run under callgrind):
//!                                       replicas (each its own uid and token volume name, as
//!                                       an API server sends them): all but the first are
//!                                       replica memo hits
//!   bench_tool miss POD N               the same, each time a different pod (a label's value
//!                                       changes): every review is injected, from the second
//!                                       on with the overlay kept for its key
//!   bench_tool deploy POD N             the same, each time a pod of a different workload (its
//!                                       app's name changes: labels, owner, env values), so the
//!                                       injected `istio-proxy` differs from pod to pod too
//!   bench_tool parse POD N              the floor's in-process work: POD into a `Value`, N times
//!   bench_tool stage S POD N            one reading stage N times: envelope, check, typed, view
//!   bench_tool floor ADDR CERT KEY POD  the floor server: our stack (axum + rustls + the same
//!                                       connection code), parses the body into a
//!                                       `serde_json::Value` and answers a fixed AdmissionReview
//!                                       with a patch of the size ours has for POD
//!
//! `cargo build --release --example bench_tool`

#[path = "../bench/pods.rs"]
mod pods;
#[path = "../bench/view.rs"]
mod view;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use k8s_openapi::api::core::v1::Pod;
use sidecar_injector::goenc;
use sidecar_injector::server::admission::review;
use sidecar_injector::server::admission::review::parse_review;
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
        ["run", pod, n] => run(pod, n.parse().context("N must be a number")?, Vary::Replica),
        ["miss", pod, n] => run(pod, n.parse().context("N must be a number")?, Vary::Label),
        ["deploy", pod, n] => run(pod, n.parse().context("N must be a number")?, Vary::Workload),
        ["parse", pod, n] => parse(pod, n.parse().context("N must be a number")?),
        ["stage", which, pod, n] => stage(which, pod, n.parse().context("N must be a number")?),
        ["floor", addr, cert, key, pod] => floor(addr, cert, key, pod),
        _ => bail!(
            "usage: bench_tool gen DIR | run POD N | miss POD N | deploy POD N | parse POD N | stage envelope|check|typed|view POD N | floor ADDR CERT KEY POD"
        ),
    }
}

fn body(pod: &str) -> anyhow::Result<Vec<u8>> {
    pods::review(pod).with_context(|| format!("unknown pod {pod:?}; one of {:?}", pods::NAMES))
}

/// The server's state with default settings; `BENCH_MEMO=0`: without the replica memo.
fn state() -> anyhow::Result<AppState> {
    let snap = Snapshot::load(None, None)?;
    let mut state = AppState::new(Arc::new(Settings::fixed(snap)), Arc::new(Metrics::new()));
    if std::env::var("BENCH_MEMO").is_ok_and(|v| v == "0") {
        state.memo = None;
    }
    Ok(state)
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

/// What differs from one review to the next.
#[derive(Clone, Copy, PartialEq)]
enum Vary {
    /// Replicas: the uid and the token volume's suffix.
    Replica,
    /// A label's value: distinct pods of one workload.
    Label,
    /// The app's name, wherever it appears: pods of distinct workloads.
    Workload,
}

fn run(pod: &str, n: usize, vary: Vary) -> anyhow::Result<()> {
    let state = state()?;
    let mut body = body(pod)?;
    // Distinct workloads: every `<pod>-app` (labels, generateName, owner, env values) becomes
    // `<pod>-NNN`, three base-36 characters rewritten in place.
    let app = format!("{pod}-app");
    let app_at: Vec<usize> = body
        .windows(app.len())
        .enumerate()
        .filter(|(_, w)| *w == app.as_bytes())
        .map(|(at, _)| at + app.len() - 3)
        .collect();
    // Distinct pods: a label whose value is rewritten in place, so each review costs the same
    // bytes to build whatever N is.
    let digits = if vary == Vary::Label {
        let mut review: serde_json::Value = serde_json::from_slice(&body)?;
        let labels = review
            .pointer_mut("/request/object/metadata/labels")
            .and_then(serde_json::Value::as_object_mut)
            .context("the pod has no labels")?;
        labels.insert("bench-pod".into(), "p00000000".into());
        // Go's encoding sorts map keys; a pod that is not its own encoding is injected the
        // general way.
        labels.sort_keys();
        body = serde_json::to_vec(&review)?;
        let at = body
            .windows(9)
            .position(|w| w == b"p00000000")
            .context("label value not found")?;
        Some(at + 1..at + 9)
    } else {
        None
    };
    // Replicas: what differs between them, rewritten in place (the uid's last 8 characters,
    // the token volume's 5-character suffix).
    let uid = serde_json::from_slice::<serde_json::Value>(&body)?
        .pointer("/request/uid")
        .and_then(serde_json::Value::as_str)
        .map(|u| format!("\"uid\":\"{u}\""))
        .filter(|u| u.len() >= 15)
        .context("the review has no uid of 8 characters or more")?;
    let uid_at = body
        .windows(uid.len())
        .position(|w| w == uid.as_bytes())
        .map(|at| at + uid.len() - 9..at + uid.len() - 1);
    let token_at: Vec<usize> = body
        .windows(16)
        .enumerate()
        .filter(|(_, w)| *w == b"kube-api-access-")
        .map(|(at, _)| at + 16)
        .collect();
    let mut total = 0;
    for i in 0..n {
        if vary == Vary::Workload {
            let name = base36(i);
            for &at in &app_at {
                body[at..at + 3].copy_from_slice(&name);
            }
        } else if let Some(digits) = digits.clone() {
            let text = format!("{:08}", i % 100_000_000);
            body[digits].copy_from_slice(text.as_bytes());
        } else {
            if let Some(uid) = uid_at.clone() {
                body[uid].copy_from_slice(format!("{:08x}", i).as_bytes());
            }
            let suffix = format!("{:05}", i % 100_000);
            for &at in &token_at {
                body[at..at + 5].copy_from_slice(suffix.as_bytes());
            }
        }
        let answer =
            review(&state, "/inject", black_box(&body)).map_err(|e| anyhow::anyhow!("{e}"))?;
        total += answer.body.len();
    }
    println!("{pod} x{n}: {total} bytes answered");
    Ok(())
}

/// `i` as three lowercase base-36 digits (a DNS label's characters), modulo 36³.
fn base36(i: usize) -> [u8; 3] {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 3];
    let mut rest = i;
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[rest % 36];
        rest /= 36;
    }
    out
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

/// One stage of reading a review, N times, for callgrind: `envelope` (the AdmissionReview
/// around the pod, which stays text), `check` (the pod's Go-encoding check), `typed` (the typed
/// decode of the pod without `managedFields`), `view` (a borrowed view of the parts an
/// injection reads, `bench/view.rs`: a measurement for a redesign, not used by the server).
fn stage(stage: &str, pod: &str, n: usize) -> anyhow::Result<()> {
    use sidecar_injector::inject::sent::Object;
    let body = body(pod)?;
    let parsed = parse_review(&body).map_err(|e| anyhow::anyhow!(e))?;
    let Some(Object::GoEncoded(go)) = parsed.request.object.map(|o| o.0) else {
        bail!("{pod}: the pod is not its own Go encoding");
    };
    let text = go.as_str();
    let mut done = 0;
    for _ in 0..n {
        done += usize::from(match stage {
            "envelope" => parse_review(black_box(&body)).is_ok(),
            "check" => goenc::text::check_pod(black_box(text)).is_some(),
            "typed" => serde_json::from_str::<Pod>(&go.without_managed_fields()).is_ok(),
            "view" => view::read(black_box(text))
                .is_ok_and(|v| black_box(v.spec.map_or(0, |s| s.containers.len())) > 0),
            other => bail!("unknown stage {other:?}: envelope, check, typed or view"),
        });
    }
    println!("{stage} {pod} x{n}: {done} done");
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
