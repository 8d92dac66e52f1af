//! sprig's defaults, JSON, math, conversion, reflection and path functions.

use super::{
    arg, check_len, f, int, kind_name, s, strval, tail, take, to_f64, to_i64, Args, Ctx, FnResult,
    Func, Ty,
};
use crate::template::json::{to_json, JsonStyle};
use crate::template::value::Value;

pub(super) static FUNCS: &[Func] = &[
    f("default", &[Ty::Any], Some(Ty::Any), default),
    f("empty", &[Ty::Any], None, empty),
    f("coalesce", &[], Some(Ty::Any), coalesce),
    f("all", &[], Some(Ty::Any), all),
    f("any", &[], Some(Ty::Any), any),
    f("ternary", &[Ty::Any, Ty::Any, Ty::Bool], None, ternary),
    f("fromJson", &[Ty::Str], None, from_json),
    f("mustFromJson", &[Ty::Str], None, must_from_json),
    f("toJson", &[Ty::Any], None, |_, a| {
        Ok(json_or_empty(arg(&a, 0)?, COMPACT))
    }),
    f("mustToJson", &[Ty::Any], None, |_, a| {
        json_out(arg(&a, 0)?, COMPACT)
    }),
    f("toPrettyJson", &[Ty::Any], None, |_, a| {
        Ok(json_or_empty(arg(&a, 0)?, PRETTY))
    }),
    f("mustToPrettyJson", &[Ty::Any], None, |_, a| {
        json_out(arg(&a, 0)?, PRETTY)
    }),
    f("toRawJson", &[Ty::Any], None, |_, a| {
        Ok(json_or_empty(arg(&a, 0)?, RAW))
    }),
    f("mustToRawJson", &[Ty::Any], None, |_, a| {
        json_out(arg(&a, 0)?, RAW)
    }),
    f("deepCopy", &[Ty::Any], None, deep_copy),
    f("mustDeepCopy", &[Ty::Any], None, deep_copy),
    f("fail", &[Ty::Str], None, |_, a| {
        Err(s(arg(&a, 0)?).to_string())
    }),
    f("atoi", &[Ty::Str], None, atoi),
    f("int", &[Ty::Any], None, |_, a| {
        Ok(Value::Int(to_i64(arg(&a, 0)?)))
    }),
    f("int64", &[Ty::Any], None, |_, a| {
        Ok(Value::Int(to_i64(arg(&a, 0)?)))
    }),
    f("float64", &[Ty::Any], None, |_, a| {
        Ok(Value::Float(to_f64(arg(&a, 0)?)))
    }),
    f("toStrings", &[Ty::Any], None, to_strings),
    f("join", &[Ty::Str, Ty::Any], None, join),
    f("sortAlpha", &[Ty::Any], None, sort_alpha),
    f("add", &[], Some(Ty::Any), add),
    f("add1", &[Ty::Any], None, |_, a| {
        Ok(Value::Int(to_i64(arg(&a, 0)?).wrapping_add(1)))
    }),
    f("sub", &[Ty::Any, Ty::Any], None, |_, a| {
        Ok(Value::Int(
            to_i64(arg(&a, 0)?).wrapping_sub(to_i64(arg(&a, 1)?)),
        ))
    }),
    f("mul", &[Ty::Any], Some(Ty::Any), mul),
    f("div", &[Ty::Any, Ty::Any], None, div),
    f("mod", &[Ty::Any, Ty::Any], None, modulo),
    f("max", &[Ty::Any], Some(Ty::Any), max),
    f("biggest", &[Ty::Any], Some(Ty::Any), max),
    f("min", &[Ty::Any], Some(Ty::Any), min),
    f("floor", &[Ty::Any], None, |_, a| {
        Ok(Value::Float(to_f64(arg(&a, 0)?).floor()))
    }),
    f("ceil", &[Ty::Any], None, |_, a| {
        Ok(Value::Float(to_f64(arg(&a, 0)?).ceil()))
    }),
    f("round", &[Ty::Any, Ty::Int], Some(Ty::Float), round),
    f("typeOf", &[Ty::Any], None, |_, a| {
        Ok(Value::str(arg(&a, 0)?.type_name()))
    }),
    f("kindOf", &[Ty::Any], None, |_, a| {
        Ok(Value::str(kind_name(arg(&a, 0)?)))
    }),
    f("typeIs", &[Ty::Str, Ty::Any], None, |_, a| {
        Ok(Value::Bool(s(arg(&a, 0)?) == arg(&a, 1)?.type_name()))
    }),
    f("kindIs", &[Ty::Str, Ty::Any], None, |_, a| {
        Ok(Value::Bool(s(arg(&a, 0)?) == kind_name(arg(&a, 1)?)))
    }),
    f("base", &[Ty::Str], None, |_, a| {
        Ok(Value::string(base(s(arg(&a, 0)?))))
    }),
    f("dir", &[Ty::Str], None, |_, a| {
        Ok(Value::string(dir(s(arg(&a, 0)?))))
    }),
    f("clean", &[Ty::Str], None, |_, a| {
        Ok(Value::string(clean(s(arg(&a, 0)?))))
    }),
    f("ext", &[Ty::Str], None, |_, a| {
        Ok(Value::string(ext(s(arg(&a, 0)?))))
    }),
    f("isAbs", &[Ty::Str], None, |_, a| {
        Ok(Value::Bool(s(arg(&a, 0)?).starts_with('/')))
    }),
];

const COMPACT: JsonStyle = JsonStyle::COMPACT;
const PRETTY: JsonStyle = JsonStyle {
    indent: true,
    escape_html: true,
};
const RAW: JsonStyle = JsonStyle {
    indent: false,
    escape_html: false,
};

/// sprig's `empty`: the zero value of its type (structs never are).
pub(super) fn is_empty(v: &Value<'_>) -> bool {
    !v.truth()
}

fn default<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let pick = usize::from(a.get(1).is_some_and(|given| !is_empty(given)));
    take(a, pick)
}

fn empty<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(is_empty(arg(&a, 0)?)))
}

fn coalesce<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(a.into_iter().find(|v| !is_empty(v)).unwrap_or(Value::Nil))
}

fn all<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
}

fn any<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
}

fn ternary<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let pick = if arg(&a, 2)?.truth() { 0 } else { 1 };
    take(a, pick)
}

fn parse_json<'d>(text: &str) -> FnResult<'d> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|j| Value::from_owned_json(&j))
        .map_err(|e| e.to_string())
}

fn from_json<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(parse_json(s(arg(&a, 0)?)).unwrap_or(Value::Nil))
}

fn must_from_json<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    parse_json(s(arg(&a, 0)?))
}

fn json_out<'d>(v: &Value<'d>, style: JsonStyle) -> FnResult<'d> {
    let text = to_json(v, style)?;
    check_len(text.len())?;
    Ok(Value::string(text))
}

fn json_or_empty<'d>(v: &Value<'d>, style: JsonStyle) -> Value<'d> {
    json_out(v, style).unwrap_or_else(|_| Value::str(""))
}

fn deep_copy<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    ctx.charge(arg(&a, 0)?.len().unwrap_or(1))?;
    arg(&a, 0)?.to_owned_tree(0)
}

fn atoi<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Int(s(arg(&a, 0)?).parse::<i64>().unwrap_or(0)))
}

/// sprig's `strslice`: strings of the list's non-nil items.
pub(super) fn str_slice(v: &Value<'_>) -> Result<Vec<String>, String> {
    match v.list_items() {
        Some(items) => items.iter().filter(|i| !i.is_nil()).map(strval).collect(),
        None if v.is_nil() => Ok(Vec::new()),
        None => Ok(vec![strval(v)?]),
    }
}

fn to_strings<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::list(
        str_slice(arg(&a, 0)?)?
            .into_iter()
            .map(Value::string)
            .collect(),
    ))
}

fn join<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let parts = str_slice(arg(&a, 1)?)?;
    let text = parts.join(s(arg(&a, 0)?));
    ctx.charge(text.len())?;
    check_len(text.len())?;
    Ok(Value::string(text))
}

fn sort_alpha<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut parts = match arg(&a, 0)?.list_items() {
        Some(_) => str_slice(arg(&a, 0)?)?,
        None => vec![strval(arg(&a, 0)?)?],
    };
    parts.sort();
    Ok(Value::list(parts.into_iter().map(Value::string).collect()))
}

fn add<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Int(
        a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_i64(v))),
    ))
}

fn mul<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Int(
        tail(&a, 1)
            .iter()
            .fold(to_i64(arg(&a, 0)?), |acc, v| acc.wrapping_mul(to_i64(v))),
    ))
}

const DIV_ZERO: &str = "runtime error: integer divide by zero";

fn div<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let d = to_i64(arg(&a, 1)?);
    if d == 0 {
        return Err(DIV_ZERO.into());
    }
    Ok(Value::Int(to_i64(arg(&a, 0)?).wrapping_div(d)))
}

fn modulo<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let d = to_i64(arg(&a, 1)?);
    if d == 0 {
        return Err(DIV_ZERO.into());
    }
    Ok(Value::Int(to_i64(arg(&a, 0)?).wrapping_rem(d)))
}

fn max<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Int(a.iter().map(to_i64).max().unwrap_or(0)))
}

fn min<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Int(a.iter().map(to_i64).min().unwrap_or(0)))
}

fn round<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let round_on = match a.get(2) {
        Some(Value::Float(x)) => *x,
        _ => 0.5,
    };
    let pow = 10f64.powi(int(arg(&a, 1)?).clamp(-300, 300) as i32);
    let digit = pow * to_f64(arg(&a, 0)?);
    let r = if digit.fract().abs() >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(Value::Float(r / pow))
}

/// Go's `path.Clean`.
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(p.get(..cut).unwrap_or_default())
}

fn ext(p: &str) -> String {
    let last = p.rsplit('/').next().unwrap_or(p);
    last.rfind('.').map_or(String::new(), |i| {
        last.get(i..).unwrap_or_default().to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("a/b/../c/./d/", "a/c/d")]
    #[case("/../a", "/a")]
    #[case("", ".")]
    #[case("../../x", "../../x")]
    fn path_clean(#[case] p: &str, #[case] want: &str) {
        assert_eq!(clean(p), want);
    }

    #[rstest]
    #[case("/a/b.txt", "b.txt", "/a", ".txt")]
    #[case("a", "a", ".", "")]
    #[case("/", "/", "/", "")]
    fn paths(#[case] p: &str, #[case] b: &str, #[case] d: &str, #[case] e: &str) {
        assert_eq!(
            (base(p), dir(p), ext(p)),
            (b.to_string(), d.to_string(), e.to_string())
        );
    }
}
