//! Real-socket TLS tests: protocols, and certificates rotated the way kubelet rotates a
//! mounted Secret (a new timestamped directory, then `..data` swapped by rename).

mod server_support;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;

use hyper_util::rt::{TokioExecutor, TokioIo};
use server_support::*;
use sidecar_injector::server::certs::Issued;
use tokio_rustls::rustls::ProtocolVersion;

/// A Secret volume as kubelet lays it out: `tls.crt -> ..data/tls.crt`, `..data -> ..TS`.
struct SecretVolume {
    dir: tempfile::TempDir,
    generation: u32,
}

impl SecretVolume {
    fn new(issued: &Issued) -> SecretVolume {
        let mut v = SecretVolume {
            dir: tempfile::tempdir().unwrap(),
            generation: 0,
        };
        v.publish(&issued.cert_pem, &issued.key_pem);
        for name in ["tls.crt", "tls.key"] {
            symlink(Path::new("..data").join(name), v.dir.path().join(name)).unwrap();
        }
        v
    }

    /// Writes a new timestamped directory and atomically points `..data` at it.
    fn publish(&mut self, cert: &str, key: &str) {
        self.generation += 1;
        let ts = format!(
            "..2025_06_02_10_15_{:02}.{}",
            self.generation,
            1000 + self.generation
        );
        let ts_dir = self.dir.path().join(&ts);
        std::fs::create_dir(&ts_dir).unwrap();
        std::fs::write(ts_dir.join("tls.crt"), cert).unwrap();
        std::fs::write(ts_dir.join("tls.key"), key).unwrap();
        let tmp = self.dir.path().join("..data_tmp");
        symlink(&ts, &tmp).unwrap();
        std::fs::rename(&tmp, self.dir.path().join("..data")).unwrap();
    }

    fn cert(&self) -> PathBuf {
        self.dir.path().join("tls.crt")
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("tls.key")
    }

    fn flags(&self) -> Vec<String> {
        vec![
            "--tls-cert".into(),
            self.cert().display().to_string(),
            "--tls-key".into(),
            self.key().display().to_string(),
        ]
    }
}

fn names() -> [&'static str; 2] {
    [SERVER_NAME, "127.0.0.1"]
}

async fn start_on(volume: &SecretVolume, extra: &[&str]) -> sidecar_injector::server::Running {
    let flags = volume.flags();
    let mut all: Vec<&str> = flags.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    start_server(&all).await.0
}

fn leaf_der(issued: &Issued) -> Vec<u8> {
    CertificateDer::pem_slice_iter(issued.cert_pem.as_bytes())
        .next()
        .unwrap()
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn http1_keep_alive_serves_several_reviews_on_one_connection() {
    let issued = Issued::new_ca_and_leaf(&names()).unwrap();
    let volume = SecretVolume::new(&issued);
    let server = start_on(&volume, &[]).await;
    let conn = connector(&issued.ca_pem, &[b"http/1.1"]);
    let mut send = h1_client(server.webhook_addr, &conn).await;
    for _ in 0..3 {
        send.ready().await.unwrap();
        let res = send
            .send_request(inject_request(fixture("configmap-create.json")))
            .await
            .unwrap();
        assert_eq!(res.version(), hyper::Version::HTTP_11);
        let reply = into_reply(res).await;
        assert_eq!(reply.response()["allowed"], true);
    }
}

#[tokio::test]
async fn http2_is_negotiated_by_alpn() {
    let issued = Issued::new_ca_and_leaf(&names()).unwrap();
    let volume = SecretVolume::new(&issued);
    let server = start_on(&volume, &[]).await;
    let conn = connector(&issued.ca_pem, &[b"h2", b"http/1.1"]);
    let tls = tls_connect(server.webhook_addr, &conn).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut req = inject_request(fixture("configmap-create.json"));
    *req.uri_mut() = format!("https://{SERVER_NAME}/inject?timeout=10s")
        .parse()
        .unwrap();
    let res = send.send_request(req).await.unwrap();
    assert_eq!(res.version(), hyper::Version::HTTP_2);
    assert_eq!(into_reply(res).await.response()["allowed"], true);
}

#[tokio::test]
async fn tls_1_2_and_1_3_are_offered() {
    let issued = Issued::new_ca_and_leaf(&names()).unwrap();
    let volume = SecretVolume::new(&issued);
    let server = start_on(&volume, &[]).await;
    let tls = tls_connect(server.webhook_addr, &connector(&issued.ca_pem, &[]))
        .await
        .unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_3)
    );
    // A TLS 1.2-only client is served too.
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(leaf_ca(&issued)).unwrap();
    let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&tokio_rustls::rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls12 = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tls = tls_connect(server.webhook_addr, &tls12).await.unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );
}

fn leaf_ca(issued: &Issued) -> tokio_rustls::rustls::pki_types::CertificateDer<'static> {
    CertificateDer::pem_slice_iter(issued.ca_pem.as_bytes())
        .next()
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_rotated_secret_is_served_to_new_connections_without_restart() {
    let first = Issued::new_ca_and_leaf(&names()).unwrap();
    let mut volume = SecretVolume::new(&first);
    // A long poll: the change must be picked up from the directory events.
    let server = start_on(&volume, &["--reload-poll", "1h"]).await;
    let old_conn = connector(&first.ca_pem, &[b"http/1.1"]);
    assert_eq!(
        served_leaf(server.webhook_addr, &old_conn).await,
        leaf_der(&first)
    );
    let mut established = h1_client(server.webhook_addr, &old_conn).await;

    let second = Issued::new_ca_and_leaf(&names()).unwrap();
    volume.publish(&second.cert_pem, &second.key_pem);
    let new_conn = connector(&second.ca_pem, &[b"http/1.1"]);
    let addr = server.webhook_addr;
    let want = leaf_der(&second);
    let rotated = eventually(Duration::from_secs(5), || {
        let (conn, want) = (new_conn.clone(), want.clone());
        async move {
            match tls_connect(addr, &conn).await {
                Ok(tls) => tls.get_ref().1.peer_certificates().unwrap()[0].as_ref() == want,
                Err(_) => false,
            }
        }
    })
    .await;
    assert!(rotated, "new certificate not served within 5s");
    // The connection made before the rotation keeps working.
    established.ready().await.unwrap();
    let res = established
        .send_request(inject_request(fixture("configmap-create.json")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let metrics = server.state.metrics.encode();
    assert!(
        metrics.contains("sidecar_injector_cert_reloads_total{result=\"ok\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_broken_rotation_keeps_the_old_certificate() {
    let first = Issued::new_ca_and_leaf(&names()).unwrap();
    let mut volume = SecretVolume::new(&first);
    let server = start_on(&volume, &["--reload-poll", "100ms"]).await;
    let conn = connector(&first.ca_pem, &[b"http/1.1"]);
    let other = Issued::new_ca_and_leaf(&names()).unwrap();
    // A key that does not belong to the certificate.
    volume.publish(&first.cert_pem, &other.key_pem);
    let state = server.state.clone();
    let refused = eventually(Duration::from_secs(5), || {
        let text = state.metrics.encode();
        async move { text.contains("sidecar_injector_cert_reloads_total{result=\"error\"} 1") }
    })
    .await;
    assert!(refused, "{}", server.state.metrics.encode());
    assert_eq!(
        served_leaf(server.webhook_addr, &conn).await,
        leaf_der(&first)
    );
    // Garbage in the certificate file: refused too.
    volume.publish("not a certificate", &first.key_pem);
    let refused_again = eventually(Duration::from_secs(5), || {
        let text = state.metrics.encode();
        async move { text.contains("sidecar_injector_cert_reloads_total{result=\"error\"} 2") }
    })
    .await;
    assert!(refused_again, "{}", server.state.metrics.encode());
    assert_eq!(
        served_leaf(server.webhook_addr, &conn).await,
        leaf_der(&first)
    );
}

#[tokio::test]
async fn self_signed_mode_serves_a_verifiable_certificate() {
    let (server, _shutdown) = start_server(&["--self-signed"]).await;
    let ca = std::fs::read_to_string(server.ca_file.as_ref().unwrap()).unwrap();
    let mut send = h1_client(server.webhook_addr, &connector(&ca, &[b"http/1.1"])).await;
    let res = send
        .send_request(inject_request(fixture("configmap-create.json")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
