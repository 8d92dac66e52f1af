//! sprig's list and dict functions.
//!
//! Lists are immutable (`append` returns a new list, as sprig does). Dicts are
//! shared and mutable like Go maps: `set`, `unset` and `merge` change the dict
//! every variable holding it sees. A dict that came from the template data is
//! copied first (the data is never modified). Inserting a dict into itself is
//! refused, since Go would build a cycle that no printer can walk.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{
    arg, f, int, kind_name, s, strval, tail, take, to_i64, Args, Ctx, FnResult, Func, Ty, ANY_MAP,
};
use crate::template::value::{too_deep, MapKind, MapRef, Value, MAX_DEPTH};

pub(super) static FUNCS: &[Func] = &[
    f("list", &[], Some(Ty::Any), list),
    f("tuple", &[], Some(Ty::Any), list),
    f("append", &[Ty::Any, Ty::Any], None, push),
    f("push", &[Ty::Any, Ty::Any], None, push),
    f("mustAppend", &[Ty::Any, Ty::Any], None, push),
    f("mustPush", &[Ty::Any, Ty::Any], None, push),
    f("prepend", &[Ty::Any, Ty::Any], None, prepend),
    f("mustPrepend", &[Ty::Any, Ty::Any], None, prepend),
    f("first", &[Ty::Any], None, first),
    f("mustFirst", &[Ty::Any], None, first),
    f("last", &[Ty::Any], None, last),
    f("mustLast", &[Ty::Any], None, last),
    f("rest", &[Ty::Any], None, rest),
    f("mustRest", &[Ty::Any], None, rest),
    f("initial", &[Ty::Any], None, initial),
    f("mustInitial", &[Ty::Any], None, initial),
    f("reverse", &[Ty::Any], None, reverse),
    f("mustReverse", &[Ty::Any], None, reverse),
    f("uniq", &[Ty::Any], None, uniq),
    f("mustUniq", &[Ty::Any], None, uniq),
    f("without", &[Ty::Any], Some(Ty::Any), without),
    f("mustWithout", &[Ty::Any], Some(Ty::Any), without),
    f("has", &[Ty::Any, Ty::Any], None, has),
    f("mustHas", &[Ty::Any, Ty::Any], None, has),
    f("slice", &[Ty::Any], Some(Ty::Any), slice),
    f("mustSlice", &[Ty::Any], Some(Ty::Any), slice),
    f("concat", &[], Some(Ty::Any), concat),
    f("compact", &[Ty::Any], None, compact),
    f("mustCompact", &[Ty::Any], None, compact),
    f("chunk", &[Ty::Int, Ty::Any], None, chunk),
    f("mustChunk", &[Ty::Int, Ty::Any], None, chunk),
    f("until", &[Ty::Int], None, until),
    f("untilStep", &[Ty::Int, Ty::Int, Ty::Int], None, until_step),
    f("dict", &[], Some(Ty::Any), dict),
    f("get", &[ANY_MAP, Ty::Str], None, get),
    f("set", &[ANY_MAP, Ty::Str, Ty::Any], None, set),
    f("unset", &[ANY_MAP, Ty::Str], None, unset),
    f("hasKey", &[ANY_MAP, Ty::Str], None, has_key),
    f("pluck", &[Ty::Str], Some(ANY_MAP), pluck),
    f("keys", &[], Some(ANY_MAP), keys),
    f("values", &[ANY_MAP], None, values),
    f("pick", &[ANY_MAP], Some(Ty::Str), pick),
    f("merge", &[ANY_MAP], Some(ANY_MAP), merge),
    f("mustMerge", &[ANY_MAP], Some(ANY_MAP), merge),
    f("mergeOverwrite", &[ANY_MAP], Some(ANY_MAP), merge_overwrite),
    f(
        "mustMergeOverwrite",
        &[ANY_MAP],
        Some(ANY_MAP),
        merge_overwrite,
    ),
    f("dig", &[Ty::Any], Some(Ty::Any), dig),
    f("deepEqual", &[Ty::Any, Ty::Any], None, deep_equal),
];

/// The items of a list argument, or sprig's "Cannot VERB on type T".
fn items<'d>(v: &Value<'d>, verb: &str) -> Result<Vec<Value<'d>>, String> {
    v.list_items()
        .ok_or_else(|| format!("Cannot {verb} on type {}", kind_name(v)))
}

fn list<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    ctx.charge(a.len())?;
    Ok(Value::list(a))
}

fn push<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut l = items(arg(&a, 0)?, "push")?;
    ctx.charge(l.len())?;
    l.push(take(a, 1)?);
    Ok(Value::list(l))
}

fn prepend<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut l = items(arg(&a, 0)?, "prepend")?;
    ctx.charge(l.len())?;
    l.insert(0, take(a, 1)?);
    Ok(Value::list(l))
}

fn first<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(items(arg(&a, 0)?, "find first")?
        .into_iter()
        .next()
        .unwrap_or(Value::Nil))
}

fn last<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(items(arg(&a, 0)?, "find last")?.pop().unwrap_or(Value::Nil))
}

fn rest<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let l = items(arg(&a, 0)?, "find rest")?;
    match l.split_first() {
        Some((_, tail)) => Ok(Value::list(tail.to_vec())),
        None => Ok(Value::Nil),
    }
}

fn initial<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let l = items(arg(&a, 0)?, "find initial")?;
    match l.split_last() {
        Some((_, init)) => Ok(Value::list(init.to_vec())),
        None => Ok(Value::Nil),
    }
}

fn reverse<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut l = items(arg(&a, 0)?, "find reverse")?;
    l.reverse();
    Ok(Value::list(l))
}

/// `reflect.DeepEqual` on template values.
pub(super) fn deep_eq<'d>(a: &Value<'d>, b: &Value<'d>, depth: usize) -> Result<bool, String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    Ok(match (a, b) {
        (Value::Nil, Value::Nil) | (Value::Zero, Value::Zero) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        _ if a.is_list() && b.is_list() => {
            let (x, y) = (
                a.list_items().unwrap_or_default(),
                b.list_items().unwrap_or_default(),
            );
            x.len() == y.len() && all_eq(x.iter().zip(y.iter()), depth)?
        }
        _ if a.is_map() && b.is_map() => {
            let (x, y) = (
                a.map_entries().unwrap_or_default(),
                b.map_entries().unwrap_or_default(),
            );
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| p.0 == q.0)
                && all_eq(x.iter().map(|p| &p.1).zip(y.iter().map(|q| &q.1)), depth)?
        }
        _ => false,
    })
}

fn all_eq<'a, 'd: 'a>(
    mut pairs: impl Iterator<Item = (&'a Value<'d>, &'a Value<'d>)>,
    depth: usize,
) -> Result<bool, String> {
    pairs.try_fold(true, |acc, (x, y)| Ok(acc && deep_eq(x, y, depth + 1)?))
}

fn contains_value<'d>(list: &[Value<'d>], v: &Value<'d>) -> Result<bool, String> {
    for item in list {
        if deep_eq(item, v, 0)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn uniq<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let l = items(arg(&a, 0)?, "find uniq")?;
    ctx.charge(l.len().saturating_mul(l.len()))?;
    let mut out = Vec::new();
    for v in l {
        if !contains_value(&out, &v)? {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

fn without<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let l = items(arg(&a, 0)?, "find without")?;
    ctx.charge(l.len().saturating_mul(a.len()))?;
    let mut out = Vec::new();
    for v in l {
        if !contains_value(tail(&a, 1), &v)? {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

fn has<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if arg(&a, 1)?.is_nil() {
        return Ok(Value::Bool(false));
    }
    let l = items(arg(&a, 1)?, "find has")?;
    ctx.charge(l.len())?;
    Ok(Value::Bool(contains_value(&l, arg(&a, 0)?)?))
}

fn slice<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let list = arg(&a, 0)?;
    let l = list.list_items().ok_or_else(|| {
        format!(
            "list should be type of slice or array but {}",
            kind_name(list)
        )
    })?;
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map_or(0, to_i64);
    let end = a.get(2).map_or(l.len() as i64, to_i64);
    if start < 0 || end < start || end > l.len() as i64 {
        return Err(format!(
            "reflect: slice index out of range [{start}:{end}] with length {}",
            l.len()
        ));
    }
    let part = l
        .get(start as usize..end as usize)
        .ok_or_else(|| format!("reflect: slice index out of range [{start}:{end}]"))?;
    Ok(Value::list(part.to_vec()))
}

fn concat<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut out = Vec::new();
    for v in &a {
        let l = v
            .list_items()
            .ok_or_else(|| format!("Cannot concat type {} as list", kind_name(v)))?;
        ctx.charge(l.len())?;
        out.extend(l);
    }
    Ok(Value::list(out))
}

fn compact<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let l = items(arg(&a, 0)?, "compact")?;
    Ok(Value::list(l.into_iter().filter(Value::truth).collect()))
}

fn chunk<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let size = int(arg(&a, 0)?);
    let l = items(arg(&a, 1)?, "chunk")?;
    if size <= 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::list(
        l.chunks(size as usize)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}

fn range_list<'d>(ctx: &mut Ctx<'_, 'd>, start: i64, stop: i64, step: i64) -> FnResult<'d> {
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        ctx.charge(1)?;
        out.push(Value::Int(i));
        i = i.saturating_add(step);
    }
    Ok(Value::list(out))
}

fn until<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let n = int(arg(&a, 0)?);
    range_list(ctx, 0, n, if n < 0 { -1 } else { 1 })
}

fn until_step<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    range_list(ctx, int(arg(&a, 0)?), int(arg(&a, 1)?), int(arg(&a, 2)?))
}

fn dict<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    ctx.charge(a.len())?;
    let mut m = BTreeMap::new();
    for pair in a.chunks(2) {
        let (key, val) = match pair {
            [k, v] => (k, v.clone()),
            [k] => (k, Value::str("")),
            _ => continue,
        };
        m.insert(strval(key)?, val);
    }
    Ok(Value::map(m, MapKind::Any))
}

fn get<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(arg(&a, 0)?
        .map_get(s(arg(&a, 1)?))
        .unwrap_or_else(|| Value::str("")))
}

/// The dict to edit: owned dicts in place, data dicts as a fresh copy.
fn editable<'d>(v: &Value<'d>) -> Result<(MapRef<'d>, MapKind), String> {
    match v {
        Value::Map(m, k) => Ok((Rc::clone(m), *k)),
        Value::Data(..) => match v.to_owned_tree(0)? {
            Value::Map(m, k) => Ok((m, k)),
            _ => Err("assignment to entry in nil map".into()),
        },
        _ => Err("assignment to entry in nil map".into()),
    }
}

/// Whether `v` holds (at any depth) the dict `target`.
fn holds<'d>(v: &Value<'d>, target: &MapRef<'d>, depth: usize) -> Result<bool, String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    match v {
        Value::Map(m, _) if Rc::as_ptr(m).cast::<()>() == Rc::as_ptr(target).cast::<()>() => {
            Ok(true)
        }
        Value::Map(..) | Value::List(_) => {
            let children: Vec<Value<'d>> = match v.list_items() {
                Some(l) => l,
                None => v
                    .map_entries()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| e.1)
                    .collect(),
            };
            for c in &children {
                if holds(c, target, depth + 1)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

fn insert<'d>(m: &MapRef<'d>, key: String, value: Value<'d>) -> Result<(), String> {
    if holds(&value, m, 0)? {
        return Err("cannot insert a dict into itself".into());
    }
    m.try_borrow_mut()
        .map_err(|_| "dict is in use".to_string())?
        .insert(key, value);
    Ok(())
}

fn set<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (m, kind) = editable(arg(&a, 0)?)?;
    let key = s(arg(&a, 1)?).to_string();
    insert(&m, key, take(a, 2)?)?;
    Ok(Value::Map(m, kind))
}

fn unset<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (m, kind) = editable(arg(&a, 0)?)?;
    m.try_borrow_mut()
        .map_err(|_| "dict is in use".to_string())?
        .remove(s(arg(&a, 1)?));
    Ok(Value::Map(m, kind))
}

fn has_key<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(arg(&a, 0)?.map_get(s(arg(&a, 1)?)).is_some()))
}

fn pluck<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let key = s(arg(&a, 0)?).to_string();
    Ok(Value::list(
        tail(&a, 1).iter().filter_map(|d| d.map_get(&key)).collect(),
    ))
}

fn keys<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    // Go's map order is random; sorted is the deterministic choice.
    let mut out = Vec::new();
    for d in &a {
        let entries = d.map_entries().unwrap_or_default();
        ctx.charge(entries.len())?;
        out.extend(entries.into_iter().map(|(k, _)| Value::string(k)));
    }
    Ok(Value::list(out))
}

fn values<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::list(
        arg(&a, 0)?
            .map_entries()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.1)
            .collect(),
    ))
}

fn pick<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let mut m = BTreeMap::new();
    for k in tail(&a, 1) {
        if let Some(v) = arg(&a, 0)?.map_get(s(k)) {
            m.insert(s(k).to_string(), v);
        }
    }
    Ok(Value::map(m, MapKind::Any))
}

/// mergo's deep merge: fills keys `dst` lacks (or holds empty), recursing into
/// maps present on both sides; `overwrite` lets non-empty `src` values win.
fn merge_into<'d>(
    dst: &MapRef<'d>,
    src: &Value<'d>,
    overwrite: bool,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    for (k, sv) in src.map_entries().unwrap_or_default() {
        let dv = dst
            .try_borrow()
            .map_err(|_| "dict is in use")?
            .get(&k)
            .cloned();
        match dv {
            Some(d) if d.is_map() && sv.is_map() => {
                let (inner, kind) = editable(&d)?;
                merge_into(&inner, &sv, overwrite, depth + 1)?;
                insert(dst, k, Value::Map(inner, kind))?;
            }
            Some(d) if d.truth() && !(overwrite && sv.truth()) => {}
            _ => {
                if sv.is_nil() && !overwrite {
                    continue;
                }
                insert(dst, k, sv)?;
            }
        }
    }
    Ok(())
}

fn merge_all<'d>(a: Args<'d>, overwrite: bool) -> FnResult<'d> {
    let (m, kind) = editable(arg(&a, 0)?)?;
    for src in tail(&a, 1) {
        if let Value::Map(sm, _) = src {
            if Rc::ptr_eq(sm, &m) {
                continue;
            }
        }
        merge_into(&m, src, overwrite, 0)?;
    }
    Ok(Value::Map(m, kind))
}

fn merge<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    ctx.charge(a.len())?;
    merge_all(a, false)
}

fn merge_overwrite<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    ctx.charge(a.len())?;
    merge_all(a, true)
}

/// `dig "a" "b" default dict`: walks nested dicts, else returns the default.
fn dig<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if a.len() < 3 {
        return Err(format!(
            "dig needs at least three arguments, got {}",
            a.len()
        ));
    }
    let (dict, rest) = a.split_last().ok_or("dig needs arguments")?;
    let (default, path) = rest.split_last().ok_or("dig needs arguments")?;
    let mut cur = dict.clone();
    for key in path {
        match cur.map_get(&strval(key)?) {
            Some(v) => cur = v,
            None => return Ok(default.clone()),
        }
    }
    Ok(cur)
}

fn deep_equal<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::Bool(deep_eq(arg(&a, 0)?, arg(&a, 1)?, 0)?))
}
