//! Go's float text: `strconv.FormatFloat(f, 'g', -1, 64)` (what `%v` prints)
//! and `encoding/json`'s number form, built from Rust's shortest round-trip digits.

/// Sign, decimal digits (no leading zeros) and decimal exponent of the first
/// digit, for the shortest representation that round-trips.
pub(crate) fn shortest(f: f64) -> (bool, String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (
        f.is_sign_negative(),
        digits.to_string(),
        exp.parse().unwrap_or(0),
    )
}

pub(crate) fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

pub(crate) fn fmt_e(neg: bool, digits: &str, exp: i32) -> String {
    let mut s = String::from(if neg { "-" } else { "" });
    s.push_str(digits.get(..1).unwrap_or_default());
    if digits.len() > 1 {
        s.push('.');
        s.push_str(digits.get(1..).unwrap_or_default());
    }
    s.push_str(&format!(
        "e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    ));
    s
}

pub(crate) fn fmt_f(neg: bool, digits: &str, exp: i32) -> String {
    let mut s = String::from(if neg { "-" } else { "" });
    let dp = exp + 1;
    let nd = digits.len() as i32;
    if dp <= 0 {
        s.push_str("0.");
        s.push_str(&"0".repeat((-dp) as usize));
        s.push_str(digits);
    } else if dp >= nd {
        s.push_str(digits);
        s.push_str(&"0".repeat((dp - nd) as usize));
    } else {
        s.push_str(digits.get(..dp as usize).unwrap_or_default());
        s.push('.');
        s.push_str(digits.get(dp as usize..).unwrap_or_default());
    }
    s
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is also `fmt`'s `%v`.
pub(crate) fn go_float(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (neg, digits, exp) = shortest(f);
    if !(-4..6).contains(&exp) {
        fmt_e(neg, &digits, exp)
    } else {
        fmt_f(neg, &digits, exp)
    }
}

/// Go `encoding/json` number text for a float; None for NaN and infinities.
pub(crate) fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some(if f.is_sign_negative() { "-0" } else { "0" }.into());
    }
    let (neg, digits, exp) = shortest(f);
    let a = f.abs();
    if !(1e-6..1e21).contains(&a) {
        // Go writes e-07 as e-7 but keeps e+21.
        let s = fmt_e(neg, &digits, exp);
        return Some(s.replace("e-0", "e-"));
    }
    Some(fmt_f(neg, &digits, exp))
}

/// Rust writes 1.5e3; Go writes 1.5e+03.
pub(crate) fn go_exp(s: String) -> String {
    match s.split_once('e') {
        Some((m, e)) => {
            let n: i32 = e.parse().unwrap_or(0);
            format!("{m}e{}{:02}", if n < 0 { '-' } else { '+' }, n.abs())
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(15020.0, "15020")]
    #[case(1000000.0, "1e+06")]
    #[case(123456.0, "123456")]
    #[case(0.5, "0.5")]
    #[case(0.0001, "0.0001")]
    #[case(0.00001, "1e-05")]
    #[case(-2.5, "-2.5")]
    #[case(1.5e300, "1.5e+300")]
    fn floats(#[case] f: f64, #[case] want: &str) {
        assert_eq!(go_float(f), want);
    }

    #[rstest]
    #[case(1e21, "1e+21")]
    #[case(1e-7, "1e-7")]
    #[case(1e20, "100000000000000000000")]
    #[case(0.25, "0.25")]
    fn json_floats(#[case] f: f64, #[case] want: &str) {
        assert_eq!(json_float(f).unwrap(), want);
    }
}
