//! Bad input never crashes or hangs: a table of requests and their answers (in-process),
//! then the slow and greedy clients only a real socket can play.

mod server_support;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use rstest::rstest;
use server_support::*;
use sidecar_injector::server::admission::{router, MAX_BODY_BYTES};
use sidecar_injector::server::certs::Issued;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn deep_nesting() -> Vec<u8> {
    let mut v = br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"spec":"#.to_vec();
    v.extend(std::iter::repeat_n(b'[', 100_000));
    // Valid JSON: the review reads `object` as text (without recursing), then the pod's parse
    // meets the nesting.
    v.extend(std::iter::repeat_n(b']', 100_000));
    v.extend_from_slice(b"}}}");
    v
}

fn huge_body() -> Vec<u8> {
    let mut v = fixture("deployment-pod.json");
    v.truncate(v.len() - 2);
    v.extend_from_slice(b", \"padding\": \"");
    v.extend(std::iter::repeat_n(b'x', MAX_BODY_BYTES));
    v.extend_from_slice(b"\"}");
    v
}

#[rstest]
#[case::no_content_type(None, b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type")]
#[case::text_plain(Some("text/plain"), b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "want application/json")]
#[case::yaml(
    Some("application/yaml"),
    fixture("deployment-pod.json"),
    StatusCode::UNSUPPORTED_MEDIA_TYPE,
    "application/yaml"
)]
#[case::empty(
    Some("application/json"),
    Vec::new(),
    StatusCode::BAD_REQUEST,
    "no body"
)]
#[case::not_json(Some("application/json"), b"hello".to_vec(), StatusCode::BAD_REQUEST, "not an AdmissionReview")]
#[case::not_utf8(Some("application/json"), vec![0xff, 0xfe, 0x00], StatusCode::BAD_REQUEST, "not an AdmissionReview")]
#[case::empty_object(Some("application/json"), b"{}".to_vec(), StatusCode::BAD_REQUEST, "no kind or apiVersion")]
#[case::wrong_kind(Some("application/json"), br#"{"kind":"Pod","apiVersion":"v1"}"#.to_vec(), StatusCode::BAD_REQUEST, "\"Pod\"")]
#[case::wrong_version(Some("application/json"), br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v2"}"#.to_vec(), StatusCode::BAD_REQUEST, "admission.k8s.io/v2")]
#[case::no_request(Some("application/json"), br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}"#.to_vec(), StatusCode::BAD_REQUEST, "has no request")]
#[case::no_uid(Some("application/json"), br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE"}}"#.to_vec(), StatusCode::BAD_REQUEST, "uid")]
#[case::bad_operation(Some("application/json"), br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"EXPLODE"}}"#.to_vec(), StatusCode::BAD_REQUEST, "EXPLODE")]
#[case::object_not_a_map(Some("application/json"), br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":[1,2]}}"#.to_vec(), StatusCode::BAD_REQUEST, "a Pod object")]
#[case::truncated(Some("application/json"), fixture("deployment-pod.json")[..1000].to_vec(), StatusCode::BAD_REQUEST, "EOF")]
#[case::deep_nesting(
    Some("application/json"),
    deep_nesting(),
    StatusCode::BAD_REQUEST,
    "recursion limit"
)]
#[case::too_large(
    Some("application/json"),
    huge_body(),
    StatusCode::PAYLOAD_TOO_LARGE,
    "limit"
)]
#[tokio::test]
async fn bad_requests(
    #[case] content_type: Option<&str>,
    #[case] body: Vec<u8>,
    #[case] want: StatusCode,
    #[case] message: &str,
) {
    let st = state();
    let reply = call(
        &router(st.clone()),
        Method::POST,
        "/inject",
        content_type,
        body,
    )
    .await;
    assert_eq!(reply.status, want, "{}", reply.text());
    assert!(
        reply.text().contains(message),
        "{:?} does not mention {message:?}",
        reply.text()
    );
    assert!(reply
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let metrics = metrics_text(&st);
    assert!(
        metrics.contains("sidecar_injection_requests_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sidecar_injection_failure_total{reason="),
        "{metrics}"
    );
}

// ---------------------------------------------------------------------------
// Real sockets: slow and greedy clients

struct Pki {
    _dir: tempfile::TempDir,
    ca: String,
    flags: Vec<String>,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let issued = Issued::new_ca_and_leaf(&[SERVER_NAME, "127.0.0.1"]).unwrap();
    let cert = dir.path().join("tls.crt");
    let key = dir.path().join("tls.key");
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, &issued.key_pem).unwrap();
    let flags = vec![
        "--tls-cert".to_string(),
        cert.display().to_string(),
        "--tls-key".to_string(),
        key.display().to_string(),
    ];
    Pki {
        _dir: dir,
        ca: issued.ca_pem,
        flags,
    }
}

async fn start_with(pki: &Pki, extra: &[&str]) -> sidecar_injector::server::Running {
    let mut flags: Vec<&str> = pki.flags.iter().map(String::as_str).collect();
    flags.extend_from_slice(extra);
    start_server(&flags).await.0
}

/// Reads until EOF (or error) and returns what came, within `limit`.
async fn read_to_close<R: AsyncReadExt + Unpin>(r: &mut R, limit: Duration) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match r.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()?;
    Some(out)
}

#[tokio::test]
async fn a_client_that_never_handshakes_is_dropped() {
    let pki = pki();
    let server = start_with(&pki, &["--handshake-timeout", "300ms"]).await;
    let mut tcp = tokio::net::TcpStream::connect(server.webhook_addr)
        .await
        .unwrap();
    let started = Instant::now();
    let got = read_to_close(&mut tcp, Duration::from_secs(5)).await;
    assert!(got.is_some(), "connection not closed");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let pki = pki();
    let server = start_with(&pki, &["--header-read-timeout", "300ms"]).await;
    let mut tls = tls_connect(server.webhook_addr, &connector(&pki.ca, &[b"http/1.1"]))
        .await
        .unwrap();
    tls.write_all(b"POST /inject HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let got = read_to_close(&mut tls, Duration::from_secs(5)).await;
    assert!(got.is_some(), "connection not closed");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let pki = pki();
    let server = start_with(&pki, &["--header-read-timeout", "300ms"]).await;
    let mut tls = tls_connect(server.webhook_addr, &connector(&pki.ca, &[b"http/1.1"]))
        .await
        .unwrap();
    let started = Instant::now();
    assert!(read_to_close(&mut tls, Duration::from_secs(5))
        .await
        .is_some());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    let pki = pki();
    let server = start_with(&pki, &["--request-timeout", "300ms"]).await;
    let mut tls = tls_connect(server.webhook_addr, &connector(&pki.ca, &[b"http/1.1"]))
        .await
        .unwrap();
    tls.write_all(
        b"POST /inject HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":",
    )
    .await
    .unwrap();
    let got = read_to_close(&mut tls, Duration::from_secs(5))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let metrics = server.state.metrics.encode();
    assert!(
        metrics.contains("sidecar_injection_failure_total{reason=\"timeout\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_it_is_sent() {
    let pki = pki();
    let server = start_with(&pki, &[]).await;
    let mut tls = tls_connect(server.webhook_addr, &connector(&pki.ca, &[b"http/1.1"]))
        .await
        .unwrap();
    let head = format!(
        "POST /inject HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    let got = read_to_close(&mut tls, Duration::from_secs(5))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}

#[tokio::test]
async fn connections_over_the_limit_wait_their_turn() {
    let pki = pki();
    let server = start_with(&pki, &["--max-connections", "1"]).await;
    let conn = connector(&pki.ca, &[b"http/1.1"]);
    let first = tls_connect(server.webhook_addr, &conn).await.unwrap();
    // The second TCP connect succeeds (kernel backlog) but nobody handshakes with it yet.
    let second = tokio::time::timeout(
        Duration::from_millis(500),
        tls_connect(server.webhook_addr, &conn),
    )
    .await;
    assert!(
        second.is_err(),
        "second connection was served beyond the limit"
    );
    drop(first);
    let mut send = tokio::time::timeout(
        Duration::from_secs(5),
        h1_client(server.webhook_addr, &conn),
    )
    .await
    .expect("served once the first connection closed");
    let res = send
        .send_request(inject_request(fixture("configmap-create.json")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
