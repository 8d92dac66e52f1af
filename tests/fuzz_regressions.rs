//! Replays every input under `tests/fixtures/fuzz/<target>/` through the invariant the fuzz
//! target of that name checks (tests/harness). Each file is a finding that once crashed,
//! hung or broke an invariant; a failure names the file.

mod harness;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
}

/// Runs on a thread with the stack a tokio blocking worker gets (2 MiB), so a recursion
/// that only fits the main thread's 8 MiB still fails here.
fn replay(target: &str, check: fn(&[u8])) {
    for file in inputs(target) {
        let data = std::fs::read(&file).unwrap();
        let name = file.display().to_string();
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || check(&data))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name}: invariant broken (see the panic above)"));
        println!("replayed {}", file.display());
    }
}

#[test]
fn admission() {
    replay("admission", harness::admission);
}

#[test]
fn kube_inject() {
    replay("kube_inject", harness::kube_inject);
}

#[test]
fn settings() {
    replay("settings", harness::settings);
}

#[test]
fn template() {
    replay("template", harness::template);
}

#[test]
fn annotations() {
    replay("annotations", |data| {
        let mut u = arbitrary::Unstructured::new(data);
        if let Ok(input) = <harness::AnnotatedPod as arbitrary::Arbitrary>::arbitrary(&mut u) {
            harness::annotations(&input);
        }
    });
}
