//! `istio.mesh.v1alpha1.Tracing` (the `tracing` field of ProxyConfig), typed in full so that
//! unknown keys are dropped and fields print in declaration order. The `tracer` oneof and each
//! custom tag's source are runs of `Option`s resolved by `normalize_oneofs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::networking::ClientTlsSettings;
use super::protojson::{de, keep_first_set, proto_enum, ser};

proto_enum! {
    /// `istio.mesh.v1alpha1.Tracing.OpenCensusAgent.TraceContext`.
    pub enum TraceContext ("istio.mesh.v1alpha1.Tracing.OpenCensusAgent.TraceContext") {
        Unspecified = 0 => "UNSPECIFIED",
        W3cTraceContext = 1 => "W3C_TRACE_CONTEXT",
        GrpcBin = 2 => "GRPC_BIN",
        CloudTraceContext = 3 => "CLOUD_TRACE_CONTEXT",
        B3 = 4 => "B3",
    }
}

/// `istio.mesh.v1alpha1.Tracing`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tracing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipkin: Option<AddressOnly>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lightstep: Option<TracingLightstep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datadog: Option<AddressOnly>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stackdriver: Option<TracingStackdriver>,
    #[serde(alias = "open_census_agent", skip_serializing_if = "Option::is_none")]
    pub open_census_agent: Option<TracingOpenCensusAgent>,
    #[serde(alias = "custom_tags", skip_serializing_if = "ser::is_default")]
    pub custom_tags: BTreeMap<String, CustomTag>,
    #[serde(
        alias = "max_path_tag_length",
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub max_path_tag_length: u32,
    #[serde(
        deserialize_with = "de::double",
        serialize_with = "ser::double",
        skip_serializing_if = "ser::is_default"
    )]
    pub sampling: f64,
    #[serde(alias = "tls_settings", skip_serializing_if = "Option::is_none")]
    pub tls_settings: Option<ClientTlsSettings>,
    #[serde(alias = "enable_istio_tags", skip_serializing_if = "Option::is_none")]
    pub enable_istio_tags: Option<bool>,
}

impl Tracing {
    pub(crate) fn normalize_oneofs(&mut self) {
        keep_first_set!(
            self.open_census_agent,
            self.stackdriver,
            self.datadog,
            self.lightstep,
            self.zipkin
        );
        for tag in self.custom_tags.values_mut() {
            keep_first_set!(tag.header, tag.environment, tag.literal);
        }
    }
}

/// `Tracing.Zipkin` and `Tracing.Datadog`: just an address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddressOnly {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub address: String,
}

/// `Tracing.Lightstep`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TracingLightstep {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub address: String,
    #[serde(
        alias = "access_token",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub access_token: String,
}

/// `Tracing.Stackdriver`; its `Int64Value`s print quoted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TracingStackdriver {
    #[serde(
        deserialize_with = "de::boolean",
        skip_serializing_if = "ser::is_default"
    )]
    pub debug: bool,
    #[serde(
        alias = "max_number_of_attributes",
        deserialize_with = "de::opt_int64",
        serialize_with = "ser::opt_int64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_number_of_attributes: Option<i64>,
    #[serde(
        alias = "max_number_of_annotations",
        deserialize_with = "de::opt_int64",
        serialize_with = "ser::opt_int64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_number_of_annotations: Option<i64>,
    #[serde(
        alias = "max_number_of_message_events",
        deserialize_with = "de::opt_int64",
        serialize_with = "ser::opt_int64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_number_of_message_events: Option<i64>,
}

/// `Tracing.OpenCensusAgent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TracingOpenCensusAgent {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub address: String,
    #[serde(skip_serializing_if = "ser::is_default")]
    pub context: Vec<TraceContext>,
}

/// `Tracing.CustomTag` (a oneof of three sources).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomTag {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<CustomTagLiteral>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<NameWithDefault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<NameWithDefault>,
}

/// `Tracing.Literal`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomTagLiteral {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub value: String,
}

/// `Tracing.Environment` and `Tracing.RequestHeader`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NameWithDefault {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub name: String,
    #[serde(
        alias = "default_value",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub default_value: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tracing_keeps_the_last_declared_tracer_and_prints_in_declaration_order() {
        let mut t: Tracing = serde_json::from_value(json!({
            "sampling": 1.5,
            "datadog": {"address": "d:1"},
            "zipkin": {"address": "z:1"},
            "max_path_tag_length": "256",
            "custom_tags": {"b": {"literal": {"value": "v"}, "header": {"name": "h"}}, "a": {"environment": {"name": "E", "default_value": "x"}}},
            "tlsSettings": {"mode": "SIMPLE", "caCertificates": "/ca.pem", "bogus": 1},
            "enableIstioTags": false,
            "stackdriver": {"maxNumberOfAttributes": 200},
        }))
        .unwrap();
        t.normalize_oneofs();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"stackdriver":{"maxNumberOfAttributes":"200"},"customTags":{"a":{"environment":{"name":"E","defaultValue":"x"}},"b":{"header":{"name":"h"}}},"maxPathTagLength":256,"sampling":1.5,"tlsSettings":{"mode":"SIMPLE","caCertificates":"/ca.pem"},"enableIstioTags":false}"#
        );
    }
}
