//! Go slice aliasing that shows in apimachinery's results, reproduced.
//!
//! apimachinery edits the target's lists in place (`append(s[:k], s[k+1:]...)`
//! to delete, `append(s, v)` to add, an in-place deduplication) while another
//! slice header still spans the list's old length and is later used as the
//! "server order" to sort by. What that header sees depends on the spare
//! capacity `encoding/json` left in the decoded array; Istio's target is always
//! freshly decoded (`json.Unmarshal` of the marshalled Pod), so the capacity is
//! known. Two places are affected, and upstream's own tests pin the first:
//! - `$setElementOrder/<list>` together with `$patch: delete` elements in the
//!   list ([`keyed_view`]);
//! - a scalar merge list (`finalizers`) whose target already holds duplicates
//!   ([`dedupe_keeping_stale`]).

use serde_json::Value;

use super::value::scalar_eq;
use super::DIRECTIVE;

/// The capacity `encoding/json` leaves in a `[]interface{}` of `len` elements:
/// it appends one at a time from `make([]any, 0)`, and Go's `append` doubles a
/// small slice, every doubled size (16-byte elements) being a malloc size
/// class. Exact up to 512 elements; beyond, Go's slower growth is approximated.
pub(super) fn decoded_capacity(len: usize) -> usize {
    if len <= 512 {
        return if len == 0 { 0 } else { len.next_power_of_two() };
    }
    let mut cap = 512;
    while cap < len {
        cap += (cap + 3 * 256) >> 2;
    }
    cap
}

/// What Go's old header over the target list sees after `mergeSlice` deleted
/// (`$patch: delete`) and appended overlay elements: `view` holds the merge keys
/// of the target list on entry and that header's contents on exit.
pub(super) fn keyed_view(view: &mut [Value], overlay: &[Value], key: &str) {
    let capacity = decoded_capacity(view.len());
    let mut live: Vec<Value> = view.to_vec();
    let mut replaced = false;
    for element in overlay {
        match element.get(DIRECTIVE).and_then(Value::as_str) {
            Some("delete") => {
                let Some(value) = element.get(key) else {
                    continue;
                };
                while let Some(k) = live.iter().position(|v| scalar_eq(v, value)) {
                    // Shifts the tail left; the old last slot keeps its value.
                    if let Some(seg) = view.get_mut(k..live.len()) {
                        seg.rotate_left(1);
                        if let [.., prev, last] = seg {
                            *last = prev.clone();
                        }
                    }
                    live.remove(k);
                }
            }
            Some("replace") => replaced = true,
            _ => {}
        }
    }
    if replaced {
        // The merged list is a new slice; the old array is not written again.
        return;
    }
    let mut in_place = true;
    for element in overlay.iter().filter(|e| e.get(DIRECTIVE).is_none()) {
        let Some(value) = element.get(key) else {
            continue;
        };
        if live.iter().any(|v| scalar_eq(v, value)) {
            continue;
        }
        if in_place && live.len() < capacity {
            if let Some(slot) = view.get_mut(live.len()) {
                *slot = value.clone();
            }
        } else {
            in_place = false;
        }
        live.push(value.clone());
    }
}

/// Go's `deduplicateScalars` on `list`: a duplicate is overwritten by the
/// current last element and the slice shortened, leaving the old slot as it
/// was. Returns the deduplicated length; `list` keeps the stale tail.
pub(super) fn dedupe_keeping_stale(list: &mut [Value]) -> usize {
    let Some(mut last) = list.len().checked_sub(1) else {
        return 0;
    };
    let mut i = 0;
    while i < last {
        let mut j = i + 1;
        while j <= last {
            let dup = matches!((list.get(i), list.get(j)), (Some(a), Some(b)) if scalar_eq(a, b));
            if dup {
                if let Some(stale) = list.get(last).cloned() {
                    if let Some(slot) = list.get_mut(j) {
                        *slot = stale;
                    }
                }
                last -= 1;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    last + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(0, 0)]
    #[case(1, 1)]
    #[case(3, 4)]
    #[case(4, 4)]
    #[case(5, 8)]
    #[case(300, 512)]
    fn capacity_of_decoded_arrays(#[case] len: usize, #[case] capacity: usize) {
        assert_eq!(decoded_capacity(len), capacity);
    }

    #[rstest]
    // Upstream "add map and delete map from merging list": [1, 2, 4] in a
    // 4-slot array, delete 1 then append 3 into the freed slot.
    #[case(json!([1, 2, 4]), json!([{"name": 3}, {"name": 1, "$patch": "delete"}]), json!([2, 4, 3]))]
    // Two slots, full: the second append reallocates.
    #[case(json!([1, 4]), json!([{"name": 2}, {"name": 3}, {"name": 1, "$patch": "delete"}]), json!([4, 2]))]
    #[case(json!([1, 2]), json!([{"name": 1, "$patch": "delete"}, {"$patch": "replace"}]), json!([2, 2]))]
    #[case(json!([1, 2]), json!([{"name": 3}]), json!([1, 2]))]
    fn keyed_view_sees_in_place_edits(
        #[case] keys: Value,
        #[case] overlay: Value,
        #[case] expected: Value,
    ) {
        let mut view = keys.as_array().unwrap().clone();
        keyed_view(&mut view, overlay.as_array().unwrap(), "name");
        assert_eq!(Value::Array(view), expected);
    }

    #[rstest]
    #[case(json!(["a", "b", "b", "c"]), 3, json!(["a", "b", "c", "c"]))]
    #[case(json!(["a", "a", "b"]), 2, json!(["a", "b", "b"]))]
    #[case(json!(["a", "b", "a", "b"]), 2, json!(["a", "b", "b", "b"]))]
    #[case(json!([]), 0, json!([]))]
    fn dedupe_like_go(#[case] list: Value, #[case] len: usize, #[case] array: Value) {
        let mut list = list.as_array().unwrap().clone();
        assert_eq!(dedupe_keeping_stale(&mut list), len);
        assert_eq!(Value::Array(list), array);
    }
}
