//! Admission warnings (`response.warnings`, printed by `kubectl apply`): present for pods with
//! suspicious Istio labels and annotations, absent otherwise, bounded, and never changing the
//! answer — `allowed` and the patch are exactly what `inject::mutate` alone decides.

mod server_support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use server_support::*;
use sidecar_injector::inject::{mutate, Outcome, PodRequest};
use sidecar_injector::server::admission::router;
use sidecar_injector::settings::Snapshot;

fn pod(labels: Value, annotations: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": labels, "annotations": annotations},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]}
    })
}

/// The patch `mutate` returns by itself, for comparison with the webhook's.
fn direct_patch(p: &Value) -> Option<json_patch::Patch> {
    let snap = Snapshot::load(None, None).unwrap();
    let envs = BTreeMap::new();
    let req = PodRequest {
        namespace: "shop",
        native_sidecars: false, // AppState::new's default
        proxy_envs: &envs,
        namespace_labels: None,
    };
    match mutate(&snap, p, &req).unwrap() {
        Outcome::Skipped(_) => None,
        Outcome::Injected { patch, .. } => {
            Some(patch.to_json_patch().unwrap()).filter(|p| !p.0.is_empty())
        }
    }
}

#[tokio::test]
async fn suspicious_keys_come_back_as_warnings_and_change_nothing_else() {
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            pod(json!({"app": "web"}), json!({"sidecar.istio.io/proxyCpu": "100m"})),
            vec!["SI001 unknown Istio annotation sidecar.istio.io/proxyCpu: did you mean sidecar.istio.io/proxyCPU?"],
        ),
        (
            pod(json!({"sidecar.istio.io/inject": "yes"}), json!({})),
            vec!["SI002 label sidecar.istio.io/inject=\"yes\" is neither \"true\" nor \"false\": Istio ignores it and the injection policy decides"],
        ),
        (
            pod(json!({}), json!({"sidecar.istio.io/inject": "false"})),
            vec!["SI003 annotation sidecar.istio.io/inject is deprecated: use the label sidecar.istio.io/inject, which the webhook's selectors can see"],
        ),
        (pod(json!({"app": "web"}), json!({})), vec![]),
    ];
    let st = state();
    let router = router(st.clone());
    for (i, (p, want)) in cases.iter().enumerate() {
        let response = post_review(&router, "/inject", review_of(p, "shop", &format!("u{i}")))
            .await
            .response();
        let got: Vec<&str> = response
            .get("warnings")
            .and_then(Value::as_array)
            .map(|w| w.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(&got, want, "case {i}: {response}");
        assert_eq!(response["allowed"], true, "case {i}");
        assert_eq!(
            patch_of(&response),
            direct_patch(p),
            "case {i}: the warning changed the patch"
        );
    }
}

#[tokio::test]
async fn many_warnings_are_capped_with_a_count() {
    let mut annotations = serde_json::Map::new();
    for i in 0..14 {
        annotations.insert(format!("sidecar.istio.io/bogus{i}"), json!("1"));
    }
    let p = pod(json!({}), Value::Object(annotations));
    let response = post_review(&router(state()), "/inject", review_of(&p, "shop", "u"))
        .await
        .response();
    let warnings = response["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 11, "{response}");
    assert_eq!(warnings[10], "and 4 more sidecar-injector warnings");
    assert!(warnings.iter().all(|w| w.as_str().unwrap().len() <= 256));
}
