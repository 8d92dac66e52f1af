//! In-process router tests (`tower::ServiceExt::oneshot`) on captured AdmissionReviews.
//! Everything here holds whatever `inject::mutate` decides; the injection results themselves
//! are checked in `server_core_e2e.rs`.

mod server_support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use server_support::*;
use sidecar_injector::server::admission::router;

#[tokio::test]
async fn every_fixture_gets_a_review_echoing_its_uid() {
    let router = router(state());
    for name in fixture_names() {
        let sent = fixture_json(&name);
        let reply = post_review(&router, "/inject", fixture(&name)).await;
        let review = reply.review();
        assert_eq!(review["apiVersion"], "admission.k8s.io/v1", "{name}");
        assert_eq!(review["response"]["uid"], sent["request"]["uid"], "{name}");
        assert!(review["response"]["allowed"].is_boolean(), "{name}");
        if review["response"].get("patch").is_some() {
            assert_eq!(review["response"]["allowed"], true, "{name}");
            assert!(patch_of(&review["response"]).is_some(), "{name}");
        }
    }
}

#[tokio::test]
async fn other_operations_and_kinds_pass_untouched() {
    let st = state();
    let router = router(st.clone());
    for name in ["pod-update.json", "configmap-create.json"] {
        let response = post_review(&router, "/inject", fixture(name))
            .await
            .response();
        assert_eq!(response["allowed"], true, "{name}");
        assert!(response.get("patch").is_none(), "{name}");
        assert!(response.get("patchType").is_none(), "{name}");
        assert!(response.get("status").is_none(), "{name}");
    }
    let text = metrics_text(&st);
    assert!(
        text.contains("sidecar_injection_requests_total 2"),
        "{text}"
    );
    assert!(text.contains("sidecar_injection_success_total 2"), "{text}");
    assert!(
        text.contains("sidecar_injection_skip_total{reason=\"not_pod_create\"} 2"),
        "{text}"
    );
}

/// `istioctl kube-inject` in cluster mode calls the injection webhook itself, with a review of
/// its own making (no operation, no uid, `kind: AdmissionRequest`): injected, as istiod does.
#[tokio::test]
async fn istioctls_own_review_is_injected() {
    let router = router(state());
    let body = json!({
        "kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
        "request": {"uid": "", "kind": {"group": "admission.k8s.io", "version": "v1", "kind": "AdmissionRequest"},
                    "resource": {"group": "", "version": "", "resource": ""}, "name": "p", "namespace": "app",
                    "operation": "", "userInfo": {},
                    "object": {"metadata": {"name": "p", "namespace": "app", "creationTimestamp": null},
                               "spec": {"containers": [{"name": "a", "image": "b", "resources": {}}]}, "status": {}},
                    "oldObject": null, "options": null},
        "response": null,
    });
    let response = post_review(&router, "/inject", serde_json::to_vec(&body).unwrap())
        .await
        .response();
    assert_eq!(response["allowed"], true);
    assert_eq!(response["uid"], "");
    let patch = patch_of(&response).expect("a patch");
    let text = serde_json::to_string(&patch).unwrap();
    assert!(text.contains("istio-proxy"), "{text}");
}

#[tokio::test]
async fn injection_errors_are_denials_with_the_message() {
    // Before the core lands every pod errs ("not implemented yet"); after, the bogus
    // interceptionMode annotation does. Either way: allowed false, a message, a failure.
    let st = state();
    let router = router(st.clone());
    let response = post_review(&router, "/inject", fixture("invalid-annotation-pod.json"))
        .await
        .response();
    assert_eq!(response["uid"], "2e4c7a91-3b55-4d2f-9e1c-5c8f7a2b3d66");
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["status"], "Failure");
    assert!(!response["status"]["message"].as_str().unwrap().is_empty());
    assert!(response.get("patch").is_none());
    let text = metrics_text(&st);
    assert!(
        text.contains("sidecar_injection_failure_total{reason="),
        "{text}"
    );
    assert!(text.contains("sidecar_injection_success_total 0"), "{text}");
}

#[tokio::test]
async fn a_pod_create_without_object_is_refused_with_a_reason() {
    let mut review = fixture_json("deployment-pod.json");
    review["request"]["object"] = Value::Null;
    let response = post_review(
        &router(state()),
        "/inject",
        serde_json::to_vec(&review).unwrap(),
    )
    .await
    .response();
    assert_eq!(response["allowed"], false);
    assert!(response["status"]["message"]
        .as_str()
        .unwrap()
        .contains("no object"));
}

#[tokio::test]
async fn v1beta1_is_answered_as_v1beta1() {
    let mut review = fixture_json("configmap-create.json");
    review["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let reply = post_review(
        &router(state()),
        "/inject",
        serde_json::to_vec(&review).unwrap(),
    )
    .await;
    assert_eq!(reply.review()["apiVersion"], "admission.k8s.io/v1beta1");
}

#[tokio::test]
async fn istio_path_forms_are_served() {
    let router = router(state());
    for path in [
        "/inject",
        "/inject/",
        "/inject?timeout=10s",
        "/inject/cluster/cluster1/net/network1",
        "/inject/cluster/c--slash--1/net/n1?timeout=30s",
        "/inject/:ENV:cluster=c1:ENV:net=n1",
    ] {
        let reply = post_review(&router, path, fixture("configmap-create.json")).await;
        assert_eq!(reply.response()["allowed"], true, "{path}");
    }
    let reply = post_review(&router, "/mutate", fixture("configmap-create.json")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = call(&router, Method::GET, "/inject", None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn time_is_observed_per_review() {
    let st = state();
    let router = router(st.clone());
    post_review(&router, "/inject", fixture("configmap-create.json")).await;
    post_review(&router, "/inject", b"nope".to_vec()).await;
    let text = metrics_text(&st);
    assert!(
        text.contains("sidecar_injection_time_seconds_count 2"),
        "{text}"
    );
    assert!(
        text.contains("sidecar_injection_failure_total{reason=\"bad_request\"} 1"),
        "{text}"
    );
}
