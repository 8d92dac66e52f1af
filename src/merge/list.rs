//! Merging a list with `patchStrategy: merge`: apimachinery's `mergeSlice`.
//!
//! Lists of scalars (`finalizers`) become the deduplicated union, or lose the
//! overlay's values for a `$deleteFromPrimitiveList/` key. Lists of objects
//! first apply the overlay's `$patch: delete` / `$patch: replace` elements,
//! then merge every other overlay element into the first target element with
//! the same merge key, appending the ones that match nothing. The result is
//! then reordered by [`order::element_order`]: overlay elements in overlay
//! order, target-only elements slotted in by their old positions.

use serde_json::Value;

use super::alias;
use super::error::{MergeError, Problem};
use super::object::merge_object;
use super::order;
use super::schema::{Meta, Schema};
use super::value::{as_object, element_label, merge_key_of, scalar_eq, Kind};
use super::DIRECTIVE;

/// Merges the overlay list `patch` into `target`.
pub(super) fn merge_list(
    target: &mut Vec<Value>,
    patch: &[Value],
    meta: Meta,
    is_delete_list: bool,
) -> Result<(), MergeError> {
    merge_list_tracking(target, patch, meta, is_delete_list, None)
}

/// [`merge_list`] that also reports, in `view`, what Go's older slice header
/// over the target list sees afterwards (see [`alias`]): on entry `view` holds
/// the sort keys of the target list, on exit Go's "server order" for it.
pub(super) fn merge_list_tracking(
    target: &mut Vec<Value>,
    patch: &[Value],
    meta: Meta,
    is_delete_list: bool,
    view: Option<&mut Vec<Value>>,
) -> Result<(), MergeError> {
    if target.is_empty() && patch.is_empty() {
        return Ok(());
    }
    let kind = element_kind(target, patch)?;
    if kind != Some(Kind::Object) {
        merge_scalars(target, patch, is_delete_list, view);
        return Ok(());
    }
    if meta.merge_key.is_empty() {
        return Err(Problem::NoMergeKey.into());
    }
    merge_objects(target, patch, meta.merge_key, meta.schema)?;
    if let Some(view) = view {
        alias::keyed_view(view, patch, meta.merge_key);
    }
    Ok(())
}

/// The one JSON type of all elements of both lists, `None` when they are
/// empty (Go's `sliceElementType`, which fails then).
pub(super) fn element_kind(target: &[Value], patch: &[Value]) -> Result<Option<Kind>, Problem> {
    let mut elements = target.iter().chain(patch);
    let first = match elements.next().map(Kind::of) {
        None => return Ok(None),
        Some(Kind::List) => return Err(Problem::ListOfLists),
        Some(Kind::Null) => return Err(Problem::NullElement),
        Some(kind) => kind,
    };
    for element in elements {
        let kind = Kind::of(element);
        if kind == Kind::Null {
            return Err(Problem::NullElement);
        }
        if kind != first {
            return Err(Problem::MixedElementTypes {
                first: first.name(),
                other: kind.name(),
            });
        }
    }
    Ok(Some(first))
}

fn merge_scalars(
    target: &mut Vec<Value>,
    patch: &[Value],
    is_delete_list: bool,
    view: Option<&mut Vec<Value>>,
) {
    if is_delete_list {
        target.retain(|v| !patch.iter().any(|p| scalar_eq(v, p)));
        return;
    }
    // Go appends the overlay into the target's array when it has room, then
    // deduplicates in place, and sorts by that array's first `server_len`
    // slots; otherwise by an untouched copy.
    let server_len = target.len();
    let in_place = server_len + patch.len() <= alias::decoded_capacity(server_len);
    let untouched = if in_place { None } else { Some(target.clone()) };
    target.extend(patch.iter().cloned());
    let len = alias::dedupe_keeping_stale(target);
    let permutation = {
        let server = untouched
            .as_deref()
            .unwrap_or(target.get(..server_len).unwrap_or_default());
        let keys: Vec<&Value> = target.get(..len).unwrap_or_default().iter().collect();
        let in_patch: Vec<bool> = keys
            .iter()
            .map(|k| patch.iter().any(|p| scalar_eq(k, p)))
            .collect();
        let patch_order: Vec<&Value> = patch.iter().collect();
        let server_order: Vec<&Value> = server.iter().collect();
        if let Some(view) = view {
            *view = server.to_vec();
        }
        order::element_order(&keys, &[], &in_patch, &patch_order, &server_order)
    };
    target.truncate(len);
    order::apply_permutation(target, &permutation);
}

fn merge_objects(
    target: &mut Vec<Value>,
    patch: &[Value],
    key: &'static str,
    schema: Option<&'static Schema>,
) -> Result<(), MergeError> {
    let replace = apply_special_elements(target, patch, key)?;
    let regular = || patch.iter().filter(|p| p.get(DIRECTIVE).is_none());
    if replace {
        // `$patch: replace`: the overlay's other elements are the whole list.
        target.clear();
        target.extend(regular().cloned());
    }
    // The target as it was before appending: the "server order" Go sorts by.
    let server_len = target.len();
    if !replace {
        for element in regular() {
            merge_element(target, element, key, schema)
                .map_err(|e| e.in_element(element_label(element, key)))?;
        }
    }
    let permutation = {
        let keys = target
            .iter()
            .map(|e| merge_key_of(e, key))
            .collect::<Result<Vec<_>, _>>()?;
        let patch_order = if replace {
            Vec::new()
        } else {
            regular()
                .map(|p| merge_key_of(p, key))
                .collect::<Result<Vec<_>, _>>()?
        };
        let in_patch: Vec<bool> = keys
            .iter()
            .map(|k| patch_order.iter().any(|p| scalar_eq(k, p)))
            .collect();
        let deleted: Vec<bool> = target.iter().map(marked_for_deletion).collect();
        order::element_order(
            &keys,
            &deleted,
            &in_patch,
            &patch_order,
            keys.get(..server_len.min(keys.len())).unwrap_or_default(),
        )
    };
    order::apply_permutation(target, &permutation);
    Ok(())
}

/// Applies the `$patch` elements of an overlay list; true when one says `replace`.
fn apply_special_elements(
    target: &mut Vec<Value>,
    patch: &[Value],
    key: &'static str,
) -> Result<bool, MergeError> {
    let mut replace = false;
    for (index, element) in patch.iter().enumerate() {
        let Some(directive) = as_object(element)?.get(DIRECTIVE) else {
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let value = merge_key_of(element, key)
                    .map_err(|p| MergeError::from(p).in_element(index))?;
                target.retain(|e| !e.get(key).is_some_and(|v| scalar_eq(v, value)));
            }
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(MergeError::from(Problem::MergeDirectiveInList).in_element(index))
            }
            _ => {
                let value = directive.to_string();
                let problem = Problem::UnknownListDirective { value };
                return Err(MergeError::from(problem).in_element(index));
            }
        }
    }
    Ok(replace)
}

/// Merges one regular overlay element into the first target element with the
/// same merge key (appended ones included), or appends it.
fn merge_element(
    target: &mut Vec<Value>,
    element: &Value,
    key: &'static str,
    schema: Option<&'static Schema>,
) -> Result<(), MergeError> {
    let value = merge_key_of(element, key)?;
    let found = target
        .iter()
        .position(|e| e.get(key).is_some_and(|v| scalar_eq(v, value)));
    match (found.and_then(|i| target.get_mut(i)), element) {
        (Some(Value::Object(current)), Value::Object(overlay)) => {
            merge_object(current, overlay, schema)
        }
        _ => {
            target.push(element.clone());
            Ok(())
        }
    }
}

/// An element that itself carries `$patch: delete` goes last (`extractToDeleteItems`).
fn marked_for_deletion(element: &Value) -> bool {
    element.get(DIRECTIVE).and_then(Value::as_str) == Some("delete")
}
