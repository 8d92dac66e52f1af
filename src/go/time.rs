//! Go's `time`: `ParseDuration` (accepting exactly Go's syntax, with its overflow rules and
//! messages) and `Duration.String()` (`1h0m0s`, `1.5s`, `2ms`), which Istio's messages use.

use super::strconv::quote;

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

/// Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `2ms`, `0s`.
pub(crate) fn duration_string(nanos: i64) -> String {
    fn fraction(value: u64, precision: u32) -> (String, u64) {
        let scale = 10u64.pow(precision);
        let digits = format!("{:0width$}", value % scale, width = precision as usize);
        let digits = digits.trim_end_matches('0');
        let text = if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        };
        (text, value / scale)
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".to_owned();
    }
    let body = if u < 1_000_000_000 {
        let (precision, unit) = match u {
            0..=999 => (0, "ns"),
            1_000..=999_999 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (frac, whole) = fraction(u, precision);
        format!("{whole}{frac}{unit}")
    } else {
        let (frac, seconds) = fraction(u, 9);
        let (minutes, hours) = (seconds / 60 % 60, seconds / 3600);
        match (hours, minutes) {
            (0, 0) => format!("{}{frac}s", seconds % 60),
            (0, _) => format!("{minutes}m{}{frac}s", seconds % 60),
            _ => format!("{hours}h{minutes}m{}{frac}s", seconds % 60),
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("45s", Ok(45_000_000_000))]
    #[case("1m30s", Ok(90_000_000_000))]
    #[case("1.5h", Ok(5_400_000_000_000))]
    #[case("1.5h30m", Ok(7_200_000_000_000))]
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
    #[case(0, "0s")]
    #[case(1_000_000, "1ms")]
    #[case(1_500, "1.5µs")]
    #[case(3_600 * 1_000_000_000, "1h0m0s")]
    #[case(7_201_500_000_000, "2h0m1.5s")]
    #[case(61 * 1_000_000_000, "1m1s")]
    #[case(-1_000_000_000, "-1s")]
    fn go_durations_print(#[case] nanos: i64, #[case] text: &str) {
        assert_eq!(duration_string(nanos), text);
    }
}
