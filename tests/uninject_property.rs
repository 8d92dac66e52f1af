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
        remote: None,
        native_sidecars: true,
        nodes: None,
        revision: String::new(),
    }
}

/// Probes that name a container port get it back as its number: Istio keeps only the resolved
/// port (in `ISTIO_KUBE_APP_PROBERS`), and the kubelet resolves the name to the same number,
/// so the two are the same probe.
fn resolve_named_probe_ports(doc: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.contains_key("containers") {
                    for list in ["containers", "initContainers"] {
                        if let Some(Value::Array(cs)) = map.get_mut(list) {
                            cs.iter_mut().for_each(resolve_container);
                        }
                    }
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    fn resolve_container(c: &mut Value) {
        let ports: Vec<(String, Value)> = c
            .get("ports")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        Some((
                            p.get("name")?.as_str()?.to_owned(),
                            p.get("containerPort")?.clone(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut targets: Vec<&mut Value> = Vec::new();
        let Value::Object(map) = c else { return };
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "livenessProbe" | "readinessProbe" | "startupProbe" => targets.push(value),
                "lifecycle" => {
                    if let Value::Object(hooks) = value {
                        targets.extend(hooks.values_mut());
                    }
                }
                _ => {}
            }
        }
        for t in targets {
            for handler in ["httpGet", "tcpSocket"] {
                if let Some(port) = t.get_mut(handler).and_then(|h| h.get_mut("port")) {
                    if let Some(name) = port.as_str() {
                        if let Some((_, number)) = ports.iter().find(|(n, _)| n == name) {
                            *port = number.clone();
                        }
                    }
                }
            }
        }
    }
    walk(doc);
}

fn doc(text: &str) -> Option<Value> {
    yaml::read_documents(text)
        .expect("docs")
        .into_iter()
        .next()
        .and_then(|d| d.value)
}

/// Checks one seed's three properties; `Ok(false)` when the manifest is out of scope.
fn check_seed(seed: u64, current: &Snapshot, older: &Snapshot) -> Result<bool, String> {
    let mut rng = Rng::new(seed);
    let template = gen::pod(&mut rng);
    if has_istio_parts(&template) {
        return Ok(false);
    }
    let workload = gen::workload(&mut rng, &template);
    let text = yaml::to_string(&workload).map_err(|e| format!("yaml: {e}"))?;
    let injected =
        inject_stream(current, &text, &opts(), &mut |_| {}).map_err(|e| format!("inject: {e}"))?;
    let clean = uninject_stream(&injected).map_err(|e| format!("uninject: {e}"))?;
    let mut normalized = workload.clone();
    sidecar_injector::goenc::normalize_object(&mut normalized)
        .map_err(|e| format!("normalize: {e}"))?;
    let injected_doc = doc(&injected);
    // A skipped workload (hostNetwork, opt-out, ...) is left as it is, named probe ports
    // included; an injected one comes back with its probe ports resolved (see above).
    let skipped = injected_doc.as_ref() == Some(&normalized);
    let want = if skipped {
        normalized
    } else {
        let mut want = normalized;
        resolve_named_probe_ports(&mut want);
        want
    };
    let want_text = format!(
        "{}---\n",
        yaml::to_string(&want).map_err(|e| e.to_string())?
    );
    // Compared as the kubelet reads them: a probe port name and its number are one probe.
    let mut clean_doc = doc(&clean);
    if !skipped {
        clean_doc.iter_mut().for_each(resolve_named_probe_ports);
    }
    if clean_doc != Some(want) {
        return Err(format!(
            "uninject(inject(m)) != m\n{}",
            diff::unified(&want_text, &clean, "m", "uninject(inject(m))")
        ));
    }
    let again = inject_stream(current, &clean, &opts(), &mut |_| {})
        .map_err(|e| format!("re-inject: {e}"))?;
    if doc(&again) != injected_doc {
        return Err(format!(
            "inject(uninject(inject(m))) != inject(m)\n{}",
            diff::unified(&injected, &again, "inject(m)", "re-injected")
        ));
    }
    let old = inject_stream(older, &text, &opts(), &mut |_| {})
        .map_err(|e| format!("inject (older): {e}"))?;
    let old_clean = uninject_stream(&old).map_err(|e| format!("uninject (older): {e}"))?;
    let upgraded = inject_stream(current, &old_clean, &opts(), &mut |_| {})
        .map_err(|e| format!("re-inject (older): {e}"))?;
    if doc(&upgraded) != injected_doc {
        return Err(format!(
            "upgrading an older injection differs from a fresh one\n{}",
            diff::unified(
                &injected,
                &upgraded,
                "inject(m)",
                "inject(uninject(inject_old(m)))"
            )
        ));
    }
    Ok(true)
}

/// Seeds that pass must not fall below `tests/uninject-floor.txt` (a ratchet: raise it as
/// uninject learns more); every failing seed is printed with its diff.
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
    let (mut passed, mut failed) = (0usize, Vec::new());
    for seed in seeds() {
        match check_seed(seed, &current, &older) {
            Ok(true) => passed += 1,
            Ok(false) => {}
            Err(why) => failed.push((seed, why)),
        }
    }
    for (seed, why) in failed.iter().take(5) {
        eprintln!("FAIL seed {seed}: {why}");
    }
    let failing: Vec<u64> = failed.iter().map(|(s, _)| *s).collect();
    eprintln!(
        "uninject property: {passed} passed, {} failed (seeds {failing:?})",
        failed.len()
    );
    let floor: usize = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/uninject-floor.txt"),
    )
    .expect("tests/uninject-floor.txt")
    .trim()
    .parse()
    .expect("a number");
    if seeds() == (0..300) {
        assert!(
            passed >= floor,
            "{passed} seeds passed, below the floor of {floor} (tests/uninject-floor.txt)"
        );
    } else {
        assert!(passed > 0 || failed.is_empty(), "no seed passed");
    }
}
