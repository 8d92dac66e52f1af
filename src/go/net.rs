//! Go's `net.SplitHostPort`. IP address parsing is in `netip`.

/// Go's `net.SplitHostPort`; the error is Go's `*net.AddrError` text (which leaves out
/// the address when it is empty).
pub(crate) fn split_host_port(hostport: &str) -> Result<(&str, &str), String> {
    let err = |why: &str| match hostport {
        "" => why.to_owned(),
        _ => format!("address {hostport}: {why}"),
    };
    let Some(i) = hostport.rfind(':') else {
        return Err(err("missing port in address"));
    };
    let (host, j, k) = if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return Err(err("missing ']' in address"));
        };
        if end + 1 == hostport.len() {
            return Err(err("missing port in address"));
        }
        if end + 1 != i {
            return Err(if hostport.as_bytes().get(end + 1) == Some(&b':') {
                err("too many colons in address")
            } else {
                err("missing port in address")
            });
        }
        (hostport.get(1..end).unwrap_or_default(), 1, end + 1)
    } else {
        let host = hostport.get(..i).unwrap_or_default();
        if host.contains(':') {
            return Err(err("too many colons in address"));
        }
        (host, 0, 0)
    };
    if hostport.get(j..).unwrap_or_default().contains('[') {
        return Err(err("unexpected '[' in address"));
    }
    if hostport.get(k..).unwrap_or_default().contains(']') {
        return Err(err("unexpected ']' in address"));
    }
    Ok((host, hostport.get(i + 1..).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("istiod.istio-system.svc:15012", Ok(("istiod.istio-system.svc", "15012")))]
    #[case("[::1]:80", Ok(("::1", "80")))]
    #[case(":80", Ok(("", "80")))]
    #[case("host:", Ok(("host", "")))]
    #[case("host", Err("address host: missing port in address"))]
    #[case("", Err("missing port in address"))]
    #[case("::1:80", Err("address ::1:80: too many colons in address"))]
    #[case("[::1]", Err("address [::1]: missing port in address"))]
    #[case("[::1]x:80", Err("address [::1]x:80: missing port in address"))]
    #[case("[::1]:80:90", Err("address [::1]:80:90: too many colons in address"))]
    #[case("[::1:80", Err("address [::1:80: missing ']' in address"))]
    #[case("a]:80", Err("address a]:80: unexpected ']' in address"))]
    fn split_host_port_matches_go(#[case] input: &str, #[case] want: Result<(&str, &str), &str>) {
        assert_eq!(split_host_port(input), want.map_err(str::to_owned));
    }
}
