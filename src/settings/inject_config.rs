//! The `istio-sidecar-injector` ConfigMap's `data.config` (Istio's `inject.Config`), as
//! `istioctl kube-inject` reads it from the cluster or from `--injectConfigFile`.
//!
//! istioctl takes only the templates from it: kube-inject always injects (policy `enabled`,
//! no selectors), defaults to the `sidecar` template and adds no `injectedAnnotations`. We
//! still parse and type-check every field, so a broken file is refused as Istio refuses it.
//!
//! Templates named like Istio's stock ones, with Istio 1.30.3's stock text, are rendered by our
//! code (which reproduces them from the values); any other template, including a stock-named
//! one whose text differs (edited through `sidecarInjectorWebhook.templates`, or another Istio
//! version's), is parsed by our Go-template engine and rendered as written, as Istio would. A file that is not an `inject.Config` mapping with
//! templates is, as in istioctl, one template: the `sidecar` template itself.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::Deserialize;
use serde_json::Value;

use super::SettingsError;

/// Templates Istio 1.30.3's chart puts in `data.config`; we render the ones we support as code
/// and ignore the text of all of them.
pub const STOCK_TEMPLATES: [&str; 8] = [
    "sidecar",
    "gateway",
    "grpc-simple",
    "grpc-agent",
    "waypoint",
    "kube-gateway",
    "agentgateway",
    "agentgateway-waypoint",
];

/// Istio's `inject.Config` (the fields it defines; unknown ones are ignored, as Go does).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InjectConfig {
    pub policy: String,
    pub always_inject_selector: Vec<LabelSelector>,
    pub never_inject_selector: Vec<LabelSelector>,
    pub injected_annotations: BTreeMap<String, String>,
    pub template: String,
    pub templates: BTreeMap<String, String>,
    pub default_templates: Vec<String>,
    pub aliases: BTreeMap<String, Vec<String>>,
}

/// Where the config came from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// An `inject.Config` mapping.
    Config,
    /// A bare template (the file is the `sidecar` template).
    Template,
}

impl InjectConfig {
    /// Parses `data.config` text. `what` names the source in errors.
    pub fn parse(text: &str, what: &'static str) -> Result<(InjectConfig, Form), SettingsError> {
        let tree = crate::yaml::parse_value(text).ok().flatten();
        let has_templates = tree
            .as_ref()
            .and_then(|t| t.get("templates"))
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty());
        let Some(tree) = tree.filter(|_| has_templates) else {
            // istioctl's readInjectConfigFile: not a Config with templates, so a template.
            let cfg = InjectConfig {
                templates: BTreeMap::from([("sidecar".to_string(), text.to_string())]),
                ..InjectConfig::default()
            };
            return Ok((cfg, Form::Template));
        };
        let cfg: InjectConfig =
            serde_path_to_error::deserialize(&tree).map_err(|e| SettingsError::Invalid {
                what,
                reason: format!("{}: {}", e.path(), e.inner()),
            })?;
        Ok((cfg, Form::Config))
    }

    /// The templates to use as custom ones: all of a bare template file; from a Config, those
    /// that are not Istio 1.30.3's stock templates ([`is_stock`]).
    pub fn custom_templates(&self, form: Form) -> impl Iterator<Item = (&String, &String)> {
        self.templates
            .iter()
            .filter(move |(name, text)| form == Form::Template || !is_stock(name, text))
    }
}

/// FNV-1a (64 bits) of Istio 1.30.3's stock templates as its chart writes them into
/// `data.config` (`.Files.Get … | trim`). A hash, not the text: enough to tell an untouched
/// stock template from an edited one (checked against the Istio module by the oracle suite).
pub const STOCK_TEXT_FNV: [(&str, u64); 7] = [
    ("sidecar", 0x11bb_84e2_7b09_aae7),
    ("gateway", 0xaa47_5fe3_c9ce_5eca),
    ("grpc-simple", 0xdb8e_c4b2_6926_3512),
    ("grpc-agent", 0x53d2_010f_dde3_d0b8),
    ("waypoint", 0xeed1_ba41_0ef8_6a20),
    ("kube-gateway", 0x3283_5af8_5a5f_f921),
    ("agentgateway", 0xbaea_7504_244c_9172),
];

/// Whether `text` is Istio 1.30.3's stock template `name` (a stock name whose text we don't
/// know is taken as stock, as before: we never render it).
pub fn is_stock(name: &str, text: &str) -> bool {
    if !STOCK_TEMPLATES.contains(&name) {
        return false;
    }
    match STOCK_TEXT_FNV.iter().find(|(n, _)| *n == name) {
        Some((_, want)) => fnv1a(text.trim().as_bytes()) == *want,
        None => true,
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_keeps_custom_and_edited_templates() {
        let text = "policy: enabled\nneverInjectSelector:\n- matchLabels: {a: b}\ninjectedAnnotations: {x: z}\ndefaultTemplates: [sidecar]\ntemplates:\n  sidecar: |\n    spec: {}\n  agentgateway-waypoint: x\n  custom: |\n    metadata:\n      labels: {c: d}\n";
        let (cfg, form) = InjectConfig::parse(text, "test").unwrap();
        assert_eq!(form, Form::Config);
        assert_eq!(cfg.policy, "enabled");
        assert_eq!(cfg.never_inject_selector.len(), 1);
        assert_eq!(cfg.injected_annotations["x"], "z");
        // `sidecar` is not the stock text: an edited template, rendered as written.
        let custom: Vec<&String> = cfg.custom_templates(form).map(|(n, _)| n).collect();
        assert_eq!(custom, ["custom", "sidecar"]);
    }

    #[test]
    fn stock_text_is_recognised_by_its_hash_whatever_the_surrounding_space() {
        // FNV-1a's published test vectors, then the rule on a made-up table entry.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        assert!(!is_stock("custom", "anything"));
        assert!(!is_stock("sidecar", "spec: {}"));
        assert!(is_stock("agentgateway-waypoint", "unknown text"));
    }

    #[test]
    fn a_bare_template_is_the_sidecar_template() {
        let text =
            "spec:\n  containers:\n  - name: istio-proxy\n    image: {{ .Values.global.hub }}/x\n";
        let (cfg, form) = InjectConfig::parse(text, "test").unwrap();
        assert_eq!(form, Form::Template);
        let custom: Vec<&String> = cfg.custom_templates(form).map(|(n, _)| n).collect();
        assert_eq!(custom, ["sidecar"]);
    }

    #[test]
    fn a_wrongly_typed_field_is_refused_with_its_path() {
        let err = InjectConfig::parse(
            "templates: {a: 'x'}\nneverInjectSelector: 3\n",
            "--injectConfigFile",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--injectConfigFile"), "{err}");
        assert!(err.contains("neverInjectSelector"), "{err}");
    }
}
