//! The JSON Patch an injection produces.
//!
//! The operations are `json_patch`'s, except that the fast path may hand over an added value as
//! JSON text already: an injected element encoded for an earlier pod (`goenc::Recent`), which
//! the webhook then writes as it is instead of building and serialising a `Value` again. Code
//! that needs the operations as values (to apply or compare them) asks for
//! [`Patch::to_json_patch`].

use std::sync::Arc;

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation};
use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};
use serde_json::value::RawValue;

/// A JSON Patch: serialised exactly as the equivalent `json_patch::Patch` is.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    ops: Vec<Op>,
}

#[derive(Debug, Clone)]
enum Op {
    Value(PatchOperation),
    /// `add` of a value given as JSON text.
    AddRaw {
        path: PointerBuf,
        value: Arc<RawValue>,
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

    /// Appends `add path value`, the value as JSON text.
    pub(crate) fn push_add_raw(&mut self, path: PointerBuf, value: Arc<RawValue>) {
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
                    value: serde_json::from_str(value.get())?,
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

/// Equal when they serialise to the same JSON.
impl PartialEq for Patch {
    fn eq(&self, other: &Patch) -> bool {
        match (serde_json::to_vec(self), serde_json::to_vec(other)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

impl Serialize for Patch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.ops.len()))?;
        for op in &self.ops {
            match op {
                Op::Value(op) => seq.serialize_element(op)?,
                Op::AddRaw { path, value } => seq.serialize_element(&RawAdd {
                    path,
                    value: value.as_ref(),
                })?,
            }
        }
        seq.end()
    }
}

/// `{"op":"add","path":…,"value":…}`, the field order `json_patch` serialises an `add` in.
struct RawAdd<'a> {
    path: &'a PointerBuf,
    value: &'a RawValue,
}

impl Serialize for RawAdd<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut op = serializer.serialize_struct("AddOperation", 3)?;
        op.serialize_field("op", "add")?;
        op.serialize_field("path", self.path)?;
        op.serialize_field("value", self.value)?;
        op.end()
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
        let text = serde_json::value::to_raw_value(&value).unwrap();
        let remove = PatchOperation::Remove(json_patch::RemoveOperation {
            path: PointerBuf::from_tokens(["metadata", "labels", "a/b~c"]),
        });
        let mut raw = Patch::default();
        raw.push(remove.clone());
        raw.push_add_raw(path.clone(), Arc::from(text));
        let plain = json_patch::Patch(vec![
            remove,
            PatchOperation::Add(AddOperation { path, value }),
        ]);
        assert_eq!(
            String::from_utf8(serde_json::to_vec(&raw).unwrap()).unwrap(),
            String::from_utf8(serde_json::to_vec(&plain).unwrap()).unwrap()
        );
        assert_eq!(raw.to_json_patch().unwrap(), plain);
        assert_eq!(raw, Patch::from(plain));
        assert_eq!(raw.len(), 2);
    }
}
