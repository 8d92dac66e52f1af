//! The immutable settings snapshot a request works against.
//!
//! Everything that can be computed from settings alone (selectors, parsed custom templates, the
//! default ProxyConfig view and its `PROXY_CONFIG` text) is computed here, once, so the per-pod
//! path only reads. A pod's `proxy.istio.io/config` annotation is the one per-pod merge.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::proxy_view::{self, ProxyConfigAnnotationError, ProxyView};
use super::rules::Rules;
use super::values::Values;
use super::SettingsError;
use crate::annotations as a;
use crate::mesh::{self, MeshConfig};
use crate::template::Template;

#[derive(Debug)]
pub struct Snapshot {
    pub values: Values,
    pub mesh: MeshConfig,
    pub rules: Rules,
    default_proxy: ProxyView,
    custom: BTreeMap<String, Template>,
    /// Accepted but suspicious settings (unknown keys, enum values in the wrong case).
    warnings: Vec<String>,
    /// The Go encodings of injected elements, kept for the next pods (the fast path's).
    pub encodings: crate::goenc::Recent,
    /// The fast path's rendered overlays, kept for the next pods (`inject::fast::rendered`).
    pub rendered: Scratch,
}

/// A cache a layer above keeps per snapshot: made on first use, dropped with the snapshot,
/// so nothing in it outlives the settings it was computed from. Typed by its one user.
#[derive(Default)]
pub struct Scratch(std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>);

impl Scratch {
    /// The cache, made by `init` on first use; `None` if it holds another type (a cache is
    /// an optimisation: its users work without one).
    pub fn get_or_init<T: std::any::Any + Send + Sync>(
        &self,
        init: impl FnOnce() -> T,
    ) -> Option<&T> {
        self.0.get_or_init(|| Box::new(init())).downcast_ref()
    }
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Scratch(kept)"
        } else {
            "Scratch(empty)"
        })
    }
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
        let rules = Rules::from_values(&values);
        let mut custom = BTreeMap::new();
        for (name, text) in &values.sidecar_injector_webhook.templates {
            let t = Template::parse(name, text).map_err(|e| SettingsError::Refused {
                problems: vec![format!(
                    "values: sidecarInjectorWebhook.templates.{name}: {e}"
                )],
            })?;
            custom.insert(name.clone(), t);
        }
        let default_proxy = proxy_view::from_mesh(&mesh);
        let mut snap = Snapshot {
            values,
            mesh,
            rules,
            default_proxy,
            custom,
            warnings,
            encodings: crate::goenc::Recent::default(),
            rendered: Scratch::default(),
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

    /// A custom template by name (from the values or an injector config).
    pub fn custom_template(&self, name: &str) -> Option<&Template> {
        self.custom.get(name)
    }

    /// The custom templates' names, in order.
    pub fn custom_template_names(&self) -> impl Iterator<Item = &str> {
        self.custom.keys().map(String::as_str)
    }

    /// Adds the custom templates of an injector config (`data.config`, `--injectConfigFile`).
    pub fn add_inject_config(
        &mut self,
        cfg: &super::inject_config::InjectConfig,
        form: super::inject_config::Form,
    ) -> Result<(), SettingsError> {
        for (name, text) in cfg.custom_templates(form) {
            let edited_stock = form == super::inject_config::Form::Config
                && super::inject_config::STOCK_TEMPLATES.contains(&name.as_str());
            let t = match Template::parse(name, text) {
                Ok(t) => t,
                // Another Istio version's stock template may use what our engine lacks: that
                // one template falls back to 1.30.3's, said once, rather than refusing them all.
                Err(e) if edited_stock => {
                    self.warnings.push(format!(
                        "injection config: template {name} is not Istio 1.30.3's and does not parse here ({e}); 1.30.3's stock {name} template is used instead"
                    ));
                    continue;
                }
                Err(e) => {
                    return Err(SettingsError::Invalid {
                        what: "injection template",
                        reason: format!("{name}: {e}"),
                    })
                }
            };
            if edited_stock {
                self.warnings.push(format!(
                    "injection config: template {name} is not Istio 1.30.3's stock text (edited, or another Istio version's): rendered as written"
                ));
            }
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

    /// The ProxyConfig view of a pod without `proxy.istio.io/config`.
    pub fn default_proxy(&self) -> &ProxyView {
        &self.default_proxy
    }

    /// The ProxyConfig view for a pod: the mesh default, or the pod's `proxy.istio.io/config`
    /// (read and checked by `annotations::validate`) merged over it.
    pub fn proxy_view(
        &self,
        annotation: Option<&mesh::ProxyConfigAnnotation>,
    ) -> Result<Cow<'_, ProxyView>, ProxyConfigAnnotationError> {
        match annotation {
            None => Ok(Cow::Borrowed(&self.default_proxy)),
            Some(annotation) => {
                let pc = annotation
                    .merge_over(self.mesh.default_config())
                    .map_err(|source| ProxyConfigAnnotationError { source })?;
                // Only the ProxyConfig changed: everything read from the mesh stays shared.
                Ok(Cow::Owned(proxy_view::with_proxy_config(
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
        if let Some(t) = annotations.get(a::SIDECAR_PROXY_IMAGE_TYPE) {
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

    /// The mesh default status port (Istio rewrites probes to it).
    pub fn status_port(&self) -> i32 {
        self.default_proxy.status_port
    }

    /// MeshConfig `enablePrometheusMerge` (unset means on).
    pub fn prometheus_merge(&self) -> Option<bool> {
        self.mesh.enable_prometheus_merge()
    }
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
