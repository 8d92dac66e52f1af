//! The parts of go-yaml v2 that decide how a string must be written:
//! whether a plain scalar would read back as something other than a string
//! (`resolve`), base-60 floats, timestamps, and the "natural" key order of
//! `sort.Sort(keyList)` used for map keys.

use std::cmp::Ordering;

/// Plain scalars that YAML 1.1 reads as bool, null, NaN/Inf or merge.
const SPECIAL: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
];

/// True when `s` written as a plain scalar would read back as a string.
pub(crate) fn resolves_to_str(s: &str) -> bool {
    let Some(first) = s.bytes().next() else {
        return false; // "" is null
    };
    let hint = match first {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => return true,
    };
    if SPECIAL.contains(&s) {
        return false;
    }
    match hint {
        b'M' => true,
        b'.' => s.parse::<f64>().is_err(),
        _ => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_int(&plain) {
                return false;
            }
            if yaml_style_float(&plain) && plain.parse::<f64>().is_ok() {
                return false;
            }
            !(plain.starts_with("-0b") && go_int(&format!("-{}", &plain[1..])))
        }
    }
}

/// `strconv.ParseInt(s, 0, 64)` or `ParseUint` would accept `s` (range aside).
fn go_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    let (digits, ok): (&str, fn(char) -> bool) = if let Some(d) = lower.strip_prefix("0x") {
        (d, |c| c.is_ascii_hexdigit())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d, |c| ('0'..='7').contains(&c))
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d, |c| c == '0' || c == '1')
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], |c| ('0'..='7').contains(&c))
    } else {
        (lower.as_str(), |c| c.is_ascii_digit())
    };
    // Go rejects values that overflow 64 bits; they then fall through to float.
    !digits.is_empty() && digits.chars().all(ok) && digits.len() <= 20 && {
        let radix = match lower.get(..2) {
            Some("0x") => 16,
            Some("0o") => 8,
            Some("0b") => 2,
            _ if lower.len() > 1 && lower.starts_with('0') => 8,
            _ => 10,
        };
        u64::from_str_radix(digits, radix).is_ok()
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: written quoted for old parsers.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) || !s.contains(':') {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let g = &b[start..i];
        let ok = match g.len() {
            1 => true,
            2 => g[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Reads 1 or 2 digits (Go's unpadded layout fields).
fn num(b: &[u8], i: &mut usize, max_len: usize) -> Option<u32> {
    let start = *i;
    while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max_len {
        *i += 1;
    }
    std::str::from_utf8(&b[start..*i]).ok()?.parse().ok()
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// The timestamp layouts go-yaml v2 recognises in plain scalars.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let year: u32 = s[..4].parse().unwrap_or(0);
    let (Some(month), true) = (num(b, &mut i, 2), b.get(i) == Some(&b'-')) else {
        return false;
    };
    i += 1;
    let Some(day) = num(b, &mut i, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return false;
    }
    match b.get(i) {
        None => true,
        Some(b'T' | b't') => time_part(b, i + 1, true),
        Some(b' ') => time_part(b, i + 1, false),
        _ => false,
    }
}

fn time_part(b: &[u8], mut i: usize, zone: bool) -> bool {
    let Some(h) = num(b, &mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(m) = num(b, &mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(sec) = num(b, &mut i, 2) else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if !zone {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let z = &b[i + 1..];
            z.len() == 5
                && z[2] == b':'
                && z.iter()
                    .enumerate()
                    .all(|(k, c)| k == 2 || c.is_ascii_digit())
        }
        _ => false,
    }
}

/// go-yaml v2 `keyList.Less` for string keys: digit runs compare numerically,
/// letters sort after other characters.
pub(crate) fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// A total order from `key_less`, for `sort_by`.
pub(crate) fn key_cmp(a: &str, b: &str) -> Ordering {
    if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        a.cmp(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("hello", true)]
    #[case("", false)]
    #[case("true", false)]
    #[case("yes", false)]
    #[case("Yesterday", true)]
    #[case("1", false)]
    #[case("0x1F", false)]
    #[case("1.5", false)]
    #[case("1e3", false)]
    #[case(".5", false)]
    #[case("1.2.3", true)]
    #[case("100m", true)]
    #[case("2024-01-02", false)]
    #[case("2024-1-2T10:00:00Z", false)]
    #[case("2024-13-02", true)]
    #[case("-", true)]
    #[case("~", false)]
    #[case("007", false)]
    #[case("089", false)]
    fn resolve(#[case] s: &str, #[case] is_str: bool) {
        assert_eq!(resolves_to_str(s), is_str, "{s}");
    }

    #[rstest]
    #[case("1:20", true)]
    #[case("80:80", false)]
    #[case("12:30:45.5", true)]
    #[case("a:1", false)]
    fn base60(#[case] s: &str, #[case] want: bool) {
        assert_eq!(is_base60_float(s), want, "{s}");
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["b", "a10", "a9", "_x", "A", "a"];
        keys.sort_by(|a, b| key_cmp(a, b));
        assert_eq!(keys, vec!["_x", "A", "a", "a9", "a10", "b"]);
    }
}
