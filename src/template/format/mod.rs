//! Go's `fmt` printing of template values: `Sprint`, `Sprintln`, `Sprintf`.
//!
//! `%v` prints like Go: floats in `strconv.FormatFloat(f, 'g', -1)` form
//! (`15020`, `0.5`, `1e+06`), lists as `[a b]`, maps as `map[k:v]` with sorted
//! keys, nil as `<nil>`. Verbs apply element-wise inside lists and maps, and a
//! verb that does not fit its operand prints `%!d(string=x)`, as Go does.
//! Widths are capped so a format string cannot allocate unbounded memory.

use crate::go::float::{fmt_e, fmt_f, go_exp, shortest, special};
pub(crate) use crate::go::float::{go_float, json_float};
use crate::go::strconv::quote as go_quote;

use super::value::{too_deep, Value, MAX_DEPTH};

/// Largest field width or precision honoured.
const MAX_WIDTH: usize = 4096;

/// `%v` of a value.
pub(crate) fn sprint_value(v: &Value<'_>) -> Result<String, String> {
    let mut out = String::new();
    fmt_value(&mut out, v, &Spec::plain('v'), 0)?;
    Ok(out)
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub(crate) fn sprint(args: &[Value<'_>]) -> Result<String, String> {
    let mut out = String::new();
    let is_str = |v: &Value<'_>| matches!(v, Value::Str(_) | Value::Zero);
    let mut prev: Option<&Value<'_>> = None;
    for a in args {
        if prev.is_some_and(|p| !is_str(a) && !is_str(p)) {
            out.push(' ');
        }
        fmt_value(&mut out, a, &Spec::plain('v'), 0)?;
        prev = Some(a);
    }
    Ok(out)
}

/// `fmt.Sprintln`: always spaces, then a newline.
pub(crate) fn sprintln(args: &[Value<'_>]) -> Result<String, String> {
    let parts: Vec<String> = args.iter().map(sprint_value).collect::<Result<_, _>>()?;
    Ok(parts.join(" ") + "\n")
}

/// A parsed `%` directive.
#[derive(Clone, Debug, Default)]
struct Spec {
    verb: char,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    fn plain(verb: char) -> Spec {
        Spec {
            verb,
            ..Spec::default()
        }
    }
}

fn digits_at(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    let s: String = chars.get(start..*i)?.iter().collect();
    s.parse::<usize>().ok().map(|n| n.min(MAX_WIDTH))
}

fn parse_spec(chars: &[char], i: &mut usize) -> Option<Spec> {
    let mut s = Spec::default();
    while let Some(&c) = chars.get(*i) {
        match c {
            '-' => s.minus = true,
            '+' => s.plus = true,
            '#' => s.sharp = true,
            ' ' => s.space = true,
            '0' => s.zero = true,
            _ => break,
        }
        *i += 1;
    }
    s.width = digits_at(chars, i);
    if chars.get(*i) == Some(&'.') {
        *i += 1;
        s.prec = Some(digits_at(chars, i).unwrap_or(0));
    }
    s.verb = *chars.get(*i)?;
    *i += 1;
    Some(s)
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Value<'_>]) -> Result<String, String> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut next = 0;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = parse_spec(&chars, &mut i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if spec.verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(next) {
            None => out.push_str(&format!("%!{}(MISSING)", spec.verb)),
            Some(a) => fmt_value(&mut out, a, &spec, 0)?,
        }
        next += 1;
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        for (j, a) in args.iter().skip(next).enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("{}={}", a.type_name(), sprint_value(a)?));
        }
        out.push(')');
    }
    Ok(out)
}

fn pad(out: &mut String, s: &str, spec: &Spec, numeric: bool) {
    let n = s.chars().count();
    let w = spec.width.unwrap_or(0);
    if n >= w {
        out.push_str(s);
        return;
    }
    let fill = w - n;
    if spec.minus {
        out.push_str(s);
        out.push_str(&" ".repeat(fill));
    } else if spec.zero && numeric {
        let (sign, rest) = match s.strip_prefix(['-', '+']) {
            Some(r) => (s.get(..1).unwrap_or_default(), r),
            None => ("", s),
        };
        out.push_str(sign);
        out.push_str(&"0".repeat(fill));
        out.push_str(rest);
    } else {
        out.push_str(&" ".repeat(fill));
        out.push_str(s);
    }
}

fn bad_verb(v: &Value<'_>, spec: &Spec) -> Result<String, String> {
    Ok(match v {
        Value::Nil => format!("%!{}(<nil>)", spec.verb),
        _ => format!("%!{}({}={})", spec.verb, v.type_name(), sprint_value(v)?),
    })
}

fn fmt_int(i: i64, spec: &Spec) -> Option<String> {
    let mag = i.unsigned_abs();
    let (prefix, body) = match spec.verb {
        'd' | 'v' => ("", mag.to_string()),
        'b' => ("0b", format!("{mag:b}")),
        'o' => ("0", format!("{mag:o}")),
        'O' => ("0o", format!("{mag:o}")),
        'x' => ("0x", format!("{mag:x}")),
        'X' => ("0X", format!("{mag:X}")),
        'c' => return Some(char::from_u32(mag as u32).unwrap_or('\u{FFFD}').to_string()),
        'q' => {
            let c = char::from_u32(mag as u32).unwrap_or('\u{FFFD}');
            let q = go_quote(&c.to_string());
            return Some(format!(
                "'{}'",
                q.get(1..q.len() - 1)
                    .unwrap_or_default()
                    .replace("\\\"", "\"")
                    .replace('\'', "\\'")
            ));
        }
        'U' => return Some(format!("U+{mag:04X}")),
        _ => return None,
    };
    let body = match spec.prec {
        Some(p) if body.len() < p => format!("{}{body}", "0".repeat(p - body.len())),
        _ => body,
    };
    let sign = if i < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let prefix = if spec.sharp || spec.verb == 'O' {
        prefix
    } else {
        ""
    };
    Some(format!("{sign}{prefix}{body}"))
}

fn fmt_float(f: f64, spec: &Spec) -> Option<String> {
    if let Some(s) = special(f) {
        return Some(s);
    }
    let s = match (spec.verb, spec.prec) {
        ('v' | 'g' | 'G', None) => go_float(f),
        ('g' | 'G', Some(p)) => {
            let p = p.max(1);
            let rounded: f64 = format!("{:.*e}", p - 1, f).parse().unwrap_or(f);
            let (neg, digits, exp) = shortest(rounded);
            if exp < -4 || exp >= p as i32 {
                fmt_e(neg, &digits, exp)
            } else {
                fmt_f(neg, &digits, exp)
            }
        }
        ('e' | 'E', p) => go_exp(format!("{:.*e}", p.unwrap_or(6), f)),
        ('f' | 'F', p) => format!("{:.*}", p.unwrap_or(6), f),
        _ => return None,
    };
    let s = if spec.verb.is_ascii_uppercase() {
        s.to_uppercase()
    } else {
        s
    };
    Some(if spec.plus && !s.starts_with('-') {
        format!("+{s}")
    } else {
        s
    })
}

fn fmt_str(s: &str, spec: &Spec) -> Option<String> {
    let s: String = match spec.prec {
        Some(p) if spec.verb != 'x' && spec.verb != 'X' => s.chars().take(p).collect(),
        _ => s.to_string(),
    };
    Some(match spec.verb {
        'v' | 's' => s,
        'q' => go_quote(&s),
        'x' => s.bytes().map(|b| format!("{b:02x}")).collect(),
        'X' => s.bytes().map(|b| format!("{b:02X}")).collect(),
        _ => return None,
    })
}

fn fmt_value(out: &mut String, v: &Value<'_>, spec: &Spec, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    if spec.verb == 'T' {
        pad(out, v.type_name(), spec, false);
        return Ok(());
    }
    if let Some(items) = v.list_items() {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            fmt_value(out, item, spec, depth + 1)?;
        }
        out.push(']');
        return Ok(());
    }
    if let Some(entries) = v.map_entries() {
        out.push_str("map[");
        for (i, (k, val)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            fmt_value(out, &Value::str(k), spec, depth + 1)?;
            out.push(':');
            fmt_value(out, val, spec, depth + 1)?;
        }
        out.push(']');
        return Ok(());
    }
    let (text, numeric) = match v {
        Value::Nil if spec.verb == 'v' => (Some("<nil>".to_string()), false),
        Value::Nil => (None, false),
        Value::Zero => (fmt_str("", spec), false),
        Value::Str(s) => (fmt_str(s, spec), false),
        Value::Bool(b) => (matches!(spec.verb, 'v' | 't').then(|| b.to_string()), false),
        Value::Int(i) => (fmt_int(*i, spec), true),
        Value::Float(f) => (fmt_float(*f, spec), true),
        _ => (None, false),
    };
    match text {
        Some(t) => pad(out, &t, spec, numeric),
        None => out.push_str(&bad_verb(v, spec)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn s(x: &str) -> Value<'static> {
        Value::str(x)
    }

    #[rstest]
    #[case("%s-%d", vec![s("a"), Value::Int(3)], "a-3")]
    #[case("%q", vec![s("a\"b\n")], "\"a\\\"b\\n\"")]
    #[case("%v %t", vec![Value::Float(1.5), Value::Bool(true)], "1.5 true")]
    #[case("%d", vec![s("x")], "%!d(string=x)")]
    #[case("%s", vec![Value::Int(5)], "%!s(int=5)")]
    #[case("%d %d", vec![Value::Int(1)], "1 %!d(MISSING)")]
    #[case("%d", vec![Value::Int(1), s("x")], "1%!(EXTRA string=x)")]
    #[case("%5d|%-4s|%05d", vec![Value::Int(42), s("ab"), Value::Int(-7)], "   42|ab  |-0007")]
    #[case("%.2f %e %x", vec![Value::Float(1.23456), Value::Float(1500.0), Value::Int(255)], "1.23 1.500000e+03 ff")]
    #[case("%v", vec![Value::list(vec![s("a"), Value::Nil, Value::Int(2)])], "[a <nil> 2]")]
    #[case("%q", vec![Value::list(vec![s("a"), s("b")])], "[\"a\" \"b\"]")]
    #[case("%T %T", vec![s("a"), Value::Float(1.0)], "string float64")]
    #[case("100%%", vec![], "100%")]
    #[case("%s", vec![Value::Nil], "%!s(<nil>)")]
    fn printf(#[case] f: &str, #[case] args: Vec<Value<'static>>, #[case] want: &str) {
        assert_eq!(sprintf(f, &args).unwrap(), want);
    }

    #[rstest]
    #[case(vec![s("a"), s("b")], "ab")]
    #[case(vec![Value::Int(1), Value::Int(2)], "1 2")]
    #[case(vec![s("a"), Value::Int(1), Value::Int(2), s("b")], "a1 2b")]
    #[case(vec![Value::Nil], "<nil>")]
    fn print(#[case] args: Vec<Value<'static>>, #[case] want: &str) {
        assert_eq!(sprint(&args).unwrap(), want);
    }

    #[test]
    fn println_and_maps() {
        let m = Value::map(
            [("b".to_string(), Value::Int(2)), ("a".to_string(), s("x"))].into(),
            crate::template::value::MapKind::Any,
        );
        assert_eq!(
            sprintln(&[m, Value::Bool(false)]).unwrap(),
            "map[a:x b:2] false\n"
        );
    }
}
