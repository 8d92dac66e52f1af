//! Golden tests for `explain`: each folder under `tests/fixtures/explain/` holds `input.yaml`,
//! `namespace-labels` (`k=v,...`, may be empty), optionally `namespace` and `values.yaml`, and
//! the expected `expected.txt` (text output) and `expected.json` (`-o json`).
//!
//! `REFRESH_GOLDEN=1 cargo test --test explain_golden` rewrites the expectations; review the
//! diff. A file the test does not know fails it (no orphans).

use std::fs;
use std::path::{Path, PathBuf};

use sidecar_injector::explain::{self, Options};
use sidecar_injector::settings::Snapshot;

const KNOWN_FILES: [&str; 6] = [
    "input.yaml",
    "namespace-labels",
    "namespace",
    "values.yaml",
    "expected.txt",
    "expected.json",
];

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/explain");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("fixtures folder")
        .map(|e| e.expect("dir entry").path())
        .collect();
    dirs.sort();
    dirs
}

/// The first differing line, with context from both sides.
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

#[test]
fn explain_goldens() {
    let refresh = std::env::var_os("REFRESH_GOLDEN").is_some();
    let mut failures = Vec::new();
    let dirs = cases();
    assert!(dirs.len() >= 5, "expected the explain fixtures");
    for dir in &dirs {
        assert!(dir.is_dir(), "stray file {}", dir.display());
        for entry in fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                KNOWN_FILES.contains(&name.as_str()),
                "orphaned file {}/{name}",
                dir.display()
            );
        }
        let read = |f: &str| fs::read_to_string(dir.join(f)).ok();
        let values = dir.join("values.yaml");
        let snap = Snapshot::load(values.exists().then_some(values.as_path()), None).unwrap();
        let opts = Options {
            namespace: read("namespace").map(|s| s.trim().to_string()),
            namespace_labels: explain::parse_labels(
                read("namespace-labels").unwrap_or_default().trim(),
            )
            .unwrap(),
            injector_namespace: "istio-system".into(),
            labels_by_namespace: None,
        };
        let input = read("input.yaml").expect("input.yaml");
        let all = explain::explain_stream(&snap, &opts, &input).unwrap();
        for (file, got) in [
            ("expected.txt", explain::to_text(&all)),
            ("expected.json", explain::to_json(&all).unwrap()),
        ] {
            let path = dir.join(file);
            if refresh {
                fs::write(&path, &got).unwrap();
                continue;
            }
            let want = fs::read_to_string(&path).unwrap_or_default();
            if want != got {
                failures.push(format!("{}:\n{}", path.display(), diff(&want, &got)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) differ (REFRESH_GOLDEN=1 to rewrite, then review):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn bad_namespace_labels_are_a_clear_error() {
    let e = explain::parse_labels("istio-injection").unwrap_err();
    assert_eq!(e, "\"istio-injection\" is not key=value");
}
