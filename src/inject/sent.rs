//! The pod as an AdmissionReview carries it, read once for the webhook.
//!
//! An API server sends the pod in Go's encoding; checked as text (`goenc::text`), such a pod is
//! decoded straight into the typed `Pod` and never built as a `serde_json::Value`, which cost a
//! third of an admission: the fast path needs only the typed pod (see `fast::fallback_reason`),
//! and of it only what module `light` decodes. The general path, when it runs, parses the text
//! then and decodes it whole. Any other pod (a hand-made review) is parsed into a `Value`
//! first, as before, and decoded whole from it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::PodError;
use crate::scan::Cursor;

mod light;

/// Pods longer than this are parsed, never kept as text. Measured with 2,000-env pods
/// (~390 KiB) under load: read as text they cost 0.6x the CPU of a parse, but the allocator
/// then held 32.6 MiB at peak against 27.4 MiB parsed (the issue's bound is 30; with
/// `MIMALLOC_PURGE_DELAY=0` both fall to ~24 MiB, so it is pages kept for reuse, not live
/// data). The webhook's inline bound (`server::admission::INLINE_BODY_BYTES`) is the same.
pub const MAX_TEXT: usize = 256 * 1024;

/// The pod's JSON, either checked to be its own Go encoding or parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Object<'a> {
    /// Its text, its own Go encoding (`managedFields` aside): only [`Object::read`] makes one.
    GoEncoded(GoText<'a>),
    /// Parsed, without `metadata.managedFields`.
    Parsed(Value),
}

/// Text that passed `goenc::text::check_pod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoText<'a> {
    text: &'a str,
    /// The `metadata.managedFields` member, from its key to the end of its value.
    managed_fields: Option<Range<usize>>,
}

impl<'a> GoText<'a> {
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The text without the `metadata.managedFields` member: half of what a controller's pod
    /// sends, and never read. Cut as text (the check found where), so that decoding never
    /// builds it.
    pub fn without_managed_fields(&self) -> Cow<'a, str> {
        let Some(range) = self.managed_fields.clone() else {
            return Cow::Borrowed(self.text);
        };
        let b = self.text.as_bytes();
        let is_space = |c: &u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t');
        // The member and one comma beside it: the one after, else the one before.
        let after = range.end
            + b.get(range.end..)
                .map_or(0, |r| r.iter().take_while(|c| is_space(c)).count());
        let cut = if b.get(after) == Some(&b',') {
            range.start..after + 1
        } else {
            let before = b.get(..range.start).unwrap_or_default();
            let spaces = before.iter().rev().take_while(|c| is_space(c)).count();
            match range.start.checked_sub(spaces + 1) {
                Some(comma) if b.get(comma) == Some(&b',') => comma..range.end,
                _ => range,
            }
        };
        let (Some(head), Some(tail)) = (self.text.get(..cut.start), self.text.get(cut.end..))
        else {
            return Cow::Borrowed(self.text);
        };
        Cow::Owned([head, tail].concat())
    }
}

impl<'a> Object<'a> {
    /// The pod's JSON text: kept as text when it is its own Go encoding (which the check
    /// also validates as JSON), else parsed. The error is the parse's: not a JSON object, or a `metadata`
    /// that is neither an object nor `null`.
    pub fn read(text: &'a str) -> Result<Object<'a>, serde_json::Error> {
        if text.len() > MAX_TEXT {
            return parse(text).map(Object::Parsed);
        }
        if let Some(checked) = crate::goenc::text::check_pod(text) {
            let managed_fields = checked.managed_fields;
            return Ok(Object::GoEncoded(GoText {
                text,
                managed_fields,
            }));
        }
        parse(text).map(Object::Parsed)
    }

    /// The pod at the cursor when it is its own Go encoding (the cursor then right after it);
    /// `None` otherwise, the cursor anywhere.
    pub fn go_encoded_at(c: &mut Cursor<'a>) -> Option<Object<'a>> {
        c.peek();
        let start = c.pos();
        let checked = crate::goenc::text::check_pod_at(c)?;
        let text = c.since(start).filter(|t| t.len() <= MAX_TEXT)?;
        Some(Object::GoEncoded(GoText {
            text,
            managed_fields: checked.managed_fields,
        }))
    }
}

/// Parses a pod's JSON into a `Value` without `metadata.managedFields`, which can be larger
/// than the rest of the pod and which injection never reads (Istio drops it too, after
/// decoding): skipped token by token, never built.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = parse_with(&mut de)?;
    de.end()?;
    Ok(value)
}

/// [`parse`] from any deserializer (a review's `object`, read in the same pass as the rest).
pub fn parse_with<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    d.deserialize_map(PodVisitor)
}

struct PodVisitor;

impl<'de> Visitor<'de> for PodVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Pod object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = if key == "metadata" {
                map.next_value::<Metadata>()?.0
            } else {
                map.next_value::<Value>()?
            };
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// `metadata` minus `managedFields`.
struct Metadata(Value);

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MetadataVisitor).map(Metadata)
    }
}

struct MetadataVisitor;

impl<'de> Visitor<'de> for MetadataVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pod metadata (an object)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "managedFields" {
                map.next_value::<IgnoredAny>()?;
            } else {
                let value = map.next_value::<Value>()?;
                out.insert(key, value);
            }
        }
        Ok(Value::Object(out))
    }
}

/// A pod read for injection.
#[derive(Debug)]
pub struct SentPod<'a> {
    /// Typed, with the request's namespace when it has none and without `managedFields`. For
    /// a pod in Go's encoding, usually only what the fast path and the webhook's bookkeeping
    /// read (module `light`: the metadata, the node, the volumes' and mounts' names, ...). For
    /// a pod that does not decode, what of its metadata and node name does (for the logs, the
    /// warnings and the Event; the answer is the decode error).
    pub pod: Pod,
    pub(super) source: Source<'a>,
}

#[derive(Debug)]
pub(super) enum Source<'a> {
    /// `light`: the typed pod holds only what the fast path reads (module `light`); the
    /// general path decodes the text whole first ([`decode_whole`]).
    GoEncoded {
        text: GoText<'a>,
        light: bool,
    },
    /// The namespace filled in as in `pod`.
    Parsed(Value),
    Invalid(PodError),
}

impl<'a> SentPod<'a> {
    /// Reads the pod; `namespace` is the request's, for a pod without one of its own.
    pub fn new(object: Object<'a>, namespace: &str) -> SentPod<'a> {
        let value = match object {
            Object::GoEncoded(text) => {
                // What the fast path reads, alone (`light`); the whole pod when that is
                // not enough, decoded here so that its error is the one answered.
                let cut = text.without_managed_fields();
                if let Some(mut pod) = light::decode(&cut) {
                    settle(&mut pod, namespace);
                    let source = Source::GoEncoded { text, light: true };
                    return SentPod { pod, source };
                }
                match decode_whole(&cut, namespace) {
                    Ok(pod) => {
                        let source = Source::GoEncoded { text, light: false };
                        return SentPod { pod, source };
                    }
                    // Decoded again from the value, for the error naming the field at fault.
                    Err(_) => match parse(text.as_str()) {
                        Ok(value) => value,
                        Err(source) => {
                            let path = "pod".to_string();
                            let error = PodError::Decode { path, source };
                            let source = Source::Invalid(error);
                            return SentPod {
                                pod: Pod::default(),
                                source,
                            };
                        }
                    },
                }
            }
            Object::Parsed(value) => value,
        };
        Self::parsed(value, namespace)
    }

    fn parsed(mut value: Value, namespace: &str) -> SentPod<'a> {
        fill_namespace(&mut value, namespace);
        match super::typed_pod(&value) {
            Ok(mut pod) => {
                settle(&mut pod, namespace);
                SentPod {
                    pod,
                    source: Source::Parsed(value),
                }
            }
            Err(e) => SentPod {
                pod: lenient(&value),
                source: Source::Invalid(e),
            },
        }
    }
}

/// The whole typed pod of a text checked to be its own Go encoding, `cut`: without its
/// `managedFields` ([`GoText::without_managed_fields`]); settled as below.
pub(super) fn decode_whole(cut: &str, namespace: &str) -> Result<Pod, serde_json::Error> {
    let mut pod = serde_json::from_str::<Pod>(cut)?;
    settle(&mut pod, namespace);
    Ok(pod)
}

/// The request's namespace for a pod without one; no `managedFields` (dropped when parsed).
pub(super) fn settle(pod: &mut Pod, namespace: &str) {
    let meta = &mut pod.metadata;
    if meta.namespace.as_deref().unwrap_or("").is_empty() {
        meta.namespace = Some(namespace.to_string());
    }
    meta.managed_fields = None;
}

/// The same for the parsed pod: pods made by controllers arrive without a namespace.
pub(super) fn fill_namespace(pod: &mut Value, namespace: &str) {
    let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let own = meta.get("namespace").and_then(Value::as_str).unwrap_or("");
    if own.is_empty() && !namespace.is_empty() {
        meta.insert("namespace".into(), Value::from(namespace));
    }
}

/// What of an undecodable pod's metadata decodes: its names, string labels and annotations,
/// owner references, node name.
fn lenient(pod: &Value) -> Pod {
    let meta = pod.get("metadata");
    let text = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let strings = |k: &str| -> Option<BTreeMap<String, String>> {
        let map = meta.and_then(|m| m.get(k))?.as_object()?;
        let kept = map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())));
        Some(kept.collect())
    };
    let owners = meta
        .and_then(|m| m.get("ownerReferences"))
        .and_then(|refs| Vec::<OwnerReference>::deserialize(refs).ok());
    let node_name = pod
        .get("spec")
        .and_then(|s| s.get("nodeName"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Pod {
        metadata: ObjectMeta {
            name: text("name"),
            generate_name: text("generateName"),
            namespace: text("namespace"),
            labels: strings("labels"),
            annotations: strings("annotations"),
            owner_references: owners,
            ..Default::default()
        },
        spec: node_name.map(|node_name| PodSpec {
            node_name: Some(node_name),
            ..Default::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn managed_fields_are_dropped_and_order_kept() {
        let text = r#"{"kind":"Pod","metadata":{"name":"p","managedFields":[{"manager":"kubectl"}],"labels":{"a":"b"}},"spec":{"containers":[{"name":"c"}]}}"#;
        let Object::Parsed(obj) = Object::read(text).unwrap() else {
            panic!("not Go's encoding: parsed");
        };
        assert_eq!(
            obj,
            json!({"kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}}, "spec": {"containers": [{"name": "c"}]}})
        );
        let keys: Vec<&String> = obj["metadata"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "labels"]);
    }

    #[test]
    fn go_encoding_stays_text_and_decodes_typed() {
        let text = r#"{"metadata":{"name":"p","managedFields":[{"manager":"m"}]},"spec":{"containers":[{"name":"c","resources":{}}]},"status":{}}"#;
        let object = Object::read(text).unwrap();
        assert!(matches!(object, Object::GoEncoded(_)));
        let sent = SentPod::new(object, "shop");
        assert!(matches!(sent.source, Source::GoEncoded { light: true, .. }));
        assert_eq!(sent.pod.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(sent.pod.metadata.managed_fields, None);
    }

    /// What the light decoding cannot answer for is decoded whole, as before it: the bound's
    /// container whole, a pod of another kind an error naming it.
    #[test]
    fn go_encodings_the_light_decoding_refuses_are_decoded_whole() {
        let env: Vec<String> = (0..=crate::inject::MAX_ENV_PER_CONTAINER)
            .map(|i| format!(r#"{{"name":"E{i}"}}"#))
            .collect();
        let many = format!(
            r#"{{"metadata":{{"name":"p"}},"spec":{{"containers":[{{"name":"c","env":[{}],"resources":{{}}}}]}},"status":{{}}}}"#,
            env.join(",")
        );
        assert!(many.len() <= MAX_TEXT, "{}", many.len());
        let object = Object::read(&many).unwrap();
        assert!(matches!(object, Object::GoEncoded(_)));
        let sent = SentPod::new(object, "shop");
        assert!(matches!(
            sent.source,
            Source::GoEncoded { light: false, .. }
        ));
        assert_eq!(
            sent.pod.spec.unwrap().containers[0]
                .env
                .as_ref()
                .map(Vec::len),
            Some(env.len())
        );

        let other = r#"{"kind":"Service","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","resources":{}}]},"status":{}}"#;
        let object = Object::read(other).unwrap();
        assert!(matches!(object, Object::GoEncoded(_)));
        let sent = SentPod::new(object, "shop");
        let Source::Invalid(e) = sent.source else {
            panic!("decoded: {:?}", sent.source);
        };
        assert!(e.to_string().contains("Service"), "{e}");
    }

    #[test]
    fn the_requests_namespace_fills_an_empty_one() {
        let mut v = json!({"metadata": {"name": "p"}});
        fill_namespace(&mut v, "shop");
        assert_eq!(v["metadata"]["namespace"], "shop");
        let mut v = json!({"metadata": {"namespace": "own"}});
        fill_namespace(&mut v, "shop");
        assert_eq!(v["metadata"]["namespace"], "own");
        let mut v = json!({"metadata": {"namespace": ""}});
        fill_namespace(&mut v, "");
        assert_eq!(v["metadata"]["namespace"], "");
        let mut p = Pod::default();
        settle(&mut p, "shop");
        assert_eq!(p.metadata.namespace.as_deref(), Some("shop"));
    }

    /// Deep nesting where the text check skips (the pod's `managedFields`, past the typed
    /// decode's recursion limit): the check leaves it to the parse, which skips it without
    /// recursing.
    #[test]
    fn deep_managed_fields_are_read_without_recursing() {
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        let text = format!(
            r#"{{"metadata":{{"name":"p","managedFields":{deep}}},"spec":{{"containers":[{{"name":"c","resources":{{}}}}]}},"status":{{}}}}"#
        );
        let object = Object::read(&text).unwrap();
        assert!(matches!(object, Object::Parsed(_)));
        let sent = SentPod::new(object, "shop");
        assert!(matches!(sent.source, Source::Parsed(_)));
        assert_eq!(sent.pod.metadata.name.as_deref(), Some("p"));
    }

    #[test]
    fn managed_fields_are_cut_out_of_the_text_with_one_comma() {
        let pod = |meta: &str| {
            format!(
                r#"{{"metadata":{meta},"spec":{{"containers":[{{"name":"c","resources":{{}}}}]}},"status":{{}}}}"#
            )
        };
        let mf = r#""managedFields":[{"manager":"m","fieldsV1":{"f:x":{}}}]"#;
        for (meta, want) in [
            (
                format!(r#"{{"name":"p",{mf},"namespace":"n"}}"#),
                r#"{"name":"p","namespace":"n"}"#,
            ),
            (format!(r#"{{"name":"p", {mf} }}"#), r#"{"name":"p" }"#),
            (format!(r#"{{{mf}, "name":"p"}}"#), r#"{ "name":"p"}"#),
            (format!("{{{mf}}}"), "{}"),
            (r#"{"name":"p"}"#.to_string(), r#"{"name":"p"}"#),
        ] {
            let text = pod(&meta);
            let Object::GoEncoded(go) = Object::read(&text).unwrap() else {
                panic!("parsed: {text}");
            };
            assert_eq!(go.without_managed_fields(), pod(want), "{meta}");
        }
    }

    /// A pod over `MAX_TEXT` is parsed, whatever its encoding (see there).
    #[test]
    fn long_pods_are_parsed() {
        let pod = |annotation: &str| {
            format!(
                r#"{{"metadata":{{"name":"p","annotations":{{"a":"{annotation}"}}}},"spec":{{"containers":[{{"name":"c","resources":{{}}}}]}},"status":{{}}}}"#
            )
        };
        let short = pod("x");
        assert!(matches!(Object::read(&short), Ok(Object::GoEncoded(_))));
        let long = pod(&"x".repeat(MAX_TEXT));
        assert!(matches!(Object::read(&long), Ok(Object::Parsed(_))));
        let mut c = Cursor::new(&long);
        assert!(Object::go_encoded_at(&mut c).is_none());
    }

    #[test]
    fn null_and_wrong_types() {
        assert_eq!(
            Object::read(r#"{"metadata":null}"#).unwrap(),
            Object::Parsed(json!({"metadata": null}))
        );
        let e = Object::read(r#"{"metadata":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("Pod metadata"), "{e}");
        let e = Object::read("[1]").unwrap_err();
        assert!(e.to_string().contains("a Pod object"), "{e}");
    }

    #[test]
    fn an_undecodable_pod_keeps_its_metadata_for_the_logs() {
        let text = r#"{"metadata":{"name":"p","labels":{"a":"b","n":1},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u","controller":true}]},"spec":{"nodeName":"n1","containers":[{"name":5}]}}"#;
        let sent = SentPod::new(Object::read(text).unwrap(), "shop");
        let Source::Invalid(e) = &sent.source else {
            panic!("decoded");
        };
        assert!(e.to_string().contains("metadata.labels.n"), "{e}");
        let meta = &sent.pod.metadata;
        assert_eq!(meta.name.as_deref(), Some("p"));
        assert_eq!(meta.namespace.as_deref(), Some("shop"));
        assert_eq!(meta.labels.as_ref().unwrap().len(), 1);
        assert_eq!(meta.owner_references.as_ref().unwrap()[0].name, "rs");
        assert_eq!(sent.pod.spec.unwrap().node_name.as_deref(), Some("n1"));
    }
}
