//! The plain-HTTP admin listener: `/healthz`, `/readyz`, `/metrics`.
//!
//! Liveness says only "the process answers". Readiness says "send me reviews": settings and
//! certificate loaded (true once we are serving at all), the cluster watches have listed
//! everything once (`--kube=on`), and no shutdown in progress, so the Service stops routing
//! to a draining pod before its listener closes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::kube::ClusterView;
use super::metrics::Metrics;

/// What `/readyz` reports.
#[derive(Debug, Default)]
pub struct Health {
    shutting_down: AtomicBool,
}

impl Health {
    pub fn set_shutting_down(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    pub fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
pub struct AdminState {
    pub health: Arc<Health>,
    pub metrics: Arc<Metrics>,
    pub cluster: Option<ClusterView>,
}

pub fn router(state: AdminState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AdminState>) -> Response {
    if state.health.shutting_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    if state.cluster.as_ref().is_some_and(|c| !c.synced()) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "waiting for the namespace and node lists\n",
        )
            .into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}

async fn metrics(State(state): State<AdminState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get_status(router: Router, path: &str) -> (StatusCode, String) {
        let res = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn endpoints() {
        let state = AdminState {
            health: Arc::new(Health::default()),
            metrics: Arc::new(Metrics::new()),
            cluster: None,
        };
        let r = router(state.clone());
        assert_eq!(get_status(r.clone(), "/healthz").await.0, StatusCode::OK);
        assert_eq!(get_status(r.clone(), "/readyz").await.0, StatusCode::OK);
        let (status, text) = get_status(r.clone(), "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("sidecar_injection_requests_total"));
        state.health.set_shutting_down();
        assert_eq!(
            get_status(r, "/readyz").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
