//! The self-contained golden suite: every input of Istio's own injection tests
//! (`pkg/kube/inject/testdata/inject/*.yaml`, read from the istio.io/istio module the oracle is
//! built from, never copied here) with the settings Istio's `TestInjection` gives it, as far as
//! `kube-inject` flags can express them. The expected output is what Istio's code (the oracle)
//! produces at test time; ours must equal it under compare.py's rules. As a check on the oracle
//! itself, its output must also equal Istio's checked-in `.injected` golden file.
//!
//! Fails when fewer cases pass than `tests/oracle-floor.txt` says (`golden N`); prints
//! `oracle golden: P passed, F failed`.

mod oracle_support;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use oracle_support::compare::compare_docs;
use oracle_support::*;
use serde_json::Value;

/// A row of Istio's TestInjection table (inject_test.go), reduced to what kube-inject expresses.
struct Row {
    input: &'static str,
    want: &'static str,
    sets: &'static [&'static str],
    iop: Option<&'static str>,
    mesh: Option<&'static str>,
    native: bool,
    error: Option<&'static str>,
}

const fn row(input: &'static str, want: &'static str) -> Row {
    Row {
        input,
        want,
        sets: &[],
        iop: None,
        mesh: None,
        native: true,
        error: None,
    }
}
const fn sets(input: &'static str, want: &'static str, sets: &'static [&'static str]) -> Row {
    Row {
        input,
        want,
        sets,
        iop: None,
        mesh: None,
        native: true,
        error: None,
    }
}
const fn iop(input: &'static str, want: &'static str, file: &'static str) -> Row {
    Row {
        input,
        want,
        sets: &[],
        iop: Some(file),
        mesh: None,
        native: true,
        error: None,
    }
}
const fn mesh(input: &'static str, want: &'static str, overlay: &'static str) -> Row {
    Row {
        input,
        want,
        sets: &[],
        iop: None,
        mesh: Some(overlay),
        native: true,
        error: None,
    }
}
const fn old(input: &'static str, want: &'static str) -> Row {
    Row {
        input,
        want,
        sets: &[],
        iop: None,
        mesh: None,
        native: false,
        error: None,
    }
}
const fn bad(input: &'static str, error: &'static str) -> Row {
    Row {
        input,
        want: "",
        sets: &[],
        iop: None,
        mesh: None,
        native: true,
        error: Some(error),
    }
}

const CNI: &[&str] = &[
    "components.cni.enabled=true",
    "values.cni.provider=default",
    "values.global.network=network1",
];
const MULTUS: &[&str] = &["components.cni.enabled=true", "values.cni.provider=multus"];
const HOLD: &[&str] = &["values.global.proxy.holdApplicationUntilProxyStarts=true"];
const STATUS: &[&str] = &[
    "values.global.proxy.statusPort=123",
    "values.global.proxy.readinessInitialDelaySeconds=100",
    "values.global.proxy.readinessPeriodSeconds=200",
    "values.global.proxy.readinessFailureThreshold=300",
];
const TPROXY: &str = "defaultConfig:\n  interceptionMode: TPROXY\n";

/// TestInjection's explicit rows, in its order. The OpenShift rows (webhook only) are left out:
/// kube-inject cannot express them (Istio skips them for kube-inject too).
fn table() -> Vec<Row> {
    vec![
        sets("hello.yaml", "hello.yaml.cni.injected", CNI),
        sets("hello.yaml", "hello.yaml.proxyImageName.injected", &["values.global.proxy.image=proxyTest"]),
        mesh("hello.yaml", "hello-tproxy.yaml.injected", TPROXY),
        sets("hello.yaml", "hello-always.yaml.injected", &["values.global.imagePullPolicy=Always"]),
        sets("hello.yaml", "hello-never.yaml.injected", &["values.global.imagePullPolicy=Never"]),
        old("hello.yaml", "hello-old-version.yaml.injected"),
        mesh("format-duration.yaml", "format-duration.yaml.injected", "defaultConfig:\n  drainDuration: 23s\n"),
        sets("traffic-params.yaml", "traffic-params.yaml.injected", &[
            "values.global.proxy.includeIPRanges=127.0.0.1/24,10.96.0.1/24",
            "values.global.proxy.excludeIPRanges=10.96.0.2/24,10.96.0.3/24",
            "values.global.proxy.excludeInboundPorts=4,5,6",
            "values.global.proxy.statusPort=0",
        ]),
        sets("status_params.yaml", "status_params.yaml.injected", STATUS),
        sets("kubevirtInterfaces.yaml", "kubevirtInterfaces.yaml.injected", STATUS),
        sets("reroute-virtual-interfaces.yaml", "reroute-virtual-interfaces.yaml.injected", STATUS),
        iop("hello.yaml", "hello-image-secrets-in-values.yaml.injected", "hello-image-secrets-in-values.iop.yaml"),
        iop("hello-image-pull-secret.yaml", "hello-multiple-image-secrets.yaml.injected", "hello-image-secrets-in-values.iop.yaml"),
        iop("hello.yaml", "hello-template-in-values.yaml.injected", "hello-template-in-values.iop.yaml"),
        sets("hello.yaml", "hello-mount-mtls-certs.yaml.injected", &["values.global.mountMtlsCerts=true"]),
        sets("hello.yaml", "hello-cncf-networks.yaml.injected", MULTUS),
        sets("hello-existing-cncf-networks.yaml", "hello-existing-cncf-networks.yaml.injected", MULTUS),
        sets("hello-existing-cncf-networks-json.yaml", "hello-existing-cncf-networks-json.yaml.injected", MULTUS),
        sets("hello.yaml", "hello.proxyHoldsApplication.yaml.injected", HOLD),
        sets("hello-probes.yaml", "hello-probes.proxyHoldsApplication.yaml.injected", HOLD),
        row("hello-probes-proxyHoldApplication-ProxyConfig.yaml", "hello-probes-proxyHoldApplication-ProxyConfig.yaml.injected"),
        sets("hello-probes-noProxyHoldApplication-ProxyConfig.yaml", "hello-probes-noProxyHoldApplication-ProxyConfig.yaml.injected", HOLD),
        row("hello-service.yaml", "hello-service.yaml.injected"),
        row("cronjob.yaml", "cronjob.yaml.injected"),
        old("cronjob.yaml", "cronjob-old-version.yaml.injected"),
        old("daemonset.yaml", "daemonset-old-version.yaml.injected"),
        old("job.yaml", "job-old-version.yaml.injected"),
        old("pod.yaml", "pod-old-version.yaml.injected"),
        old("replicaset.yaml", "replicaset-old-version.yaml.injected"),
        old("statefulset.yaml", "statefulset-old-version.yaml.injected"),
        bad("traffic-annotations-bad-includeipranges.yaml", "includeipranges"),
        bad("traffic-annotations-bad-excludeipranges.yaml", "excludeipranges"),
        bad("traffic-annotations-bad-includeinboundports.yaml", "includeinboundports"),
        bad("traffic-annotations-bad-excludeinboundports.yaml", "excludeinboundports"),
        bad("traffic-annotations-bad-excludeoutboundports.yaml", "excludeoutboundports"),
        mesh("traffic-annotations.yaml", "traffic-annotations.yaml.injected",
            "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_TLS_CLIENT_KEY: /etc/identity/client/keys/client-key.pem\n"),
        row("proxy-override.yaml", "proxy-override.yaml.injected"),
        row("explicit-security-context.yaml", "explicit-security-context.yaml.injected"),
        row("only-proxy-container.yaml", "only-proxy-container.yaml.injected"),
        row("proxy-override-args.yaml", "proxy-override-args.yaml.injected"),
        row("proxy-override-runas.yaml", "proxy-override-runas.yaml.injected"),
        sets("proxy-override-runas.yaml", "proxy-override-runas.yaml.cni.injected", &["components.cni.enabled=true"]),
        mesh("proxy-override-runas.yaml", "proxy-override-runas.yaml.tproxy.injected", TPROXY),
        row("proxy-override-args.yaml", "proxy-override-args-native.yaml.injected"),
        row("gateway.yaml", "gateway.yaml.injected"),
        row("native-sidecar.yaml", "native-sidecar.yaml.injected"),
        old("native-sidecar.yaml", "native-sidecar-old-version.yaml.injected"),
        row("native-sidecar-opt-in.yaml", "native-sidecar-opt-in.yaml.injected"),
        old("native-sidecar-opt-in.yaml", "native-sidecar-opt-in.yaml.injected"),
        row("native-sidecar-opt-out.yaml", "native-sidecar-opt-out.yaml.injected"),
        old("native-sidecar-opt-out.yaml", "native-sidecar-opt-out.yaml.injected"),
        iop("custom-template.yaml", "custom-template.yaml.injected", "custom-template.iop.yaml"),
        row("tcp-probes.yaml", "tcp-probes.yaml.injected"),
        row("hello-host-network-with-ns.yaml", "hello-host-network-with-ns.yaml.injected"),
        sets("merge-probers.yaml", "merge-probers.yaml.injected", HOLD),
        // TestInjection sets DefaultConfig.Tracing to an empty Tracing (replacing it).
        mesh("hello-tracing-disabled.yaml", "hello-tracing-disabled.yaml.injected", "defaultConfig:\n  tracing: {}\n"),
        row("truncate-canonical-name-pod.yaml", "truncate-canonical-name-pod.yaml.injected"),
        row("truncate-canonical-name-custom-controller-pod.yaml", "truncate-canonical-name-custom-controller-pod.yaml.injected"),
        mesh("hello-probes-localhost.yaml", "hello-probes-localhost.yaml.injected", "inboundTrafficPolicy:\n  mode: LOCALHOST\n"),
        iop("proxy-resources-null.yaml", "proxy-resources-null.yaml.injected", "proxy-resources-null.iop.yaml"),
        iop("proxy-resources-null-no-init.yaml", "proxy-resources-null-no-init.yaml.injected", "proxy-resources-null.iop.yaml"),
        iop("proxy-resources-zero.yaml", "proxy-resources-zero.yaml.injected", "proxy-resources-zero.iop.yaml"),
        iop("proxy-resources-memory-null.yaml", "proxy-resources-memory-null.yaml.injected", "proxy-resources-memory-null.iop.yaml"),
        iop("proxy-resources-mixed-null.yaml", "proxy-resources-mixed-null.yaml.injected", "proxy-resources-mixed-null.iop.yaml"),
        iop("sidecar-spire.yaml", "sidecar-spire.yaml.injected", "spire-template.iop.yaml"),
        iop("gateway-spire.yaml", "gateway-spire.yaml.injected", "spire-template.iop.yaml"),
        mesh("hello-otel-semconv.yaml", "hello-otel-semconv.yaml.injected",
            "extensionProviders:\n- name: otel\n  opentelemetry:\n    service: otel-collector.observability.svc.cluster.local\n    port: 4317\n    serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS\n"),
    ]
}

/// Rows Istio runs only through the webhook (OpenShift platform): their outputs are not
/// kube-inject's, so they are not auto-discovered either.
const WEBHOOK_ONLY: &[&str] = &[
    "hello-openshift.yaml.injected",
    "hello-openshift-custom-injection.yaml.injected",
    "hello-openshift-tproxy.yaml.injected",
];

/// The table plus every other `X.yaml` with an `X.yaml.injected`, at default settings, as
/// TestInjection discovers them.
fn all_rows(dir: &Path) -> Vec<Row> {
    let mut rows = table();
    let tested: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r.want.to_string())
        .chain(WEBHOOK_ONLY.iter().map(|s| s.to_string()))
        .collect();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("reading Istio's testdata/inject")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    for name in names {
        if !name.ends_with(".yaml") || name.ends_with(".iop.yaml") {
            continue;
        }
        let want = format!("{name}.injected");
        if tested.contains(&want) || !dir.join(&want).exists() {
            continue;
        }
        let name: &'static str = Box::leak(name.into_boxed_str());
        let want: &'static str = Box::leak(want.into_boxed_str());
        rows.push(row(name, want));
    }
    rows
}

#[test]
fn oracle_golden_istio_inputs() {
    let data = istio_module_dir().join("pkg/kube/inject/testdata/inject");
    let rows = all_rows(&data);
    let mut settings: HashMap<String, Value> = HashMap::new();
    let mut jobs = Vec::new();
    for r in &rows {
        let key = format!("{:?}|{:?}|{:?}", r.sets, r.iop, r.mesh);
        let s = settings
            .entry(key)
            .or_insert_with(|| {
                oracle_settings(r.sets, r.iop.map(|f| data.join(f)).as_deref(), r.mesh)
            })
            .clone();
        let input =
            std::fs::read_to_string(data.join(r.input)).expect("reading an Istio test input");
        jobs.push(Job {
            input,
            values: s["values"].as_str().expect("values").to_string(),
            mesh: s["mesh"].as_str().expect("mesh").to_string(),
            native: r.native,
            revision: String::new(),
        });
    }
    let answers = oracle_batch(
        &["kube-inject", "--batch"],
        &jobs.iter().map(Job::to_oracle).collect::<Vec<_>>(),
    );

    let (mut passed, mut failed, mut oracle_off) = (0usize, Vec::new(), Vec::new());
    for ((r, job), answer) in rows.iter().zip(&jobs).zip(&answers) {
        let name = format!(
            "{} -> {}{}",
            r.input,
            if r.want.is_empty() { "error" } else { r.want },
            if r.native { "" } else { " (native off)" }
        );
        let ours = job.ours();
        if let Some(want_err) = r.error {
            let oracle_err = answer["error"].as_str().unwrap_or("");
            if !oracle_err.to_lowercase().contains(want_err) {
                oracle_off.push(format!(
                    "{name}: oracle should fail with {want_err:?}, answered {answer}"
                ));
            }
            match ours {
                Err(e) if e.to_lowercase().contains(want_err) => passed += 1,
                Err(e) => failed.push(format!("{name}: our error {e:?} lacks {want_err:?}")),
                Ok(_) => failed.push(format!("{name}: we injected, Istio refuses ({oracle_err})")),
            }
            continue;
        }
        let Some(expected) = answer["output"].as_str() else {
            oracle_off.push(format!("{name}: oracle failed: {answer}"));
            continue;
        };
        let expected_docs = documents(expected).expect("oracle output parses");
        let golden =
            std::fs::read_to_string(data.join(r.want)).expect("reading Istio's golden file");
        let golden_diffs =
            compare_docs(&documents(&golden).expect("golden parses"), &expected_docs);
        if let Some(d) = golden_diffs.first() {
            oracle_off.push(format!(
                "{name}: oracle differs from Istio's golden file: {d}"
            ));
        }
        match ours.and_then(|o| documents(&o)) {
            Err(e) => failed.push(format!("{name}: we fail: {e}")),
            Ok(got) => {
                let diffs = compare_docs(&expected_docs, &got);
                match diffs.first() {
                    None => passed += 1,
                    Some(d) => {
                        failed.push(format!("{name}: {} differences, first {d}", diffs.len()))
                    }
                }
            }
        }
    }
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &failed {
        *by_kind
            .entry(f.split(':').next().unwrap_or(""))
            .or_default() += 1;
    }
    for f in &failed {
        println!("FAIL {f}");
    }
    for f in &oracle_off {
        println!("ORACLE {f}");
    }
    println!("oracle golden: {passed} passed, {} failed", failed.len());
    assert!(
        oracle_off.is_empty(),
        "the oracle disagrees with Istio's own golden files: {oracle_off:#?}"
    );
    let want = floor("golden");
    assert!(
        passed >= want,
        "{passed} golden cases pass, below the floor of {want} (tests/oracle-floor.txt)"
    );
}

/// The stock templates of the module's chart, written into `data.config` as the chart writes
/// them (`.Files.Get … | trim | indent 8`), are recognised as stock (rendered by our code), and
/// the hashes we keep of them are theirs; an edit of one makes it a custom template.
#[test]
fn oracle_stock_templates_are_recognised() {
    use sidecar_injector::settings::inject_config::{Form, InjectConfig, STOCK_TEXT_FNV};
    let files = istio_module_dir().join("manifests/charts/istio-control/istio-discovery/files");
    let file_of = |name: &str| match name {
        "sidecar" => "injection-template.yaml".to_string(),
        "gateway" => "gateway-injection-template.yaml".to_string(),
        other => format!("{other}.yaml"),
    };
    let mut config = String::from("policy: enabled\ntemplates:\n");
    for (name, _) in STOCK_TEXT_FNV {
        let text = std::fs::read_to_string(files.join(file_of(name))).expect("a stock template");
        config.push_str(&format!("  {name}: |\n"));
        for line in text.trim().lines() {
            config.push_str(&format!("        {line}\n"));
        }
    }
    let (cfg, form) = InjectConfig::parse(&config, "test").expect("the chart's data.config");
    assert_eq!(form, Form::Config);
    let custom: Vec<&String> = cfg.custom_templates(form).map(|(n, _)| n).collect();
    assert!(
        custom.is_empty(),
        "stock templates taken as edited: {custom:?}"
    );
    let edited = config.replacen("  sidecar: |\n", "  sidecar: |\n        # edited\n", 1);
    let (cfg, form) = InjectConfig::parse(&edited, "test").expect("an edited data.config");
    let custom: Vec<&String> = cfg.custom_templates(form).map(|(n, _)| n).collect();
    assert_eq!(custom, ["sidecar"]);
}

/// kube-inject prints YAML as go-yaml does: Istio's own output for our key-order and quoting
/// fixture (keys `a9`/`a10`, `aB`/`a_`, digit-only keys; numeric-looking, YAML 1.1, empty,
/// padded and multi-line strings) equals ours byte for byte, and equals the committed golden.
#[test]
fn oracle_prints_our_yaml_byte_for_byte() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kube-inject/go-yaml-key-order");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("fixture file");
    let job = Job {
        input: read("input.yaml"),
        values: read("values.yaml"),
        mesh: String::new(),
        native: true,
        revision: String::new(),
    };
    let answer = oracle_batch(&["kube-inject", "--batch"], &[job.to_oracle()]);
    let theirs = answer[0]["output"]
        .as_str()
        .unwrap_or_else(|| panic!("oracle failed: {}", answer[0]));
    let ours = job.ours().expect("our kube-inject");
    assert_eq!(ours, theirs, "our text differs from Istio's");
    assert_eq!(
        ours,
        read("expected.yaml"),
        "golden differs from Istio's text"
    );
}
