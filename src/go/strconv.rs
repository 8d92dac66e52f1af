//! Go's `strconv`: `ParseUint`/`ParseInt`/`Atoi`/`ParseBool`/`Quote`. Each accepts exactly
//! what Go accepts and words its error as Go does, because Istio passes those errors through
//! verbatim.

use std::fmt;

use super::unicode::is_print;

/// Go's `strconv.Quote`: a double-quoted string with Go escapes.
///
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
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
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
}
