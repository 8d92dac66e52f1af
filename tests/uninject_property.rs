//! `uninject` against generated workloads (the differential tests' generator), for every
//! seed in `PROP_SEEDS` (default `0..300`), on manifests without Istio parts of their own:
//! - `uninject(inject(m))` is `m` as Kubernetes decodes it (Go's encoding of the document);
//! - injecting the uninjected manifest again gives the injected manifest back;
//! - a manifest injected with other settings (another proxy version), uninjected and injected
//!   with the current settings, equals the clean manifest injected with the current settings.
//!
//! A failure names its seed; rerun one with `PROP_SEEDS=N..N+1 cargo test --test uninject_property`.

mod oracle_support;

use oracle_support::gen::{self, Rng};
use serde_json::Value;
use sidecar_injector::gitops::{diff, uninject_stream};
use sidecar_injector::kube_inject::{inject_stream, Options};
use sidecar_injector::settings::Snapshot;
use sidecar_injector::yaml;

fn seeds() -> std::ops::Range<u64> {
    let spec = std::env::var("PROP_SEEDS").unwrap_or_else(|_| "0..300".into());
    let (a, b) = spec.split_once("..").expect("PROP_SEEDS is START..END");
    a.parse().expect("start")..b.parse().expect("end")
}

/// Istio's own keys (or a user `istio-proxy`) make a manifest part Istio's: out of scope.
fn has_istio_parts(template: &Value) -> bool {
    let keys = |p: &str| -> Vec<String> {
        template
            .pointer(p)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let meta_keys = keys("/metadata/labels")
        .into_iter()
        .chain(keys("/metadata/annotations"));
    let containers = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .flat_map(|p| {
            template
                .pointer(p)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        });
    let names: Vec<String> = containers
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    meta_keys
        .into_iter()
        .any(|k| k.contains("istio") || k.contains("prometheus"))
        || names.iter().any(|n| n.starts_with("istio-"))
}

fn opts() -> Options {
    Options {
        native_sidecars: true,
        revision: String::new(),
    }
}

fn doc(text: &str) -> Option<Value> {
    yaml::read_documents(text)
        .expect("docs")
        .into_iter()
        .next()
        .and_then(|d| d.value)
}

#[test]
fn uninject_inverts_inject() {
    let current = Snapshot::from_strs(None, None).expect("defaults");
    let older = Snapshot::from_strs(
        Some(
            "global:\n  tag: 1.29.0\n  proxy:\n    resources:\n      requests:\n        cpu: 50m\n",
        ),
        None,
    )
    .expect("older settings");
    let mut checked = 0;
    for seed in seeds() {
        let mut rng = Rng::new(seed);
        let template = gen::pod(&mut rng);
        if has_istio_parts(&template) {
            continue;
        }
        let workload = gen::workload(&mut rng, &template);
        let text = yaml::to_string(&workload).expect("yaml");
        let injected = inject_stream(&current, &text, &opts(), &mut |_| {})
            .unwrap_or_else(|e| panic!("seed {seed}: inject: {e}"));
        let clean = uninject_stream(&injected).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let mut want = workload.clone();
        sidecar_injector::goenc::normalize_object(&mut want).expect("normalize");
        let want_text = format!("{}---\n", yaml::to_string(&want).expect("yaml"));
        let injected_doc = doc(&injected);
        if injected_doc != Some(want.clone()) {
            // Injected (not skipped): the inverse must give the manifest back.
            assert_eq!(
                doc(&clean),
                Some(want),
                "seed {seed}: uninject(inject(m)) != m\n{}",
                diff::unified(&want_text, &clean, "m", "uninject(inject(m))")
            );
        }
        let again = inject_stream(&current, &clean, &opts(), &mut |_| {}).expect("re-inject");
        assert_eq!(
            doc(&again),
            injected_doc,
            "seed {seed}: inject(uninject(inject(m))) != inject(m)\n{}",
            diff::unified(&injected, &again, "inject(m)", "re-injected")
        );
        let old = inject_stream(&older, &text, &opts(), &mut |_| {}).expect("inject (older)");
        let upgraded = inject_stream(
            &current,
            &uninject_stream(&old).expect("uninject (older)"),
            &opts(),
            &mut |_| {},
        )
        .expect("re-inject (older)");
        assert_eq!(
            doc(&upgraded),
            injected_doc,
            "seed {seed}: upgrading an older injection differs from a fresh one\n{}",
            diff::unified(
                &injected,
                &upgraded,
                "inject(m)",
                "inject(uninject(inject_old(m)))"
            )
        );
        checked += 1;
    }
    assert!(checked > 0, "every generated manifest had Istio parts");
    eprintln!("checked {checked} generated manifests");
}
