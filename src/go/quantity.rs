//! Resource quantities as Go's `resource.Quantity` (apimachinery v0.35.3) parses and prints them:
//! `validate` (the verdict of `ParseQuantity`) and `canonicalize` (what `String()` prints), one scan.
//!
//! Go keeps the suffix family of the input (binary SI `Ki`…`Ei`, decimal SI `n`…`E`, decimal
//! exponent `e3`), and prints the value in canonical form: no fraction, the largest suffix of the
//! family that keeps it whole. Two quirks are part of the output and are reproduced here:
//! - a string Go's fast path already deems canonical is printed back verbatim, so `+1`, `007`,
//!   `1.500`, `5.` and `1E3` survive as written;
//! - values are rounded up to whole nano units, and binary SI values are capped at 2^63-1.
//!
//! The value is held as `± mantissa × 10^exponent` with a `u128` mantissa instead of Go's
//! arbitrary-precision decimal; inputs needing more than 38 significant digits are refused.

use std::fmt::Write as _;

/// Why a quantity string is refused. The first three are Go's own errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    Format,
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    #[error("unable to parse quantity's suffix")]
    Suffix,
    #[error("more than 38 significant digits")]
    TooPrecise,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    DecimalExponent,
    BinarySi,
    DecimalSi,
}

/// `± mant × 10^exp`, with the format it will be printed in.
struct Amount {
    neg: bool,
    mant: u128,
    exp: i64,
    format: Format,
}

/// The pieces Go's `parseQuantityString` cuts a quantity into.
struct Scanned<'a> {
    positive: bool,
    /// The signed number without suffix (what Go's slow path re-parses).
    value: &'a str,
    /// Integer digits, leading zeros stripped ("0" when none are left).
    num: &'a str,
    /// Fraction digits.
    denom: &'a str,
    suffix: &'a str,
}

/// Go's `resource.ParseQuantity` verdict alone, which Istio's annotation checks use: `Ok` when
/// Go accepts `q`, else Go's error. The same scan as `canonicalize`; values past 38 significant
/// digits, which only our printing refuses, are accepted as Go accepts them.
pub fn validate(q: &str) -> Result<(), QuantityError> {
    match canonicalize(q) {
        Ok(_) | Err(QuantityError::TooPrecise) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The string Go's `Quantity.String()` prints for `q` (as given to `ParseQuantity`, so not trimmed).
pub fn canonicalize(q: &str) -> Result<String, QuantityError> {
    if q.is_empty() {
        return Err(QuantityError::Format);
    }
    if q == "0" {
        return Ok("0".to_owned());
    }
    let scanned = scan(q)?;
    let (base, exponent, format) = interpret(scanned.suffix).ok_or(QuantityError::Suffix)?;
    match fast_path(&scanned, base, exponent, format) {
        Some(FastPath::Verbatim) => Ok(q.to_owned()),
        Some(FastPath::Value(amount)) => render(amount),
        None => render(slow_path(&scanned, base, exponent, format)?),
    }
}

/// Go's `parseQuantityString`, byte for byte.
fn scan(s: &str) -> Result<Scanned<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while b.get(pos) == Some(&b'0') {
        pos += 1;
    }
    let done = |value, num, denom, suffix| {
        Ok(Scanned {
            positive,
            value,
            num,
            denom,
            suffix,
        })
    };
    if pos >= end {
        return done("0", "0", "", "");
    }
    let start = pos;
    while b.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    if pos >= end {
        return done(s, s.get(start..).unwrap_or_default(), "", "");
    }
    let num = if pos == start {
        "0"
    } else {
        s.get(start..pos).unwrap_or_default()
    };
    let mut denom = "";
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let dstart = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        denom = s.get(dstart..pos).unwrap_or_default();
        if pos >= end {
            return done(s, num, denom, "");
        }
    }
    if !is_suffix(b.get(pos..).unwrap_or_default()) {
        return Err(QuantityError::Format);
    }
    done(
        s.get(..pos).unwrap_or_default(),
        num,
        denom,
        s.get(pos..).unwrap_or_default(),
    )
}

/// Whether `b` is suffix letters, then an optional sign and digits (Go's suffix scan).
fn is_suffix(b: &[u8]) -> bool {
    let letters = b.iter().take_while(|c| b"eEinumkKMGTP".contains(c)).count();
    let mut rest = b.get(letters..).unwrap_or_default();
    if let [b'-' | b'+', tail @ ..] = rest {
        rest = tail;
    }
    rest.iter().all(u8::is_ascii_digit)
}

/// Go's suffixer: (base, exponent, format) of a suffix.
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    let dec = |e| Some((10, e, Format::DecimalSi));
    let bin = |e| Some((2, e, Format::BinarySi));
    match suffix {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ if suffix.len() > 1 && (suffix.starts_with('e') || suffix.starts_with('E')) => {
            // Go parses 64 bits, then truncates to int32.
            let parsed: i64 = suffix.get(1..).unwrap_or_default().parse().ok()?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

enum FastPath {
    /// Go caches the input string and prints it back unchanged.
    Verbatim,
    Value(Amount),
}

/// Whether `q` is already what Go's `Quantity.String()` prints for it (`canonicalize(q) == q`),
/// without allocating in the common case (Go's fast path prints the input back verbatim).
pub fn is_canonical(q: &str) -> bool {
    if q.is_empty() {
        return false;
    }
    if q == "0" {
        return true;
    }
    let Ok(scanned) = scan(q) else {
        return false;
    };
    let Some((base, exponent, format)) = interpret(scanned.suffix) else {
        return false;
    };
    let rendered = match fast_path(&scanned, base, exponent, format) {
        Some(FastPath::Verbatim) => return true,
        Some(FastPath::Value(amount)) => render(amount),
        None => slow_path(&scanned, base, exponent, format).and_then(render),
    };
    rendered.is_ok_and(|r| r == q)
}

/// Go's int64 fast path; `None` where Go falls through to its arbitrary-precision path.
fn fast_path(s: &Scanned<'_>, base: u32, exponent: i32, format: Format) -> Option<FastPath> {
    let digits = s.num.len() + s.denom.len();
    let (scale, precision, mantissa) = if base == 10 {
        (exponent, 18 - digits as i64, 1i64)
    } else if exponent >= 0 && s.denom.is_empty() {
        let magnitude = i64::from(exponent) * 3 / 10;
        (0, 15 - s.num.len() as i64 - magnitude - 1, 1i64 << exponent)
    } else {
        return None;
    };
    if precision < 0 {
        return None;
    }
    let scale = scale.wrapping_sub(s.denom.len() as i32);
    if scale < -9 {
        return None;
    }
    // At most 18 digits: fits an i64.
    let value = s
        .num
        .bytes()
        .chain(s.denom.bytes())
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    let result = value.checked_mul(mantissa)?;
    let verbatim = if format == Format::BinarySi {
        exponent % 10 == 0 && value & 0x07 != 0
    } else {
        scale % 3 == 0 && !shifted_ends_with_000(s) && !s.num.starts_with('0')
    };
    if verbatim {
        return Some(FastPath::Verbatim);
    }
    Some(FastPath::Value(Amount {
        neg: !s.positive,
        mant: result as u128,
        exp: i64::from(scale),
        format,
    }))
}

/// Whether `num + denom` ends in "000".
fn shifted_ends_with_000(s: &Scanned<'_>) -> bool {
    let tail = s.num.bytes().chain(s.denom.bytes()).rev().take(3);
    tail.clone().count() == 3 && tail.into_iter().all(|d| d == b'0')
}

/// Go's `inf.Dec` path: exact value, rounded up to nano units, binary SI capped at 2^63-1.
fn slow_path(
    s: &Scanned<'_>,
    base: u32,
    exponent: i32,
    mut format: Format,
) -> Result<Amount, QuantityError> {
    if !s.value.bytes().any(|b| b.is_ascii_digit()) {
        return Err(QuantityError::Numeric);
    }
    let (mut mant, mut exp) = parse_digits(s.num, s.denom)?;
    if base == 10 {
        exp += i64::from(exponent);
    } else {
        mant = mant
            .checked_mul(1u128 << exponent)
            .ok_or(QuantityError::TooPrecise)?;
    }
    if mant == 0 {
        return Ok(Amount {
            neg: false,
            mant: 0,
            exp: 0,
            format,
        });
    }
    if exp < -9 {
        let (q, r) = div_pow10(mant, -9 - exp);
        mant = q + u128::from(r != 0);
        exp = -9;
    }
    const MAX: u128 = i64::MAX as u128;
    if format == Format::BinarySi {
        let (int, frac) = split(mant, exp);
        if int.is_none_or(|i| i > MAX || (i == MAX && frac)) {
            (mant, exp) = (MAX, 0);
        } else if int == Some(0) {
            format = Format::DecimalSi;
        }
    }
    Ok(Amount {
        neg: !s.positive,
        mant,
        exp,
        format,
    })
}

/// `num.denom` as mantissa and exponent, trailing zeros folded into the exponent.
fn parse_digits(num: &str, denom: &str) -> Result<(u128, i64), QuantityError> {
    let mut mant: u128 = 0;
    let mut zeros: u32 = 0;
    for d in num.bytes().chain(denom.bytes()) {
        if d == b'0' {
            zeros += 1;
            continue;
        }
        let digit = u128::from(d - b'0');
        mant = if mant == 0 {
            digit // leading zeros carry no weight
        } else {
            10u128
                .checked_pow(zeros + 1)
                .and_then(|p| mant.checked_mul(p))
                .and_then(|m| m.checked_add(digit))
                .ok_or(QuantityError::TooPrecise)?
        };
        zeros = 0;
    }
    if mant == 0 {
        return Ok((0, 0));
    }
    Ok((mant, i64::from(zeros) - denom.len() as i64))
}

/// `(mant / 10^shift, mant % 10^shift)`, for any non-negative shift.
fn div_pow10(mant: u128, shift: i64) -> (u128, u128) {
    match u32::try_from(shift)
        .ok()
        .and_then(|s| 10u128.checked_pow(s))
    {
        Some(p) => (mant / p, mant % p),
        None => (0, mant),
    }
}

/// Integer part of `mant × 10^exp` (`None` when it overflows u128) and whether a fraction is left.
fn split(mant: u128, exp: i64) -> (Option<u128>, bool) {
    if exp >= 0 {
        let int = u32::try_from(exp)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .and_then(|p| mant.checked_mul(p));
        (int, false)
    } else {
        let (q, r) = div_pow10(mant, -exp);
        (Some(q), r != 0)
    }
}

/// Go's `CanonicalizeBytes`.
fn render(a: Amount) -> Result<String, QuantityError> {
    if a.mant == 0 {
        return Ok("0".to_owned());
    }
    let mut out = String::with_capacity(16);
    if a.neg {
        out.push('-');
    }
    if a.format == Format::BinarySi {
        if let (Some(int), false) = split(a.mant, a.exp) {
            if int >= 1024 {
                let (mut n, mut times) = (int, 0usize);
                while n >= 1024 && n % 1024 == 0 {
                    n /= 1024;
                    times += 1;
                }
                let _ = write!(out, "{n}");
                out.push_str(
                    ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                        .get(times)
                        .unwrap_or(&""),
                );
                return Ok(out);
            }
        }
    }
    let (mut mant, mut exp) = (a.mant, a.exp);
    while mant % 10 == 0 {
        mant /= 10;
        exp += 1;
    }
    while exp % 3 != 0 {
        mant = mant.checked_mul(10).ok_or(QuantityError::TooPrecise)?;
        exp -= 1;
    }
    let _ = write!(out, "{mant}");
    if a.format == Format::DecimalExponent {
        if exp != 0 {
            let _ = write!(out, "e{exp}");
        }
    } else {
        // Go prints no suffix at all when the exponent is outside n..E (a Go quirk, kept).
        let idx = usize::try_from(exp / 3 + 3).ok();
        let suffixes = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];
        out.push_str(idx.and_then(|i| suffixes.get(i)).unwrap_or(&""));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
