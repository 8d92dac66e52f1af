//! The AdmissionReview wire format: what we read from the API server and what we answer.
//!
//! Reading: only the fields the injector uses are deserialized. `request.object` stays text
//! borrowed from the body when it is the pod's own Go encoding (what an API server sends),
//! else becomes a `serde_json::Value` without `metadata.managedFields` (`inject::sent`).
//! `oldObject`, `userInfo` and `options` are skipped token by token, as unknown fields.
//!
//! Writing: our own small struct rather than `kube::core::admission::AdmissionResponse`,
//! because that type serializes the patch as a JSON array of numbers; the API server
//! accepts it, but it is 3-4x larger than the base64 string every other webhook (Istio
//! included) sends and that strict clients expect. The `status` object is kube's `Status`.
//! The patch is serialized into one buffer and base64-encoded once.

use std::borrow::Cow;

use kube::core::admission::Operation;
use kube::core::{GroupVersionKind, Status};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::inject::sent::Object;

pub const API_VERSION_V1: &str = "admission.k8s.io/v1";
pub const API_VERSION_V1BETA1: &str = "admission.k8s.io/v1beta1";
pub const KIND: &str = "AdmissionReview";

/// The review as received.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "O: Deserialize<'de>"))]
pub struct IncomingReview<'a, O = PodObject<'a>> {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(borrow, default)]
    pub request: Option<IncomingRequest<'a, O>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "O: Deserialize<'de>"))]
pub struct IncomingRequest<'a, O = PodObject<'a>> {
    /// Borrowed from the body unless written with escapes: the replica memo keys on where it is.
    #[serde(borrow)]
    pub uid: Cow<'a, str>,
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub sub_resource: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    /// `None`: empty or absent (istioctl's own reviews, below).
    #[serde(default, deserialize_with = "operation_or_empty")]
    pub operation: Option<Operation>,
    #[serde(default)]
    pub object: Option<O>,
    /// `kubectl --dry-run=server`: nothing is persisted, so nothing is reported.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl IncomingRequest<'_> {
    /// A Pod being created, the only request the injector changes.
    pub fn is_pod_create(&self) -> bool {
        match self.operation {
            Some(Operation::Create) => {
                self.kind.group.is_empty()
                    && self.kind.version == "v1"
                    && self.kind.kind == "Pod"
                    && self.sub_resource.as_deref().unwrap_or("").is_empty()
            }
            None => self.is_istioctl_review(),
            Some(_) => false,
        }
    }

    /// `istioctl kube-inject` finds the injection webhook in the cluster and sends it each pod
    /// as a review of its own making: no operation, no uid, and `kind` set to
    /// `admission.k8s.io/v1, AdmissionRequest`. istiod injects it (its handler reads only the
    /// object), so we do too, and istioctl keeps working against this injector.
    fn is_istioctl_review(&self) -> bool {
        self.kind.group == "admission.k8s.io" && self.kind.kind == "AdmissionRequest"
    }
}

/// An operation, or `None` for `""` (Go's zero value, which istioctl sends).
fn operation_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Operation>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    if text.is_empty() {
        return Ok(None);
    }
    Operation::deserialize(de::value::StringDeserializer::<D::Error>::new(text)).map(Some)
}

/// The pod, borrowed from the body as text when it is its own Go encoding (what an API
/// server sends), else parsed (`inject::sent::Object::read`).
#[derive(Debug, Clone, PartialEq)]
pub struct PodObject<'a>(pub Object<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for PodObject<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Object::read(raw.get())
            .map(PodObject)
            .map_err(de::Error::custom)
    }
}

/// A pod parsed straight into a `Value` (`managedFields` dropped), never captured as text
/// first: a review longer than `inject::sent::MAX_TEXT` carries it.
pub struct ParsedPod(serde_json::Value);

impl<'de> Deserialize<'de> for ParsedPod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::inject::sent::parse_with(d).map(ParsedPod)
    }
}

impl<'a> IncomingReview<'a, ParsedPod> {
    fn with_pod_object(self) -> IncomingReview<'a> {
        IncomingReview {
            api_version: self.api_version,
            kind: self.kind,
            request: self.request.map(|r| IncomingRequest {
                uid: r.uid,
                kind: r.kind,
                sub_resource: r.sub_resource,
                name: r.name,
                namespace: r.namespace,
                operation: r.operation,
                object: r.object.map(|ParsedPod(v)| PodObject(Object::Parsed(v))),
                dry_run: r.dry_run,
            }),
        }
    }
}

/// Parses a request body; the error text is meant for the HTTP 400 answer.
pub fn parse_review(body: &[u8]) -> Result<IncomingRequestWithVersion<'_>, String> {
    // An API server's review in one pass; a review too long for its pod to be kept as text
    // with the pod parsed as it is read; anything else as `serde_json` reads it.
    let read = if body.len() > crate::inject::sent::MAX_TEXT {
        serde_json::from_slice::<IncomingReview<'_, ParsedPod>>(body)
            .map(IncomingReview::with_pod_object)
            .map_err(|_| ())
    } else {
        super::envelope::read(body).ok_or(())
    };
    let review: IncomingReview = read
        .or_else(|()| serde_json::from_slice(body))
        .map_err(|e| {
            // Only on failure: parse again tracking the path, so the message names the field.
            let mut de = serde_json::Deserializer::from_slice(body);
            match serde_path_to_error::deserialize::<_, IncomingReview>(&mut de) {
                Err(pe) if pe.path().iter().next().is_some() => {
                    format!(
                        "the request body is not an AdmissionReview: {}: {e}",
                        pe.path()
                    )
                }
                _ => format!("the request body is not an AdmissionReview: {e}"),
            }
        })?;
    if review.kind.is_empty() && review.api_version.is_empty() {
        return Err(format!(
            "the request body has no kind or apiVersion: want an AdmissionReview ({API_VERSION_V1})"
        ));
    }
    if review.kind != KIND {
        return Err(format!(
            "the request body is a {:?}, not an AdmissionReview",
            review.kind
        ));
    }
    let api_version = match review.api_version.as_str() {
        API_VERSION_V1 => API_VERSION_V1,
        API_VERSION_V1BETA1 => API_VERSION_V1BETA1,
        other => {
            return Err(format!(
                "unsupported AdmissionReview apiVersion {other:?} (want {API_VERSION_V1})"
            ))
        }
    };
    let request = review
        .request
        .ok_or_else(|| "the AdmissionReview has no request".to_string())?;
    Ok(IncomingRequestWithVersion {
        api_version,
        request,
    })
}

/// A parsed request and the apiVersion to answer with.
#[derive(Debug)]
pub struct IncomingRequestWithVersion<'a> {
    pub api_version: &'static str,
    pub request: IncomingRequest<'a>,
}

/// The answer to one review.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Allowed unchanged.
    Allow,
    /// Allowed with this JSON Patch.
    Patch(crate::inject::Patch),
    /// Refused; the message is shown to the user (kubectl prints it).
    Deny {
        code: u16,
        reason: &'static str,
        message: String,
    },
}

/// An answer encoded but for the review's uid and apiVersion: the patch already JSON and
/// base64 (what the replica memo keeps, module `memo`).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub allowed: bool,
    status: Option<Status>,
    /// The patch as JSON, base64-encoded.
    patch: Option<String>,
    /// The size of the (unencoded) patch in bytes.
    pub patch_len: usize,
}

impl Prepared {
    pub fn of(answer: &Answer) -> Result<Prepared, serde_json::Error> {
        Prepared::with_json(answer).map(|(prepared, _)| prepared)
    }

    /// [`Prepared::of`], and the patch as JSON.
    pub fn with_json(answer: &Answer) -> Result<(Prepared, Option<Vec<u8>>), serde_json::Error> {
        let (allowed, status, json) = match answer {
            Answer::Allow => (true, None, None),
            Answer::Patch(p) => (true, None, Some(p.to_json()?)),
            Answer::Deny {
                code,
                reason,
                message,
            } => (
                false,
                Some(Status::failure(message, reason).with_code(*code)),
                None,
            ),
        };
        let prepared = Prepared {
            allowed,
            status,
            patch: json.as_deref().map(base64),
            patch_len: json.as_ref().map_or(0, Vec::len),
        };
        Ok((prepared, json))
    }

    /// The response body for the review `uid` in `api_version`:
    /// `{"apiVersion","kind","response":{"uid","allowed","status"?,"patch"?,"patchType"?,"warnings"?}}`.
    /// Written by hand so the base64 patch (~10 KB for a medium pod) is copied as it is: it
    /// needs no escaping, and running it through the string escaper, or validating it as a
    /// `RawValue`, cost a twentieth of a medium admission.
    pub fn encode(
        &self,
        api_version: &str,
        uid: &str,
        warnings: &[String],
    ) -> Result<Vec<u8>, serde_json::Error> {
        let patch_len = self.patch.as_ref().map_or(0, String::len);
        let mut out = Vec::with_capacity(patch_len + 192);
        out.extend_from_slice(br#"{"apiVersion":"#);
        serde_json::to_writer(&mut out, api_version)?;
        out.extend_from_slice(br#","kind":"#);
        serde_json::to_writer(&mut out, KIND)?;
        out.extend_from_slice(br#","response":{"uid":"#);
        serde_json::to_writer(&mut out, uid)?;
        out.extend_from_slice(if self.allowed {
            br#","allowed":true"#.as_slice()
        } else {
            br#","allowed":false"#.as_slice()
        });
        if let Some(status) = &self.status {
            out.extend_from_slice(br#","status":"#);
            serde_json::to_writer(&mut out, status)?;
        }
        if let Some(patch) = &self.patch {
            // Base64's alphabet (A-Z a-z 0-9 + / =) needs no escaping in a JSON string.
            out.extend_from_slice(br#","patch":""#);
            out.extend_from_slice(patch.as_bytes());
            out.extend_from_slice(br#"","patchType":"JSONPatch""#);
        }
        if !warnings.is_empty() {
            out.extend_from_slice(br#","warnings":"#);
            serde_json::to_writer(&mut out, warnings)?;
        }
        out.extend_from_slice(b"}}");
        Ok(out)
    }

    /// This answer with another patch, given as JSON.
    pub fn with_patch_json(&self, json: &[u8]) -> Result<Prepared, serde_json::Error> {
        Ok(Prepared {
            allowed: self.allowed,
            status: self.status.clone(),
            patch: Some(base64(json)),
            patch_len: json.len(),
        })
    }

    /// Bytes held, roughly (the memo's budget).
    pub fn size(&self) -> usize {
        self.patch.as_ref().map_or(0, String::len)
            + self.status.as_ref().map_or(0, |s| s.message.len())
    }
}

/// The patch's base64 (standard alphabet, padded), as the API server decodes it.
fn base64(json: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(json)
}

/// The response body, and the size of the (unencoded) patch in bytes.
pub fn encode_answer(
    api_version: &str,
    uid: &str,
    answer: &Answer,
    warnings: &[String],
) -> Result<(Vec<u8>, usize), serde_json::Error> {
    let prepared = Prepared::of(answer)?;
    Ok((
        prepared.encode(api_version, uid, warnings)?,
        prepared.patch_len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde_json::{json, Value};

    fn body(object: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "shop", "operation": "CREATE",
                "userInfo": {"username": "x"}, "object": object, "oldObject": null,
            }
        }))
        .unwrap()
    }

    /// A review too long for its pod to be kept as text: the pod is parsed as the review is
    /// read, giving what the two-step read (the pod's text, then `Object::read`) gives.
    #[test]
    fn a_long_review_parses_its_pod_as_it_reads() {
        let pad = "x".repeat(crate::inject::sent::MAX_TEXT);
        let pod = json!({
            "metadata": {"name": "p", "annotations": {"pad": pad},
                         "managedFields": [{"manager": "m"}]},
            "spec": {"containers": [{"name": "app"}]},
        });
        let body = body(pod.clone());
        let read = parse_review(&body).unwrap();
        assert_eq!(read.api_version, API_VERSION_V1);
        assert_eq!(read.request.uid, "u1");
        assert_eq!(read.request.namespace.as_deref(), Some("shop"));
        let text = serde_json::to_string(&pod).unwrap();
        let want = Object::read(&text).unwrap();
        assert!(matches!(want, Object::Parsed(_)));
        assert_eq!(read.request.object.map(|o| o.0), Some(want));
        // Not an AdmissionReview at that length either: the same 400 text as ever.
        let mut broken = body.clone();
        broken.truncate(body.len() - 2);
        let err = parse_review(&broken).unwrap_err();
        assert!(
            err.starts_with("the request body is not an AdmissionReview"),
            "{err}"
        );
    }

    #[test]
    fn istioctls_own_review_is_a_pod_create_and_nothing_else_without_an_operation_is() {
        // What istioctl kube-inject's ExternalInjector marshals (Go zero values included).
        let istioctl = json!({
            "kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
            "request": {"uid": "", "kind": {"group": "admission.k8s.io", "version": "v1", "kind": "AdmissionRequest"},
                        "resource": {"group": "", "version": "", "resource": ""}, "name": "p", "namespace": "app",
                        "operation": "", "userInfo": {}, "object": {"metadata": {"name": "p"}, "spec": {"containers": []}},
                        "oldObject": null, "options": null},
            "response": null,
        });
        let bytes = serde_json::to_vec(&istioctl).unwrap();
        let got = parse_review(&bytes).unwrap();
        assert!(got.request.is_pod_create());
        let mut other = istioctl.clone();
        other["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "Pod"});
        let bytes = serde_json::to_vec(&other).unwrap();
        let got = parse_review(&bytes).unwrap();
        assert!(!got.request.is_pod_create());
        let mut absent = istioctl.clone();
        absent["request"]
            .as_object_mut()
            .unwrap()
            .remove("operation");
        let bytes = serde_json::to_vec(&absent).unwrap();
        let got = parse_review(&bytes).unwrap();
        assert!(got.request.is_pod_create());
        let mut bad = istioctl;
        bad["request"]["operation"] = json!("PATCH");
        let bytes = serde_json::to_vec(&bad).unwrap();
        let err = parse_review(&bytes).unwrap_err();
        assert!(err.to_string().contains("PATCH"), "{err}");
    }

    #[test]
    fn managed_fields_are_dropped_and_order_kept() {
        let pod = json!({
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": "p", "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}], "labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c"}]},
        });
        let bytes = body(pod);
        let got = parse_review(&bytes).unwrap();
        assert!(got.request.is_pod_create());
        let Object::Parsed(obj) = got.request.object.unwrap().0 else {
            panic!("not Go's encoding: parsed");
        };
        assert_eq!(
            obj,
            json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "labels": {"a": "b"}}, "spec": {"containers": [{"name": "c"}]}})
        );
        let keys: Vec<&String> = obj["metadata"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "labels"]);
    }

    #[test]
    fn null_object_and_metadata() {
        assert!(parse_review(&body(Value::Null))
            .unwrap()
            .request
            .object
            .is_none());
        let bytes = body(json!({"metadata": null}));
        let got = parse_review(&bytes).unwrap();
        assert_eq!(
            got.request.object.unwrap().0,
            Object::Parsed(json!({"metadata": null}))
        );
        let e = parse_review(&body(json!({"metadata": "x"}))).unwrap_err();
        assert!(e.contains("Pod metadata"), "{e}");
        let e = parse_review(&body(json!([1]))).unwrap_err();
        assert!(e.contains("a Pod object"), "{e}");
    }

    /// The hand-written body is what `serde_json` prints for the same object, field for field.
    #[test]
    fn encode_prints_the_review_serde_would() {
        let warnings = vec!["a \"quoted\" warning".to_string()];
        let patch = Prepared::of(&Answer::Patch(
            json_patch::Patch(vec![json_patch::PatchOperation::Remove(
                json_patch::RemoveOperation {
                    path: json_patch::jsonptr::PointerBuf::from_tokens(["a"]),
                },
            )])
            .into(),
        ))
        .unwrap();
        let b64 = STANDARD.encode(br#"[{"op":"remove","path":"/a"}]"#);
        let want = json!({
            "apiVersion": API_VERSION_V1, "kind": KIND,
            "response": {"uid": "u\"1", "allowed": true, "patch": b64, "patchType": "JSONPatch",
                         "warnings": warnings},
        });
        let got = patch.encode(API_VERSION_V1, "u\"1", &warnings).unwrap();
        assert_eq!(got, serde_json::to_vec(&want).unwrap());
        let deny = Prepared::of(&Answer::Deny {
            code: 400,
            reason: "BadRequest",
            message: "no".into(),
        })
        .unwrap();
        let status = Status::failure("no", "BadRequest").with_code(400);
        let want = json!({
            "apiVersion": API_VERSION_V1BETA1, "kind": KIND,
            "response": {"uid": "u", "allowed": false, "status": status},
        });
        let got = deny.encode(API_VERSION_V1BETA1, "u", &[]).unwrap();
        assert_eq!(got, serde_json::to_vec(&want).unwrap());
    }

    #[test]
    fn patch_is_base64_json() {
        let patch: json_patch::Patch =
            serde_json::from_value(json!([{"op": "add", "path": "/a", "value": 1}])).unwrap();
        let (bytes, n) =
            encode_answer(API_VERSION_V1, "u1", &Answer::Patch(patch.into()), &[]).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], "u1");
        assert_eq!(v["response"]["allowed"], true);
        assert_eq!(v["response"]["patchType"], "JSONPatch");
        let raw = STANDARD
            .decode(v["response"]["patch"].as_str().unwrap())
            .unwrap();
        assert_eq!(raw.len(), n);
        let ops: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(ops, json!([{"op": "add", "path": "/a", "value": 1}]));
        assert!(v["response"].get("status").is_none());
    }

    #[test]
    fn deny_carries_message() {
        let answer = Answer::Deny {
            code: 400,
            reason: "BadRequest",
            message: "bad annotation".into(),
        };
        let (bytes, n) = encode_answer(API_VERSION_V1, "u2", &answer, &[]).unwrap();
        assert_eq!(n, 0);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["message"], "bad annotation");
        assert_eq!(v["response"]["status"]["code"], 400);
        assert!(v["response"].get("patch").is_none());
    }
}
