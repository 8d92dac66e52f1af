//! The injector `values`: the tree Istio's `istio-sidecar-injector` ConfigMap carries
//! (`global.*`, `sidecarInjectorWebhook.*`, `revision`, `pilot.*`, `gateways.*`).
//!
//! A user file is deep-merged over Istio 1.30.3's released defaults (embedded), so a partial
//! file behaves as `helm install --set` would. We keep two views of the merged tree: the typed
//! [`Values`] the built-in templates read, and the raw JSON custom templates see as `.Values`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::Deserialize;
use serde_json::Value;

use super::SettingsError;

/// Istio 1.30.3's released values (`docker.io/istio/proxyv2:1.30.3`).
const DEFAULT_VALUES: &str = include_str!("defaults/values.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Values {
    #[serde(default)]
    pub global: Global,
    #[serde(default)]
    pub sidecar_injector_webhook: SidecarInjectorWebhook,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub pilot: Pilot,
    /// The merged tree as JSON, for custom templates (`.Values`).
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Global {
    pub hub: String,
    /// A string or a number in user files (`tag: 1.30`); printed as Go's `%v` would.
    pub tag: Value,
    pub variant: String,
    pub image_pull_policy: String,
    pub image_pull_secrets: Vec<String>,
    pub istio_namespace: String,
    pub logging: Logging,
    pub log_as_json: bool,
    #[serde(rename = "meshID")]
    pub mesh_id: String,
    pub multi_cluster: MultiCluster,
    pub network: String,
    pub pilot_cert_provider: String,
    pub ca_address: String,
    pub ca_name: String,
    pub mount_mtls_certs: bool,
    pub native_nftables: bool,
    pub trust_domain: String,
    pub trust_bundle_name: String,
    pub sds: Sds,
    pub sts: Sts,
    pub proxy: Proxy,
    pub proxy_init: ProxyInit,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Logging {
    pub level: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MultiCluster {
    pub cluster_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Sds {
    pub token: SdsToken,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SdsToken {
    pub aud: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sts {
    pub service_port: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Proxy {
    pub image: String,
    pub auto_inject: String,
    pub cluster_domain: String,
    pub component_log_level: String,
    pub log_level: String,
    #[serde(rename = "excludeIPRanges")]
    pub exclude_ip_ranges: String,
    #[serde(rename = "includeIPRanges")]
    pub include_ip_ranges: String,
    pub exclude_inbound_ports: String,
    pub include_inbound_ports: String,
    pub include_outbound_ports: String,
    pub exclude_outbound_ports: String,
    pub privileged: bool,
    /// Kept as JSON: Go's template prints whatever the file holds (`{{ .Values... }}`).
    pub readiness_failure_threshold: Value,
    pub readiness_initial_delay_seconds: Value,
    pub readiness_period_seconds: Value,
    pub status_port: Value,
    /// `null` and zero entries are meaningful (see `omitNil` in the template).
    pub resources: Value,
    pub seccomp_profile: Value,
    pub startup_probe: StartupProbe,
    pub tracer: String,
    pub hold_application_until_proxy_starts: Option<bool>,
    pub lifecycle: Value,
    pub outlier_log_path: String,
    /// Go's template compares `%v` of this with "true", so a string "true" counts too.
    pub cap_net_bind_service: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StartupProbe {
    pub enabled: bool,
    pub failure_threshold: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyInit {
    pub image: String,
    pub force_apply_iptables: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SidecarInjectorWebhook {
    pub never_inject_selector: Vec<LabelSelector>,
    pub always_inject_selector: Vec<LabelSelector>,
    pub injected_annotations: BTreeMap<String, String>,
    #[serde(rename = "rewriteAppHTTPProbe")]
    pub rewrite_app_http_probe: bool,
    pub default_templates: Vec<String>,
    pub templates: BTreeMap<String, String>,
    pub enable_namespaces_by_default: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pilot {
    pub cni: Cni,
    pub env: BTreeMap<String, Value>,
    pub crl_config_map_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Cni {
    pub enabled: bool,
    pub provider: String,
}

impl Values {
    /// Istio 1.30.3's defaults.
    pub fn defaults() -> Result<Values, SettingsError> {
        Values::from_yaml(None)
    }

    /// Parses a values file (YAML or JSON), merged over the defaults. `None` gives the defaults.
    pub fn from_yaml(user: Option<&str>) -> Result<Values, SettingsError> {
        let mut tree = parse_tree(DEFAULT_VALUES, "built-in values")?;
        if let Some(text) = user {
            let overlay = parse_tree(text, "values file")?;
            match overlay {
                // An empty file (or only comments) changes nothing.
                Value::Null => {}
                Value::Object(_) => deep_merge(&mut tree, overlay),
                _ => {
                    return Err(SettingsError::Invalid {
                        what: "values file",
                        reason: "the top level must be a mapping".into(),
                    })
                }
            }
        }
        let mut values: Values =
            serde_path_to_error::deserialize(&tree).map_err(|e| SettingsError::Invalid {
                what: "values file",
                reason: format!("{}: {}", e.path(), e.inner()),
            })?;
        values.raw = tree;
        Ok(values)
    }

    /// `global.tag` as Go's `fmt.Sprintf("%v", ...)` prints it.
    pub fn tag(&self) -> String {
        super::go_sprint(&self.global.tag)
    }

    /// Whether `global.proxy.capNetBindService` is on (the template compares its `%v` with "true").
    pub fn cap_net_bind_service(&self) -> String {
        super::go_sprint(&self.global.proxy.cap_net_bind_service)
    }
}

fn parse_tree(text: &str, what: &'static str) -> Result<Value, SettingsError> {
    // Istio reads values with Go's YAML library: go-yaml v2 scalars (`yes`, `0644`, …).
    let v =
        crate::yaml::parse_value(text).map_err(|reason| SettingsError::Invalid { what, reason })?;
    Ok(v.unwrap_or(Value::Null))
}

/// Maps merge key by key; anything else in `overlay` replaces (Helm's value merge).
pub(crate) fn deep_merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => deep_merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_istio_release() {
        let v = Values::defaults().unwrap();
        assert_eq!(v.global.hub, "docker.io/istio");
        assert_eq!(v.tag(), "1.30.3");
        assert_eq!(v.global.proxy.image, "proxyv2");
        assert!(v.sidecar_injector_webhook.rewrite_app_http_probe);
        assert_eq!(v.global.proxy.include_ip_ranges, "*");
    }

    #[test]
    fn partial_file_merges_over_defaults() {
        let v = Values::from_yaml(Some(
            "global:\n  proxy:\n    statusPort: 123\n  tag: 1.29\n",
        ))
        .unwrap();
        assert_eq!(super::super::go_sprint(&v.global.proxy.status_port), "123");
        assert_eq!(v.tag(), "1.29");
        assert_eq!(v.global.proxy.log_level, "warning");
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let v = Values::from_yaml(Some("# nothing here\n")).unwrap();
        assert_eq!(v.global.hub, "docker.io/istio");
    }

    #[test]
    fn bad_file_is_an_error_naming_it() {
        let e = Values::from_yaml(Some("global: [1, 2")).unwrap_err();
        assert!(e.to_string().contains("values file"), "{e}");
        let e = Values::from_yaml(Some("global:\n  proxy:\n    privileged: maybe\n")).unwrap_err();
        assert!(e.to_string().contains("privileged"), "{e}");
    }
}
