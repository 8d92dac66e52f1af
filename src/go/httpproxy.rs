//! `NO_PROXY` matching as Go's `golang.org/x/net/http/httpproxy` does it (what client-go, and
//! so istiod, honours): comma- or space-separated entries, each `*` (everything), an IP
//! address, a CIDR, a host name (`example.com` matches it and its subdomains, `.example.com`
//! only subdomains), optionally with `:port`.

use std::net::IpAddr;

/// Whether `host` (a name or an IP, without brackets) on `port` bypasses the proxy.
pub fn bypasses(no_proxy: &str, host: &str, port: u16) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ip: Option<IpAddr> = host.parse().ok();
    no_proxy
        .split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| entry_matches(entry, &host, ip, port))
}

fn entry_matches(entry: &str, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    let entry = entry.to_ascii_lowercase();
    if let Some((net, bits)) = entry.split_once('/') {
        return match (net.parse::<IpAddr>(), bits.parse::<u8>(), ip) {
            (Ok(net), Ok(bits), Some(ip)) => in_cidr(ip, net, bits),
            _ => false,
        };
    }
    if let Ok(addr) = entry
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return ip == Some(addr);
    }
    // `host:port`; an IPv6 literal with a port is bracketed: `[::1]:6443`.
    let (name, want_port) = match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || (h.starts_with('[') && h.ends_with(']')) => {
            (h, p.parse::<u16>().ok())
        }
        _ => (entry.as_str(), None),
    };
    if want_port.is_some_and(|p| p != port) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if let Ok(addr) = name.parse::<IpAddr>() {
        return ip == Some(addr);
    }
    let name = name.trim_end_matches('.');
    match name.strip_prefix('.') {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => host == name || host.ends_with(&format!(".{name}")),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("*", "anything", 443, true)]
    #[case("", "kubernetes.default.svc", 443, false)]
    #[case("10.0.0.0/8", "10.96.0.1", 443, true)]
    #[case("10.0.0.0/8", "11.0.0.1", 443, false)]
    #[case("127.0.0.1", "127.0.0.1", 6443, true)]
    #[case("localhost,127.0.0.1", "127.0.0.1", 6443, true)]
    #[case("svc", "kubernetes.default.svc", 443, true)]
    #[case(".svc", "kubernetes.default.svc", 443, true)]
    #[case(".svc", "svc", 443, false)]
    #[case("default.svc", "kubernetes.default.svc", 443, true)]
    #[case("example.com", "notexample.com", 443, false)]
    #[case("example.com:8443", "example.com", 443, false)]
    #[case("example.com:443", "example.com", 443, true)]
    #[case("::1", "::1", 443, true)]
    #[case("[::1]:6443", "::1", 6443, true)]
    #[case("fd00::/8", "fd12::1", 443, true)]
    #[case("foo.com bar.com", "bar.com", 443, true)]
    #[case("EXAMPLE.com", "api.example.COM", 443, true)]
    fn matches_like_go(
        #[case] no_proxy: &str,
        #[case] host: &str,
        #[case] port: u16,
        #[case] want: bool,
    ) {
        assert_eq!(
            bypasses(no_proxy, host, port),
            want,
            "{no_proxy} vs {host}:{port}"
        );
    }
}
