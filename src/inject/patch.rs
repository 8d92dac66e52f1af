//! The JSON Patch an injection produces.
//!
//! The operations are `json_patch`'s, except that the fast path may hand over an added value as
//! JSON text already: an injected element encoded for an earlier pod (`goenc::Recent`), which
//! the webhook then copies into its answer instead of building and serialising a `Value` again.
//! Code that needs the operations as values (to apply or compare them) asks for
//! [`Patch::to_json_patch`].

use std::sync::Arc;

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation};

/// A JSON Patch; [`Patch::to_json`] prints it exactly as `serde_json` prints the equivalent
/// `json_patch::Patch`.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    ops: Vec<Op>,
}

#[derive(Debug, Clone)]
enum Op {
    Value(PatchOperation),
    /// `add` of a value given as compact JSON text (`goenc`'s encoding: valid by construction).
    AddRaw {
        path: PointerBuf,
        value: Arc<str>,
    },
}

impl Patch {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub(crate) fn push(&mut self, op: PatchOperation) {
        self.ops.push(Op::Value(op));
    }

    /// Appends `add path value`, the value as compact JSON text.
    pub(crate) fn push_add_raw(&mut self, path: PointerBuf, value: Arc<str>) {
        self.ops.push(Op::AddRaw { path, value });
    }

    /// The operations as values. Fails only where parsing the text back does (nesting beyond
    /// `serde_json`'s recursion limit), which an encoded Kubernetes element never reaches.
    pub fn to_json_patch(&self) -> Result<json_patch::Patch, serde_json::Error> {
        self.ops
            .iter()
            .map(|op| match op {
                Op::Value(op) => Ok(op.clone()),
                Op::AddRaw { path, value } => Ok(PatchOperation::Add(AddOperation {
                    path: path.clone(),
                    value: serde_json::from_str(value)?,
                })),
            })
            .collect::<Result<_, _>>()
            .map(json_patch::Patch)
    }
}

impl From<json_patch::Patch> for Patch {
    fn from(patch: json_patch::Patch) -> Patch {
        Patch {
            ops: patch.0.into_iter().map(Op::Value).collect(),
        }
    }
}

/// Equal when they print the same JSON.
impl PartialEq for Patch {
    fn eq(&self, other: &Patch) -> bool {
        match (self.to_json(), other.to_json()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

impl Patch {
    /// The patch as JSON: `serde_json`'s compact printing of the operations, the raw values
    /// copied as they are (`{"op":"add","path":…,"value":…}`, `json_patch`'s field order).
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let raw: usize = self
            .ops
            .iter()
            .map(|op| match op {
                Op::AddRaw { value, .. } => value.len() + 64,
                Op::Value(_) => 96,
            })
            .sum();
        let mut out = Vec::with_capacity(raw + 2);
        out.push(b'[');
        for (i, op) in self.ops.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match op {
                Op::Value(op) => serde_json::to_writer(&mut out, op)?,
                Op::AddRaw { path, value } => {
                    out.extend_from_slice(br#"{"op":"add","path":"#);
                    serde_json::to_writer(&mut out, path)?;
                    out.extend_from_slice(br#","value":"#);
                    out.extend_from_slice(value.as_bytes());
                    out.push(b'}');
                }
            }
        }
        out.push(b']');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A raw `add` serialises byte for byte as the same `add` with a `Value`, and reads back
    /// as it.
    #[test]
    fn raw_add_is_the_value_add() {
        let path = PointerBuf::from_tokens(["spec", "containers", "1"]);
        let value =
            json!({"name": "istio-proxy", "args": ["proxy", "sidecar"], "x": {"b": 1, "a": null}});
        let text = serde_json::to_string(&value).unwrap();
        let remove = PatchOperation::Remove(json_patch::RemoveOperation {
            path: PointerBuf::from_tokens(["metadata", "labels", "a/b~c"]),
        });
        let mut raw = Patch::default();
        raw.push(remove.clone());
        raw.push_add_raw(path.clone(), Arc::from(text.as_str()));
        let plain = json_patch::Patch(vec![
            remove,
            PatchOperation::Add(AddOperation { path, value }),
        ]);
        assert_eq!(
            String::from_utf8(raw.to_json().unwrap()).unwrap(),
            String::from_utf8(serde_json::to_vec(&plain).unwrap()).unwrap()
        );
        assert_eq!(raw.to_json_patch().unwrap(), plain);
        assert_eq!(raw, Patch::from(plain));
        assert_eq!(raw.len(), 2);
    }
}
