//! The value rules of Istio's `pkg/kube/inject/validate.go`, one `Rule` per Go validator.
//! Error texts are Istio's own (including its quirks, such as the status port error naming
//! `excludeInboundPorts`), since users and tests match on them.

use crate::go::netip::{self, PrefixError};
use crate::go::quantity::{self, QuantityError};
use crate::go::strconv::{self, NumError};
use crate::mesh::{MeshError, ProxyConfigAnnotation};
use thiserror::Error;

/// How an annotation's value is checked before injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `REDIRECT`, `TPROXY` or `NONE` (`validateInterceptionMode`).
    InterceptionMode,
    /// One port, 0..=65535, surrounding spaces allowed (`validateStatusPort`).
    StatusPort,
    /// A decimal `uint32` (`validateUInt32`).
    UInt32,
    /// `*`, empty, or comma-separated CIDRs (`ValidateIncludeIPRanges`).
    IncludeIpRanges,
    /// Empty or comma-separated CIDRs; `*` is refused (`ValidateExcludeIPRanges`).
    ExcludeIpRanges,
    /// `*` or a port list (`ValidateIncludeInboundPorts`).
    IncludeInboundPorts,
    /// A port list (`ValidateExcludeInboundPorts`).
    ExcludeInboundPorts,
    /// A port list (`ValidateExcludeOutboundPorts`).
    ExcludeOutboundPorts,
    /// Comma-separated Linux interface names (`ValidateExcludeInterfaces`).
    InterfaceNames,
    /// Go `strconv.ParseBool` spellings (`validateBool`).
    Bool,
    /// A ProxyConfig in YAML, merged over the defaults and validated (`validateProxyConfig`).
    ProxyConfig,
    /// A Kubernetes quantity without control characters (`validateResourceQuantity`).
    ResourceQuantity,
}

/// Why a value broke its rule; the text is what Istio reports after the annotation name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error("interceptionMode invalid, use REDIRECT,TPROXY,NONE: {0}")]
    InterceptionMode(String),
    /// Istio's status port check reuses the excludeInboundPorts wording.
    #[error("excludeInboundPorts invalid: {0}")]
    StatusPort(PortError),
    #[error("{0}")]
    Number(NumError),
    #[error("{param} invalid: failed parsing cidr '{cidr}': {source}")]
    Cidr {
        param: &'static str,
        cidr: String,
        source: PrefixError,
    },
    /// Istio wraps a bad entry of a port list twice with the same words.
    #[error("{param} invalid: failed parsing port '{}': {source}", .source.port)]
    PortList {
        param: &'static str,
        source: PortError,
    },
    #[error("{0}")]
    Interface(InterfaceError),
    #[error("value contains control characters")]
    ControlCharacter,
    #[error("{0}")]
    Quantity(QuantityError),
    #[error("{}", proxy_config_message(.0))]
    ProxyConfig(MeshError),
}

/// Istio's `parsePort` failure: the entry as written, and Go's number error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("failed parsing port '{port}': {source}")]
pub struct PortError {
    port: String,
    source: NumError,
}

/// Istio's `ValidateInterfaceNames` failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InterfaceError {
    #[error("empty interface name")]
    Empty,
    #[error("interface name {} too long (max 15 chars)", strconv::quote(.0))]
    TooLong(String),
    #[error("interface name {} contains invalid characters", strconv::quote(.0))]
    InvalidCharacters(String),
}

impl Rule {
    /// Checks `value`; `Ok` means Istio would accept it.
    pub fn check(self, value: &str) -> Result<(), RuleError> {
        match self {
            Rule::InterceptionMode => match value {
                "REDIRECT" | "TPROXY" | "NONE" => Ok(()),
                _ => Err(RuleError::InterceptionMode(value.to_owned())),
            },
            Rule::StatusPort => parse_port(value).map(drop).map_err(RuleError::StatusPort),
            Rule::UInt32 => strconv::parse_uint(value, 32)
                .map(drop)
                .map_err(RuleError::Number),
            Rule::Bool => strconv::parse_bool(value)
                .map(drop)
                .map_err(RuleError::Number),
            Rule::IncludeIpRanges if value == "*" => Ok(()),
            Rule::IncludeIpRanges => check_cidrs("includeIPRanges", value),
            Rule::ExcludeIpRanges => check_cidrs("excludeIPRanges", value),
            Rule::IncludeInboundPorts if value == "*" => Ok(()),
            Rule::IncludeInboundPorts => check_ports("includeInboundPorts", value),
            Rule::ExcludeInboundPorts => check_ports("excludeInboundPorts", value),
            Rule::ExcludeOutboundPorts => check_ports("excludeOutboundPorts", value),
            Rule::InterfaceNames => check_interfaces(value).map_err(RuleError::Interface),
            Rule::ResourceQuantity => check_quantity(value),
            Rule::ProxyConfig => ProxyConfigAnnotation::parse(value)
                .map(drop)
                .map_err(RuleError::ProxyConfig),
        }
    }
}

/// Istio's `validateProxyConfig` wording: a text that does not read as a ProxyConfig is
/// "failed to convert"; one that reads but breaks Istio's rules lists the rules.
fn proxy_config_message(e: &MeshError) -> String {
    match e {
        MeshError::Invalid { .. } => e.detail().to_string(),
        _ => format!("failed to convert to apply proxy config: {}", e.detail()),
    }
}

/// Istio's `parsePort`: Go trims Unicode white space, then `ParseUint(_, 10, 16)`.
fn parse_port(entry: &str) -> Result<u16, PortError> {
    strconv::parse_uint(entry.trim(), 16)
        .map(|p| p as u16)
        .map_err(|source| PortError {
            port: entry.to_owned(),
            source,
        })
}

/// Istio's `parsePorts`: an empty (or all-space) list is fine; otherwise every
/// comma-separated entry must be a port. Empty entries ("80,,81") are not.
fn check_ports(param: &'static str, list: &str) -> Result<(), RuleError> {
    let list = list.trim();
    if list.is_empty() {
        return Ok(());
    }
    for entry in list.split(',') {
        parse_port(entry).map_err(|source| RuleError::PortList { param, source })?;
    }
    Ok(())
}

/// Istio's `validateCIDRList`: entries are not trimmed, and an empty entry is an error.
fn check_cidrs(param: &'static str, list: &str) -> Result<(), RuleError> {
    if list.is_empty() {
        return Ok(());
    }
    for cidr in list.split(',') {
        netip::parse_prefix(cidr).map_err(|source| RuleError::Cidr {
            param,
            cidr: cidr.to_owned(),
            source,
        })?;
    }
    Ok(())
}

/// Istio's `ValidateInterfaceNames`: `^[a-zA-Z][a-zA-Z0-9_.\-]*$`, 1 to 15 bytes, each
/// comma-separated entry trimmed first.
fn check_interfaces(list: &str) -> Result<(), InterfaceError> {
    if list.is_empty() {
        return Ok(());
    }
    for name in list.split(',') {
        let name = name.trim();
        if name.is_empty() {
            return Err(InterfaceError::Empty);
        }
        if name.len() > 15 {
            return Err(InterfaceError::TooLong(name.to_owned()));
        }
        let mut bytes = name.bytes();
        let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
        let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !(first_ok && rest_ok) {
            return Err(InterfaceError::InvalidCharacters(name.to_owned()));
        }
    }
    Ok(())
}

/// Istio's `validateResourceQuantity`: control characters first (they could break out of
/// the quoted template value), then Kubernetes' quantity grammar.
fn check_quantity(value: &str) -> Result<(), RuleError> {
    if value.chars().any(char::is_control) {
        return Err(RuleError::ControlCharacter);
    }
    quantity::validate(value).map_err(RuleError::Quantity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Rule::InterceptionMode, "REDIRECT")]
    #[case(Rule::InterceptionMode, "TPROXY")]
    #[case(Rule::InterceptionMode, "NONE")]
    #[case(Rule::StatusPort, "15020")]
    #[case(Rule::StatusPort, "0")]
    #[case(Rule::StatusPort, " 15020\t")]
    #[case(Rule::UInt32, "4294967295")]
    #[case(Rule::UInt32, "0")]
    #[case(Rule::Bool, "true")]
    #[case(Rule::Bool, "0")]
    #[case(Rule::IncludeIpRanges, "*")]
    #[case(Rule::IncludeIpRanges, "")]
    #[case(Rule::IncludeIpRanges, "10.0.0.0/8,172.16.0.0/12,fd00::/8")]
    #[case(Rule::ExcludeIpRanges, "")]
    #[case(Rule::ExcludeIpRanges, "192.168.0.0/16")]
    #[case(Rule::IncludeInboundPorts, "*")]
    #[case(Rule::IncludeInboundPorts, "")]
    #[case(Rule::IncludeInboundPorts, "  ")]
    #[case(Rule::IncludeInboundPorts, "80, 8080 ,9090")]
    #[case(Rule::ExcludeInboundPorts, "15020")]
    #[case(Rule::ExcludeOutboundPorts, "0,65535")]
    #[case(Rule::InterfaceNames, "")]
    #[case(Rule::InterfaceNames, "eth0, net1,veth-a.b_c")]
    #[case(Rule::InterfaceNames, "abcdefghijklmno")]
    #[case(Rule::ResourceQuantity, "100m")]
    #[case(Rule::ResourceQuantity, "128Mi")]
    #[case(Rule::ResourceQuantity, "2")]
    #[case(Rule::ResourceQuantity, "1Gi")]
    #[case(Rule::ProxyConfig, "")]
    #[case(Rule::ProxyConfig, "concurrency: 2")]
    fn istio_accepts(#[case] rule: Rule, #[case] value: &str) {
        assert_eq!(rule.check(value), Ok(()), "{rule:?} {value:?}");
    }

    #[rstest]
    #[case(
        Rule::InterceptionMode,
        "redirect",
        "interceptionMode invalid, use REDIRECT,TPROXY,NONE: redirect"
    )]
    #[case(
        Rule::InterceptionMode,
        "",
        "interceptionMode invalid, use REDIRECT,TPROXY,NONE: "
    )]
    #[case(Rule::StatusPort, "", r#"excludeInboundPorts invalid: failed parsing port '': strconv.ParseUint: parsing "": invalid syntax"#)]
    #[case(Rule::StatusPort, "65536", r#"excludeInboundPorts invalid: failed parsing port '65536': strconv.ParseUint: parsing "65536": value out of range"#)]
    #[case(
        Rule::UInt32,
        "-1",
        r#"strconv.ParseUint: parsing "-1": invalid syntax"#
    )]
    #[case(
        Rule::UInt32,
        " 1",
        r#"strconv.ParseUint: parsing " 1": invalid syntax"#
    )]
    #[case(
        Rule::UInt32,
        "4294967296",
        r#"strconv.ParseUint: parsing "4294967296": value out of range"#
    )]
    #[case(
        Rule::Bool,
        "yes",
        r#"strconv.ParseBool: parsing "yes": invalid syntax"#
    )]
    #[case(
        Rule::IncludeIpRanges,
        "bad",
        r#"includeIPRanges invalid: failed parsing cidr 'bad': netip.ParsePrefix("bad"): no '/'"#
    )]
    #[case(
        Rule::IncludeIpRanges,
        "10.0.0.0/8,",
        r#"includeIPRanges invalid: failed parsing cidr '': netip.ParsePrefix(""): no '/'"#
    )]
    #[case(Rule::IncludeIpRanges, "10.0.0.0/8, 10.1.0.0/16", r#"includeIPRanges invalid: failed parsing cidr ' 10.1.0.0/16': netip.ParsePrefix(" 10.1.0.0/16"): ParseAddr(" 10.1.0.0"): unexpected character (at " 10.1.0.0")"#)]
    #[case(
        Rule::IncludeIpRanges,
        "*,10.0.0.0/8",
        r#"includeIPRanges invalid: failed parsing cidr '*': netip.ParsePrefix("*"): no '/'"#
    )]
    #[case(
        Rule::ExcludeIpRanges,
        "*",
        r#"excludeIPRanges invalid: failed parsing cidr '*': netip.ParsePrefix("*"): no '/'"#
    )]
    #[case(Rule::ExcludeIpRanges, "1.1.1.1", r#"excludeIPRanges invalid: failed parsing cidr '1.1.1.1': netip.ParsePrefix("1.1.1.1"): no '/'"#)]
    #[case(Rule::IncludeInboundPorts, "bad", r#"includeInboundPorts invalid: failed parsing port 'bad': failed parsing port 'bad': strconv.ParseUint: parsing "bad": invalid syntax"#)]
    #[case(Rule::IncludeInboundPorts, "80,,81", r#"includeInboundPorts invalid: failed parsing port '': failed parsing port '': strconv.ParseUint: parsing "": invalid syntax"#)]
    #[case(Rule::IncludeInboundPorts, "80,*", r#"includeInboundPorts invalid: failed parsing port '*': failed parsing port '*': strconv.ParseUint: parsing "*": invalid syntax"#)]
    #[case(Rule::ExcludeInboundPorts, "*", r#"excludeInboundPorts invalid: failed parsing port '*': failed parsing port '*': strconv.ParseUint: parsing "*": invalid syntax"#)]
    #[case(Rule::ExcludeOutboundPorts, "80, 70000", r#"excludeOutboundPorts invalid: failed parsing port ' 70000': failed parsing port ' 70000': strconv.ParseUint: parsing "70000": value out of range"#)]
    #[case(Rule::InterfaceNames, "eth0,", "empty interface name")]
    #[case(
        Rule::InterfaceNames,
        "abcdefghijklmnop",
        r#"interface name "abcdefghijklmnop" too long (max 15 chars)"#
    )]
    #[case(
        Rule::InterfaceNames,
        "0eth",
        r#"interface name "0eth" contains invalid characters"#
    )]
    #[case(
        Rule::InterfaceNames,
        "eth0;rm",
        r#"interface name "eth0;rm" contains invalid characters"#
    )]
    #[case(
        Rule::ResourceQuantity,
        "100m\"\n  - name: injected",
        "value contains control characters"
    )]
    #[case(Rule::ResourceQuantity, "100m\r", "value contains control characters")]
    #[case(Rule::ResourceQuantity, "100m\t", "value contains control characters")]
    #[case(
        Rule::ResourceQuantity,
        "1Gi\u{0}",
        "value contains control characters"
    )]
    #[case(Rule::ResourceQuantity, "invalid", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    #[case(Rule::ResourceQuantity, "", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    #[case(Rule::ResourceQuantity, "1K", "unable to parse quantity's suffix")]
    fn istio_refuses(#[case] rule: Rule, #[case] value: &str, #[case] want: &str) {
        let err = rule.check(value).expect_err(value);
        assert_eq!(err.to_string(), want);
    }

    /// `validateProxyConfig` through the mesh engine: Istio's own messages.
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
    fn proxy_config_istio_accepts(#[case] yaml: &str) {
        assert_eq!(Rule::ProxyConfig.check(yaml), Ok(()), "{yaml}");
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
    fn proxy_config_istio_refuses(#[case] yaml: &str, #[case] want: &str) {
        assert_eq!(
            Rule::ProxyConfig.check(yaml).map_err(|e| e.to_string()),
            Err(want.to_owned()),
            "{yaml}"
        );
    }

    #[rstest]
    #[case("concurrency: [")]
    #[case("- a\n- b")]
    #[case("concurrency: many")]
    #[case("drainDuration: forever")]
    fn proxy_config_undecodable_values_are_conversion_errors(#[case] yaml: &str) {
        let err = Rule::ProxyConfig.check(yaml).unwrap_err().to_string();
        assert!(
            err.starts_with("failed to convert to apply proxy config: "),
            "{err}"
        );
    }
}
