//! Prometheus metrics merging: Istio's `applyPrometheusMerge` and its helpers.
//!
//! When merging is on and the Pod does not opt out of scraping, the Pod's own
//! `prometheus.io/{scrape,path,port}` annotations move into `ISTIO_PROMETHEUS_ANNOTATIONS` on
//! `istio-proxy` (so pilot-agent can scrape the app and merge it with Envoy's metrics), and the
//! annotations are replaced by ones pointing at pilot-agent's status port.
//!
//! Prometheus treats `prometheus.io/scrape`, `prometheus.io.scrape`, `prometheus-io/scrape`, …
//! alike because it sanitises annotation names into label names, so annotation keys are matched
//! the same way (`strutil.SanitizeLabelName`: every character outside `[a-zA-Z0-9_]` becomes
//! `_`). Istio walks a Go map, so when several spellings are present its choice is random; we
//! walk the annotations in key order, which makes the result deterministic.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, Pod};

use super::probes::{find_sidecar_mut, write_go_string};
use crate::annotations::{
    PROMETHEUS_MERGE_METRICS, PROMETHEUS_PATH, PROMETHEUS_PORT, PROMETHEUS_SCRAPE,
};
use crate::go::strconv;

/// The environment variable carrying the app's original scrape settings to pilot-agent.
pub const PROMETHEUS_ANNOTATIONS_ENV: &str = "ISTIO_PROMETHEUS_ANNOTATIONS";
/// Where pilot-agent serves the merged metrics.
pub const MERGED_METRICS_PATH: &str = "/stats/prometheus";

const SCRAPE: &str = "prometheus_io_scrape";
const PORT: &str = "prometheus_io_port";
const PATH: &str = "prometheus_io_path";

/// Whether `SanitizeLabelName(key) == sanitized`, without building the sanitised string.
/// `sanitized` is ASCII; each character of `key` becomes exactly one output character.
fn sanitizes_to(key: &str, sanitized: &str) -> bool {
    let mut want = sanitized.bytes();
    key.chars().all(|c| {
        let got = if c.is_ascii_alphanumeric() || c == '_' {
            c as u8
        } else {
            b'_'
        };
        want.next() == Some(got)
    }) && want.next().is_none()
}

/// The annotation wins when it parses as a Go boolean, then the mesh setting; merging is on
/// by default.
pub fn enable_prometheus_merge(
    mesh_merge_setting: Option<bool>,
    annotations: Option<&BTreeMap<String, String>>,
) -> bool {
    if let Some(raw) = annotations.and_then(|a| a.get(PROMETHEUS_MERGE_METRICS)) {
        match strconv::parse_bool(raw).ok() {
            Some(enabled) => return enabled,
            None => {
                tracing::warn!(annotation = PROMETHEUS_MERGE_METRICS, value = %raw, "invalid boolean; ignored")
            }
        }
    }
    mesh_merge_setting.unwrap_or(true)
}

/// Scraping is on unless a scrape annotation parses as false (the first that parses decides).
fn scrape_enabled(annotations: Option<&BTreeMap<String, String>>) -> bool {
    annotations
        .into_iter()
        .flatten()
        .filter(|(k, _)| sanitizes_to(k, SCRAPE))
        .find_map(|(_, v)| strconv::parse_bool(v).ok())
        .unwrap_or(true)
}

/// The first port annotation, in any spelling.
fn prometheus_port(annotations: Option<&BTreeMap<String, String>>) -> Option<&str> {
    annotations?
        .iter()
        .find(|(k, _)| sanitizes_to(k, PORT))
        .map(|(_, v)| v.as_str())
}

/// The app's own scrape settings (`status.PrometheusScrapeConfiguration`).
#[derive(Debug, Default, PartialEq, Eq)]
struct ScrapeConfiguration<'a> {
    scrape: &'a str,
    path: &'a str,
    port: &'a str,
}

impl<'a> ScrapeConfiguration<'a> {
    /// Later spellings overwrite earlier ones, as Istio's loop does.
    fn from_annotations(annotations: Option<&'a BTreeMap<String, String>>) -> Self {
        let mut cfg = Self::default();
        for (k, v) in annotations.into_iter().flatten() {
            if sanitizes_to(k, PORT) {
                cfg.port = v;
            } else if sanitizes_to(k, SCRAPE) {
                cfg.scrape = v;
            } else if sanitizes_to(k, PATH) {
                cfg.path = v;
            }
        }
        cfg
    }

    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Go's `json.Marshal`: fields in declaration order, none omitted.
    fn to_json(&self) -> String {
        let mut out =
            String::with_capacity(40 + self.scrape.len() + self.path.len() + self.port.len());
        out.push_str("{\"scrape\":");
        write_go_string(&mut out, self.scrape);
        out.push_str(",\"path\":");
        write_go_string(&mut out, self.path);
        out.push_str(",\"port\":");
        write_go_string(&mut out, self.port);
        out.push('}');
        out
    }
}

/// Removes every spelling of the three scrape annotations.
fn clear_prometheus_annotations(annotations: &mut BTreeMap<String, String>) {
    annotations.retain(|k, _| {
        !(sanitizes_to(k, SCRAPE) || sanitizes_to(k, PORT) || sanitizes_to(k, PATH))
    });
}

/// Istio's `applyPrometheusMerge`, run on the merged Pod. `mesh_merge_setting` is the mesh
/// config's `enablePrometheusMerge` (`None` when unset); `status_port` is
/// `defaultConfig.statusPort`.
///
/// A Pod whose port annotation already names the status port is taken as user-managed or
/// re-injected and left alone. The variable is only added when the Pod had any scrape setting
/// and has an `istio-proxy` container; the annotations are replaced either way.
pub fn apply_prometheus_merge(pod: &mut Pod, mesh_merge_setting: Option<bool>, status_port: i32) {
    let annotations = pod.metadata.annotations.as_ref();
    if !scrape_enabled(annotations) || !enable_prometheus_merge(mesh_merge_setting, annotations) {
        return;
    }
    let target_port = status_port.to_string();
    if prometheus_port(annotations) == Some(target_port.as_str()) {
        return;
    }
    let scrape = ScrapeConfiguration::from_annotations(annotations);
    let env = (!scrape.is_empty()).then(|| EnvVar {
        name: PROMETHEUS_ANNOTATIONS_ENV.to_owned(),
        value: Some(scrape.to_json()),
        value_from: None,
    });
    if let (Some(env), Some(sidecar)) = (env, find_sidecar_mut(pod)) {
        sidecar.env.get_or_insert_with(Vec::new).push(env);
    }
    // Prometheus would pick any one of several spellings, so all of them go before ours.
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    clear_prometheus_annotations(annotations);
    annotations.insert(PROMETHEUS_PORT.to_owned(), target_port);
    annotations.insert(PROMETHEUS_PATH.to_owned(), MERGED_METRICS_PATH.to_owned());
    annotations.insert(PROMETHEUS_SCRAPE.to_owned(), "true".to_owned());
}

/// The prometheus part of Istio's `stripPod`, for a Pod that carries a previous injection
/// status: if its port annotation points at our status port, the scrape annotations are ours
/// from last time and are removed before the template sees the Pod.
pub fn strip_previous_injection_prometheus(pod: &mut Pod, status_port: i32) {
    let target_port = status_port.to_string();
    if prometheus_port(pod.metadata.annotations.as_ref()) != Some(target_port.as_str()) {
        return;
    }
    if let Some(annotations) = pod.metadata.annotations.as_mut() {
        clear_prometheus_annotations(annotations);
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    const STATUS_PORT: i32 = 15020;

    fn pod(annotations: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"annotations": annotations},
            "spec": {"containers": [
                {"name": "app"},
                {"name": "istio-proxy", "env": [{"name": "TRUST_DOMAIN", "value": "cluster.local"}]}
            ]}
        }))
        .unwrap()
    }

    fn annotations(pod: &Pod) -> serde_json::Value {
        serde_json::to_value(&pod.metadata.annotations).unwrap()
    }

    fn proxy_env(pod: &Pod) -> Vec<(String, String)> {
        let spec = pod.spec.as_ref().unwrap();
        let proxy = spec
            .containers
            .iter()
            .find(|c| c.name == "istio-proxy")
            .unwrap();
        let env = proxy.env.as_deref().unwrap_or_default();
        env.iter()
            .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
            .collect()
    }

    fn ours() -> serde_json::Value {
        json!({"prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "15020", "prometheus.io/scrape": "true"})
    }

    #[rstest]
    #[case::canonical("prometheus.io/scrape", true)]
    #[case::dots("prometheus.io.scrape", true)]
    #[case::dash("prometheus-io/scrape", true)]
    #[case::already_sanitised("prometheus_io_scrape", true)]
    #[case::multibyte_is_one_underscore("prometheus\u{e9}io/scrape", true)]
    #[case::case_matters("Prometheus.io/scrape", false)]
    #[case::longer("prometheus.io/scrapes", false)]
    #[case::shorter("prometheus.io/scrap", false)]
    #[case::empty("", false)]
    fn annotation_spellings(#[case] key: &str, #[case] matches: bool) {
        assert_eq!(sanitizes_to(key, SCRAPE), matches);
    }

    #[rstest]
    #[case::default_on(None, None, true)]
    #[case::mesh_on(Some(true), None, true)]
    #[case::mesh_off(Some(false), None, false)]
    #[case::annotation_enables(Some(false), Some("true"), true)]
    #[case::annotation_disables(Some(true), Some("false"), false)]
    #[case::invalid_annotation_ignored(Some(false), Some("nope"), false)]
    fn merge_switch(
        #[case] mesh: Option<bool>,
        #[case] annotation: Option<&str>,
        #[case] want: bool,
    ) {
        let annotations: BTreeMap<String, String> = annotation
            .map(|v| (PROMETHEUS_MERGE_METRICS.to_owned(), v.to_owned()))
            .into_iter()
            .collect();
        assert_eq!(enable_prometheus_merge(mesh, Some(&annotations)), want);
    }

    /// Most goldens (hello-probes, status_params, …): no scrape annotations of their own.
    #[test]
    fn plain_pod_gets_our_annotations_and_no_env() {
        let mut p = pod(json!({}));
        apply_prometheus_merge(&mut p, Some(true), STATUS_PORT);
        assert_eq!(annotations(&p), ours());
        assert_eq!(proxy_env(&p).len(), 1);
    }

    /// prometheus-scrape / prometheus-scrape2: an explicit opt-out in any spelling.
    #[rstest]
    #[case::canonical(json!({"prometheus.io/scrape": "false"}))]
    #[case::dotted(json!({"prometheus.io.scrape": "false"}))]
    #[case::merge_off(json!({"prometheus.istio.io/merge-metrics": "false", "prometheus.io/port": "8080"}))]
    fn left_alone(#[case] given: serde_json::Value) {
        let mut p = pod(given.clone());
        let before = p.clone();
        apply_prometheus_merge(&mut p, Some(true), STATUS_PORT);
        assert_eq!(p, before);
    }

    /// merge-probers: the port already names the status port (re-injection).
    #[test]
    fn already_merged_is_left_alone() {
        let mut p = pod(ours());
        let before = p.clone();
        apply_prometheus_merge(&mut p, None, STATUS_PORT);
        assert_eq!(p, before);
    }

    #[test]
    fn app_settings_move_into_env() {
        let mut p = pod(
            json!({"prometheus.io/scrape": "true", "prometheus.io/port": "8080",
                               "prometheus.io/path": "/metrics", "other": "x"}),
        );
        apply_prometheus_merge(&mut p, None, STATUS_PORT);
        let mut want = ours();
        want["other"] = json!("x");
        assert_eq!(annotations(&p), want);
        assert_eq!(
            proxy_env(&p)[1],
            (
                PROMETHEUS_ANNOTATIONS_ENV.to_owned(),
                r#"{"scrape":"true","path":"/metrics","port":"8080"}"#.to_owned()
            )
        );
    }

    #[test]
    fn other_spellings_are_read_and_cleared() {
        let mut p = pod(json!({"prometheus.io.path": "/m?a&b", "prometheus-io/port": "9090"}));
        apply_prometheus_merge(&mut p, None, STATUS_PORT);
        assert_eq!(annotations(&p), ours());
        assert_eq!(
            proxy_env(&p)[1].1,
            r#"{"scrape":"","path":"/m?a\u0026b","port":"9090"}"#
        );
    }

    #[test]
    fn empty_values_add_no_env() {
        let mut p = pod(json!({"prometheus.io/scrape": ""}));
        apply_prometheus_merge(&mut p, None, STATUS_PORT);
        assert_eq!(annotations(&p), ours());
        assert_eq!(proxy_env(&p).len(), 1);
    }

    #[test]
    fn without_sidecar_only_annotations_change() {
        let mut p: Pod = serde_json::from_value(json!({
            "metadata": {"annotations": {"prometheus.io/port": "8080"}},
            "spec": {"containers": [{"name": "app"}]}
        }))
        .unwrap();
        apply_prometheus_merge(&mut p, None, STATUS_PORT);
        assert_eq!(annotations(&p), ours());
        assert!(p.spec.unwrap().containers[0].env.is_none());
    }

    #[test]
    fn pod_without_annotations() {
        let mut p: Pod =
            serde_json::from_value(json!({"spec": {"containers": [{"name": "istio-proxy"}]}}))
                .unwrap();
        apply_prometheus_merge(&mut p, None, STATUS_PORT);
        assert_eq!(annotations(&p), ours());
    }

    #[rstest]
    #[case::ours_cleared(json!({"prometheus.io/port": "15020", "prometheus.io.path": "/x", "a": "b"}), json!({"a": "b"}))]
    #[case::user_port_kept(json!({"prometheus.io/port": "8080", "prometheus.io/scrape": "true"}),
                           json!({"prometheus.io/port": "8080", "prometheus.io/scrape": "true"}))]
    #[case::no_port_kept(json!({"prometheus.io/scrape": "true"}), json!({"prometheus.io/scrape": "true"}))]
    fn strip_on_reinjection(#[case] given: serde_json::Value, #[case] want: serde_json::Value) {
        let mut p = pod(given);
        strip_previous_injection_prometheus(&mut p, STATUS_PORT);
        assert_eq!(annotations(&p), want);
    }
}
