//! A Go `text/template` engine for user-supplied Istio injection templates.
//!
//! Istio lets operators add injection templates (values
//! `sidecarInjectorWebhook.templates`, chosen per pod with the
//! `inject.istio.io/templates` annotation). They are Go templates with sprig
//! and Istio's helper functions, rendered against `SidecarTemplateData`, and
//! produce YAML that is merged into the pod. Our built-in templates are Rust
//! code; this engine runs the custom ones.
//!
//! Design:
//! * [`Template::parse`] runs once at config load (`lexer` → `parse` → `node`
//!   tree); it checks functions and variables like Go does and reports
//!   `line:col` (Go-style 0-based byte column) with what was expected.
//! * [`Template::render`] walks the tree against borrowed JSON (`exec`,
//!   `value`): the data's top-level keys are Go field names (`ObjectMeta`,
//!   `Values`, `ProxyConfig`, ...), nested objects are in their JSON form and
//!   `.Foo` also finds `foo`. See `value.rs` for how Go's types are mimicked.
//! * Output formatting follows Go: `fmt` (`format`), `encoding/json` (`json`),
//!   `sigs.k8s.io/yaml` (`yaml`).
//! * Functions (`funcs`): Go builtins, sprig's common set, Istio's funcmap.
//!   `protoToJSON` returns the caller-precomputed data key `ProxyConfigJSON`.
//! * Nothing panics on input; recursion, steps and output size are bounded,
//!   and failures come back as [`TemplateError`] values.
//!
//! The data the caller builds must carry every `SidecarTemplateData` field the
//! templates use (a missing top-level field is an error, as in Go), and proto
//! enums at their default (e.g. `ProxyConfig.interceptionMode: REDIRECT`),
//! since protobuf JSON omits them.

mod exec;
mod format;
mod funcs;
mod json;
mod lexer;
mod node;
mod parse;
mod unquote;
mod value;
mod yaml;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_custom;
#[cfg(test)]
mod tests_istio;

use serde_json::Value as Json;

/// Largest output a render may produce.
pub(crate) const MAX_OUTPUT_BYTES: usize = 4 << 20;
/// Work budget of one render (nodes, commands, iterations, function work).
pub(crate) const MAX_STEPS: u64 = 2_000_000;
/// Deepest chain of `{{template}}` calls.
pub(crate) const MAX_TEMPLATE_DEPTH: usize = 100;

/// A template failure, worded like Go's `text/template` errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The template text is malformed.
    #[error("template: {template}:{line}:{col}: {message}")]
    Parse {
        template: String,
        line: usize,
        col: usize,
        message: String,
    },
    /// Rendering failed at a node.
    #[error(
        "template: {template}:{line}:{col}: executing \"{executing}\" at <{context}>: {message}"
    )]
    Exec {
        template: String,
        /// The template (or `define`d sub-template) being executed.
        executing: String,
        line: usize,
        col: usize,
        /// The node at fault, printed back as template source.
        context: String,
        message: String,
    },
}

/// A parsed template, ready to render many times.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    text: String,
    parsed: parse::Parsed,
}

impl Template {
    /// Parses template text once (at config load). Errors carry line:col and
    /// what was expected.
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        let parsed = parse::parse(text, &funcs::exists).map_err(|e| {
            let (line, col) = line_col(text, e.pos);
            TemplateError::Parse {
                template: name.to_string(),
                line,
                col,
                message: e.msg,
            }
        })?;
        Ok(Template {
            name: name.to_string(),
            text: text.to_string(),
            parsed,
        })
    }

    /// Renders against the data; errors name the template, position and cause
    /// in Go's wording.
    pub fn render(&self, data: &Json) -> Result<String, TemplateError> {
        exec::execute(self, data)
    }

    /// The name given at parse time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Names of the templates this text defines with `define`/`block`.
    pub fn defined_templates(&self) -> impl Iterator<Item = &str> {
        self.parsed.defs.keys().map(String::as_str)
    }

    fn line_col(&self, pos: usize) -> (usize, usize) {
        line_col(&self.text, pos)
    }
}

/// 1-based line and Go's 0-based byte column of a byte offset.
fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = text.as_bytes().get(..pos).unwrap_or_default();
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => pos - nl - 1,
        None => pos,
    };
    (line, col)
}
