//! The check-only twin of `walk`: is a value already exactly what normalising it gives?
//!
//! The webhook's fast path needs to know that the pod it was sent is its own Go encoding (what
//! an API server sends), so the patch it computes against that encoding applies to the pod as
//! sent. Copying the pod to normalise the copy and compare it cost more than the rest of the
//! fast path; this pass reads the same tables and answers without copying or allocating (a
//! quantity Go would rewrite is the one exception: its canonical form is printed to compare).
//!
//! Contract: `is_normal_struct(v, def)` ⇔ normalising a copy of `v` as `def` succeeds and the
//! result equals `v` under `serde_json`'s equality, which ignores key order (an `IndexMap`
//! compares as a map). So keys out of Go order do not make a value abnormal here, as they did
//! not make the copy compare unequal. Each rule below names the `walk` rule it mirrors; the
//! unit and property tests compare the two on every input they have.

use serde_json::{Map, Number, Value};

use super::scalars;
use super::schema::{Field, Omit, Shape, Struct, Ty};
use super::walk::is_empty_scalar;
use crate::go::quantity;

/// `norm_struct`: the result holds exactly the fields Go prints, under their exact names.
/// A key that is not exactly a field name (unknown, or matched only case-insensitively) is
/// dropped or renamed by the walk, so the value differs.
pub(crate) fn is_normal_struct(obj: &Map<String, Value>, def: &Struct) -> bool {
    let fields = def.fields;
    // Keys are matched to fields by name, starting after the previous match: one comparison
    // per key when they come in Go order (as they do in Go's encoding), and no hashing.
    let (mut next, mut required_present) = (0, 0);
    for (key, value) in obj {
        let found = (next..fields.len())
            .chain(0..next)
            .find_map(|i| Some((i, fields.get(i).filter(|f| f.name == key)?)));
        let Some((i, field)) = found else {
            return false;
        };
        if !field_kept_as_is(field, value) {
            return false;
        }
        required_present += usize::from(!omitted_when_null(field));
        next = i + 1;
    }
    // Absent decodes as `null`, which Go must then omit. Keys and field names are unique, so
    // counting the present fields that Go always prints tells whether all of them are there.
    required_present == fields.iter().filter(|f| !omitted_when_null(f)).count()
}

/// `norm_field(field, null)` is `None`.
pub(super) fn omitted_when_null(field: &Field) -> bool {
    let omittable = field.omit != Omit::Never;
    match field.shape {
        Shape::Pointer | Shape::Slice | Shape::Map => omittable,
        // The zero value of the element, omitted only if `omitempty`/`omitzero` drops it.
        Shape::Value => {
            omittable
                && match field.ty {
                    Ty::Str | Ty::Bool | Ty::I32 | Ty::I64 | Ty::Time => true,
                    Ty::Quantity | Ty::IntOrString | Ty::Raw | Ty::Struct(_) => false,
                }
        }
    }
}

/// `norm_field(field, v)` is `Some(v)`.
fn field_kept_as_is(field: &Field, v: &Value) -> bool {
    let omittable = field.omit != Omit::Never;
    match field.shape {
        Shape::Pointer | Shape::Slice | Shape::Map if v.is_null() => !omittable,
        Shape::Pointer => elem_is_normal(field.ty, v),
        Shape::Slice => match v {
            Value::Array(items) => {
                !(items.is_empty() && field.omit == Omit::Empty)
                    && items.iter().all(|item| elem_is_normal(field.ty, item))
            }
            _ => false,
        },
        // Key order does not count (see the module note), so sorting changes nothing here.
        Shape::Map => match v {
            Value::Object(map) => {
                !(map.is_empty() && field.omit == Omit::Empty)
                    && map.values().all(|value| elem_is_normal(field.ty, value))
            }
            _ => false,
        },
        Shape::Value => elem_is_normal(field.ty, v) && !(omittable && is_empty_scalar(field.ty, v)),
    }
}

/// `norm_elem(ty, v)` is `v` (an error in the walk is `false` here).
fn elem_is_normal(ty: Ty, v: &Value) -> bool {
    match ty {
        // `null` becomes "", numbers and bools become strings.
        Ty::Str => v.is_string(),
        Ty::Bool => v.is_boolean(),
        Ty::I32 => is_normal_int(v, 32),
        Ty::I64 => is_normal_int(v, 64),
        Ty::Quantity => match v {
            // Go trims before parsing; the canonical form has no spaces.
            Value::String(s) => s.trim() == s && quantity::is_canonical(s),
            _ => false,
        },
        Ty::IntOrString => match v {
            Value::String(_) => true,
            Value::Null => false,
            other => is_normal_int(other, 32),
        },
        Ty::Time => match v {
            Value::Null => true,
            Value::String(s) => scalars::is_normal_time(s),
            _ => false,
        },
        Ty::Raw => true,
        Ty::Struct(def) => match v {
            Value::Object(map) => is_normal_struct(map, def),
            _ => false,
        },
    }
}

/// `walk::int`: the number Go prints back is an integer `Number` equal to the input, so a
/// float spelling (`5.0`) is rewritten and out-of-range values are refused.
fn is_normal_int(v: &Value, bits: u32) -> bool {
    match v {
        Value::Number(n) => scalars::go_int(n, bits).is_some_and(|i| Number::from(i) == *n),
        _ => false,
    }
}
