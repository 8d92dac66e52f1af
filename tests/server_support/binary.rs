//! The real binary, started as a child process: `serve --self-signed` on loopback ports.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{connector, eventually, tls_connect};

pub const BIN: &str = env!("CARGO_BIN_EXE_sidecar-injector");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub admin: SocketAddr,
    pub ca: String,
}

impl Server {
    /// Starts `serve --self-signed` and waits until it serves TLS, as a process outside a
    /// Kubernetes pod.
    pub async fn start(extra: &[&str]) -> Server {
        Server::start_in(extra, false).await
    }

    /// [`Server::start`], in a pod (`KUBERNETES_SERVICE_HOST` set, as the kubelet sets it)
    /// or not.
    pub async fn start_in(extra: &[&str], in_pod: bool) -> Server {
        let (port, admin) = (free_port(), free_port());
        let mut cmd = Command::new(BIN);
        if in_pod {
            cmd.env("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        } else {
            cmd.env_remove("KUBERNETES_SERVICE_HOST");
        }
        let mut child = cmd
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
        let admin: SocketAddr = format!("127.0.0.1:{admin}").parse().unwrap();
        Server {
            child,
            addr,
            admin,
            ca,
        }
    }

    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Waits for exit; `None` if still running after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn stderr(&mut self) -> String {
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
