//! Every pod annotation and label injection reads, in one table (`ANNOTATIONS`), with the
//! value check Istio runs before injecting (`validate`).
//!
//! Design: the table is static data (names, istio/api stability, a one-line meaning of our
//! own, an optional `Rule`); the rest of the crate spells names only through the constants
//! re-exported here. `validate` reproduces Istio's `validateAnnotations`
//! (`pkg/kube/inject/validate.go`): each rule accepts exactly what Istio's Go code accepts,
//! which means the Go parsers it relies on (`crate::go`; `crate::mesh`, the one ProxyConfig
//! engine, for `proxy.istio.io/config`) rather than Rust's, whose grammars differ at the edges.
//! Nothing here compiles anything per call; a validation is a handful of map look-ups and
//! string scans, plus reading `proxy.istio.io/config` when a pod carries it, whose result
//! `validate` hands on so the pod's ProxyConfig is not read twice.
//! `docs/annotations.md` is generated from the table and a test keeps it in sync.

mod rules;
mod table;

pub use crate::go::quantity::QuantityError;
pub use rules::{InterfaceError, PortError, Rule, RuleError};
pub use table::*;

use crate::mesh::ProxyConfigAnnotation;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use thiserror::Error;

/// Where a name lives on the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Annotation,
    Label,
}

/// Feature status, as istio/api declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stability {
    Alpha,
    Beta,
    Stable,
}

/// Who defines a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Declared in istio/api (`annotation/annotations.yaml` or `label/labels.yaml`).
    IstioApi,
    /// Used by Istio's injection templates but not declared in istio/api.
    Istio,
    /// Owned by another project or convention, named here.
    External(&'static str),
}

/// One annotation or label injection reads.
#[derive(Debug)]
pub struct AnnotationSpec {
    pub name: &'static str,
    pub kind: Kind,
    /// `None` when istio/api does not declare the name (see `origin`).
    pub stability: Option<Stability>,
    pub deprecated: bool,
    pub origin: Origin,
    /// One line, in our words.
    pub summary: &'static str,
    /// The check Istio runs on the value before injecting, if any.
    pub rule: Option<Rule>,
}

/// An annotation whose value Istio refuses; injection must fail with this.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "invalid value '{}' for annotation '{name}': {source}",
    crate::text::elide(value)
)]
pub struct AnnotationError {
    pub name: &'static str,
    pub value: String,
    /// Boxed to keep `Result<(), AnnotationError>` small on the happy path.
    pub source: Box<RuleError>,
}

/// The annotation (else label) named `name`.
pub fn lookup(name: &str) -> Option<&'static AnnotationSpec> {
    lookup_kind(Kind::Annotation, name).or_else(|| lookup_kind(Kind::Label, name))
}

/// The names of the table's labels: every pod label the injector reads. Listed once.
pub fn label_names() -> &'static [&'static str] {
    static NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        ANNOTATIONS
            .iter()
            .filter(|s| s.kind == Kind::Label)
            .map(|s| s.name)
            .collect()
    });
    &NAMES
}

/// The entry of the given kind named `name` (`sidecar.istio.io/inject` is both).
pub fn lookup_kind(kind: Kind, name: &str) -> Option<&'static AnnotationSpec> {
    ANNOTATIONS
        .iter()
        .find(|s| s.kind == kind && s.name == name)
}

/// What [`validate`] read on the way, so nothing reads it again.
#[derive(Debug, Default, PartialEq)]
pub struct Checked {
    /// The pod's `proxy.istio.io/config`, parsed and checked.
    pub proxy_config: Option<ProxyConfigAnnotation>,
}

/// Istio's `validateAnnotations`: every annotation with a rule that is present on the pod
/// is checked, and the first failure is returned. Istio walks a Go map, so its order is
/// random and it reports every failure; ours is the order of Istio's validator table.
pub fn validate(annotations: &BTreeMap<String, String>) -> Result<Checked, AnnotationError> {
    let mut checked = Checked::default();
    for spec in ANNOTATIONS.iter().filter(|s| s.kind == Kind::Annotation) {
        let (Some(rule), Some(value)) = (spec.rule, annotations.get(spec.name)) else {
            continue;
        };
        let refused = |source| AnnotationError {
            name: spec.name,
            value: value.clone(),
            source: Box::new(source),
        };
        if rule == Rule::ProxyConfig {
            let parsed = ProxyConfigAnnotation::parse(value)
                .map_err(|e| refused(RuleError::ProxyConfig(e)))?;
            checked.proxy_config = Some(parsed);
        } else {
            rule.check(value).map_err(refused)?;
        }
    }
    Ok(checked)
}

/// The reference table in Markdown, as committed in `docs/annotations.md`.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "# Annotations and labels read by injection\n\n\
         Generated from `src/annotations/table.rs` by `annotations::markdown_table()`; \
         a unit test fails when this file is out of date.\n\
         Stability and deprecation are istio/api's (as pinned by Istio 1.30.3); \
         \"—\" means istio/api does not declare the name. \
         \"Checked\" means injection refuses a pod whose value Istio would refuse.\n",
    );
    for (kind, title) in [(Kind::Annotation, "Annotations"), (Kind::Label, "Labels")] {
        let mut rows: Vec<&AnnotationSpec> =
            ANNOTATIONS.iter().filter(|s| s.kind == kind).collect();
        rows.sort_by_key(|s| s.name);
        let _ = write!(
            out,
            "\n## {title}\n\n| Name | Meaning | Stability | Deprecated | Checked | Defined by |\n\
             |---|---|---|---|---|---|\n"
        );
        for s in rows {
            let stability = s.stability.map_or("—", |st| match st {
                Stability::Alpha => "Alpha",
                Stability::Beta => "Beta",
                Stability::Stable => "Stable",
            });
            let origin = match s.origin {
                Origin::IstioApi => "istio/api",
                Origin::Istio => "Istio",
                Origin::External(who) => who,
            };
            let yes_no = |b: bool| if b { "yes" } else { "no" };
            let _ = writeln!(
                out,
                "| `{}` | {} | {stability} | {} | {} | {origin} |",
                s.name,
                s.summary.replace('|', "\\|"),
                yes_no(s.deprecated),
                yes_no(s.rule.is_some()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
