//! The parts of go-yaml v2 that decide how a string must be written:
//! whether a plain scalar would read back as something other than a string
//! (`resolve`), base-60 floats, timestamps, and the "natural" key order of
//! `sort.Sort(keyList)` used for map keys.

use crate::go::unicode::{is_digit, is_letter};

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
            !(plain.starts_with("-0b")
                && go_int(&format!("-{}", plain.get(1..).unwrap_or_default())))
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
        (lower.get(1..).unwrap_or_default(), |c| {
            ('0'..='7').contains(&c)
        })
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
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
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
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) && i - start < 2 {
            i += 1;
        }
        let ok = match b.get(start..i) {
            Some([_]) => true,
            Some([first, _]) => *first <= b'5',
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
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Reads 1 or 2 digits (Go's unpadded layout fields).
fn num(b: &[u8], i: &mut usize, max_len: usize) -> Option<u32> {
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) && *i - start < max_len {
        *i += 1;
    }
    std::str::from_utf8(b.get(start..*i)?).ok()?.parse().ok()
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
    let Some((year, b'-')) = b.split_first_chunk::<4>().and_then(|(y, rest)| {
        Some(y)
            .filter(|y| y.iter().all(u8::is_ascii_digit))
            .zip(rest.first().copied())
    }) else {
        return false;
    };
    let mut i = 5;
    let year = year
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
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
        while b.get(i).is_some_and(u8::is_ascii_digit) {
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
            let z = b.get(i + 1..).unwrap_or_default();
            z.len() == 5
                && z.get(2) == Some(&b':')
                && z.iter()
                    .enumerate()
                    .all(|(k, c)| k == 2 || c.is_ascii_digit())
        }
        _ => false,
    }
}

/// go-yaml v2 `keyList.Less` for string keys: digit runs compare numerically,
/// letters sort after other characters.
pub fn key_less(a: &str, b: &str) -> bool {
    // Keys are nearly always ASCII: compare their bytes, which are their characters, without
    // collecting them (the sort compares each key many times).
    if a.is_ascii() && b.is_ascii() {
        return key_less_units(a.as_bytes(), b.as_bytes());
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    key_less_units(&ar, &br)
}

/// `key_less` over characters (`char`, or the bytes of an ASCII string). Letters and digits
/// are Go's `unicode.IsLetter`/`IsDigit`: any script's decimal digit counts, with the value
/// `r - '0'` Go gives it.
fn key_less_units<C: Copy + Into<char>>(ar: &[C], br: &[C]) -> bool {
    for (i, (&ca, &cb)) in ar.iter().zip(br).enumerate() {
        let (ca, cb): (char, char) = (ca.into(), cb.into());
        if ca == cb {
            continue;
        }
        let al = is_letter(ca);
        let bl = is_letter(cb);
        if al && bl {
            return ca < cb;
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ca == '0' || cb == '0' {
            // A zero inside a digit run that began with a non-zero digit.
            let before = ar.get(..i).unwrap_or_default();
            let mut run = before
                .iter()
                .rev()
                .map(|&c| c.into())
                .take_while(|&c| is_digit(c));
            if run.any(|c| c != '0') {
                an = 1;
                bn = 1;
            }
        }
        let (an, ai) = digit_run(ar, i, an);
        let (bn, bi) = digit_run(br, i, bn);
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ca < cb;
    }
    ar.len() < br.len()
}

/// Accumulates the digits from `i` onto `n` as Go does (`n*10 + int64(r-'0')`, wrapping like
/// Go's int64); returns the value and the index after the run.
fn digit_run<C: Copy + Into<char>>(s: &[C], i: usize, n: i64) -> (i64, usize) {
    let digits = s.get(i..).unwrap_or_default();
    let mut n = n;
    let mut len = 0;
    for c in digits
        .iter()
        .map(|&c| c.into())
        .take_while(|&c| is_digit(c))
    {
        let d = i64::from(u32::from(c)) - i64::from(u32::from('0'));
        n = n.wrapping_mul(10).wrapping_add(d);
        len += 1;
    }
    (n, i + len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// The byte comparison of ASCII keys is the character comparison.
    #[test]
    fn ascii_keys_compare_as_characters() {
        let keys = [
            "", "a", "A", "a_", "aB", "a9", "a10", "a01", "a1b2", "0", "00", "007", "10", "9",
            "x0y", "x00y", "x10", "b", "-", "a-1", "a.2", "Z9", "z",
        ];
        for a in keys {
            for b in keys {
                let chars = |s: &str| s.chars().collect::<Vec<char>>();
                assert_eq!(
                    key_less(a, b),
                    key_less_units(&chars(a), &chars(b)),
                    "{a:?} < {b:?}"
                );
            }
        }
    }

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

    /// go-yaml's key order is not transitive, so sorting keys needs a sort that tolerates
    /// it (`go::sort`, as Go's `sort.Sort` does).
    #[test]
    fn natural_key_order_has_cycles() {
        assert!(key_less("1", "01") && key_less("01", "0a") && key_less("0a", "1"));
        let mut keys = vec!["0a", "01", "1", "b", "0b", "02", "2"];
        crate::go::sort::sort(&mut keys, |a, b| key_less(a, b));
        assert_eq!(keys.len(), 7);
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["b", "a10", "a9", "_x", "A", "a"];
        crate::go::sort::sort(&mut keys, |a, b| key_less(a, b));
        assert_eq!(keys, vec!["_x", "A", "a", "a9", "a10", "b"]);
    }
}
