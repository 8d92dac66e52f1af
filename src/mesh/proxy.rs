//! `istio.mesh.v1alpha1.ProxyConfig`, every field, in declaration order (which is the order
//! `jsonpb` prints them in), with Istio's `DefaultProxyConfig` and the accessors the injector
//! reads per pod. The `cluster_name` oneof is the pair `service_cluster` /
//! `tracing_service_name`, at most one of them set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::{field, Field};
use super::networking::{ClientTlsSettings, ProxyImage, ReadinessProbe};
use super::protojson::keep_first_set;
use super::protojson::{de, proto_enum, ser, Duration};
use super::proxy_tracing::Tracing;
use super::proxy_types::{
    AuthenticationPolicy, PrivateKeyProvider, ProxyHeaders, ProxyStatsMatcher, RemoteService, Sds,
    Topology,
};

proto_enum! {
    /// `ProxyConfig.TracingServiceName`.
    pub enum TracingServiceName ("istio.mesh.v1alpha1.ProxyConfig.TracingServiceName") {
        AppLabelAndNamespace = 0 => "APP_LABEL_AND_NAMESPACE",
        CanonicalNameOnly = 1 => "CANONICAL_NAME_ONLY",
        CanonicalNameAndNamespace = 2 => "CANONICAL_NAME_AND_NAMESPACE",
    }
}

proto_enum! {
    /// `ProxyConfig.InboundInterceptionMode`; `as_str()` is what the templates print.
    pub enum InterceptionMode ("istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode") {
        Redirect = 0 => "REDIRECT",
        Tproxy = 1 => "TPROXY",
        None = 2 => "NONE",
    }
}

/// `istio.mesh.v1alpha1.ProxyConfig`. `Default` is the empty message; Istio's defaults are
/// [`ProxyConfig::istio_default`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyConfig {
    #[serde(
        alias = "config_path",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub config_path: String,
    #[serde(
        alias = "binary_path",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub binary_path: String,
    /// `cluster_name` oneof, first member.
    #[serde(alias = "service_cluster", skip_serializing_if = "Option::is_none")]
    pub service_cluster: Option<String>,
    /// `cluster_name` oneof, second member.
    #[serde(
        alias = "tracing_service_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub tracing_service_name: Option<TracingServiceName>,
    #[serde(alias = "drain_duration", skip_serializing_if = "Option::is_none")]
    pub drain_duration: Option<Duration>,
    #[serde(
        alias = "discovery_address",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub discovery_address: String,
    #[serde(
        alias = "discovery_refresh_delay",
        skip_serializing_if = "Option::is_none"
    )]
    pub discovery_refresh_delay: Option<Duration>,
    #[serde(
        alias = "zipkin_address",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub zipkin_address: String,
    #[serde(
        alias = "statsd_udp_address",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub statsd_udp_address: String,
    #[serde(
        alias = "envoy_metrics_service_address",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub envoy_metrics_service_address: String,
    #[serde(
        alias = "proxy_admin_port",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub proxy_admin_port: i32,
    #[serde(
        alias = "availability_zone",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub availability_zone: String,
    #[serde(
        alias = "control_plane_auth_policy",
        skip_serializing_if = "ser::is_default"
    )]
    pub control_plane_auth_policy: AuthenticationPolicy,
    #[serde(
        alias = "custom_config_file",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub custom_config_file: String,
    #[serde(
        alias = "stat_name_length",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub stat_name_length: i32,
    /// `google.protobuf.Int32Value`: `Some(0)` is set (and printed), `None` is unset.
    #[serde(
        deserialize_with = "de::opt_int32",
        skip_serializing_if = "Option::is_none"
    )]
    pub concurrency: Option<i32>,
    #[serde(
        alias = "proxy_bootstrap_template_path",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub proxy_bootstrap_template_path: String,
    #[serde(alias = "interception_mode", skip_serializing_if = "ser::is_default")]
    pub interception_mode: InterceptionMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing: Option<Tracing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sds: Option<Sds>,
    #[serde(
        alias = "envoy_access_log_service",
        skip_serializing_if = "Option::is_none"
    )]
    pub envoy_access_log_service: Option<RemoteService>,
    #[serde(
        alias = "envoy_metrics_service",
        skip_serializing_if = "Option::is_none"
    )]
    pub envoy_metrics_service: Option<RemoteService>,
    #[serde(
        alias = "proxy_metadata",
        deserialize_with = "de::string_map",
        skip_serializing_if = "ser::is_default"
    )]
    pub proxy_metadata: BTreeMap<String, String>,
    #[serde(
        alias = "runtime_values",
        deserialize_with = "de::string_map",
        skip_serializing_if = "ser::is_default"
    )]
    pub runtime_values: BTreeMap<String, String>,
    #[serde(
        alias = "status_port",
        deserialize_with = "de::int32",
        skip_serializing_if = "ser::is_default"
    )]
    pub status_port: i32,
    #[serde(
        alias = "extra_stat_tags",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub extra_stat_tags: Vec<String>,
    #[serde(alias = "gateway_topology", skip_serializing_if = "Option::is_none")]
    pub gateway_topology: Option<Topology>,
    #[serde(
        alias = "termination_drain_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub termination_drain_duration: Option<Duration>,
    #[serde(
        alias = "mesh_id",
        deserialize_with = "de::string",
        skip_serializing_if = "ser::is_default"
    )]
    pub mesh_id: String,
    #[serde(alias = "readiness_probe", skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<ReadinessProbe>,
    #[serde(alias = "proxy_stats_matcher", skip_serializing_if = "Option::is_none")]
    pub proxy_stats_matcher: Option<ProxyStatsMatcher>,
    #[serde(
        alias = "hold_application_until_proxy_starts",
        skip_serializing_if = "Option::is_none"
    )]
    pub hold_application_until_proxy_starts: Option<bool>,
    #[serde(
        alias = "ca_certificates_pem",
        deserialize_with = "de::string_list",
        skip_serializing_if = "ser::is_default"
    )]
    pub ca_certificates_pem: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ProxyImage>,
    #[serde(
        alias = "private_key_provider",
        skip_serializing_if = "Option::is_none"
    )]
    pub private_key_provider: Option<PrivateKeyProvider>,
    #[serde(alias = "proxy_headers", skip_serializing_if = "Option::is_none")]
    pub proxy_headers: Option<ProxyHeaders>,
    #[serde(alias = "file_flush_interval", skip_serializing_if = "Option::is_none")]
    pub file_flush_interval: Option<Duration>,
    #[serde(
        alias = "file_flush_min_size_kb",
        deserialize_with = "de::uint32",
        skip_serializing_if = "ser::is_default"
    )]
    pub file_flush_min_size_kb: u32,
    #[serde(alias = "stats_compression", skip_serializing_if = "Option::is_none")]
    pub stats_compression: Option<bool>,
}

/// Every top-level field, in declaration order; used to merge texts field by field.
pub(crate) const PROXY_CONFIG_FIELDS: &[Field] = &[
    field("configPath", "config_path"),
    field("binaryPath", "binary_path"),
    field("serviceCluster", "service_cluster"),
    field("tracingServiceName", "tracing_service_name"),
    field("drainDuration", "drain_duration"),
    field("discoveryAddress", "discovery_address"),
    field("discoveryRefreshDelay", "discovery_refresh_delay"),
    field("zipkinAddress", "zipkin_address"),
    field("statsdUdpAddress", "statsd_udp_address"),
    field(
        "envoyMetricsServiceAddress",
        "envoy_metrics_service_address",
    ),
    field("proxyAdminPort", "proxy_admin_port"),
    field("availabilityZone", "availability_zone"),
    field("controlPlaneAuthPolicy", "control_plane_auth_policy"),
    field("customConfigFile", "custom_config_file"),
    field("statNameLength", "stat_name_length"),
    field("concurrency", "concurrency"),
    field(
        "proxyBootstrapTemplatePath",
        "proxy_bootstrap_template_path",
    ),
    field("interceptionMode", "interception_mode"),
    field("tracing", "tracing"),
    field("sds", "sds"),
    field("envoyAccessLogService", "envoy_access_log_service"),
    field("envoyMetricsService", "envoy_metrics_service"),
    field("proxyMetadata", "proxy_metadata"),
    field("runtimeValues", "runtime_values"),
    field("statusPort", "status_port"),
    field("extraStatTags", "extra_stat_tags"),
    field("gatewayTopology", "gateway_topology"),
    field("terminationDrainDuration", "termination_drain_duration"),
    field("meshId", "mesh_id"),
    field("readinessProbe", "readiness_probe"),
    field("proxyStatsMatcher", "proxy_stats_matcher"),
    field(
        "holdApplicationUntilProxyStarts",
        "hold_application_until_proxy_starts",
    ),
    field("caCertificatesPem", "ca_certificates_pem"),
    field("image", "image"),
    field("privateKeyProvider", "private_key_provider"),
    field("proxyHeaders", "proxy_headers"),
    field("fileFlushInterval", "file_flush_interval"),
    field("fileFlushMinSizeKb", "file_flush_min_size_kb"),
    field("statsCompression", "stats_compression"),
];

/// The JSON names of the `cluster_name` oneof members.
pub(crate) const CLUSTER_NAME_ONEOF: [&str; 2] = ["serviceCluster", "tracingServiceName"];

impl ProxyConfig {
    /// Istio 1.30.3's `mesh.DefaultProxyConfig()`.
    pub fn istio_default() -> Self {
        Self {
            config_path: "./etc/istio/proxy".to_owned(),
            binary_path: "/usr/local/bin/envoy".to_owned(),
            service_cluster: Some("istio-proxy".to_owned()),
            drain_duration: Some(Duration::from_secs(45)),
            termination_drain_duration: Some(Duration::from_secs(5)),
            proxy_admin_port: 15000,
            control_plane_auth_policy: AuthenticationPolicy::MutualTls,
            discovery_address: "istiod.istio-system.svc:15012".to_owned(),
            stat_name_length: 189,
            status_port: 15020,
            ..Self::default()
        }
    }

    /// Resolves every oneof to the member `jsonpb` would keep: the last one set.
    pub(crate) fn normalize_oneofs(&mut self) {
        keep_first_set!(self.tracing_service_name, self.service_cluster);
        if let Some(tracing) = &mut self.tracing {
            tracing.normalize_oneofs();
        }
        if let Some(probe) = &mut self.readiness_probe {
            probe.normalize_oneofs();
        }
        if let Some(provider) = &mut self.private_key_provider {
            provider.normalize_oneofs();
        }
    }

    /// `interceptionMode`, as the templates print it (`REDIRECT`, `TPROXY`, `NONE`, or a
    /// number without a name).
    pub fn interception_mode(&self) -> std::borrow::Cow<'static, str> {
        self.interception_mode.as_str()
    }

    /// `holdApplicationUntilProxyStarts`: `None` when unset (Go's `GetValue()` is then false).
    pub fn hold_application_until_proxy_starts(&self) -> Option<bool> {
        self.hold_application_until_proxy_starts
    }

    /// `proxyMetadata`, sorted by key as Go's templates range over it.
    pub fn proxy_metadata(&self) -> &BTreeMap<String, String> {
        &self.proxy_metadata
    }

    pub fn status_port(&self) -> i32 {
        self.status_port
    }

    /// `concurrency`: `None` when unset, `Some(0)` when set to zero.
    pub fn concurrency(&self) -> Option<i32> {
        self.concurrency
    }

    /// `image.imageType`: `None` when `image` is unset (then `global.variant` applies), else
    /// the type, possibly empty (Istio then uses the empty type, not the variant).
    pub fn image_type(&self) -> Option<&str> {
        self.image.as_ref().map(|image| image.image_type.as_str())
    }

    /// `tracing.tlsSettings`, when set (the templates mount its CA for lightstep).
    pub fn tracing_tls_settings(&self) -> Option<&ClientTlsSettings> {
        self.tracing.as_ref()?.tls_settings.as_ref()
    }

    /// `tracing.tlsSettings.caCertificates`, when `tlsSettings` is set (possibly empty).
    pub fn tracing_tls_ca_certificates(&self) -> Option<&str> {
        self.tracing_tls_settings()
            .map(|tls| tls.ca_certificates.as_str())
    }

    pub fn discovery_address(&self) -> &str {
        &self.discovery_address
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Every field set to a non-zero value, so that it prints.
    fn full() -> Value {
        json!({
            "configPath": "a", "binaryPath": "b", "serviceCluster": "c", "drainDuration": "1s",
            "discoveryAddress": "d:1", "discoveryRefreshDelay": "2s", "zipkinAddress": "z",
            "statsdUdpAddress": "s:1", "envoyMetricsServiceAddress": "e:1", "proxyAdminPort": 1,
            "availabilityZone": "az", "controlPlaneAuthPolicy": "INHERIT", "customConfigFile": "f",
            "statNameLength": 2, "concurrency": 0, "proxyBootstrapTemplatePath": "t",
            "interceptionMode": "NONE", "tracing": {}, "sds": {"enabled": true},
            "envoyAccessLogService": {"address": "x:1"}, "envoyMetricsService": {},
            "proxyMetadata": {"K": "V"}, "runtimeValues": {"R": "1"}, "statusPort": 3,
            "extraStatTags": ["t"], "gatewayTopology": {"numTrustedProxies": 1},
            "terminationDrainDuration": "3s", "meshId": "m", "readinessProbe": {"exec": {"command": ["x"]}},
            "proxyStatsMatcher": {"inclusionPrefixes": ["p"]}, "holdApplicationUntilProxyStarts": false,
            "caCertificatesPem": ["pem"], "image": {"imageType": "distroless"},
            "privateKeyProvider": {"qat": {"pollDelay": "1ms"}}, "proxyHeaders": {},
            "fileFlushInterval": "4s", "fileFlushMinSizeKb": 5, "statsCompression": true
        })
    }

    #[test]
    fn field_table_matches_the_struct_in_declaration_order() {
        let pc: ProxyConfig = serde_json::from_value(full()).unwrap();
        let printed = serde_json::to_value(&pc).unwrap();
        let keys: Vec<&str> = printed
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected: Vec<&str> = PROXY_CONFIG_FIELDS.iter().map(|f| f.json).collect();
        // Only one member of the cluster_name oneof is ever set.
        expected.retain(|k| *k != "tracingServiceName");
        assert_eq!(keys, expected);
        for f in PROXY_CONFIG_FIELDS {
            let camel: String = f
                .proto
                .split('_')
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        part.to_owned()
                    } else {
                        part[..1].to_uppercase() + &part[1..]
                    }
                })
                .collect();
            assert_eq!(camel, f.json, "proto name {} does not match", f.proto);
        }
    }

    #[test]
    fn proto_names_are_accepted() {
        let pc: ProxyConfig = serde_json::from_value(
            json!({"hold_application_until_proxy_starts": true, "status_port": "15021"}),
        )
        .unwrap();
        assert_eq!(pc.hold_application_until_proxy_starts(), Some(true));
        assert_eq!(pc.status_port(), 15021);
    }

    #[test]
    fn istio_default_prints_like_the_mesh_files() {
        assert_eq!(
            serde_json::to_value(ProxyConfig::istio_default()).unwrap(),
            json!({
                "binaryPath": "/usr/local/bin/envoy", "configPath": "./etc/istio/proxy",
                "controlPlaneAuthPolicy": "MUTUAL_TLS", "discoveryAddress": "istiod.istio-system.svc:15012",
                "drainDuration": "45s", "proxyAdminPort": 15000, "serviceCluster": "istio-proxy",
                "statNameLength": 189, "statusPort": 15020, "terminationDrainDuration": "5s"
            })
        );
    }

    #[test]
    fn accessors() {
        let mut pc: ProxyConfig = serde_json::from_value(full()).unwrap();
        pc.normalize_oneofs();
        assert_eq!(pc.interception_mode(), "NONE");
        assert_eq!(pc.concurrency(), Some(0));
        assert_eq!(pc.image_type(), Some("distroless"));
        assert_eq!(pc.tracing_tls_ca_certificates(), None);
        assert_eq!(pc.proxy_metadata().get("K").map(String::as_str), Some("V"));
        let pc = ProxyConfig::istio_default();
        assert_eq!(pc.interception_mode(), "REDIRECT");
        assert_eq!(pc.hold_application_until_proxy_starts(), None);
        assert_eq!(pc.image_type(), None);
        assert_eq!(pc.status_port(), 15020);
    }

    #[test]
    fn the_last_cluster_name_member_wins() {
        let mut pc: ProxyConfig = serde_json::from_value(
            json!({"serviceCluster": "a", "tracingServiceName": "CANONICAL_NAME_ONLY"}),
        )
        .unwrap();
        pc.normalize_oneofs();
        assert_eq!(pc.service_cluster, None);
        assert_eq!(
            pc.tracing_service_name,
            Some(TracingServiceName::CanonicalNameOnly)
        );
    }
}
