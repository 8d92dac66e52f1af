//! sprig's string functions. Argument order is sprig's ("pipe-friendly": the
//! string being worked on comes last). Go slices strings by byte; where that
//! would split a UTF-8 character we cut at the previous character boundary.

use base64::Engine;

use super::{arg, check_len, f, int, s, str_map, strval, Args, Ctx, FnResult, Func, Ty};
use crate::go::strconv::quote as go_quote;
use crate::go::unicode::{
    is_digit, is_letter, is_space, to_lower, to_lower_str, to_title, to_upper_str,
};
use crate::template::value::Value;

pub(super) static FUNCS: &[Func] = &[
    f("trim", &[Ty::Str], None, trim),
    f("trimAll", &[Ty::Str, Ty::Str], None, trim_all),
    f("trimall", &[Ty::Str, Ty::Str], None, trim_all),
    f("trimSuffix", &[Ty::Str, Ty::Str], None, trim_suffix),
    f("trimPrefix", &[Ty::Str, Ty::Str], None, trim_prefix),
    f("upper", &[Ty::Str], None, upper),
    f("lower", &[Ty::Str], None, lower),
    f("title", &[Ty::Str], None, title),
    f("untitle", &[Ty::Str], None, untitle),
    f("substr", &[Ty::Int, Ty::Int, Ty::Str], None, substr),
    f("repeat", &[Ty::Int, Ty::Str], None, repeat),
    f("nospace", &[Ty::Str], None, nospace),
    f("trunc", &[Ty::Int, Ty::Str], None, trunc),
    f("abbrev", &[Ty::Int, Ty::Str], None, abbrev),
    f("contains", &[Ty::Str, Ty::Str], None, contains),
    f("hasPrefix", &[Ty::Str, Ty::Str], None, has_prefix),
    f("hasSuffix", &[Ty::Str, Ty::Str], None, has_suffix),
    f("quote", &[], Some(Ty::Any), quote),
    f("squote", &[], Some(Ty::Any), squote),
    f("cat", &[], Some(Ty::Any), cat),
    f("indent", &[Ty::Int, Ty::Str], None, indent),
    f("nindent", &[Ty::Int, Ty::Str], None, nindent),
    f("replace", &[Ty::Str, Ty::Str, Ty::Str], None, replace),
    f("plural", &[Ty::Str, Ty::Str, Ty::Int], None, plural),
    f("toString", &[Ty::Any], None, to_string),
    f("split", &[Ty::Str, Ty::Str], None, split),
    f("splitn", &[Ty::Str, Ty::Int, Ty::Str], None, splitn),
    f("splitList", &[Ty::Str, Ty::Str], None, split_list),
    f("b64enc", &[Ty::Str], None, b64enc),
    f("b64dec", &[Ty::Str], None, b64dec),
];

fn out<'d>(st: String) -> FnResult<'d> {
    check_len(st.len())?;
    Ok(Value::string(st))
}

fn trim<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    out(s(arg(&a, 0)?).trim().to_string())
}

fn trim_all<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let cut = s(arg(&a, 0)?);
    out(s(arg(&a, 1)?).trim_matches(|c| cut.contains(c)).to_string())
}

fn trim_suffix<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let st = s(arg(&a, 1)?);
    out(st.strip_suffix(s(arg(&a, 0)?)).unwrap_or(st).to_string())
}

fn trim_prefix<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let st = s(arg(&a, 1)?);
    out(st.strip_prefix(s(arg(&a, 0)?)).unwrap_or(st).to_string())
}

/// `strings.ToUpper`.
fn upper<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    out(to_upper_str(s(arg(&a, 0)?)))
}

/// `strings.ToLower`.
fn lower<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    out(to_lower_str(s(arg(&a, 0)?)))
}

/// `strings.Title`: title-cases letters that start a word.
fn title<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut prev_sep = true;
    let mut r = String::new();
    for c in s(arg(&a, 0)?).chars() {
        if prev_sep {
            r.push(to_title(c));
        } else {
            r.push(c);
        }
        prev_sep = is_separator(c);
    }
    out(r)
}

/// `strings.Title`'s word boundary: ASCII other than letters, digits and `_`; beyond ASCII,
/// only spaces (Go: "all we can do for now").
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    !(is_letter(c) || is_digit(c)) && is_space(c)
}

/// sprig's `untitle` (goutils' `Uncapitalize`): the first rune through `unicode.ToLower`.
fn untitle<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let st = s(arg(&a, 0)?);
    let mut chars = st.chars();
    out(match chars.next() {
        Some(c) => std::iter::once(to_lower(c)).chain(chars).collect(),
        None => String::new(),
    })
}

/// Byte index clamped down to a character boundary.
fn floor_boundary(st: &str, i: usize) -> usize {
    let mut i = i.min(st.len());
    while !st.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn slice_err(st: &str, start: i64, end: i64) -> String {
    format!(
        "runtime error: slice bounds out of range [{start}:{end}] with length {}",
        st.len()
    )
}

fn substr<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (start, end, st) = (int(arg(&a, 0)?), int(arg(&a, 1)?), s(arg(&a, 2)?));
    let len = st.len() as i64;
    let (lo, hi) = if start < 0 {
        (0, end)
    } else if end < 0 || end > len {
        (start, len)
    } else {
        (start, end)
    };
    if lo < 0 || hi < lo || hi > len {
        return Err(slice_err(st, lo, hi));
    }
    let (lo, hi) = (
        floor_boundary(st, lo as usize),
        floor_boundary(st, hi as usize),
    );
    out(st.get(lo..hi).unwrap_or_default().to_string())
}

fn repeat<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (n, st) = (int(arg(&a, 0)?), s(arg(&a, 1)?));
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let total = (n as usize).saturating_mul(st.len());
    check_len(total)?;
    ctx.charge(total)?;
    out(st.repeat(n as usize))
}

fn nospace<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    out(s(arg(&a, 0)?)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect())
}

fn trunc<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (c, st) = (int(arg(&a, 0)?), s(arg(&a, 1)?));
    let len = st.len() as i64;
    if c < 0 && len + c > 0 {
        let start = (len + c) as usize;
        let mut i = start;
        while !st.is_char_boundary(i) {
            i += 1;
        }
        return out(st.get(i..).unwrap_or_default().to_string());
    }
    if c >= 0 && len > c {
        return out(st
            .get(..floor_boundary(st, c as usize))
            .unwrap_or_default()
            .to_string());
    }
    out(st.to_string())
}

fn abbrev<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (w, st) = (int(arg(&a, 0)?), s(arg(&a, 1)?));
    if w < 4 || st.len() as i64 <= w {
        return out(st.to_string());
    }
    out(format!(
        "{}...",
        st.get(..floor_boundary(st, (w - 3) as usize))
            .unwrap_or_default()
    ))
}

fn contains<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(s(arg(&a, 1)?).contains(s(arg(&a, 0)?))))
}

fn has_prefix<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(s(arg(&a, 1)?).starts_with(s(arg(&a, 0)?))))
}

fn has_suffix<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(s(arg(&a, 1)?).ends_with(s(arg(&a, 0)?))))
}

fn quote<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| strval(v).map(|x| go_quote(&x)))
        .collect::<Result<_, _>>()?;
    out(parts.join(" "))
}

fn squote<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| strval(v).map(|x| format!("'{x}'")))
        .collect::<Result<_, _>>()?;
    out(parts.join(" "))
}

fn cat<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(strval)
        .collect::<Result<_, _>>()?;
    out(parts.join(" "))
}

/// Istio's `indent`: pads every line but the first (a negative count pads too,
/// as Go's `% -Ns` does).
fn indent<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (n, st) = (int(arg(&a, 0)?).unsigned_abs() as usize, s(arg(&a, 1)?));
    check_len(
        st.len()
            .saturating_add(n.saturating_mul(st.matches('\n').count())),
    )?;
    let pad = " ".repeat(n);
    out(st.replace('\n', &format!("\n{pad}")))
}

/// sprig's `nindent`: a newline, then every line padded (sprig's own indent).
fn nindent<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (n, st) = (int(arg(&a, 0)?), s(arg(&a, 1)?));
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let n = n as usize;
    check_len(
        st.len()
            .saturating_add(n.saturating_mul(st.matches('\n').count() + 1)),
    )?;
    let pad = " ".repeat(n);
    out(format!("\n{pad}{}", st.replace('\n', &format!("\n{pad}"))))
}

fn replace<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (old, new, src) = (s(arg(&a, 0)?), s(arg(&a, 1)?), s(arg(&a, 2)?));
    let count = if old.is_empty() {
        src.chars().count() + 1
    } else {
        src.matches(old).count()
    };
    let total = src.len().saturating_add(count.saturating_mul(new.len()));
    check_len(total)?;
    ctx.charge(total)?;
    if old.is_empty() {
        // Go inserts `new` around every character.
        let mut r = String::from(new);
        for c in src.chars() {
            r.push(c);
            r.push_str(new);
        }
        return out(r);
    }
    out(src.replace(old, new))
}

fn plural<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(if int(arg(&a, 2)?) == 1 {
        arg(&a, 0)?.clone()
    } else {
        arg(&a, 1)?.clone()
    })
}

fn to_string<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    out(strval(arg(&a, 0)?)?)
}

/// `strings.Split`; an empty separator splits into characters.
pub(super) fn go_split(sep: &str, st: &str, n: Option<usize>) -> Vec<String> {
    if sep.is_empty() {
        let chars: Vec<String> = st.chars().map(String::from).collect();
        return match n {
            Some(n) if n > 0 && chars.len() > n => match chars.split_at_checked(n - 1) {
                Some((head, rest)) => {
                    let rest: String = rest.concat();
                    head.iter().cloned().chain(std::iter::once(rest)).collect()
                }
                None => chars,
            },
            _ => chars,
        };
    }
    match n {
        Some(n) => st.splitn(n, sep).map(String::from).collect(),
        None => st.split(sep).map(String::from).collect(),
    }
}

fn numbered<'d>(parts: Vec<String>) -> FnResult<'d> {
    Ok(str_map(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), p)),
    ))
}

fn split<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    numbered(go_split(s(arg(&a, 0)?), s(arg(&a, 1)?), None))
}

fn splitn<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let n = int(arg(&a, 1)?);
    if n == 0 {
        return numbered(Vec::new());
    }
    let n = usize::try_from(n).ok();
    numbered(go_split(s(arg(&a, 0)?), s(arg(&a, 2)?), n))
}

fn split_list<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::list(
        go_split(s(arg(&a, 0)?), s(arg(&a, 1)?), None)
            .into_iter()
            .map(Value::string)
            .collect(),
    ))
}

fn b64enc<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    out(base64::engine::general_purpose::STANDARD.encode(s(arg(&a, 0)?)))
}

fn b64dec<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    // sprig returns the decoding error's text instead of failing.
    match base64::engine::general_purpose::STANDARD.decode(s(arg(&a, 0)?)) {
        Ok(bytes) => out(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => out(e.to_string()),
    }
}
