//! Istio's `agent.ValidateMeshConfigProxyConfig`, applied to the annotation's fields merged
//! over `mesh.DefaultProxyConfig()`. Fields the annotation leaves unset keep defaults that
//! pass, so every check reads "the annotation's value, else the default".
//! Messages (and their prefixes) are Istio's; all failures are collected, as Istio does.

use crate::go::{net, netip, strconv};
use serde_json::{Map, Value};

type Fields = Map<String, Value>;

const MILLISECOND: i64 = 1_000_000;
const SECOND: i64 = 1_000 * MILLISECOND;

fn str_field<'a>(m: &'a Fields, name: &str, default: &'a str) -> &'a str {
    m.get(name).and_then(Value::as_str).unwrap_or(default)
}

fn int_field(m: &Fields, name: &str, default: i64) -> i64 {
    m.get(name).and_then(Value::as_i64).unwrap_or(default)
}

fn msg_field<'a>(m: &'a Fields, name: &str) -> Option<&'a Fields> {
    m.get(name).and_then(Value::as_object)
}

/// Runs every check, in Istio's order; an empty result means the config is valid.
pub(super) fn validate(cfg: &Fields) -> Vec<String> {
    let mut errs = Vec::new();
    if str_field(cfg, "config_path", "./etc/istio/proxy").is_empty() {
        errs.push("config path must be set".to_owned());
    }
    if str_field(cfg, "binary_path", "/usr/local/bin/envoy").is_empty() {
        errs.push("binary path must be set".to_owned());
    }
    // `tracing_service_name` is declared after `service_cluster`, so it wins when both are set.
    if !cfg.contains_key("tracing_service_name")
        && str_field(cfg, "service_cluster", "istio-proxy").is_empty()
    {
        errs.push("service cluster must be specified".to_owned());
    }
    errs.extend(drain_duration(int_field(
        cfg,
        "drain_duration",
        45 * SECOND,
    )));
    let discovery = str_field(cfg, "discovery_address", "istiod.istio-system.svc:15012");
    if discovery.is_empty() {
        errs.push("discovery address must be set to the proxy discovery service".to_owned());
    } else if let Err(e) = proxy_address(discovery) {
        errs.push(format!("invalid discovery address: {e}"));
    }
    if let Some(tracing) = msg_field(cfg, "tracing") {
        errs.extend(self::tracing(tracing));
    }
    errs.extend(service_addresses(cfg));
    errs.extend(ports_and_policy(cfg));
    if let Some(provider) = msg_field(cfg, "private_key_provider") {
        let prefix = "invalid private key provider configuration:";
        let provider_errs = private_key_provider(provider);
        errs.extend(provider_errs.into_iter().map(|e| format!("{prefix} {e}")));
    }
    errs
}

/// The optional `host:port` addresses of side services; set ones must be valid.
fn service_addresses(cfg: &Fields) -> Vec<String> {
    let nested = |name| msg_field(cfg, name).and_then(|m| m.get("address"));
    let addresses = [
        ("statsd udp address", cfg.get("statsd_udp_address")),
        (
            "envoy metrics service address",
            cfg.get("envoy_metrics_service_address"),
        ),
        (
            "envoy metrics service address",
            nested("envoy_metrics_service"),
        ),
        (
            "envoy access log service address",
            nested("envoy_access_log_service"),
        ),
    ];
    let mut errs = Vec::new();
    for (what, address) in addresses {
        let address = address.and_then(Value::as_str).unwrap_or_default();
        if let (false, Err(e)) = (address.is_empty(), proxy_address(address)) {
            errs.push(format!("invalid {what} {}: {e}", strconv::quote(address)));
        }
    }
    errs
}

fn ports_and_policy(cfg: &Fields) -> Vec<String> {
    let mut errs = Vec::new();
    if let Err(e) = port(int_field(cfg, "proxy_admin_port", 15000)) {
        errs.push(format!("invalid proxy admin port: {e}"));
    }
    let policy = int_field(cfg, "control_plane_auth_policy", 1);
    if policy != 0 && policy != 1 {
        let name = enum_name(&super::schema::AUTHENTICATION_POLICY, policy);
        errs.push(format!(
            "invalid authentication policy: unrecognized control plane auth policy {}",
            strconv::quote(&name)
        ));
    }
    if let Err(e) = port(int_field(cfg, "status_port", 15020)) {
        errs.push(format!("invalid status port: {e}"));
    }
    errs
}

/// Go's `Enum.String()`: the value's name, or its number when it has none.
fn enum_name(e: &super::schema::Enum, number: i64) -> String {
    e.values
        .iter()
        .find(|(_, n)| i64::from(*n) == number)
        .map_or_else(|| number.to_string(), |(name, _)| (*name).to_owned())
}

/// `ValidateDrainDuration`: at least 1ms, whole milliseconds, then whole seconds.
fn drain_duration(nanos: i64) -> Option<String> {
    if let Err(e) = duration(nanos) {
        return Some(format!("invalid drain duration: {e}"));
    }
    (nanos % SECOND != 0)
        .then(|| "drain time only supports durations to seconds precision".to_owned())
}

/// `ValidateDuration`.
fn duration(nanos: i64) -> Result<(), &'static str> {
    if nanos < MILLISECOND {
        return Err("duration must be greater than 1ms");
    }
    if nanos % MILLISECOND != 0 {
        return Err("only durations to ms precision are supported");
    }
    Ok(())
}

/// `ValidatePort`.
fn port(port: i64) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!("port number {port} must be in the range 1..65535"))
    }
}

/// `ValidateProxyAddress`: `host:port` with a valid port and a DNS name or IP address.
fn proxy_address(address: &str) -> Result<(), String> {
    let (host, port_str) = net::split_host_port(address)
        .map_err(|e| format!("unable to split {}: {e}", strconv::quote(address)))?;
    let port_num =
        strconv::atoi(port_str).map_err(|e| format!("port ({port_str}) is not a number: {e}"))?;
    port(port_num)?;
    if !is_fqdn(host) && netip::parse_addr(host).is_err() {
        return Err(format!(
            "{} is not a valid hostname or an IP address",
            strconv::quote(host)
        ));
    }
    Ok(())
}

/// `ValidateFQDN`: 1..=255 bytes of DNS-1123 labels (upper case allowed, a trailing dot
/// allowed) whose last label is not all digits.
fn is_fqdn(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let last = labels.last().copied().unwrap_or_default();
    if strconv::atoi(last).is_ok() {
        return false;
    }
    labels
        .iter()
        .enumerate()
        .all(|(i, label)| (i + 1 == labels.len() && label.is_empty()) || is_dns1123_label(label))
}

fn is_dns1123_label(label: &str) -> bool {
    let b = label.as_bytes();
    let edge_ok = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphanumeric);
    b.len() <= 63
        && edge_ok(b.first())
        && edge_ok(b.last())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn tracing(t: &Fields) -> Vec<String> {
    let mut errs = Vec::new();
    // Only the last tracer present is kept: they share a oneof.
    let tracer = super::schema::TRACERS
        .iter()
        .rev()
        .find_map(|name| msg_field(t, name).map(|m| (*name, m)));
    let host_ip = |m: &Fields| str_field(m, "address", "").replacen("$(HOST_IP)", "127.0.0.1", 1);
    match tracer {
        Some(("lightstep", ls)) => {
            let address = str_field(ls, "address", "");
            let mut ls_errs = Vec::new();
            if address.is_empty() {
                ls_errs.push("address is required".to_owned());
            }
            if let Err(e) = proxy_address(address) {
                ls_errs.push(format!("invalid lightstep address: {e}"));
            }
            if str_field(ls, "access_token", "").is_empty() {
                ls_errs.push("access token is required".to_owned());
            }
            errs.extend(
                ls_errs
                    .into_iter()
                    .map(|e| format!("invalid lightstep config: {e}")),
            );
        }
        Some(("zipkin", z)) => {
            if let Err(e) = proxy_address(&host_ip(z)) {
                errs.push(format!("invalid zipkin config: {e}"));
            }
        }
        Some(("datadog", d)) => {
            if let Err(e) = proxy_address(&host_ip(d)) {
                errs.push(format!("invalid datadog config: {e}"));
            }
        }
        _ => {}
    }
    if let Some(tls) = msg_field(t, "tls_settings") {
        let prefix = "invalid tracing TLS config:";
        errs.extend(client_tls(tls).into_iter().map(|e| format!("{prefix} {e}")));
    }
    errs
}

/// `ValidateTLS` with an empty config namespace, as the ProxyConfig check calls it.
fn client_tls(tls: &Fields) -> Vec<String> {
    const SIMPLE: i64 = 1;
    const MUTUAL: i64 = 2;
    let mut errs = Vec::new();
    let s = |name| str_field(tls, name, "");
    let mode = int_field(tls, "mode", 0);
    let credential = s("credential_name");
    let sans_set = tls
        .get("subject_alt_names")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if let Some(resource) = credential.strip_prefix("configmap://") {
        errs.push(format!(
            "invalid configmap:// credentialName: {}",
            configmap_problem(credential, resource)
        ));
    }
    if tls.get("insecure_skip_verify").and_then(Value::as_bool) == Some(true) {
        if mode == SIMPLE
            && (!s("ca_certificates").is_empty() || !credential.is_empty() || sans_set)
        {
            errs.push("cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true".to_owned());
        }
        if mode == MUTUAL && (!s("ca_certificates").is_empty() || sans_set) {
            errs.push("cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true".to_owned());
        }
    }
    if (mode == SIMPLE || mode == MUTUAL) && !credential.is_empty() {
        let inline = [
            "client_certificate",
            "ca_certificates",
            "private_key",
            "ca_crl",
        ];
        if inline.iter().any(|n| !s(n).is_empty()) {
            errs.push("cannot specify client certificates or CA certificate or CA CRL If credentialName is set".to_owned());
        }
        return errs;
    }
    if mode == MUTUAL {
        if s("client_certificate").is_empty() {
            errs.push("client certificate required for mutual tls".to_owned());
        }
        if s("private_key").is_empty() {
            errs.push("private key required for mutual tls".to_owned());
        }
    }
    errs
}

/// Why a `configmap://namespace/name` credential is refused: a malformed name, or (since the
/// ProxyConfig check passes no namespace) a namespace that can never match.
fn configmap_problem(full: &str, resource: &str) -> String {
    let mut parts = resource.split('/');
    let (namespace, name) = (parts.next().unwrap_or_default(), parts.next());
    let q = strconv::quote(full);
    match name {
        None => format!("invalid resource name {q}. Expected namespace and name"),
        Some(_) if namespace.is_empty() => format!("invalid resource name {q}. Expected namespace"),
        Some("") => format!("invalid resource name {q}. Expected name"),
        Some(_) => "namespace must match the configuration namespace \"\"".to_owned(),
    }
}

/// `validatePrivateKeyProvider`: exactly one of `cryptomb`/`qat` (the later wins), with a
/// non-zero `pollDelay`.
fn private_key_provider(p: &Fields) -> Vec<String> {
    let provider = ["qat", "cryptomb"]
        .into_iter()
        .find_map(|n| msg_field(p, n));
    let Some(provider) = provider else {
        return vec![
            "private key provider configuration is required".to_owned(),
            "unknown private key provider".to_owned(),
        ];
    };
    match provider.get("poll_delay").and_then(Value::as_i64) {
        None => vec!["pollDelay is required".to_owned()],
        Some(0) => vec!["pollDelay must be non zero".to_owned()],
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("istiod.istio-system.svc:15012", Ok(()))]
    #[case("10.0.0.1:9411", Ok(()))]
    #[case("[::1]:9411", Ok(()))]
    #[case("Zipkin.Example.COM.:9411", Ok(()))]
    #[case(
        "zipkin",
        Err(r#"unable to split "zipkin": address zipkin: missing port in address"#)
    )]
    #[case(
        "zipkin:http",
        Err(r#"port (http) is not a number: strconv.Atoi: parsing "http": invalid syntax"#)
    )]
    #[case("zipkin:0", Err("port number 0 must be in the range 1..65535"))]
    #[case("a_b:80", Err(r#""a_b" is not a valid hostname or an IP address"#))]
    #[case("1.2.3:80", Err(r#""1.2.3" is not a valid hostname or an IP address"#))]
    #[case(":80", Err(r#""" is not a valid hostname or an IP address"#))]
    fn proxy_addresses(#[case] address: &str, #[case] want: Result<(), &str>) {
        assert_eq!(proxy_address(address), want.map_err(str::to_owned));
    }
}
