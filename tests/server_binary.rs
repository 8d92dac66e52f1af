//! The real binary: SIGTERM drains in-flight requests and exits, a stuck request cannot hold
//! it past the grace period, `--log-format json` logs one JSON object per line, and bad
//! flags or files stop the start with a non-zero status.

mod server_support;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use server_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-injector");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    addr: SocketAddr,
    ca: String,
}

impl Server {
    /// Starts `serve --self-signed` and waits until it serves TLS.
    async fn start(extra: &[&str]) -> Server {
        let (port, admin) = (free_port(), free_port());
        let mut child = Command::new(BIN)
            .args(["serve", "--self-signed", "--kube=off"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ca_path = line
            .trim()
            .strip_prefix("CA certificate: ")
            .unwrap_or_else(|| panic!("unexpected first stdout line {line:?}"));
        let ca = std::fs::read_to_string(ca_path).unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let conn = connector(&ca, &[b"http/1.1"]);
        let up = eventually(Duration::from_secs(10), || {
            let conn = conn.clone();
            async move { tls_connect(addr, &conn).await.is_ok() }
        })
        .await;
        assert!(up, "server did not come up");
        Server { child, addr, ca }
    }

    fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Waits for exit; `None` if still running after `limit`.
    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn stderr(&mut self) -> String {
        let mut s = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only our own child, by its pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    let mut server = Server::start(&["--shutdown-grace", "20s"]).await;
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

#[tokio::test]
async fn a_stuck_request_cannot_hold_shutdown_past_the_grace_period() {
    let mut server = Server::start(&["--shutdown-grace", "1s", "--request-timeout", "60s"]).await;
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

#[tokio::test]
async fn json_logs_carry_the_review_fields() {
    let mut server = Server::start(&["--log-format", "json"]).await;
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
