//! `--kube=on` against a mocked API service (`kube::Client::new(service, "default")`):
//! namespace labels and kubelet versions as the watches deliver them, and readiness.

mod server_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use server_support::fake_api::{namespace, node, FakeApi};
use server_support::*;
use sidecar_injector::server::admin::{self, AdminState, Health};
use sidecar_injector::server::kube::ClusterView;
use sidecar_injector::server::metrics::Metrics;
use sidecar_injector::server::shutdown::Shutdown;
use sidecar_injector::server::NativeSidecars;
use tower::ServiceExt;

fn labels(view: &ClusterView, ns: &str) -> Option<BTreeMap<String, String>> {
    view.namespace(ns)
        .map(|n| n.metadata.labels.clone().unwrap_or_default())
}

async fn synced(view: &ClusterView) {
    let v = view.clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let v = v.clone();
            async move { v.synced() }
        })
        .await,
        "watches did not sync"
    );
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn namespace_labels_follow_the_watch() {
    let api = FakeApi::new(
        vec![
            namespace("shop", json!({"istio-injection": "enabled"}), 1),
            namespace("canary", json!({"istio.io/rev": "canary"}), 1),
        ],
        vec![],
    );
    let shutdown = Shutdown::new();
    let view = ClusterView::spawn(api.client(), shutdown.clone());
    synced(&view).await;
    assert_eq!(
        labels(&view, "shop"),
        Some(map(&[("istio-injection", "enabled")]))
    );
    assert_eq!(
        labels(&view, "canary"),
        Some(map(&[("istio.io/rev", "canary")]))
    );
    assert_eq!(labels(&view, "nowhere"), None);
    // Trimmed on the way in.
    let shop = view.namespace("shop").unwrap();
    assert!(shop.metadata.managed_fields.is_none() && shop.status.is_none());

    // Label flip: enabled → disabled.
    api.send(
        "namespaces",
        "MODIFIED",
        namespace("shop", json!({"istio-injection": "disabled"}), 2),
    );
    let v = view.clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let l = labels(&v, "shop");
            async move { l == Some(map(&[("istio-injection", "disabled")])) }
        })
        .await
    );
    // Revision change and a new namespace.
    api.send(
        "namespaces",
        "MODIFIED",
        namespace("canary", json!({"istio.io/rev": "stable"}), 3),
    );
    api.send("namespaces", "ADDED", namespace("fresh", json!({}), 4));
    let v = view.clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let ok = labels(&v, "canary") == Some(map(&[("istio.io/rev", "stable")]))
                && labels(&v, "fresh") == Some(BTreeMap::new());
            async move { ok }
        })
        .await
    );
    api.send("namespaces", "DELETED", namespace("fresh", json!({}), 5));
    let v = view.clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let gone = v.namespace("fresh").is_none();
            async move { gone }
        })
        .await
    );
    shutdown.trigger();
}

#[tokio::test]
async fn native_sidecars_auto_follows_kubelet_versions() {
    let api = FakeApi::new(
        vec![],
        vec![node("new", "v1.33.1", 1), node("old", "v1.32.4-eks-1", 1)],
    );
    let view = ClusterView::spawn(api.client(), Shutdown::new());
    synced(&view).await;
    let mut state = state();
    state.native = NativeSidecars::Auto;
    state.cluster = Some(view.clone());
    assert!(
        !state.native_sidecars(None),
        "a 1.32 node disables native sidecars"
    );
    assert!(
        state.native_sidecars(Some("new")),
        "a pod bound to a 1.33 node gets them"
    );
    assert!(!state.native_sidecars(Some("old")));

    api.send("nodes", "MODIFIED", node("old", "v1.33.0", 2));
    let st = state.clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let on = st.native_sidecars(None);
            async move { on }
        })
        .await,
        "upgrading the last old node enables native sidecars"
    );
    api.send("nodes", "ADDED", node("legacy", "v1.29.0", 3));
    let st = state.clone();
    assert!(
        eventually(Duration::from_secs(5), || {
            let on = st.native_sidecars(None);
            async move { !on }
        })
        .await,
        "a new old node disables them again"
    );
    // Explicit modes ignore the nodes.
    state.native = NativeSidecars::On;
    assert!(state.native_sidecars(None));
    state.native = NativeSidecars::Off;
    assert!(!state.native_sidecars(Some("new")));
}

#[tokio::test]
async fn not_ready_until_both_lists_are_in() {
    let api = FakeApi::new(
        vec![namespace("shop", json!({}), 1)],
        vec![node("a", "v1.34.0", 1)],
    );
    api.close_gate();
    let view = ClusterView::spawn(api.client(), Shutdown::new());
    let router = admin::router(AdminState {
        health: Arc::new(Health::default()),
        metrics: Arc::new(Metrics::new()),
        cluster: Some(view.clone()),
    });
    let readyz = || async {
        router
            .clone()
            .oneshot(Request::get("/readyz").body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status()
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(readyz().await, StatusCode::SERVICE_UNAVAILABLE);
    api.open_gate();
    synced(&view).await;
    assert_eq!(readyz().await, StatusCode::OK);
}
