//! Merging an overlay object into a target object: apimachinery's `mergeMap`.
//!
//! Order of work, as in `mergeMap`: an object-level `$patch` short-circuits;
//! then `$retainKeys` prunes the target; then every `$setElementOrder/<list>`
//! is applied together with its list; then the remaining fields merge one by
//! one. Go walks the patch map in random order; we walk the overlay in its own
//! order, which is one of Go's possible outcomes (they differ only when a
//! field and its `$deleteFromPrimitiveList/` twin add and remove one value).

use serde_json::{Map, Value};

use super::error::{MergeError, Problem};
use super::schema::{lookup, Schema};
use super::value::{clean_copy, kind_name, require_scalar, Kind};
use super::{list, order, DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, RETAIN_KEYS, SET_ELEMENT_ORDER};

/// Merges `patch` into `target`, `schema` describing the struct both stand for
/// (`None`: no field has a patch strategy).
pub(super) fn merge_object(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    schema: Option<&'static Schema>,
) -> Result<(), MergeError> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        return apply_object_directive(target, patch, directive);
    }
    if let Some(retained) = patch.get(RETAIN_KEYS) {
        retain_keys(target, patch, retained)?;
    }
    let ordered = order::apply_set_element_orders(target, patch, schema)?;
    for (key, value) in patch {
        if key == RETAIN_KEYS
            || key.starts_with(SET_ELEMENT_ORDER)
            || ordered.iter().any(|done| *done == key)
        {
            continue;
        }
        merge_field(target, key, value, schema).map_err(|e| e.in_field(key))?;
    }
    Ok(())
}

/// `$patch: replace` keeps the overlay object as written (minus the marker;
/// nested `null`s and directives stay, as in Go); `$patch: delete` empties it.
fn apply_object_directive(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    directive: &Value,
) -> Result<(), MergeError> {
    match directive.as_str() {
        Some("replace") => {
            *target = patch
                .iter()
                .filter(|(k, _)| *k != DIRECTIVE)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(())
        }
        Some("delete") => {
            target.clear();
            Ok(())
        }
        _ => Err(Problem::UnknownObjectDirective {
            value: directive.to_string(),
        }
        .into()),
    }
}

/// `$retainKeys`: every field the patch sets must be listed, and target fields
/// not listed are dropped before merging.
fn retain_keys(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    retained: &Value,
) -> Result<(), MergeError> {
    let in_directive = |e: MergeError| e.in_field(RETAIN_KEYS);
    let listed = retained
        .as_array()
        .ok_or(Problem::NotAList {
            found: kind_name(retained),
        })
        .map_err(|p| in_directive(p.into()))?;
    for entry in listed {
        require_scalar(entry, "`$retainKeys`").map_err(|p| in_directive(p.into()))?;
    }
    let is_listed = |field: &str| listed.iter().any(|v| v.as_str() == Some(field));
    for (field, value) in patch {
        let exempt = field == RETAIN_KEYS
            || value.is_null()
            || field.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || field.starts_with(SET_ELEMENT_ORDER);
        if !exempt && !is_listed(field) {
            return Err(in_directive(
                Problem::NotRetained {
                    field: field.clone(),
                }
                .into(),
            ));
        }
    }
    target.retain(|field, _| is_listed(field));
    Ok(())
}

/// Merges one overlay field (`key` as written, maybe a
/// `$deleteFromPrimitiveList/<field>` key) into `target`.
fn merge_field(
    target: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    schema: Option<&'static Schema>,
) -> Result<(), MergeError> {
    let (field, is_delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
        let field = directive_field(key, DELETE_FROM_PRIMITIVE_LIST)?;
        // Go keeps the whole key when nothing follows the slash.
        (if field.is_empty() { key } else { field }, true)
    } else {
        (key, false)
    };
    if value.is_null() {
        target.shift_remove(field);
        return Ok(());
    }
    let Some(current) = target.get_mut(field) else {
        if !is_delete_list {
            if let Some(copy) = clean_copy(value, true) {
                target.insert(field.to_owned(), copy);
            }
        }
        return Ok(());
    };
    if Kind::of(current) != Kind::of(value) {
        if !is_delete_list {
            match clean_copy(value, true) {
                Some(copy) => *current = copy,
                None => {
                    target.shift_remove(field);
                }
            }
        }
        return Ok(());
    }
    match (current, value) {
        (Value::Object(current), Value::Object(value)) => {
            merge_object(current, value, lookup(schema, field).schema)
        }
        (Value::Array(current), Value::Array(value)) => {
            let meta = lookup(schema, field);
            if meta.merge || is_delete_list {
                list::merge_list(current, value, meta, is_delete_list)
            } else {
                current.clone_from(value);
                Ok(())
            }
        }
        (current, value) => {
            current.clone_from(value);
            Ok(())
        }
    }
}

/// The `<field>` of a `<prefix>/<field>` directive key.
pub(super) fn directive_field<'k>(key: &'k str, prefix: &'static str) -> Result<&'k str, Problem> {
    match key.split_once('/') {
        Some((head, field)) if head == prefix => Ok(field),
        _ => Err(Problem::BadDirectiveKey {
            key: key.to_owned(),
            prefix,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("$setElementOrder/containers", SET_ELEMENT_ORDER, Ok("containers"))]
    #[case("$setElementOrder/", SET_ELEMENT_ORDER, Ok(""))]
    #[case("$deleteFromPrimitiveList/a/b", DELETE_FROM_PRIMITIVE_LIST, Ok("a/b"))]
    #[case("$setElementOrder", SET_ELEMENT_ORDER, Err(()))]
    #[case("$setElementOrderX/containers", SET_ELEMENT_ORDER, Err(()))]
    fn directive_keys_split_like_go(
        #[case] key: &str,
        #[case] prefix: &'static str,
        #[case] expected: Result<&str, ()>,
    ) {
        assert_eq!(directive_field(key, prefix).map_err(|_| ()), expected);
    }
}
