//! The order of a merged list, and the `$setElementOrder/<list>` directive.
//!
//! apimachinery (`normalizeElementOrder`, `mergeSortedSlice`) splits the merged
//! list into the elements the overlay names ("patch items") and the others
//! ("server-only"), sorts the first by overlay order and the second by target
//! order, then interleaves them: walking both, a server-only element is taken
//! first only when the patch item in front of it also existed in the target
//! and sat after it there. So a brand-new overlay element goes in front of the
//! target elements still waiting, e.g. target `[app]` + overlay `[istio-proxy]`
//! gives `[istio-proxy, app]`, and target `[a, b, c]` + overlay `[b, d]` gives
//! `[a, b, d, c]`. An empty overlay list leaves the target list as it was.
//!
//! Orders are computed on merge-key values and applied as one permutation, so
//! elements are moved, never cloned.

use serde_json::{Map, Value};

use super::error::{MergeError, Problem};
use super::list::{element_kind, merge_list_tracking};
use super::object::directive_field;
use super::schema::{lookup, Schema};
use super::value::{
    as_object, clean_copy, kind_name, merge_key_of, require_scalar, scalar_eq, Kind,
};
use super::{DIRECTIVE, SET_ELEMENT_ORDER};

/// The new order (indices into `keys`) of a merged list whose elements have
/// merge keys `keys`; `deleted` marks elements carrying `$patch: delete` (may be
/// empty for none), `in_patch` those the overlay names.
pub(super) fn element_order(
    keys: &[&Value],
    deleted: &[bool],
    in_patch: &[bool],
    patch_order: &[&Value],
    server_order: &[&Value],
) -> Vec<usize> {
    let (mut patch_items, mut server_only): (Vec<usize>, Vec<usize>) =
        (0..keys.len()).partition(|&i| in_patch.get(i).copied().unwrap_or(false));
    sort_by_order(&mut patch_items, keys, deleted, patch_order);
    sort_by_order(&mut server_only, keys, deleted, server_order);
    let server_pos: Vec<Option<usize>> = keys.iter().map(|k| position(server_order, k)).collect();
    interleave(&server_only, &patch_items, &server_pos)
}

fn position(order: &[&Value], key: &Value) -> Option<usize> {
    order.iter().position(|o| scalar_eq(o, key))
}

/// Go's `normalizeSliceOrder`: elements marked for deletion go last; the rest
/// are sorted by their position in `order` with `sort.SliceStable`, whose
/// comparator calls an element missing from `order` "less" than anything. By
/// construction every element is found; insertion sort reproduces Go exactly
/// even when one is not, for lists of up to 20 elements.
fn sort_by_order(items: &mut Vec<usize>, keys: &[&Value], deleted: &[bool], order: &[&Value]) {
    let is_deleted = |i: usize| deleted.get(i).copied().unwrap_or(false);
    let tail: Vec<usize> = items.iter().copied().filter(|&i| is_deleted(i)).collect();
    items.retain(|&i| !is_deleted(i));
    let mut ranked: Vec<(Option<usize>, usize)> = items
        .iter()
        .map(|&i| (keys.get(i).and_then(|k| position(order, k)), i))
        .collect();
    let less = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(a), Some(b)) => a < b,
        _ => true,
    };
    for i in 1..ranked.len() {
        let mut j = i;
        while let (Some(cur), Some(prev)) =
            (ranked.get(j), j.checked_sub(1).and_then(|p| ranked.get(p)))
        {
            if !less(cur.0, prev.0) {
                break;
            }
            ranked.swap(j, j - 1);
            j -= 1;
        }
    }
    items.clear();
    items.extend(ranked.into_iter().map(|(_, i)| i));
    items.extend(tail);
}

/// Go's `mergeSortedSlice` with the server-only elements as `left`.
fn interleave(left: &[usize], right: &[usize], server_pos: &[Option<usize>]) -> Vec<usize> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    let pos = |k: usize| server_pos.get(k).copied().flatten();
    loop {
        match (left.get(i), right.get(j)) {
            (None, None) => break,
            (Some(&l), None) => {
                out.push(l);
                i += 1;
            }
            (Some(&l), Some(&r)) if matches!((pos(l), pos(r)), (Some(a), Some(b)) if a < b) => {
                out.push(l);
                i += 1;
            }
            (_, Some(&r)) => {
                out.push(r);
                j += 1;
            }
        }
    }
    out
}

/// Rearranges `list` so that its element `permutation[n]` comes `n`th.
pub(super) fn apply_permutation(list: &mut Vec<Value>, permutation: &[usize]) {
    if permutation.iter().enumerate().all(|(n, &i)| n == i) {
        return;
    }
    let mut old = std::mem::take(list);
    list.extend(
        permutation
            .iter()
            .filter_map(|&i| old.get_mut(i).map(std::mem::take)),
    );
}

/// Applies every `$setElementOrder/<list>` of `patch`, merging `<list>` with
/// it; returns the list fields done, which the caller must not merge again.
pub(super) fn apply_set_element_orders<'p>(
    target: &mut Map<String, Value>,
    patch: &'p Map<String, Value>,
    schema: Option<&'static Schema>,
) -> Result<Vec<&'p str>, MergeError> {
    let mut done = Vec::new();
    for (key, order) in patch {
        if !key.starts_with(SET_ELEMENT_ORDER) {
            continue;
        }
        if let Some(field) =
            set_element_order(target, patch, key, order, schema).map_err(|e| e.in_field(key))?
        {
            done.push(field);
        }
    }
    Ok(done)
}

/// One `$setElementOrder/<field>`: merge `<field>`, then order the elements the
/// order list names by it and the others by the target's old order.
fn set_element_order<'p>(
    target: &mut Map<String, Value>,
    patch: &'p Map<String, Value>,
    key: &'p str,
    order: &Value,
    schema: Option<&'static Schema>,
) -> Result<Option<&'p str>, MergeError> {
    let order = order.as_array().ok_or(Problem::NotAList {
        found: kind_name(order),
    })?;
    let field = directive_field(key, SET_ELEMENT_ORDER)?;
    let current = list_at(target, field)?;
    let overlay = list_at(patch, field)?;
    if current.is_none() && overlay.is_none() {
        return Ok(None);
    }
    let meta = lookup(schema, field);
    let overlay_items = overlay.map_or(&[][..], Vec::as_slice);
    validate_order(overlay_items, order, meta.merge_key, field)?;
    let current_items = current.map_or(&[][..], Vec::as_slice);
    let kind = element_kind(current_items, overlay_items)?.ok_or_else(|| {
        Problem::SetElementOrderNoElements {
            field: field.to_owned(),
        }
    })?;
    let keyed = kind == Kind::Object;
    if keyed == meta.merge_key.is_empty() {
        // Go either finds no merge key in the elements or cannot hash them.
        return Err(Problem::NoMergeKey.into());
    }
    // Go sorts the elements the order list leaves out by the target's old
    // order, as seen through its old slice header (see `alias`).
    let mut server: Vec<Value> = current_items
        .iter()
        .map(|e| sort_key(e, meta.merge_key).cloned())
        .collect::<Result<_, _>>()?;
    match (target.get_mut(field), overlay) {
        (Some(Value::Array(current)), Some(overlay)) if meta.merge => {
            merge_list_tracking(current, overlay, meta, false, Some(&mut server))?;
        }
        (Some(Value::Array(current)), Some(overlay)) => current.clone_from(overlay),
        (None, Some(overlay)) => {
            let copy = overlay
                .iter()
                .filter_map(|v| clean_copy(v, false))
                .collect();
            target.insert(field.to_owned(), Value::Array(copy));
        }
        _ => {}
    }
    if let Some(Value::Array(merged)) = target.get_mut(field) {
        reorder(merged, order, &server, meta.merge_key)?;
    }
    Ok(Some(field))
}

fn list_at<'m>(
    map: &'m Map<String, Value>,
    field: &str,
) -> Result<Option<&'m Vec<Value>>, Problem> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(other) => Err(Problem::NotAList {
            found: kind_name(other),
        }),
    }
}

/// What an element is ordered by: its merge key, or itself in a scalar list.
fn sort_key<'v>(element: &'v Value, merge_key: &'static str) -> Result<&'v Value, Problem> {
    if merge_key.is_empty() {
        require_scalar(
            element,
            "a list ordered by `$setElementOrder` without a merge key",
        )?;
        Ok(element)
    } else {
        merge_key_of(element, merge_key)
    }
}

fn reorder(
    merged: &mut Vec<Value>,
    order: &[Value],
    server: &[Value],
    merge_key: &'static str,
) -> Result<(), MergeError> {
    let permutation = {
        let keys = merged
            .iter()
            .map(|e| sort_key(e, merge_key))
            .collect::<Result<Vec<_>, _>>()?;
        let order_keys = order
            .iter()
            .map(|e| sort_key(e, merge_key))
            .collect::<Result<Vec<_>, _>>()?;
        let in_patch: Vec<bool> = keys
            .iter()
            .map(|k| position(&order_keys, k).is_some())
            .collect();
        let deleted: Vec<bool> = merged
            .iter()
            .map(|e| e.get(DIRECTIVE).and_then(Value::as_str) == Some("delete"))
            .collect();
        let server_keys: Vec<&Value> = server.iter().collect();
        element_order(&keys, &deleted, &in_patch, &order_keys, &server_keys)
    };
    apply_permutation(merged, &permutation);
    Ok(())
}

/// Go's `validatePatchWithSetOrderList`: the overlay's regular elements must
/// appear in the order list, in the same relative order.
fn validate_order(
    overlay: &[Value],
    order: &[Value],
    merge_key: &'static str,
    field: &str,
) -> Result<(), Problem> {
    if overlay.is_empty() || order.is_empty() {
        return Ok(());
    }
    // With a merge key, elements must be objects and `$patch: delete` ones
    // are left out (`extractToDeleteItems`).
    let mut regular = Vec::with_capacity(overlay.len());
    for element in overlay {
        let deleted = !merge_key.is_empty()
            && as_object(element)?.get(DIRECTIVE).and_then(Value::as_str) == Some("delete");
        if !deleted {
            regular.push(element);
        }
    }
    let (mut p, mut o) = (0, 0);
    while let (Some(&element), Some(ordered)) = (regular.get(p), order.get(o)) {
        if element.get(DIRECTIVE).is_some() {
            p += 1;
            continue;
        }
        if scalar_eq(sort_key(element, merge_key)?, sort_key(ordered, merge_key)?) {
            p += 1;
        }
        o += 1;
    }
    if p < regular.len() && o >= order.len() {
        return Err(Problem::SetElementOrderMismatch {
            field: field.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    /// Orders a keyed merge result `merged` (keys), `server_len` of which came from the target.
    fn order_of(merged: &[&str], server: &[&str], patch: &[&str]) -> Vec<String> {
        let keys: Vec<Value> = merged.iter().map(|k| json!(k)).collect();
        let key_refs: Vec<&Value> = keys.iter().collect();
        let patch_vals: Vec<Value> = patch.iter().map(|k| json!(k)).collect();
        let patch_refs: Vec<&Value> = patch_vals.iter().collect();
        let server_vals: Vec<Value> = server.iter().map(|k| json!(k)).collect();
        let server_refs: Vec<&Value> = server_vals.iter().collect();
        let in_patch: Vec<bool> = keys
            .iter()
            .map(|k| position(&patch_refs, k).is_some())
            .collect();
        element_order(&key_refs, &[], &in_patch, &patch_refs, &server_refs)
            .into_iter()
            .map(|i| merged[i].to_owned())
            .collect()
    }

    #[rstest]
    #[case::new_goes_first(&["app", "istio-proxy"], &["app"], &["istio-proxy"], &["istio-proxy", "app"])]
    #[case::matched_keeps_place(&["a", "b", "c", "d"], &["a", "b", "c"], &["b", "d"], &["a", "b", "d", "c"])]
    #[case::empty_overlay(&["a", "b"], &["a", "b"], &[], &["a", "b"])]
    #[case::overlay_order_among_patch_items(&["a", "b", "c"], &["a", "b", "c"], &["c", "a"], &["b", "c", "a"])]
    #[case::several_new(&["x", "y", "p", "q"], &["x", "y"], &["q", "p"], &["q", "p", "x", "y"])]
    #[case::server_first_when_before(&["a", "b", "n"], &["a", "b"], &["b", "n"], &["a", "b", "n"])]
    fn merged_lists_are_ordered_like_apimachinery(
        #[case] merged: &[&str],
        #[case] server: &[&str],
        #[case] patch: &[&str],
        #[case] expected: &[&str],
    ) {
        assert_eq!(order_of(merged, server, patch), expected);
    }

    #[test]
    fn deleted_elements_sort_last() {
        let keys = [json!("a"), json!("b")];
        let refs: Vec<&Value> = keys.iter().collect();
        assert_eq!(
            element_order(&refs, &[true, false], &[true, true], &refs, &[]),
            [1, 0]
        );
    }

    #[test]
    fn permutation_moves_elements() {
        let mut list = vec![json!(1), json!(2), json!(3)];
        apply_permutation(&mut list, &[2, 0, 1]);
        assert_eq!(list, [json!(3), json!(1), json!(2)]);
    }
}
