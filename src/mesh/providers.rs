//! `MeshConfig.defaultProviders` and `MeshConfig.extensionProviders`. An extension provider
//! keeps its settings as given (injection does not read them), except
//! `opentelemetry.serviceAttributeEnrichment`, which is read and checked at load.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::input::{field, present, Field};
use super::protojson::{de, proto_enum, ser};

proto_enum! {
    /// `MeshConfig.ExtensionProvider.ServiceAttributeEnrichment`.
    pub enum ServiceAttributeEnrichment ("istio.mesh.v1alpha1.MeshConfig.ExtensionProvider.ServiceAttributeEnrichment") {
        IstioCanonical = 0 => "ISTIO_CANONICAL",
        OtelSemanticConventions = 1 => "OTEL_SEMANTIC_CONVENTIONS",
    }
}

/// `MeshConfig.DefaultProviders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DefaultProviders {
    #[serde(
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub tracing: Vec<String>,
    #[serde(
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub metrics: Vec<String>,
    #[serde(
        alias = "access_logging",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub access_logging: Vec<String>,
}

pub(crate) const DEFAULT_PROVIDERS_FIELDS: &[Field] = &[
    field("tracing", "tracing"),
    field("metrics", "metrics"),
    field("accessLogging", "access_logging"),
];

/// `MeshConfig.ExtensionProvider`: a name and one provider, whose settings are kept as given
/// except the one injection reads (`opentelemetry.serviceAttributeEnrichment`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExtensionProvider {
    pub name: String,
    /// The `provider` oneof: the JSON name of the member set (`"opentelemetry"`) and its settings.
    pub provider: Option<(&'static str, Map<String, Value>)>,
    service_attribute_enrichment: ServiceAttributeEnrichment,
}

/// The `provider` oneof members, in declaration order.
const PROVIDER_FIELDS: &[Field] = &[
    field("envoyExtAuthzHttp", "envoy_ext_authz_http"),
    field("envoyExtAuthzGrpc", "envoy_ext_authz_grpc"),
    field("zipkin", "zipkin"),
    field("lightstep", "lightstep"),
    field("datadog", "datadog"),
    field("stackdriver", "stackdriver"),
    field("opencensus", "opencensus"),
    field("skywalking", "skywalking"),
    field("opentelemetry", "opentelemetry"),
    field("prometheus", "prometheus"),
    field("envoyFileAccessLog", "envoy_file_access_log"),
    field("envoyHttpAls", "envoy_http_als"),
    field("envoyTcpAls", "envoy_tcp_als"),
    field("envoyOtelAls", "envoy_otel_als"),
    field("sds", "sds"),
];

impl ExtensionProvider {
    /// A provider whose kind is not `opentelemetry` (no enrichment to read).
    pub(crate) fn without_enrichment(
        name: &str,
        kind: &'static str,
        settings: Map<String, Value>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            provider: Some((kind, settings)),
            service_attribute_enrichment: ServiceAttributeEnrichment::default(),
        }
    }

    /// A provider with the given oneof member and settings.
    pub fn new(name: &str, kind: &str, settings: Map<String, Value>) -> Result<Self, String> {
        let mut entry = Map::new();
        entry.insert("name".to_owned(), Value::String(name.to_owned()));
        entry.insert(kind.to_owned(), Value::Object(settings));
        Self::from_value(Value::Object(entry))
    }

    fn from_value(value: Value) -> Result<Self, String> {
        let entry = match value {
            Value::Null => return Ok(Self::default()),
            Value::Object(entry) => entry,
            other => return Err(format!("invalid value {other}: expected a mapping")),
        };
        let name = entry.get("name").cloned().unwrap_or(Value::Null);
        let name = de::string(name).map_err(|e| format!("name: {e}"))?;
        let mut provider = None;
        // Setting a oneof member clears the others: the last one declared wins.
        for member in PROVIDER_FIELDS {
            if let Some(settings) = present(&entry, member) {
                match settings {
                    Value::Object(settings) => provider = Some((member.json, settings.clone())),
                    other => {
                        return Err(format!(
                            "{}: invalid value {other}: expected a mapping",
                            member.json
                        ))
                    }
                }
            }
        }
        let mut out = Self {
            name,
            provider,
            service_attribute_enrichment: ServiceAttributeEnrichment::default(),
        };
        if let Some(("opentelemetry", settings)) = &out.provider {
            let field = field("serviceAttributeEnrichment", "service_attribute_enrichment");
            if let Some(value) = present(settings, &field) {
                out.service_attribute_enrichment =
                    ServiceAttributeEnrichment::deserialize(value.clone())
                        .map_err(|e| format!("opentelemetry.serviceAttributeEnrichment: {e}"))?;
            }
        }
        Ok(out)
    }

    /// `opentelemetry.serviceAttributeEnrichment`; the zero value for other providers.
    pub fn service_attribute_enrichment(&self) -> ServiceAttributeEnrichment {
        self.service_attribute_enrichment
    }
}

impl Serialize for ExtensionProvider {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if !self.name.is_empty() {
            map.serialize_entry("name", &self.name)?;
        }
        if let Some((kind, settings)) = &self.provider {
            map.serialize_entry(kind, settings)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ExtensionProvider {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extension_providers_read_the_otel_enrichment() {
        let p: ExtensionProvider = serde_json::from_value(json!({
            "name": "otel",
            "opentelemetry": {"service": "c.ns.svc", "port": 4317, "serviceAttributeEnrichment": "OTEL_SEMANTIC_CONVENTIONS"}
        }))
        .unwrap();
        assert_eq!(
            p.service_attribute_enrichment(),
            ServiceAttributeEnrichment::OtelSemanticConventions
        );
        assert_eq!(p.provider.as_ref().map(|(k, _)| *k), Some("opentelemetry"));
        let p: ExtensionProvider = serde_json::from_value(
            json!({"name": "o", "opentelemetry": {"service_attribute_enrichment": 1}}),
        )
        .unwrap();
        assert_eq!(
            p.service_attribute_enrichment(),
            ServiceAttributeEnrichment::OtelSemanticConventions
        );
        let e = serde_json::from_value::<ExtensionProvider>(
            json!({"name": "o", "opentelemetry": {"serviceAttributeEnrichment": "X"}}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("serviceAttributeEnrichment"), "{e}");
    }

    #[test]
    fn extension_provider_oneof_keeps_the_last_declared_member() {
        let p: ExtensionProvider = serde_json::from_value(
            json!({"name": "x", "prometheus": {}, "zipkin": {"service": "z"}, "sds": null}),
        )
        .unwrap();
        assert_eq!(p.provider.as_ref().map(|(k, _)| *k), Some("prometheus"));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"name": "x", "prometheus": {}})
        );
        let built = ExtensionProvider::new("x", "prometheus", Map::new()).unwrap();
        assert_eq!(built, p);
    }
}
