//! The few Go standard-library parsers Istio's annotation checks lean on, reproduced for
//! behaviour: `strconv.ParseUint`/`ParseInt`/`Atoi`/`ParseBool`/`Quote`, `time.ParseDuration`
//! and `net.SplitHostPort`. Each accepts exactly what Go accepts and words its error as Go
//! does, because Istio passes those errors through verbatim.

use std::fmt;

/// Go's `strconv.Quote`: a double-quoted string with Go escapes.
///
/// Printability follows Go for ASCII and the usual non-ASCII cases (controls, separators,
/// format characters); Go's full Unicode tables are not reproduced.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    // Go's IsPrint excludes every space but U+0020, controls, and format characters.
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}')
        || matches!(c, '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

/// Why a Go `strconv` number parse failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumErrorKind {
    Syntax,
    Range,
}

/// Go's `*strconv.NumError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    func: &'static str,
    num: String,
    kind: NumErrorKind,
}

impl NumError {
    fn new(func: &'static str, num: &str, kind: NumErrorKind) -> Self {
        NumError {
            func,
            num: num.to_owned(),
            kind,
        }
    }

    #[cfg(test)]
    pub(crate) fn kind(&self) -> NumErrorKind {
        self.kind
    }
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.kind {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {why}",
            self.func,
            quote(&self.num)
        )
    }
}

impl std::error::Error for NumError {}

/// Go's `strconv.ParseUint(s, 10, bits)`: digits only (no sign, no spaces, no underscores).
/// Like Go it stops at the first overflow, so "99999x" is out of range, not a syntax error.
pub(crate) fn parse_uint(s: &str, bits: u32) -> Result<u64, NumError> {
    parse_uint_as("ParseUint", s, bits)
}

fn parse_uint_as(func: &'static str, s: &str, bits: u32) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::new(func, s, NumErrorKind::Syntax));
    }
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(NumError::new(func, s, NumErrorKind::Syntax));
        }
        let next = n
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .filter(|v| *v <= max);
        match next {
            Some(v) => n = v,
            None => return Err(NumError::new(func, s, NumErrorKind::Range)),
        }
    }
    Ok(n)
}

/// Go's `strconv.ParseInt(s, 10, bits)`; `func` names the caller in the error
/// (`ParseInt`, or `Atoi` which accepts the same strings).
pub(crate) fn parse_int(func: &'static str, s: &str, bits: u32) -> Result<i64, NumError> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let un = match parse_uint_as(func, digits, bits) {
        Ok(v) => v,
        Err(e) if e.kind == NumErrorKind::Range => u64::MAX,
        Err(_) => return Err(NumError::new(func, s, NumErrorKind::Syntax)),
    };
    let cutoff = 1u64 << (bits.clamp(1, 64) - 1);
    if (!neg && un >= cutoff) || (neg && un > cutoff) {
        return Err(NumError::new(func, s, NumErrorKind::Range));
    }
    // `un <= cutoff <= 2^63`, so the negation below cannot overflow.
    let magnitude = i128::from(un);
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| NumError::new(func, s, NumErrorKind::Range))
}

/// Go's `strconv.Atoi` (64-bit `int`).
pub(crate) fn atoi(s: &str) -> Result<i64, NumError> {
    parse_int("Atoi", s, 64)
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Result<bool, NumError> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(NumError::new("ParseBool", s, NumErrorKind::Syntax)),
    }
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, orig.get(1..).unwrap_or_default()),
        Some(b'+') => (false, orig.get(1..).unwrap_or_default()),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let (nanos, rest) = duration_component(orig, s)?;
        s = rest;
        total = total
            .checked_add(nanos)
            .filter(|t| *t <= 1 << 63)
            .ok_or_else(invalid)?;
    }
    if neg {
        return Ok((-i128::from(total)) as i64);
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// One `[0-9]*(\.[0-9]*)?unit` step of `ParseDuration`: its nanoseconds and the rest.
fn duration_component<'a>(orig: &str, s: &'a str) -> Result<(u64, &'a str), String> {
    const LIMIT: u64 = 1 << 63;
    let invalid = || format!("time: invalid duration {}", quote(orig));
    if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
        return Err(invalid());
    }
    let (whole, mut rest) = leading_int(s).ok_or_else(invalid)?;
    let pre = rest.len() != s.len();
    let (mut frac, mut scale, mut post) = (0u64, 1f64, false);
    if let Some(after_dot) = rest.strip_prefix('.') {
        let (f, sc, r) = leading_fraction(after_dot);
        post = r.len() != after_dot.len();
        (frac, scale, rest) = (f, sc, r);
    }
    if !pre && !post {
        return Err(invalid());
    }
    let unit_len = rest
        .bytes()
        .position(|c| c == b'.' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    if unit_len == 0 {
        return Err(format!("time: missing unit in duration {}", quote(orig)));
    }
    let (unit_str, rest) = rest.split_at_checked(unit_len).ok_or_else(invalid)?;
    let unit = duration_unit(unit_str).ok_or_else(|| {
        let unit = quote(unit_str);
        format!("time: unknown unit {unit} in duration {}", quote(orig))
    })?;
    if whole > LIMIT / unit {
        return Err(invalid());
    }
    let mut v = whole * unit;
    if frac > 0 {
        // Go does this step in float64 too, which keeps fractions of hours exact to the ns.
        v += (frac as f64 * (unit as f64 / scale)) as u64;
        if v > LIMIT {
            return Err(invalid());
        }
    }
    Ok((v, rest))
}

fn leading_int(s: &str) -> Option<(u64, &str)> {
    let mut x: u64 = 0;
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    for c in s.get(..end).unwrap_or_default().bytes() {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
    }
    Some((x, s.get(end..).unwrap_or_default()))
}

fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let (mut x, mut scale, mut overflow) = (0u64, 1f64, false);
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    for c in s.get(..end).unwrap_or_default().bytes() {
        if overflow {
            continue;
        }
        if x > ((1u64 << 63) - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, s.get(end..).unwrap_or_default())
}

fn duration_unit(u: &str) -> Option<u64> {
    Some(match u {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

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
    #[case("abc", r#""abc""#)]
    #[case("a\"b\\c", r#""a\"b\\c""#)]
    #[case("100m\n", r#""100m\n""#)]
    #[case("\u{0}\u{7f}", r#""\x00\x7f""#)]
    #[case("\u{a0}é", r#""\u00a0é""#)]
    fn quote_matches_go(#[case] input: &str, #[case] want: &str) {
        assert_eq!(quote(input), want);
    }

    #[rstest]
    #[case("0", 16, Ok(0))]
    #[case("65535", 16, Ok(65535))]
    #[case("65536", 16, Err(NumErrorKind::Range))]
    #[case("99999x", 16, Err(NumErrorKind::Range))]
    #[case("9x", 16, Err(NumErrorKind::Syntax))]
    #[case("", 16, Err(NumErrorKind::Syntax))]
    #[case("+1", 16, Err(NumErrorKind::Syntax))]
    #[case(" 1", 16, Err(NumErrorKind::Syntax))]
    #[case("1_0", 16, Err(NumErrorKind::Syntax))]
    #[case("4294967295", 32, Ok(4_294_967_295))]
    #[case("4294967296", 32, Err(NumErrorKind::Range))]
    #[case("-1", 32, Err(NumErrorKind::Syntax))]
    fn parse_uint_matches_go(
        #[case] input: &str,
        #[case] bits: u32,
        #[case] want: Result<u64, NumErrorKind>,
    ) {
        assert_eq!(parse_uint(input, bits).map_err(|e| e.kind()), want);
    }

    #[test]
    fn num_error_text_is_go_text() {
        let e = parse_uint("bad", 16).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"strconv.ParseUint: parsing "bad": invalid syntax"#
        );
        let e = parse_uint("70000", 16).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"strconv.ParseUint: parsing "70000": value out of range"#
        );
        let e = parse_bool("yes").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"strconv.ParseBool: parsing "yes": invalid syntax"#
        );
        let e = atoi("+").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"strconv.Atoi: parsing "+": invalid syntax"#
        );
    }

    #[rstest]
    #[case("-9223372036854775808", Ok(i64::MIN))]
    #[case("9223372036854775807", Ok(i64::MAX))]
    #[case("9223372036854775808", Err(NumErrorKind::Range))]
    #[case("+15", Ok(15))]
    #[case("-0", Ok(0))]
    #[case("--1", Err(NumErrorKind::Syntax))]
    #[case("", Err(NumErrorKind::Syntax))]
    fn atoi_matches_go(#[case] input: &str, #[case] want: Result<i64, NumErrorKind>) {
        assert_eq!(atoi(input).map_err(|e| e.kind()), want);
    }

    #[rstest]
    #[case("1", true)]
    #[case("t", true)]
    #[case("True", true)]
    #[case("TRUE", true)]
    #[case("0", false)]
    #[case("F", false)]
    #[case("False", false)]
    fn parse_bool_accepts_go_spellings(#[case] input: &str, #[case] want: bool) {
        assert_eq!(parse_bool(input), Ok(want));
    }

    #[rstest]
    #[case("yes")]
    #[case("tRUE")]
    #[case(" true")]
    #[case("")]
    fn parse_bool_rejects_others(#[case] input: &str) {
        assert!(parse_bool(input).is_err());
    }

    #[rstest]
    #[case("45s", Ok(45_000_000_000))]
    #[case("1m30s", Ok(90_000_000_000))]
    #[case("1.5h", Ok(5_400_000_000_000))]
    #[case("-2ms", Ok(-2_000_000))]
    #[case("0", Ok(0))]
    #[case("+0", Ok(0))]
    #[case(".5s", Ok(500_000_000))]
    #[case("5.s", Ok(5_000_000_000))]
    #[case("1\u{b5}s", Ok(1_000))]
    #[case("2562047h47m16.854775807s", Ok(i64::MAX))]
    #[case("2562047h47m16.854775808s", Err(()))]
    #[case("-2562047h47m16.854775808s", Ok(i64::MIN))]
    #[case("", Err(()))]
    #[case("1", Err(()))]
    #[case("1d", Err(()))]
    #[case(".s", Err(()))]
    #[case("1s ", Err(()))]
    fn parse_duration_matches_go(#[case] input: &str, #[case] want: Result<i64, ()>) {
        assert_eq!(parse_duration(input).map_err(|_| ()), want);
    }

    #[test]
    fn duration_errors_are_go_text() {
        assert_eq!(
            parse_duration("1").unwrap_err(),
            r#"time: missing unit in duration "1""#
        );
        assert_eq!(
            parse_duration("1d").unwrap_err(),
            r#"time: unknown unit "d" in duration "1d""#
        );
        assert_eq!(
            parse_duration("x").unwrap_err(),
            r#"time: invalid duration "x""#
        );
    }

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
