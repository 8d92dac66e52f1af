//! The MeshConfig field list, and the protobuf kind of each field that `MeshConfig` keeps as
//! passthrough JSON: checked at load, and put in canonical protojson form.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::duration::Duration;
use super::input::{field, Field};
use super::protojson::de;

/// The protobuf kind of a passthrough field, checked at load.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A field of the typed part of `MeshConfig`; serde checks it.
    Typed,
    Int32,
    Bool,
    String,
    Duration,
    Enum(&'static [(&'static str, i64)]),
    StringList,
    Message,
    MessageList,
}

/// Every MeshConfig field, in declaration order.
pub(crate) const MESH_FIELDS: &[(Field, Kind)] = &[
    (field("proxyListenPort", "proxy_listen_port"), Kind::Typed),
    (
        field("proxyInboundListenPort", "proxy_inbound_listen_port"),
        Kind::Typed,
    ),
    (field("proxyHttpPort", "proxy_http_port"), Kind::Int32),
    (field("connectTimeout", "connect_timeout"), Kind::Typed),
    (
        field("hboneIdleTimeout", "hbone_idle_timeout"),
        Kind::Duration,
    ),
    (
        field("protocolDetectionTimeout", "protocol_detection_timeout"),
        Kind::Typed,
    ),
    (field("tcpKeepalive", "tcp_keepalive"), Kind::Message),
    (field("ingressClass", "ingress_class"), Kind::String),
    (field("ingressService", "ingress_service"), Kind::String),
    (
        field("ingressControllerMode", "ingress_controller_mode"),
        Kind::Enum(&[
            ("UNSPECIFIED", 0),
            ("OFF", 1),
            ("DEFAULT", 2),
            ("STRICT", 3),
        ]),
    ),
    (field("ingressSelector", "ingress_selector"), Kind::String),
    (field("enableTracing", "enable_tracing"), Kind::Typed),
    (field("accessLogFile", "access_log_file"), Kind::String),
    (field("accessLogFormat", "access_log_format"), Kind::String),
    (
        field("accessLogEncoding", "access_log_encoding"),
        Kind::Enum(&[("TEXT", 0), ("JSON", 1)]),
    ),
    (
        field(
            "enableEnvoyAccessLogService",
            "enable_envoy_access_log_service",
        ),
        Kind::Bool,
    ),
    (
        field("disableEnvoyListenerLog", "disable_envoy_listener_log"),
        Kind::Bool,
    ),
    (field("defaultConfig", "default_config"), Kind::Typed),
    (
        field("outboundTrafficPolicy", "outbound_traffic_policy"),
        Kind::Message,
    ),
    (
        field("inboundTrafficPolicy", "inbound_traffic_policy"),
        Kind::Typed,
    ),
    (field("configSources", "config_sources"), Kind::MessageList),
    (field("enableAutoMtls", "enable_auto_mtls"), Kind::Bool),
    (field("trustDomain", "trust_domain"), Kind::Typed),
    (
        field("trustDomainAliases", "trust_domain_aliases"),
        Kind::Typed,
    ),
    (
        field("caCertificates", "ca_certificates"),
        Kind::MessageList,
    ),
    (
        field("defaultServiceExportTo", "default_service_export_to"),
        Kind::StringList,
    ),
    (
        field(
            "defaultVirtualServiceExportTo",
            "default_virtual_service_export_to",
        ),
        Kind::StringList,
    ),
    (
        field(
            "defaultDestinationRuleExportTo",
            "default_destination_rule_export_to",
        ),
        Kind::StringList,
    ),
    (field("rootNamespace", "root_namespace"), Kind::String),
    (
        field("localityLbSetting", "locality_lb_setting"),
        Kind::Message,
    ),
    (field("dnsRefreshRate", "dns_refresh_rate"), Kind::Duration),
    (
        field("h2UpgradePolicy", "h2_upgrade_policy"),
        Kind::Enum(&[("DO_NOT_UPGRADE", 0), ("UPGRADE", 1)]),
    ),
    (
        field("inboundClusterStatName", "inbound_cluster_stat_name"),
        Kind::String,
    ),
    (
        field("outboundClusterStatName", "outbound_cluster_stat_name"),
        Kind::String,
    ),
    (field("certificates", "certificates"), Kind::MessageList),
    (
        field("serviceSettings", "service_settings"),
        Kind::MessageList,
    ),
    (
        field("serviceScopeConfigs", "service_scope_configs"),
        Kind::MessageList,
    ),
    (
        field("enablePrometheusMerge", "enable_prometheus_merge"),
        Kind::Typed,
    ),
    (
        field("verifyCertificateAtClient", "verify_certificate_at_client"),
        Kind::Bool,
    ),
    (field("ca", "ca"), Kind::Message),
    (
        field("extensionProviders", "extension_providers"),
        Kind::Typed,
    ),
    (field("defaultProviders", "default_providers"), Kind::Typed),
    (
        field("discoverySelectors", "discovery_selectors"),
        Kind::MessageList,
    ),
    (
        field("pathNormalization", "path_normalization"),
        Kind::Message,
    ),
    (
        field("defaultHttpRetryPolicy", "default_http_retry_policy"),
        Kind::Message,
    ),
    (field("meshMTLS", "mesh_mTLS"), Kind::Message),
    (field("tlsDefaults", "tls_defaults"), Kind::Message),
];

impl Kind {
    /// Checks a passthrough value against its kind; returns its canonical protojson form.
    pub(crate) fn check(self, value: &Value) -> Result<Value, String> {
        let expect = |what: &str| Err(format!("invalid value {value}: expected {what}"));
        match self {
            Self::Typed => Ok(value.clone()),
            Self::Int32 => de::int32(value.clone())
                .map(Value::from)
                .map_err(|e| e.to_string()),
            Self::Bool => de::boolean(value.clone())
                .map(Value::Bool)
                .map_err(|e| e.to_string()),
            Self::String => de::string(value.clone())
                .map(Value::String)
                .map_err(|e| e.to_string()),
            Self::StringList => de::string_list(value.clone())
                .map(Value::from)
                .map_err(|e| e.to_string()),
            Self::Duration => Duration::deserialize(value.clone())
                .map(|d| Value::String(d.to_string()))
                .map_err(|e| e.to_string()),
            Self::Enum(values) => {
                let found = match value {
                    Value::String(name) => values.iter().find(|(n, _)| n == name),
                    Value::Number(number) => {
                        values.iter().find(|(_, v)| Some(*v) == number.as_i64())
                    }
                    _ => None,
                };
                found
                    .map(|(name, _)| Value::String((*name).to_owned()))
                    .map_or_else(
                        || {
                            let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
                            expect(&format!("one of {}", names.join(", ")))
                        },
                        Ok,
                    )
            }
            Self::Message => match value {
                Value::Object(_) => Ok(value.clone()),
                _ => expect("a mapping"),
            },
            Self::MessageList => match value {
                Value::Array(items) if items.iter().all(|i| i.is_object() || i.is_null()) => {
                    Ok(Value::Array(
                        items
                            .iter()
                            .map(|i| {
                                if i.is_null() {
                                    Value::Object(Map::new())
                                } else {
                                    i.clone()
                                }
                            })
                            .collect(),
                    ))
                }
                _ => expect("a list of mappings"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(Kind::Int32, json!("15"), Ok(json!(15)))]
    #[case(Kind::Int32, json!("x"), Err(()))]
    #[case(Kind::Duration, json!("1m"), Ok(json!("60s")))]
    #[case(Kind::Duration, json!(5), Err(()))]
    #[case(Kind::Enum(&[("TEXT", 0), ("JSON", 1)]), json!(1), Ok(json!("JSON")))]
    #[case(Kind::Enum(&[("TEXT", 0), ("JSON", 1)]), json!("XML"), Err(()))]
    #[case(Kind::Bool, json!("true"), Err(()))]
    #[case(Kind::StringList, json!(["a", null]), Ok(json!(["a", ""])))]
    #[case(Kind::Message, json!([]), Err(()))]
    #[case(Kind::MessageList, json!([{}, null]), Ok(json!([{}, {}])))]
    fn passthrough_kinds_are_checked(
        #[case] kind: Kind,
        #[case] value: Value,
        #[case] want: Result<Value, ()>,
    ) {
        assert_eq!(kind.check(&value).map_err(|_| ()), want);
    }
}
