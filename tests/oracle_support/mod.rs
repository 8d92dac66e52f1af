//! Helpers for the tests that run Istio's own injector (`tests/istio-oracle`, a Go program built
//! by `scripts/build-oracle.sh`) beside ours: finding and driving the oracle in batch, running our
//! library the same way, and comparing outputs under `../shared/istio-compat/compare.py`'s rules
//! (map order free, list order significant, types significant, numbers numeric).
#![allow(dead_code)]

pub mod compare;
pub mod gen;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::{json, Value};
use sidecar_injector::kube_inject::{self, Options};
use sidecar_injector::server::admission::router;
use sidecar_injector::server::metrics::Metrics;
use sidecar_injector::server::reload::Settings;
use sidecar_injector::server::{AppState, NativeSidecars};
use sidecar_injector::settings::Snapshot;

/// The ratchet floor `key` in `tests/oracle-floor.txt`.
pub fn floor(key: &str) -> usize {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle-floor.txt"),
    )
    .expect("reading tests/oracle-floor.txt");
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("tests/oracle-floor.txt has no `{key} N` line"))
}

/// The oracle binary: `$ISTIO_ORACLE`, else `target/istio-oracle/istio-oracle`. Missing is a
/// failure with the command that builds it, never a skip.
pub fn oracle_bin() -> PathBuf {
    let path = std::env::var_os("ISTIO_ORACLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/istio-oracle/istio-oracle")
        });
    assert!(
        path.is_file(),
        "the Istio oracle {} is missing: build it with `scripts/build-oracle.sh` (needs Go >= 1.25)",
        path.display()
    );
    path
}

/// The istio.io/istio module directory the oracle reads its chart files from.
pub fn istio_module_dir() -> PathBuf {
    let out = Command::new(oracle_bin())
        .arg("module-dir")
        .output()
        .expect("running istio-oracle module-dir");
    assert!(
        out.status.success(),
        "istio-oracle module-dir: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The JSON a one-shot oracle mode (`unicode`, `case`) prints.
pub fn oracle_json(mode: &str) -> Value {
    let out = Command::new(oracle_bin())
        .arg(mode)
        .output()
        .unwrap_or_else(|e| panic!("running istio-oracle {mode}: {e}"));
    assert!(
        out.status.success(),
        "istio-oracle {mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("istio-oracle {mode} printed no JSON: {e}"))
}

/// Lines one oracle process answers before a fresh one takes over: each distinct settings text
/// builds a new Istio webhook, whose mesh watcher Istio never stops, so one process over 20,000
/// generated seeds grows past 17 GB; a thousand at a time stay under 1 GB.
const ORACLE_LINES_PER_PROCESS: usize = 1000;

/// Runs one oracle mode over JSON lines and returns one JSON answer per line, in order.
pub fn oracle_batch(args: &[&str], lines: &[Value]) -> Vec<Value> {
    lines
        .chunks(ORACLE_LINES_PER_PROCESS)
        .flat_map(|chunk| oracle_process(args, chunk))
        .collect()
}

/// One oracle process over `lines`, all at once (a writer thread feeds stdin while we read).
fn oracle_process(args: &[&str], lines: &[Value]) -> Vec<Value> {
    let mut child = Command::new(oracle_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting istio-oracle");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let payload: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let writer = std::thread::spawn(move || {
        for l in payload {
            stdin
                .write_all(l.as_bytes())
                .expect("writing to the oracle");
            stdin.write_all(b"\n").expect("writing to the oracle");
        }
    });
    let reader = BufReader::new(child.stdout.take().expect("oracle stdout"));
    let mut out = Vec::with_capacity(lines.len());
    for line in reader.lines() {
        let line = line.expect("reading the oracle");
        out.push(serde_json::from_str(&line).expect("oracle answers JSON"));
    }
    writer.join().expect("oracle writer");
    let status = child.wait().expect("oracle exit");
    assert!(status.success(), "istio-oracle {args:?} failed: {status}");
    assert_eq!(out.len(), lines.len(), "one oracle answer per line");
    out
}

/// The settings `getInjectionSettings` in Istio's webhook_test.go renders for `--set` flags, an
/// IstioOperator file and a mesh overlay: `{values, config, mesh}` texts.
pub fn oracle_settings(sets: &[&str], iop: Option<&Path>, mesh_overlay: Option<&str>) -> Value {
    let mut cmd = Command::new(oracle_bin());
    cmd.arg("settings");
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    if let Some(iop) = iop {
        cmd.arg("--iop").arg(iop);
    }
    let tmp;
    if let Some(m) = mesh_overlay {
        tmp = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(tmp.path(), m).expect("writing the mesh overlay");
        cmd.arg("--mesh-overlay").arg(tmp.path());
    }
    let out = cmd.output().expect("running istio-oracle settings");
    assert!(
        out.status.success(),
        "istio-oracle settings {sets:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("settings JSON")
}

/// One kube-inject case: the same texts go to the oracle and to us.
#[derive(Clone, Debug)]
pub struct Job {
    pub input: String,
    pub values: String,
    pub mesh: String,
    pub native: bool,
    pub revision: String,
}

impl Job {
    pub fn to_oracle(&self) -> Value {
        json!({"input": self.input, "values": self.values, "mesh": self.mesh,
               "native": self.native, "revision": self.revision})
    }

    pub fn snapshot(&self) -> Result<Snapshot, String> {
        Snapshot::from_strs(Some(&self.values), Some(&self.mesh)).map_err(|e| e.to_string())
    }

    /// Our kube-inject, in process: `Ok(yaml)` or `Err(message)`.
    pub fn ours(&self) -> Result<String, String> {
        let snap = self.snapshot()?;
        let opts = Options {
            native_sidecars: self.native,
            nodes: None,
            revision: self.revision.clone(),
            ..Options::default()
        };
        let mut warn = |_: String| {};
        kube_inject::inject_stream(&snap, &self.input, &opts, &mut warn).map_err(|e| e.to_string())
    }
}

/// Our webhook's answer to an AdmissionReview, through the real router, in process.
pub async fn our_review(snap: Snapshot, native: bool, body: Vec<u8>) -> (u16, Value) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut state = AppState::new(Arc::new(Settings::fixed(snap)), Arc::new(Metrics::new()));
    state.native = if native {
        NativeSidecars::On
    } else {
        NativeSidecars::Off
    };
    let req = axum::http::Request::post("/inject")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let res = router(state).oneshot(req).await.expect("router answers");
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, v)
}

/// Parses kube-inject output into its documents (Go YAML scalar rules, empty documents dropped).
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let docs = sidecar_injector::yaml::read_documents(text).map_err(|e| e.to_string())?;
    Ok(docs.into_iter().filter_map(|d| d.value).collect())
}
