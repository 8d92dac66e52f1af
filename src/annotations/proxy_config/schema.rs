//! The parts of the ProxyConfig message (istio/api `mesh/v1alpha1/proxy.proto`) that
//! decoding type-checks, in declaration order, which is the order Go's `jsonpb` visits
//! fields (and so the order its first error comes from). Messages Istio never validates
//! are `Opaque`: they must be objects, their contents are not looked into.

/// A field's wire type, as far as `jsonpb` cares.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Str,
    Int32,
    UInt32,
    Double,
    /// `bool` and `google.protobuf.BoolValue` decode alike.
    Bool,
    Enum(&'static Enum),
    /// `google.protobuf.Duration`, which legacy `jsonpb` reads with Go's `time.ParseDuration`.
    Duration,
    StrMap,
    StrList,
    Message(&'static [Field]),
    Opaque,
}

#[derive(Debug)]
pub(super) struct Enum {
    pub(super) full_name: &'static str,
    pub(super) values: &'static [(&'static str, i32)],
}

#[derive(Debug)]
pub(super) struct Field {
    /// The proto name; `jsonpb` also accepts its lowerCamel JSON name.
    pub(super) name: &'static str,
    pub(super) kind: Kind,
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind }
}

pub(super) static AUTHENTICATION_POLICY: Enum = Enum {
    full_name: "istio.mesh.v1alpha1.AuthenticationPolicy",
    values: &[("NONE", 0), ("MUTUAL_TLS", 1), ("INHERIT", 1000)],
};

static TRACING_SERVICE_NAME: Enum = Enum {
    full_name: "istio.mesh.v1alpha1.ProxyConfig.TracingServiceName",
    values: &[
        ("APP_LABEL_AND_NAMESPACE", 0),
        ("CANONICAL_NAME_ONLY", 1),
        ("CANONICAL_NAME_AND_NAMESPACE", 2),
    ],
};

static INTERCEPTION_MODE: Enum = Enum {
    full_name: "istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode",
    values: &[("REDIRECT", 0), ("TPROXY", 1), ("NONE", 2)],
};

static FORWARD_CLIENT_CERT_DETAILS: Enum = Enum {
    full_name: "istio.mesh.v1alpha1.ForwardClientCertDetails",
    values: &[
        ("UNDEFINED", 0),
        ("SANITIZE", 1),
        ("FORWARD_ONLY", 2),
        ("APPEND_FORWARD", 3),
        ("SANITIZE_SET", 4),
        ("ALWAYS_FORWARD_ONLY", 5),
    ],
};

pub(super) static TLS_MODE: Enum = Enum {
    full_name: "istio.networking.v1alpha3.ClientTLSSettings.TLSmode",
    values: &[
        ("DISABLE", 0),
        ("SIMPLE", 1),
        ("MUTUAL", 2),
        ("ISTIO_MUTUAL", 3),
    ],
};

static CLIENT_TLS_SETTINGS: [Field; 9] = [
    f("mode", Kind::Enum(&TLS_MODE)),
    f("client_certificate", Kind::Str),
    f("private_key", Kind::Str),
    f("ca_certificates", Kind::Str),
    f("credential_name", Kind::Str),
    f("subject_alt_names", Kind::StrList),
    f("sni", Kind::Str),
    f("insecure_skip_verify", Kind::Bool),
    f("ca_crl", Kind::Str),
];

static ADDRESS_ONLY: [Field; 1] = [f("address", Kind::Str)];

static LIGHTSTEP: [Field; 2] = [f("address", Kind::Str), f("access_token", Kind::Str)];

/// `zipkin` … `open_census_agent` form the `tracer` oneof: the last one present wins.
static TRACING: [Field; 10] = [
    f("zipkin", Kind::Message(&ADDRESS_ONLY)),
    f("lightstep", Kind::Message(&LIGHTSTEP)),
    f("datadog", Kind::Message(&ADDRESS_ONLY)),
    f("stackdriver", Kind::Opaque),
    f("open_census_agent", Kind::Opaque),
    f("custom_tags", Kind::Opaque),
    f("max_path_tag_length", Kind::UInt32),
    f("sampling", Kind::Double),
    f("tls_settings", Kind::Message(&CLIENT_TLS_SETTINGS)),
    f("enable_istio_tags", Kind::Bool),
];

pub(super) const TRACERS: [&str; 5] = [
    "zipkin",
    "lightstep",
    "datadog",
    "stackdriver",
    "open_census_agent",
];

static SDS: [Field; 2] = [f("enabled", Kind::Bool), f("k8s_sa_jwt_path", Kind::Str)];

static TOPOLOGY: [Field; 3] = [
    f("num_trusted_proxies", Kind::UInt32),
    f(
        "forward_client_cert_details",
        Kind::Enum(&FORWARD_CLIENT_CERT_DETAILS),
    ),
    f("proxy_protocol", Kind::Opaque),
];

static REMOTE_SERVICE: [Field; 3] = [
    f("address", Kind::Str),
    f("tls_settings", Kind::Message(&CLIENT_TLS_SETTINGS)),
    f("tcp_keepalive", Kind::Opaque),
];

static STATS_MATCHER: [Field; 3] = [
    f("inclusion_prefixes", Kind::StrList),
    f("inclusion_suffixes", Kind::StrList),
    f("inclusion_regexps", Kind::StrList),
];

static PROXY_IMAGE: [Field; 1] = [f("image_type", Kind::Str)];

static POLL_DELAY: [Field; 2] = [f("poll_delay", Kind::Duration), f("fallback", Kind::Bool)];

/// `cryptomb` and `qat` form the `provider` oneof.
static PRIVATE_KEY_PROVIDER: [Field; 2] = [
    f("cryptomb", Kind::Message(&POLL_DELAY)),
    f("qat", Kind::Message(&POLL_DELAY)),
];

/// `service_cluster` and `tracing_service_name` form the `cluster_name` oneof.
pub(super) static PROXY_CONFIG: [Field; 39] = [
    f("config_path", Kind::Str),
    f("binary_path", Kind::Str),
    f("service_cluster", Kind::Str),
    f("tracing_service_name", Kind::Enum(&TRACING_SERVICE_NAME)),
    f("drain_duration", Kind::Duration),
    f("discovery_address", Kind::Str),
    f("discovery_refresh_delay", Kind::Duration),
    f("zipkin_address", Kind::Str),
    f("statsd_udp_address", Kind::Str),
    f("envoy_metrics_service_address", Kind::Str),
    f("proxy_admin_port", Kind::Int32),
    f("availability_zone", Kind::Str),
    f(
        "control_plane_auth_policy",
        Kind::Enum(&AUTHENTICATION_POLICY),
    ),
    f("custom_config_file", Kind::Str),
    f("stat_name_length", Kind::Int32),
    f("concurrency", Kind::Int32),
    f("proxy_bootstrap_template_path", Kind::Str),
    f("interception_mode", Kind::Enum(&INTERCEPTION_MODE)),
    f("tracing", Kind::Message(&TRACING)),
    f("sds", Kind::Message(&SDS)),
    f("envoy_access_log_service", Kind::Message(&REMOTE_SERVICE)),
    f("envoy_metrics_service", Kind::Message(&REMOTE_SERVICE)),
    f("proxy_metadata", Kind::StrMap),
    f("runtime_values", Kind::StrMap),
    f("status_port", Kind::Int32),
    f("extra_stat_tags", Kind::StrList),
    f("gateway_topology", Kind::Message(&TOPOLOGY)),
    f("termination_drain_duration", Kind::Duration),
    f("mesh_id", Kind::Str),
    f("readiness_probe", Kind::Opaque),
    f("proxy_stats_matcher", Kind::Message(&STATS_MATCHER)),
    f("hold_application_until_proxy_starts", Kind::Bool),
    f("ca_certificates_pem", Kind::StrList),
    f("image", Kind::Message(&PROXY_IMAGE)),
    f("private_key_provider", Kind::Message(&PRIVATE_KEY_PROVIDER)),
    f("proxy_headers", Kind::Opaque),
    f("file_flush_interval", Kind::Duration),
    f("file_flush_min_size_kb", Kind::UInt32),
    f("stats_compression", Kind::Bool),
];

/// protoc's JSON name: drop each '_' and upper-case the letter after it.
pub(super) fn json_name(proto_name: &str) -> String {
    let mut out = String::with_capacity(proto_name.len());
    let mut upper = false;
    for c in proto_name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_are_protoc_names() {
        assert_eq!(json_name("proxy_admin_port"), "proxyAdminPort");
        assert_eq!(json_name("k8s_sa_jwt_path"), "k8sSaJwtPath");
        assert_eq!(json_name("config_path"), "configPath");
        assert_eq!(json_name("sni"), "sni");
    }
}
