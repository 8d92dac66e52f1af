//! The `/inject` handler: HTTP checks → AdmissionReview → `inject::mutate` → response.
//!
//! The handler is thin and every failure becomes an answer in one place:
//! - a request that is not usable HTTP-wise gets a plain-text 4xx (415 wrong content type,
//!   413 body over the limit, 400 not an AdmissionReview, 408 body not read in time);
//! - a usable review always gets HTTP 200 and an AdmissionReview echoing the uid: allowed
//!   with a JSON Patch (injected), allowed without one (skipped, not a Pod CREATE, already
//!   injected), or, as Istio does, `allowed: false` with the error message when the pod
//!   cannot be injected (an invalid annotation, a render failure), so `kubectl` shows why.
//!
//! The body is read under the request deadline (slow senders cannot hold a worker), parsed
//! once into the pod `Value` (without `managedFields`), and the pod is handed to the core by
//! reference; the only change we make to it is filling an empty `metadata.namespace` from
//! the request, as Istio does for pods created by controllers.

mod envelope;
pub mod envs;
mod huge;
pub mod memo;
pub mod review;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use k8s_openapi::api::core::v1::Pod;
use tracing::field::Empty;
use tracing::Instrument;

use self::review::{parse_review, Answer, IncomingRequest, PodObject, Prepared};
use super::events::{self, Happened, Notice};
use super::AppState;
use crate::decision::Decision;
use crate::inject::{mutate_sent, InjectError, Outcome, PodRequest, Route, SentPod};
use crate::settings::Snapshot;

/// Kubernetes caps request bodies at 3 MiB in etcd, but an AdmissionReview carries the object
/// (and on updates the old one) plus envelope; 7 MiB leaves room without inviting abuse.
pub const MAX_BODY_BYTES: usize = 7 * 1024 * 1024;

/// Bodies up to this size are injected on the async worker itself; see [`run_review`].
pub const INLINE_BODY_BYTES: usize = 256 * 1024;

/// The webhook's routes: `/inject`, `/inject/` and Istio's `/inject/k1/v1/...` forms.
pub fn router(state: AppState) -> Router {
    let inject_route = || post(inject).fallback(wrong_method);
    Router::new()
        .route("/inject", inject_route())
        .route("/inject/", inject_route())
        .route("/inject/{*params}", inject_route())
        .fallback(not_found)
        .with_state(state)
}

async fn wrong_method() -> Response {
    let mut response = plain(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed; the webhook takes POST with an AdmissionReview",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

async fn not_found() -> Response {
    plain(
        StatusCode::NOT_FOUND,
        "not found; the webhook path is /inject",
    )
}

/// Why a request got no AdmissionReview back.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("invalid Content-Type {0:?}, want application/json")]
    ContentType(String),
    #[error("the request body is over the {MAX_BODY_BYTES}-byte limit")]
    TooLarge,
    #[error("the request body was not received within the request timeout")]
    Timeout,
    #[error("{0}")]
    BadRequest(String),
    #[error("could not encode the response: {0}")]
    Encode(String),
}

impl Rejection {
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::ContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Timeout => StatusCode::REQUEST_TIMEOUT,
            Rejection::BadRequest(_) => StatusCode::BAD_REQUEST,
            Rejection::Encode(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn metric_label(&self) -> &'static str {
        match self {
            Rejection::ContentType(_) => "content_type",
            Rejection::TooLarge => "body_too_large",
            Rejection::Timeout => "timeout",
            Rejection::BadRequest(_) => "bad_request",
            Rejection::Encode(_) => "encode",
        }
    }
}

async fn inject(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    state.metrics.requests.inc();
    let span = tracing::info_span!(
        "review",
        path = %request.uri().path(),
        uid = Empty,
        namespace = Empty,
        pod = Empty,
        decision = Empty,
        patch_bytes = Empty,
    );
    let response = handle(&state, request).instrument(span).await;
    state.metrics.time.observe(started.elapsed().as_secs_f64());
    response
}

async fn handle(state: &AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let result = async {
        check_content_type(&parts.headers)?;
        read_body(body, &parts.headers, state).await
    }
    .await;
    let bytes = match result {
        Ok(b) => b,
        Err(rejection) => return reject(state, &rejection),
    };
    match run_review(state, parts.uri.path(), bytes).await {
        Ok(Ok(reviewed)) => {
            tracing::Span::current().record("patch_bytes", reviewed.patch_bytes);
            tracing::info!(allowed = reviewed.allowed, "review answered");
            let mut response = Response::new(Body::from(reviewed.body));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Ok(Err(rejection)) => reject(state, &rejection),
        Err(e) => {
            // A panic in the core: this review fails, the server goes on.
            state.metrics.failed("panic");
            tracing::error!(error = %e, "injection panicked");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "injection failed unexpectedly",
            )
        }
    }
}

/// Runs `review` inline on the async worker for bodies up to [`INLINE_BODY_BYTES`] (a
/// thread hand-off costs more than injecting an ordinary pod), on threads of their own for
/// larger ones (module `huge`, one per core) so one huge pod cannot stall the connections
/// this worker serves. A panic in the core is caught either way and becomes `Err`.
async fn run_review(
    state: &AppState,
    path: &str,
    bytes: Bytes,
) -> Result<Result<Reviewed, Rejection>, String> {
    if bytes.len() <= INLINE_BODY_BYTES {
        let run = std::panic::AssertUnwindSafe(|| review(state, path, &bytes));
        return std::panic::catch_unwind(run).map_err(|p| panic_text(p.as_ref()));
    }
    huge::run(state, path, bytes).await
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    format!("panic: {}", text.unwrap_or("(no message)"))
}

fn reject(state: &AppState, rejection: &Rejection) -> Response {
    state.metrics.failed(rejection.metric_label());
    tracing::warn!(status = rejection.status().as_u16(), error = %rejection, "request rejected");
    plain(rejection.status(), &rejection.to_string())
}

/// An answered review: the response body, whether it allows the pod, the patch's size.
#[derive(Debug)]
pub struct Reviewed {
    pub body: Vec<u8>,
    pub allowed: bool,
    pub patch_bytes: usize,
}

/// Everything `/inject` does with a body once the HTTP checks passed: parse the review,
/// decide, inject, encode the answer. The handler and the fuzz target call this same function.
/// A body that differs from one answered before only where replicas differ (the uid, the
/// token volume's name) is answered from the replica memo (module `memo`), doing again
/// everything answering it did.
pub fn review(state: &AppState, path: &str, body: &[u8]) -> Result<Reviewed, Rejection> {
    let snapshot = state.settings.current();
    let memo = state.memo.as_deref();
    let mut missed = memo::Missed::default();
    if let Some(memo) = memo {
        match memo.find(body, path, &snapshot) {
            Ok(hit) if hit.kept.value.conditions.hold(state) => {
                state.metrics.memo(true);
                return replay(state, &hit);
            }
            Ok(_) => {}
            Err(m) => missed = m,
        }
        state.metrics.memo(false);
    }
    let mut review = parse_review(body).map_err(Rejection::BadRequest)?;
    let mut warnings = Vec::new();
    let (answer, done) = answer(state, &snapshot, path, &mut review.request, &mut warnings);
    // Serializing our own structs cannot fail short of a bug; answer 500, don't panic.
    let encode_err = |e: serde_json::Error| Rejection::Encode(e.to_string());
    let (prepared, patch_json) = Prepared::with_json(&answer).map_err(encode_err)?;
    let out = prepared
        .encode(review.api_version, &review.request.uid, &warnings)
        .map_err(encode_err)?;
    let reviewed = Reviewed {
        body: out,
        allowed: prepared.allowed,
        patch_bytes: prepared.patch_len,
    };
    let uid = match &review.request.uid {
        Cow::Borrowed(uid) => Some(*uid),
        Cow::Owned(_) => None,
    };
    if let (Some(memo), Some(uid), Some(done)) = (memo, uid, done) {
        // An error naming the token volume would name the old one on a renamed hit.
        if matches!(&done.verdict, Verdict::Failed { message, .. } if message.contains(memo::TOKEN_VOLUME_PREFIX))
        {
            return Ok(reviewed);
        }
        let patch_json = patch_json.filter(|j| contains(j, memo::TOKEN_VOLUME_PREFIX.as_bytes()));
        let size = prepared.size()
            + patch_json.as_ref().map_or(0, Vec::len)
            + warnings.iter().map(String::len).sum::<usize>();
        let replayed = Replayed {
            api_version: review.api_version,
            prepared,
            patch_json,
            warnings,
            conditions: done.conditions,
            pod: done.pod,
            verdict: done.verdict,
            notice: done.notice,
        };
        let token_volumes = done.token_volumes;
        // A custom template may read the pod's volumes (Istio's never do), and then a renamed
        // token volume could change more than its name: no holes for the token then.
        let custom = snapshot.custom_template_names().next().is_some();
        let mentions = |name: &str| {
            let counted = token_volumes.iter().find(|(n, _)| n == name);
            match counted {
                _ if custom => usize::MAX,
                Some((_, count)) => *count,
                None => 0,
            }
        };
        memo.keep(
            &missed, body, uid, path, &snapshot, mentions, replayed, size,
        );
    }
    Ok(reviewed)
}

/// What a memo hit does again: everything [`review`] did for the first of its replicas.
#[derive(Debug)]
pub struct Replayed {
    api_version: &'static str,
    prepared: Prepared,
    /// The patch as JSON when it names the token volume (replaced on a renamed hit).
    patch_json: Option<Vec<u8>>,
    warnings: Vec<String>,
    conditions: Conditions,
    /// The pod's name for the logs.
    pod: String,
    verdict: Verdict,
    /// The Event to send (already `None` for a dry run or without `--events`).
    notice: Option<Notice>,
}

fn replay(state: &AppState, hit: &memo::Hit<'_, Replayed>) -> Result<Reviewed, Rejection> {
    let kept = &hit.kept.value;
    let span = tracing::Span::current();
    span.record("uid", crate::text::elide(hit.uid).as_ref());
    span.record("namespace", kept.conditions.namespace.as_str());
    span.record("pod", crate::text::elide(&kept.pod).as_ref());
    if let (Some(events), Some(notice)) = (&state.events, &kept.notice) {
        events.send(notice.clone());
    }
    report(state, &kept.verdict);
    let encode_err = |e: serde_json::Error| Rejection::Encode(e.to_string());
    let renamed = match (&hit.renamed, &kept.patch_json) {
        (Some((was, now)), Some(json)) => {
            let json = replace(json, was.as_bytes(), now.as_bytes());
            Some(kept.prepared.with_patch_json(&json).map_err(encode_err)?)
        }
        _ => None,
    };
    let prepared = renamed.as_ref().unwrap_or(&kept.prepared);
    let body = prepared
        .encode(kept.api_version, hit.uid, &kept.warnings)
        .map_err(encode_err)?;
    Ok(Reviewed {
        body,
        allowed: prepared.allowed,
        patch_bytes: prepared.patch_len,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// `text` with every `was` replaced by `now`.
fn replace(text: &[u8], was: &[u8], now: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(text, was) {
        out.extend_from_slice(text.get(last..at).unwrap_or_default());
        out.extend_from_slice(now);
        last = at + was.len();
    }
    out.extend_from_slice(text.get(last..).unwrap_or_default());
    out
}

/// How often the pod names each volume whose name has the token volume's prefix: in
/// `spec.volumes` and in the `volumeMounts` of its containers of every kind (the memo keeps a
/// body only if those are all its mentions).
fn token_volume_mentions(pod: &Pod) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let Some(spec) = pod.spec.as_ref() else {
        return counts;
    };
    let volumes = spec.volumes.iter().flatten().map(|v| v.name.as_str());
    let mounts = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .flat_map(|c| c.volume_mounts.iter().flatten())
        .chain(
            spec.ephemeral_containers
                .iter()
                .flatten()
                .flat_map(|c| c.volume_mounts.iter().flatten()),
        )
        .map(|m| m.name.as_str());
    for name in volumes.chain(mounts) {
        if !name.starts_with(memo::TOKEN_VOLUME_PREFIX) {
            continue;
        }
        match counts.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name.to_string(), 1)),
        }
    }
    counts
}

/// Everything besides the body an answer read: it still holds for a memo hit only if the
/// cluster watches show the same now.
#[derive(Debug)]
struct Conditions {
    namespace: String,
    namespace_labels: Option<BTreeMap<String, String>>,
    node: Option<String>,
    native_sidecars: bool,
}

impl Conditions {
    fn hold(&self, state: &AppState) -> bool {
        let ns = state
            .cluster
            .as_ref()
            .and_then(|c| c.namespace(&self.namespace));
        let labels = ns.as_ref().and_then(|n| n.metadata.labels.as_ref());
        labels == self.namespace_labels.as_ref()
            && state.native_sidecars(self.node.as_deref()) == self.native_sidecars
    }
}

/// How a review ended, for metrics and logs (and their replay).
#[derive(Debug)]
enum Verdict {
    Skipped(Decision),
    Injected(Decision),
    Failed {
        message: String,
        label: &'static str,
    },
}

fn report(state: &AppState, verdict: &Verdict) {
    let span = tracing::Span::current();
    match verdict {
        Verdict::Skipped(decision) => {
            span.record("decision", "skipped");
            // A skip is what users ask about ("why no sidecar?"): logged at info, with the trace.
            tracing::info!(rule = decision.metric_label(), trace = %decision, "injection skipped");
            state.metrics.skipped(decision.metric_label());
        }
        Verdict::Injected(decision) => {
            span.record("decision", "injected");
            tracing::debug!(rule = decision.metric_label(), trace = %decision, "injected");
            state.metrics.success.inc();
        }
        Verdict::Failed { message, label } => {
            span.record("decision", format!("error: {message}"));
            state.metrics.failed(label);
        }
    }
}

/// What [`answer`] did for a pod CREATE, for the memo.
struct Done {
    conditions: Conditions,
    pod: String,
    verdict: Verdict,
    notice: Option<Notice>,
    /// [`token_volume_mentions`] of the pod.
    token_volumes: Vec<(String, usize)>,
}

/// Decides the answer for a parsed review and counts it; `warnings` receives the admission
/// warnings for the pod (computed beside the decision, never changing it). `Done` for a pod
/// CREATE, which the memo may keep.
fn answer(
    state: &AppState,
    snapshot: &Snapshot,
    path: &str,
    req: &mut IncomingRequest<'_>,
    warnings: &mut Vec<String>,
) -> (Answer, Option<Done>) {
    let span = tracing::Span::current();
    span.record("uid", crate::text::elide(&req.uid).as_ref());
    if !req.is_pod_create() {
        span.record("decision", "not a Pod CREATE");
        state.metrics.skipped("not_pod_create");
        return (Answer::Allow, None);
    }
    // Events only for pods that will exist.
    let events = state.events.as_ref().filter(|_| req.dry_run != Some(true));
    let Some(PodObject(object)) = req.object.take() else {
        state.metrics.failed("invalid_pod");
        let answer = Answer::Deny {
            code: 400,
            reason: "BadRequest",
            message: "the AdmissionReview request has no object: a Pod CREATE must carry the pod"
                .into(),
        };
        return (answer, None);
    };
    let sent = SentPod::new(object, req.namespace.as_deref().unwrap_or(""));
    let pod = &sent.pod;
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    span.record("namespace", namespace.as_str());
    let pod_name = pod_name(pod, &req.name).to_string();
    span.record("pod", crate::text::elide(&pod_name).as_ref());
    let envs = envs::parse_inject_envs(path);
    let ns = state.cluster.as_ref().and_then(|c| c.namespace(&namespace));
    let node = node_name(pod);
    let pod_request = PodRequest {
        namespace: &namespace,
        native_sidecars: state.native_sidecars(node.as_deref()),
        proxy_envs: &envs,
        namespace_labels: ns.as_ref().and_then(|n| n.metadata.labels.as_ref()),
    };
    *warnings = pod_warnings(snapshot, pod, pod_request.namespace_labels);
    let owner = events.and_then(|_| events::owner::pod_owner(&pod.metadata));
    let token_volumes = token_volume_mentions(pod);
    let outcome = mutate_sent(snapshot, sent, &pod_request).map(|(outcome, route)| {
        if let Some(Route::Fast { overlay_kept }) = route {
            state.metrics.overlay(overlay_kept);
        }
        outcome
    });
    let notice = events.and_then(|events| {
        let notice = events::notice(owner, &namespace, happened(&outcome))?;
        events.send(notice.clone());
        Some(notice)
    });
    let (answer, verdict) = match outcome {
        Ok(Outcome::Skipped(decision)) => (Answer::Allow, Verdict::Skipped(decision)),
        Ok(Outcome::Injected { decision, patch }) => {
            let answer = if patch.is_empty() {
                Answer::Allow
            } else {
                Answer::Patch(patch)
            };
            (answer, Verdict::Injected(decision))
        }
        Err(e) => (
            deny(&e),
            Verdict::Failed {
                message: e.to_string(),
                label: e.metric_label(),
            },
        ),
    };
    report(state, &verdict);
    let conditions = Conditions {
        namespace_labels: pod_request.namespace_labels.cloned(),
        native_sidecars: pod_request.native_sidecars,
        node,
        namespace,
    };
    let done = Done {
        conditions,
        pod: pod_name,
        verdict,
        notice,
        token_volumes,
    };
    (answer, Some(done))
}

fn happened(outcome: &Result<Outcome, InjectError>) -> Happened<'_> {
    match outcome {
        Ok(Outcome::Skipped(d)) => Happened::Skipped(d),
        Ok(Outcome::Injected { decision, .. }) => Happened::Injected(decision),
        Err(e) => Happened::Failed(e),
    }
}

fn deny(e: &InjectError) -> Answer {
    let (code, reason) = match e {
        InjectError::InvalidPod(_) | InjectError::InvalidAnnotation(_) => (400, "BadRequest"),
        InjectError::Render(_) => (500, "InternalError"),
    };
    Answer::Deny {
        code,
        reason,
        message: e.to_string(),
    }
}

/// The admission warnings for a pod. Only Istio's keys are copied: most pods have none, and
/// then this allocates nothing.
fn pod_warnings(
    snap: &crate::settings::Snapshot,
    pod: &Pod,
    namespace_labels: Option<&BTreeMap<String, String>>,
) -> Vec<String> {
    let relevant = |map: &Option<BTreeMap<String, String>>| -> Option<BTreeMap<String, String>> {
        let kept = map
            .as_ref()?
            .iter()
            .filter(|(k, _)| crate::warnings::relevant(k));
        Some(kept.map(|(k, v)| (k.clone(), v.clone())).collect())
    };
    let labels = relevant(&pod.metadata.labels);
    let annotations = relevant(&pod.metadata.annotations);
    if annotations.as_ref().is_none_or(|a| a.is_empty())
        && labels.as_ref().is_none_or(|l| l.is_empty())
    {
        return Vec::new();
    }
    let found = crate::warnings::check(&crate::warnings::Subject {
        labels: labels.as_ref(),
        annotations: annotations.as_ref(),
        namespace_labels,
        namespaces_by_default: snap.rules.namespaces_by_default,
    });
    crate::warnings::for_response(&found)
}

/// For logs: the name, or the `generateName` prefix a controller gave.
fn pod_name<'a>(pod: &'a Pod, request_name: &'a str) -> &'a str {
    let meta = &pod.metadata;
    match meta.name.as_deref() {
        Some(n) if !n.is_empty() => n,
        _ if !request_name.is_empty() => request_name,
        _ => meta.generate_name.as_deref().unwrap_or(""),
    }
}

fn node_name(pod: &Pod) -> Option<String> {
    let node = pod.spec.as_ref()?.node_name.as_deref()?;
    (!node.is_empty()).then(|| node.to_string())
}

fn check_content_type(headers: &HeaderMap) -> Result<(), Rejection> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let media = value.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(Rejection::ContentType(value))
    }
}

async fn read_body(body: Body, headers: &HeaderMap, state: &AppState) -> Result<Bytes, Rejection> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(Rejection::TooLarge);
    }
    let read = axum::body::to_bytes(body, MAX_BODY_BYTES);
    let bytes = match tokio::time::timeout(state.request_timeout, read).await {
        Err(_) => return Err(Rejection::Timeout),
        Ok(Err(e)) if is_length_limit(&e) => return Err(Rejection::TooLarge),
        Ok(Err(e)) => {
            return Err(Rejection::BadRequest(format!(
                "reading the request body failed: {e}"
            )))
        }
        Ok(Ok(b)) => b,
    };
    if bytes.is_empty() {
        return Err(Rejection::BadRequest("no body found".into()));
    }
    Ok(bytes)
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

fn plain(status: StatusCode, message: &str) -> Response {
    let mut text = message.to_string();
    text.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn names_for_logs() {
        assert_eq!(pod_name(&pod(json!({"metadata": {"name": "a"}})), "r"), "a");
        let generated = pod(json!({"metadata": {"generateName": "g-"}}));
        assert_eq!(pod_name(&generated, ""), "g-");
        assert_eq!(pod_name(&generated, "r"), "r");
        let on = |node: &str| pod(json!({"spec": {"nodeName": node, "containers": []}}));
        assert_eq!(node_name(&on("n1")).as_deref(), Some("n1"));
        assert_eq!(node_name(&on("")), None);
    }

    #[test]
    fn token_volumes_are_counted_wherever_the_pod_names_them() {
        let mount = json!({"name": "kube-api-access-x1", "mountPath": "/var/run"});
        let p = pod(json!({"spec": {
            "volumes": [{"name": "kube-api-access-x1"}, {"name": "data"}],
            "containers": [{"name": "a", "volumeMounts": [mount, {"name": "data", "mountPath": "/d"}]}],
            "initContainers": [{"name": "i", "volumeMounts": [mount]}],
            "ephemeralContainers": [{"name": "e", "volumeMounts": [mount]}],
        }}));
        assert_eq!(
            token_volume_mentions(&p),
            [("kube-api-access-x1".to_string(), 4)]
        );
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert!(check_content_type(&h).is_err());
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(check_content_type(&h).is_ok());
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert!(check_content_type(&h).is_ok());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(check_content_type(&h).is_err());
    }
}
