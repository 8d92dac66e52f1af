//! Istio's checks on names and addresses (`ValidateProxyAddress`, `ValidateFQDN`,
//! `ValidateWildcardDomain`, `ValidateTrustDomain`), with Go's `net.SplitHostPort` and
//! `netip.ParseAddr` rules. Istio's DNS-1123 labels allow upper case.

use crate::go::{net, netip, strconv};

pub(crate) fn validate_port(port: i64) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!("port number {port} must be in the range 1..65535"))
    }
}

/// `ValidateProxyAddress`: `host:port`, the host a DNS name or an IP address (Istio's
/// `IsValidIPAddress`, which is `netip.ParseAddr`).
pub(crate) fn validate_proxy_address(address: &str) -> Result<(), String> {
    let (host, port) = net::split_host_port(address)
        .map_err(|why| format!("unable to split {}: {why}", strconv::quote(address)))?;
    let port = strconv::atoi(port).map_err(|e| format!("port ({port}) is not a number: {e}"))?;
    validate_port(port)?;
    if validate_fqdn(host).is_err() && netip::parse_addr(host).is_err() {
        return Err(format!(
            "{} is not a valid hostname or an IP address",
            strconv::quote(host)
        ));
    }
    Ok(())
}

/// `ValidateFQDN`.
pub(crate) fn validate_fqdn(name: &str) -> Result<(), String> {
    check_dns1123_preconditions(name)?;
    validate_dns1123_labels(name)
}

fn check_dns1123_preconditions(name: &str) -> Result<(), String> {
    if name.len() > 255 {
        return Err(format!(
            "domain name {} too long (max 255)",
            strconv::quote(name)
        ));
    }
    if name.is_empty() {
        return Err("empty domain name not allowed".to_owned());
    }
    Ok(())
}

fn validate_dns1123_labels(domain: &str) -> Result<(), String> {
    let parts: Vec<&str> = domain.split('.').collect();
    let top = parts.last().copied().unwrap_or_default();
    if is_go_int(top) {
        return Err(format!(
            "domain name {} invalid (top level domain {} cannot be all-numeric)",
            strconv::quote(domain),
            strconv::quote(top)
        ));
    }
    for (i, label) in parts.iter().enumerate() {
        // A trailing dot (`istio.io.`) is allowed.
        if i == parts.len() - 1 && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!(
                "domain name {} invalid (label {} invalid)",
                strconv::quote(domain),
                strconv::quote(label)
            ));
        }
    }
    Ok(())
}

/// Go's `strconv.Atoi` would accept it.
fn is_go_int(text: &str) -> bool {
    strconv::atoi(text).is_ok()
}

/// Istio's `labels.IsDNS1123Label` (which allows upper case).
fn is_dns1123_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            label.len() <= 63
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        }
        _ => false,
    }
}

/// Istio's `labels.IsWildcardDNS1123Label`: `*`, or a label optionally prefixed by `*` or `*-`.
fn is_wildcard_dns1123_label(label: &str) -> bool {
    if label.len() > 63 {
        return false;
    }
    label == "*"
        || is_dns1123_label(label)
        || label.strip_prefix('*').is_some_and(is_dns1123_label)
        || label.strip_prefix("*-").is_some_and(is_dns1123_label)
}

/// `ValidateWildcardDomain`.
pub(crate) fn validate_wildcard_domain(domain: &str) -> Result<(), String> {
    check_dns1123_preconditions(domain)?;
    let (first, rest) = match domain.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (domain, None),
    };
    if !is_wildcard_dns1123_label(first) {
        return Err(format!(
            "domain name {} invalid (label {} invalid)",
            strconv::quote(domain),
            strconv::quote(first)
        ));
    }
    rest.map_or(Ok(()), validate_dns1123_labels)
}

/// `ValidateTrustDomain`.
pub(crate) fn validate_trust_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("empty domain name not allowed".to_owned());
    }
    let parts: Vec<&str> = domain.split('.').collect();
    for (i, label) in parts.iter().enumerate() {
        if i == parts.len() - 1 && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!(
                "trust domain name {} invalid",
                strconv::quote(domain)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("istiod.istio-system.svc", true)]
    #[case("Istiod.Istio-System.svc", true)]
    #[case("istio.io.", true)]
    #[case("127.0.0.1", false)]
    #[case("a..b", false)]
    #[case("", false)]
    #[case("-a.b", false)]
    fn fqdn(#[case] name: &str, #[case] ok: bool) {
        assert_eq!(validate_fqdn(name).is_ok(), ok, "{name}");
    }

    #[rstest]
    #[case("[::1]:80", true)]
    #[case("[fe80::1%eth0]:80", true)]
    #[case("10.0.0.1:80", true)]
    #[case("[::1]80", false)]
    #[case("[::1]", false)]
    #[case("host:+80", true)]
    #[case("host:", false)]
    #[case("a]:80", false)]
    fn proxy_addresses(#[case] address: &str, #[case] ok: bool) {
        assert_eq!(validate_proxy_address(address).is_ok(), ok, "{address}");
    }

    #[rstest]
    #[case("*", true)]
    #[case("*.ns.svc.cluster.local", true)]
    #[case("*-foo.ns", true)]
    #[case("foo*.ns", false)]
    #[case("a.1", false)]
    fn wildcard_domains(#[case] domain: &str, #[case] ok: bool) {
        assert_eq!(validate_wildcard_domain(domain).is_ok(), ok, "{domain}");
    }

    #[rstest]
    #[case("cluster.local", Ok(()))]
    #[case("td.", Ok(()))]
    #[case("", Err("empty domain name not allowed".to_owned()))]
    #[case("a_b", Err("trust domain name \"a_b\" invalid".to_owned()))]
    fn trust_domains(#[case] domain: &str, #[case] want: Result<(), String>) {
        assert_eq!(validate_trust_domain(domain), want);
    }
}
