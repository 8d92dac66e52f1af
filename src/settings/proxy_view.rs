//! The ProxyConfig and MeshConfig facts the templates read, resolved once per snapshot (the
//! mesh default) or once per pod (its `proxy.istio.io/config` merged over the default).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::mesh::{self, MeshConfig};

/// The ProxyConfig and MeshConfig facts the built-in templates read, already resolved
/// (pod annotation `proxy.istio.io/config` merged over the mesh default).
#[derive(Debug, Clone, Default)]
pub struct ProxyView {
    pub interception_mode: String,
    pub hold_application_until_proxy_starts: bool,
    pub proxy_metadata: BTreeMap<String, String>,
    /// `protoToJSON .ProxyConfig`: the non-default fields, compact.
    pub proxy_config_json: String,
    pub status_port: i32,
    pub image_type: Option<String>,
    /// Directory of `tracing.tlsSettings.caCertificates`, when set (lightstep).
    pub tracing_ca_dir: Option<String>,
    pub mesh_trust_domain: String,
    pub proxy_listen_port: i32,
    pub proxy_inbound_listen_port: i32,
    pub inbound_policy_localhost: bool,
    /// An OpenTelemetry provider asks for semantic-convention resource attributes.
    pub otel_semconv: bool,
    /// The whole ProxyConfig and MeshConfig as protojson, for custom templates.
    pub proxy_config: std::sync::Arc<serde_json::Value>,
    pub mesh_config: std::sync::Arc<serde_json::Value>,
}

/// The view of a mesh config with its own `defaultConfig`.
pub(super) fn from_mesh(mesh: &MeshConfig) -> ProxyView {
    let from_mesh = ProxyView {
        mesh_trust_domain: mesh.trust_domain().to_string(),
        proxy_listen_port: mesh.proxy_listen_port(),
        proxy_inbound_listen_port: mesh.proxy_inbound_listen_port(),
        inbound_policy_localhost: mesh.inbound_traffic_policy_mode() == "localhost",
        otel_semconv: mesh.otel_semantic_conventions(),
        mesh_config: std::sync::Arc::new(serde_json::to_value(mesh).unwrap_or(Value::Null)),
        ..ProxyView::default()
    };
    with_proxy_config(mesh.default_config(), from_mesh)
}

/// Fills the ProxyConfig half of a view, keeping the mesh half of `base`.
pub(super) fn with_proxy_config(pc: &mesh::ProxyConfig, base: ProxyView) -> ProxyView {
    ProxyView {
        interception_mode: pc.interception_mode().to_string(),
        hold_application_until_proxy_starts: pc
            .hold_application_until_proxy_starts()
            .unwrap_or(false),
        proxy_metadata: pc.proxy_metadata().clone(),
        proxy_config_json: mesh::proxy_config_json(pc),
        status_port: pc.status_port(),
        image_type: pc.image_type().map(str::to_string),
        tracing_ca_dir: tracing_ca_dir(pc),
        proxy_config: std::sync::Arc::new(template_proxy_config(pc)),
        ..base
    }
}

/// The ProxyConfig as Go templates see it: an unset proto enum is its zero value, whose
/// `String()` is a name, so `.ProxyConfig.InterceptionMode` prints `REDIRECT`, not "" (the
/// stock sidecar template puts it in istio-init's `-m` and `INTERCEPTION_MODE`).
fn template_proxy_config(pc: &mesh::ProxyConfig) -> Value {
    let mut v = serde_json::to_value(pc).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.entry("interceptionMode")
            .or_insert_with(|| Value::String(pc.interception_mode().to_string()));
    }
    v
}

/// Istio's `directory` of the tracing CA file (with the trailing slash `path.Split` keeps).
fn tracing_ca_dir(pc: &mesh::ProxyConfig) -> Option<String> {
    pc.tracing_tls_ca_certificates().map(|p| {
        p.rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"))
    })
}

/// A pod's `proxy.istio.io/config` that does not merge over the mesh's `defaultConfig`.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct ProxyConfigAnnotationError {
    #[source]
    pub source: mesh::MeshError,
}

#[cfg(test)]
mod tests {
    /// A copy of the stock sidecar template used as a custom one printed `-m ""` and
    /// `INTERCEPTION_MODE=""` for the default mode (docs/fidelity.md, row 9).
    #[test]
    fn templates_see_the_default_interception_mode_by_name() {
        let pc = crate::mesh::ProxyConfig::default();
        assert_eq!(
            super::template_proxy_config(&pc)["interceptionMode"],
            "REDIRECT"
        );
    }
}
