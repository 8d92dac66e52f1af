//! Scalar resolution as go-yaml v2 does it when decoding into `interface{}` (what
//! `sigs.k8s.io/yaml`, and so kubectl and istioctl, use): YAML 1.1 booleans (`yes`, `on`, `y` …),
//! C-style integers (`0644` is octal, `0x1F`, `0b101`, `_` separators), `.inf`/`.nan`, `~`;
//! but no base-60 numbers, and timestamps stay strings. Quoted and block scalars are strings
//! unless an explicit tag says otherwise.

/// A resolved scalar, before it becomes a JSON value or a mapping key.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
}

/// What the generic (untagged) resolution found, so an explicit tag can be checked against it.
enum Found {
    Scalar(Scalar),
    /// Looks like a timestamp: go-yaml keeps the text for `interface{}` targets.
    Timestamp,
}

const CORE: &str = "tag:yaml.org,2002:";

/// The tag in go-yaml's short form (`!!int`), or the tag as written for others.
pub(super) fn short_tag(handle: &str, suffix: &str) -> String {
    let full = format!("{handle}{suffix}");
    match full.strip_prefix(CORE) {
        Some(rest) => format!("!!{rest}"),
        None => full,
    }
}

/// Resolves one scalar. `tag` is in short form; `plain` is false for quoted and block styles.
pub(super) fn resolve(tag: Option<&str>, text: &str, plain: bool) -> Result<Scalar, String> {
    let tag = match tag {
        None if !plain => return Ok(Scalar::Str(text.to_string())),
        None => "",
        Some(t) => t,
    };
    match tag {
        "" => Ok(match implicit(text, true) {
            Found::Scalar(s) => s,
            Found::Timestamp => Scalar::Str(text.to_string()),
        }),
        "!!str" => Ok(Scalar::Str(text.to_string())),
        "!!null" => Ok(Scalar::Null),
        "!!binary" => binary(text),
        "!!bool" | "!!int" | "!!float" | "!!timestamp" => tagged(tag, text),
        // `!`, local tags and collection tags on a scalar: go-yaml keeps the text.
        _ => Ok(Scalar::Str(text.to_string())),
    }
}

/// A scalar with an explicit core tag must resolve to that type (ints widen to float).
fn tagged(tag: &str, text: &str) -> Result<Scalar, String> {
    let found = implicit(text, tag == "!!timestamp");
    let ok = match (&found, tag) {
        (Found::Scalar(Scalar::Bool(_)), "!!bool") => true,
        (Found::Scalar(Scalar::Int(_) | Scalar::Uint(_)), "!!int") => true,
        (Found::Scalar(Scalar::Float(_)), "!!float") => true,
        (Found::Scalar(Scalar::Int(i)), "!!float") => return Ok(Scalar::Float(*i as f64)),
        (Found::Timestamp, "!!timestamp") => return Ok(Scalar::Str(text.to_string())),
        _ => false,
    };
    match found {
        Found::Scalar(s) if ok => Ok(s),
        _ => Err(format!("cannot decode `{text}` as a {tag}")),
    }
}

fn binary(text: &str) -> Result<Scalar, String> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| format!("invalid !!binary value: {e}"))?;
    Ok(Scalar::Str(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The untagged resolution: the first character hints at what the scalar may be.
fn implicit(text: &str, try_timestamp: bool) -> Found {
    let Some(first) = text.bytes().next() else {
        return Found::Scalar(Scalar::Null);
    };
    if let Some(s) = word(text) {
        return Found::Scalar(s);
    }
    let number = match first {
        b'.' => dot_float(text),
        b'0'..=b'9' | b'+' | b'-' => {
            if try_timestamp && looks_like_timestamp(text) {
                return Found::Timestamp;
            }
            number(&text.replace('_', ""))
        }
        _ => None,
    };
    Found::Scalar(number.unwrap_or_else(|| Scalar::Str(text.to_string())))
}

/// go-yaml's fixed table of words.
fn word(text: &str) -> Option<Scalar> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// `.5`, `.5e3`: a float starting with a dot.
fn dot_float(text: &str) -> Option<Scalar> {
    let (mantissa, exp) = split_exponent(text.get(1..).unwrap_or_default());
    let ok = all_digits(mantissa) && exp.is_none_or(valid_exponent);
    ok.then(|| text.parse().ok().filter(|f: &f64| f.is_finite()))
        .flatten()
        .map(Scalar::Float)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint`, then the YAML float syntax.
fn number(plain: &str) -> Option<Scalar> {
    let (negative, unsigned) = match plain.as_bytes().first() {
        Some(b'-') => (true, plain.get(1..).unwrap_or_default()),
        Some(b'+') => (false, plain.get(1..).unwrap_or_default()),
        _ => (false, plain),
    };
    if let Some(magnitude) = parse_radix(unsigned) {
        let signed = if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        match signed {
            Some(i) => return Some(Scalar::Int(i)),
            None if !negative && unsigned.len() == plain.len() => {
                return Some(Scalar::Uint(magnitude))
            }
            None => {}
        }
    }
    is_yaml_float(plain)
        .then(|| plain.parse().ok().filter(|f: &f64| f.is_finite()))
        .flatten()
        .map(Scalar::Float)
}

/// An unsigned integer with Go's base prefixes (`0x`, `0o`, `0b`, a leading `0` for octal).
fn parse_radix(s: &str) -> Option<u64> {
    let lower = s.get(..2).map(str::to_ascii_lowercase);
    let (digits, radix) = match lower.as_deref() {
        Some("0x") => (s.get(2..).unwrap_or_default(), 16),
        Some("0o") => (s.get(2..).unwrap_or_default(), 8),
        Some("0b") => (s.get(2..).unwrap_or_default(), 2),
        _ if s.len() > 1 && s.starts_with('0') => (s.get(1..).unwrap_or_default(), 8),
        _ => (s, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = split_exponent(s);
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all_digits(frac),
        Some((int, frac)) => all_digits(int) && frac.bytes().all(|b| b.is_ascii_digit()),
        None => all_digits(mantissa),
    };
    mantissa_ok && exp.is_none_or(valid_exponent)
}

fn split_exponent(s: &str) -> (&str, Option<&str>) {
    match s.find(['e', 'E']) {
        Some(i) => (
            s.get(..i).unwrap_or_default(),
            Some(s.get(i + 1..).unwrap_or_default()),
        ),
        None => (s, None),
    }
}

fn valid_exponent(exp: &str) -> bool {
    all_digits(exp.strip_prefix(['-', '+']).unwrap_or(exp))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// go-yaml's timestamp forms: `YYYY-M-D`, optionally followed by `T`/`t`/space and a time.
/// Only an explicit `!!timestamp` tag depends on this; untagged timestamps stay strings anyway.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_dash = b
        .get(..5)
        .is_some_and(|y| y.iter().take(4).all(u8::is_ascii_digit) && y.get(4) == Some(&b'-'));
    if b.len() < 8 || !year_dash {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (
            s.get(..i).unwrap_or_default(),
            Some(s.get(i + 1..).unwrap_or_default()),
        ),
        None => (s, None),
    };
    let fields: Vec<&str> = date.split('-').collect();
    let date_ok = fields.len() == 3
        && fields
            .iter()
            .skip(1)
            .all(|f| (1..=2).contains(&f.len()) && all_digits(f));
    date_ok
        && time.is_none_or(|t| {
            t.split(':').count() >= 3 && t.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// A mapping key as `sigs.k8s.io/yaml` turns it into a JSON object key.
pub(super) fn key_string(s: Scalar) -> Result<String, String> {
    match s {
        Scalar::Str(s) => Ok(s),
        Scalar::Bool(b) => Ok(b.to_string()),
        Scalar::Int(i) => Ok(i.to_string()),
        Scalar::Float(f) => Ok(go_float32_g(f)),
        Scalar::Null => Err("unsupported map key: null".into()),
        Scalar::Uint(u) => Err(format!("unsupported map key of type uint64: {u}")),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, with YAML's names for the infinities and NaN.
fn go_float32_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let x = f as f32;
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Go's precision -1.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "");
    if !(-4..6).contains(&exp) {
        let (head, tail) = digits.split_at_checked(1).unwrap_or((&digits, ""));
        let dot = if tail.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{head}{dot}{tail}e{esign}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (int, frac) = digits.split_at_checked(int_len).unwrap_or((&digits, ""));
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
