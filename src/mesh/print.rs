//! The `PROXY_CONFIG` value: Istio's `protoToJSON(cleanProxyConfig(pc))`
//! (`pkg/kube/inject/template.go`). Fields still at `DefaultProxyConfig`'s value are cleared
//! (only those `cleanProxyConfig` lists), and the rest print as compact `jsonpb`: declaration
//! order, zero values omitted, map keys sorted, wrappers printed even when zero
//! (`"concurrency":0`), and strings escaped as Go's `encoding/json` escapes them (`<`, `>`, `&`,
//! U+2028 and U+2029 as `\u` escapes).

use super::protojson::Duration;
use super::proxy::ProxyConfig;
use super::proxy_types::AuthenticationPolicy;

/// `protoToJSON(cleanProxyConfig(pc))`, without the trailing newline the template adds.
/// For pods without `proxy.istio.io/config` this only depends on the mesh config, so callers
/// can compute it once per config snapshot.
pub fn proxy_config_json(pc: &ProxyConfig) -> String {
    match serde_json::to_string(&clean(pc)) {
        Ok(json) => escape_like_go(json),
        // Istio prints `{}` when marshalling fails; our types always serialise.
        Err(_) => "{}".to_owned(),
    }
}

/// `cleanProxyConfig`: clears the fields that equal `mesh.DefaultProxyConfig()`.
fn clean(pc: &ProxyConfig) -> ProxyConfig {
    let defaults = ProxyConfig::istio_default();
    let mut pc = pc.clone();
    if pc.config_path == defaults.config_path {
        pc.config_path.clear();
    }
    if pc.binary_path == defaults.binary_path {
        pc.binary_path.clear();
    }
    if pc.control_plane_auth_policy == defaults.control_plane_auth_policy {
        pc.control_plane_auth_policy = AuthenticationPolicy::default();
    }
    if pc.service_cluster.is_some() && pc.service_cluster == defaults.service_cluster {
        pc.service_cluster = None;
    }
    clear_if_equal(&mut pc.drain_duration, defaults.drain_duration);
    clear_if_equal(
        &mut pc.termination_drain_duration,
        defaults.termination_drain_duration,
    );
    if pc.discovery_address == defaults.discovery_address {
        pc.discovery_address.clear();
    }
    // envoyMetricsService, envoyAccessLogService, tracing and concurrency are unset in the
    // defaults; `proto.Equal` with unset only holds for unset, so they are never cleared.
    if pc.proxy_admin_port == defaults.proxy_admin_port {
        pc.proxy_admin_port = 0;
    }
    if pc.stat_name_length == defaults.stat_name_length {
        pc.stat_name_length = 0;
    }
    if pc.status_port == defaults.status_port {
        pc.status_port = 0;
    }
    pc
}

fn clear_if_equal(value: &mut Option<Duration>, default: Option<Duration>) {
    if *value == default {
        *value = None;
    }
}

/// Go's `encoding/json` HTML-safe escapes; these characters only occur inside JSON strings.
fn escape_like_go(json: String) -> String {
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{merge_proxy_config_annotation, TracingServiceName};
    use rstest::rstest;

    fn with(edit: impl FnOnce(&mut ProxyConfig)) -> ProxyConfig {
        let mut pc = ProxyConfig::istio_default();
        edit(&mut pc);
        pc
    }

    #[rstest]
    #[case::default(ProxyConfig::istio_default(), "{}")]
    #[case::empty(ProxyConfig::default(), "{}")]
    #[case::drain(with(|pc| pc.drain_duration = Some(Duration::from_secs(23))), r#"{"drainDuration":"23s"}"#)]
    #[case::fractional_drain(with(|pc| pc.drain_duration = Some(Duration::from_nanos(1_500_000_000))), r#"{"drainDuration":"1.500s"}"#)]
    #[case::drain_unset(with(|pc| pc.drain_duration = None), "{}")]
    #[case::tproxy(with(|pc| pc.interception_mode = crate::mesh::InterceptionMode::Tproxy), r#"{"interceptionMode":"TPROXY"}"#)]
    #[case::tracing(with(|pc| pc.tracing = Some(Default::default())), r#"{"tracing":{}}"#)]
    #[case::hold(with(|pc| pc.hold_application_until_proxy_starts = Some(false)), r#"{"holdApplicationUntilProxyStarts":false}"#)]
    #[case::cluster(with(|pc| pc.service_cluster = Some(String::new())), r#"{"serviceCluster":""}"#)]
    #[case::tracing_name(
        with(|pc| { pc.service_cluster = None; pc.tracing_service_name = Some(TracingServiceName::AppLabelAndNamespace) }),
        r#"{"tracingServiceName":"APP_LABEL_AND_NAMESPACE"}"#
    )]
    #[case::overrides(
        with(|pc| {
            pc.config_path = "/foo/bar".into();
            pc.drain_duration = Some(Duration::from_secs(7));
            pc.proxy_metadata.insert("foo".into(), "barr".into());
        }),
        r#"{"configPath":"/foo/bar","drainDuration":"7s","proxyMetadata":{"foo":"barr"}}"#
    )]
    #[case::auth_none(with(|pc| pc.control_plane_auth_policy = AuthenticationPolicy::None), "{}")]
    #[case::html(with(|pc| { pc.proxy_metadata.insert("Q".into(), "a<b>&c\u{2028}".into()); }), r#"{"proxyMetadata":{"Q":"a\u003cb\u003e\u0026c\u2028"}}"#)]
    fn prints_like_istio(#[case] pc: ProxyConfig, #[case] want: &str) {
        assert_eq!(proxy_config_json(&pc), want);
    }

    /// Istio's TestCleanProxyConfig: the printed form applied back over the defaults gives
    /// the same ProxyConfig.
    #[rstest]
    #[case(ProxyConfig::istio_default())]
    #[case(with(|pc| { pc.config_path = "/foo/bar".into(); pc.drain_duration = Some(Duration::from_secs(7)); pc.proxy_metadata.insert("foo".into(), "barr".into()); }))]
    #[case(with(|pc| { pc.concurrency = Some(0); pc.tracing = Some(Default::default()); pc.status_port = 15021; }))]
    fn printed_form_round_trips(#[case] pc: ProxyConfig) {
        let printed = proxy_config_json(&pc);
        let back = merge_proxy_config_annotation(&ProxyConfig::istio_default(), &printed).unwrap();
        assert_eq!(back, pc, "{printed}");
    }
}
