//! The `istio-sidecar-injector` ConfigMap's `data.config` (Istio's `inject.Config`), as
//! `istioctl kube-inject` reads it from the cluster or from `--injectConfigFile`.
//!
//! istioctl takes only the templates from it: kube-inject always injects (policy `enabled`,
//! no selectors), defaults to the `sidecar` template and adds no `injectedAnnotations`. We
//! still parse and type-check every field, so a broken file is refused as Istio refuses it.
//!
//! Templates named like Istio's stock ones are rendered by our code (which reproduces Istio
//! 1.30.3's stock templates from the values); any other template is parsed by our Go-template
//! engine and used as a custom template. A file that is not an `inject.Config` mapping with
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
    /// that are not Istio's stock templates.
    pub fn custom_templates(&self, form: Form) -> impl Iterator<Item = (&String, &String)> {
        self.templates.iter().filter(move |(name, _)| {
            form == Form::Template || !STOCK_TEMPLATES.contains(&name.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_keeps_custom_templates_only() {
        let text = "policy: enabled\nneverInjectSelector:\n- matchLabels: {a: b}\ninjectedAnnotations: {x: z}\ndefaultTemplates: [sidecar]\ntemplates:\n  sidecar: |\n    spec: {}\n  custom: |\n    metadata:\n      labels: {c: d}\n";
        let (cfg, form) = InjectConfig::parse(text, "test").unwrap();
        assert_eq!(form, Form::Config);
        assert_eq!(cfg.policy, "enabled");
        assert_eq!(cfg.never_inject_selector.len(), 1);
        assert_eq!(cfg.injected_annotations["x"], "z");
        let custom: Vec<&String> = cfg.custom_templates(form).map(|(n, _)| n).collect();
        assert_eq!(custom, ["custom"]);
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
