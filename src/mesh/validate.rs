//! Istio 1.30.3's checks on a ProxyConfig and a MeshConfig
//! (`pkg/config/validation/agent`: `ValidateMeshConfigProxyConfig`, `ValidateMeshConfig`),
//! with Istio's messages, one entry per problem.
//!
//! Left out of `ValidateMeshConfig`: `localityLbSetting` and `tlsDefaults` (warnings only),
//! and the extension-provider checks (Istio only logs those). They do not affect injection.

use serde_json::Value;

use super::config::MeshConfig;
use super::duration::Duration;
use super::names::{
    validate_port, validate_proxy_address, validate_trust_domain, validate_wildcard_domain,
};
use super::networking::{ClientTlsSettings, TlsMode};
use super::proxy::ProxyConfig;
use super::proxy_types::{
    AuthenticationPolicy, PrivateKeyPolling, PrivateKeyProvider, RemoteService,
};
use crate::go::time::duration_string;

const MILLISECOND: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;
const HOUR: i64 = 3_600 * SECOND;

/// Problems found: errors refuse the config, warnings are only reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validation {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Validation {
    fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    fn prefixed(&mut self, prefix: &str, result: Result<(), Vec<String>>) {
        if let Err(errors) = result {
            self.errors
                .extend(errors.into_iter().map(|e| format!("{prefix} {e}")));
        }
    }
}

/// `ValidateMeshConfigProxyConfig`.
pub fn validate_proxy_config(pc: &ProxyConfig) -> Validation {
    let mut v = Validation::default();
    if pc.config_path.is_empty() {
        v.error("config path must be set");
    }
    if pc.binary_path.is_empty() {
        v.error("binary path must be set");
    }
    match (&pc.service_cluster, &pc.tracing_service_name) {
        (Some(cluster), _) if cluster.is_empty() => v.error("service cluster must be specified"),
        (Some(_), _) | (None, Some(_)) => {}
        (None, None) => v.error("oneof service cluster or tracing service name must be specified"),
    }
    v.errors.extend(validate_drain_duration(pc.drain_duration));
    if pc.discovery_address.is_empty() {
        v.error("discovery address must be set to the proxy discovery service");
    } else {
        v.prefixed(
            "invalid discovery address:",
            one(validate_proxy_address(&pc.discovery_address)),
        );
    }
    validate_tracing(pc, &mut v);
    validate_service_addresses(pc, &mut v);
    if pc
        .proxy_metadata
        .contains_key("ISTIO_META_DNS_AUTO_ALLOCATE")
    {
        v.warnings.push(
            "'ISTIO_META_DNS_AUTO_ALLOCATE' is deprecated; review https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/#dns-auto-allocation-v2 for information about replacement functionality"
                .to_owned(),
        );
    }
    v.prefixed(
        "invalid proxy admin port:",
        one(validate_port(i64::from(pc.proxy_admin_port))),
    );
    if !matches!(
        pc.control_plane_auth_policy,
        AuthenticationPolicy::None | AuthenticationPolicy::MutualTls
    ) {
        v.error(format!(
            "invalid authentication policy: unrecognized control plane auth policy \"{}\"",
            pc.control_plane_auth_policy
        ));
    }
    v.prefixed(
        "invalid status port:",
        one(validate_port(i64::from(pc.status_port))),
    );
    if let Some(provider) = &pc.private_key_provider {
        v.prefixed(
            "invalid private key provider configuration:",
            validate_private_key_provider(provider),
        );
    }
    v
}

/// The optional `host:port` addresses of statsd, metrics and access-log services.
fn validate_service_addresses(pc: &ProxyConfig, v: &mut Validation) {
    let remote = |service: &Option<RemoteService>| {
        service
            .as_ref()
            .map_or("", |s| s.address.as_str())
            .to_owned()
    };
    let addresses = [
        ("invalid statsd udp address", pc.statsd_udp_address.clone()),
        (
            "invalid envoy metrics service address",
            pc.envoy_metrics_service_address.clone(),
        ),
        (
            "invalid envoy metrics service address",
            remote(&pc.envoy_metrics_service),
        ),
        (
            "invalid envoy access log service address",
            remote(&pc.envoy_access_log_service),
        ),
    ];
    for (what, address) in addresses {
        if !address.is_empty() {
            v.prefixed(
                &format!("{what} {address:?}:"),
                one(validate_proxy_address(&address)),
            );
        }
    }
}

fn one(result: Result<(), String>) -> Result<(), Vec<String>> {
    result.map_err(|e| vec![e])
}

fn validate_tracing(pc: &ProxyConfig, v: &mut Validation) {
    let Some(tracing) = &pc.tracing else {
        return;
    };
    if let Some(lightstep) = &tracing.lightstep {
        let mut errors = Vec::new();
        if lightstep.address.is_empty() {
            errors.push("address is required".to_owned());
        }
        if let Err(e) = validate_proxy_address(&lightstep.address) {
            errors.push(format!("invalid lightstep address: {e}"));
        }
        if lightstep.access_token.is_empty() {
            errors.push("access token is required".to_owned());
        }
        v.prefixed(
            "invalid lightstep config:",
            if errors.is_empty() {
                Ok(())
            } else {
                Err(errors)
            },
        );
    }
    for (what, collector) in [("zipkin", &tracing.zipkin), ("datadog", &tracing.datadog)] {
        if let Some(collector) = collector {
            let address = collector.address.replacen("$(HOST_IP)", "127.0.0.1", 1);
            v.prefixed(
                &format!("invalid {what} config:"),
                one(validate_proxy_address(&address)),
            );
        }
    }
    if let Some(tls) = &tracing.tls_settings {
        v.prefixed("invalid tracing TLS config:", validate_tls(tls));
    }
}

/// `ValidateDrainDuration`: at least 1ms, whole milliseconds, then whole seconds.
fn validate_drain_duration(drain: Option<Duration>) -> Vec<String> {
    let nanos = drain.map_or(0, Duration::as_nanos);
    if let Err(e) = validate_duration(nanos) {
        return vec![format!("invalid drain duration: {e}")];
    }
    if nanos % SECOND != 0 {
        return vec!["drain time only supports durations to seconds precision".to_owned()];
    }
    Vec::new()
}

/// `ValidateDuration`.
fn validate_duration(nanos: i64) -> Result<(), String> {
    if nanos < MILLISECOND {
        return Err("duration must be greater than 1ms".to_owned());
    }
    if nanos % MILLISECOND != 0 {
        return Err("only durations to ms precision are supported".to_owned());
    }
    Ok(())
}

/// `ValidateTLS` with an empty config namespace (as the ProxyConfig check calls it).
fn validate_tls(tls: &ClientTlsSettings) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if let Some(resource) = tls.credential_name.strip_prefix("configmap://") {
        errors.push(format!(
            "invalid configmap:// credentialName: {}",
            configmap_problem(&tls.credential_name, resource)
        ));
    }
    if tls.insecure_skip_verify == Some(true) {
        let has_sans = !tls.subject_alt_names.is_empty();
        if tls.mode == TlsMode::Simple
            && (!tls.ca_certificates.is_empty() || !tls.credential_name.is_empty() || has_sans)
        {
            errors.push("cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true".to_owned());
        }
        if tls.mode == TlsMode::Mutual && (!tls.ca_certificates.is_empty() || has_sans) {
            errors.push("cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true".to_owned());
        }
    }
    let simple_or_mutual = matches!(tls.mode, TlsMode::Simple | TlsMode::Mutual);
    if simple_or_mutual && !tls.credential_name.is_empty() {
        let files = [
            &tls.client_certificate,
            &tls.ca_certificates,
            &tls.private_key,
            &tls.ca_crl,
        ];
        if files.iter().any(|f| !f.is_empty()) {
            errors.push("cannot specify client certificates or CA certificate or CA CRL If credentialName is set".to_owned());
        }
    } else if tls.mode == TlsMode::Mutual {
        if tls.client_certificate.is_empty() {
            errors.push("client certificate required for mutual tls".to_owned());
        }
        if tls.private_key.is_empty() {
            errors.push("private key required for mutual tls".to_owned());
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Why a `configmap://namespace/name` credential is refused (`credentials.ParseResourceName`):
/// a malformed name, or, since the ProxyConfig check passes no namespace, a namespace that
/// can never match.
fn configmap_problem(full: &str, resource: &str) -> String {
    let mut parts = resource.split('/');
    let (namespace, name) = (parts.next().unwrap_or_default(), parts.next());
    let q = crate::go::strconv::quote(full);
    match name {
        None => format!("invalid resource name {q}. Expected namespace and name"),
        Some(_) if namespace.is_empty() => format!("invalid resource name {q}. Expected namespace"),
        Some("") => format!("invalid resource name {q}. Expected name"),
        Some(_) => "namespace must match the configuration namespace \"\"".to_owned(),
    }
}

fn validate_private_key_provider(provider: &PrivateKeyProvider) -> Result<(), Vec<String>> {
    let check = |polling: &PrivateKeyPolling| match polling.poll_delay {
        None => Err(vec!["pollDelay is required".to_owned()]),
        Some(d) if d.seconds() == 0 && d.nanos() == 0 => {
            Err(vec!["pollDelay must be non zero".to_owned()])
        }
        Some(_) => Ok(()),
    };
    match (&provider.cryptomb, &provider.qat) {
        (Some(cryptomb), _) => check(cryptomb),
        (None, Some(qat)) => check(qat),
        (None, None) => Err(vec![
            "private key provider configuration is required".to_owned(),
            "unknown private key provider".to_owned(),
        ]),
    }
}

/// `ValidateMeshConfig`.
pub fn validate_mesh_config(mesh: &MeshConfig) -> Validation {
    let mut v = Validation::default();
    v.prefixed(
        "invalid proxy listen port:",
        one(validate_port(i64::from(mesh.proxy_listen_port))),
    );
    let connect = mesh.connect_timeout.map_or(0, Duration::as_nanos);
    let connect_check = validate_duration(connect).and_then(|()| {
        if (MILLISECOND..=HOUR).contains(&connect) {
            Ok(())
        } else {
            Err(format!(
                "time {} must be >1ms and <1h0m0s",
                duration_string(connect)
            ))
        }
    });
    v.prefixed("invalid connect timeout:", one(connect_check));
    let detection = mesh
        .protocol_detection_timeout
        .map_or(0, Duration::as_nanos);
    if detection != 0 && detection % MILLISECOND != 0 {
        v.error("invalid protocol detection timeout: only durations to ms precision are supported");
    }
    let proxy = validate_proxy_config(&mesh.default_config);
    v.errors.extend(proxy.errors);
    v.warnings.extend(proxy.warnings);
    validate_service_settings(mesh, &mut v);
    if let Err(e) = validate_trust_domain(&mesh.trust_domain) {
        v.error(format!("trustDomain: {e}"));
    }
    for (i, alias) in mesh.trust_domain_aliases.iter().enumerate() {
        if let Err(e) = validate_trust_domain(alias) {
            v.error(format!("trustDomainAliases[{i}], domain `{alias}` : {e}"));
        }
    }
    let curves = mesh
        .passthrough
        .get("meshMTLS")
        .and_then(|m| m.get("ecdhCurves").or_else(|| m.get("ecdh_curves")));
    if curves.is_some_and(|c| !c.is_null()) {
        v.error("mesh TLS does not support ECDH curves configuration");
    }
    v
}

fn validate_service_settings(mesh: &MeshConfig, v: &mut Validation) {
    let Some(Value::Array(settings)) = mesh.passthrough.get("serviceSettings") else {
        return;
    };
    for (i, setting) in settings.iter().enumerate() {
        let Some(Value::Array(hosts)) = setting.get("hosts") else {
            continue;
        };
        for host in hosts.iter().filter_map(Value::as_str) {
            if let Err(e) = validate_wildcard_domain(host) {
                v.error(format!("serviceSettings[{i}], host `{host}`: {e}"));
            }
        }
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
