//! The fast path: the JSON Patch emitted directly, without merging the overlay into the whole
//! pod, re-encoding and normalising the injected pod and diffing two trees.
//!
//! For a first injection of an ordinary pod (no `istio-proxy`/`istio-init` of its own, no
//! `proxy.istio.io/overrides`, only the built-in `sidecar` template, sent in Go's encoding)
//! the general path changes exactly these parts of the pod: labels and annotations, the
//! injected containers, init containers, volumes and pull secrets (appended, then reordered
//! by name), and the probes and lifecycle handlers Istio rewrites on the app's containers. So:
//! - the overlay is rendered from what the template reads of the pod, and kept per settings
//!   snapshot for pods that give the same (`rendered`: a rollout's, a DaemonSet's, a
//!   StatefulSet's pods), so those skip the render and the overlay's decode;
//! - what the overlay's strategic merge makes of the pod's labels, annotations and list order
//!   is worked out on their names alone (`merged`: apimachinery's rules for an overlay without
//!   directives, else the merge code itself on a skeleton of the pod), so the same order and
//!   the same new elements, at the cost of the overlay rather than the pod;
//! - the typed pod's containers and init containers are rebuilt in that order (app containers
//!   moved, not copied; the injected ones moved out of the overlay's typed pod, or copied from
//!   a kept one) and the pod goes through the same `post_process` as the general path; its
//!   volumes and pull secrets, which `post_process` never reads, are left as sent (the pod was
//!   decoded with their names only, `sent::light`) and the patch adds the template's from
//!   their encodings, kept with the overlay (`rendered::Encoded`);
//! - only the new elements and rewritten probes/handlers are encoded and Go-normalised, and
//!   the patch names exactly those; the new elements come from the snapshot's kept encodings
//!   when an earlier pod had the same (`goenc::Recent`) and go into the patch as JSON text.
//!
//! [`fallback_reason`] is the routing predicate: anything it does not accept goes the general
//! way. Conditions only visible once the overlay is rendered (a name collision, an overlay
//! touching more than the parts above) are checked before the typed pod is consumed, so the
//! general path can still take over. `tests/fast_path.rs` proves both paths give the same pod.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, Pod};
use serde::Deserialize;
use serde_json::{json, Value};

mod emit;
mod merged;
mod rendered;

use self::emit::{emit, probes_by_name, Was};
use self::merged::{own_lists, to_owned, Merge, Merged};
use self::rendered::{Key, Lookup, Memo, Rendered};
use super::{post, InjectError, Patch, RenderFailure, Target};
use crate::annotations as n;
use crate::goenc::Element;
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

/// The `sidecar` overlays this snapshot's fast path looked up among those it kept, so far:
/// (found kept, rendered).
pub fn overlay_lookups(snap: &Snapshot) -> (u64, u64) {
    Memo::of(snap).map_or((0, 0), Memo::lookups)
}

/// What rendering produced, checked: everything [`finish`] needs besides the typed pod.
pub(super) struct Plan {
    rendered: Arc<Rendered>,
    merged: Merged,
    /// `rendered` was found kept.
    found: bool,
}

impl Plan {
    /// Whether the overlay was found kept for an earlier pod.
    pub(super) fn overlay_kept(&self) -> bool {
        self.found
    }
}

/// Renders the overlay, or finds it kept for a pod that gave the same ([`rendered`]), and
/// works out its merge onto the pod ([`Merged`]); `Ok(Err(_))` sends the pod the general way.
/// Errors are the general path's, in its order.
pub(super) fn plan(
    snap: &Snapshot,
    pod: &Pod,
    target: &Target,
) -> Result<Result<Plan, Fallback>, InjectError> {
    super::check_bounds(pod)?;
    let key = Key::of(pod, target);
    let memo = Memo::of(snap);
    let keep = match memo.map(|m| m.get(&key)) {
        Some(Lookup::Kept(rendered)) => return merged(pod, rendered),
        Some(Lookup::Missed { keep }) => keep,
        None => false,
    };
    let (proxy, proxy_envs) = super::prepare_meta(snap, &key.meta, target)?;
    let overlay = crate::render::templates::render(snap, "sidecar", &key.context(snap, &proxy))?;
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
    // An overlay not kept is decoded by value: its strings move into the typed pod.
    let (template_pod, overlay) = if keep {
        (template_pod(&overlay, directives)?, overlay)
    } else {
        (template_pod_of(overlay, directives)?, Value::Null)
    };
    let rendered = Arc::new(Rendered::new(
        key,
        overlay,
        directives,
        template_pod,
        proxy,
        proxy_envs,
    ));
    if let (true, Some(memo)) = (keep, memo) {
        memo.keep(&rendered);
    }
    Ok(Ok(Plan {
        rendered,
        merged,
        found: false,
    }))
}

/// The plan for a pod whose overlay was kept: its merge onto this pod. Whatever erred before
/// the merge (the annotations' checks, the render) erred on the key alone, so not for it.
fn merged(pod: &Pod, rendered: Arc<Rendered>) -> Result<Result<Plan, Fallback>, InjectError> {
    match Merged::of(pod, &rendered.overlay, rendered.directives) {
        Ok(merged) => Ok(Ok(Plan {
            rendered,
            merged,
            found: true,
        })),
        Err(Merge::Fallback(why)) => Ok(Err(why)),
        Err(Merge::Error(e)) => Err(e),
    }
}

/// The overlay merged onto an empty pod, typed: what the template alone puts in the pod.
/// Without directives that merge only drops the overlay's `null` fields, which decode as
/// absent anyway, so the overlay is decoded as it is, without the merged copy.
fn template_pod(overlay: &Value, directives: bool) -> Result<Pod, InjectError> {
    let decoded = if directives {
        let mut merged = json!({});
        super::merge(&mut merged, overlay)?;
        serde_json::from_value(merged)
    } else {
        Pod::deserialize(overlay)
    };
    Ok(decoded.map_err(RenderFailure::TemplateOutput)?)
}

/// [`template_pod`] of an overlay no longer needed, decoded by value.
fn template_pod_of(overlay: Value, directives: bool) -> Result<Pod, InjectError> {
    if directives {
        return template_pod(&overlay, directives);
    }
    Ok(serde_json::from_value(overlay).map_err(RenderFailure::TemplateOutput)?)
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
        mut rendered,
        merged,
        ..
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
    // Volumes and pull secrets: `post_process` reads neither, so they stay as the pod sent
    // them and the patch adds the template's as encoded once per overlay (`Encoded`).
    let encoded = rendered
        .encoded(&snap.encodings)
        .map_err(RenderFailure::from)?;
    let added = [
        placed(&was.own[2], volumes.as_deref(), &encoded.volumes)?,
        placed(
            &was.own[3],
            image_pull_secrets.as_deref(),
            &encoded.image_pull_secrets,
        )?,
    ];
    // The template pod's containers move into the pod, unless it is kept for the next pods.
    let mut fresh = match Arc::get_mut(&mut rendered) {
        Some(owned) => Fresh::moving(&mut owned.template_pod),
        None => Fresh::copying(&rendered.template_pod),
    };
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.containers = rebuild(
        std::mem::take(&mut spec.containers),
        containers.as_deref(),
        &mut fresh.containers,
    )?
    .unwrap_or_default();
    spec.init_containers = rebuild_opt(
        spec.init_containers.take(),
        init_containers.as_deref(),
        &mut fresh.init_containers,
    )?;

    let before = probes_by_name(&pod);
    let template_pod = &rendered.template_pod;
    let proxy = rendered.proxy(snap);
    post::post_process(
        snap,
        &mut pod,
        template_pod,
        proxy,
        &rendered.proxy_envs,
        target,
    )?;
    emit(&was, &mut pod, &before, added, &snap.encodings)
}

/// The template pod's containers and init containers, which [`rebuild`] takes as the merged
/// list names them: moved out of a template pod used once, leaving an element with only its
/// name behind (all `post_process` reads of the template is the names, for
/// `sidecar.istio.io/status`); copied from one kept for the next pods.
struct Fresh<'t> {
    containers: Source<'t, Container>,
    init_containers: Source<'t, Container>,
}

enum Source<'t, T> {
    Move(&'t mut [T]),
    Copy(&'t [T]),
}

impl<T: Named> Source<'_, T> {
    /// The template's element of this name.
    fn take(&mut self, name: &str) -> Option<T> {
        match self {
            Source::Move(list) => list
                .iter_mut()
                .find(|e| e.name() == name)
                .map(|e| std::mem::replace(e, T::named(name))),
            Source::Copy(list) => list.iter().find(|e| e.name() == name).cloned(),
        }
    }
}

impl<'t> Fresh<'t> {
    fn moving(template: &'t mut Pod) -> Fresh<'t> {
        let Some(spec) = template.spec.as_mut() else {
            return Fresh {
                containers: Source::Move(&mut []),
                init_containers: Source::Move(&mut []),
            };
        };
        Fresh {
            containers: Source::Move(&mut spec.containers),
            init_containers: Source::Move(spec.init_containers.as_deref_mut().unwrap_or_default()),
        }
    }

    fn copying(template: &'t Pod) -> Fresh<'t> {
        let spec = template.spec.as_ref();
        Fresh {
            containers: Source::Copy(spec.map_or(&[], |s| &s.containers)),
            init_containers: Source::Copy(
                spec.and_then(|s| s.init_containers.as_deref())
                    .unwrap_or_default(),
            ),
        }
    }
}

fn rebuild_opt<T: Named>(
    own: Option<Vec<T>>,
    merged: Option<&[String]>,
    fresh: &mut Source<'_, T>,
) -> Result<Option<Vec<T>>, InjectError> {
    match (own, merged) {
        (own, None) => Ok(own),
        (own, Some(m)) => rebuild(own.unwrap_or_default(), Some(m), fresh),
    }
}

/// The list in the merged order: the pod's own elements moved over, new ones taken from the
/// template pod (the general path's merge copies them unchanged: no name is shared, checked
/// by `Merged::of`).
fn rebuild<T: Named>(
    own: Vec<T>,
    merged: Option<&[String]>,
    fresh: &mut Source<'_, T>,
) -> Result<Option<Vec<T>>, InjectError> {
    let Some(items) = merged else {
        return Ok(if own.is_empty() { None } else { Some(own) });
    };
    arrange(own, T::name, items, |e| e, |name| fresh.take(name)).map(Some)
}

/// What the patch adds of a list the pod keeps as sent: per element of the merged list,
/// `None` for the pod's own (`own`, their names) and the encoding for the template's.
fn placed(
    own: &[String],
    merged: Option<&[String]>,
    template: &[(String, Arc<str>)],
) -> Result<Vec<Option<Arc<str>>>, InjectError> {
    let Some(items) = merged else {
        return Ok(vec![None; own.len()]);
    };
    let new = |name: &str| {
        let found = template.iter().find(|(n, _)| n == name);
        found.map(|(_, encoded)| Some(encoded.clone()))
    };
    arrange(own.iter().collect(), |n| n.as_str(), items, |_| None, new)
}

/// Walks the merged list, each element either the pod's own (`own`, taken in turn: `Merged::of`
/// checked that the merged list has them all in their order, `Fallback::Order`) or the
/// template's (`new`, by name; the names are unique, so each is taken at most once).
fn arrange<O, X>(
    own: Vec<O>,
    name_of: impl Fn(&O) -> &str,
    items: &[String],
    kept: impl Fn(O) -> X,
    mut new: impl FnMut(&str) -> Option<X>,
) -> Result<Vec<X>, InjectError> {
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
        if own.as_slice().first().is_some_and(|e| name_of(e) == name) {
            out.extend(own.next().map(&kept));
            continue;
        }
        let Some(element) = new(name) else {
            if own.as_slice().iter().any(|e| name_of(e) == name) {
                return Err(broken(format_args!(
                    "changed the place of the pod's own element {name:?}"
                )));
            }
            return Err(broken(format_args!(
                "has an element {name:?} that neither the pod nor the template has"
            )));
        };
        out.push(element);
    }
    if let Some(left) = own.as_slice().first() {
        return Err(broken(format_args!(
            "lost the pod's own element {:?} or changed its place",
            name_of(left)
        )));
    }
    Ok(out)
}

/// A list element the fast path rebuilds: named (`goenc::Element::name`), encodable, and
/// copied from a kept template pod.
pub(super) trait Named: Element + Clone {
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
                template_pod(&overlay, directives).unwrap(),
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
        assert_eq!(names(&template_pod(&directed, true).unwrap()), ["a"]);
    }

    #[test]
    fn rebuild_moves_own_and_template_elements_into_the_merged_order() {
        let proxy = Container {
            name: "istio-proxy".into(),
            image: Some("proxyv2".into()),
            ..Default::default()
        };
        let merged = ["istio-proxy", "app", "logs"].map(String::from);
        let names =
            |out: &[Container]| -> Vec<String> { out.iter().map(|c| c.name.clone()).collect() };
        let own = || vec![Container::named("app"), Container::named("logs")];
        // A kept template pod is copied from and stays as it was, for the next pods.
        let kept = vec![proxy.clone()];
        let out = rebuild(own(), Some(&merged), &mut Source::Copy(&kept))
            .unwrap()
            .unwrap();
        assert_eq!(names(&out), merged);
        assert_eq!(out[0], proxy);
        assert_eq!(kept, std::slice::from_ref(&proxy));
        // One used once gives its elements up and keeps their names (what `post_process`
        // reads).
        let mut once = vec![proxy.clone()];
        let out = rebuild(own(), Some(&merged), &mut Source::Move(&mut once))
            .unwrap()
            .unwrap();
        assert_eq!(names(&out), merged);
        assert_eq!(out[0], proxy);
        assert_eq!(once, [Container::named("istio-proxy")]);
        // A merged name that neither side has is an error, never an empty element.
        let merged = ["nowhere".to_string()];
        let err = rebuild(
            Vec::<Container>::new(),
            Some(&merged),
            &mut Source::Copy(&kept),
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"nowhere\""), "{err}");
        // The pod's own elements out of their order, or one missing: an error, never a drop.
        for merged in [&["logs", "app"][..], &["app"]] {
            let merged: Vec<String> = merged.iter().map(|n| n.to_string()).collect();
            let err = rebuild(own(), Some(&merged), &mut Source::Move(&mut [])).unwrap_err();
            assert!(err.to_string().contains("own element"), "{err}");
        }
    }

    #[test]
    fn placed_names_the_template_encodings_in_the_merged_order() {
        let own = ["data", "logs"].map(String::from);
        let template: Vec<(String, Arc<str>)> = vec![
            (
                "istio-envoy".into(),
                Arc::from(r#"{"name":"istio-envoy","emptyDir":{}}"#),
            ),
            (
                "istio-data".into(),
                Arc::from(r#"{"name":"istio-data","emptyDir":{}}"#),
            ),
        ];
        let merged = ["istio-envoy", "data", "logs", "istio-data"].map(String::from);
        let out = placed(&own, Some(&merged), &template).unwrap();
        let text: Vec<Option<&str>> = out.iter().map(|e| e.as_deref()).collect();
        assert_eq!(
            text,
            [
                Some(template[0].1.as_ref()),
                None,
                None,
                Some(template[1].1.as_ref())
            ]
        );
        // A list the overlay leaves alone: the pod's own, unchanged.
        assert_eq!(placed(&own, None, &template).unwrap(), [None, None]);
        // The same checks as `rebuild`: no element from nowhere, the pod's own kept in order.
        let err = placed(&own, Some(&["nowhere".to_string()]), &template).unwrap_err();
        assert!(err.to_string().contains("\"nowhere\""), "{err}");
        let swapped = ["logs", "data"].map(String::from);
        let err = placed(&own, Some(&swapped), &template).unwrap_err();
        assert!(err.to_string().contains("own element"), "{err}");
    }
}
