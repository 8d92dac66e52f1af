//! Tests for loading mesh config and applying `proxy.istio.io/config`; several mirror Istio's
//! `pkg/config/mesh/mesh_test.go`.

use std::collections::BTreeMap;

use rstest::rstest;
use serde_json::json;

use super::*;
use crate::mesh::{Duration, InterceptionMode, MeshError, TracingServiceName};

fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn empty_file_is_istio_code_default() {
    assert_eq!(
        MeshConfig::from_yaml("").unwrap(),
        MeshConfig::istio_default()
    );
    assert_eq!(
        MeshConfig::from_yaml("# nothing\n").unwrap(),
        MeshConfig::istio_default()
    );
}

#[test]
fn default_config_merges_over_the_default_proxy_config() {
    let mesh = MeshConfig::from_yaml("defaultConfig:\n  configPath: /test/config/patch\n").unwrap();
    let mut want = MeshConfig::istio_default();
    want.default_config.config_path = "/test/config/patch".to_owned();
    assert_eq!(mesh, want);
}

/// Istio's TestApplyMeshConfigDefaults, "Verify overrides".
#[test]
fn top_level_fields_replace_and_providers_merge() {
    let mesh = MeshConfig::from_yaml(
        r#"
serviceSettings:
  - settings:
      clusterLocal: true
    host:
      - "*.myns.svc.cluster.local"
ingressClass: foo
enableTracing: false
trustDomainAliases: ["default", "both"]
defaultServiceExportTo:
- "foo"
outboundTrafficPolicy:
  mode: REGISTRY_ONLY
clusterLocalNamespaces:
- "foons"
defaultProviders:
  tracing: [foo]
extensionProviders:
- name: sd
  stackdriver: {}
defaultConfig:
  tracing: {}
  concurrency: 4"#,
    )
    .unwrap();
    assert_eq!(mesh.default_config.tracing, Some(Default::default()));
    assert_eq!(mesh.default_config.concurrency(), Some(4));
    assert!(!mesh.enable_tracing());
    let providers = mesh.default_providers().unwrap();
    assert_eq!(
        (providers.tracing.clone(), providers.metrics.is_empty()),
        (vec!["foo".to_owned()], true)
    );
    let names: Vec<&str> = mesh
        .extension_providers()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["prometheus", "stackdriver", "envoy", "sd"]);
    assert_eq!(mesh.trust_domain_aliases, ["both", "default"]);
    assert_eq!(mesh.passthrough["ingressClass"], json!("foo"));
    assert_eq!(mesh.passthrough["defaultServiceExportTo"], json!(["foo"]));
    assert_eq!(
        mesh.passthrough["outboundTrafficPolicy"],
        json!({"mode": "REGISTRY_ONLY"})
    );
    assert_eq!(
        mesh.passthrough["defaultVirtualServiceExportTo"],
        json!(["*"])
    );
}

#[test]
fn same_name_provider_is_replaced_in_place() {
    let mesh = MeshConfig::from_yaml(
        "extensionProviders:\n- name: stackdriver\n  stackdriver:\n    maxNumberOfAnnotations: 5\n- name: extra\n  prometheus: {}\n",
    )
    .unwrap();
    let printed = serde_json::to_value(mesh.extension_providers()).unwrap();
    assert_eq!(
        printed,
        json!([
            {"name": "prometheus", "prometheus": {}},
            {"name": "stackdriver", "stackdriver": {"maxNumberOfAnnotations": 5}},
            {"name": "envoy", "envoyFileAccessLog": {"path": "/dev/stdout"}},
            {"name": "extra", "prometheus": {}},
        ])
    );
}

#[test]
fn default_providers_merge_field_by_field() {
    let base = MeshConfig::default();
    let merged =
        super::apply_mesh_config("defaultProviders:\n  tracing: [foo]\n", base.clone()).unwrap();
    let providers = merged.config.default_providers().unwrap();
    assert_eq!(providers.metrics, ["prometheus"]);
    assert_eq!(providers.tracing, ["foo"]);
    let merged = super::apply_mesh_config("defaultProviders:\n  metrics: [foo]\n", base).unwrap();
    assert_eq!(merged.config.default_providers().unwrap().metrics, ["foo"]);
}

#[test]
fn proto_names_and_passthrough_normalisation() {
    let mesh = MeshConfig::from_yaml(
        "default_config:\n  drain_duration: 1m\nproxy_listen_port: \"15009\"\ndns_refresh_rate: 1m30s\naccess_log_encoding: 1\nenable_prometheus_merge: false\n",
    )
    .unwrap();
    assert_eq!(
        mesh.default_config.drain_duration,
        Some(Duration::from_secs(60))
    );
    assert_eq!(mesh.proxy_listen_port(), 15009);
    assert_eq!(mesh.enable_prometheus_merge(), Some(false));
    assert_eq!(mesh.passthrough["dnsRefreshRate"], json!("90s"));
    assert_eq!(mesh.passthrough["accessLogEncoding"], json!("JSON"));
}

#[test]
fn unknown_fields_are_ignored_with_a_warning() {
    let loaded = MeshConfig::load("bogus: 1\ndefaultConfig:\n  alsoBogus: x\n").unwrap();
    assert_eq!(loaded.config, MeshConfig::istio_default());
    assert_eq!(
        loaded.warnings,
        [
            "mesh config: bogus: unknown key, ignored",
            "mesh config: defaultConfig.alsoBogus: unknown key, ignored"
        ]
    );
}

#[test]
fn null_fields_leave_the_default() {
    let mesh =
        MeshConfig::from_yaml("trustDomain: null\ndefaultConfig:\n  statusPort: ~\n").unwrap();
    assert_eq!(mesh, MeshConfig::istio_default());
}

#[rstest]
#[case("proxyListenPort: abc", "proxyListenPort", "\"abc\"")]
#[case(
    "defaultConfig:\n  drainDuration: 5",
    "defaultConfig.drainDuration",
    "5"
)]
#[case(
    "defaultConfig:\n  drainDuration: 5 days",
    "defaultConfig.drainDuration",
    "5 days"
)]
#[case(
    "defaultConfig:\n  interceptionMode: FOO",
    "defaultConfig.interceptionMode",
    "FOO"
)]
#[case(
    "defaultConfig:\n  proxyMetadata:\n    A: 1",
    "defaultConfig.proxyMetadata",
    "\"A\""
)]
#[case(
    "defaultConfig:\n  tracing:\n    zipkin:\n      address: [1]",
    "defaultConfig.tracing.zipkin.address",
    "[1]"
)]
#[case("defaultConfig: 7", "defaultConfig", "7")]
#[case("dnsRefreshRate: fast", "dnsRefreshRate", "fast")]
#[case("ingressControllerMode: LOUD", "ingressControllerMode", "LOUD")]
#[case(
    "inboundTrafficPolicy:\n  mode: REMOTE",
    "inboundTrafficPolicy.mode",
    "REMOTE"
)]
#[case(
    "extensionProviders:\n- name: x\n  zipkin: 1",
    "extensionProviders",
    "zipkin"
)]
#[case("trustDomainAliases: foo", "trustDomainAliases", "foo")]
#[case("defaultProviders: [a]", "defaultProviders", "[\"a\"]")]
fn bad_field_values_are_named(#[case] text: &str, #[case] field: &str, #[case] value: &str) {
    let e = MeshConfig::from_yaml(text).unwrap_err();
    match &e {
        MeshError::Field {
            field: f, message, ..
        } => {
            assert!(f.starts_with(field), "{e}");
            assert!(message.contains(value) || f.contains(value), "{e}");
        }
        other => panic!("expected a field error, got {other}"),
    }
}

#[rstest]
#[case(
    "proxyListenPort: 0",
    "invalid proxy listen port: port number 0 must be in the range 1..65535"
)]
#[case(
    "connectTimeout: 2h",
    "invalid connect timeout: time 2h0m0s must be >1ms and <1h0m0s"
)]
#[case("trustDomain: a_b", "trustDomain: trust domain name \"a_b\" invalid")]
#[case(
    "defaultConfig:\n  drainDuration: 0s",
    "invalid drain duration: duration must be greater than 1ms"
)]
fn invalid_files_are_refused(#[case] text: &str, #[case] problem: &str) {
    match MeshConfig::from_yaml(text).unwrap_err() {
        MeshError::Invalid { problems, origin } => {
            assert_eq!(origin, super::Origin::MeshConfig);
            assert!(problems.iter().any(|p| p == problem), "{problems:?}");
        }
        other => panic!("expected invalid, got {other}"),
    }
}

/// Istio's TestApplyProxyConfig.
#[test]
fn annotation_replaces_fields_and_leaves_the_mesh_alone() {
    let mesh = MeshConfig::istio_default();
    let applied = apply_proxy_config_annotation(&mesh, "discoveryAddress: foo:15012").unwrap();
    assert_eq!(applied.default_config().discovery_address(), "foo:15012");
    let applied = apply_proxy_config_annotation(&mesh, "drainDuration: 5s").unwrap();
    assert_eq!(
        applied.default_config().discovery_address(),
        "istiod.istio-system.svc:15012"
    );
    assert_eq!(
        applied.default_config.drain_duration,
        Some(Duration::from_secs(5))
    );
    assert_eq!(mesh, MeshConfig::istio_default());
}

#[test]
fn annotation_merges_proxy_metadata_key_by_key() {
    let mut mesh = MeshConfig::istio_default();
    mesh.default_config.proxy_metadata = metadata(&[("merged", "original"), ("default", "foo")]);
    let applied = apply_proxy_config_annotation(
        &mesh,
        r#"proxyMetadata: {"merged":"override","override":"bar"}"#,
    )
    .unwrap();
    assert_eq!(
        applied.default_config().proxy_metadata(),
        &metadata(&[
            ("merged", "override"),
            ("default", "foo"),
            ("override", "bar")
        ])
    );
    // Same rule for defaultConfig in a mesh file.
    let loaded = super::apply_mesh_config(
        "defaultConfig:\n  proxyMetadata: {\"merged\":\"override\",\"override\":\"bar\"}\n",
        mesh.clone(),
    )
    .unwrap();
    assert_eq!(
        loaded.config.default_config.proxy_metadata,
        applied.default_config.proxy_metadata
    );
    assert_eq!(mesh.default_config.proxy_metadata["merged"], "original");
}

#[test]
fn annotation_replaces_nested_messages_whole() {
    let mut mesh = MeshConfig::istio_default();
    mesh.default_config.tracing =
        serde_json::from_value(json!({"zipkin": {"address": "z:9411"}, "sampling": 5})).unwrap();
    let applied = apply_proxy_config_annotation(&mesh, "tracing:\n  sampling: 10").unwrap();
    assert_eq!(
        serde_json::to_value(&applied.default_config.tracing).unwrap(),
        json!({"sampling": 10})
    );
    let applied = apply_proxy_config_annotation(&mesh, "extraStatTags: [b]").unwrap();
    assert_eq!(applied.default_config.extra_stat_tags, ["b"]);
}

#[test]
fn annotation_oneof_replaces_the_other_member() {
    let mesh = MeshConfig::istio_default();
    let applied =
        apply_proxy_config_annotation(&mesh, "tracingServiceName: CANONICAL_NAME_ONLY").unwrap();
    assert_eq!(applied.default_config.service_cluster, None);
    assert_eq!(
        applied.default_config.tracing_service_name,
        Some(TracingServiceName::CanonicalNameOnly)
    );
    let back = apply_proxy_config_annotation(&applied, "serviceCluster: x").unwrap();
    assert_eq!(back.default_config.service_cluster.as_deref(), Some("x"));
    assert_eq!(back.default_config.tracing_service_name, None);
}

#[rstest]
#[case("", "{}")]
#[case("null", "{}")]
#[case("{}", "{}")]
#[case("interception_mode: 1", r#"{"interceptionMode":"TPROXY"}"#)]
// proto3 enums are open: jsonpb reads a number without a name and prints it back as a number.
#[case("interceptionMode: 7", r#"{"interceptionMode":7}"#)]
#[case("statusPort: \"15021\"\nconcurrency: null", r#"{"statusPort":15021}"#)]
#[case(
    "{\"holdApplicationUntilProxyStarts\": true, \"unknownField\": 1}",
    r#"{"holdApplicationUntilProxyStarts":true}"#
)]
fn annotation_forms(#[case] value: &str, #[case] printed: &str) {
    let applied = merge_proxy_config_annotation(&ProxyConfig::istio_default(), value).unwrap();
    assert_eq!(super::super::proxy_config_json(&applied), printed);
}

#[test]
fn enum_numbers_without_a_name_are_kept() {
    let applied =
        merge_proxy_config_annotation(&ProxyConfig::istio_default(), "interceptionMode: 7")
            .unwrap();
    assert_eq!(applied.interception_mode, InterceptionMode::Unknown(7));
    assert_eq!(applied.interception_mode(), "7");
    // Out of int32's range is still refused, as Go's json.Unmarshal into an int32 refuses it.
    let e = merge_proxy_config_annotation(
        &ProxyConfig::istio_default(),
        "interceptionMode: 4294967296",
    )
    .unwrap_err();
    assert!(matches!(e, MeshError::Field { .. }), "{e}");
}

/// Istio's TestProxyConfigMerge: proxyHeaders keeps what the new value leaves unset.
#[rstest]
#[case(
    "proxyHeaders:\n  requestId:\n    disabled: true",
    "proxyHeaders:\n  requestId:\n    disabled: false",
    json!({"requestId": {"disabled": false}})
)]
#[case(
    "proxyHeaders:\n  forwardedClientCert: APPEND_FORWARD\n  server:\n    value: server\n  requestId:\n    disabled: true\n  attemptCount: {}\n  envoyDebugHeaders:\n    disabled: true",
    "proxyHeaders:\n  forwardedClientCert: ALWAYS_FORWARD_ONLY\n  server:\n    disabled: true\n  requestId: {}\n  attemptCount:\n    disabled: true\n  envoyDebugHeaders:\n    disabled: true",
    json!({"forwardedClientCert": "ALWAYS_FORWARD_ONLY", "requestId": {}, "server": {"disabled": true}, "attemptCount": {"disabled": true}, "envoyDebugHeaders": {"disabled": true}})
)]
#[case(
    "proxyHeaders:\n  forwardedClientCert: SANITIZE\n  server:\n    value: s",
    "proxyHeaders:\n  preserveHttp1HeaderCase: true",
    json!({"forwardedClientCert": "SANITIZE", "server": {"value": "s"}, "preserveHttp1HeaderCase": true})
)]
fn proxy_headers_merge(#[case] base: &str, #[case] overlay: &str, #[case] want: serde_json::Value) {
    let mut warnings = Vec::new();
    let origin = super::Origin::MeshConfig;
    let parse = |text: &str| {
        super::parse_object(text, &origin)
            .unwrap()
            .map_or(serde_json::Value::Null, serde_json::Value::Object)
    };
    let first = super::merge_proxy_config(
        &ProxyConfig::default(),
        &parse(base),
        &origin,
        "",
        &mut warnings,
    )
    .unwrap();
    let second =
        super::merge_proxy_config(&first, &parse(overlay), &origin, "", &mut warnings).unwrap();
    assert_eq!(serde_json::to_value(&second.proxy_headers).unwrap(), want);
}

#[rstest]
#[case(
    "drainDuration: 0.0015s",
    "invalid drain duration: only durations to ms precision are supported"
)]
#[case(
    "drainDuration: 1500ms",
    "drain time only supports durations to seconds precision"
)]
#[case(
    "statusPort: 0",
    "invalid status port: port number 0 must be in the range 1..65535"
)]
#[case(
    "discoveryAddress: foo",
    "invalid discovery address: unable to split \"foo\""
)]
#[case(
    "controlPlaneAuthPolicy: INHERIT",
    "unrecognized control plane auth policy \"INHERIT\""
)]
#[case("tracing:\n  zipkin:\n    address: bad", "invalid zipkin config:")]
fn annotation_is_validated(#[case] value: &str, #[case] problem: &str) {
    let e = apply_proxy_config_annotation(&MeshConfig::default(), value).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "invalid value '{value}' for annotation 'proxy.istio.io/config': "
        )),
        "{text}"
    );
    assert!(text.contains(problem), "{text}");
    assert_eq!(e.metric_label(), "mesh_config_invalid");
}

#[rstest]
#[case("interceptionMode: SIDEWAYS", "interceptionMode", "SIDEWAYS")]
#[case("concurrency: many", "concurrency", "many")]
#[case(
    "holdApplicationUntilProxyStarts: \"true\"",
    "holdApplicationUntilProxyStarts",
    "true"
)]
#[case("proxyMetadata: [a]", "proxyMetadata", "[\"a\"]")]
#[case(
    "readinessProbe:\n  httpGet:\n    port: -1",
    "readinessProbe.httpGet.port",
    "-1"
)]
fn annotation_field_errors_name_field_and_value(
    #[case] value: &str,
    #[case] field: &str,
    #[case] bad: &str,
) {
    let e = apply_proxy_config_annotation(&MeshConfig::default(), value).unwrap_err();
    let text = e.to_string();
    assert!(text.contains(&format!("field `{field}`")), "{text}");
    assert!(text.contains(bad), "{text}");
}

#[rstest]
#[case("just text", "expected a mapping of fields, found a string")]
#[case("{ \"a\": ", "not valid YAML")]
fn annotation_garbage_is_refused(#[case] value: &str, #[case] message: &str) {
    let e = apply_proxy_config_annotation(&MeshConfig::default(), value).unwrap_err();
    assert!(e.to_string().contains(message), "{e}");
}

#[test]
fn annotation_is_validated_over_istio_defaults_not_the_mesh() {
    // The mesh's own (valid) discovery address is not what the annotation is checked against:
    // Istio checks the annotation applied over DefaultProxyConfig.
    let mut mesh = MeshConfig::default();
    mesh.default_config.interception_mode = InterceptionMode::Tproxy;
    let applied = apply_proxy_config_annotation(&mesh, "concurrency: 2").unwrap();
    assert_eq!(
        applied.default_config.interception_mode,
        InterceptionMode::Tproxy
    );
    assert_eq!(applied.default_config.concurrency, Some(2));
}

/// `jsonpb`'s leniency and strictness on `proxy.istio.io/config`, as Istio's annotation check
/// meets them (the cases of the deleted second checker; Go's texts are ours here).
#[rstest]
#[case("concurrency: 2.0")]
#[case("concurrency: \" 2 \"")]
#[case("holdApplicationUntilProxyStarts: yes")]
#[case("tracing: {sampling: \"1.5\"}")]
#[case("tracing: {sampling: NaN}")]
#[case("proxyMetadata: {A: b, C: null}")]
#[case("extraStatTags: [a, b]")]
#[case("image: {imageType: distroless}")]
#[case("proxyAdminPort: \"15001\"\nconfig_path: /x\nunknownField: 1\nmeshId: null")]
#[case("controlPlaneAuthPolicy: NONE\ndrainDuration: 1m\ninterceptionMode: 1")]
fn annotation_reads_as_jsonpb_reads(#[case] value: &str) {
    ProxyConfigAnnotation::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
}

#[rstest]
#[case("concurrency: 2.5")]
#[case("concurrency: abc")]
#[case("concurrency: \"05\"")]
#[case("proxyAdminPort: 4294967296")]
#[case("fileFlushMinSizeKb: -1")]
#[case("configPath: 5")]
#[case("holdApplicationUntilProxyStarts: \"maybe\"")]
#[case("controlPlaneAuthPolicy: STRICT")]
#[case("drainDuration: 5")]
#[case("drainDuration: 5x")]
#[case("tracing: []")]
#[case("proxyMetadata: [a]")]
#[case("extraStatTags: a")]
#[case("tracing: {zipkin: {address: 1}}")]
#[case("just a string")]
fn annotation_refused_where_jsonpb_refuses(#[case] value: &str) {
    let e = ProxyConfigAnnotation::parse(value).expect_err(value);
    assert!(
        !matches!(e, MeshError::Invalid { .. }),
        "{value}: a read error, not a rule: {e}"
    );
}
