//! Rendering: the injection templates as code. Each built-in template produces an overlay
//! (a partial Pod as JSON) from a [`context::Context`]; the pipeline merges overlays onto the pod.

pub mod context;
pub mod custom;
mod env;
pub mod gateway;
pub mod grpc;
mod health;
pub mod init;
pub mod metadata;
pub mod resources;
pub mod sidecar;
pub mod templates;
#[cfg(test)]
mod test_support;
mod volumes;

use serde_json::Value;

pub const PROXY_CONTAINER: &str = "istio-proxy";
pub const INIT_CONTAINER: &str = "istio-init";
pub const VALIDATION_CONTAINER: &str = "istio-validation";
pub const ENABLE_CORE_DUMP_CONTAINER: &str = "enable-core-dump";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("invalid annotation {name}: {reason}")]
    Annotation { name: String, reason: String },
    #[error("requested template {name:?} not found; have {known}")]
    UnknownTemplate { name: String, known: String },
    #[error("template {name}: {reason}")]
    Template { name: String, reason: String },
}

/// Go template truthiness of a value from the values file.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// A value printed into YAML by a template and read back: numbers stay numbers, a string
/// that looks like an integer becomes one.
pub fn yaml_scalar(v: &Value) -> Value {
    match v {
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_or_else(|_| v.clone(), Value::from),
        other => other.clone(),
    }
}
