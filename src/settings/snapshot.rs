//! The immutable settings snapshot a request works against.
//!
//! Everything that can be computed from settings alone (selectors, parsed templates, the
//! proxy image, the default `PROXY_CONFIG` text) is computed here, once, so the per-pod path
//! only reads.

use std::path::Path;

use super::mesh::MeshConfig;
use super::values::Values;
use super::SettingsError;

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub values: Values,
    pub mesh: MeshConfig,
}

impl Snapshot {
    /// Reads the values and mesh config files; `None` means Istio 1.30.3's defaults.
    pub fn load(values: Option<&Path>, mesh: Option<&Path>) -> Result<Snapshot, SettingsError> {
        let values = values.map(read).transpose()?;
        let mesh = mesh.map(read).transpose()?;
        Snapshot::from_strs(values.as_deref(), mesh.as_deref())
    }

    pub fn from_strs(values: Option<&str>, mesh: Option<&str>) -> Result<Snapshot, SettingsError> {
        let values = Values::from_yaml(values)?;
        let mesh = match mesh {
            Some(text) => MeshConfig::from_yaml(text)?,
            None => MeshConfig::default(),
        };
        Ok(Snapshot { values, mesh })
    }
}

fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.display().to_string(),
        source,
    })
}
