//! The `proxy.istio.io/config` check (Istio's `validateProxyConfig`): the YAML must decode
//! as a ProxyConfig (`decode`), and the result, merged over the default ProxyConfig, must
//! pass `ValidateMeshConfigProxyConfig` (`checks`).
//!
//! Deliberate limits: contents of messages Istio never validates (readiness probe, proxy
//! headers, custom tags, …) are only required to be objects; YAML is read as YAML 1.2 with
//! the YAML 1.1 booleans (`yes`/`no`/`on`/`off`) accepted for boolean fields; several
//! failures are joined with "; " rather than Go's multi-line multierror layout.

mod checks;
mod decode;
mod schema;

use std::fmt;

/// Why a `proxy.istio.io/config` value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyConfigError {
    /// Not YAML, or not shaped like a ProxyConfig.
    Decode(String),
    /// Decodes, but breaks one or more of Istio's ProxyConfig rules.
    Invalid(Vec<String>),
}

impl fmt::Display for ProxyConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyConfigError::Decode(e) => {
                write!(f, "failed to convert to apply proxy config: {e}")
            }
            ProxyConfigError::Invalid(errs) => f.write_str(&errs.join("; ")),
        }
    }
}

impl std::error::Error for ProxyConfigError {}

/// Checks a `proxy.istio.io/config` value as Istio does before injecting.
pub(crate) fn validate(yaml: &str) -> Result<(), ProxyConfigError> {
    let json = decode::yaml_to_json(yaml).map_err(ProxyConfigError::Decode)?;
    // jsonpb treats a top-level null (an empty annotation) as "change nothing".
    if json.is_null() {
        return Ok(());
    }
    let fields =
        decode::decode_message(&schema::PROXY_CONFIG, &json).map_err(ProxyConfigError::Decode)?;
    let errs = checks::validate(&fields);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ProxyConfigError::Invalid(errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("")]
    #[case("# only a comment")]
    #[case("~")]
    #[case("{}")]
    #[case("concurrency: 2\nholdApplicationUntilProxyStarts: true")]
    #[case("proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: \"true\"")]
    #[case("tracingServiceName: CANONICAL_NAME_ONLY\nserviceCluster: \"\"")]
    #[case("drainDuration: 10s\nterminationDrainDuration: 1.5s")]
    #[case("tracing:\n  zipkin:\n    address: $(HOST_IP):9411")]
    #[case("tracing:\n  lightstep:\n    address: ls.example.com:443\n    accessToken: t")]
    #[case("tracing:\n  zipkin: {address: bad}\n  datadog: {address: dd:8126}")]
    #[case("privateKeyProvider:\n  cryptomb:\n    pollDelay: 10ms")]
    #[case("statsdUdpAddress: 10.0.0.1:8125")]
    #[case("envoyMetricsService: {address: ems.example.com:15000}")]
    #[case("controlPlaneAuthPolicy: NONE")]
    #[case("someFutureField: {x: 1}")]
    #[case("proxy_admin_port: 15001")]
    fn istio_accepts(#[case] yaml: &str) {
        assert_eq!(validate(yaml), Ok(()), "{yaml}");
    }

    #[rstest]
    #[case("configPath: \"\"", "config path must be set")]
    #[case("binaryPath: \"\"", "binary path must be set")]
    #[case("serviceCluster: \"\"", "service cluster must be specified")]
    #[case(
        "drainDuration: 0s",
        "invalid drain duration: duration must be greater than 1ms"
    )]
    #[case(
        "drainDuration: 1500us",
        "invalid drain duration: only durations to ms precision are supported"
    )]
    #[case(
        "drainDuration: 1500ms",
        "drain time only supports durations to seconds precision"
    )]
    #[case(
        "discoveryAddress: \"\"",
        "discovery address must be set to the proxy discovery service"
    )]
    #[case("discoveryAddress: istiod", r#"invalid discovery address: unable to split "istiod": address istiod: missing port in address"#)]
    #[case(
        "proxyAdminPort: 0",
        "invalid proxy admin port: port number 0 must be in the range 1..65535"
    )]
    #[case(
        "statusPort: 70000",
        "invalid status port: port number 70000 must be in the range 1..65535"
    )]
    #[case(
        "controlPlaneAuthPolicy: INHERIT",
        r#"invalid authentication policy: unrecognized control plane auth policy "INHERIT""#
    )]
    #[case(
        "controlPlaneAuthPolicy: 7",
        r#"invalid authentication policy: unrecognized control plane auth policy "7""#
    )]
    #[case("statsdUdpAddress: nope", r#"invalid statsd udp address "nope": unable to split "nope": address nope: missing port in address"#)]
    #[case("envoyAccessLogService: {address: \"a:b\"}", r#"invalid envoy access log service address "a:b": port (b) is not a number: strconv.Atoi: parsing "b": invalid syntax"#)]
    #[case(
        "tracing: {zipkin: {}}",
        r#"invalid zipkin config: unable to split "": missing port in address"#
    )]
    #[case(
        "tracing: {datadog: {address: \"dd_agent:8126\"}}",
        r#"invalid datadog config: "dd_agent" is not a valid hostname or an IP address"#
    )]
    #[case("tracing: {lightstep: {}}", r#"invalid lightstep config: address is required; invalid lightstep config: invalid lightstep address: unable to split "": missing port in address; invalid lightstep config: access token is required"#)]
    #[case("tracing: {tlsSettings: {mode: MUTUAL}}", "invalid tracing TLS config: client certificate required for mutual tls; invalid tracing TLS config: private key required for mutual tls")]
    #[case("tracing: {tlsSettings: {mode: SIMPLE, credentialName: c, caCertificates: /ca}}", "invalid tracing TLS config: cannot specify client certificates or CA certificate or CA CRL If credentialName is set")]
    #[case("tracing: {tlsSettings: {credentialName: \"configmap://ns/n\"}}", r#"invalid tracing TLS config: invalid configmap:// credentialName: namespace must match the configuration namespace """#)]
    #[case("tracing: {tlsSettings: {credentialName: \"configmap://n\"}}", r#"invalid tracing TLS config: invalid configmap:// credentialName: invalid resource name "configmap://n". Expected namespace and name"#)]
    #[case("tracing: {tlsSettings: {mode: SIMPLE, insecureSkipVerify: true, subjectAltNames: [a]}}", "invalid tracing TLS config: cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true")]
    #[case("privateKeyProvider: {}", "invalid private key provider configuration: private key provider configuration is required; invalid private key provider configuration: unknown private key provider")]
    #[case(
        "privateKeyProvider: {qat: {}}",
        "invalid private key provider configuration: pollDelay is required"
    )]
    #[case(
        "privateKeyProvider: {cryptomb: {pollDelay: 0s}}",
        "invalid private key provider configuration: pollDelay must be non zero"
    )]
    #[case("configPath: \"\"\nproxyAdminPort: 0", "config path must be set; invalid proxy admin port: port number 0 must be in the range 1..65535")]
    fn istio_refuses(#[case] yaml: &str, #[case] want: &str) {
        assert_eq!(
            validate(yaml).map_err(|e| e.to_string()),
            Err(want.to_owned()),
            "{yaml}"
        );
    }

    #[rstest]
    #[case("concurrency: [")]
    #[case("- a\n- b")]
    #[case("concurrency: many")]
    #[case("drainDuration: forever")]
    fn undecodable_values_are_conversion_errors(#[case] yaml: &str) {
        let err = validate(yaml).unwrap_err().to_string();
        assert!(
            err.starts_with("failed to convert to apply proxy config: "),
            "{err}"
        );
    }
}
