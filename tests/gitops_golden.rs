//! Golden tests of the GitOps and rollout-report commands. Each folder under
//! `tests/fixtures/<command>/` (`uninject`, `check`, `patch`, `coverage`, `outdated`) holds
//! `input.yaml`, optionally `values.yaml` / `mesh.yaml` (the settings), and the expected
//! outputs (`expected.yaml`, `expected.diff`, `expected.txt`, `expected.json`).
//!
//! `REFRESH_GOLDEN=1 cargo test --test gitops_golden` rewrites the expectations; review the
//! diff. A file a case does not use fails the test (no orphaned expectations).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sidecar_injector::gitops::{self, diff};
use sidecar_injector::kube_inject::{self, Options};
use sidecar_injector::report::{self, coverage, outdated};
use sidecar_injector::settings::Snapshot;
use sidecar_injector::yaml;

fn cases(command: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(command);
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases under {}", root.display());
    dirs
}

fn snapshot(dir: &Path) -> Snapshot {
    let opt = |n: &str| Some(dir.join(n)).filter(|p| p.exists());
    Snapshot::load(opt("values.yaml").as_deref(), opt("mesh.yaml").as_deref())
        .unwrap_or_else(|e| panic!("{}: settings: {e}", dir.display()))
}

fn opts() -> Options {
    Options {
        remote: None,
        native_sidecars: true,
        nodes: None,
        revision: String::new(),
    }
}

/// Compares (or with `REFRESH_GOLDEN=1` writes) each output, then checks for orphans.
fn expect(dir: &Path, outputs: &[(&str, String)]) {
    let refresh = std::env::var_os("REFRESH_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, got) in outputs {
        let path = dir.join(name);
        if refresh {
            fs::write(&path, got).expect("write golden");
            continue;
        }
        let want = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (REFRESH_GOLDEN=1 creates it)", path.display()));
        if &want != got {
            failures.push(diff::unified(
                &want,
                got,
                &format!("{} (expected)", path.display()),
                "(got)",
            ));
        }
    }
    let known: Vec<&str> = ["input.yaml", "values.yaml", "mesh.yaml"]
        .into_iter()
        .chain(outputs.iter().map(|(n, _)| *n))
        .collect();
    for entry in fs::read_dir(dir).expect("case dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        assert!(
            known.contains(&name.as_str()),
            "{}: orphaned file {name}",
            dir.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn input(dir: &Path) -> String {
    fs::read_to_string(dir.join("input.yaml")).expect("input.yaml")
}

#[test]
fn uninject() {
    for dir in cases("uninject") {
        let out = gitops::uninject_stream(&input(&dir)).expect("uninject");
        // Uninjecting twice changes nothing more.
        assert_eq!(
            gitops::uninject_stream(&out).expect("again"),
            out,
            "{}",
            dir.display()
        );
        expect(&dir, &[("expected.yaml", out)]);
    }
}

#[test]
fn check() {
    for dir in cases("check") {
        let snap = snapshot(&dir);
        let report =
            gitops::check(&snap, &input(&dir), "input.yaml", &opts(), &mut |_| {}).expect("check");
        // The expected text is what kube-inject prints: checking it again is clean.
        let again =
            gitops::check(&snap, &report.expected, "x", &opts(), &mut |_| {}).expect("recheck");
        assert!(again.up_to_date(), "{}: {}", dir.display(), again.diff);
        expect(&dir, &[("expected.diff", report.diff)]);
    }
}

#[test]
fn patch() {
    for dir in cases("patch") {
        let snap = snapshot(&dir);
        let text = input(&dir);
        let out = gitops::patch_stream(&snap, &text, &opts(), &mut |_| {}).expect("patch");
        // Each document's patch turns its Go-decoded form into what kube-inject prints.
        let injected =
            kube_inject::inject_stream(&snap, &text, &opts(), &mut |_| {}).expect("inject");
        let docs = yaml::read_documents(&text).expect("docs");
        let want = yaml::read_documents(&injected).expect("docs");
        for (i, doc) in docs.iter().enumerate() {
            let Some(v) = &doc.value else { continue };
            let p = gitops::document_patch(&snap, v, &opts(), &mut |_| {}).expect("patch");
            let mut got = v.clone();
            let kind = v["kind"].as_str().unwrap_or("");
            let api = v["apiVersion"].as_str().unwrap_or("");
            if sidecar_injector::workload::template_paths(api, kind).is_some() {
                sidecar_injector::goenc::normalize_object(&mut got).expect("normalize");
            }
            json_patch::patch(&mut got, &p).expect("apply");
            let w = want[i].value.clone().unwrap_or(Value::Null);
            assert_eq!(got, w, "{} document {i}", dir.display());
        }
        expect(&dir, &[("expected.yaml", out)]);
    }
}

#[test]
fn coverage() {
    for dir in cases("coverage") {
        let snap = snapshot(&dir);
        let objects = report::read_objects(&input(&dir)).expect("objects");
        let c = coverage::coverage(&snap, &objects);
        let json = format!("{}\n", serde_json::to_string_pretty(&c).expect("json"));
        expect(
            &dir,
            &[
                ("expected.txt", coverage::to_text(&c)),
                ("expected.json", json),
            ],
        );
    }
}

#[test]
fn outdated() {
    for dir in cases("outdated") {
        let snap = snapshot(&dir);
        let objects = report::read_objects(&input(&dir)).expect("objects");
        let o = outdated::OutdatedOptions {
            native_sidecars: true,
        };
        let rows = outdated::outdated(&snap, &objects, &o).expect("outdated");
        let json = format!("{}\n", serde_json::to_string_pretty(&rows).expect("json"));
        expect(
            &dir,
            &[
                ("expected.txt", outdated::to_text(&rows)),
                ("expected.json", json),
            ],
        );
    }
}
