//! Strategic merge of an injection overlay onto a Pod, as Kubernetes does it.
//!
//! Istio renders its injection template to a partial Pod and applies it with
//! apimachinery's `strategicpatch.StrategicMergeMapPatchUsingLookupPatchMeta`
//! and the core/v1 `Pod` struct tags (`applyOverlayYAML` in
//! pkg/kube/inject/webhook.go). This module reproduces that function (server
//! side: parallel lists are merged, unmatched `null`s ignored) on
//! `serde_json::Value`s:
//!
//! - objects merge field by field; `null` deletes a field; scalars and lists
//!   without a patch strategy are replaced by the overlay's;
//! - lists tagged `patchStrategy:"merge"` merge element by element on their
//!   `patchMergeKey` (`schema` holds the Pod's tags as one static table), in
//!   the order module `order` explains; an empty overlay list changes nothing;
//! - directives: `$patch: replace|delete` on objects and list elements,
//!   `$retainKeys`, `$deleteFromPrimitiveList/<list>`, `$setElementOrder/<list>`;
//!   malformed ones are refused with a [`MergeError`] naming the field (Go
//!   returns an error, or panics, for all of these).
//!
//! Like apimachinery, the result can keep overlay content that Istio's
//! following decode into `corev1.Pod` drops: unknown fields, `null`s and
//! directives nested in list elements that were appended or replaced whole.
//! Callers decode the result into the typed Pod, as Istio does.
//!
//! Numbers compare as Go's `float64` (the YAML overlay and the JSON Pod both
//! decode that way in Istio). Where Go's result depends on slice aliasing
//! (module `alias`) it is reproduced, as upstream's own tests expect it. Deliberate
//! differences from Go: fields unknown to the Pod schema are treated as having
//! no strategy instead of failing (Istio's target never has them: it is
//! re-encoded from the typed Pod); objects or lists used as merge keys or in
//! ordering lists are refused even where Go would only compare them unequal;
//! Go walks the overlay's fields in random order, we in overlay order.
//!
//! Cost: the target is merged in place and list elements are moved, not
//! cloned; only overlay values that land in the result are copied.

mod alias;
mod error;
mod list;
mod object;
mod order;
pub(crate) mod schema;
mod value;

use serde_json::Value;

pub use error::{MergeError, Problem};
pub(crate) use value::has_directives;

use schema::Schema;
use value::kind_name;

/// The object/list-element directive key.
const DIRECTIVE: &str = "$patch";
/// Lists the fields an object keeps.
const RETAIN_KEYS: &str = "$retainKeys";
/// Prefix of the key listing scalars to remove from a merge list.
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
/// Prefix of the key giving the final order of a list.
const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// Apply `overlay` (a Pod-shaped JSON object) to `target` (a Pod as JSON) with Kubernetes strategic-merge-patch
/// semantics for the core/v1 Pod schema.
///
/// On error `target` may be partly merged; callers discard it.
pub fn merge_pod(target: &mut Value, overlay: &Value) -> Result<(), MergeError> {
    merge_with_schema(target, overlay, &schema::POD)
}

/// [`merge_pod`] for any struct described by a [`Schema`].
pub(crate) fn merge_with_schema(
    target: &mut Value,
    overlay: &Value,
    schema: &'static Schema,
) -> Result<(), MergeError> {
    let Value::Object(overlay) = overlay else {
        return Err(MergeError::NotAnObject {
            which: "overlay",
            found: kind_name(overlay),
        });
    };
    let Value::Object(target) = target else {
        return Err(MergeError::NotAnObject {
            which: "target",
            found: kind_name(target),
        });
    };
    object::merge_object(target, overlay, Some(schema))
}

#[cfg(test)]
mod tests;
