//! The other messages nested in `ProxyConfig` (istio/api `mesh/v1alpha1/proxy.proto`), typed
//! in full so that unknown keys are dropped and every field prints in declaration order, exactly
//! as `jsonpb` prints it. Wrapper types (`BoolValue`, `Int32Value`, `Int64Value`) are `Option`s.

use serde::{Deserialize, Serialize};

use super::networking::{ClientTlsSettings, TcpKeepalive};
use super::protojson::{de, keep_first_set, proto_enum, ser, Duration};

proto_enum! {
    /// `istio.mesh.v1alpha1.AuthenticationPolicy`.
    pub enum AuthenticationPolicy ("istio.mesh.v1alpha1.AuthenticationPolicy") {
        None = 0 => "NONE",
        MutualTls = 1 => "MUTUAL_TLS",
        Inherit = 1000 => "INHERIT",
    }
}

proto_enum! {
    /// `istio.mesh.v1alpha1.ForwardClientCertDetails`.
    pub enum ForwardClientCertDetails ("istio.mesh.v1alpha1.ForwardClientCertDetails") {
        Undefined = 0 => "UNDEFINED",
        Sanitize = 1 => "SANITIZE",
        ForwardOnly = 2 => "FORWARD_ONLY",
        AppendForward = 3 => "APPEND_FORWARD",
        SanitizeSet = 4 => "SANITIZE_SET",
        AlwaysForwardOnly = 5 => "ALWAYS_FORWARD_ONLY",
    }
}

proto_enum! {
    /// `istio.mesh.v1alpha1.ProxyConfig.ProxyHeaders.MetadataExchangeMode`.
    pub enum MetadataExchangeMode ("istio.mesh.v1alpha1.ProxyConfig.ProxyHeaders.MetadataExchangeMode") {
        Undefined = 0 => "UNDEFINED",
        InMesh = 1 => "IN_MESH",
    }
}

/// `istio.mesh.v1alpha1.SDS` (deprecated, still carried).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sds {
    #[serde(
        deserialize_with = "de::boolean",
        skip_serializing_if = "ser::is_default"
    )]
    pub enabled: bool,
    #[serde(
        alias = "k8s_sa_jwt_path",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub k8s_sa_jwt_path: String,
}

/// `istio.mesh.v1alpha1.RemoteService`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RemoteService {
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub address: String,
    #[serde(alias = "tls_settings", skip_serializing_if = "Option::is_none")]
    pub tls_settings: Option<ClientTlsSettings>,
    #[serde(alias = "tcp_keepalive", skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
}

/// `istio.mesh.v1alpha1.Topology`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Topology {
    #[serde(
        alias = "num_trusted_proxies",
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub num_trusted_proxies: u32,
    #[serde(
        alias = "forward_client_cert_details",
        skip_serializing_if = "ser::is_default"
    )]
    pub forward_client_cert_details: ForwardClientCertDetails,
    #[serde(alias = "proxy_protocol", skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<Empty>,
}

/// A message without fields (`Topology.ProxyProtocolConfiguration`): present or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// `ProxyConfig.ProxyStatsMatcher`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyStatsMatcher {
    #[serde(
        alias = "inclusion_prefixes",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub inclusion_prefixes: Vec<String>,
    #[serde(
        alias = "inclusion_suffixes",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub inclusion_suffixes: Vec<String>,
    #[serde(
        alias = "inclusion_regexps",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub inclusion_regexps: Vec<String>,
}

/// `istio.mesh.v1alpha1.PrivateKeyProvider` (a oneof of two providers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PrivateKeyProvider {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cryptomb: Option<PrivateKeyPolling>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qat: Option<PrivateKeyPolling>,
}

impl PrivateKeyProvider {
    pub(crate) fn normalize_oneofs(&mut self) {
        keep_first_set!(self.qat, self.cryptomb);
    }
}

/// `PrivateKeyProvider.CryptoMb` and `PrivateKeyProvider.QAT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PrivateKeyPolling {
    #[serde(alias = "poll_delay", skip_serializing_if = "Option::is_none")]
    pub poll_delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<bool>,
}

/// `ProxyConfig.ProxyHeaders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyHeaders {
    #[serde(
        alias = "forwarded_client_cert",
        skip_serializing_if = "ser::is_default"
    )]
    pub forwarded_client_cert: ForwardClientCertDetails,
    #[serde(
        alias = "set_current_client_cert_details",
        skip_serializing_if = "Option::is_none"
    )]
    pub set_current_client_cert_details: Option<SetCurrentClientCertDetails>,
    #[serde(alias = "request_id", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<HeaderDisabled>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerHeader>,
    #[serde(alias = "attempt_count", skip_serializing_if = "Option::is_none")]
    pub attempt_count: Option<HeaderDisabled>,
    #[serde(alias = "envoy_debug_headers", skip_serializing_if = "Option::is_none")]
    pub envoy_debug_headers: Option<HeaderDisabled>,
    #[serde(
        alias = "metadata_exchange_headers",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata_exchange_headers: Option<MetadataExchangeHeaders>,
    #[serde(
        alias = "preserve_http1_header_case",
        skip_serializing_if = "Option::is_none"
    )]
    pub preserve_http1_header_case: Option<bool>,
    #[serde(alias = "x_forwarded_host", skip_serializing_if = "Option::is_none")]
    pub x_forwarded_host: Option<HeaderEnabled>,
    #[serde(alias = "x_forwarded_port", skip_serializing_if = "Option::is_none")]
    pub x_forwarded_port: Option<HeaderEnabled>,
}

/// `ProxyHeaders.SetCurrentClientCertDetails`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetCurrentClientCertDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<bool>,
}

/// `ProxyHeaders.RequestId`, `.AttemptCount` and `.EnvoyDebugHeaders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeaderDisabled {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// `ProxyHeaders.XForwardedHost` and `.XForwardedPort`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeaderEnabled {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `ProxyHeaders.Server`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerHeader {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub value: String,
}

/// `ProxyHeaders.MetadataExchangeHeaders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetadataExchangeHeaders {
    #[serde(skip_serializing_if = "ser::is_default")]
    pub mode: MetadataExchangeMode,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_messages_and_zero_wrappers_still_print() {
        let t: Topology =
            serde_json::from_value(json!({"proxyProtocol": {}, "numTrustedProxies": 0})).unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"proxyProtocol":{}}"#
        );
        let h: ProxyHeaders = serde_json::from_value(
            json!({"requestId": {"disabled": false}, "forwardedClientCert": 3}),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"forwardedClientCert":"APPEND_FORWARD","requestId":{"disabled":false}}"#
        );
    }
}
