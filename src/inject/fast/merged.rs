//! What the overlay, strategic-merged onto the pod, makes of the parts the fast path patches:
//! the labels, the annotations, and the four lists' element names in their merged order.
//!
//! Two ways to the one answer. In general the merge itself runs, on a *skeleton* (the pod's
//! labels, annotations and lists reduced to `{name}`) with the overlay's elements reduced to
//! their names and `$` directives: the same merge code as the general path, at the cost of
//! the overlay rather than the pod. For an overlay without directives, apimachinery's rules
//! are applied directly ([`Merged::direct`]): each overlay label or annotation is set, each
//! overlay list's new elements go in front of the pod's own (`merge::order`: a new element
//! goes before the target elements still waiting), an empty overlay list leaves the pod's as
//! it was, a `null` list removes it. Any other shape takes the merge. The tests below hold
//! the two equal.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{Fallback, LISTS};
use crate::goenc::Element;
use crate::inject::{InjectError, RenderFailure};

/// The merged labels and annotations, and per list of [`LISTS`] the element names in the
/// merged order (`None`: the merged pod has no such list).
#[derive(Debug, PartialEq)]
pub(super) struct Merged {
    pub labels: Option<BTreeMap<String, String>>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub lists: [Option<Vec<String>>; 4],
}

impl Merged {
    /// The overlay merged onto the pod. `directives`: whether the overlay has `$` directives
    /// anywhere (`merge::has_directives`, which the caller has already computed). Fails over
    /// to the general path when the pod's or the overlay's list elements are unnamed or
    /// share a name, or the merge reorders the pod's own elements.
    pub fn of(pod: &Pod, overlay: &Value, directives: bool) -> Result<Merged, Merge> {
        let own = own_lists(pod);
        names_checked(&own, overlay).map_err(Merge::Fallback)?;
        let merged = match (!directives)
            .then(|| Merged::direct(pod, &own, overlay))
            .flatten()
        {
            Some(merged) => merged,
            None => Merged::by_merge(pod, &own, overlay)?,
        };
        match merged.order_kept(&own) {
            Some(why) => Err(Merge::Fallback(why)),
            None => Ok(merged),
        }
    }

    /// apimachinery's result for an overlay without directives, on the shapes the built-in
    /// template renders (`None` for any other).
    fn direct(pod: &Pod, own: &Own<'_>, overlay: &Value) -> Option<Merged> {
        let meta = overlay.get("metadata");
        let labels = merged_map(
            pod.metadata.labels.as_ref(),
            meta.and_then(|m| m.get("labels")),
        )?;
        let annotations = merged_map(
            pod.metadata.annotations.as_ref(),
            meta.and_then(|m| m.get("annotations")),
        )?;
        let spec = overlay.get("spec");
        let mut lists: [Option<Vec<String>>; 4] = Default::default();
        for ((slot, list), own) in lists.iter_mut().zip(LISTS).zip(own) {
            *slot = match spec.and_then(|s| s.get(list)) {
                None => (!own.is_empty()).then(|| to_owned(own)),
                Some(Value::Null) => None,
                Some(Value::Array(items)) if items.is_empty() => Some(to_owned(own)),
                Some(items @ Value::Array(_)) => {
                    // Named and unique, and none the pod's own: `names_checked`.
                    let added = names_of(Some(items), list).ok()??;
                    Some(
                        added
                            .into_iter()
                            .chain(own.iter().copied())
                            .map(str::to_string)
                            .collect(),
                    )
                }
                Some(_) => return None,
            };
        }
        Some(Merged {
            labels,
            annotations,
            lists,
        })
    }

    /// The merge itself, on the skeleton.
    fn by_merge(pod: &Pod, own: &Own<'_>, overlay: &Value) -> Result<Merged, Merge> {
        let mut skeleton = skeleton_of(pod, own);
        crate::inject::merge(&mut skeleton, &names_only(overlay)).map_err(Merge::Error)?;
        let decode_err = |e: serde_json::Error| InjectError::from(RenderFailure::Json(e));
        let meta = skeleton.get("metadata");
        let map = |k: &str| -> Result<Option<BTreeMap<String, String>>, Merge> {
            match meta.and_then(|m| m.get(k)) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => Option::<BTreeMap<String, String>>::deserialize(v)
                    .map_err(|e| Merge::Error(decode_err(e))),
            }
        };
        let lists = LISTS.map(|list| {
            let items = at(&skeleton, "spec", list).filter(|v| !v.is_null())?;
            let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
            Some(
                items
                    .iter()
                    .map(|i| i.get("name").and_then(Value::as_str).unwrap_or(""))
                    .map(str::to_string)
                    .collect(),
            )
        });
        Ok(Merged {
            labels: map("labels")?,
            annotations: map("annotations")?,
            lists,
        })
    }

    /// The merge must keep the pod's own elements in their order (it puts new ones in
    /// front, but apimachinery's ordering rules decide): the patch is built on that.
    fn order_kept(&self, own: &Own<'_>) -> Option<Fallback> {
        for ((merged, list), own) in self.lists.iter().zip(LISTS).zip(own) {
            let kept = merged
                .iter()
                .flatten()
                .filter(|n| own.contains(&n.as_str()));
            if !kept.map(String::as_str).eq(own.iter().copied()) {
                return Some(Fallback::Order(list));
            }
        }
        None
    }
}

/// Why [`Merged::of`] gave no answer.
pub(super) enum Merge {
    /// The pod goes the general way.
    Fallback(Fallback),
    /// The general path would fail the same way.
    Error(InjectError),
}

pub(super) fn to_owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A pod's labels or annotations with the overlay's set: `None` unless every overlay value
/// is a string (a `null` value in a new map is kept by the merge, so it is left to it).
fn merged_map(
    own: Option<&BTreeMap<String, String>>,
    overlay: Option<&Value>,
) -> Option<Option<BTreeMap<String, String>>> {
    // The skeleton holds only non-empty maps.
    let own = own.filter(|m| !m.is_empty());
    match overlay {
        None => Some(own.cloned()),
        Some(Value::Null) => Some(None),
        Some(Value::Object(set)) => {
            let mut out = own.cloned().unwrap_or_default();
            for (k, v) in set {
                out.insert(k.clone(), v.as_str()?.to_string());
            }
            Some(Some(out))
        }
        Some(_) => None,
    }
}

/// `value.section.key` (`/section/key`, without building a JSON pointer).
fn at<'v>(value: &'v Value, section: &str, key: &str) -> Option<&'v Value> {
    value.get(section)?.get(key)
}

/// The pod's own elements of each list must be named and unique, and share no name with the
/// overlay's (a shared name merges two elements: the general path's business).
fn names_checked(own: &Own<'_>, overlay: &Value) -> Result<(), Fallback> {
    for (list, own) in LISTS.into_iter().zip(own) {
        if own.is_empty() {
            continue;
        }
        let unique = own
            .iter()
            .enumerate()
            .all(|(i, name)| !name.is_empty() && !own.get(..i).unwrap_or_default().contains(name));
        if !unique {
            return Err(Fallback::UnnamedOrDuplicate(list));
        }
        if let Some(added) = names_of(at(overlay, "spec", list), list)? {
            if added.iter().any(|a| own.contains(a)) {
                return Err(Fallback::NameCollision(list));
            }
        }
    }
    Ok(())
}

/// The pod reduced to what the overlay merges into: its labels and annotations, and each
/// of its lists as `{name}` elements.
fn skeleton_of(pod: &Pod, own: &Own<'_>) -> Value {
    let mut meta = Map::new();
    for (k, map) in [
        ("labels", &pod.metadata.labels),
        ("annotations", &pod.metadata.annotations),
    ] {
        if let Some(map) = map.as_ref().filter(|m| !m.is_empty()) {
            let map = map
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            meta.insert(k.into(), Value::Object(map));
        }
    }
    let mut spec = Map::new();
    for (list, own) in LISTS.into_iter().zip(own) {
        if !own.is_empty() {
            let elements = own.iter().map(|name| json!({ "name": name })).collect();
            spec.insert(list.into(), Value::Array(elements));
        }
    }
    json!({ "metadata": meta, "spec": spec })
}

/// The names of the pod's own elements of each of [`LISTS`], in order.
pub(super) type Own<'p> = [Vec<&'p str>; 4];

pub(super) fn own_lists(pod: &Pod) -> Own<'_> {
    LISTS.map(|list| own_names(pod, list))
}

/// The names of the pod's own elements of one of [`LISTS`], in order.
fn own_names<'p>(pod: &'p Pod, list: &str) -> Vec<&'p str> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    fn names<T: Element>(items: &[T]) -> Vec<&str> {
        items.iter().map(Element::name).collect()
    }
    match list {
        "containers" => names(&spec.containers),
        "initContainers" => names(spec.init_containers.as_deref().unwrap_or_default()),
        "volumes" => names(spec.volumes.as_deref().unwrap_or_default()),
        _ => names(spec.image_pull_secrets.as_deref().unwrap_or_default()),
    }
}

/// The overlay with each list element reduced to its name and its `$` directives. Merged onto
/// the skeleton it gives the final lists' names in the same order as the whole overlay would
/// (a strategic merge matches and orders elements by their merge key alone), without copying
/// the injected elements a second time: `finish` takes them from the template pod.
fn names_only(overlay: &Value) -> Value {
    let reduce = |item: &Value| match item.as_object() {
        Some(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| k.as_str() == "name" || k.starts_with('$'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => item.clone(),
    };
    let mut top = Map::new();
    if let Some(meta) = overlay.get("metadata") {
        top.insert("metadata".into(), meta.clone());
    }
    if let Some(spec) = overlay.get("spec").and_then(Value::as_object) {
        let lists = spec
            .iter()
            .map(|(list, items)| {
                let items = match items {
                    Value::Array(items) => Value::Array(items.iter().map(reduce).collect()),
                    other => other.clone(),
                };
                (list.clone(), items)
            })
            .collect();
        top.insert("spec".into(), Value::Object(lists));
    }
    Value::Object(top)
}

/// The element names of a list (`None` when absent or null); each must be a unique string.
fn names_of<'v>(
    list: Option<&'v Value>,
    what: &'static str,
) -> Result<Option<Vec<&'v str>>, Fallback> {
    let Some(items) = list.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(items) = items.as_array() else {
        return Err(Fallback::UnnamedOrDuplicate(what));
    };
    let mut names: Vec<&str> = Vec::with_capacity(items.len());
    for item in items {
        match item.get("name").and_then(Value::as_str) {
            Some(name) if !names.contains(&name) => names.push(name),
            _ => return Err(Fallback::UnnamedOrDuplicate(what)),
        }
    }
    Ok(Some(names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only_keeps_names_directives_and_metadata() {
        let overlay = json!({
            "metadata": {"labels": {"a": "1"}, "annotations": {"b": "2"}},
            "spec": {
                "containers": [
                    {"name": "istio-proxy", "image": "proxy", "env": [{"name": "X"}]},
                    {"name": "gone", "$patch": "delete"},
                ],
                "volumes": [{"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}],
            }
        });
        assert_eq!(
            names_only(&overlay),
            json!({
                "metadata": {"labels": {"a": "1"}, "annotations": {"b": "2"}},
                "spec": {
                    "containers": [{"name": "istio-proxy"}, {"name": "gone", "$patch": "delete"}],
                    "volumes": [{"name": "istio-envoy"}],
                }
            })
        );
    }

    /// A pod from the generator's pieces: which maps and lists it has, and their names.
    fn pod(seed: u64) -> Pod {
        let mut r = seed;
        let mut next = |n: u64| {
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (r >> 33) % n
        };
        let mut v = json!({"metadata": {}, "spec": {"containers": [{"name": "app"}]}});
        for key in ["labels", "annotations"] {
            match next(3) {
                0 => {}
                1 => v["metadata"][key] = json!({}),
                _ => v["metadata"][key] = json!({"a": "pod", "k": "pod"}),
            }
        }
        for list in LISTS {
            let names: Vec<Value> = (0..next(3))
                .map(|i| json!({ "name": format!("own{i}") }))
                .collect();
            if !names.is_empty() || list != "containers" {
                v["spec"][list] = Value::Array(names);
            }
        }
        serde_json::from_value(v).unwrap()
    }

    /// An overlay of the shapes the built-in template renders, and some it does not.
    fn overlay(seed: u64) -> Value {
        let mut r = seed ^ 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (r >> 33) % n
        };
        let mut v = json!({"metadata": {}, "spec": {}});
        for key in ["labels", "annotations"] {
            v["metadata"][key] = match next(6) {
                0 => continue,
                1 => Value::Null,
                2 => json!({}),
                3 => json!({"a": "overlay", "n": "new"}),
                4 => json!({"a": null}),
                _ => json!({"x": 1}),
            };
        }
        for list in LISTS {
            v["spec"][list] = match next(6) {
                0 => continue,
                1 => Value::Null,
                2 => json!([]),
                3 => json!([{"name": "new0"}]),
                4 => json!([{"name": "new0", "image": "i"}, {"name": "new1"}]),
                _ => json!("not a list"),
            };
        }
        v
    }

    /// The direct rules give what the merge gives, wherever they give an answer.
    #[test]
    fn direct_agrees_with_the_merge() {
        let mut answered = 0;
        for seed in 0..4000 {
            let (pod, overlay) = (pod(seed), overlay(seed));
            assert!(!crate::merge::has_directives(&overlay));
            let own = own_lists(&pod);
            if names_checked(&own, &overlay).is_err() {
                continue;
            }
            let Some(direct) = Merged::direct(&pod, &own, &overlay) else {
                continue;
            };
            answered += 1;
            let merged = match Merged::by_merge(&pod, &own, &overlay) {
                Ok(m) => m,
                Err(_) => panic!("seed {seed}: the merge failed where the rules answered\npod {pod:?}\noverlay {overlay}"),
            };
            assert_eq!(
                direct, merged,
                "seed {seed}\npod {pod:?}\noverlay {overlay}"
            );
        }
        assert!(answered > 500, "{answered}");
    }

    #[test]
    fn new_elements_go_in_front_and_directives_take_the_merge() {
        let pod = pod(7);
        let overlay = json!({"spec": {"volumes": [{"name": "istio-envoy"}]}});
        let own: Vec<String> = to_owned(&own_names(&pod, "volumes"));
        let m = Merged::of(&pod, &overlay, false).ok().unwrap();
        let mut want = vec!["istio-envoy".to_string()];
        want.extend(own);
        assert_eq!(m.lists[2].as_ref(), Some(&want));
        // `$patch: delete` on a new element: only the merge knows to drop it.
        let overlay = json!({"spec": {"volumes": [{"name": "gone", "$patch": "delete"}]}});
        let m = Merged::of(&pod, &overlay, true).ok().unwrap();
        assert!(!m.lists[2].iter().flatten().any(|n| n == "gone"));
    }
}
