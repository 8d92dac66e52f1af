//! Tests for Istio's ProxyConfig / MeshConfig checks.

use rstest::rstest;
use serde_json::json;

use super::*;

fn proxy(edit: serde_json::Value) -> ProxyConfig {
    let mut base = serde_json::to_value(ProxyConfig::istio_default()).unwrap();
    if let (Some(base), Some(edit)) = (base.as_object_mut(), edit.as_object()) {
        for (k, v) in edit {
            base.insert(k.clone(), v.clone());
        }
    }
    let mut pc: ProxyConfig = serde_json::from_value(base).unwrap();
    pc.normalize_oneofs();
    pc
}

#[test]
fn istio_defaults_are_valid() {
    assert_eq!(
        validate_proxy_config(&ProxyConfig::istio_default()),
        Validation::default()
    );
    assert_eq!(
        validate_mesh_config(&MeshConfig::istio_default()),
        Validation::default()
    );
    assert_eq!(
        validate_mesh_config(&MeshConfig::default()),
        Validation::default()
    );
}

#[test]
fn the_empty_proxy_config_lists_every_missing_setting() {
    assert_eq!(
        validate_proxy_config(&ProxyConfig::default()).errors,
        [
            "config path must be set",
            "binary path must be set",
            "oneof service cluster or tracing service name must be specified",
            "invalid drain duration: duration must be greater than 1ms",
            "discovery address must be set to the proxy discovery service",
            "invalid proxy admin port: port number 0 must be in the range 1..65535",
            "invalid status port: port number 0 must be in the range 1..65535",
        ]
    );
}

#[rstest]
#[case(json!({"serviceCluster": ""}), &["service cluster must be specified"])]
#[case(json!({"tracingServiceName": "CANONICAL_NAME_ONLY"}), &[])]
#[case(json!({"drainDuration": "1.5s"}), &["drain time only supports durations to seconds precision"])]
#[case(json!({"drainDuration": "0.0015s"}), &["invalid drain duration: only durations to ms precision are supported"])]
#[case(json!({"discoveryAddress": "istiod:99999"}), &["invalid discovery address: port number 99999 must be in the range 1..65535"])]
#[case(json!({"discoveryAddress": "istiod:x"}), &["invalid discovery address: port (x) is not a number: strconv.Atoi: parsing \"x\": invalid syntax"])]
#[case(json!({"discoveryAddress": "a:b:1"}), &["invalid discovery address: unable to split \"a:b:1\": address a:b:1: too many colons in address"])]
#[case(json!({"discoveryAddress": "under_score:15012"}), &["invalid discovery address: \"under_score\" is not a valid hostname or an IP address"])]
#[case(json!({"discoveryAddress": "10.0.0.1:15012"}), &[])]
#[case(json!({"discoveryAddress": "[::1]:15012"}), &[])]
#[case(json!({"discoveryAddress": "Istiod.Istio-System.svc:15012"}), &[])]
#[case(json!({"statsdUdpAddress": "statsd"}), &["invalid statsd udp address \"statsd\": unable to split \"statsd\": address statsd: missing port in address"])]
#[case(json!({"envoyMetricsService": {"address": "m"}}), &["invalid envoy metrics service address \"m\": unable to split \"m\": address m: missing port in address"])]
#[case(json!({"envoyAccessLogService": {"address": "a:0"}}), &["invalid envoy access log service address \"a:0\": port number 0 must be in the range 1..65535"])]
#[case(json!({"tracing": {"zipkin": {"address": "$(HOST_IP):9411"}}}), &[])]
#[case(json!({"tracing": {"datadog": {"address": "dd"}}}), &["invalid datadog config: unable to split \"dd\": address dd: missing port in address"])]
#[case(json!({"tracing": {"lightstep": {}}}), &[
    "invalid lightstep config: address is required",
    "invalid lightstep config: invalid lightstep address: unable to split \"\": missing port in address",
    "invalid lightstep config: access token is required",
])]
#[case(json!({"tracing": {"tlsSettings": {"mode": "MUTUAL"}}}), &[
    "invalid tracing TLS config: client certificate required for mutual tls",
    "invalid tracing TLS config: private key required for mutual tls",
])]
#[case(json!({"tracing": {"tlsSettings": {"mode": "SIMPLE", "insecureSkipVerify": true, "caCertificates": "/ca"}}}), &[
    "invalid tracing TLS config: cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
])]
#[case(json!({"tracing": {"tlsSettings": {"mode": "SIMPLE", "credentialName": "c", "caCrl": "/crl"}}}), &[
    "invalid tracing TLS config: cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
])]
#[case(json!({"controlPlaneAuthPolicy": "NONE"}), &[])]
#[case(json!({"privateKeyProvider": {}}), &[
    "invalid private key provider configuration: private key provider configuration is required",
    "invalid private key provider configuration: unknown private key provider",
])]
#[case(json!({"privateKeyProvider": {"cryptomb": {}}}), &["invalid private key provider configuration: pollDelay is required"])]
#[case(json!({"privateKeyProvider": {"qat": {"pollDelay": "0s"}}}), &["invalid private key provider configuration: pollDelay must be non zero"])]
fn proxy_config_errors(#[case] edit: serde_json::Value, #[case] want: &[&str]) {
    assert_eq!(validate_proxy_config(&proxy(edit)).errors, want);
}

#[test]
fn deprecated_dns_auto_allocate_is_a_warning() {
    let v = validate_proxy_config(&proxy(
        json!({"proxyMetadata": {"ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}),
    ));
    assert!(v.errors.is_empty());
    assert_eq!(v.warnings.len(), 1);
    assert!(v.warnings[0].starts_with("'ISTIO_META_DNS_AUTO_ALLOCATE' is deprecated"));
}

#[test]
fn mesh_checks() {
    let mut mesh = MeshConfig::istio_default();
    mesh.connect_timeout = Some(Duration::from_nanos(500_000));
    mesh.protocol_detection_timeout = Some(Duration::from_nanos(1_500_000));
    mesh.trust_domain_aliases = vec!["ok.local".into(), "".into()];
    mesh.passthrough
        .insert("meshMTLS".into(), json!({"ecdhCurves": ["P-256"]}));
    mesh.passthrough.insert(
        "serviceSettings".into(),
        json!([{"hosts": ["*.ns.svc.cluster.local", "bad_host.local"]}]),
    );
    assert_eq!(
        validate_mesh_config(&mesh).errors,
        [
            "invalid connect timeout: duration must be greater than 1ms",
            "invalid protocol detection timeout: only durations to ms precision are supported",
            "serviceSettings[0], host `bad_host.local`: domain name \"bad_host.local\" invalid (label \"bad_host\" invalid)",
            "trustDomainAliases[1], domain `` : empty domain name not allowed",
            "mesh TLS does not support ECDH curves configuration",
        ]
    );
    mesh = MeshConfig::istio_default();
    mesh.protocol_detection_timeout = Some(Duration::from_nanos(1_000_000));
    mesh.connect_timeout = Some(Duration::from_secs(3_601));
    assert_eq!(
        validate_mesh_config(&mesh).errors,
        ["invalid connect timeout: time 1h0m1s must be >1ms and <1h0m0s"]
    );
}
