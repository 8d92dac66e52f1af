//! The function map: Go builtins, the commonly used part of sprig v3, and
//! Istio's injection functions (which win where names clash, as in Istio:
//! `contains`, `indent`, `omit`, `env`).
//!
//! Each function declares Go-like parameter types. The executor checks arity
//! and converts arguments exactly where Go's reflection would (a `string`
//! parameter rejects a `float64` with Go's "wrong type for value" message), so
//! implementations receive already-checked values. Functions return errors as
//! strings; the executor wraps them as `error calling NAME: ...`.
//! Work proportional to data size is charged to the render's step budget.

mod builtin;
mod collections;
mod istio;
mod istio_extra;
mod misc;
mod strings;
#[cfg(test)]
mod table_tests;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

use super::value::{MapKind, Value};
use super::MAX_OUTPUT_BYTES;

/// A parameter type, named as Go names it in error messages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Ty {
    /// `interface {}`
    Any,
    Str,
    Int,
    Float,
    Bool,
    /// A map or struct parameter; the name is Go's type name.
    Map(&'static str),
    /// A slice parameter; the name is Go's type name.
    List(&'static str),
}

impl Ty {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::Map(n) | Ty::List(n) => n,
        }
    }

    pub(crate) fn nilable(self) -> bool {
        matches!(self, Ty::Any | Ty::Map(_) | Ty::List(_))
    }
}

pub(crate) const STR_MAP: Ty = Ty::Map("map[string]string");
pub(crate) const ANY_MAP: Ty = Ty::Map("map[string]interface {}");

/// Per-call context: the data root and the step budget.
pub(crate) struct Ctx<'a, 'd> {
    pub root: &'d Json,
    pub steps: &'a mut u64,
    pub max_steps: u64,
}

impl Ctx<'_, '_> {
    /// Charges `n` units of work; fails when the render's budget is spent.
    pub(crate) fn charge(&mut self, n: usize) -> Result<(), String> {
        *self.steps = self.steps.saturating_add(n as u64);
        if *self.steps > self.max_steps {
            return Err(format!(
                "template execution exceeded {} steps",
                self.max_steps
            ));
        }
        Ok(())
    }
}

/// Rejects a string result that would exceed the output limit.
pub(crate) fn check_len(n: usize) -> Result<(), String> {
    if n > MAX_OUTPUT_BYTES {
        return Err(format!(
            "result of {n} bytes exceeds {MAX_OUTPUT_BYTES} bytes"
        ));
    }
    Ok(())
}

pub(crate) type Args<'d> = Vec<Value<'d>>;
pub(crate) type FnResult<'d> = Result<Value<'d>, String>;
pub(crate) type Impl = for<'a, 'd> fn(&mut Ctx<'a, 'd>, Args<'d>) -> FnResult<'d>;

/// A template function.
pub(crate) struct Func {
    pub name: &'static str,
    pub params: &'static [Ty],
    pub variadic: Option<Ty>,
    pub call: Impl,
}

/// Shorthand for table entries.
pub(crate) const fn f(
    name: &'static str,
    params: &'static [Ty],
    variadic: Option<Ty>,
    call: Impl,
) -> Func {
    Func {
        name,
        params,
        variadic,
        call,
    }
}

fn registry() -> &'static HashMap<&'static str, &'static Func> {
    static REG: OnceLock<HashMap<&'static str, &'static Func>> = OnceLock::new();
    REG.get_or_init(|| {
        let mut m = HashMap::new();
        // Later tables override earlier ones: Istio's functions win over sprig's.
        for table in [
            builtin::FUNCS,
            strings::FUNCS,
            collections::FUNCS,
            misc::FUNCS,
            istio::FUNCS,
        ] {
            for func in table {
                m.insert(func.name, func);
            }
        }
        m
    })
}

/// Finds a function by name.
pub(crate) fn lookup(name: &str) -> Option<&'static Func> {
    registry().get(name).copied()
}

/// Whether a name is callable (`and`/`or` are handled by the executor).
pub(crate) fn exists(name: &str) -> bool {
    name == "and" || name == "or" || lookup(name).is_some()
}

// ---- helpers shared by the implementations ----

/// Argument `i`. The executor checks arity against the signature table, so a
/// missing argument is an internal error: reported as one, never a panic.
pub(crate) fn arg<'x, 'd>(a: &'x [Value<'d>], i: usize) -> Result<&'x Value<'d>, String> {
    a.get(i)
        .ok_or_else(|| format!("internal error: missing argument {}", i + 1))
}

/// Takes argument `i` by value (see [`arg`]).
pub(crate) fn take(a: Args<'_>, i: usize) -> FnResult<'_> {
    a.into_iter()
        .nth(i)
        .ok_or_else(|| format!("internal error: missing argument {}", i + 1))
}

/// The arguments from `i` on (the variadic tail); empty when there are fewer.
pub(crate) fn tail<'x, 'd>(a: &'x [Value<'d>], i: usize) -> &'x [Value<'d>] {
    a.get(i..).unwrap_or_default()
}

/// The string inside a checked `Ty::Str` argument.
pub(crate) fn s<'v>(v: &'v Value<'_>) -> &'v str {
    v.as_str().unwrap_or("")
}

/// The integer inside a checked `Ty::Int` argument.
pub(crate) fn int(v: &Value<'_>) -> i64 {
    match v {
        Value::Int(i) => *i,
        _ => 0,
    }
}

/// sprig's `strval`: strings as is, everything else through `%v`.
pub(crate) fn strval(v: &Value<'_>) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s.to_string()),
        other => super::format::sprint_value(other),
    }
}

/// Trailing `.000` removal done by spf13/cast before integer parsing.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return s.get(..i).unwrap_or(s),
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix('0').filter(|d| !d.is_empty()) {
        (8, d)
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let v = i128::from_str_radix(&digits.replace('_', ""), radix).ok()?;
    i64::try_from(if neg { -v } else { v }).ok()
}

/// spf13/cast `ToInt64`: lenient, 0 on failure.
pub(crate) fn to_i64(v: &Value<'_>) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_int_base0(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast `ToFloat64`: lenient, 0 on failure.
pub(crate) fn to_f64(v: &Value<'_>) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Go reflect kind names, for sprig's "Cannot X on type Y" errors and `kindOf`.
pub(crate) fn kind_name(v: &Value<'_>) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Zero => "interface",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        v if v.is_list() => "slice",
        Value::Data(_, super::value::Origin::Root) => "ptr",
        _ => "map",
    }
}

/// A `map[string]string` from string pairs.
pub(crate) fn str_map<'d>(pairs: impl IntoIterator<Item = (String, String)>) -> Value<'d> {
    Value::map(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::string(v)))
            .collect(),
        MapKind::Str,
    )
}

/// The entries of a map argument whose values must be strings (Go `map[string]string`).
pub(crate) fn string_entries(v: &Value<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (k, val) in v.map_entries().unwrap_or_default() {
        match val {
            Value::Str(s) => out.push((k, s.to_string())),
            Value::Zero => out.push((k, String::new())),
            other => {
                return Err(format!(
                    "map value for key {k:?} has type {}; should be string",
                    other.type_name()
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Value::str("42"), 42)]
    #[case(Value::str("0x10"), 16)]
    #[case(Value::str("010"), 8)]
    #[case(Value::str("10.00"), 10)]
    #[case(Value::str("10.5"), 0)]
    #[case(Value::str("abc"), 0)]
    #[case(Value::Float(3.9), 3)]
    #[case(Value::Bool(true), 1)]
    #[case(Value::Nil, 0)]
    fn cast_to_int64(#[case] v: Value<'static>, #[case] want: i64) {
        assert_eq!(to_i64(&v), want);
    }

    #[test]
    fn istio_overrides_sprig() {
        // Istio's indent leaves the first line alone; sprig's would pad it.
        let f = lookup("indent").unwrap();
        let mut steps = 0;
        let mut ctx = Ctx {
            root: &Json::Null,
            steps: &mut steps,
            max_steps: 100,
        };
        let out = (f.call)(&mut ctx, vec![Value::Int(2), Value::str("a\nb")]).unwrap();
        assert_eq!(out.as_str(), Some("a\n  b"));
        assert!(exists("and") && exists("toYaml") && !exists("nope"));
    }
}
