//! JSON values seen the way Go's `encoding/json` decodes them into `interface{}`.
//!
//! apimachinery compares dynamic Go types (`reflect.TypeOf`) and uses Go's `==`:
//! every number is a `float64`, so `80` and `80.0` are the same value, and two
//! objects or two lists cannot be compared at all (Go panics; we refuse).

use serde_json::{Map, Value};

use super::error::Problem;

/// The dynamic Go type of a decoded JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Null,
    Bool,
    Number,
    String,
    List,
    Object,
}

impl Kind {
    pub(super) fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Bool,
            Value::Number(_) => Self::Number,
            Value::String(_) => Self::String,
            Value::Array(_) => Self::List,
            Value::Object(_) => Self::Object,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "a bool",
            Self::Number => "a number",
            Self::String => "a string",
            Self::List => "a list",
            Self::Object => "an object",
        }
    }
}

/// The JSON type name of a value, for error messages.
pub(super) fn kind_name(value: &Value) -> &'static str {
    Kind::of(value).name()
}

/// Go's `==` on two decoded scalars (`null`, bool, number, string); values of
/// different types are unequal. Callers make sure neither side is an object or
/// a list; if one is, it only equals nothing.
pub(super) fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => false,
    }
}

/// Fails unless `value` is a scalar Go can compare and hash.
pub(super) fn require_scalar(value: &Value, what: &'static str) -> Result<(), Problem> {
    match value {
        Value::Array(_) | Value::Object(_) => Err(Problem::Unhashable {
            what,
            found: kind_name(value),
        }),
        _ => Ok(()),
    }
}

/// The value of `key` in a list element that must be an object holding it.
pub(super) fn merge_key_of<'v>(
    element: &'v Value,
    key: &'static str,
) -> Result<&'v Value, Problem> {
    let object = as_object(element)?;
    let value = object.get(key).ok_or(Problem::MissingMergeKey { key })?;
    match value {
        Value::Array(_) | Value::Object(_) => Err(Problem::UncomparableMergeKey {
            key,
            found: kind_name(value),
        }),
        _ => Ok(value),
    }
}

pub(super) fn as_object(element: &Value) -> Result<&Map<String, Value>, Problem> {
    element.as_object().ok_or(Problem::ElementNotObject {
        found: kind_name(element),
    })
}

/// A `[key=value]` label for a list element in error paths.
pub(super) fn element_label(element: &Value, key: &str) -> String {
    match element.get(key) {
        Some(Value::String(s)) => format!("{key}={s}"),
        Some(v) => format!("{key}={v}"),
        None => format!("{key}=?"),
    }
}

/// Copies a patch value that is taken as a whole (its field is absent from the
/// target, or holds another type), as apimachinery's `removeDirectives` does:
/// an object carrying `$patch` is dropped (`None`), recursively, and list
/// elements carrying it are left out. With `discard_nulls`, `null` object
/// fields are dropped first (`discardNullValuesFromPatch`), so a `$patch: null`
/// does not count; `null` list elements stay.
pub(super) fn clean_copy(value: &Value, discard_nulls: bool) -> Option<Value> {
    // Rendered overlays rarely hold either; a plain clone is the fast path.
    if !needs_cleaning(value, discard_nulls) {
        return Some(value.clone());
    }
    match value {
        Value::Object(map) => {
            let has_directive = map
                .get(super::DIRECTIVE)
                .is_some_and(|d| !(discard_nulls && d.is_null()));
            if has_directive {
                return None;
            }
            let mut out = Map::new();
            for (k, v) in map {
                if discard_nulls && v.is_null() {
                    continue;
                }
                if let Some(v) = clean_copy(v, discard_nulls) {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|v| clean_copy(v, discard_nulls))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

/// Whether any object in `value` has a `$` key (a directive: `$patch`, `$retainKeys`,
/// `$setElementOrder/…`, `$deleteFromPrimitiveList/…`). Without one, merging `value` onto an
/// empty object only drops its `null` fields.
pub(crate) fn has_directives(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.starts_with('$') || has_directives(v)),
        Value::Array(items) => items.iter().any(has_directives),
        _ => false,
    }
}

/// Whether [`clean_copy`] would change anything in `value`.
fn needs_cleaning(value: &Value, discard_nulls: bool) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            k == super::DIRECTIVE
                || (discard_nulls && v.is_null())
                || needs_cleaning(v, discard_nulls)
        }),
        Value::Array(items) => items.iter().any(|v| needs_cleaning(v, discard_nulls)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(json!(80), json!(80.0), true)]
    #[case(json!(80), json!("80"), false)]
    #[case(json!(null), json!(null), true)]
    #[case(json!(true), json!(true), true)]
    #[case(json!("a"), json!("b"), false)]
    #[case(json!({}), json!({}), false)]
    fn scalar_equality_follows_go(#[case] a: Value, #[case] b: Value, #[case] equal: bool) {
        assert_eq!(scalar_eq(&a, &b), equal);
    }

    #[rstest]
    #[case::directive_dropped(json!({"$patch": "replace", "a": 1}), true, None)]
    #[case::null_directive_discarded(json!({"$patch": null, "a": 1}), true, Some(json!({"a": 1})))]
    #[case::null_directive_kept(json!({"$patch": null, "a": 1}), false, None)]
    #[case::nested(
        json!({"a": {"$patch": "delete"}, "b": [{"$patch": "x"}, null, 1], "c": null}),
        true,
        Some(json!({"b": [null, 1]}))
    )]
    #[case::nulls_kept(json!({"c": null}), false, Some(json!({"c": null})))]
    fn clean_copy_removes_directives(
        #[case] input: Value,
        #[case] discard_nulls: bool,
        #[case] expected: Option<Value>,
    ) {
        assert_eq!(clean_copy(&input, discard_nulls), expected);
    }
}
