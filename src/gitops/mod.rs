//! GitOps helpers around `kube-inject`: `uninject`, `kube-inject --check` and
//! `kube-inject --output-format patch`.
//!
//! All three drive the same engine as `kube-inject` ([`crate::kube_inject::inject_object`])
//! document by document; this module only adds the inverse (reading back what an injection
//! recorded, see [`uninject`]) and the two views of a change (a unified text diff, RFC 6902
//! operations).

pub mod diff;
pub mod uninject;

use serde_json::{json, Value};

use crate::kube_inject::{self, describe, str_at, Options};
use crate::settings::Snapshot;
use crate::workload;
use crate::yaml;

#[derive(Debug, thiserror::Error)]
pub enum GitopsError {
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error("document {} ({what}): {message}", .index + 1)]
    Document {
        /// 0-based position in the stream (messages count from 1).
        index: usize,
        what: String,
        message: String,
    },
}

/// Removes the injection from one object (a workload, a Pod or a `v1` `List` of them) in
/// place. `Ok(false)`: nothing was injected, the object is untouched.
pub fn uninject_object(obj: &mut Value) -> Result<bool, String> {
    let api_version = str_at(obj, "/apiVersion").to_string();
    let kind = str_at(obj, "/kind").to_string();
    if kind == "List" && api_version == "v1" {
        let mut changed = false;
        if let Some(items) = obj.get_mut("items").and_then(Value::as_array_mut) {
            for (i, item) in items.iter_mut().enumerate() {
                changed |= uninject_object(item).map_err(|e| format!("items[{i}]: {e}"))?;
            }
        }
        return Ok(changed);
    }
    let Some(paths) = workload::template_paths(&api_version, &kind) else {
        return Ok(false);
    };
    let workload_name = workload_name(obj, &kind);
    let mut meta = obj.pointer(paths.metadata).cloned().unwrap_or(json!({}));
    let Some(mut spec) = obj.pointer(paths.spec).cloned() else {
        return Ok(false);
    };
    if !uninject::uninject_template(&mut meta, &mut spec, &workload_name)
        .map_err(|e| e.to_string())?
    {
        return Ok(false);
    }
    if let Some(slot) = obj.pointer_mut(paths.metadata) {
        *slot = meta;
    }
    if let Some(slot) = obj.pointer_mut(paths.spec) {
        *slot = spec;
    }
    crate::goenc::normalize_object(obj).map_err(|e| e.to_string())?;
    Ok(true)
}

/// The name the canonical-name label falls back to: the workload's, or for a Pod the
/// workload that owns it.
fn workload_name(obj: &Value, kind: &str) -> String {
    if kind == "Pod" {
        let meta = obj
            .get("metadata")
            .cloned()
            .and_then(|m| serde_json::from_value(m).ok())
            .unwrap_or_default();
        return workload::deploy_meta_from_pod(&meta).0.name;
    }
    str_at(obj, "/metadata/name").to_string()
}

/// Runs `f` over every document that parses; the others (comments, blanks) pass through.
/// Each output document is followed by `---`, as `kube-inject` prints them.
fn map_stream(
    text: &str,
    f: &mut dyn FnMut(&mut Value) -> Result<bool, String>,
) -> Result<String, GitopsError> {
    let mut out = String::new();
    for (index, doc) in yaml::read_documents(text)?.into_iter().enumerate() {
        let changed = match doc.value {
            Some(mut value) => {
                let what = describe(&value);
                let err = |message| GitopsError::Document {
                    index,
                    what: what.clone(),
                    message,
                };
                if f(&mut value).map_err(err)? {
                    Some(yaml::to_string(&value).map_err(err)?)
                } else {
                    None
                }
            }
            None => None,
        };
        let text = changed.unwrap_or(doc.raw);
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n");
    }
    Ok(out)
}

/// `uninject`: every injected document with its injection removed; the rest as they came.
pub fn uninject_stream(text: &str) -> Result<String, GitopsError> {
    map_stream(text, &mut uninject_object)
}

/// What `kube-inject --check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// What the current settings produce for this manifest.
    pub expected: String,
    /// The unified diff from the committed text to `expected`; empty when up to date.
    pub diff: String,
}

impl CheckReport {
    pub fn up_to_date(&self) -> bool {
        self.diff.is_empty()
    }
}

/// `kube-inject --check`: uninjects the committed manifest, injects it again with the current
/// settings and compares the texts.
pub fn check(
    snap: &Snapshot,
    committed: &str,
    name: &str,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<CheckReport, GitopsError> {
    let clean = uninject_stream(committed)?;
    let expected = kube_inject::inject_stream(snap, &clean, opts, warn).map_err(|e| {
        GitopsError::Document {
            index: 0,
            what: "re-injection".into(),
            message: e.to_string(),
        }
    })?;
    let diff = diff::unified(
        committed,
        &expected,
        &format!("{name} (committed)"),
        &format!("{name} (current settings)"),
    );
    Ok(CheckReport { expected, diff })
}

/// `kube-inject --output-format patch`: per input document, the RFC 6902 operations that turn
/// it (as Kubernetes decodes it) into its injected form. Paths are relative to the document.
///
/// One YAML document per input document: `kind`, `name`, `namespace` (when set) and `patch`
/// (empty for kinds without a pod template and for skipped workloads).
pub fn patch_stream(
    snap: &Snapshot,
    text: &str,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<String, GitopsError> {
    let mut out = String::new();
    for (index, doc) in yaml::read_documents(text)?.into_iter().enumerate() {
        let Some(original) = doc.value else { continue };
        let what = describe(&original);
        let err = |message: String| GitopsError::Document {
            index,
            what: what.clone(),
            message,
        };
        let patch = document_patch(snap, &original, opts, warn).map_err(err)?;
        let mut entry = serde_json::Map::new();
        entry.insert("kind".into(), json!(str_at(&original, "/kind")));
        entry.insert("name".into(), json!(str_at(&original, "/metadata/name")));
        let ns = str_at(&original, "/metadata/namespace");
        if !ns.is_empty() {
            entry.insert("namespace".into(), json!(ns));
        }
        let patch = serde_json::to_value(patch).map_err(|e| err(e.to_string()))?;
        entry.insert("patch".into(), patch);
        out.push_str(&yaml::to_string(&Value::Object(entry)).map_err(err)?);
        out.push_str("---\n");
    }
    Ok(out)
}

/// The patch for one document: from its Go-decoded form to its injected form.
pub fn document_patch(
    snap: &Snapshot,
    original: &Value,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<json_patch::Patch, String> {
    let api_version = str_at(original, "/apiVersion");
    let kind = str_at(original, "/kind");
    let injectable = (kind == "List" && api_version == "v1")
        || workload::template_paths(api_version, kind).is_some();
    if !injectable {
        return Ok(json_patch::Patch(Vec::new()));
    }
    let mut before = original.clone();
    normalize_document(&mut before)?;
    let mut after = original.clone();
    kube_inject::inject_object(snap, &mut after, opts, warn)?;
    Ok(json_patch::diff(&before, &after))
}

/// Go's encoding of a workload or a List of them, without injecting anything.
fn normalize_document(v: &mut Value) -> Result<(), String> {
    crate::goenc::normalize_object(v).map_err(|e| e.to_string())
}
