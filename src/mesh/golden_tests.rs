//! The mesh configs and `proxy.istio.io/config` values of Istio's injection golden cases
//! (../shared/istio-compat/cases), with the `PROXY_CONFIG` each case expects.

use rstest::rstest;
use serde_json::Value;

use super::*;

/// `hello/mesh.yaml`: the effective mesh of an unmodified install.
const INSTALL_MESH: &str = r#"
connectTimeout: 10s
defaultConfig:
  binaryPath: /usr/local/bin/envoy
  configPath: ./etc/istio/proxy
  controlPlaneAuthPolicy: MUTUAL_TLS
  discoveryAddress: istiod.istio-system.svc:15012
  drainDuration: 45s
  proxyAdminPort: 15000
  serviceCluster: istio-proxy
  statNameLength: 189
  statusPort: 15020
  terminationDrainDuration: 5s
defaultDestinationRuleExportTo:
- '*'
defaultProviders:
  metrics:
  - prometheus
defaultServiceExportTo:
- '*'
defaultVirtualServiceExportTo:
- '*'
dnsRefreshRate: 60s
enableAutoMtls: true
enablePrometheusMerge: true
enableTracing: true
extensionProviders:
- name: prometheus
  prometheus: {}
- name: stackdriver
  stackdriver: {}
- envoyFileAccessLog:
    path: /dev/stdout
  name: envoy
inboundTrafficPolicy: {}
ingressClass: istio
ingressControllerMode: STRICT
ingressService: istio-ingressgateway
localityLbSetting:
  enabled: true
outboundTrafficPolicy:
  mode: ALLOW_ANY
protocolDetectionTimeout: 0s
proxyInboundListenPort: 15006
proxyListenPort: 15001
rootNamespace: istio-system
trustDomain: cluster.local
"#;

/// The install mesh with `lines` set in `defaultConfig` (the cases' `meshModification`):
/// a line for a key the file already has replaces it.
fn modified_mesh(lines: &str) -> MeshConfig {
    let mut text = INSTALL_MESH.to_owned();
    if let Some((key, _)) = lines.trim_start().split_once(':') {
        let old = format!("\n  {key}:");
        if let Some(start) = text.find(&old) {
            let end = text[start + 1..]
                .find('\n')
                .map_or(text.len(), |e| start + 1 + e);
            text.replace_range(start..end, "");
        }
    }
    let text = text.replace("defaultConfig:\n", &format!("defaultConfig:\n{lines}\n"));
    MeshConfig::from_yaml(&text).unwrap()
}

#[test]
fn install_mesh_file_is_the_default() {
    let loaded = MeshConfig::load(INSTALL_MESH).unwrap();
    assert_eq!(loaded.config, MeshConfig::default());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let file: Value = serde_yaml::from_str(INSTALL_MESH).unwrap();
    assert_eq!(serde_json::to_value(MeshConfig::default()).unwrap(), file);
}

#[rstest]
#[case::hello("", "{}")]
#[case::format_duration("  drainDuration: 23s", r#"{"drainDuration":"23s"}"#)]
#[case::hello_tproxy("  interceptionMode: TPROXY", r#"{"interceptionMode":"TPROXY"}"#)]
#[case::hello_tracing_disabled("  tracing: {}", r#"{"tracing":{}}"#)]
fn proxy_config_of_modified_meshes(#[case] line: &str, #[case] want: &str) {
    let mesh = modified_mesh(line);
    assert_eq!(proxy_config_json(mesh.default_config()), want);
}

#[rstest]
#[case::traffic_annotations(
    "  proxyMetadata:\n    ISTIO_META_TLS_CLIENT_KEY: /etc/identity/client/keys/client-key.pem",
    "discoveryAddress: foo:123\nconcurrency: 0\nproxyMetadata:\n  FOO: bar\n  ISTIO_META_TLS_CLIENT_KEY: /etc/identity2/client/keys/client-key.pem",
    r#"{"discoveryAddress":"foo:123","concurrency":0,"proxyMetadata":{"FOO":"bar","ISTIO_META_TLS_CLIENT_KEY":"/etc/identity2/client/keys/client-key.pem"}}"#
)]
#[case::hold_application(
    "",
    r#"{ "holdApplicationUntilProxyStarts": true }"#,
    r#"{"holdApplicationUntilProxyStarts":true}"#
)]
#[case::no_hold_application(
    "",
    r#"{ "holdApplicationUntilProxyStarts": false }"#,
    r#"{"holdApplicationUntilProxyStarts":false}"#
)]
fn proxy_config_of_annotated_pods(
    #[case] mesh_change: &str,
    #[case] annotation: &str,
    #[case] want: &str,
) {
    let mesh = modified_mesh(mesh_change);
    let before = mesh.clone();
    let applied = apply_proxy_config_annotation(&mesh, annotation).unwrap();
    assert_eq!(proxy_config_json(applied.default_config()), want);
    assert_eq!(mesh, before, "the mesh itself is untouched");
}

#[test]
fn hold_application_is_read_from_the_annotation() {
    let applied = apply_proxy_config_annotation(
        &MeshConfig::default(),
        r#"{ "holdApplicationUntilProxyStarts": true }"#,
    )
    .unwrap();
    assert_eq!(
        applied
            .default_config()
            .hold_application_until_proxy_starts(),
        Some(true)
    );
}

#[test]
fn hello_probes_localhost_mesh() {
    let text = format!("{INSTALL_MESH}\ninboundTrafficPolicy:\n  mode: LOCALHOST\n")
        .replace("inboundTrafficPolicy: {}\n", "");
    let mesh = MeshConfig::from_yaml(&text).unwrap();
    assert_eq!(mesh.inbound_traffic_policy_mode(), "localhost");
    assert_eq!(
        MeshConfig::default().inbound_traffic_policy_mode(),
        "passthrough"
    );
}

#[test]
fn hello_otel_semconv_mesh() {
    let text = format!(
        "{INSTALL_MESH}- name: otel\n  opentelemetry:\n    service: otel-collector.observability.svc.cluster.local\n    port: 4317\n    serviceAttributeEnrichment: OTEL_SEMANTIC_CONVENTIONS\n"
    )
    .replace("trustDomain: cluster.local\n", "trustDomain: cluster.local\nextensionProviders:\n");
    // The second `extensionProviders` key would be a duplicate; keep only the appended list.
    let text = text.replacen(
        "extensionProviders:\n- name: prometheus\n  prometheus: {}\n- name: stackdriver\n  stackdriver: {}\n- envoyFileAccessLog:\n    path: /dev/stdout\n  name: envoy\n",
        "",
        1,
    );
    let mesh = MeshConfig::from_yaml(&text).unwrap();
    let names: Vec<&str> = mesh
        .extension_providers()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["prometheus", "stackdriver", "envoy", "otel"]);
    assert!(mesh.otel_semantic_conventions());
    assert!(!MeshConfig::default().otel_semantic_conventions());
}
