//! Go's field order: `encoding/json` writes struct fields in declaration order, and some
//! annotations Istio writes (`proxy.istio.io/overrides`) are compared byte for byte.

use serde_json::{Map, Value};

use super::schema::{Shape, Struct, Ty};

/// Reorders an object's keys (recursively) into the struct's declaration order; keys the
/// table doesn't know keep their relative order after the known ones.
pub(crate) fn order_struct(v: &Value, def: &'static Struct) -> Value {
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = Map::with_capacity(m.len());
    for field in def.fields {
        let Some(child) = m.get(field.name) else {
            continue;
        };
        let ordered = match (field.ty, field.shape) {
            (Ty::Struct(inner), Shape::Slice) => match child {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|i| order_struct(i, inner)).collect())
                }
                other => other.clone(),
            },
            (Ty::Struct(inner), Shape::Map) => match child {
                Value::Object(entries) => Value::Object(
                    entries
                        .iter()
                        .map(|(k, e)| (k.clone(), order_struct(e, inner)))
                        .collect(),
                ),
                other => other.clone(),
            },
            (Ty::Struct(inner), _) => order_struct(child, inner),
            _ => sorted_maps(child),
        };
        out.insert(field.name.to_string(), ordered);
    }
    for (k, child) in m {
        if !out.contains_key(k) {
            out.insert(k.clone(), child.clone());
        }
    }
    Value::Object(out)
}

/// Go writes map keys sorted.
fn sorted_maps(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_maps(&m[k])))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}
