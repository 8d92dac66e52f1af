//! The immutable settings snapshot a request works against.
//!
//! Everything that can be computed from settings alone (selectors, parsed custom templates, the
//! default ProxyConfig view and its `PROXY_CONFIG` text) is computed here, once, so the per-pod
//! path only reads. A pod's `proxy.istio.io/config` annotation is the one per-pod merge.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::mesh::{self, MeshConfig};
use super::values::Values;
use super::SettingsError;
use crate::decision::{Policy, Rules};
use crate::inject::InjectError;
use crate::render::context::{Context, ProxyView};
use crate::render::names as n;
use crate::render::RenderError;
use crate::selector::Selector;

/// Templates Istio ships, rendered here as code (also the canaries' template list).
pub const BUILT_IN: [&str; 4] = ["sidecar", "gateway", "grpc-simple", "grpc-agent"];

#[derive(Debug)]
pub struct Snapshot {
    pub values: Values,
    pub mesh: MeshConfig,
    pub rules: Rules,
    default_proxy: ProxyView,
    custom: BTreeMap<String, crate::template::Template>,
    /// Accepted but suspicious settings (unknown keys, enum values in the wrong case).
    warnings: Vec<String>,
}

impl Snapshot {
    /// Reads the values and mesh config files; `None` means Istio 1.30.3's defaults.
    pub fn load(values: Option<&Path>, mesh: Option<&Path>) -> Result<Snapshot, SettingsError> {
        let values = values.map(read).transpose()?;
        let mesh = mesh.map(read).transpose()?;
        Snapshot::from_strs(values.as_deref(), mesh.as_deref())
    }

    pub fn from_strs(values: Option<&str>, mesh: Option<&str>) -> Result<Snapshot, SettingsError> {
        let values = Values::from_yaml(values)?;
        let mut warnings = super::lint::values_warnings(&values.raw);
        let mesh = match mesh {
            Some(text) => {
                let loaded = mesh::MeshConfig::load(text)?;
                warnings.extend(loaded.warnings);
                loaded.config
            }
            None => MeshConfig::default(),
        };
        let rules = compile_rules(&values)?;
        let mut custom = BTreeMap::new();
        for (name, text) in &values.sidecar_injector_webhook.templates {
            let t = crate::template::Template::parse(name, text).map_err(|e| {
                SettingsError::Refused {
                    problems: vec![format!(
                        "values: sidecarInjectorWebhook.templates.{name}: {e}"
                    )],
                }
            })?;
            custom.insert(name.clone(), t);
        }
        let default_proxy = proxy_view(&mesh);
        let mut snap = Snapshot {
            values,
            mesh,
            rules,
            default_proxy,
            custom,
            warnings,
        };
        let images = super::image_ref::problems(&snap);
        snap.warnings
            .extend(images.into_iter().filter(|p| !p.refused).map(|p| p.message));
        Ok(snap)
    }

    /// [`Snapshot::load`], then [`Snapshot::check`]: what `serve` and `kube-inject` use, so
    /// settings that would fail injection never go live.
    pub fn load_checked(
        values: Option<&Path>,
        mesh: Option<&Path>,
    ) -> Result<Snapshot, SettingsError> {
        let snap = Snapshot::load(values, mesh)?;
        snap.check()?;
        Ok(snap)
    }

    /// Settings Istio accepts but that look like slips, each starting with `values:` or
    /// `mesh config:` and the key.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The templates this snapshot can render: Istio's built-in ones, then the custom ones.
    pub fn template_names(&self) -> Vec<String> {
        BUILT_IN
            .iter()
            .map(|s| s.to_string())
            .chain(
                self.custom
                    .keys()
                    .filter(|k| !BUILT_IN.contains(&k.as_str()))
                    .cloned(),
            )
            .collect()
    }

    /// Adds the custom templates of an injector config (`data.config`, `--injectConfigFile`).
    pub fn add_inject_config(
        &mut self,
        cfg: &super::inject_config::InjectConfig,
        form: super::inject_config::Form,
    ) -> Result<(), SettingsError> {
        for (name, text) in cfg.custom_templates(form) {
            let t = crate::template::Template::parse(name, text).map_err(|e| {
                SettingsError::Invalid {
                    what: "injection template",
                    reason: format!("{name}: {e}"),
                }
            })?;
            self.custom.insert(name.clone(), t);
        }
        Ok(())
    }

    /// `kube-inject --revision`: the injector config of that revision.
    pub fn set_revision(&mut self, revision: &str) {
        self.values.revision = revision.to_string();
        if let Some(m) = self.values.raw.as_object_mut() {
            m.insert("revision".into(), Value::String(revision.to_string()));
        }
    }

    /// The ProxyConfig view for a pod: the mesh default, or the pod's `proxy.istio.io/config` merged over it.
    pub fn proxy_view(&self, annotation: Option<&str>) -> Result<Cow<'_, ProxyView>, InjectError> {
        match annotation {
            None => Ok(Cow::Borrowed(&self.default_proxy)),
            Some(text) => {
                let pc = mesh::merge_proxy_config_annotation(self.mesh.default_config(), text)
                    .map_err(|e| {
                        InjectError::InvalidAnnotation(format!(
                            "invalid annotation {}: {e}",
                            n::PROXY_CONFIG
                        ))
                    })?;
                // Only the ProxyConfig changed: everything read from the mesh stays shared.
                Ok(Cow::Owned(with_proxy_config(
                    &pc,
                    self.default_proxy.clone(),
                )))
            }
        }
    }

    /// Istio's `ProxyImage`: hub/image:tag, with the image type (variant) from values, the
    /// ProxyConfig, or the `sidecar.istio.io/proxyImageType` annotation.
    pub fn proxy_image(
        &self,
        proxy_image_type: Option<&str>,
        annotations: &BTreeMap<String, String>,
    ) -> String {
        let g = &self.values.global;
        let mut image_type = proxy_image_type.unwrap_or(&g.variant).to_string();
        if let Some(t) = annotations.get(n::PROXY_IMAGE_TYPE) {
            image_type = t.clone();
        }
        let name = if g.proxy.image.is_empty() {
            "proxyv2"
        } else {
            &g.proxy.image
        };
        format!(
            "{}/{}:{}",
            g.hub,
            name,
            tag_with_type(&self.values.tag(), &image_type)
        )
    }

    /// `inject.istio.io/templates`, else `sidecarInjectorWebhook.defaultTemplates` (not for
    /// kube-inject: istioctl always defaults to `sidecar`), else `sidecar`.
    pub fn select_templates(
        &self,
        annotations: &BTreeMap<String, String>,
        kube_inject: bool,
    ) -> Vec<String> {
        if let Some(list) = annotations.get(n::INJECT_TEMPLATES) {
            return list.split(',').map(|s| s.trim().to_string()).collect();
        }
        let defaults = &self.values.sidecar_injector_webhook.default_templates;
        if defaults.is_empty() || kube_inject {
            vec!["sidecar".into()]
        } else {
            defaults.clone()
        }
    }

    /// Whether `name` is rendered by our code (not replaced by a custom template).
    pub fn is_built_in(&self, name: &str) -> bool {
        BUILT_IN.contains(&name) && !self.custom.contains_key(name)
    }

    /// Renders one template by name into its overlay.
    pub fn render_template(&self, name: &str, ctx: &Context<'_>) -> Result<Value, RenderError> {
        if let Some(t) = self.custom.get(name) {
            return crate::render::custom::render(t, name, ctx);
        }
        match name {
            "sidecar" => crate::render::sidecar::render(ctx),
            "gateway" => crate::render::gateway::render(ctx),
            "grpc-simple" => crate::render::grpc::render_simple(ctx),
            "grpc-agent" => crate::render::grpc::render_agent(ctx),
            _ => {
                let mut known: Vec<&str> = BUILT_IN.to_vec();
                known.extend(self.custom.keys().map(String::as_str));
                Err(RenderError::UnknownTemplate {
                    name: name.to_string(),
                    known: known.join(", "),
                })
            }
        }
    }

    /// The mesh default status port (Istio rewrites probes to it).
    pub fn status_port(&self) -> i32 {
        self.default_proxy.status_port
    }

    /// MeshConfig `enablePrometheusMerge` (unset means on).
    pub fn prometheus_merge(&self) -> Option<bool> {
        self.mesh.enable_prometheus_merge()
    }
}

fn compile_rules(values: &Values) -> Result<Rules, SettingsError> {
    let w = &values.sidecar_injector_webhook;
    let compile = |list: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector],
                   what: &str| {
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| match Selector::compile(s) {
                Ok(s) => Some(s),
                Err(e) => {
                    // Istio logs and ignores a bad selector; so do we, loudly.
                    tracing::warn!("ignoring sidecarInjectorWebhook.{what}[{i}]: {e}");
                    None
                }
            })
            .collect::<Vec<_>>()
    };
    Ok(Rules {
        policy: Policy::parse(&values.global.proxy.auto_inject),
        never: compile(&w.never_inject_selector, "neverInjectSelector"),
        always: compile(&w.always_inject_selector, "alwaysInjectSelector"),
        namespaces_by_default: w.enable_namespaces_by_default,
    })
}

fn proxy_view(mesh: &MeshConfig) -> ProxyView {
    let from_mesh = ProxyView {
        mesh_trust_domain: mesh.trust_domain().to_string(),
        proxy_listen_port: mesh.proxy_listen_port(),
        proxy_inbound_listen_port: mesh.proxy_inbound_listen_port(),
        inbound_policy_localhost: mesh.inbound_traffic_policy_mode() == "localhost",
        otel_semconv: mesh.otel_semantic_conventions(),
        mesh_config: std::sync::Arc::new(serde_json::to_value(mesh).unwrap_or(Value::Null)),
        ..ProxyView::default()
    };
    with_proxy_config(mesh.default_config(), from_mesh)
}

/// Fills the ProxyConfig half of a view, keeping the mesh half of `base`.
fn with_proxy_config(pc: &mesh::ProxyConfig, base: ProxyView) -> ProxyView {
    ProxyView {
        interception_mode: pc.interception_mode().to_string(),
        hold_application_until_proxy_starts: pc
            .hold_application_until_proxy_starts()
            .unwrap_or(false),
        proxy_metadata: pc.proxy_metadata().clone(),
        proxy_config_json: mesh::proxy_config_json(pc),
        status_port: pc.status_port(),
        image_type: pc.image_type().map(str::to_string),
        tracing_ca_dir: tracing_ca_dir(pc),
        proxy_config: std::sync::Arc::new(serde_json::to_value(pc).unwrap_or(Value::Null)),
        ..base
    }
}

/// Istio's `directory` of the tracing CA file (with the trailing slash `path.Split` keeps).
fn tracing_ca_dir(pc: &mesh::ProxyConfig) -> Option<String> {
    pc.tracing_tls_ca_certificates().map(|p| {
        p.rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"))
    })
}

/// Istio's `updateImageTypeIfPresent`: a known type suffix on the tag is replaced; `default` means none.
fn tag_with_type(tag: &str, image_type: &str) -> String {
    if image_type.is_empty() {
        return tag.to_string();
    }
    let mut base = tag;
    for known in ["distroless", "debug"] {
        if let Some(b) = tag.strip_suffix(&format!("-{known}")) {
            base = b;
            break;
        }
    }
    if image_type == "default" {
        base.to_string()
    } else {
        format!("{base}-{image_type}")
    }
}

fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::tag_with_type;

    #[test]
    fn image_types_replace_known_suffixes() {
        assert_eq!(tag_with_type("1.30.3", ""), "1.30.3");
        assert_eq!(tag_with_type("1.30.3", "distroless"), "1.30.3-distroless");
        assert_eq!(
            tag_with_type("1.30.3-debug", "distroless"),
            "1.30.3-distroless"
        );
        assert_eq!(tag_with_type("1.30.3-debug", "default"), "1.30.3");
    }
}
