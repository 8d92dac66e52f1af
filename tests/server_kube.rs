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

// ---------------------------------------------------------------------------
// --self-manage-certs: keeping the MutatingWebhookConfiguration's caBundle current

mod webhook_config {
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};

    use base64::Engine;
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
    use serde_json::{json, Value};
    use sidecar_injector::server::certmgr::ensure_ca_bundle;
    use sidecar_injector::server::certs::Ca;

    const PATH: &str =
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector";

    fn config() -> Value {
        let hook = |name: &str| {
            json!({
                "name": name, "admissionReviewVersions": ["v1"], "sideEffects": "None",
                "clientConfig": {"service": {"name": "sidecar-injector", "namespace": "istio-system", "path": "/inject"}},
            })
        };
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "istio-sidecar-injector", "resourceVersion": "1"},
            "webhooks": [hook("rev.namespace.sidecar-injector.istio.io"), hook("rev.object.sidecar-injector.istio.io")],
        })
    }

    /// GET and JSON-PATCH on one object, like the API server (test ops included).
    fn client(store: Arc<Mutex<Value>>, patches: Arc<Mutex<usize>>) -> kube::Client {
        let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
            let (store, patches) = (store.clone(), patches.clone());
            async move {
                assert_eq!(req.uri().path(), PATH);
                let method = req.method().clone();
                let body = req.into_body().collect().await.unwrap().to_bytes();
                let mut obj = store.lock().unwrap().clone();
                let mut status = http::StatusCode::OK;
                if method == http::Method::PATCH {
                    *patches.lock().unwrap() += 1;
                    let patch: json_patch::Patch = serde_json::from_slice(&body).unwrap();
                    match json_patch::patch(&mut obj, &patch) {
                        Ok(()) => {
                            let rv: u64 = obj["metadata"]["resourceVersion"]
                                .as_str()
                                .unwrap()
                                .parse()
                                .unwrap();
                            obj["metadata"]["resourceVersion"] = json!((rv + 1).to_string());
                            *store.lock().unwrap() = obj.clone();
                        }
                        Err(e) => {
                            status = http::StatusCode::UNPROCESSABLE_ENTITY;
                            obj = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                         "message": e.to_string(), "reason": "Invalid", "code": 422});
                        }
                    }
                }
                let mut res =
                    http::Response::new(Full::new(Bytes::from(serde_json::to_vec(&obj).unwrap())));
                *res.status_mut() = status;
                Ok::<_, Infallible>(res)
            }
        });
        kube::Client::new(service, "default")
    }

    fn bundles(obj: &Value) -> Vec<Vec<u8>> {
        obj["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                base64::engine::general_purpose::STANDARD
                    .decode(w["clientConfig"]["caBundle"].as_str().unwrap_or(""))
                    .unwrap()
            })
            .collect()
    }

    fn contains(bundle: &[u8], ca_pem: &str) -> bool {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::CertificateDer;
        let want = CertificateDer::pem_slice_iter(ca_pem.as_bytes())
            .next()
            .unwrap()
            .unwrap();
        CertificateDer::pem_slice_iter(bundle).any(|c| c.unwrap() == want)
    }

    #[tokio::test]
    async fn ca_bundle_is_added_kept_and_repaired() {
        let store = Arc::new(Mutex::new(config()));
        let patches = Arc::new(Mutex::new(0));
        let api =
            kube::Api::<MutatingWebhookConfiguration>::all(client(store.clone(), patches.clone()));
        let ours = Ca::new(30).unwrap();
        let name = "istio-sidecar-injector";

        assert!(ensure_ca_bundle(&api, name, &ours.cert_pem).await.unwrap());
        for b in bundles(&store.lock().unwrap()) {
            assert!(contains(&b, &ours.cert_pem));
        }
        // Already current: no patch.
        assert!(!ensure_ca_bundle(&api, name, &ours.cert_pem).await.unwrap());
        assert_eq!(*patches.lock().unwrap(), 1);

        // Another replica adds its CA: both are trusted.
        let other = Ca::new(30).unwrap();
        assert!(ensure_ca_bundle(&api, name, &other.cert_pem).await.unwrap());
        for b in bundles(&store.lock().unwrap()) {
            assert!(contains(&b, &ours.cert_pem) && contains(&b, &other.cert_pem));
        }

        // `helm upgrade` resets the bundle: repaired on the next round.
        store.lock().unwrap()["webhooks"][1]["clientConfig"]
            .as_object_mut()
            .unwrap()
            .remove("caBundle");
        assert!(ensure_ca_bundle(&api, name, &ours.cert_pem).await.unwrap());
        let b = bundles(&store.lock().unwrap());
        assert!(contains(&b[1], &ours.cert_pem));
    }

    #[tokio::test]
    async fn a_missing_configuration_is_an_error_naming_it() {
        let service = tower::service_fn(|_req: http::Request<kube::client::Body>| async {
            let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                              "message": "not found", "reason": "NotFound", "code": 404});
            let mut res =
                http::Response::new(Full::new(Bytes::from(serde_json::to_vec(&body).unwrap())));
            *res.status_mut() = http::StatusCode::NOT_FOUND;
            Ok::<_, Infallible>(res)
        });
        let api =
            kube::Api::<MutatingWebhookConfiguration>::all(kube::Client::new(service, "default"));
        let ca = Ca::new(30).unwrap();
        let err = ensure_ca_bundle(&api, "istio-sidecar-injector", &ca.cert_pem)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("istio-sidecar-injector"), "{err}");
    }
}
