//! The AdmissionReview read in one pass over its text, for the reviews an API server sends.
//!
//! `serde_json` reading the review has to scan the pod to find where it ends, and then the
//! pod's check (`goenc::text`) scans it again. Here the envelope is walked with `crate::scan`,
//! which validates as it goes, and the pod is checked where it lies: one scan of the body.
//! Anything unusual (a field read here written with escapes, of an unexpected type or twice, a
//! pod that is not its own Go encoding, a body past `inject::sent::MAX_TEXT`, nesting past
//! `scan`'s limit, text that is not JSON)
//! answers `None`, and the caller reads the body with `serde_json` as before, which also gives
//! every error message. So for a body this reads, the result is exactly `serde_json`'s
//! (`tests` compare the two).

use std::borrow::Cow;

use kube::core::admission::Operation;
use kube::core::GroupVersionKind;
use serde::Deserialize;

use super::review::{IncomingRequest, IncomingReview, PodObject};
use crate::inject::sent::Object;
use crate::scan::Cursor;

/// The review as `serde_json` would read it, or `None` (see the module note).
pub fn read(body: &[u8]) -> Option<IncomingReview<'_>> {
    // A pod that long is parsed anyway (`sent::MAX_TEXT`): `serde_json` reads its review.
    if body.len() > crate::inject::sent::MAX_TEXT {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let mut c = Cursor::new(text);
    let mut review = IncomingReview {
        api_version: String::new(),
        kind: String::new(),
        request: None,
    };
    let mut seen = [false; 3];
    c.expect(b'{')?;
    let mut more = !c.eat(b'}');
    while more {
        let key = c.plain_string()?;
        c.expect(b':')?;
        let field = match key {
            "apiVersion" => 0,
            "kind" => 1,
            "request" => 2,
            _ => {
                c.skip_value()?;
                more = c.next_or_end(b'}')?;
                continue;
            }
        };
        if std::mem::replace(seen.get_mut(field)?, true) {
            return None;
        }
        match field {
            0 => review.api_version = c.plain_string()?.to_string(),
            1 => review.kind = c.plain_string()?.to_string(),
            _ => review.request = Some(request(&mut c)?),
        }
        more = c.next_or_end(b'}')?;
    }
    c.at_end().then_some(review)
}

/// The fields of `request` the injector reads; the others skipped (validated).
fn request<'a>(c: &mut Cursor<'a>) -> Option<IncomingRequest<'a>> {
    let mut uid = None;
    let mut kind = None;
    let (mut sub_resource, mut name, mut namespace) = (None, None, None);
    let (mut operation, mut object, mut dry_run) = (None, None, None);
    c.expect(b'{')?;
    let mut more = !c.eat(b'}');
    while more {
        let key = c.plain_string()?;
        c.expect(b':')?;
        match key {
            "uid" => {
                fresh(&uid)?;
                uid = Some(c.plain_string()?);
            }
            "kind" => {
                fresh(&kind)?;
                kind = Some(gvk(c)?);
            }
            "subResource" => {
                fresh(&sub_resource)?;
                sub_resource = Some(nullable_string(c)?);
            }
            "name" => {
                fresh(&name)?;
                name = Some(c.plain_string()?.to_string());
            }
            "namespace" => {
                fresh(&namespace)?;
                namespace = Some(nullable_string(c)?);
            }
            "operation" => {
                fresh(&operation)?;
                operation = Some(operation_of(c)?);
            }
            "object" => {
                fresh(&object)?;
                object = Some(pod(c)?);
            }
            "dryRun" => {
                fresh(&dry_run)?;
                dry_run = Some(match c.scalar()? {
                    b"true" => Some(true),
                    b"false" => Some(false),
                    b"null" => None,
                    _ => return None,
                });
            }
            _ => c.skip_value()?,
        }
        more = c.next_or_end(b'}')?;
    }
    Some(IncomingRequest {
        uid: Cow::Borrowed(uid?),
        kind: kind?,
        sub_resource: sub_resource.flatten(),
        name: name.unwrap_or_default(),
        namespace: namespace.flatten(),
        operation: operation.flatten(),
        object: object.flatten(),
        dry_run: dry_run.flatten(),
    })
}

/// Each field once: `serde` refuses a repeated one.
fn fresh<T>(slot: &Option<T>) -> Option<()> {
    slot.is_none().then_some(())
}

/// `{group, version, kind}`, each once, nothing else.
fn gvk(c: &mut Cursor<'_>) -> Option<GroupVersionKind> {
    let mut parts: [Option<&str>; 3] = [None; 3];
    c.expect(b'{')?;
    let mut more = !c.eat(b'}');
    while more {
        let at = match c.plain_string()? {
            "group" => 0,
            "version" => 1,
            "kind" => 2,
            _ => return None,
        };
        c.expect(b':')?;
        let slot = parts.get_mut(at)?;
        if slot.replace(c.plain_string()?).is_some() {
            return None;
        }
        more = c.next_or_end(b'}')?;
    }
    let [group, version, kind] = parts;
    Some(GroupVersionKind::gvk(group?, version?, kind?))
}

/// A string or `null`, as `Option<String>` reads it.
fn nullable_string(c: &mut Cursor<'_>) -> Option<Option<String>> {
    if c.peek()? == b'"' {
        return Some(Some(c.plain_string()?.to_string()));
    }
    (c.scalar()? == b"null").then_some(None)
}

/// As `review::operation_or_empty`: `""` and `null` are none.
fn operation_of(c: &mut Cursor<'_>) -> Option<Option<Operation>> {
    let text = nullable_string(c)?.unwrap_or_default();
    if text.is_empty() {
        return Some(None);
    }
    Operation::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(&text))
        .ok()
        .map(Some)
}

/// The pod: `null`, or its own Go encoding, checked where it lies (the check validates it).
fn pod<'a>(c: &mut Cursor<'a>) -> Option<Option<PodObject<'a>>> {
    if c.peek()? == b'n' {
        return (c.scalar()? == b"null").then_some(None);
    }
    Object::go_encoded_at(c).map(|object| Some(PodObject(object)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn review(object: serde_json::Value) -> serde_json::Value {
        json!({
            "kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
            "request": {
                "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
                "namespace": "shop", "operation": "CREATE",
                "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                             "groups": ["system:serviceaccounts"], "extra": {"x": ["1.5e3"]}},
                "object": object, "oldObject": null, "dryRun": false,
                "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
            }
        })
    }

    fn go_pod() -> serde_json::Value {
        json!({"kind": "Pod", "apiVersion": "v1",
               "metadata": {"generateName": "web-", "namespace": "shop",
                            "managedFields": [{"manager": "kube-controller-manager", "fieldsV1": {"f:spec": {}}}]},
               "spec": {"containers": [{"name": "web", "image": "nginx", "resources": {}}]},
               "status": {}})
    }

    /// What `serde_json` reads, field for field.
    fn by_serde(body: &[u8]) -> Option<String> {
        serde_json::from_slice::<IncomingReview>(body)
            .ok()
            .map(|r| format!("{r:?}"))
    }

    #[test]
    fn a_controllers_review_is_read_as_serde_reads_it() {
        let body = serde_json::to_vec(&review(go_pod())).unwrap();
        let fast = read(&body).expect("read in one pass");
        assert_eq!(Some(format!("{fast:?}")), by_serde(&body));
        let request = fast.request.unwrap();
        assert!(matches!(request.uid, Cow::Borrowed(_)));
        assert!(matches!(
            request.object,
            Some(PodObject(Object::GoEncoded(_)))
        ));
        let mut null = review(serde_json::Value::Null);
        null["request"]["dryRun"] = json!(null);
        let body = serde_json::to_vec(&null).unwrap();
        assert_eq!(read(&body).map(|r| format!("{r:?}")), by_serde(&body));
    }

    /// Whatever this declines, `serde_json` reads (or refuses) as before; whatever it reads,
    /// `serde_json` reads the same.
    #[test]
    fn anything_unusual_is_left_to_serde() {
        let good = serde_json::to_vec(&review(go_pod())).unwrap();
        let text = String::from_utf8(good.clone()).unwrap();
        let mut variants: Vec<Vec<u8>> = vec![
            text.replace(r#""uid":"705"#, r#""uid":"\u0037705"#)
                .into_bytes(),
            text.replace(
                r#""namespace":"shop","operation""#,
                r#""namespace":"shop","namespace":"x","operation""#,
            )
            .into_bytes(),
            text.replace(r#""dryRun":false"#, r#""dryRun":"no""#)
                .into_bytes(),
            text.replace(r#""operation":"CREATE""#, r#""operation":"MAKE""#)
                .into_bytes(),
            text.replace(r#""resources":{}"#, r#""resources":{},"x":1"#)
                .into_bytes(),
            text.replace(r#""groups":["#, r#""groups":[1 "#)
                .into_bytes(),
            text.replace(r#""f:spec":{}"#, r#""f:spec":{"#).into_bytes(),
            text.replace(r#""image":"nginx""#, "\"image\":\"ngi\u{1}nx\"")
                .into_bytes(),
            format!("{text} x").into_bytes(),
            text.replace(r#""kind":{"group""#, r#""kind":{"extra":1,"group""#)
                .into_bytes(),
        ];
        variants.push(vec![0xff]);
        variants.push(good[..good.len() / 2].to_vec());
        for body in &variants {
            let fast = read(body).map(|r| format!("{r:?}"));
            if fast.is_some() {
                assert_eq!(fast, by_serde(body), "{}", String::from_utf8_lossy(body));
            }
        }
        // These are read, not declined.
        let unknown_top = text.replacen('{', r#"{"x":[{"y":null}],"#, 1).into_bytes();
        assert!(read(&unknown_top).is_some());
        assert_eq!(
            read(&unknown_top).map(|r| format!("{r:?}")),
            by_serde(&unknown_top)
        );
        // Random single-byte edits of the body: whatever is still read, `serde_json` reads
        // the same (`serde_json` may read more: those are declined and left to it).
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let bytes = b"{}[]\",:0-.e\\ \tnul\x01\xc3";
        let mut read_edits = 0;
        for _ in 0..3_000 {
            let mut body = good.clone();
            let at = next(body.len());
            match next(3) {
                0 => {
                    body.remove(at);
                }
                1 => body.insert(at, bytes[next(bytes.len())]),
                _ => body[at] = bytes[next(bytes.len())],
            }
            if let Some(fast) = read(&body) {
                read_edits += 1;
                assert_eq!(
                    Some(format!("{fast:?}")),
                    by_serde(&body),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
        assert!(read_edits > 0, "every edit declined");
        // And these are declined.
        for declined in &variants[..4] {
            assert!(
                read(declined).is_none(),
                "{}",
                String::from_utf8_lossy(declined)
            );
        }
    }
}
