//! Wiring `serve`: load and check everything, bind, spawn, and hand back a [`Running`]
//! server. Each step is a named function; any failure here stops the start with a message
//! naming the flag or file at fault.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::admin::{self, AdminState, Health};
use super::certmgr;
use super::certs::{write_self_signed, SELF_SIGNED_NAMES};
use super::cli::{KubeMode, ServeArgs};
use super::conn::{self, Limits};
use super::events::Events;
use super::kube::ClusterView;
use super::metrics::Metrics;
use super::reload::{fingerprint, spawn_file_watch, Settings};
use super::shutdown::Shutdown;
use super::tls::{server_config, CertStore};
use super::{admission, AppState, NativeSidecars};

/// A started server.
#[derive(Debug)]
pub struct Running {
    pub webhook_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    /// `--self-signed`: the CA certificate clients should trust.
    pub ca_file: Option<PathBuf>,
    pub state: AppState,
    webhook: JoinHandle<()>,
    admin: JoinHandle<()>,
    admin_shutdown: Shutdown,
    /// Keeps `--self-signed` files until exit.
    _tempdir: Option<tempfile::TempDir>,
}

impl Running {
    /// Waits for shutdown and the drain; the admin listener stops last, so `/readyz`
    /// answers 503 while the webhook drains.
    pub async fn wait(self) {
        if let Err(e) = self.webhook.await {
            tracing::error!(error = %e, "webhook listener task failed");
        }
        self.admin_shutdown.trigger();
        let _ = self.admin.await;
        tracing::info!("stopped");
    }
}

/// Starts the server; it stops when `shutdown` triggers.
pub async fn start(args: ServeArgs, shutdown: Shutdown) -> anyhow::Result<Running> {
    let metrics = Arc::new(Metrics::new());
    // Fingerprints before the first load: a change racing the load is then seen as one.
    let settings_print = fingerprint(&settings_paths(&args));
    let settings = build_settings(&args)?;
    let cert_print = cert_paths(&args).map(|p| fingerprint(&p));
    let client = build_client(&args).await?;
    let (store, ca_file, tempdir) = build_certs(&args, client.as_ref(), &shutdown)?;
    let events = client
        .as_ref()
        .filter(|_| args.events == KubeMode::On)
        .map(|c| Events::spawn(c.clone(), metrics.clone(), shutdown.clone()));
    let cluster = client.map(|c| ClusterView::spawn(c, shutdown.clone()));
    let native = resolve_native(args.native_sidecars, cluster.is_some());
    let webhook_listener = bind("--listen", args.listen).await?;
    let admin_listener = bind("--admin-listen", args.admin_listen).await?;
    let prints = (
        settings_print,
        cert_print.unwrap_or_else(|| fingerprint(&store.paths())),
    );
    spawn_reloaders(&args, prints, &settings, &store, &metrics, &shutdown);

    let state = AppState {
        settings,
        metrics: metrics.clone(),
        native,
        cluster: cluster.clone(),
        events,
        request_timeout: args.limits.request_timeout,
        memo: (args.limits.review_memo > 0)
            .then(|| Arc::new(admission::memo::Memo::new(args.limits.review_memo))),
    };
    let limits = limits_from(&args);
    let webhook_addr = webhook_listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    let acceptor = TlsAcceptor::from(server_config(store)?);
    let webhook = tokio::spawn(conn::serve(
        "webhook",
        webhook_listener,
        Some(acceptor),
        admission::router(state.clone()),
        limits,
        shutdown.clone(),
    ));
    let admin_state = AdminState {
        health: Arc::new(Health::default()),
        metrics,
        cluster,
    };
    let (admin, admin_shutdown) = spawn_admin(admin_listener, admin_state, limits, shutdown);
    tracing::info!(%webhook_addr, %admin_addr, native = ?native, "serving");
    Ok(Running {
        webhook_addr,
        admin_addr,
        ca_file,
        state,
        webhook,
        admin,
        admin_shutdown,
        _tempdir: tempdir,
    })
}

fn limits_from(args: &ServeArgs) -> Limits {
    Limits {
        max_connections: args.limits.max_connections,
        handshake_timeout: args.limits.handshake_timeout,
        header_read_timeout: args.limits.header_read_timeout,
        grace: args.shutdown_grace,
        ..Limits::default()
    }
}

/// The admin listener runs on its own shutdown signal, triggered once the webhook has
/// drained; meanwhile `/readyz` reports the shutdown.
fn spawn_admin(
    listener: TcpListener,
    state: AdminState,
    limits: Limits,
    shutdown: Shutdown,
) -> (JoinHandle<()>, Shutdown) {
    let health = state.health.clone();
    tokio::spawn(async move {
        shutdown.wait_draining().await;
        health.set_shutting_down();
    });
    let admin_shutdown = Shutdown::new();
    let limits = Limits {
        grace: Duration::from_secs(1),
        ..limits
    };
    let task = tokio::spawn(conn::serve(
        "admin",
        listener,
        None,
        admin::router(state),
        limits,
        admin_shutdown.clone(),
    ));
    (task, admin_shutdown)
}

fn build_settings(args: &ServeArgs) -> anyhow::Result<Arc<Settings>> {
    let settings = Settings::load(args.values_file.clone(), args.mesh_config_file.clone())
        .context("loading --valuesFile / --meshConfigFile")?;
    Ok(Arc::new(settings))
}

type Certs = (Arc<CertStore>, Option<PathBuf>, Option<tempfile::TempDir>);

fn build_certs(
    args: &ServeArgs,
    client: Option<&::kube::Client>,
    shutdown: &Shutdown,
) -> anyhow::Result<Certs> {
    if args.tls.self_signed {
        let dir = tempfile::Builder::new()
            .prefix("sidecar-injector-")
            .tempdir()
            .context("creating a directory for --self-signed certificates")?;
        let files = write_self_signed(dir.path(), &SELF_SIGNED_NAMES)?;
        // On stdout, so scripts can pick it up; logs go to stderr.
        println!("CA certificate: {}", files.ca.display());
        let store = CertStore::load(&files.cert, &files.key)?;
        return Ok((store, Some(files.ca), Some(dir)));
    }
    if args.self_manage.self_manage_certs {
        return build_self_managed(args, client, shutdown);
    }
    let (Some(cert), Some(key)) = (&args.tls.tls_cert, &args.tls.tls_key) else {
        bail!(
            "--tls-cert and --tls-key are required (or --self-signed for a throwaway certificate)"
        );
    };
    Ok((CertStore::load(cert, key)?, None, None))
}

fn build_self_managed(
    args: &ServeArgs,
    client: Option<&::kube::Client>,
    shutdown: &Shutdown,
) -> anyhow::Result<Certs> {
    let sm = &args.self_manage;
    let (Some(dir), Some(config)) = (&sm.cert_dir, &sm.webhook_config_name) else {
        bail!("--self-manage-certs needs --cert-dir and --webhook-config-name");
    };
    let Some(client) = client else {
        bail!("--self-manage-certs needs --kube=on to keep the caBundle of {config} current");
    };
    let files = certmgr::prepare(dir, &sm.service_names)
        .with_context(|| format!("creating certificates in --cert-dir {}", dir.display()))?;
    let store = CertStore::load(&files.cert, &files.key)?;
    let ca_file = dir.join("ca.crt");
    certmgr::spawn(
        client.clone(),
        config.clone(),
        sm.service_names.clone(),
        files,
        shutdown.clone(),
    );
    Ok((store, Some(ca_file), None))
}

async fn build_client(args: &ServeArgs) -> anyhow::Result<Option<::kube::Client>> {
    if args.kube == KubeMode::Off {
        return Ok(None);
    }
    const HINT: &str = "connecting to the Kubernetes API (use --kube=off to run without it)";
    let config = ::kube::Config::infer().await.context(HINT)?;
    let client = crate::cluster::client(config).context(HINT)?;
    Ok(Some(client))
}

/// The shared rule ([`crate::native::resolve`]): `Auto` stays only when the nodes decide.
fn resolve_native(mode: NativeSidecars, have_cluster: bool) -> NativeSidecars {
    use crate::native::Resolved;
    let env = crate::native::env_value();
    let (resolved, note) = crate::native::resolve(mode, env.as_deref(), have_cluster);
    if let Some(note) = note {
        tracing::warn!("{note}");
    }
    match resolved {
        Resolved::Nodes => NativeSidecars::Auto,
        Resolved::Fixed(on) => {
            if mode == NativeSidecars::Auto {
                let why = if env.is_some() {
                    crate::native::ENV
                } else {
                    "no --kube=on"
                };
                tracing::info!(native = on, "--native-sidecars=auto decided by {why}");
            }
            if on {
                NativeSidecars::On
            } else {
                NativeSidecars::Off
            }
        }
    }
}

async fn bind(flag: &str, addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {flag} {addr}"))
}

fn settings_paths(args: &ServeArgs) -> Vec<PathBuf> {
    args.values_file
        .iter()
        .chain(args.mesh_config_file.iter())
        .cloned()
        .collect()
}

/// The certificate files given by flag (`--self-signed` makes its own).
fn cert_paths(args: &ServeArgs) -> Option<Vec<PathBuf>> {
    match (&args.tls.tls_cert, &args.tls.tls_key) {
        (Some(c), Some(k)) => Some(vec![c.clone(), k.clone()]),
        _ => None,
    }
}

fn spawn_reloaders(
    args: &ServeArgs,
    (settings_print, cert_print): (u64, u64),
    settings: &Arc<Settings>,
    store: &Arc<CertStore>,
    metrics: &Arc<Metrics>,
    shutdown: &Shutdown,
) {
    let (s, m) = (settings.clone(), metrics.clone());
    spawn_file_watch(
        "settings",
        settings.paths(),
        settings_print,
        args.reload_poll,
        shutdown.clone(),
        move || {
            let _ = s.reload(&m);
        },
    );
    let (c, m) = (store.clone(), metrics.clone());
    spawn_file_watch(
        "certificate",
        store.paths(),
        cert_print,
        args.reload_poll,
        shutdown.clone(),
        move || {
            let _ = c.reload(&m);
        },
    );
}
