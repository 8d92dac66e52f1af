//! Numeric constants: Go's `newNumber`, every interpretation Go accepts.

use crate::template::node::Number;
use crate::template::unquote::unquote_char;

/// Parses an integer with Go's base prefixes (`0x`, `0o`, `0b`, leading `0`).
fn parse_go_int(text: &str) -> Option<i128> {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or_default()),
        Some(b'+') => (false, text.get(1..).unwrap_or_default()),
        _ => (false, text),
    };
    let body = body.replace('_', "");
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.get(1..).unwrap_or_default().to_string())
    } else {
        (10, lower)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let v = i128::from_str_radix(&digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// Go's `newNumber`: every interpretation of a numeric constant.
pub(crate) fn number(text: &str) -> Result<Number, String> {
    if text.starts_with('\'') {
        let c = unquote_char(text)?;
        return Ok(Number {
            text: text.to_string(),
            int: Some(i64::from(u32::from(c))),
            float: Some(f64::from(u32::from(c))),
            is_char: true,
        });
    }
    if text.ends_with('i') {
        return Err(format!("complex constants are not supported: {text:?}"));
    }
    let mut n = Number {
        text: text.to_string(),
        int: None,
        float: None,
        is_char: false,
    };
    if let Some(v) = parse_go_int(text) {
        n.int = i64::try_from(v).ok();
        if n.int.is_none() {
            return Err(format!("{text} overflows int"));
        }
        n.float = n.int.map(|i| i as f64);
        return Ok(n);
    }
    let is_hex = text
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .starts_with("0x");
    match text.replace('_', "").parse::<f64>() {
        Ok(f) if !is_hex && f.is_finite() => {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(format!("integer overflow: {text:?}"));
            }
            n.float = Some(f);
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                n.int = Some(f as i64);
            }
            Ok(n)
        }
        _ => Err(format!("illegal number syntax: {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("0x1F", Some(31), Some(31.0))]
    #[case("1.0", Some(1), Some(1.0))]
    #[case("1.5", None, Some(1.5))]
    #[case("'a'", Some(97), Some(97.0))]
    #[case("-7", Some(-7), Some(-7.0))]
    #[case("1e3", Some(1000), Some(1000.0))]
    fn numbers(#[case] text: &str, #[case] int: Option<i64>, #[case] float: Option<f64>) {
        let n = number(text).unwrap();
        assert_eq!((n.int, n.float), (int, float));
    }
}
