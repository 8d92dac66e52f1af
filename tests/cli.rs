//! The `kube-inject` command as a user runs it: files and stdin, errors and exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sidecar-injector"))
}

#[test]
fn bundled_example_injects_with_default_settings() {
    let out = bin()
        .args(["kube-inject", "-f", "examples/hello.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("docker.io/istio/proxyv2:1.30.3"), "{text}");
    assert!(text.contains("name: istio-proxy"));
    assert_eq!(
        text.matches("\n---\n").count() + usize::from(text.starts_with("---")),
        2
    );
}

#[test]
fn reads_stdin_and_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.yaml");
    let mut child = bin()
        .args(["kube-inject", "-f", "-", "-o"])
        .arg(&out_path)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(out_path).unwrap();
    assert!(text.contains("istio-init"), "{text}");
}

/// Runs kube-inject on a file holding `yaml`; returns (success, stderr).
fn inject_file(yaml: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.yaml");
    std::fs::write(&input, yaml).unwrap();
    let out = bin()
        .args(["kube-inject", "-f"])
        .arg(&input)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_document_names_the_document_and_field() {
    let (ok, err) = inject_file(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        ports:\n        - containerPort: eighty\n",
    );
    assert!(!ok);
    assert!(
        err.contains("document 2 (Deployment web)"),
        "documents count from 1: {err}"
    );
    assert!(err.contains("containerPort"), "{err}");
}

#[test]
fn an_invalid_annotation_is_refused_with_its_name() {
    let (ok, err) = inject_file(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    traffic.sidecar.istio.io/includeOutboundIPRanges: 10.0.0.0/33\nspec:\n  containers: [{name: a, image: b}]\n",
    );
    assert!(!ok);
    assert!(err.contains("includeOutboundIPRanges"), "{err}");
    assert!(err.contains("10.0.0.0/33"), "{err}");
}

/// istioctl reads `proxy.istio.io/config` before deciding: text that does not read as a
/// ProxyConfig refuses even an opted-out pod; a rule failure only matters when injecting, and
/// host-network pods are skipped first.
#[test]
fn an_unreadable_proxy_config_is_refused_before_the_decision() {
    let pod = |inject: &str, config: &str, host: bool| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/inject: \"{inject}\"\n    proxy.istio.io/config: \"{config}\"\nspec:\n  hostNetwork: {host}\n  containers: [{{name: a, image: b}}]\n"
        )
    };
    let (ok, err) = inject_file(&pod("false", "tracing: []", false));
    assert!(!ok, "{err}");
    assert!(err.contains("proxy.istio.io/config"), "{err}");
    assert!(err.contains("tracing"), "{err}");
    let (ok, err) = inject_file(&pod("false", "{bad yaml: [", false));
    assert!(!ok, "{err}");
    // Read, but breaks a rule: only an injected pod is refused.
    let (ok, err) = inject_file(&pod("false", "proxyAdminPort: 0", false));
    assert!(ok, "{err}");
    let (ok, err) = inject_file(&pod("true", "proxyAdminPort: 0", false));
    assert!(!ok, "{err}");
    let (ok, err) = inject_file(&pod("false", "tracing: []", true));
    assert!(ok, "{err}");
}

#[test]
fn a_missing_values_file_is_a_clear_error() {
    let out = bin()
        .args([
            "kube-inject",
            "-f",
            "examples/hello.yaml",
            "--valuesFile",
            "/nonexistent/values.yaml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/values.yaml"));
}

#[test]
fn a_missing_file_is_reported_once() {
    let out = Command::new(env!("CARGO_BIN_EXE_sidecar-injector"))
        .args([
            "kube-inject",
            "-f",
            "examples/hello.yaml",
            "--valuesFile",
            "/nonexistent/values.yaml",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("/nonexistent/values.yaml"), "{err}");
}

#[test]
fn kube_inject_prints_warnings_on_stderr_and_still_injects() {
    let (ok, err) = inject_file(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/proxyCpu: 100m\nspec:\n  containers: [{name: a, image: b}]\n",
    );
    assert!(ok, "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("SI001"))
        .unwrap_or_else(|| panic!("no SI001 line in {err}"));
    assert!(line.starts_with("warning: "), "{line}");
    assert!(line.contains("in.yaml document 1 Pod/p: SI001 unknown Istio annotation sidecar.istio.io/proxyCpu: did you mean sidecar.istio.io/proxyCPU?"), "{line}");
}

#[test]
fn explain_prints_text_and_json_and_refuses_bad_labels() {
    let root = env!("CARGO_MANIFEST_DIR");
    let input = "tests/fixtures/explain/enabled-namespace/input.yaml";
    let run = |extra: &[&str]| {
        bin()
            .args([
                "explain",
                "-f",
                input,
                "--namespace-labels",
                "istio-injection=enabled",
            ])
            .args(extra)
            .current_dir(root)
            .output()
            .unwrap()
    };
    let text = run(&[]);
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let want = std::fs::read_to_string(format!(
        "{root}/tests/fixtures/explain/enabled-namespace/expected.txt"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(text.stdout).unwrap(), want);
    let json = run(&["-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["inject"], true, "{v}");
    let bad = bin()
        .args([
            "explain",
            "-f",
            input,
            "--namespace-labels",
            "istio-injection",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not key=value"));
}
