//! Settings can't break admission: each kind of semantic error in the values or mesh config
//! stops `serve` from starting and `kube-inject` from running, with the same message naming
//! the key; warnings (unknown keys, wrong-case enums) reach kube-inject's stderr.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-injector");

/// (kind, values, mesh, what the message must say).
pub const BAD: &[(&str, &str, &str, &str)] = &[
    (
        "quantity",
        "global:\n  proxy:\n    resources:\n      limits:\n        cpu: lots\n",
        "{}\n",
        "values: global.proxy.resources.limits.cpu: invalid quantity \"lots\"",
    ),
    (
        "image",
        "global:\n  tag: '1.30.3 '\n",
        "{}\n",
        "values: global.tag: makes the proxy image \"docker.io/istio/proxyv2:1.30.3 \"",
    ),
    (
        "policy",
        "global:\n  proxy:\n    autoInject: maybe\n",
        "{}\n",
        "values: global.proxy.autoInject: invalid policy \"maybe\"",
    ),
    (
        "template",
        "sidecarInjectorWebhook:\n  defaultTemplates: [sidecarr]\n",
        "{}\n",
        "values: sidecarInjectorWebhook.defaultTemplates[0]: unknown template \"sidecarr\"",
    ),
    (
        "mesh duration",
        "{}\n",
        "defaultConfig:\n  drainDuration: lots\n",
        "mesh config: field `defaultConfig.drainDuration`",
    ),
];

fn write_settings(dir: &std::path::Path, values: &str, mesh: &str) -> (String, String) {
    let (v, m) = (dir.join("values.yaml"), dir.join("mesh.yaml"));
    std::fs::write(&v, values).unwrap();
    std::fs::write(&m, mesh).unwrap();
    (v.display().to_string(), m.display().to_string())
}

#[test]
fn serve_with_bad_settings_exits_non_zero_naming_the_key() {
    for (kind, values, mesh, want) in BAD {
        let dir = tempfile::tempdir().unwrap();
        let (v, m) = write_settings(dir.path(), values, mesh);
        let out = Command::new(BIN)
            .args(["serve", "--self-signed", "--kube=off"])
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--valuesFile", &v, "--meshConfigFile", &m])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{kind}: started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{kind}: {err}");
    }
}

#[test]
fn kube_inject_refuses_the_same_settings_with_the_same_message() {
    let input = format!("{}/examples/hello.yaml", env!("CARGO_MANIFEST_DIR"));
    for (kind, values, mesh, want) in BAD {
        let dir = tempfile::tempdir().unwrap();
        let (v, m) = write_settings(dir.path(), values, mesh);
        let out = Command::new(BIN)
            .args(["kube-inject", "-f", &input])
            .args(["--valuesFile", &v, "--meshConfigFile", &m])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{kind}: injected");
        assert!(out.stdout.is_empty(), "{kind}: wrote output");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{kind}: {err}");
    }
}

#[test]
fn kube_inject_prints_warnings_and_keeps_istios_behaviour() {
    let input = format!("{}/examples/hello.yaml", env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (v, m) = write_settings(
        dir.path(),
        "global:\n  hubb: x\n  proxy:\n    autoInject: Disabled\n",
        "defaultConfg: {}\n",
    );
    let out = Command::new(BIN)
        .args(["kube-inject", "-f", &input])
        .args(["--valuesFile", &v, "--meshConfigFile", &m])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for want in [
        "warning: values: global.hubb: unknown key, ignored (did you mean global.hub?)\n",
        "warning: values: global.proxy.autoInject: \"Disabled\" is not \"disabled\"",
        "warning: mesh config: defaultConfg: unknown key, ignored (did you mean defaultConfig?)\n",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
}
