//! The real binary: SIGTERM drains in-flight requests and exits, a stuck request cannot hold
//! it past the grace period, `--log-format json` logs one JSON object per line, and bad
//! flags or files stop the start with a non-zero status.

mod server_support;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use server_support::binary::*;
use server_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends the headers and the first part of a review, holding back the rest.
async fn half_sent(
    server: &Server,
) -> (
    tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    Vec<u8>,
) {
    let body = fixture("configmap-create.json");
    let mut tls = tls_connect(server.addr, &connector(&server.ca, &[b"http/1.1"]))
        .await
        .unwrap();
    let head = format!(
        "POST /inject?timeout=10s HTTP/1.1\r\nHost: {SERVER_NAME}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    tls.write_all(first).await.unwrap();
    tls.flush().await.unwrap();
    (tls, rest.to_vec())
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_then_exits() {
    let mut server = Server::start(&["--shutdown-grace", "20s", "--shutdown-delay", "0s"]).await;
    let (mut tls, rest) = half_sent(&server).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.sigterm();
    // The listener closes: new connections are refused.
    let addr = server.addr;
    let closed = eventually(Duration::from_secs(5), || async move {
        tokio::net::TcpStream::connect(addr).await.is_err()
    })
    .await;
    assert!(closed, "still accepting after SIGTERM");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    // The in-flight request completes.
    tls.write_all(&rest).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut reply))
        .await
        .expect("no reply")
        .ok();
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("4a6e9cb3-5d77-4f41-b03e-7eab9c4d5f88"),
        "{text}"
    );
    let status = server
        .wait_exit(Duration::from_secs(5))
        .expect("did not exit");
    assert!(status.success(), "{status}");
}

/// A review of the fixture pod with `env` entries padding it to a large size.
fn large_review(envs: usize) -> Vec<u8> {
    let mut review = fixture_json("deployment-pod.json");
    let env: Vec<serde_json::Value> = (0..envs)
        .map(|i| serde_json::json!({"name": format!("VAR_{i}"), "value": "x".repeat(64)}))
        .collect();
    review["request"]["object"]["spec"]["containers"][0]["env"] = serde_json::Value::Array(env);
    serde_json::to_vec(&review).unwrap()
}

/// One admission on a new connection: true when answered 200 with an AdmissionReview.
async fn admitted(addr: SocketAddr, ca: String, body: Vec<u8>) -> bool {
    let Ok(tls) = tls_connect(addr, &connector(&ca, &[b"http/1.1"])).await else {
        return false;
    };
    let Ok((mut send, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await
    else {
        return false;
    };
    tokio::spawn(conn);
    match send.send_request(inject_request(body)).await {
        Ok(res) if res.status() == 200 => into_reply(res).await.text().contains("AdmissionReview"),
        _ => false,
    }
}

/// Status code of `GET path` on the plain-HTTP admin port.
async fn admin_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.ok()?;
    String::from_utf8_lossy(&out).get(9..12)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_without_losing_an_admission() {
    let mut server =
        // The delay leaves ~2 s between the last "during" connection and the listener closing:
        // on a loaded 2-core machine a handshake can wait that long in the accept queue.
        Server::start(&["--shutdown-delay", "3s", "--shutdown-grace", "20s"]).await;
    let body = large_review(1500);
    let (addr, ca) = (server.addr, server.ca.clone());
    // 20 large admissions half sent before SIGTERM and finished only after the drain delay,
    // so they are in flight across the stop.
    let mut half = Vec::new();
    for _ in 0..20 {
        let mut tls = tls_connect(addr, &connector(&ca, &[b"http/1.1"]))
            .await
            .unwrap();
        let head = format!(
            "POST /inject HTTP/1.1\r\nHost: {SERVER_NAME}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        tls.write_all(head.as_bytes()).await.unwrap();
        tls.write_all(&body[..body.len() / 2]).await.unwrap();
        tls.flush().await.unwrap();
        half.push(tls);
    }
    // 20 more racing the signal.
    let racing: Vec<_> = (0..20)
        .map(|_| tokio::spawn(admitted(addr, ca.clone(), body.clone())))
        .collect();
    server.sigterm();
    // Readiness fails at once, while the webhook still serves.
    let not_ready = eventually(Duration::from_secs(1), || async {
        admin_status(server.admin, "/readyz").await == Some(503)
    })
    .await;
    assert!(not_ready, "/readyz still ready after SIGTERM");
    // New connections during the delay, as Kubernetes still routes to a terminating pod.
    let mut during = Vec::new();
    for _ in 0..10 {
        during.push(tokio::spawn(admitted(addr, ca.clone(), body.clone())));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Past the delay: finish the half-sent ones.
    let mut answered = 0;
    for mut tls in half {
        tls.write_all(&body[body.len() / 2..]).await.unwrap();
        let mut reply = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut reply)).await;
        let text = String::from_utf8_lossy(&reply);
        if text.starts_with("HTTP/1.1 200") && text.contains("AdmissionReview") {
            answered += 1;
        }
    }
    let mut ok = 0;
    for t in racing.into_iter().chain(during) {
        if t.await.unwrap() {
            ok += 1;
        }
    }
    println!("in flight across the stop: {answered}/20 answered; racing + during the delay: {ok}/30 answered");
    assert_eq!((answered, ok), (20, 30), "admissions lost during shutdown");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("did not exit");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn a_stuck_request_cannot_hold_shutdown_past_the_grace_period() {
    let mut server = Server::start(&[
        "--shutdown-grace",
        "1s",
        "--shutdown-delay",
        "0s",
        "--request-timeout",
        "60s",
    ])
    .await;
    let (_tls, _rest) = half_sent(&server).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    server.sigterm();
    let status = server
        .wait_exit(Duration::from_secs(5))
        .expect("did not exit");
    assert!(status.success(), "{status}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "exited before the grace period: {took:?}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
}

/// Without `--shutdown-delay`, a pod drains for 5 s (its endpoints are still being removed)
/// and a process outside a pod, which no Service routes to, stops at once.
#[tokio::test]
async fn the_default_shutdown_delay_is_for_pods_only() {
    let mut outside = Server::start(&[]).await;
    let started = Instant::now();
    outside.sigterm();
    let status = outside
        .wait_exit(Duration::from_secs(4))
        .expect("outside a pod: still running 4 s after SIGTERM");
    assert!(status.success(), "{status}");
    let took = started.elapsed();

    let mut pod = Server::start_in(&[], true).await;
    let started = Instant::now();
    pod.sigterm();
    let not_ready = eventually(Duration::from_secs(2), || async {
        admin_status(pod.admin, "/readyz").await == Some(503)
    })
    .await;
    assert!(not_ready, "in a pod: /readyz still ready after SIGTERM");
    let (addr, ca) = (pod.addr, pod.ca.clone());
    assert!(
        admitted(addr, ca, fixture("configmap-create.json")).await,
        "in a pod: not serving during the drain"
    );
    let status = pod
        .wait_exit(Duration::from_secs(15))
        .expect("in a pod: did not exit");
    assert!(status.success(), "{status}");
    let drained = started.elapsed();
    assert!(
        drained >= Duration::from_millis(4500),
        "in a pod: exited {drained:?} after SIGTERM, before the 5 s delay"
    );
    println!("default delay: outside a pod exit after {took:?}, in a pod after {drained:?}");
}

#[tokio::test]
async fn json_logs_carry_the_review_fields() {
    let mut server = Server::start(&["--log-format", "json", "--shutdown-delay", "0s"]).await;
    let mut send = h1_client(server.addr, &connector(&server.ca, &[b"http/1.1"])).await;
    let res = send
        .send_request(inject_request(fixture("configmap-create.json")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    drop(send);
    server.sigterm();
    server
        .wait_exit(Duration::from_secs(5))
        .expect("did not exit");
    let logs = server.stderr();
    let mut found = false;
    for line in logs.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["message"] == "review answered" {
            assert_eq!(
                v["span"]["uid"], "4a6e9cb3-5d77-4f41-b03e-7eab9c4d5f88",
                "{line}"
            );
            assert!(v["span"]["decision"].is_string(), "{line}");
            assert!(v["span"].get("patch_bytes").is_some(), "{line}");
            found = true;
        }
    }
    assert!(found, "no review log line in\n{logs}");
}

#[test]
fn bad_starts_exit_non_zero_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--kube=off".into()],
            "--tls-cert and --tls-key are required",
        ),
        (
            vec![
                "--kube=off".into(),
                "--tls-cert".into(),
                missing.display().to_string(),
                "--tls-key".into(),
                missing.display().to_string(),
            ],
            "missing.pem",
        ),
        (vec!["--native-sidecars=maybe".into()], "maybe"),
        (
            vec![
                "--kube=off".into(),
                "--self-manage-certs".into(),
                "--cert-dir".into(),
                dir.path().display().to_string(),
                "--webhook-config-name".into(),
                "istio-sidecar-injector".into(),
            ],
            "needs --kube=on",
        ),
    ];
    for (args, want) in cases {
        let out = Command::new(BIN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
