//! Go's builtin template functions (`and`/`or` short-circuit in the executor;
//! `slice` is sprig's, which replaces Go's in Istio's function map).

use super::{arg, f, s, tail, Args, Ctx, FnResult, Func, Ty};
use crate::go::unicode::is_print as is_go_print;
use crate::template::format::{sprint, sprintf, sprintln};
use crate::template::value::Value;

pub(super) static FUNCS: &[Func] = &[
    f("not", &[Ty::Any], None, not),
    f("eq", &[Ty::Any], Some(Ty::Any), eq),
    f("ne", &[Ty::Any, Ty::Any], None, ne),
    f("lt", &[Ty::Any, Ty::Any], None, lt),
    f("le", &[Ty::Any, Ty::Any], None, le),
    f("gt", &[Ty::Any, Ty::Any], None, gt),
    f("ge", &[Ty::Any, Ty::Any], None, ge),
    f("len", &[Ty::Any], None, len),
    f("index", &[Ty::Any], Some(Ty::Any), index),
    f("print", &[], Some(Ty::Any), print),
    f("printf", &[Ty::Str], Some(Ty::Any), printf),
    f("println", &[], Some(Ty::Any), println),
    f("html", &[], Some(Ty::Any), html),
    f("js", &[], Some(Ty::Any), js),
    f("urlquery", &[], Some(Ty::Any), urlquery),
    f("call", &[Ty::Any], Some(Ty::Any), call),
];

fn not<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(!arg(&a, 0)?.truth()))
}

/// A basic (comparable) value; `Zero` takes the kind of what it is compared to.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Basic<'a> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

fn basic<'a>(v: &'a Value<'_>) -> Option<Basic<'a>> {
    Some(match v {
        Value::Bool(b) => Basic::Bool(*b),
        Value::Int(i) => Basic::Int(*i),
        Value::Float(x) => Basic::Float(*x),
        Value::Str(s) => Basic::Str(s),
        _ => return None,
    })
}

fn zero_like(b: Basic<'_>) -> Basic<'static> {
    match b {
        Basic::Bool(_) => Basic::Bool(false),
        Basic::Int(_) => Basic::Int(0),
        Basic::Float(_) => Basic::Float(0.0),
        Basic::Str(_) => Basic::Str(""),
    }
}

fn same_kind(a: Basic<'_>, b: Basic<'_>) -> bool {
    std::mem::discriminant(&a) == std::mem::discriminant(&b)
}

fn incompatible(a: &Value<'_>, b: &Value<'_>) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// Basic operands of a comparison, with `Zero` resolved against the other side.
fn basics<'a, 'd>(a: &'a Value<'d>, b: &'a Value<'d>) -> Option<(Basic<'a>, Basic<'a>)> {
    match (a, b) {
        (Value::Zero, Value::Zero) => Some((Basic::Int(0), Basic::Int(0))),
        (Value::Zero, other) => basic(other).map(|x| (zero_like(x), x)),
        (other, Value::Zero) => basic(other).map(|x| (x, zero_like(x))),
        _ => Some((basic(a)?, basic(b)?)),
    }
}

fn eq_pair<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<bool, String> {
    if let Some((x, y)) = basics(a, b) {
        if !same_kind(x, y) {
            return Err(incompatible(a, b));
        }
        return Ok(x == y);
    }
    match (a, b) {
        // Go: an invalid value equals only another invalid value, without error.
        (Value::Nil | Value::Zero, Value::Nil | Value::Zero) => Ok(true),
        (Value::Nil, _) | (_, Value::Nil) => Ok(false),
        (Value::Zero, other) | (other, Value::Zero) if basic(other).is_none() => Ok(false),
        _ if basic(a).is_some() || basic(b).is_some() => Err(incompatible(a, b)),
        _ => Err(format!("non-comparable type {}", b.type_name())),
    }
}

fn eq<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if a.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    for other in tail(&a, 1) {
        if eq_pair(arg(&a, 0)?, other)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn ne<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(!eq_pair(arg(&a, 0)?, arg(&a, 1)?)?))
}

fn less<'d>(a: &Value<'d>, b: &Value<'d>) -> Result<bool, String> {
    let (x, y) = basics(a, b).ok_or("invalid type for comparison")?;
    if matches!(x, Basic::Bool(_)) || matches!(y, Basic::Bool(_)) {
        return Err("invalid type for comparison".into());
    }
    if !same_kind(x, y) {
        return Err(incompatible(a, b));
    }
    Ok(x < y)
}

fn lt<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(less(arg(&a, 0)?, arg(&a, 1)?)?))
}

fn le<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(
        less(arg(&a, 0)?, arg(&a, 1)?)? || eq_pair(arg(&a, 0)?, arg(&a, 1)?)?,
    ))
}

fn gt<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(
        !(less(arg(&a, 0)?, arg(&a, 1)?)? || eq_pair(arg(&a, 0)?, arg(&a, 1)?)?),
    ))
}

fn ge<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(!less(arg(&a, 0)?, arg(&a, 1)?)?))
}

fn len<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    match arg(&a, 0)? {
        Value::Nil => Err("len of nil pointer".into()),
        v => v
            .len()
            .map(|n| Value::Int(n as i64))
            .ok_or_else(|| format!("len of type {}", v.type_name())),
    }
}

fn index_one<'d>(item: &Value<'d>, idx: &Value<'d>) -> FnResult<'d> {
    match item {
        Value::Zero => Ok(Value::Zero),
        Value::Nil => Err("index of nil pointer".into()),
        Value::Str(st) => {
            let i = list_index(idx, st.len())?;
            let byte = st.as_bytes().get(i).ok_or_else(|| out_of_range(i))?;
            Ok(Value::Int(i64::from(*byte)))
        }
        v if v.is_list() => {
            let items = v.list_items().unwrap_or_default();
            let i = list_index(idx, items.len())?;
            items.get(i).cloned().ok_or_else(|| out_of_range(i))
        }
        v if v.is_map() => {
            let key = match idx {
                Value::Str(k) => k.to_string(),
                Value::Zero => String::new(),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ))
                }
            };
            Ok(v.map_get(&key).unwrap_or_else(|| v.missing_key()))
        }
        other => Err(format!("can't index item of type {}", other.type_name())),
    }
}

fn out_of_range(i: usize) -> String {
    format!("index out of range: {i}")
}

fn list_index(idx: &Value<'_>, len: usize) -> Result<usize, String> {
    match idx {
        Value::Int(i) if *i >= 0 && (*i as u64) < len as u64 => Ok(*i as usize),
        Value::Int(i) => Err(format!("index out of range: {i}")),
        Value::Nil => Err("cannot index slice/array with nil".into()),
        other => Err(format!(
            "cannot index slice/array with type {}",
            other.type_name()
        )),
    }
}

fn index<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if arg(&a, 0)?.is_nil() {
        return Err("index of untyped nil".into());
    }
    let mut item = arg(&a, 0)?.clone();
    for idx in tail(&a, 1) {
        item = index_one(&item, idx)?;
    }
    Ok(item)
}

fn print<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::string(sprint(&a)?))
}

fn printf<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::string(sprintf(s(arg(&a, 0)?), tail(&a, 1))?))
}

fn println<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::string(sprintln(&a)?))
}

/// Go's `evalArgs`: a lone string as is, otherwise `fmt.Sprint`.
fn eval_args(a: &[Value<'_>]) -> Result<String, String> {
    match a {
        [Value::Str(x)] => Ok(x.to_string()),
        _ => sprint(a),
    }
}

fn html<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let text = eval_args(&a)?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Ok(Value::string(out))
}

fn js<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let text = eval_args(&a)?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c if c.is_ascii() || is_go_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    Ok(Value::string(out))
}

fn urlquery<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let text = eval_args(&a)?;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::string(out))
}

fn call<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    // Template data is JSON: it never holds functions.
    match arg(&a, 0)? {
        Value::Nil => Err("call of nil".into()),
        v => Err(format!("non-function of type {}", v.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::Value as Json;

    fn run<'d>(func: fn(&mut Ctx<'_, 'd>, Args<'d>) -> FnResult<'d>, a: Args<'d>) -> FnResult<'d> {
        let mut steps = 0;
        let mut ctx = Ctx {
            root: &Json::Null,
            steps: &mut steps,
            max_steps: 1000,
        };
        func(&mut ctx, a)
    }

    fn st(x: &str) -> Value<'static> {
        Value::str(x)
    }

    #[rstest]
    #[case(vec![st("a"), st("b"), st("a")], Ok(true))]
    #[case(vec![Value::Int(1), Value::Int(2)], Ok(false))]
    #[case(vec![Value::Zero, st("")], Ok(true))]
    #[case(vec![Value::Zero, st("x")], Ok(false))]
    #[case(vec![Value::Nil, Value::Bool(true)], Ok(false))]
    #[case(vec![Value::Nil, Value::Nil], Ok(true))]
    #[case(vec![Value::Float(1.0), Value::Int(1)], Err("incompatible types for comparison: float64 and int".to_string()))]
    #[case(vec![st("a")], Err("missing argument for comparison".to_string()))]
    fn equality(#[case] args: Vec<Value<'static>>, #[case] want: Result<bool, String>) {
        let got = run(eq, args).map(|v| v.truth());
        assert_eq!(got, want);
    }

    #[rstest]
    #[case(Value::Int(1), Value::Int(2), Ok(true))]
    #[case(st("b"), st("a"), Ok(false))]
    #[case(Value::Zero, Value::Int(1), Ok(true))]
    #[case(Value::Bool(false), Value::Bool(true), Err("invalid type for comparison".to_string()))]
    #[case(Value::Nil, Value::Int(1), Err("invalid type for comparison".to_string()))]
    fn ordering(
        #[case] a: Value<'static>,
        #[case] b: Value<'static>,
        #[case] want: Result<bool, String>,
    ) {
        assert_eq!(run(lt, vec![a, b]).map(|v| v.truth()), want);
    }

    #[test]
    fn index_and_len() {
        let l = Value::list(vec![st("a"), Value::list(vec![st("b")])]);
        let got = run(index, vec![l.clone(), Value::Int(1), Value::Int(0)]).unwrap();
        assert_eq!(got.as_str(), Some("b"));
        assert_eq!(
            run(index, vec![l.clone(), Value::Int(5)]).unwrap_err(),
            "index out of range: 5"
        );
        assert_eq!(
            run(index, vec![Value::Nil]).unwrap_err(),
            "index of untyped nil"
        );
        assert!(matches!(run(len, vec![l]).unwrap(), Value::Int(2)));
    }

    #[test]
    fn escapers() {
        assert_eq!(
            run(html, vec![st("<a href='x'>")]).unwrap().as_str(),
            Some("&lt;a href=&#39;x&#39;&gt;")
        );
        assert_eq!(
            run(urlquery, vec![st("a b&c")]).unwrap().as_str(),
            Some("a+b%26c")
        );
        assert_eq!(
            run(js, vec![st("a'<")]).unwrap().as_str(),
            Some("a\\'\\u003C")
        );
    }
}
