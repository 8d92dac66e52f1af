//! Go's `net/netip.ParseAddr` and `ParsePrefix` (Go 1.25, which Istio 1.30.3 is built with),
//! reproduced for which strings they accept and how they word a refusal. Istio validates the
//! outbound IP range annotations with `ParsePrefix`, so "10.0.0.1" (no '/'), "010.0.0.0/8"
//! (leading zero), "10.0.0.0/08" (leading zero in bits) and "fe80::1%eth0/64" (zone) fail.
//! Only validity matters here; the parsed address is not kept.

use super::strconv::{atoi, quote};
use std::fmt;

/// The address family `ParseAddr` recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6 { zoned: bool },
}

/// Go's `parseAddrError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddrError {
    input: String,
    msg: &'static str,
    at: Option<String>,
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParseAddr({}): {}", quote(&self.input), self.msg)?;
        if let Some(at) = &self.at {
            write!(f, " (at {})", quote(at))?;
        }
        Ok(())
    }
}

fn addr_err(input: &str, msg: &'static str, at: Option<&str>) -> AddrError {
    AddrError {
        input: input.to_owned(),
        msg,
        at: at.filter(|a| !a.is_empty()).map(str::to_owned),
    }
}

/// Go's `netip.ParseAddr`: dotted IPv4, or IPv6 with an optional `%zone`.
pub(crate) fn parse_addr(s: &str) -> Result<Family, AddrError> {
    for b in s.bytes() {
        match b {
            b'.' => return parse_ipv4_fields(s, s).map(|_| Family::V4),
            b':' => return parse_ipv6(s),
            b'%' => return Err(addr_err(s, "missing IPv6 address", None)),
            _ => {}
        }
    }
    Err(addr_err(s, "unable to parse IP", None))
}

/// Checks `part` as four decimal octets; errors name `input`, the whole string given to Go.
fn parse_ipv4_fields(input: &str, part: &str) -> Result<(), AddrError> {
    let bytes = part.as_bytes();
    let (mut val, mut pos, mut dig_len) = (0u32, 0u32, 0u32);
    for (i, &c) in bytes.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return Err(addr_err(
                    input,
                    "IPv4 field has octet with leading zero",
                    None,
                ));
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return Err(addr_err(input, "IPv4 field has value >255", None));
            }
        } else if c == b'.' {
            if i == 0 || i + 1 == bytes.len() || bytes.get(i - 1) == Some(&b'.') {
                let msg = "IPv4 field must have at least one digit";
                return Err(addr_err(
                    input,
                    msg,
                    Some(part.get(i..).unwrap_or_default()),
                ));
            }
            if pos == 3 {
                return Err(addr_err(input, "IPv4 address too long", None));
            }
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            // Every byte before `i` is ASCII, so `i` is a character boundary.
            return Err(addr_err(
                input,
                "unexpected character",
                Some(part.get(i..).unwrap_or_default()),
            ));
        }
    }
    if pos < 3 {
        return Err(addr_err(input, "IPv4 address too short", None));
    }
    Ok(())
}

fn parse_ipv6(input: &str) -> Result<Family, AddrError> {
    let (mut s, zoned) = match input.find('%') {
        Some(i) if i + 1 == input.len() => {
            return Err(addr_err(input, "zone must be a non-empty string", None))
        }
        Some(i) => (input.get(..i).unwrap_or_default(), true),
        None => (input, false),
    };
    let family = Family::V6 { zoned };
    let mut ellipsis: Option<usize> = None;
    if let Some(rest) = s.strip_prefix("::") {
        ellipsis = Some(0);
        s = rest;
        if s.is_empty() {
            return Ok(family);
        }
    }
    let mut filled = 0usize; // bytes of the 16-byte address parsed so far
    while filled < 16 {
        let digits = hex_group(input, s)?;
        if s.as_bytes().get(digits) == Some(&b'.') {
            embedded_ipv4(input, s, ellipsis.is_some(), filled)?;
            s = "";
            filled += 4;
            break;
        }
        filled += 2;
        s = s.get(digits..).unwrap_or_default();
        if s.is_empty() {
            break;
        }
        s = after_colon(input, s)?;
        if let Some(rest) = s.strip_prefix(':') {
            if ellipsis.is_some() {
                return Err(addr_err(input, "multiple :: in address", Some(s)));
            }
            ellipsis = Some(filled);
            s = rest;
            if s.is_empty() {
                break;
            }
        }
    }
    finish_ipv6(input, s, filled, ellipsis.is_some()).map(|()| family)
}

/// The length of the hex group `s` starts with: 1 to 4 digits, at most 0xffff.
fn hex_group(input: &str, s: &str) -> Result<usize, AddrError> {
    let mut acc = 0u32;
    let mut off = 0usize;
    for &c in s.as_bytes() {
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        acc = (acc << 4) + d;
        if off > 3 {
            let msg = "each group must have 4 or less digits";
            return Err(addr_err(input, msg, Some(s)));
        }
        if acc > 0xffff {
            return Err(addr_err(input, "IPv6 field has value >=2^16", Some(s)));
        }
        off += 1;
    }
    if off == 0 {
        let msg = "each colon-separated field must have at least one digit";
        return Err(addr_err(input, msg, Some(s)));
    }
    Ok(off)
}

/// A trailing dotted IPv4 part, allowed only as the last 32 bits.
fn embedded_ipv4(input: &str, s: &str, ellipsis: bool, filled: usize) -> Result<(), AddrError> {
    if !ellipsis && filled != 12 {
        let msg = "embedded IPv4 address must replace the final 2 fields of the address";
        return Err(addr_err(input, msg, Some(s)));
    }
    if filled + 4 > 16 {
        let msg = "too many hex fields to fit an embedded IPv4 at the end of the address";
        return Err(addr_err(input, msg, Some(s)));
    }
    parse_ipv4_fields(input, s)
}

/// After a group: a colon that something follows; returns what follows it.
fn after_colon<'a>(input: &str, s: &'a str) -> Result<&'a str, AddrError> {
    match s.strip_prefix(':') {
        None => Err(addr_err(input, "unexpected character, want colon", Some(s))),
        Some("") => {
            let msg = "colon must be followed by more characters";
            Err(addr_err(input, msg, Some(s)))
        }
        Some(rest) => Ok(rest),
    }
}

/// The whole string must be used, and `::` must stand for at least one zero group.
fn finish_ipv6(input: &str, rest: &str, filled: usize, ellipsis: bool) -> Result<(), AddrError> {
    if !rest.is_empty() {
        return Err(addr_err(
            input,
            "trailing garbage after address",
            Some(rest),
        ));
    }
    match (filled < 16, ellipsis) {
        (true, false) => Err(addr_err(input, "address string too short", None)),
        (false, true) => {
            let msg = "the :: must expand to at least one field of zeros";
            Err(addr_err(input, msg, None))
        }
        _ => Ok(()),
    }
}

/// Go's `parsePrefixError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixError {
    input: String,
    msg: String,
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "netip.ParsePrefix({}): {}", quote(&self.input), self.msg)
    }
}

impl std::error::Error for PrefixError {}

/// Go's `netip.ParsePrefix`: `addr/bits` with canonical decimal bits and no IPv6 zone.
pub(crate) fn parse_prefix(s: &str) -> Result<(), PrefixError> {
    let err = |msg: String| PrefixError {
        input: s.to_owned(),
        msg,
    };
    let Some(slash) = s.rfind('/') else {
        return Err(err("no '/'".to_owned()));
    };
    let family = parse_addr(s.get(..slash).unwrap_or_default()).map_err(|e| err(e.to_string()))?;
    if family == (Family::V6 { zoned: true }) {
        return Err(err("IPv6 zones cannot be present in a prefix".to_owned()));
    }
    let bits_str = s.get(slash + 1..).unwrap_or_default();
    let bad_bits = || err(format!("bad bits after slash: {}", quote(bits_str)));
    // Go refuses a sign or a leading zero here although Atoi would take them.
    if bits_str.len() > 1 && !matches!(bits_str.as_bytes().first(), Some(b'1'..=b'9')) {
        return Err(bad_bits());
    }
    let bits = atoi(bits_str).map_err(|_| bad_bits())?;
    let max_bits = if family == Family::V4 { 32 } else { 128 };
    if !(0..=max_bits).contains(&bits) {
        return Err(err("prefix length out of range".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("10.0.0.0/8")]
    #[case("0.0.0.0/0")]
    #[case("255.255.255.255/32")]
    #[case("10.1.2.3/8")] // host bits may be set
    #[case("::/0")]
    #[case("::1/128")]
    #[case("fe80::/10")]
    #[case("2001:db8::/32")]
    #[case("::ffff:10.0.0.0/104")]
    #[case("1:2:3:4:5:6:7:8/64")]
    #[case("1:2:3:4:5:6:1.2.3.4/96")]
    #[case("::1.2.3.4/128")]
    #[case("1::/16")]
    #[case("ABCD:ef01::/32")]
    fn prefixes_go_accepts(#[case] input: &str) {
        assert_eq!(parse_prefix(input), Ok(()), "{input}");
    }

    #[rstest]
    #[case("*", "no '/'")]
    #[case("", "no '/'")]
    #[case("bad", "no '/'")]
    #[case("10.0.0.1", "no '/'")]
    #[case(
        " 10.0.0.0/8",
        r#"ParseAddr(" 10.0.0.0"): unexpected character (at " 10.0.0.0")"#
    )]
    #[case("10.0.0.0/8 ", r#"bad bits after slash: "8 ""#)]
    #[case(
        "010.0.0.0/8",
        r#"ParseAddr("010.0.0.0"): IPv4 field has octet with leading zero"#
    )]
    #[case("256.0.0.0/8", r#"ParseAddr("256.0.0.0"): IPv4 field has value >255"#)]
    #[case("10.0.0/8", r#"ParseAddr("10.0.0"): IPv4 address too short"#)]
    #[case("1.2.3.4.5/8", r#"ParseAddr("1.2.3.4.5"): IPv4 address too long"#)]
    #[case(
        "1..2.3/8",
        r#"ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3")"#
    )]
    #[case("10.0.0.0/08", r#"bad bits after slash: "08""#)]
    #[case("10.0.0.0/+8", r#"bad bits after slash: "+8""#)]
    #[case("10.0.0.0/", r#"bad bits after slash: """#)]
    #[case("10.0.0.0/33", "prefix length out of range")]
    #[case("::/129", "prefix length out of range")]
    #[case(
        "10.0.0.0/99999999999999999999",
        r#"bad bits after slash: "99999999999999999999""#
    )]
    #[case("fe80::1%eth0/64", "IPv6 zones cannot be present in a prefix")]
    #[case(
        "fe80::1%/64",
        r#"ParseAddr("fe80::1%"): zone must be a non-empty string"#
    )]
    #[case("%eth0/64", r#"ParseAddr("%eth0"): missing IPv6 address"#)]
    #[case("abc/8", r#"ParseAddr("abc"): unable to parse IP"#)]
    #[case(
        "1:2:3:4:5:6:7/64",
        r#"ParseAddr("1:2:3:4:5:6:7"): address string too short"#
    )]
    #[case(
        "1:2:3:4:5:6:7:8:9/64",
        r#"ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9")"#
    )]
    #[case(
        "1::2::3/64",
        r#"ParseAddr("1::2::3"): multiple :: in address (at ":3")"#
    )]
    #[case(
        "12345::/16",
        r#"ParseAddr("12345::"): each group must have 4 or less digits (at "12345::")"#
    )]
    #[case(
        "1:2:3:4:5:6:7::8/64",
        r#"ParseAddr("1:2:3:4:5:6:7::8"): the :: must expand to at least one field of zeros"#
    )]
    #[case(
        "1:/64",
        r#"ParseAddr("1:"): colon must be followed by more characters (at ":")"#
    )]
    #[case("1:2.3.4.5/64", r#"ParseAddr("1:2.3.4.5"): embedded IPv4 address must replace the final 2 fields of the address (at "2.3.4.5")"#)]
    #[case("::1.2.3/96", r#"ParseAddr("::1.2.3"): IPv4 address too short"#)]
    #[case("1::2:3:4:5:6:7:1.2.3.4/64", r#"ParseAddr("1::2:3:4:5:6:7:1.2.3.4"): too many hex fields to fit an embedded IPv4 at the end of the address (at "1.2.3.4")"#)]
    #[case(
        ":1/64",
        r#"ParseAddr(":1"): each colon-separated field must have at least one digit (at ":1")"#
    )]
    #[case(
        "1g::/16",
        r#"ParseAddr("1g::"): unexpected character, want colon (at "g::")"#
    )]
    fn prefixes_go_refuses(#[case] input: &str, #[case] why: &str) {
        let err = parse_prefix(input).expect_err(input);
        assert_eq!(
            err.to_string(),
            format!("netip.ParsePrefix({}): {why}", quote(input))
        );
    }

    #[rstest]
    #[case("127.0.0.1", Family::V4)]
    #[case("::", Family::V6 { zoned: false })]
    #[case("fe80::1%eth0", Family::V6 { zoned: true })]
    fn addresses(#[case] input: &str, #[case] want: Family) {
        assert_eq!(parse_addr(input), Ok(want));
    }
}
