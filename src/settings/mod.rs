//! Settings: the injector values and the mesh config, parsed and validated once into an
//! immutable [`Snapshot`] that every request shares (`Arc<Snapshot>`).

pub mod image_ref;
pub mod inject_config;
pub mod lint;
pub mod proxy_view;
pub mod rules;
pub mod snapshot;
pub mod values;

pub use proxy_view::{ProxyConfigAnnotationError, ProxyView};
pub use snapshot::Snapshot;

use crate::mesh;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// The mesh config; its errors name the field.
    #[error(transparent)]
    Mesh(#[from] mesh::MeshError),
    /// Parsed, but refused by [`Snapshot::check`]: each problem names the values key.
    #[error("{}", .problems.join("; "))]
    Refused { problems: Vec<String> },
    /// A canary pod failed to inject, and no values key could be blamed.
    #[error("settings refused: canary {canary} fails to inject: {reason}")]
    Canary { canary: String, reason: String },
}

impl SettingsError {
    /// The `result` label of `sidecar_injector_settings_reloads_total`: `error` when the files
    /// cannot be read or parsed, `rejected` when they parse but would break injection.
    pub fn reload_result(&self) -> &'static str {
        match self {
            SettingsError::Read { .. } | SettingsError::Invalid { .. } => "error",
            SettingsError::Mesh(e) => match e {
                mesh::MeshError::Syntax { .. } | mesh::MeshError::NotAMapping { .. } => "error",
                mesh::MeshError::Field { .. } | mesh::MeshError::Invalid { .. } => "rejected",
            },
            SettingsError::Refused { .. } | SettingsError::Canary { .. } => "rejected",
        }
    }
}

/// A JSON scalar as Go's `fmt.Sprint` prints the value a YAML file decoded to
/// (numbers without a trailing `.0`, `null` as `<nil>`).
pub fn go_sprint(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                if f.fract() == 0.0 && f.abs() < 1e21 {
                    format!("{}", f as i64)
                } else {
                    f.to_string()
                }
            }
        }
        other => other.to_string(),
    }
}
