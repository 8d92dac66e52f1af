//! go-yaml v2 as `sigs.k8s.io/yaml` (and so kubectl and istioctl) uses it.
//!
//! Reading (`load`): one document's JSON value, with go-yaml v2's YAML 1.1 scalars (`resolve`:
//! `0644` is octal, `yes`/`on` are booleans), on saphyr's event parser. Writing (`emit`): the
//! go-yaml emitter, with its string styles and natural key order (`style`).
//!
//! Both refuse values nested deeper than [`MAX_DEPTH`]: every later stage (merge, encode,
//! drop) walks values recursively, and a few kilobytes of `- - - …` must not exhaust a stack.

mod emit;
mod load;
mod resolve;
mod style;

pub use emit::{emit, Node};
pub use load::{load, load_first, LoadError};
pub use style::key_less;

/// Deepest nesting read or written. Kubernetes objects nest a few dozen levels.
pub const MAX_DEPTH: usize = 200;

/// `sigs.k8s.io/yaml.Marshal` of a JSON value: one document, ending with a newline.
pub fn to_string(v: &serde_json::Value) -> Result<String, String> {
    Ok(emit(&Node::from_json(v)?))
}
