//! Settings: the injector values and the mesh config, parsed and validated once into an
//! immutable [`Snapshot`] that every request shares (`Arc<Snapshot>`).

pub mod inject_config;
pub mod mesh;
pub mod snapshot;
pub mod values;

pub use snapshot::Snapshot;

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
