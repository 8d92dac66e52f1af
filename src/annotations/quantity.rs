//! Kubernetes' `resource.ParseQuantity` (apimachinery v0.35, as vendored by Istio 1.30.3),
//! reduced to its verdict: which strings it accepts and which of its three errors it gives.
//!
//! The verdict is subtler than the regular expression its error message quotes: "." and "+"
//! parse (as zero), ".Ti" parses but ".Pi" does not, because Go's fast path (int64
//! arithmetic) succeeds on a value with no digits while its slow path (`inf.Dec`) refuses it.
//! We follow the same branches so every such corner falls the same way.

use std::fmt;

/// The three errors `ParseQuantity` can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    /// `ErrFormatWrong`
    FormatWrong,
    /// `ErrNumeric`
    Numeric,
    /// `ErrSuffix`
    Suffix,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::FormatWrong => {
                "quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            }
            QuantityError::Numeric => "unable to parse numeric part of quantity",
            QuantityError::Suffix => "unable to parse quantity's suffix",
        })
    }
}

impl std::error::Error for QuantityError {}

/// The pieces `parseQuantityString` splits a quantity into.
struct Parts<'a> {
    /// Sign, integer and fraction digits as written (the text `inf.Dec` would read).
    value: &'a str,
    /// Integer digits with leading zeros stripped ("0" when none are left).
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// Checks `s` the way `resource.ParseQuantity` does.
pub(crate) fn parse_quantity(s: &str) -> Result<(), QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::FormatWrong);
    }
    if s == "0" {
        return Ok(());
    }
    let parts = split(s)?;
    let (exponent, format) = interpret_suffix(parts.suffix).ok_or(QuantityError::Suffix)?;
    let digits = (parts.num.len() + parts.denom.len()) as i64;
    let (precision, mut scale) = match format {
        Format::DecimalSi | Format::DecimalExponent => (18 - digits, i64::from(exponent)),
        Format::BinarySi if parts.denom.is_empty() => {
            // Go computes `int32(float32(exponent)*3/10)`; exponents are multiples of ten.
            let approx_digits = i64::from(exponent) * 3 / 10;
            (15 - parts.num.len() as i64 - approx_digits - 1, 0)
        }
        Format::BinarySi => (-1, 0),
    };
    if precision >= 0 {
        scale -= parts.denom.len() as i64;
        if scale >= -9 {
            // Go's int64 fast path: at most 18 digits times a power of two that fits, so
            // it only falls through to the slow path when the product overflows, and that
            // needs digits, which the slow path accepts.
            return Ok(());
        }
    }
    // The slow path hands `value` to `inf.Dec.SetString`, which needs at least one digit.
    if parts.value.bytes().any(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(QuantityError::Numeric)
    }
}

impl<'a> Parts<'a> {
    /// A quantity that ends within its number: no suffix.
    fn bare(value: &'a str, num: &'a str, denom: &'a str) -> Self {
        Parts {
            value,
            num,
            denom,
            suffix: "",
        }
    }
}

/// Go's `parseQuantityString`, which scans bytes: sign, zeros, digits, `.` digits, then a
/// suffix of letters from "eEinumkKMGTP" with an optional signed exponent.
fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let skip = |from: usize, set: &dyn Fn(u8) -> bool| {
        from + b
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| set(**c))
            .count()
    };
    let digit = |c: u8| c.is_ascii_digit();
    let mut pos = skip(usize::from(matches!(b.first(), Some(b'+' | b'-'))), &|c| {
        c == b'0'
    });
    if pos >= end {
        return Ok(Parts::bare("0", "0", ""));
    }
    let num_start = pos;
    pos = skip(pos, &digit);
    if pos >= end {
        return Ok(Parts::bare(s, s.get(num_start..).unwrap_or_default(), ""));
    }
    // Only zeros before the point (or none at all): Go counts the integer part as "0".
    let num = if pos == num_start {
        "0"
    } else {
        s.get(num_start..pos).unwrap_or_default()
    };
    let mut denom = "";
    if b.get(pos) == Some(&b'.') {
        let denom_start = pos + 1;
        pos = skip(denom_start, &digit);
        if pos >= end {
            return Ok(Parts::bare(
                s,
                num,
                s.get(denom_start..).unwrap_or_default(),
            ));
        }
        denom = s.get(denom_start..pos).unwrap_or_default();
    }
    let value = s.get(..pos).unwrap_or_default();
    let suffix_start = pos;
    pos = skip(pos, &|c| b"eEinumkKMGTP".contains(&c));
    if matches!(b.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    if skip(pos, &digit) < end {
        // Something other than a digit follows the suffix letters.
        return Err(QuantityError::FormatWrong);
    }
    Ok(Parts {
        value,
        num,
        denom,
        suffix: s.get(suffix_start..).unwrap_or_default(),
    })
}

/// Go's `suffixer.interpret`: the power of ten or two a suffix stands for.
fn interpret_suffix(suffix: &str) -> Option<(i32, Format)> {
    let decimal = |e| Some((e, Format::DecimalSi));
    let binary = |e| Some((e, Format::BinarySi));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E']).filter(|r| !r.is_empty())?;
            let parsed = super::go::parse_int("ParseInt", rest, 64).ok()?;
            // Go truncates to int32 the same way.
            Some((parsed as i32, Format::DecimalExponent))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("100m")]
    #[case("128Mi")]
    #[case("2")]
    #[case("1Gi")]
    #[case("0")]
    #[case("000")]
    #[case("-1")]
    #[case("+1.5")]
    #[case("1.")]
    #[case(".5")]
    #[case(".")]
    #[case("+")]
    #[case("-")]
    #[case("1.G")]
    #[case("1e3")]
    #[case("1E-3")]
    #[case("1e+3")]
    #[case("1E")]
    #[case("1.5Gi")]
    #[case("123456789012345678901234567890")]
    #[case("1n")]
    #[case("0.0000000001")]
    #[case(".Ti")]
    #[case(".e-9")]
    #[case("1e4294967286")]
    fn quantities_kubernetes_accepts(#[case] input: &str) {
        assert_eq!(parse_quantity(input), Ok(()), "{input}");
    }

    #[rstest]
    #[case("", QuantityError::FormatWrong)]
    #[case("invalid", QuantityError::FormatWrong)]
    #[case("100m\n", QuantityError::FormatWrong)]
    #[case(" 1", QuantityError::FormatWrong)]
    #[case("1 ", QuantityError::FormatWrong)]
    #[case("1..2", QuantityError::FormatWrong)]
    #[case("1Gi\u{0}", QuantityError::FormatWrong)]
    #[case("1x", QuantityError::FormatWrong)]
    #[case("1e", QuantityError::Suffix)]
    #[case("1Kb", QuantityError::FormatWrong)]
    #[case("1K", QuantityError::Suffix)]
    #[case("1mi", QuantityError::Suffix)]
    #[case("1e1.5", QuantityError::FormatWrong)]
    #[case("1e99999999999999999999", QuantityError::Suffix)]
    #[case("1-", QuantityError::Suffix)]
    #[case(".Pi", QuantityError::Numeric)]
    #[case(".Ei", QuantityError::Numeric)]
    #[case(".e-10", QuantityError::Numeric)]
    #[case("-.e4294967286", QuantityError::Numeric)]
    fn quantities_kubernetes_refuses(#[case] input: &str, #[case] want: QuantityError) {
        assert_eq!(parse_quantity(input), Err(want), "{input}");
    }
}
