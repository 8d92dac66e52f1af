//! The pipeline both front ends drive: decide → render → merge → post-process → patch.
//!
//! Istio's `injectPod`, step by step: validate the annotations, resolve the ProxyConfig,
//! render each selected template into an overlay and strategic-merge it onto the pod, re-apply
//! the user's own `istio-proxy`/`istio-init` settings, then the post-processing (cluster env,
//! prometheus merge, probe rewrite, status annotation, container order).
//!
//! `mutate` has two ways to the patch: the general one (merge onto the whole pod, normalise,
//! diff) and, for first injections with the built-in `sidecar` template, module `fast`, which
//! emits the operations directly; `fast::fallback_reason` routes between them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use crate::annotations as n;
use crate::decision::{self, Decision};
use crate::render::context::Context;
use crate::render::templates;
use crate::settings::Snapshot;
use crate::workload::{DeployMeta, TypeMeta};

mod error;
mod fast;
mod guard;
mod patch;
pub mod post;
pub mod sent;
mod status;

pub use error::{AnnotationFault, InjectError, PodError, RenderFailure};
pub use fast::{fallback_reason, overlay_lookups, Fallback};
pub use patch::Patch;
pub use sent::SentPod;

/// What the webhook knows about one admission request besides the pod.
#[derive(Debug, Clone, Copy)]
pub struct PodRequest<'a> {
    /// The request's namespace (a pod from a template has none of its own yet).
    pub namespace: &'a str,
    /// Render `istio-proxy` as a native sidecar (an init container with `restartPolicy: Always`).
    pub native_sidecars: bool,
    /// Settings from the webhook URL path (`/inject/cluster/C/net/N`): `ISTIO_META_CLUSTER_ID`, `ISTIO_META_NETWORK`.
    pub proxy_envs: &'a BTreeMap<String, String>,
    /// The namespace's labels when namespaces are watched (`--kube=on`); `None` trusts the webhook selectors.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// Not injected; the decision says why.
    Skipped(Decision),
    /// Injected; `patch` turns the pod as received into the injected pod.
    Injected { decision: Decision, patch: Patch },
}

/// Everything about the pod's surroundings the templates need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub type_meta: TypeMeta,
    pub deploy: DeployMeta,
    pub native_sidecars: bool,
    /// Overrides from the webhook URL (`ISTIO_META_CLUSTER_ID`, `ISTIO_META_NETWORK`).
    pub proxy_envs: BTreeMap<String, String>,
    /// The injector's revision (`.Revision`, `istio.io/rev`, the status annotation): istiod's
    /// (the values' `revision`) for the webhook, `--revision` for kube-inject. The values'
    /// `revision` still names the CA address, as the template reads `.Values.revision` there.
    pub revision: String,
    /// istioctl kube-inject's path: the default templates are always `[sidecar]` and no
    /// `injectedAnnotations` are added, whatever the values say.
    pub kube_inject: bool,
}

/// Which way [`mutate_routed`] went for an injected pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The patch emitted directly (module `fast`); `overlay_kept`: the `sidecar` overlay was
    /// found kept for an earlier pod that gave the template the same (`fast::rendered`).
    Fast { overlay_kept: bool },
    /// Merge + normalise + diff, and why.
    General(Fallback),
}

/// Webhook entry point: the pod as the API server sent it (JSON, `managedFields` already
/// dropped by the caller) → skip, or the JSON Patch that injects it.
pub fn mutate(snap: &Snapshot, pod: &Value, req: &PodRequest<'_>) -> Result<Outcome, InjectError> {
    mutate_routed(snap, pod, req, true).map(|(outcome, _)| outcome)
}

/// [`mutate`], saying which path produced the patch (`None` when skipped); `allow_fast: false`
/// forces the general path (the equivalence tests compare the two).
pub fn mutate_routed(
    snap: &Snapshot,
    pod: &Value,
    req: &PodRequest<'_>,
    allow_fast: bool,
) -> Result<(Outcome, Option<Route>), InjectError> {
    let typed = typed_pod(pod)?;
    route(snap, typed, Sent::Value(pod), req, allow_fast)
}

/// The webhook's entry point: the pod as the AdmissionReview carried it ([`SentPod`]).
pub fn mutate_sent(
    snap: &Snapshot,
    sent: SentPod<'_>,
    req: &PodRequest<'_>,
) -> Result<(Outcome, Option<Route>), InjectError> {
    match sent.source {
        sent::Source::GoEncoded { text, light } => {
            route(snap, sent.pod, Sent::Text { text, light }, req, true)
        }
        sent::Source::Parsed(value) => route(snap, sent.pod, Sent::Value(&value), req, true),
        sent::Source::Invalid(e) => Err(e.into()),
    }
}

/// The pod's JSON as sent, beside its typed decoding.
enum Sent<'a> {
    /// Its own Go encoding; parsed only if the general path runs. `light`: the typed pod
    /// beside it holds only what the fast path reads (`sent::light`).
    Text {
        text: sent::GoText<'a>,
        light: bool,
    },
    Value(&'a Value),
}

fn route(
    snap: &Snapshot,
    mut typed: Pod,
    sent: Sent<'_>,
    req: &PodRequest<'_>,
    allow_fast: bool,
) -> Result<(Outcome, Option<Route>), InjectError> {
    sent::settle(&mut typed, req.namespace);
    // A pod that already carries `sidecar.istio.io/status` is decided like any other: Istio
    // re-renders it (stripping what it injected before), which makes a re-invocation on our
    // own output a no-op.
    let asker = decision::Asker::Webhook {
        namespace_labels: req.namespace_labels,
    };
    let decision = decision::decide_pod(snap, &typed, asker);
    if !decision.inject {
        return Ok((Outcome::Skipped(decision), None));
    }
    let (deploy, type_meta) = crate::workload::deploy_meta_from_pod(&typed.metadata);
    let target = Target {
        type_meta,
        deploy,
        native_sidecars: req.native_sidecars,
        proxy_envs: req.proxy_envs.clone(),
        revision: snap.values.revision.clone(),
        kube_inject: false,
    };
    // Istio diffs against `json.Marshal` of the pod it decoded: Go's encoding of the JSON we
    // were sent, not of our typed copy (which can't tell a `null` list from an empty one, so
    // `"containers": null` would get an `add /spec/containers/0` the API server can't apply).
    // An API server sends exactly that encoding; checking so reads the pod once, where
    // copying and normalising it cost a fifth of an admission.
    let sent_is_encoding = match &sent {
        Sent::Text { .. } => true,
        Sent::Value(pod) => {
            fill_ins_change_nothing(pod, req.namespace) && crate::goenc::is_pod_encoding(pod)
        }
    };
    let why = match fast::fallback_reason(snap, &typed, sent_is_encoding, &target) {
        _ if !allow_fast => Fallback::Forced,
        Some(why) => why,
        None => match fast::plan(snap, &typed, &target)? {
            Ok(plan) => {
                let overlay_kept = plan.overlay_kept();
                let patch = fast::finish(snap, typed, plan, &target)?;
                let route = Route::Fast { overlay_kept };
                return Ok((Outcome::Injected { decision, patch }, Some(route)));
            }
            Err(why) => why,
        },
    };
    let parsed;
    let pod = match sent {
        Sent::Value(pod) => pod,
        Sent::Text { text, light } => {
            let path = "pod".to_string();
            let cut = text.without_managed_fields();
            let mut value =
                sent::parse(&cut).map_err(|source| PodError::Decode { path, source })?;
            sent::fill_namespace(&mut value, req.namespace);
            // The general path reads all of the pod.
            if light {
                typed = match sent::decode_whole(&cut, req.namespace) {
                    Ok(pod) => pod,
                    // For the error naming the field at fault (the value is settled already).
                    Err(_) => typed_pod(&value)?,
                };
            }
            parsed = value;
            &parsed
        }
    };
    let original: Cow<'_, Value> = if sent_is_encoding {
        Cow::Borrowed(pod)
    } else {
        Cow::Owned(go_encoding_of(pod, req.namespace)?)
    };
    let original = original.as_ref();
    // `inject_pod` would encode the same pod again: hand it the encoding we already have.
    let injected = inject_encoded(snap, &typed, original.clone(), &target)?;
    // Re-invocation (`reinvocationPolicy: IfNeeded`) hands us our own output: when the pod
    // already carries exactly the status this injection writes, leave it alone. A pod injected
    // differently (another template set, an older Istio) is re-rendered, as Istio does.
    let status_ptr = n::SIDECAR_STATUS_POINTER;
    let previous = original.pointer(status_ptr);
    if previous.is_some() && previous == injected.pointer(status_ptr) {
        let mut decision = decision;
        decision.inject = false;
        decision.reasons.push(decision::Reason::AlreadyInjected);
        return Ok((Outcome::Skipped(decision), None));
    }
    let mut patch = json_patch::diff(original, &injected);
    // The API server applies the patch to the object it sent us. Its encoding has every field
    // Go's has, so Istio's patch (against Go's encoding) applies; a hand-made review may lack
    // some (`spec: {}` has no `containers: null`), and then we patch from the pod as sent.
    // A pod that is its own Go encoding (what an API server sends) needs no trial: the patch
    // was computed against an equal tree.
    if !sent_is_encoding && !applies(pod, &patch) {
        patch = json_patch::diff(pod, &injected);
    }
    Ok((
        Outcome::Injected {
            decision,
            patch: Patch::from(patch),
        },
        Some(Route::General(why)),
    ))
}

/// Whether the two edits [`go_encoding_of`] makes before normalising (drop `managedFields`,
/// fill in the request's namespace) leave `pod` as it is.
fn fill_ins_change_nothing(pod: &Value, namespace: &str) -> bool {
    let Some(meta) = pod.get("metadata").and_then(Value::as_object) else {
        return false;
    };
    !meta.contains_key("managedFields")
        && match meta.get("namespace") {
            Some(Value::String(ns)) => !ns.is_empty(),
            // An empty namespace filled in is omitted again by Go's encoding.
            None => namespace.is_empty(),
            Some(_) => false,
        }
}

/// The pod Istio's patch is computed against: the pod as sent, without `managedFields`, with
/// the request's namespace when it has none, in Go's encoding.
fn go_encoding_of(pod: &Value, namespace: &str) -> Result<Value, PodError> {
    let mut original = pod.clone();
    if let Some(pod) = original.as_object_mut() {
        let meta = pod.entry("metadata").or_insert(Value::Null);
        if meta.is_null() {
            *meta = Value::Object(serde_json::Map::new());
        }
        if let Some(meta) = meta.as_object_mut() {
            meta.remove("managedFields");
        }
    }
    sent::fill_namespace(&mut original, namespace);
    crate::goenc::normalize_pod(&mut original).map_err(PodError::Encode)?;
    Ok(original)
}

fn applies(pod: &Value, patch: &json_patch::Patch) -> bool {
    let mut copy = pod.clone();
    json_patch::patch(&mut copy, patch).is_ok()
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, InjectError> {
    serde_json::to_value(v).map_err(|e| RenderFailure::Json(e).into())
}

/// Decodes a Pod from JSON. Tracking the path costs a third of the decode, so it is only
/// paid again, to name the field at fault, when the plain decode fails.
fn typed_pod(v: &Value) -> Result<Pod, PodError> {
    use serde::Deserialize;
    Pod::deserialize(v).map_err(|_| match serde_path_to_error::deserialize::<_, Pod>(v) {
        Err(e) => PodError::Decode {
            path: e.path().to_string(),
            source: e.into_inner(),
        },
        // Unreachable in practice: both decodes run the same code.
        Ok(_) => PodError::Undecodable,
    })
}

/// Injects one pod (metadata + spec); returns the injected pod as Go would encode it.
pub fn inject_pod(snap: &Snapshot, pod: &Pod, target: &Target) -> Result<Value, InjectError> {
    let mut encoded = to_json(pod)?;
    crate::goenc::normalize_pod(&mut encoded).map_err(PodError::Encode)?;
    inject_encoded(snap, pod, encoded, target)
}

/// `inject_pod` with the pod's Go encoding (`to_json` + `goenc::normalize_pod`) already at hand.
fn inject_encoded(
    snap: &Snapshot,
    pod: &Pod,
    mut merged: Value,
    target: &Target,
) -> Result<Value, InjectError> {
    let (proxy, proxy_envs) = prepare(snap, pod, target)?;
    let no_annotations = BTreeMap::new();
    let annotations = pod.metadata.annotations.as_ref().unwrap_or(&no_annotations);

    let stripped = post::strip_pod(snap, pod);
    let no_spec = PodSpec::default();
    let spec = stripped.spec.as_ref().unwrap_or(&no_spec);
    let ctx = Context {
        values: &snap.values,
        meta: &stripped.metadata,
        spec,
        proxy: &proxy,
        type_meta: &target.type_meta,
        deploy: &target.deploy,
        revision: &target.revision,
        native_sidecars: target.native_sidecars,
        proxy_image: snap.proxy_image(proxy.image_type.as_deref(), annotations),
        proxy_uid: 1337,
        proxy_gid: 1337,
    };

    let mut template_pod = serde_json::json!({});
    for name in templates::select(snap, annotations, target.kube_inject) {
        let overlay = templates::render(snap, &name, &ctx)?;
        merge(&mut template_pod, &overlay)?;
        if ctx.native_moves_user_proxy() {
            post::move_proxy_to_init(&mut merged, &template_pod);
        }
        merge(&mut merged, &overlay)?;
    }
    let template_pod: Pod =
        serde_json::from_value(template_pod).map_err(RenderFailure::TemplateOutput)?;
    post::reapply_overrides(&mut merged, pod, &template_pod, &proxy)?;

    let mut out: Pod = typed_pod(&merged).map_err(RenderFailure::InjectedPod)?;
    post::post_process(snap, &mut out, &template_pod, &proxy, &proxy_envs, target)?;
    let mut json = to_json(&out)?;
    crate::goenc::normalize_pod(&mut json).map_err(RenderFailure::Encode)?;
    Ok(json)
}

/// A pod's ProxyConfig view and its cluster/network envs.
type Prepared<'s> = (
    Cow<'s, crate::settings::ProxyView>,
    BTreeMap<String, String>,
);

/// The checks and per-pod settings both paths start with: bounds, annotations, the
/// ProxyConfig view, the cluster/network envs.
fn prepare<'s>(
    snap: &'s Snapshot,
    pod: &Pod,
    target: &Target,
) -> Result<Prepared<'s>, InjectError> {
    check_bounds(pod)?;
    prepare_meta(snap, &pod.metadata, target)
}

/// [`prepare`] past the pod's bounds: what it reads of the pod is its metadata (the
/// annotations, the network label).
fn prepare_meta<'s>(
    snap: &'s Snapshot,
    meta: &ObjectMeta,
    target: &Target,
) -> Result<Prepared<'s>, InjectError> {
    let no_annotations = BTreeMap::new();
    let annotations = meta.annotations.as_ref().unwrap_or(&no_annotations);
    let checked = crate::annotations::validate(annotations).map_err(AnnotationFault::Value)?;
    let proxy = snap
        .proxy_view(checked.proxy_config.as_ref())
        .map_err(AnnotationFault::ProxyConfig)?;
    let mut proxy_envs = target.proxy_envs.clone();
    cluster_and_network(snap, meta, &mut proxy_envs);
    Ok((proxy, proxy_envs))
}

/// Per-pod caps. Injection's cost grows with these counts; far past anything a real workload
/// has, a pod is refused with a message instead of costing seconds. The annotation cap is the
/// API server's own (`TotalAnnotationSizeLimitB`), so nothing valid is lost.
pub const MAX_CONTAINERS: usize = 256;
pub const MAX_VOLUMES: usize = 1_024;
pub const MAX_ENV_PER_CONTAINER: usize = 10_000;
pub const MAX_ANNOTATION_BYTES: usize = 256 * 1024;

fn check_bounds(pod: &Pod) -> Result<(), InjectError> {
    let too_many = |what: &str, n: usize, max: usize| {
        InjectError::InvalidPod(PodError::Limit(format!(
            "{what}: {n} is over the limit of {max} this injector accepts"
        )))
    };
    let annotation_bytes: usize = pod
        .metadata
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    if annotation_bytes > MAX_ANNOTATION_BYTES {
        return Err(InjectError::InvalidPod(PodError::Limit(format!(
            "metadata.annotations: {annotation_bytes} bytes in total, over Kubernetes' limit of {MAX_ANNOTATION_BYTES}"
        ))));
    }
    let Some(spec) = pod.spec.as_ref() else {
        return Ok(());
    };
    let inits = spec.init_containers.as_deref().unwrap_or_default();
    let containers = spec.containers.len() + inits.len();
    if containers > MAX_CONTAINERS {
        return Err(too_many(
            "spec.containers + spec.initContainers",
            containers,
            MAX_CONTAINERS,
        ));
    }
    let volumes = spec.volumes.as_ref().map_or(0, Vec::len);
    if volumes > MAX_VOLUMES {
        return Err(too_many("spec.volumes", volumes, MAX_VOLUMES));
    }
    for c in spec.containers.iter().chain(inits) {
        let env = c.env.as_ref().map_or(0, Vec::len);
        if env > MAX_ENV_PER_CONTAINER {
            return Err(too_many(
                &format!("container {:?}: env", crate::text::elide(&c.name)),
                env,
                MAX_ENV_PER_CONTAINER,
            ));
        }
    }
    Ok(())
}

fn merge(target: &mut Value, overlay: &Value) -> Result<(), InjectError> {
    crate::merge::merge_pod(target, overlay).map_err(|e| RenderFailure::Merge(e).into())
}

/// Istio's `extractClusterAndNetwork`: values, then the webhook URL, then the pod's
/// `topology.istio.io/network` label.
fn cluster_and_network(snap: &Snapshot, meta: &ObjectMeta, envs: &mut BTreeMap<String, String>) {
    const CLUSTER: &str = "ISTIO_META_CLUSTER_ID";
    const NETWORK: &str = "ISTIO_META_NETWORK";
    let g = &snap.values.global;
    let mut cluster = g.multi_cluster.cluster_name.clone();
    let mut network = g.network.clone();
    if let Some(c) = envs.get(CLUSTER).filter(|c| !c.is_empty()) {
        cluster = c.clone();
    }
    if let Some(nw) = envs.get(NETWORK).filter(|c| !c.is_empty()) {
        network = nw.clone();
    }
    if let Some(nw) = meta
        .labels
        .as_ref()
        .and_then(|l| l.get(n::TOPOLOGY_NETWORK_LABEL))
    {
        network = nw.clone();
    }
    if !cluster.is_empty() {
        envs.insert(CLUSTER.into(), cluster);
    }
    if !network.is_empty() {
        envs.insert(NETWORK.into(), network);
    }
}
