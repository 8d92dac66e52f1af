//! The pipeline both front ends drive: decide → render → merge → post-process → patch.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::decision::Decision;
use crate::settings::Snapshot;

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
    Injected {
        decision: Decision,
        patch: json_patch::Patch,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    #[error("the object is not a valid Pod: {0}")]
    InvalidPod(String),
    #[error("{0}")]
    InvalidAnnotation(String),
    #[error("injection failed: {0}")]
    Render(String),
}

impl InjectError {
    /// The `reason` label on `sidecar_injection_failure_total`.
    pub fn metric_label(&self) -> &'static str {
        match self {
            InjectError::InvalidPod(_) => "invalid_pod",
            InjectError::InvalidAnnotation(_) => "invalid_annotation",
            InjectError::Render(_) => "render",
        }
    }
}

/// Webhook entry point: the pod as the API server sent it (JSON, `managedFields` already
/// dropped by the caller) → skip, or the JSON Patch that injects it.
pub fn mutate(snap: &Snapshot, pod: &Value, req: &PodRequest<'_>) -> Result<Outcome, InjectError> {
    let _ = (snap, pod, req);
    Err(InjectError::Render("not implemented yet".into()))
}
