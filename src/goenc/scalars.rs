//! Number and time spellings as Go produces them on the way in and out of `encoding/json`.
//!
//! - `sigs.k8s.io/yaml` turns a YAML number or bool meant for a Go string into a string
//!   (`strconv.FormatInt`, or `FormatFloat(f, 'g', -1, 32)` for floats: float32 precision).
//! - A YAML number meant for a `resource.Quantity` reaches it as Go's JSON spelling of a float64
//!   (`'f'` format, `'e'` below 1e-6 or from 1e21).
//! - `metav1.Time` parses RFC 3339 and prints it in UTC, whole seconds.

use serde_json::Number;

/// The string `sigs.k8s.io/yaml` makes of a YAML number bound for a Go string.
pub(crate) fn yaml_number_as_string(n: &Number) -> String {
    if n.is_f64() {
        n.as_f64().map(format_g32).unwrap_or_default()
    } else {
        n.to_string()
    }
}

/// How Go's `encoding/json` writes a number it decoded from YAML (ints as ints, floats as float64).
pub(crate) fn json_number(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => format_json_f64(f),
        _ => n.to_string(),
    }
}

/// Shortest digits and decimal exponent of `f`: `f = 0.d1d2… × 10^point`, from Rust's shortest
/// round-trip `{:e}` form (the same digits Go's shortest formatting picks).
fn digits(sci: &str) -> (bool, String, i32) {
    let (neg, sci) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (neg, digits, exp + 1)
}

/// Go's `%e` body: `d.ddde±XX` (at least two exponent digits).
fn fmt_e(neg: bool, digits: &str, point: i32) -> String {
    let exp = point - 1;
    let sign = if neg { "-" } else { "" };
    let (first, rest) = digits.split_at_checked(1).unwrap_or((digits, ""));
    let dot = if rest.is_empty() { "" } else { "." };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.unsigned_abs())
}

/// Go's `%f` body with exactly the shortest digits.
fn fmt_f(neg: bool, digits: &str, point: i32) -> String {
    let mut out = String::with_capacity(digits.len() + 8);
    if neg {
        out.push('-');
    }
    let nd = digits.len() as i32;
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(digits);
    } else if point >= nd {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (point - nd) as usize));
    } else {
        let (int, frac) = digits
            .split_at_checked(point as usize)
            .unwrap_or((digits, ""));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`.
fn format_g32(f: f64) -> String {
    let (neg, digits, point) = digits(&format!("{:e}", f as f32));
    if digits.bytes().all(|d| d == b'0') {
        return if neg { "-0" } else { "0" }.to_owned();
    }
    let exp = point - 1;
    if !(-4..6).contains(&exp) {
        fmt_e(neg, &digits, point)
    } else {
        fmt_f(neg, &digits, point)
    }
}

/// `encoding/json`'s float64 encoder.
fn format_json_f64(f: f64) -> String {
    let (neg, digits, point) = digits(&format!("{f:e}"));
    if digits.bytes().all(|d| d == b'0') {
        return if neg { "-0" } else { "0" }.to_owned();
    }
    if (1e-6..1e21).contains(&f.abs()) {
        return fmt_f(neg, &digits, point);
    }
    let mut s = fmt_e(neg, &digits, point);
    // Go cleans "e-07" to "e-7".
    if s.contains("e-0") {
        s = s.replacen("e-0", "e-", 1);
    }
    s
}

/// The integer a JSON number denotes, if it is a whole number in range for `bits`.
pub(crate) fn go_int(n: &Number, bits: u32) -> Option<i64> {
    let v = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        (None, Some(f)) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.2e18 => f as i64,
        _ => return None,
    };
    let (min, max) = if bits == 32 {
        (i64::from(i32::MIN), i64::from(i32::MAX))
    } else {
        (i64::MIN, i64::MAX)
    };
    (min..=max).contains(&v).then_some(v)
}

/// Parses RFC 3339 as Go's `time.Parse(time.RFC3339, …)` fast path does and prints the
/// instant as `metav1.Time` does: UTC, whole seconds. `None` when Go would refuse it.
pub(crate) fn normalize_time(s: &str) -> Option<String> {
    let secs = parse_time(s)?;
    let (days, tod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    ))
}

/// Whether `normalize_time(s)` is `s` itself, without allocating: whole seconds in UTC
/// (`…:SSZ`, 20 bytes) that Go parses. Its fields are then printed back digit for digit.
pub(crate) fn is_normal_time(s: &str) -> bool {
    s.len() == 20 && s.as_bytes().get(19) == Some(&b'Z') && parse_time(s).is_some()
}

/// Seconds since the epoch of an RFC 3339 time, as Go's `time.Parse` fast path reads it.
fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || !s.is_ascii() {
        return None;
    }
    let num = |from: usize, to: usize, min: i64, max: i64| -> Option<i64> {
        let text = s.get(from..to)?;
        let v: i64 = text
            .parse()
            .ok()
            .filter(|_| text.bytes().all(|c| c.is_ascii_digit()))?;
        (min..=max).contains(&v).then_some(v)
    };
    let year = num(0, 4, 0, 9999)?;
    let month = num(5, 7, 1, 12)?;
    let day = num(8, 10, 1, days_in_month(year, month))?;
    let (hour, min, sec) = (
        num(11, 13, 0, 23)?,
        num(14, 16, 0, 59)?,
        num(17, 19, 0, 59)?,
    );
    let sep = |i: usize| b.get(i).copied();
    if (sep(4), sep(7), sep(10), sep(13), sep(16))
        != (Some(b'-'), Some(b'-'), Some(b'T'), Some(b':'), Some(b':'))
    {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 {
            rest = frac.get(n..)?;
        }
    }
    let offset = if rest == "Z" {
        0
    } else {
        let [sign @ (b'+' | b'-'), _, _, b':', _, _] = rest.as_bytes() else {
            return None;
        };
        let hh: i64 = rest
            .get(1..3)?
            .parse()
            .ok()
            .filter(|h| (0..=23).contains(h))?;
        let mm: i64 = rest
            .get(4..6)?
            .parse()
            .ok()
            .filter(|m| (0..=59).contains(m))?;
        let off = (hh * 60 + mm) * 60;
        if *sign == b'-' {
            -off
        } else {
            off
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn num(v: serde_json::Value) -> Number {
        match v {
            serde_json::Value::Number(n) => n,
            other => panic!("not a number: {other}"),
        }
    }

    #[rstest]
    #[case(serde_json::json!(80), "80")]
    #[case(serde_json::json!(-3), "-3")]
    #[case(serde_json::json!(1.0), "1")]
    #[case(serde_json::json!(1.5), "1.5")]
    #[case(serde_json::json!(1.1), "1.1")]
    #[case(serde_json::json!(0.0001), "0.0001")]
    #[case(serde_json::json!(0.00001), "1e-05")]
    #[case(serde_json::json!(100000.0), "100000")]
    #[case(serde_json::json!(1000000.0), "1e+06")]
    #[case(serde_json::json!(123456789.0), "1.2345679e+08")]
    #[case(serde_json::json!(1.23456789), "1.2345679")]
    fn yaml_numbers_bound_for_strings(#[case] v: serde_json::Value, #[case] expected: &str) {
        assert_eq!(yaml_number_as_string(&num(v)), expected);
    }

    #[rstest]
    #[case(serde_json::json!(1000), "1000")]
    #[case(serde_json::json!(0.5), "0.5")]
    #[case(serde_json::json!(1000.0), "1000")]
    #[case(serde_json::json!(1e21), "1e+21")]
    #[case(serde_json::json!(1.5e-7), "1.5e-7")]
    #[case(serde_json::json!(1e-10), "1e-10")]
    #[case(serde_json::json!(123456789012.5), "123456789012.5")]
    fn json_spelling_of_numbers(#[case] v: serde_json::Value, #[case] expected: &str) {
        assert_eq!(json_number(&num(v)), expected);
    }

    #[rstest]
    #[case(serde_json::json!(5), 32, Some(5))]
    #[case(serde_json::json!(5.0), 32, Some(5))]
    #[case(serde_json::json!(5.5), 32, None)]
    #[case(serde_json::json!(2147483648_i64), 32, None)]
    #[case(serde_json::json!(2147483648_i64), 64, Some(2_147_483_648))]
    #[case(serde_json::json!(u64::MAX), 64, None)]
    fn integers(#[case] v: serde_json::Value, #[case] bits: u32, #[case] expected: Option<i64>) {
        assert_eq!(go_int(&num(v), bits), expected);
    }

    #[rstest]
    #[case("2024-01-02T03:04:05Z", Some("2024-01-02T03:04:05Z"))]
    #[case("2024-01-02T03:04:05.123456Z", Some("2024-01-02T03:04:05Z"))]
    #[case("2024-01-02T01:04:05+02:00", Some("2024-01-01T23:04:05Z"))]
    #[case("2024-12-31T23:30:00-01:00", Some("2025-01-01T00:30:00Z"))]
    #[case("2024-02-29T00:00:00Z", Some("2024-02-29T00:00:00Z"))]
    #[case("2023-02-29T00:00:00Z", None)]
    #[case("2024-01-02 03:04:05Z", None)]
    #[case("2024-01-02T03:04:05", None)]
    #[case("yesterday", None)]
    #[case("0001-01-01T00:00:00Z", Some("0001-01-01T00:00:00Z"))]
    #[case("2024-01-02T03:04:05+00:00", Some("2024-01-02T03:04:05Z"))]
    fn times(#[case] input: &str, #[case] expected: Option<&str>) {
        assert_eq!(normalize_time(input).as_deref(), expected);
        assert_eq!(is_normal_time(input), expected == Some(input), "{input}");
    }
}
