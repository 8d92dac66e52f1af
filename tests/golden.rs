//! Our own golden cases, for what Istio's shared cases don't cover: each folder under
//! `tests/fixtures/kube-inject/` holds `input.yaml` (and optionally `values.yaml`, `mesh.yaml`,
//! `native-sidecars-off`), the expected `expected.yaml` and `expected.stderr`.
//!
//! `REFRESH_GOLDEN=1 cargo test --test golden` rewrites the expectations; review the diff.
//! Every Pod document also goes through the webhook path: the patch `mutate` returns, applied
//! with json-patch, must give the same pod kube-inject printed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sidecar_injector::inject::{self, Outcome, PodRequest};
use sidecar_injector::kube_inject::{self, Options};
use sidecar_injector::settings::Snapshot;
use sidecar_injector::yaml;

const KNOWN_FILES: [&str; 6] = [
    "input.yaml",
    "values.yaml",
    "mesh.yaml",
    "native-sidecars-off",
    "expected.yaml",
    "expected.stderr",
];

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kube-inject");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("fixtures folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read_opt(dir: &Path, name: &str) -> Option<String> {
    fs::read_to_string(dir.join(name)).ok()
}

/// A readable diff: the first differing line with some context from both sides.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = i.saturating_sub(3);
    let show = |lines: &[&str]| {
        lines[from.min(lines.len())..(i + 4).min(lines.len())]
            .iter()
            .enumerate()
            .map(|(k, l)| format!("  {:>4} | {l}", from + k + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first difference at line {}\n--- expected\n{}\n+++ got\n{}",
        i + 1,
        show(&w),
        show(&g)
    )
}

fn check(dir: &Path, file: &str, got: &str, refresh: bool, failures: &mut Vec<String>) {
    let path = dir.join(file);
    if refresh {
        fs::write(&path, got).expect("write golden");
        return;
    }
    let want = fs::read_to_string(&path).unwrap_or_default();
    if want != got {
        failures.push(format!("{}:\n{}", path.display(), diff(&want, got)));
    }
}

#[test]
fn kube_inject_goldens() {
    let refresh = std::env::var_os("REFRESH_GOLDEN").is_some();
    let mut failures = Vec::new();
    let all = cases();
    assert!(!all.is_empty(), "no golden cases found");
    for dir in all {
        for entry in fs::read_dir(&dir).expect("case dir") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .to_string();
            assert!(
                KNOWN_FILES.contains(&name.as_str()),
                "orphaned file {} in {}",
                name,
                dir.display()
            );
        }
        let input = read_opt(&dir, "input.yaml").expect("input.yaml");
        let snap = Snapshot::from_strs(
            read_opt(&dir, "values.yaml").as_deref(),
            read_opt(&dir, "mesh.yaml").as_deref(),
        )
        .expect("settings");
        let native = !dir.join("native-sidecars-off").exists();
        let mut stderr = String::new();
        let out = kube_inject::inject_stream(
            &snap,
            &input,
            &Options {
                remote: None,
                native_sidecars: native,
                ..Default::default()
            },
            &mut |w| stderr.push_str(&w),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        check(&dir, "expected.yaml", &out, refresh, &mut failures);
        check(&dir, "expected.stderr", &stderr, refresh, &mut failures);
        if !refresh {
            webhook_agrees(&snap, &input, &out, native, &mut failures, &dir);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Pods: the webhook's patch, applied to the pod, must equal what kube-inject printed.
fn webhook_agrees(
    snap: &Snapshot,
    input: &str,
    output: &str,
    native: bool,
    failures: &mut Vec<String>,
    dir: &Path,
) {
    let ins = yaml::read_documents(input).expect("input parses");
    let outs = yaml::read_documents(output).expect("output parses");
    for (i, (a, b)) in ins.iter().zip(&outs).enumerate() {
        let (Some(pod), Some(want)) = (&a.value, &b.value) else {
            continue;
        };
        if pod.get("kind").and_then(Value::as_str) != Some("Pod") {
            continue;
        }
        let envs = BTreeMap::new();
        let req = PodRequest {
            namespace: "default",
            native_sidecars: native,
            proxy_envs: &envs,
            namespace_labels: None,
        };
        let mut got = pod.clone();
        match inject::mutate(snap, pod, &req).expect("mutate") {
            Outcome::Injected { patch, .. } => {
                let patch = patch.to_json_patch().expect("the patch reads back");
                json_patch::patch(&mut got, &patch).expect("patch applies");
            }
            Outcome::Skipped(_) => {}
        }
        sidecar_injector::goenc::normalize_pod(&mut got).expect("normalise");
        let mut want = want.clone();
        // The webhook fills the namespace of the request; kube-inject leaves it empty.
        if let Some(m) = got.pointer_mut("/metadata").and_then(Value::as_object_mut) {
            m.remove("namespace");
        }
        if let Some(m) = want.pointer_mut("/metadata").and_then(Value::as_object_mut) {
            m.remove("namespace");
        }
        if got != want {
            failures.push(format!(
                "{} document {i}: webhook result differs from kube-inject\n{}",
                dir.display(),
                diff(
                    &yaml::to_string(&want).unwrap(),
                    &yaml::to_string(&got).unwrap()
                )
            ));
        }
    }
}
