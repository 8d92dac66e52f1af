//! Accepting and serving connections, with the limits that keep bad clients harmless.
//!
//! - At most `max_connections` at once: a permit is taken *before* `accept`, so excess
//!   clients wait in the kernel backlog instead of costing us memory.
//! - The TLS handshake must finish within `handshake_timeout`.
//! - The protocol comes from ALPN (`h2` → HTTP/2, otherwise HTTP/1.1), so we never wait for
//!   a client to send an HTTP/2 preface to find out.
//! - HTTP/1.1: keep-alive (kube-apiserver reuses connections) and a header read timeout,
//!   which in hyper also bounds how long a keep-alive connection may sit idle.
//!   HTTP/2: a stream limit and keep-alive pings, so dead peers are noticed.
//! - Request bodies are read under the request deadline by the handler itself.
//!
//! Shutdown: the accept loop stops, every connection is told to finish (HTTP/1.1 closes
//! after the response in flight, HTTP/2 sends GOAWAY), and we wait up to the grace period.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use futures::FutureExt;
use http::header::{HeaderValue, CONNECTION};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::shutdown::Shutdown;

/// Connection limits; see the module notes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub handshake_timeout: Duration,
    pub header_read_timeout: Duration,
    pub max_concurrent_streams: u32,
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_concurrent_streams: 128,
            grace: Duration::from_secs(20),
        }
    }
}

/// Serves `router` on `listener` (over TLS when `tls` is given) until shutdown, then drains.
pub async fn serve(
    name: &'static str,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: Limits,
    shutdown: Shutdown,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p,
            _ = shutdown.wait() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait() => break,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Typically EMFILE: back off instead of spinning.
                tracing::warn!(listener = name, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let router = router.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = connection(tcp, tls, router, watcher, limits, stop).await {
                tracing::debug!(listener = name, %peer, error = %e, "connection ended with an error");
            }
        });
    }
    // Connections the kernel already completed are clients that think they are connected:
    // serve them too (they get `Connection: close`), then close the listener.
    let mut backlog = 0;
    while let Some(Ok((tcp, peer))) = listener.accept().now_or_never() {
        backlog += 1;
        let _ = tcp.set_nodelay(true);
        let (watcher, tls, router) = (graceful.watcher(), tls.clone(), router.clone());
        let stop = shutdown.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(tcp, tls, router, watcher, limits, stop).await {
                tracing::debug!(listener = name, %peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let open = graceful.count();
    tracing::info!(
        listener = name,
        open,
        backlog,
        "listener closed; draining connections"
    );
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!(listener = name, "all connections drained"),
        _ = tokio::time::sleep(limits.grace) => {
            tracing::warn!(listener = name, grace = ?limits.grace, "grace period over; dropping remaining connections");
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn connection(
    tcp: TcpStream,
    tls: Option<TlsAcceptor>,
    router: Router,
    watcher: Watcher,
    limits: Limits,
    shutdown: Shutdown,
) -> Result<(), BoxError> {
    let Some(acceptor) = tls else {
        return serve_io(tcp, false, router, watcher, limits, shutdown).await;
    };
    let stream = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp))
        .await
        .map_err(|_| "TLS handshake timed out")??;
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    serve_io(stream, h2, router, watcher, limits, shutdown).await
}

async fn serve_io<I>(
    io: I,
    h2: bool,
    router: Router,
    watcher: Watcher,
    limits: Limits,
    shutdown: Shutdown,
) -> Result<(), BoxError>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(io);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let (router, shutdown) = (router.clone(), shutdown.clone());
        async move {
            let mut response = router.oneshot(req.map(axum::body::Body::new)).await?;
            // While draining, HTTP/1.1 clients are told not to reuse the connection, so none is
            // left idle (and then closed under a client about to reuse it) at the stop.
            if !h2 && shutdown.is_draining() {
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    if h2 {
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .max_concurrent_streams(limits.max_concurrent_streams)
            .max_header_list_size(64 * 1024)
            .keep_alive_interval(Some(Duration::from_secs(20)))
            .keep_alive_timeout(Duration::from_secs(20));
        watcher.watch(builder.serve_connection(io, service)).await?;
    } else {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(64 * 1024);
        watcher.watch(builder.serve_connection(io, service)).await?;
    }
    Ok(())
}
