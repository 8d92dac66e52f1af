//! The `istio.networking` messages ProxyConfig embeds: `ClientTLSSettings`, `TcpKeepalive`,
//! `ReadinessProbe` (and its health checks), `ProxyImage`. Typed in full so that unknown keys are
//! dropped and fields print in declaration order.

use serde::{Deserialize, Serialize};

use super::protojson::{de, keep_first_set, proto_enum, ser, Duration};

proto_enum! {
    /// `istio.networking.v1alpha3.ClientTLSSettings.TLSmode`.
    pub enum TlsMode ("istio.networking.v1alpha3.ClientTLSSettings.TLSmode") {
        Disable = 0 => "DISABLE",
        Simple = 1 => "SIMPLE",
        Mutual = 2 => "MUTUAL",
        IstioMutual = 3 => "ISTIO_MUTUAL",
    }
}

/// `istio.networking.v1alpha3.ClientTLSSettings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientTlsSettings {
    #[serde(skip_serializing_if = "ser::is_default")]
    pub mode: TlsMode,
    #[serde(
        alias = "client_certificate",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub client_certificate: String,
    #[serde(
        alias = "private_key",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub private_key: String,
    #[serde(
        alias = "ca_certificates",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub ca_certificates: String,
    #[serde(
        alias = "credential_name",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub credential_name: String,
    #[serde(
        alias = "subject_alt_names",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub subject_alt_names: Vec<String>,
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub sni: String,
    #[serde(
        alias = "insecure_skip_verify",
        skip_serializing_if = "Option::is_none"
    )]
    pub insecure_skip_verify: Option<bool>,
    #[serde(
        alias = "ca_crl",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub ca_crl: String,
}

/// `istio.networking.v1alpha3.ConnectionPoolSettings.TCPSettings.TcpKeepalive`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpKeepalive {
    #[serde(
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub probes: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// `istio.networking.v1alpha3.ReadinessProbe`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReadinessProbe {
    #[serde(
        alias = "initial_delay_seconds",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub initial_delay_seconds: i32,
    #[serde(
        alias = "timeout_seconds",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub timeout_seconds: i32,
    #[serde(
        alias = "period_seconds",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub period_seconds: i32,
    #[serde(
        alias = "success_threshold",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub success_threshold: i32,
    #[serde(
        alias = "failure_threshold",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub failure_threshold: i32,
    #[serde(alias = "http_get", skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpHealthCheck>,
    #[serde(alias = "tcp_socket", skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TcpHealthCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecHealthCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcHealthCheck>,
}

impl ReadinessProbe {
    pub(crate) fn normalize_oneofs(&mut self) {
        keep_first_set!(self.grpc, self.exec, self.tcp_socket, self.http_get);
    }
}

/// `istio.networking.v1alpha3.HTTPHealthCheckConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpHealthCheck {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub path: String,
    #[serde(
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub port: u32,
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub host: String,
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub scheme: String,
    #[serde(alias = "http_headers", skip_serializing_if = "ser::is_default")]
    pub http_headers: Vec<HttpHeader>,
}

/// `istio.networking.v1alpha3.HTTPHeader`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpHeader {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub name: String,
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub value: String,
}

/// `istio.networking.v1alpha3.TCPHealthCheckConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpHealthCheck {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub host: String,
    #[serde(
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub port: u32,
}

/// `istio.networking.v1alpha3.ExecHealthCheckConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExecHealthCheck {
    #[serde(
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub command: Vec<String>,
}

/// `istio.networking.v1alpha3.GrpcHealthCheckConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GrpcHealthCheck {
    #[serde(
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub port: u32,
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub service: String,
}

/// `istio.networking.v1beta1.ProxyImage`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyImage {
    #[serde(
        alias = "image_type",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub image_type: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_enum_values_are_named() {
        let e = serde_json::from_value::<ClientTlsSettings>(json!({"mode": "STRICT"})).unwrap_err();
        assert!(
            e.to_string().contains("unknown value \"STRICT\" for enum istio.networking.v1alpha3.ClientTLSSettings.TLSmode"),
            "{e}"
        );
    }
}
