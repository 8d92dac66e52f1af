//! The fast path: the JSON Patch emitted directly, without merging the overlay into the whole
//! pod, re-encoding and normalising the injected pod and diffing two trees.
//!
//! For a first injection of an ordinary pod (no `istio-proxy`/`istio-init` of its own, no
//! `proxy.istio.io/overrides`, only the built-in `sidecar` template, sent in Go's encoding)
//! the general path changes exactly these parts of the pod: labels and annotations, the
//! injected containers, init containers, volumes and pull secrets (appended, then reordered
//! by name), and the probes and lifecycle handlers Istio rewrites on the app's containers. So:
//! - what the overlay's strategic merge makes of the pod's labels, annotations and list order
//!   is worked out on their names alone (`merged`: apimachinery's rules for an overlay without
//!   directives, else the merge code itself on a skeleton of the pod), so the same order and
//!   the same new elements, at the cost of the overlay rather than the pod;
//! - the typed pod is rebuilt in that order (app containers moved, not copied) and goes
//!   through the same `post_process` as the general path;
//! - only the new elements and rewritten probes/handlers are encoded and Go-normalised, and
//!   the patch names exactly those; the new elements come from the snapshot's kept encodings
//!   when an earlier pod had the same (`goenc::Recent`) and go into the patch as JSON text.
//!
//! [`fallback_reason`] is the routing predicate: anything it does not accept goes the general
//! way. Conditions only visible once the overlay is rendered (a name collision, an overlay
//! touching more than the parts above) are checked before the typed pod is consumed, so the
//! general path can still take over. `tests/fast_path.rs` proves both paths give the same pod.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, LocalObjectReference, Pod, Volume};
use serde_json::{json, Value};

mod emit;
mod merged;

use self::emit::{emit, probes_by_name, Was};
use self::merged::{own_lists, to_owned, Merge, Merged};
use super::{post, InjectError, Patch, RenderFailure, Target};
use crate::annotations as n;
use crate::goenc::Element;
use crate::render::context::Context;
use crate::render::{
    ENABLE_CORE_DUMP_CONTAINER, INIT_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER,
};
use crate::settings::Snapshot;

/// Why a pod takes the general path (merge + normalise + diff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// The caller asked for the general path (the tests comparing the two do).
    Forced,
    /// `kube-inject` has no request pod to patch.
    KubeInject,
    /// The pod as sent is not its own Go encoding (a hand-made review): the general path
    /// patches from the pod as sent.
    NotGoEncoded,
    /// No `spec` object to patch.
    NoSpec,
    /// No containers: `null` and `[]` encode apart in Go, and the typed pod cannot tell them.
    NoContainers,
    /// `sidecar.istio.io/status`: a re-injection strips the previous one first.
    PreviousInjection,
    /// `proxy.istio.io/overrides`: the user's sidecar settings are merged back.
    Overrides,
    /// The pod has a container named like an injected one.
    OwnSidecarContainer(String),
    /// Templates other than the built-in `sidecar` alone.
    Templates(Vec<String>),
    /// The rendered overlay sets something besides labels, annotations and the four lists.
    OverlayShape(String),
    /// A list element without a name, or two with the same one, in `spec.<list>`.
    UnnamedOrDuplicate(&'static str),
    /// An injected element has the name of one of the pod's own in `spec.<list>`.
    NameCollision(&'static str),
    /// The merge did not keep the pod's own elements in their order in `spec.<list>`.
    Order(&'static str),
}

/// Names Istio's templates give their containers: a pod's own container of that name is
/// merged with the injected one (the general path's `reapply_overrides`).
const INJECTED_NAMES: [&str; 4] = [
    PROXY_CONTAINER,
    INIT_CONTAINER,
    VALIDATION_CONTAINER,
    ENABLE_CORE_DUMP_CONTAINER,
];

/// The lists the `sidecar` overlay adds to, with their merge key (`name` for all four).
const LISTS: [&str; 4] = [
    "containers",
    "initContainers",
    "volumes",
    "imagePullSecrets",
];

/// The routing predicate, on what is known before rendering. `None`: the fast path applies
/// (it may still fall back on what the rendered overlay shows, see [`plan`]).
/// `sent_is_encoding`: the pod as sent is its own Go encoding. Then the typed `pod` tells all
/// the patch needs to know of it: Go prints exactly its non-empty maps and lists (and
/// `containers`, here never empty), with those keys and element names.
pub fn fallback_reason(
    snap: &Snapshot,
    pod: &Pod,
    sent_is_encoding: bool,
    target: &Target,
) -> Option<Fallback> {
    if target.kube_inject {
        return Some(Fallback::KubeInject);
    }
    let Some(spec) = pod.spec.as_ref() else {
        return Some(Fallback::NoSpec);
    };
    // The typed pod cannot tell `containers: null` from `[]`, which Go encodes apart.
    if spec.containers.is_empty() {
        return Some(Fallback::NoContainers);
    }
    let annotations = pod.metadata.annotations.as_ref();
    if annotations.is_some_and(|a| a.contains_key(n::SIDECAR_STATUS)) {
        return Some(Fallback::PreviousInjection);
    }
    if annotations.is_some_and(|a| a.contains_key(n::PROXY_OVERRIDES)) {
        return Some(Fallback::Overrides);
    }
    let own = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
    for c in own {
        if INJECTED_NAMES.contains(&c.name.as_str()) {
            return Some(Fallback::OwnSidecarContainer(c.name.clone()));
        }
    }
    let no_annotations = BTreeMap::new();
    let templates =
        crate::render::templates::select(snap, annotations.unwrap_or(&no_annotations), false);
    if templates != ["sidecar"] || !crate::render::templates::is_built_in(snap, "sidecar") {
        return Some(Fallback::Templates(templates));
    }
    if !sent_is_encoding {
        return Some(Fallback::NotGoEncoded);
    }
    None
}

/// What rendering produced, checked: everything [`finish`] needs besides the typed pod.
pub(super) struct Plan {
    template_pod: Pod,
    proxy: crate::settings::ProxyView,
    proxy_envs: BTreeMap<String, String>,
    merged: Merged,
}

/// Renders the overlay and works out its merge onto the pod ([`Merged`]); `Ok(Err(_))` sends
/// the pod the general way. Errors are the general path's, in its order.
pub(super) fn plan(
    snap: &Snapshot,
    pod: &Pod,
    target: &Target,
) -> Result<Result<Plan, Fallback>, InjectError> {
    let (proxy, proxy_envs) = super::prepare(snap, pod, target)?;
    let no_spec = k8s_openapi::api::core::v1::PodSpec::default();
    let ctx = Context {
        values: &snap.values,
        meta: &pod.metadata,
        spec: pod.spec.as_ref().unwrap_or(&no_spec),
        proxy: &proxy,
        type_meta: &target.type_meta,
        deploy: &target.deploy,
        revision: &target.revision,
        native_sidecars: target.native_sidecars,
        proxy_image: snap.proxy_image(
            proxy.image_type.as_deref(),
            pod.metadata
                .annotations
                .as_ref()
                .unwrap_or(&BTreeMap::new()),
        ),
        proxy_uid: 1337,
        proxy_gid: 1337,
    };
    let overlay = crate::render::templates::render(snap, "sidecar", &ctx)?;
    if let Some(why) = overlay_shape(&overlay) {
        return Ok(Err(Fallback::OverlayShape(why)));
    }
    let directives = crate::merge::has_directives(&overlay);
    // The merge first, as on the general path (whose merge errors come before its decode's).
    let merged = match Merged::of(pod, &overlay, directives) {
        Ok(merged) => merged,
        Err(Merge::Fallback(why)) => return Ok(Err(why)),
        Err(Merge::Error(e)) => return Err(e),
    };
    let template_pod = template_pod(overlay, directives)?;
    let proxy = proxy.into_owned();
    Ok(Ok(Plan {
        template_pod,
        proxy,
        proxy_envs,
        merged,
    }))
}

/// The overlay merged onto an empty pod, typed: what the template alone puts in the pod.
/// Without directives that merge only drops the overlay's `null` fields, which decode as
/// absent anyway, so the overlay is decoded as it is, without the merged copy. Decoded by
/// value: its strings move into the typed pod instead of being copied and freed.
fn template_pod(overlay: Value, directives: bool) -> Result<Pod, InjectError> {
    let decoded = if directives {
        let mut merged = json!({});
        super::merge(&mut merged, &overlay)?;
        serde_json::from_value(merged)
    } else {
        serde_json::from_value(overlay)
    };
    Ok(decoded.map_err(RenderFailure::TemplateOutput)?)
}

/// `None` when the overlay only sets `metadata.{labels,annotations}` and the four lists.
fn overlay_shape(overlay: &Value) -> Option<String> {
    let Some(top) = overlay.as_object() else {
        return Some("not an object".into());
    };
    for (k, v) in top {
        let allowed: &[&str] = match k.as_str() {
            "metadata" => &["labels", "annotations"],
            "spec" => &LISTS,
            other => return Some(other.to_string()),
        };
        let Some(obj) = v.as_object() else {
            return Some(k.clone());
        };
        if let Some(extra) = obj.keys().find(|f| !allowed.contains(&f.as_str())) {
            return Some(format!("{k}.{extra}"));
        }
    }
    None
}

/// Builds the injected typed pod from the pod and the merged skeleton, post-processes it as
/// the general path does, and emits the patch for what changed.
pub(super) fn finish(
    snap: &Snapshot,
    mut pod: Pod,
    plan: Plan,
    target: &Target,
) -> Result<Patch, InjectError> {
    let Plan {
        mut template_pod,
        proxy,
        proxy_envs,
        merged,
    } = plan;
    let own = own_lists(&pod).map(|names| to_owned(&names));
    let Merged {
        labels,
        annotations,
        lists: [containers, init_containers, volumes, image_pull_secrets],
    } = merged;
    let was = Was {
        labels: std::mem::replace(&mut pod.metadata.labels, labels),
        annotations: std::mem::replace(&mut pod.metadata.annotations, annotations),
        own,
    };
    let fresh = Fresh::of(&mut template_pod);
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.containers = rebuild(
        std::mem::take(&mut spec.containers),
        containers.as_deref(),
        fresh.containers,
    )?
    .unwrap_or_default();
    spec.init_containers = rebuild_opt(
        spec.init_containers.take(),
        init_containers.as_deref(),
        fresh.init_containers,
    )?;
    spec.volumes = rebuild_opt(spec.volumes.take(), volumes.as_deref(), fresh.volumes)?;
    spec.image_pull_secrets = rebuild_opt(
        spec.image_pull_secrets.take(),
        image_pull_secrets.as_deref(),
        fresh.image_pull_secrets,
    )?;

    let before = probes_by_name(&pod);
    post::post_process(snap, &mut pod, &template_pod, &proxy, &proxy_envs, target)?;
    emit(&was, &mut pod, &before, &snap.encodings)
}

/// The template pod's four lists, each element moved out by [`rebuild`] as the merged list
/// takes it, leaving an element with only its name behind: all `post_process` reads of the
/// template is the names (for `sidecar.istio.io/status`).
struct Fresh<'t> {
    containers: &'t mut [Container],
    init_containers: &'t mut [Container],
    volumes: &'t mut [Volume],
    image_pull_secrets: &'t mut [LocalObjectReference],
}

impl<'t> Fresh<'t> {
    fn of(template: &'t mut Pod) -> Fresh<'t> {
        let Some(spec) = template.spec.as_mut() else {
            return Fresh {
                containers: &mut [],
                init_containers: &mut [],
                volumes: &mut [],
                image_pull_secrets: &mut [],
            };
        };
        Fresh {
            containers: &mut spec.containers,
            init_containers: spec.init_containers.as_deref_mut().unwrap_or_default(),
            volumes: spec.volumes.as_deref_mut().unwrap_or_default(),
            image_pull_secrets: spec.image_pull_secrets.as_deref_mut().unwrap_or_default(),
        }
    }
}

fn rebuild_opt<T: Named>(
    own: Option<Vec<T>>,
    merged: Option<&[String]>,
    fresh: &mut [T],
) -> Result<Option<Vec<T>>, InjectError> {
    match (own, merged) {
        (own, None) => Ok(own),
        (own, Some(m)) => rebuild(own.unwrap_or_default(), Some(m), fresh),
    }
}

/// The list in the merged order: the pod's own elements moved over, new ones moved from the
/// template pod (the general path's merge copies them unchanged: no name is shared, checked
/// by `Merged::of`). Each element is moved once: `Merged::of` checked that the merged list
/// has all the pod's own elements in their order (`Fallback::Order`), so they are taken in
/// turn, and its names are unique, so a template element is taken at most once.
fn rebuild<T: Named>(
    own: Vec<T>,
    merged: Option<&[String]>,
    fresh: &mut [T],
) -> Result<Option<Vec<T>>, InjectError> {
    let Some(items) = merged else {
        return Ok(if own.is_empty() { None } else { Some(own) });
    };
    let broken = |what: std::fmt::Arguments<'_>| -> InjectError {
        RenderFailure::Json(serde::de::Error::custom(format_args!(
            "the merged pod {what}"
        )))
        .into()
    };
    let mut own = own.into_iter();
    let mut out = Vec::with_capacity(items.len());
    for name in items {
        let name = name.as_str();
        if own.as_slice().first().is_some_and(|e| e.name() == name) {
            out.extend(own.next());
            continue;
        }
        let Some(element) = fresh.iter_mut().find(|e| e.name() == name) else {
            if own.as_slice().iter().any(|e| e.name() == name) {
                return Err(broken(format_args!(
                    "changed the place of the pod's own element {name:?}"
                )));
            }
            return Err(broken(format_args!(
                "has an element {name:?} that neither the pod nor the template has"
            )));
        };
        out.push(std::mem::replace(element, T::named(name)));
    }
    if let Some(left) = own.as_slice().first() {
        return Err(broken(format_args!(
            "lost the pod's own element {:?} or changed its place",
            left.name()
        )));
    }
    Ok(Some(out))
}

/// A list element the fast path moves: named (`goenc::Element::name`) and encodable.
pub(super) trait Named: Element {
    /// An element with only this name.
    fn named(name: &str) -> Self;
}
impl Named for Container {
    fn named(name: &str) -> Self {
        Container {
            name: name.to_string(),
            ..Default::default()
        }
    }
}
impl Named for Volume {
    fn named(name: &str) -> Self {
        Volume {
            name: name.to_string(),
            ..Default::default()
        }
    }
}
impl Named for LocalObjectReference {
    fn named(name: &str) -> Self {
        LocalObjectReference {
            name: name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The overlay decoded as it is gives the pod the merge onto `{}` gives; a directive
    /// makes the merge run (it drops the element carrying `$patch: delete`).
    #[test]
    fn template_pod_decodes_the_overlay_as_the_merge_would() {
        let plain = json!({
            "metadata": {"labels": {"a": "1"}, "annotations": null},
            "spec": {
                "containers": [{"name": "istio-proxy", "image": "proxy", "args": null}],
                "volumes": [{"name": "workload-socket", "emptyDir": null}],
                "imagePullSecrets": null,
            }
        });
        let directed = json!({
            "spec": {
                "containers": [{"name": "istio-proxy"}, {"name": "gone", "$patch": "delete"}],
            }
        });
        for overlay in [plain, directed] {
            let mut merged = json!({});
            crate::merge::merge_pod(&mut merged, &overlay).unwrap();
            let via_merge: Pod = serde_json::from_value(merged).unwrap();
            let directives = crate::merge::has_directives(&overlay);
            assert_eq!(
                template_pod(overlay.clone(), directives).unwrap(),
                via_merge,
                "{overlay}"
            );
        }
        let names = |p: &Pod| -> Vec<String> {
            p.spec
                .iter()
                .flat_map(|s| &s.containers)
                .map(|c| c.name.clone())
                .collect()
        };
        let directed =
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "$patch": "delete"}]}});
        assert_eq!(names(&template_pod(directed, true).unwrap()), ["a"]);
    }

    #[test]
    fn rebuild_moves_own_and_template_elements_into_the_merged_order() {
        let own = vec![Volume::named("data"), Volume::named("logs")];
        let mut fresh = vec![Volume {
            name: "istio-envoy".into(),
            empty_dir: Some(Default::default()),
            ..Default::default()
        }];
        let merged = ["istio-envoy", "data", "logs"].map(String::from);
        let out = rebuild(own, Some(&merged), &mut fresh).unwrap().unwrap();
        let names: Vec<&str> = out.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["istio-envoy", "data", "logs"]);
        assert!(out[0].empty_dir.is_some());
        // The template keeps the name only (what `post_process` reads).
        assert_eq!(fresh[0], Volume::named("istio-envoy"));
        // A merged name that neither side has is an error, never an empty element.
        let merged = ["nowhere".to_string()];
        let err = rebuild(Vec::<Volume>::new(), Some(&merged), &mut fresh).unwrap_err();
        assert!(err.to_string().contains("\"nowhere\""), "{err}");
        // The pod's own elements out of their order, or one missing: an error, never a drop.
        for merged in [&["logs", "data"][..], &["data"]] {
            let own = vec![Volume::named("data"), Volume::named("logs")];
            let merged: Vec<String> = merged.iter().map(|n| n.to_string()).collect();
            let err = rebuild(own, Some(&merged), &mut []).unwrap_err();
            assert!(err.to_string().contains("own element"), "{err}");
        }
    }
}
