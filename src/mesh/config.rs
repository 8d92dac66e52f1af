//! `istio.mesh.v1alpha1.MeshConfig`: typed where injection reads a field (or Istio validates
//! it), a JSON passthrough for the rest. Passthrough fields are still checked against their
//! protobuf kind at load (a string where a duration belongs is refused, as Istio refuses it)
//! and kept in canonical protojson form, so the whole config prints back faithfully.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::protojson::{de, proto_enum, ser, Duration};
use super::providers::{DefaultProviders, ExtensionProvider, ServiceAttributeEnrichment};
use super::proxy::ProxyConfig;

proto_enum! {
    /// `MeshConfig.InboundTrafficPolicy.Mode`.
    pub enum InboundTrafficPolicyMode ("istio.mesh.v1alpha1.MeshConfig.InboundTrafficPolicy.Mode") {
        Passthrough = 0 => "PASSTHROUGH",
        Localhost = 1 => "LOCALHOST",
    }
}

/// The mesh configuration. `Default` is what an unmodified Istio 1.30.3 install runs with
/// (the mesh the golden cases show); [`MeshConfig::istio_default`] is the code default that
/// mesh config files are merged over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshConfig {
    #[serde(
        default,
        alias = "proxy_listen_port",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub proxy_listen_port: i32,
    #[serde(
        default,
        alias = "proxy_inbound_listen_port",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub proxy_inbound_listen_port: i32,
    #[serde(
        default,
        alias = "connect_timeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub connect_timeout: Option<Duration>,
    #[serde(
        default,
        alias = "protocol_detection_timeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub protocol_detection_timeout: Option<Duration>,
    #[serde(
        default,
        alias = "enable_tracing",
        deserialize_with = "de::boolean",
        skip_serializing_if = "ser::is_default"
    )]
    pub enable_tracing: bool,
    /// `defaultConfig`; after loading it is never unset.
    #[serde(default, alias = "default_config")]
    pub default_config: ProxyConfig,
    #[serde(
        default,
        alias = "inbound_traffic_policy",
        skip_serializing_if = "Option::is_none"
    )]
    pub inbound_traffic_policy: Option<InboundTrafficPolicy>,
    #[serde(
        default,
        alias = "trust_domain",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub trust_domain: String,
    #[serde(
        default,
        alias = "trust_domain_aliases",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub trust_domain_aliases: Vec<String>,
    /// `google.protobuf.BoolValue`: `None` (unset) makes Istio default to merging.
    #[serde(
        default,
        alias = "enable_prometheus_merge",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_prometheus_merge: Option<bool>,
    #[serde(
        default,
        alias = "extension_providers",
        skip_serializing_if = "ser::is_default"
    )]
    pub extension_providers: Vec<ExtensionProvider>,
    #[serde(
        default,
        alias = "default_providers",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_providers: Option<DefaultProviders>,
    /// Every other field Istio knows, by JSON name, in canonical protojson form.
    #[serde(flatten)]
    pub passthrough: Map<String, Value>,
}

/// `MeshConfig.InboundTrafficPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InboundTrafficPolicy {
    #[serde(skip_serializing_if = "ser::is_default")]
    pub mode: InboundTrafficPolicyMode,
}

impl MeshConfig {
    /// Istio 1.30.3's `mesh.DefaultMeshConfig()`: what a mesh config file is merged over.
    pub fn istio_default() -> Self {
        let passthrough = serde_json::json!({
            "ingressClass": "istio",
            "ingressService": "istio-ingressgateway",
            "ingressControllerMode": "STRICT",
            "outboundTrafficPolicy": {"mode": "ALLOW_ANY"},
            "enableAutoMtls": true,
            "defaultServiceExportTo": ["*"],
            "defaultVirtualServiceExportTo": ["*"],
            "defaultDestinationRuleExportTo": ["*"],
            "rootNamespace": "istio-system",
            "localityLbSetting": {"enabled": true},
            "dnsRefreshRate": "60s",
        });
        let provider = |name: &str, kind: &'static str, settings: Value| {
            ExtensionProvider::without_enrichment(
                name,
                kind,
                settings.as_object().cloned().unwrap_or_default(),
            )
        };
        Self {
            proxy_listen_port: 15001,
            proxy_inbound_listen_port: 15006,
            connect_timeout: Some(Duration::from_secs(10)),
            protocol_detection_timeout: Some(Duration::from_secs(0)),
            enable_tracing: true,
            default_config: ProxyConfig::istio_default(),
            inbound_traffic_policy: Some(InboundTrafficPolicy::default()),
            trust_domain: "cluster.local".to_owned(),
            trust_domain_aliases: Vec::new(),
            enable_prometheus_merge: Some(true),
            extension_providers: vec![
                provider("prometheus", "prometheus", serde_json::json!({})),
                provider("stackdriver", "stackdriver", serde_json::json!({})),
                provider(
                    "envoy",
                    "envoyFileAccessLog",
                    serde_json::json!({"path": "/dev/stdout"}),
                ),
            ],
            default_providers: Some(DefaultProviders::default()),
            passthrough: passthrough.as_object().cloned().unwrap_or_default(),
        }
    }

    pub fn default_config(&self) -> &ProxyConfig {
        &self.default_config
    }

    pub fn trust_domain(&self) -> &str {
        &self.trust_domain
    }

    /// `proxyListenPort` as set (0 when unset; the template then uses 15001).
    pub fn proxy_listen_port(&self) -> i32 {
        self.proxy_listen_port
    }

    /// `proxyInboundListenPort` as set (0 when unset; the template then uses 15006).
    pub fn proxy_inbound_listen_port(&self) -> i32 {
        self.proxy_inbound_listen_port
    }

    /// Istio's `InboundTrafficPolicyMode`: `"localhost"` or `"passthrough"`.
    pub fn inbound_traffic_policy_mode(&self) -> &'static str {
        match self.inbound_traffic_policy.as_ref().map(|p| p.mode) {
            Some(InboundTrafficPolicyMode::Localhost) => "localhost",
            _ => "passthrough",
        }
    }

    /// `enablePrometheusMerge`: `None` when unset (Istio then merges).
    pub fn enable_prometheus_merge(&self) -> Option<bool> {
        self.enable_prometheus_merge
    }

    pub fn enable_tracing(&self) -> bool {
        self.enable_tracing
    }

    pub fn default_providers(&self) -> Option<&DefaultProviders> {
        self.default_providers.as_ref()
    }

    pub fn extension_providers(&self) -> &[ExtensionProvider] {
        &self.extension_providers
    }

    /// Whether any OpenTelemetry provider asks for `OTEL_SEMANTIC_CONVENTIONS` (then the
    /// sidecar gets `OTEL_RESOURCE_ATTRIBUTES`).
    pub fn otel_semantic_conventions(&self) -> bool {
        self.extension_providers.iter().any(|p| {
            p.service_attribute_enrichment() == ServiceAttributeEnrichment::OtelSemanticConventions
        })
    }
}

/// What an unmodified Istio 1.30.3 install runs with: the code default plus the chart's mesh
/// (`defaultProviders.metrics: [prometheus]`; its other settings equal the code default).
impl Default for MeshConfig {
    fn default() -> Self {
        Self {
            default_providers: Some(DefaultProviders {
                metrics: vec!["prometheus".to_owned()],
                ..DefaultProviders::default()
            }),
            ..Self::istio_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_on_the_install_default() {
        let m = MeshConfig::default();
        assert_eq!(m.trust_domain(), "cluster.local");
        assert_eq!(m.proxy_listen_port(), 15001);
        assert_eq!(m.proxy_inbound_listen_port(), 15006);
        assert_eq!(m.inbound_traffic_policy_mode(), "passthrough");
        assert_eq!(m.enable_prometheus_merge(), Some(true));
        assert!(m.enable_tracing());
        assert!(!m.otel_semantic_conventions());
        assert_eq!(
            m.default_providers().map(|p| p.metrics.clone()),
            Some(vec!["prometheus".to_owned()])
        );
        assert_eq!(m.default_config(), &ProxyConfig::istio_default());
        let names: Vec<&str> = m
            .extension_providers()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["prometheus", "stackdriver", "envoy"]);
    }
}
