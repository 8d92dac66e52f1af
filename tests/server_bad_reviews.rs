//! Bad input that is still an AdmissionReview (or an HTTP request on the wrong method or
//! path): each row gets the expected HTTP status and answer, and after every row the same
//! router still injects a good pod. Patches that come back must apply to the pod as sent.

mod server_support;

use axum::http::{Method, StatusCode};
use rstest::rstest;
use serde_json::{json, Value};
use server_support::*;
use sidecar_injector::server::admission::router;

/// What a row must get back.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// 200, allowed, no patch.
    Allowed,
    /// 200, allowed, a patch that applies to the object as sent.
    Patched,
    /// 200, `allowed: false`, the message contains this.
    Denied(&'static str),
    /// This HTTP status and a plain-text message containing this.
    Http(u16, &'static str),
}

fn with_request(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut review = fixture_json("deployment-pod.json");
    f(&mut review["request"]);
    serde_json::to_vec(&review).unwrap()
}

fn with_pod(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    with_request(|r| f(&mut r["object"]))
}

fn containers(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    with_pod(|p| f(&mut p["spec"]["containers"][0]))
}

fn annotated(name: &str, value: &str) -> Vec<u8> {
    let (name, value) = (name.to_string(), value.to_string());
    with_pod(move |p| {
        p["metadata"]["annotations"] = json!({ name: value });
    })
}

/// Replaces the first occurrence of `from` in the good review's bytes.
fn bytes_replaced(from: &str, to: &[u8]) -> Vec<u8> {
    let text = fixture("deployment-pod.json");
    let at = text
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap();
    let mut out = text[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&text[at + from.len()..]);
    out
}

fn nested(open: &str, depth: usize) -> Vec<u8> {
    let head = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{"labels":"#;
    let mut v = head.as_bytes().to_vec();
    v.extend(open.repeat(depth).bytes());
    // Valid JSON, so that the nesting is what the pod's parse refuses.
    let close = if open == "[" { "]" } else { "}" };
    v.extend_from_slice(if open == "[" { b"" } else { b"1" });
    v.extend(close.repeat(depth).bytes());
    v.extend_from_slice(b"}}}}");
    v
}

#[rstest]
// Operations and kinds we leave alone.
#[case::delete(with_request(|r| r["operation"] = json!("DELETE")), Want::Allowed)]
#[case::update(with_request(|r| r["operation"] = json!("UPDATE")), Want::Allowed)]
#[case::connect(with_request(|r| r["operation"] = json!("CONNECT")), Want::Allowed)]
#[case::not_a_pod_kind(with_request(|r| r["kind"]["kind"] = json!("ConfigMap")), Want::Allowed)]
#[case::pod_subresource(with_request(|r| r["subResource"] = json!("ephemeralcontainers")), Want::Allowed)]
#[case::dry_run(with_request(|r| r["dryRun"] = json!(true)), Want::Patched)]
#[case::v1beta1(with_request(|_| {}).into_iter().collect::<Vec<u8>>().pipe_v1beta1(), Want::Patched)]
// Envelope problems: 400 with what is wrong.
#[case::uid_not_a_string(with_request(|r| r["uid"] = json!(7)), Want::Http(400, "uid"))]
#[case::request_null(with_request(|r| *r = Value::Null), Want::Http(400, "request"))]
#[case::object_missing(with_request(|r| { r.as_object_mut().unwrap().remove("object"); }), Want::Denied("no object"))]
#[case::object_null(with_request(|r| r["object"] = Value::Null), Want::Denied("no object"))]
#[case::object_string(with_request(|r| r["object"] = json!("pod")), Want::Http(400, "a Pod object"))]
#[case::invalid_utf8_in_string(
    bytes_replaced("reviews-v1-5d7f8c9b4-", b"reviews-\xff\xfe-"),
    Want::Http(400, "not an AdmissionReview")
)]
#[case::lone_surrogate_escape(
    bytes_replaced("reviews-v1-5d7f8c9b4-", br"\ud800x"),
    Want::Http(400, "not an AdmissionReview")
)]
#[case::deep_arrays(nested("[", 5_000), Want::Http(400, "recursion limit"))]
#[case::deep_objects(nested(r#"{"a":"#, 5_000), Want::Http(400, "recursion limit"))]
#[case::trailing_garbage({ let mut b = fixture("deployment-pod.json"); b.extend_from_slice(b"}}"); b }, Want::Http(400, "trailing"))]
// A Pod with wrong field types: Istio's decode fails, the pod is refused with the field.
#[case::containers_not_a_list(with_pod(|p| p["spec"]["containers"] = json!({"name": "x"})), Want::Denied("containers"))]
#[case::container_name_number(containers(|c| c["name"] = json!(5)), Want::Denied("name"))]
#[case::ports_not_a_list(containers(|c| c["ports"] = json!("80")), Want::Denied("ports"))]
#[case::port_number_string(containers(|c| c["ports"] = json!([{"containerPort": "eighty"}])), Want::Denied("containerPort"))]
#[case::labels_not_strings(with_pod(|p| p["metadata"]["labels"] = json!({"app": 1})), Want::Denied("labels"))]
#[case::annotations_a_list(with_pod(|p| p["metadata"]["annotations"] = json!(["a"])), Want::Denied("annotations"))]
#[case::spec_a_string(with_pod(|p| p["spec"] = json!("spec")), Want::Denied("spec"))]
#[case::env_value_object(containers(|c| c["env"] = json!([{"name": "A", "value": {"x": 1}}])), Want::Denied("value"))]
#[case::resources_bad_quantity(containers(|c| c["resources"] = json!({"limits": {"cpu": "lots"}})), Want::Denied("cpu"))]
// Nulls in every optional place: carried through, the patch still applies.
#[case::containers_null(with_pod(|p| p["spec"]["containers"] = Value::Null), Want::Patched)]
#[case::init_containers_null(with_pod(|p| p["spec"]["initContainers"] = Value::Null), Want::Patched)]
#[case::volumes_null(with_pod(|p| p["spec"]["volumes"] = Value::Null), Want::Patched)]
#[case::labels_null(with_pod(|p| p["metadata"]["labels"] = Value::Null), Want::Patched)]
#[case::annotations_null(with_pod(|p| p["metadata"]["annotations"] = Value::Null), Want::Patched)]
#[case::ports_null(containers(|c| c["ports"] = Value::Null), Want::Patched)]
#[case::env_null(containers(|c| c["env"] = Value::Null), Want::Patched)]
#[case::probe_null(containers(|c| c["readinessProbe"] = Value::Null), Want::Patched)]
#[case::security_context_null(with_pod(|p| p["spec"]["securityContext"] = Value::Null), Want::Patched)]
#[case::metadata_null(with_pod(|p| p["metadata"] = Value::Null), Want::Patched)]
#[case::spec_empty(with_pod(|p| p["spec"] = json!({})), Want::Patched)]
// Odd strings are carried through, never a corrupt patch.
#[case::control_chars_in_label(with_pod(|p| p["metadata"]["labels"]["note"] = json!("a\u{1}b\r\n\u{85}\u{2028}")), Want::Patched)]
#[case::huge_annotation_key(annotated(&"k".repeat(70_000), "v"), Want::Patched)]
#[case::newline_in_annotation_key(annotated("a\nb", "v"), Want::Patched)]
// Annotations Istio refuses: denied, naming the annotation.
#[case::bad_proxy_cpu(
    annotated("sidecar.istio.io/proxyCPU", "lots"),
    Want::Denied("sidecar.istio.io/proxyCPU")
)]
#[case::bad_inbound_ports(
    annotated("traffic.sidecar.istio.io/includeInboundPorts", "80,x"),
    Want::Denied("includeInboundPorts")
)]
#[case::bad_proxy_config_yaml(
    annotated("proxy.istio.io/config", "{a: "),
    Want::Denied("proxy.istio.io/config")
)]
#[case::deep_proxy_config(annotated("proxy.istio.io/config", &"- ".repeat(20_000)), Want::Denied("proxy.istio.io/config"))]
#[case::quadratic_proxy_config(annotated("proxy.istio.io/config", &"{a: ".repeat(40_000)), Want::Denied("proxy.istio.io/config"))]
// Caps far past any real workload: refused with the limit named.
#[case::too_many_containers(with_pod(|p| p["spec"]["containers"] = json!((0..300).map(|i| json!({"name": format!("c{i}"), "image": "x"})).collect::<Vec<_>>())), Want::Denied("over the limit of 256"))]
#[case::too_many_env(containers(|c| c["env"] = json!((0..10_001).map(|i| json!({"name": format!("E{i}")})).collect::<Vec<_>>())), Want::Denied("env: 10001 is over the limit"))]
#[case::too_many_volumes(with_pod(|p| p["spec"]["volumes"] = json!((0..1_100).map(|i| json!({"name": format!("v{i}"), "emptyDir": {}})).collect::<Vec<_>>())), Want::Denied("spec.volumes: 1100"))]
#[case::annotations_over_256k(annotated("big", &"x".repeat(300 * 1024)), Want::Denied("over Kubernetes' limit"))]
#[case::bad_interception_mode(
    annotated("sidecar.istio.io/interceptionMode", "SOMETIMES"),
    Want::Denied("interceptionMode")
)]
#[tokio::test]
async fn bad_reviews(#[case] body: Vec<u8>, #[case] want: Want) {
    let st = state();
    let app = router(st.clone());
    let sent: Option<Value> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.pointer("/request/object").cloned());
    let reply = post_review(&app, "/inject", body).await;
    match want {
        Want::Http(code, message) => {
            assert_eq!(reply.status.as_u16(), code, "{}", reply.text());
            assert!(
                reply.text().contains(message),
                "{:?} lacks {message:?}",
                reply.text()
            );
        }
        Want::Allowed => {
            let r = reply.response();
            assert_eq!(r["allowed"], true, "{r}");
            assert!(patch_of(&r).is_none(), "{r}");
        }
        Want::Denied(message) => {
            let r = reply.response();
            assert_eq!(r["allowed"], false, "{r}");
            let text = r["status"]["message"].as_str().unwrap_or_default();
            assert!(text.contains(message), "{text:?} lacks {message:?}");
            assert!(
                text.len() < 2_000,
                "message not bounded: {} bytes",
                text.len()
            );
        }
        Want::Patched => {
            let r = reply.response();
            assert_eq!(r["allowed"], true, "{r}");
            let patch = patch_of(&r).expect("a patch");
            let mut pod = sent.expect("the review had an object");
            json_patch::patch(&mut pod, &patch)
                .unwrap_or_else(|e| panic!("patch does not apply to the pod as sent: {e}"));
            let names: Vec<&str> = pod["spec"]["containers"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["name"].as_str())
                .collect();
            assert!(names.contains(&"istio-proxy"), "{names:?}");
        }
    }
    // The router goes on serving.
    let good = post_review(&app, "/inject", fixture("deployment-pod.json")).await;
    assert!(patch_of(&good.response()).is_some());
}

#[rstest]
#[case::get(Method::GET, "/inject", 405, "POST")]
#[case::put(Method::PUT, "/inject", 405, "POST")]
#[case::delete(Method::DELETE, "/inject/", 405, "POST")]
#[case::unknown_path(Method::POST, "/mutate", 404, "/inject")]
#[case::root(Method::GET, "/", 404, "/inject")]
#[tokio::test]
async fn wrong_method_or_path(
    #[case] method: Method,
    #[case] path: &str,
    #[case] status: u16,
    #[case] message: &str,
) {
    let app = router(state());
    let reply = call(
        &app,
        method,
        path,
        Some("application/json"),
        fixture("deployment-pod.json"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::from_u16(status).unwrap());
    assert!(
        reply.text().contains(message),
        "{:?} lacks {message:?}",
        reply.text()
    );
}

trait V1beta1 {
    fn pipe_v1beta1(self) -> Vec<u8>;
}

impl V1beta1 for Vec<u8> {
    /// The same review as `admission.k8s.io/v1beta1`, which old API servers send.
    fn pipe_v1beta1(self) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(&self).unwrap();
        v["apiVersion"] = json!("admission.k8s.io/v1beta1");
        serde_json::to_vec(&v).unwrap()
    }
}
