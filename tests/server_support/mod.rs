//! Helpers shared by the `server_*` integration tests: fixtures, in-process calls, a TLS
//! client, and a server started in-process on loopback.
#![allow(dead_code)]

pub mod binary;
pub mod fake_api;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sidecar_injector::server::reload::Settings;
use sidecar_injector::server::shutdown::Shutdown;
use sidecar_injector::server::{metrics::Metrics, AppState, Running, ServeArgs};
use sidecar_injector::settings::Snapshot;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;
use tower::ServiceExt;

pub const SERVER_NAME: &str = "sidecar-injector.istio-system.svc";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/admission")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

pub fn fixture_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/admission");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Default settings (Istio 1.30.3's values and mesh config), native sidecars off.
pub fn state() -> AppState {
    let snap = Snapshot::load(None, None).unwrap();
    AppState::new(Arc::new(Settings::fixed(snap)), Arc::new(Metrics::new()))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The AdmissionReview answer (asserting the envelope).
    pub fn review(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        assert_eq!(
            self.headers.get("content-type").unwrap(),
            "application/json"
        );
        let v: Value = serde_json::from_slice(&self.body).unwrap();
        assert_eq!(v["kind"], "AdmissionReview");
        v
    }

    pub fn response(&self) -> Value {
        self.review()["response"].clone()
    }
}

pub async fn call(
    router: &Router,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn post_review(router: &Router, path: &str, body: Vec<u8>) -> Reply {
    call(router, Method::POST, path, Some("application/json"), body).await
}

/// The decoded JSON Patch of a response, if any.
pub fn patch_of(response: &Value) -> Option<json_patch::Patch> {
    let b64 = response.get("patch")?.as_str()?;
    assert_eq!(response["patchType"], "JSONPatch");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    Some(serde_json::from_slice(&raw).unwrap())
}

/// A review of `pod` (CREATE in `namespace`) with a fresh uid.
pub fn review_of(pod: &Value, namespace: &str, uid: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace, "operation": "CREATE",
            "userInfo": {"username": "test"}, "object": pod, "oldObject": null,
        }
    }))
    .unwrap()
}

pub fn metrics_text(state: &AppState) -> String {
    state.metrics.encode()
}

// ---------------------------------------------------------------------------
// Real sockets

/// Starts the server in-process on loopback ports with `extra` flags.
pub async fn start_server(extra: &[&str]) -> (Running, Shutdown) {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--kube=off",
    ];
    args.extend_from_slice(extra);
    let args = ServeArgs::try_parse_from(args).unwrap();
    let shutdown = Shutdown::new();
    let running = sidecar_injector::server::start(args, shutdown.clone())
        .await
        .unwrap();
    (running, shutdown)
}

pub fn connector(ca_pem: &str, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

pub async fn tls_connect(
    addr: SocketAddr,
    connector: &TlsConnector,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(SERVER_NAME.to_string()).unwrap();
    connector.connect(name, tcp).await
}

/// The DER of the leaf certificate a new connection is served.
pub async fn served_leaf(addr: SocketAddr, connector: &TlsConnector) -> Vec<u8> {
    let tls = tls_connect(addr, connector).await.unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

/// An HTTP/1.1 client connection over TLS.
pub async fn h1_client(
    addr: SocketAddr,
    connector: &TlsConnector,
) -> hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>> {
    let tls = tls_connect(addr, connector).await.unwrap();
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    send
}

pub fn inject_request(body: Vec<u8>) -> hyper::Request<http_body_util::Full<bytes::Bytes>> {
    hyper::Request::post("/inject?timeout=10s")
        .header("host", SERVER_NAME)
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap()
}

pub async fn into_reply(res: hyper::Response<hyper::body::Incoming>) -> Reply {
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Polls `f` until it is true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}
