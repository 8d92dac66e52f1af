//! Why a pod cannot be injected. Three kinds, because the webhook answers them differently
//! (the pod's fault: 400; ours: 500) and counts them apart; each keeps its cause as a typed
//! `source`, and its message names the field, annotation or step at fault.

use crate::annotations::{AnnotationError, PROXY_OVERRIDES};
use crate::goenc::GoEncError;
use crate::merge::MergeError;
use crate::render::RenderError;
use crate::settings::ProxyConfigAnnotationError;

#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    #[error("the object is not a valid Pod: {0}")]
    InvalidPod(#[source] PodError),
    #[error("{0}")]
    InvalidAnnotation(#[source] AnnotationFault),
    #[error("injection failed: {0}")]
    Render(#[source] RenderFailure),
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

/// The object as sent is not a Pod we accept.
#[derive(Debug, thiserror::Error)]
pub enum PodError {
    /// It does not decode as a Pod; `path` is the field at fault.
    #[error("{path}: {source}")]
    Decode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// The plain decode failed but the path-tracking one did not (both run the same code).
    #[error("undecodable Pod")]
    Undecodable,
    /// Go would refuse to decode it.
    #[error("{0}")]
    Encode(#[source] GoEncError),
    /// Past one of the per-pod caps (`inject::MAX_*`); the message names the count and cap.
    #[error("{0}")]
    Limit(String),
}

/// An annotation whose value Istio refuses.
#[derive(Debug, thiserror::Error)]
pub enum AnnotationFault {
    /// Istio's `validateAnnotations`.
    #[error("{0}")]
    Value(#[source] AnnotationError),
    /// `proxy.istio.io/config` does not merge over the mesh default.
    #[error("{0}")]
    ProxyConfig(#[source] ProxyConfigAnnotationError),
    /// `proxy.istio.io/overrides` is not the JSON injection writes.
    #[error("invalid annotation {PROXY_OVERRIDES}: {source}")]
    Overrides {
        #[source]
        source: serde_json::Error,
    },
    /// A value a template reads (`RenderError::Annotation`).
    #[error("{0}")]
    Template(#[source] RenderError),
}

/// A step of injection failed on a pod that passed the checks.
#[derive(Debug, thiserror::Error)]
pub enum RenderFailure {
    /// A template did not render.
    #[error("{0}")]
    Template(#[source] RenderError),
    /// A typed value did not convert to or from JSON.
    #[error("{0}")]
    Json(#[source] serde_json::Error),
    #[error("template output is not a Pod: {0}")]
    TemplateOutput(#[source] serde_json::Error),
    #[error("injected pod: {0}")]
    InjectedPod(#[source] PodError),
    #[error("failed applying injection overlay: {0}")]
    Merge(#[source] MergeError),
    /// Go's encoding of the result failed.
    #[error("{0}")]
    Encode(#[source] GoEncError),
}

impl From<crate::goenc::EncodeError> for RenderFailure {
    fn from(e: crate::goenc::EncodeError) -> Self {
        match e {
            crate::goenc::EncodeError::Json(e) => RenderFailure::Json(e),
            crate::goenc::EncodeError::Go(e) => RenderFailure::Encode(e),
        }
    }
}

impl From<RenderError> for InjectError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::Annotation { .. } => {
                InjectError::InvalidAnnotation(AnnotationFault::Template(e))
            }
            other => InjectError::Render(RenderFailure::Template(other)),
        }
    }
}

impl From<PodError> for InjectError {
    fn from(e: PodError) -> Self {
        InjectError::InvalidPod(e)
    }
}

impl From<AnnotationFault> for InjectError {
    fn from(e: AnnotationFault) -> Self {
        InjectError::InvalidAnnotation(e)
    }
}

impl From<RenderFailure> for InjectError {
    fn from(e: RenderFailure) -> Self {
        InjectError::Render(e)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn causes_are_kept_and_messages_unchanged() {
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let text = json.to_string();
        let e = InjectError::from(AnnotationFault::Overrides { source: json });
        assert_eq!(
            e.to_string(),
            format!("invalid annotation proxy.istio.io/overrides: {text}")
        );
        let fault = e.source().unwrap();
        assert_eq!(fault.source().unwrap().to_string(), text);
        let e = InjectError::from(PodError::Limit("spec.volumes: too many".into()));
        assert_eq!(
            e.to_string(),
            "the object is not a valid Pod: spec.volumes: too many"
        );
    }
}
