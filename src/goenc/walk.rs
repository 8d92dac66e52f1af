//! The table-driven pass: decode a JSON value into a Go struct (in the mind) and encode it back.
//!
//! Decoding follows `encoding/json` (behind `sigs.k8s.io/yaml`): unknown fields are dropped,
//! field names match case-insensitively when no exact match exists, `null` is the zero value,
//! YAML numbers/bools bound for strings become strings. Encoding follows it too: struct fields
//! in declaration order, `omitempty` drops false/0/""/nil/empty slices and maps but never a
//! struct, non-pointer structs always appear (as `{}` at least), nil slices/maps/pointers without
//! `omitempty` appear as `null`, map keys come out sorted.
//!
//! Values are moved, never cloned; a path is only rendered when an error is reported.

use serde_json::{Map, Value};

use super::scalars;
use super::schema::{Field, Omit, Shape, Struct, Ty};
use super::GoEncError;
use crate::go::quantity;

/// Where in the document a value sits; a stack-allocated chain, rendered on error only.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: Seg::Root,
    };

    pub(crate) fn field(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Seg::Field(name),
        }
    }

    pub(crate) fn index(&'a self, i: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    /// `spec.containers[0].resources.limits["nvidia.com/gpu"]`.
    pub(crate) fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Field(name) if is_plain(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Seg::Field(name) => out.push_str(&format!("[{name:?}]")),
            }
        }
        if out.is_empty() {
            out.push_str("(root)");
        }
        out
    }
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_error(path: &Path<'_>, expected: &'static str, found: &Value) -> GoEncError {
    GoEncError::Type {
        path: path.render(),
        expected,
        found: json_kind(found),
    }
}

/// Re-encodes `obj` as Go would encode the struct `def` decoded from it.
pub(crate) fn norm_struct(
    obj: &mut Map<String, Value>,
    def: &'static Struct,
    path: &Path<'_>,
) -> Result<(), GoEncError> {
    if def.fields.len() <= 64 && in_go_order(obj, def) {
        norm_in_place(obj, def, path)
    } else {
        rebuild(obj, def, path)
    }
}

/// Whether Go would always print the field, even when it was absent from the input:
/// non-`omitempty` fields, and plain struct values (`omitempty` never omits a struct).
fn always_emitted(field: &Field) -> bool {
    field.omit == Omit::Never
        || (field.shape == Shape::Value
            && matches!(
                field.ty,
                Ty::Struct(_) | Ty::Quantity | Ty::IntOrString | Ty::Raw
            ))
}

/// Whether the keys are already known fields in Go order with nothing Go prints missing: then
/// values are fixed in place, without rebuilding the map (the API server's pods, and anything
/// normalised before, take this path).
fn in_go_order(obj: &Map<String, Value>, def: &Struct) -> bool {
    let mut fields = def.fields.iter();
    'keys: for key in obj.keys() {
        for field in fields.by_ref() {
            if field.name == key {
                continue 'keys;
            }
            if always_emitted(field) {
                return false;
            }
        }
        return false;
    }
    fields.all(|f| !always_emitted(f))
}

fn norm_in_place(
    obj: &mut Map<String, Value>,
    def: &'static Struct,
    path: &Path<'_>,
) -> Result<(), GoEncError> {
    let mut fields = def.fields.iter();
    let mut omitted: u64 = 0;
    for (i, (key, value)) in obj.iter_mut().enumerate() {
        let Some(field) = fields.find(|f| f.name == key) else {
            continue; // cannot happen after `in_go_order`
        };
        match norm_field(field, std::mem::take(value), &path.field(field.name))? {
            Some(v) => *value = v,
            None => omitted |= 1 << i,
        }
    }
    if omitted != 0 {
        let mut i = 0;
        obj.retain(|_, _| {
            let keep = omitted & (1 << i) == 0;
            i += 1;
            keep
        });
    }
    Ok(())
}

/// The general case: move every known field into a fresh map, in Go order.
fn rebuild(
    obj: &mut Map<String, Value>,
    def: &'static Struct,
    path: &Path<'_>,
) -> Result<(), GoEncError> {
    if let Some(fields) = exact_fields(obj, def) {
        return rebuild_exact(obj, def, &fields, path);
    }
    let mut old = std::mem::take(obj);
    let mut out = Map::with_capacity(def.fields.len().min(old.len() + 4));
    for field in def.fields {
        let (key, input) = match old.swap_remove_entry(field.name) {
            Some(entry) => entry,
            None => match take_folded(&mut old, field.name) {
                Some(v) => (field.name.to_owned(), v),
                None => (String::new(), Value::Null),
            },
        };
        if let Some(v) = norm_field(field, input, &path.field(field.name))? {
            let key = if key.is_empty() {
                field.name.to_owned()
            } else {
                key
            };
            out.insert(key, v);
        }
    }
    *obj = out;
    Ok(())
}

/// For each key, the index of the field it names exactly; `None` when a key names none (an
/// unknown field, or one Go would match ignoring case) or the struct is too wide for the index.
fn exact_fields(obj: &Map<String, Value>, def: &Struct) -> Option<Vec<u8>> {
    if def.fields.len() > usize::from(u8::MAX) {
        return None;
    }
    obj.keys()
        .map(|k| {
            let i = def.fields.iter().position(|f| f.name == k)?;
            u8::try_from(i).ok()
        })
        .collect()
}

/// `rebuild` when every key names a field exactly (typed serialisations, most YAML): the same
/// result without looking each field up in the map. Equal because no two field names of a
/// table differ in case alone (`tests::field_names_differ_even_ignoring_case`), so the
/// case-insensitive fallback finds nothing for an absent field; and Go drops an absent field
/// unless it always prints it (`always_emitted`).
fn rebuild_exact(
    obj: &mut Map<String, Value>,
    def: &'static Struct,
    fields: &[u8],
    path: &Path<'_>,
) -> Result<(), GoEncError> {
    let mut present: Vec<(u8, String, Value)> = std::mem::take(obj)
        .into_iter()
        .zip(fields)
        .map(|((k, v), &i)| (i, k, v))
        .collect();
    present.sort_unstable_by_key(|e| e.0);
    let mut present = present.into_iter().peekable();
    let mut out = Map::with_capacity(def.fields.len().min(fields.len() + 4));
    for (i, field) in def.fields.iter().enumerate() {
        let (key, input) = match present.next_if(|e| usize::from(e.0) == i) {
            Some((_, key, input)) => (key, input),
            None if always_emitted(field) => (field.name.to_owned(), Value::Null),
            None => continue,
        };
        if let Some(v) = norm_field(field, input, &path.field(field.name))? {
            out.insert(key, v);
        }
    }
    *obj = out;
    Ok(())
}

/// Go matches JSON keys to fields case-insensitively when no key matches exactly.
fn take_folded(old: &mut Map<String, Value>, name: &str) -> Option<Value> {
    if old.is_empty() {
        return None;
    }
    let key = old.keys().find(|k| k.eq_ignore_ascii_case(name))?.clone();
    old.swap_remove(&key)
}

/// The encoded field, or `None` when Go omits it.
fn norm_field(field: &Field, input: Value, path: &Path<'_>) -> Result<Option<Value>, GoEncError> {
    let omittable = field.omit != Omit::Never;
    match field.shape {
        Shape::Pointer | Shape::Slice | Shape::Map if input.is_null() => {
            Ok((!omittable).then_some(Value::Null))
        }
        Shape::Pointer => norm_elem(field.ty, input, path).map(Some),
        Shape::Slice => match input {
            Value::Array(mut items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    *item = norm_elem(field.ty, std::mem::take(item), &path.index(i))?;
                }
                let drop = items.is_empty() && field.omit == Omit::Empty;
                Ok((!drop).then_some(Value::Array(items)))
            }
            other => Err(type_error(path, "slice", &other)),
        },
        Shape::Map => match input {
            Value::Object(mut map) => {
                for (key, value) in map.iter_mut() {
                    *value = norm_elem(field.ty, std::mem::take(value), &path.field(key))?;
                }
                sort_keys(&mut map);
                let drop = map.is_empty() && field.omit == Omit::Empty;
                Ok((!drop).then_some(Value::Object(map)))
            }
            other => Err(type_error(path, "map", &other)),
        },
        Shape::Value => {
            let v = norm_elem(field.ty, input, path)?;
            Ok((!(omittable && is_empty_scalar(field.ty, &v))).then_some(v))
        }
    }
}

/// Go sorts map keys when encoding; skip the work when they already are.
fn sort_keys(map: &mut Map<String, Value>) {
    let mut keys = map.keys();
    let mut prev = keys.next();
    for k in keys {
        if prev.is_some_and(|p| p > k) {
            map.sort_keys();
            return;
        }
        prev = Some(k);
    }
}

/// What `omitempty` (and, for the one `omitzero` time, `omitzero`) leaves out of a plain value.
/// Structs — Quantity, IntOrString and Time included — are never empty for `omitempty`; a zero
/// `Time` encodes as `null`, which is what `omitzero` tests.
pub(super) fn is_empty_scalar(ty: Ty, v: &Value) -> bool {
    match (ty, v) {
        (Ty::Str, Value::String(s)) => s.is_empty(),
        (Ty::Bool, Value::Bool(b)) => !b,
        (Ty::I32 | Ty::I64, Value::Number(n)) => n.as_i64() == Some(0),
        (Ty::Time, Value::Null) => true,
        _ => false,
    }
}

/// Decodes one element into its Go type and encodes it back.
fn norm_elem(ty: Ty, v: Value, path: &Path<'_>) -> Result<Value, GoEncError> {
    match ty {
        Ty::Str => match v {
            Value::String(_) => Ok(v),
            Value::Null => Ok(Value::String(String::new())),
            Value::Number(n) => Ok(Value::String(scalars::yaml_number_as_string(&n))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(type_error(path, "string", &other)),
        },
        Ty::Bool => match v {
            Value::Bool(_) => Ok(v),
            Value::Null => Ok(Value::Bool(false)),
            other => Err(type_error(path, "bool", &other)),
        },
        Ty::I32 => int(v, 32, "int32", path),
        Ty::I64 => int(v, 64, "int64", path),
        Ty::Quantity => norm_quantity(v, path),
        Ty::IntOrString => match v {
            Value::String(_) => Ok(v),
            // Go's IntOrString decodes `null` as the integer 0.
            Value::Null => Ok(Value::from(0)),
            other => int(other, 32, "intstr.IntOrString", path),
        },
        Ty::Time => match v {
            Value::Null => Ok(Value::Null),
            Value::String(s) => match scalars::normalize_time(&s) {
                Some(t) => Ok(Value::String(t)),
                None => Err(GoEncError::Time {
                    path: path.render(),
                    value: s,
                }),
            },
            other => Err(type_error(path, "metav1.Time", &other)),
        },
        Ty::Raw => Ok(v),
        Ty::Struct(def) => match v {
            Value::Object(mut map) => {
                norm_struct(&mut map, def, path)?;
                Ok(Value::Object(map))
            }
            Value::Null => {
                let mut map = Map::new();
                norm_struct(&mut map, def, path)?;
                Ok(Value::Object(map))
            }
            other => Err(type_error(path, def.name, &other)),
        },
    }
}

fn int(v: Value, bits: u32, expected: &'static str, path: &Path<'_>) -> Result<Value, GoEncError> {
    match v {
        Value::Null => Ok(Value::from(0)),
        Value::Number(n) => match scalars::go_int(&n, bits) {
            Some(i) => Ok(Value::from(i)),
            None => Err(GoEncError::Number {
                path: path.render(),
                value: n.to_string(),
                expected,
            }),
        },
        other => Err(type_error(path, expected, &other)),
    }
}

fn norm_quantity(v: Value, path: &Path<'_>) -> Result<Value, GoEncError> {
    let canonical = match &v {
        // Go's zero Quantity prints as "0".
        Value::Null => return Ok(Value::String("0".to_owned())),
        // Go trims the JSON string before parsing it.
        Value::String(s) => quantity::canonicalize(s.trim()).map_err(|e| (s.trim().to_owned(), e)),
        Value::Number(n) => {
            let text = scalars::json_number(n);
            quantity::canonicalize(&text).map_err(|e| (text, e))
        }
        other => return Err(type_error(path, "resource.Quantity", other)),
    };
    match canonical {
        Ok(q) => Ok(Value::String(q)),
        Err((value, source)) => Err(GoEncError::Quantity {
            path: path.render(),
            value,
            source,
        }),
    }
}
