//! Placeholder until the typed MeshConfig lands.
use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct MeshConfig {
    pub raw: Value,
}

impl MeshConfig {
    pub fn from_yaml(text: &str) -> Result<MeshConfig, super::SettingsError> {
        let raw: Value = serde_yaml::from_str(text).map_err(|e| super::SettingsError::Invalid {
            what: "mesh config",
            reason: e.to_string(),
        })?;
        Ok(MeshConfig { raw })
    }
}
