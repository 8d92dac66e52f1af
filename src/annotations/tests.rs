use super::*;
use rstest::rstest;
use std::collections::{BTreeMap, HashSet};

fn pod(annotations: &[(&str, &str)]) -> BTreeMap<String, String> {
    annotations
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn names_are_unique_per_kind() {
    let mut seen = HashSet::new();
    for spec in ANNOTATIONS {
        assert!(
            seen.insert((spec.kind, spec.name)),
            "duplicate {:?} {}",
            spec.kind,
            spec.name
        );
    }
}

#[test]
fn only_annotations_have_rules_and_only_istio_api_names_have_stability() {
    for spec in ANNOTATIONS {
        if spec.kind == Kind::Label {
            assert!(spec.rule.is_none(), "{}", spec.name);
        }
        assert_eq!(
            spec.stability.is_some(),
            spec.origin == Origin::IstioApi,
            "{}",
            spec.name
        );
        assert!(!spec.summary.contains('\n'), "{}", spec.name);
    }
}

/// The nineteen entries of Istio's `AnnotationValidation` map, in its order.
#[test]
fn validated_annotations_are_istios_nineteen_in_order() {
    let validated: Vec<&str> = ANNOTATIONS
        .iter()
        .filter(|s| s.rule.is_some())
        .map(|s| s.name)
        .collect();
    assert_eq!(
        validated,
        [
            SIDECAR_INTERCEPTION_MODE,
            SIDECAR_STATUS_PORT,
            SIDECAR_STATUS_READINESS_INITIAL_DELAY_SECONDS,
            SIDECAR_STATUS_READINESS_PERIOD_SECONDS,
            SIDECAR_STATUS_READINESS_FAILURE_THRESHOLD,
            SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES,
            SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES,
            SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS,
            SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS,
            SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS,
            SIDECAR_TRAFFIC_EXCLUDE_INTERFACES,
            SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES,
            REROUTE_VIRTUAL_INTERFACES,
            PROMETHEUS_MERGE_METRICS,
            PROXY_CONFIG,
            SIDECAR_PROXY_CPU,
            SIDECAR_PROXY_MEMORY,
            SIDECAR_PROXY_CPU_LIMIT,
            SIDECAR_PROXY_MEMORY_LIMIT,
        ]
    );
}

#[rstest]
#[case(SIDECAR_INJECT, Kind::Annotation, true)]
#[case(PROXY_CONFIG, Kind::Annotation, false)]
#[case(CANONICAL_NAME_LABEL, Kind::Label, false)]
fn lookup_prefers_annotations(#[case] name: &str, #[case] kind: Kind, #[case] deprecated: bool) {
    let spec = lookup(name).unwrap();
    assert_eq!((spec.kind, spec.deprecated), (kind, deprecated));
}

#[test]
fn lookup_kind_tells_the_inject_label_from_the_annotation() {
    let label = lookup_kind(Kind::Label, SIDECAR_INJECT_LABEL).unwrap();
    assert_eq!(
        (label.stability, label.deprecated),
        (Some(Stability::Beta), false)
    );
    assert!(lookup("example.com/unknown").is_none());
}

/// Istio's golden cases `traffic-annotations-bad-*`: the error must name the parameter.
#[rstest]
#[case(SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES, "bad", "includeipranges")]
#[case(SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES, "*", "excludeipranges")]
#[case(SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS, "bad", "includeinboundports")]
fn golden_bad_traffic_annotations(#[case] name: &str, #[case] value: &str, #[case] want: &str) {
    let err = validate(&pod(&[(name, value), ("other", "x")])).unwrap_err();
    let text = err.to_string();
    assert!(text.to_lowercase().contains(want), "{text}");
    assert!(
        text.starts_with(&format!(
            "invalid value '{value}' for annotation '{name}': "
        )),
        "{text}"
    );
}

#[test]
fn error_text_is_istios() {
    let err = validate(&pod(&[(SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS, "bad")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value 'bad' for annotation 'traffic.sidecar.istio.io/includeInboundPorts': \
         includeInboundPorts invalid: failed parsing port 'bad': failed parsing port 'bad': \
         strconv.ParseUint: parsing \"bad\": invalid syntax"
    );
    assert_eq!(err.name, SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS);
    assert_eq!(err.value, "bad");
}

/// Istio's own `TestValidateAnnotations` rows, plus others of ours.
#[rstest]
#[case::resource_annotations(&[(SIDECAR_PROXY_CPU, "100m"), (SIDECAR_PROXY_MEMORY, "128Mi"), (SIDECAR_PROXY_CPU_LIMIT, "1"), (SIDECAR_PROXY_MEMORY_LIMIT, "1Gi")])]
#[case::no_annotations(&[])]
#[case::unchecked_names_are_free(&[(SIDECAR_PROXY_IMAGE, "any thing"), (SIDECAR_INJECT, "maybe"), ("example.com/x", "\n")])]
#[case::wildcards(&[(SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES, "*"), (SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS, "*")])]
#[case::empties(&[(SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES, ""), (SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES, ""), (SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS, ""), (SIDECAR_TRAFFIC_EXCLUDE_INTERFACES, "")])]
#[case::typical(&[(SIDECAR_INTERCEPTION_MODE, "TPROXY"), (SIDECAR_STATUS_PORT, "15021"), (SIDECAR_STATUS_READINESS_PERIOD_SECONDS, "5"), (PROMETHEUS_MERGE_METRICS, "false"), (PROXY_CONFIG, "holdApplicationUntilProxyStarts: true"), (REROUTE_VIRTUAL_INTERFACES, "eth1")])]
fn valid_pods(#[case] annotations: &[(&str, &str)]) {
    assert!(validate(&pod(annotations)).is_ok());
}

#[rstest]
#[case::injection_in_proxy_cpu(
    SIDECAR_PROXY_CPU,
    "100m\"\n  - name: injected\n    image: \"busybox"
)]
#[case::injection_in_proxy_memory(SIDECAR_PROXY_MEMORY, "128Mi\nmalicious")]
#[case::bad_cpu_limit(SIDECAR_PROXY_CPU_LIMIT, "notaquantity")]
#[case::nul_in_memory_limit(SIDECAR_PROXY_MEMORY_LIMIT, "1Gi\u{0}")]
#[case::empty_quantity(SIDECAR_PROXY_CPU, "")]
#[case::interception(SIDECAR_INTERCEPTION_MODE, "tproxy")]
#[case::status_port(SIDECAR_STATUS_PORT, "-1")]
#[case::readiness(SIDECAR_STATUS_READINESS_FAILURE_THRESHOLD, "1.5")]
#[case::exclude_outbound_ports(SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS, "80,http")]
#[case::kubevirt(SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES, "net1,")]
#[case::merge_metrics(PROMETHEUS_MERGE_METRICS, "on")]
#[case::proxy_config(PROXY_CONFIG, "proxyAdminPort: 0")]
fn invalid_pods(#[case] name: &str, #[case] value: &str) {
    let err = validate(&pod(&[(name, value)])).unwrap_err();
    assert_eq!((err.name, err.value.as_str()), (name, value));
}

#[test]
fn first_failure_follows_istios_table_order() {
    let annotations = pod(&[
        (SIDECAR_PROXY_CPU, "bad"),
        (SIDECAR_INTERCEPTION_MODE, "bad"),
        (SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS, "bad"),
    ]);
    assert_eq!(
        validate(&annotations).unwrap_err().name,
        SIDECAR_INTERCEPTION_MODE
    );
}

/// `docs/annotations.md` is the generated table; `REFRESH_GOLDEN=1` rewrites it.
#[test]
fn docs_match_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/annotations.md");
    let want = markdown_table();
    if std::env::var_os("REFRESH_GOLDEN").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/annotations.md is stale; run `REFRESH_GOLDEN=1 cargo test --lib annotations`"
    );
}

#[test]
fn markdown_has_one_row_per_entry() {
    let table = markdown_table();
    let rows = table.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, ANNOTATIONS.len());
    assert!(table.contains("| `sidecar.istio.io/inject` | Opts the pod in"));
}

#[test]
fn the_status_pointer_names_the_status_annotation() {
    assert_eq!(
        SIDECAR_STATUS_POINTER,
        format!(
            "/metadata/annotations/{}",
            SIDECAR_STATUS.replace('/', "~1")
        )
    );
}
