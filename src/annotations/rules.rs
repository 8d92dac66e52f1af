//! The value rules of Istio's `pkg/kube/inject/validate.go`, one `Rule` per Go validator.
//! Error texts are Istio's own (including its quirks, such as the status port error naming
//! `excludeInboundPorts`), since users and tests match on them.

use super::proxy_config;
use crate::go::netip::{self, PrefixError};
use crate::go::quantity::{self, QuantityError};
use crate::go::strconv::{self, NumError};
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
    #[error("{0}")]
    ProxyConfig(proxy_config::ProxyConfigError),
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
            Rule::ProxyConfig => proxy_config::validate(value).map_err(RuleError::ProxyConfig),
        }
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
}
