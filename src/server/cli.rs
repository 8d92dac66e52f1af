//! The `serve` flags (each with a `SIDECAR_INJECTOR_*` environment variable) and [`run`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, ValueEnum};

use super::shutdown::Shutdown;
use super::start::start;
use super::NativeSidecars;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// HTTPS address for the webhook.
    /// `:PORT` (every interface, as istiod takes it), `host:port` or `[v6]:port`.
    #[arg(long, env = "SIDECAR_INJECTOR_LISTEN", default_value = "0.0.0.0:15017", value_parser = parse_listen)]
    pub listen: SocketAddr,

    /// Plain-HTTP address for /healthz, /readyz and /metrics.
    #[arg(
        long,
        env = "SIDECAR_INJECTOR_ADMIN_LISTEN",
        default_value = "0.0.0.0:15014",
        value_parser = parse_listen
    )]
    pub admin_listen: SocketAddr,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Injector values (istioctl --valuesFile format); Istio 1.30.3's defaults when absent.
    #[arg(
        long = "valuesFile",
        alias = "values-file",
        env = "SIDECAR_INJECTOR_VALUES_FILE"
    )]
    pub values_file: Option<PathBuf>,

    /// MeshConfig (istioctl --meshConfigFile format); Istio's defaults when absent.
    #[arg(
        long = "meshConfigFile",
        alias = "mesh-config-file",
        env = "SIDECAR_INJECTOR_MESH_CONFIG_FILE"
    )]
    pub mesh_config_file: Option<PathBuf>,

    /// Inject istio-proxy as a native sidecar: true, false, or auto (as Istio: ENABLE_NATIVE_SIDECARS
    /// if set, else every node's kubelet is 1.33+, from the node watch; false with --kube=off).
    #[arg(
        long,
        env = "SIDECAR_INJECTOR_NATIVE_SIDECARS",
        value_enum,
        default_value = "auto"
    )]
    pub native_sidecars: NativeSidecars,

    /// Watch namespaces and nodes through the Kubernetes API.
    #[arg(long, env = "SIDECAR_INJECTOR_KUBE", value_enum, default_value = "on")]
    pub kube: KubeMode,

    /// With --kube=on, post Kubernetes Events (Injected, InjectionSkipped, InjectionFailed)
    /// on the workload owning each admitted pod, aggregated and rate-limited.
    #[arg(
        long,
        env = "SIDECAR_INJECTOR_EVENTS",
        value_enum,
        default_value = "on"
    )]
    pub events: KubeMode,

    /// Worker threads of the async runtime, which also run the injection of all but huge
    /// pods; default: the cores available to the process (its CPU affinity / cgroup quota).
    #[arg(long, env = "SIDECAR_INJECTOR_WORKERS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: Option<u16>,

    /// Log format on stderr.
    #[arg(
        long,
        env = "SIDECAR_INJECTOR_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// After SIGTERM, how long to keep accepting and serving (readiness already failing)
    /// while Kubernetes takes the pod out of the Service's endpoints. Default: 5s in a
    /// Kubernetes pod, 0s elsewhere (no Service routes to a process outside a pod).
    #[arg(long, env = "SIDECAR_INJECTOR_SHUTDOWN_DELAY", value_parser = parse_duration)]
    pub shutdown_delay: Option<Duration>,

    /// After the drain delay, how long to wait for open requests before exiting.
    #[arg(long, env = "SIDECAR_INJECTOR_SHUTDOWN_GRACE", default_value = "20s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,

    /// Poll interval for settings and certificate files (file events are watched too).
    #[arg(long, env = "SIDECAR_INJECTOR_RELOAD_POLL", default_value = "10s", value_parser = parse_duration)]
    pub reload_poll: Duration,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub self_manage: SelfManageArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// Serving certificate chain (PEM); reloaded when it changes.
    #[arg(long, env = "SIDECAR_INJECTOR_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// Serving private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "SIDECAR_INJECTOR_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Generate a throwaway CA and a certificate for localhost, 127.0.0.1 and
    /// sidecar-injector.istio-system.svc; print the CA path. For trying things out.
    #[arg(long, env = "SIDECAR_INJECTOR_SELF_SIGNED", conflicts_with_all = ["tls_cert", "tls_key"])]
    pub self_signed: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, env = "SIDECAR_INJECTOR_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Time for a client to send request headers (HTTP/1.1; also the keep-alive idle limit).
    #[arg(long, env = "SIDECAR_INJECTOR_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// Time for a client to send the request body.
    #[arg(long, env = "SIDECAR_INJECTOR_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Time for the TLS handshake.
    #[arg(long, env = "SIDECAR_INJECTOR_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub handshake_timeout: Duration,

    /// Answers kept for replicas: a review that differs from one answered before only in its
    /// uid and token volume name (the pods of one ReplicaSet) is answered again without
    /// injecting; 0 keeps none.
    /// At most 4 MiB in all; bodies over 256 KiB are never kept.
    #[arg(long, env = "SIDECAR_INJECTOR_REVIEW_MEMO", default_value_t = 256)]
    pub review_memo: usize,
}

#[derive(Debug, Clone, Args)]
pub struct SelfManageArgs {
    /// Create our own CA and serving certificate in --cert-dir and keep the
    /// MutatingWebhookConfiguration's caBundle current (needs --kube=on).
    #[arg(long, env = "SIDECAR_INJECTOR_SELF_MANAGE_CERTS", requires_all = ["cert_dir", "webhook_config_name"], conflicts_with_all = ["tls_cert", "tls_key", "self_signed"])]
    pub self_manage_certs: bool,

    /// Where self-managed certificates live (an emptyDir is fine).
    #[arg(long, env = "SIDECAR_INJECTOR_CERT_DIR")]
    pub cert_dir: Option<PathBuf>,

    /// The MutatingWebhookConfiguration whose caBundle we keep current.
    #[arg(long, env = "SIDECAR_INJECTOR_WEBHOOK_CONFIG_NAME")]
    pub webhook_config_name: Option<String>,

    /// DNS names of the webhook Service for the self-managed certificate.
    #[arg(
        long,
        env = "SIDECAR_INJECTOR_SERVICE_NAMES",
        value_delimiter = ',',
        default_value = "sidecar-injector.istio-system.svc"
    )]
    pub service_names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KubeMode {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Only for parsing `serve` flags on their own (tests, embedding).
#[derive(Debug, Parser)]
#[command(name = "serve")]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    /// Parses `serve`'s flags (the first item is the program name, as for clap).
    pub fn try_parse_from<I, T>(args: I) -> Result<ServeArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        ServeOnly::try_parse_from(args).map(|s| s.args)
    }

    /// `--shutdown-delay` if given, else [`POD_SHUTDOWN_DELAY`] in a pod and zero outside one.
    pub fn effective_shutdown_delay(&self, in_pod: bool) -> Duration {
        self.shutdown_delay.unwrap_or(if in_pod {
            POD_SHUTDOWN_DELAY
        } else {
            Duration::ZERO
        })
    }
}

/// The delay a pod needs while its endpoints catch up; a process outside a pod has none.
const POD_SHUTDOWN_DELAY: Duration = Duration::from_secs(5);

/// Whether we run in a Kubernetes pod: the kubelet gives every container
/// `KUBERNETES_SERVICE_HOST`, whatever `enableServiceLinks` says.
fn in_pod() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|h| !h.is_empty())
}

/// `sidecar-injector serve`: runs until SIGTERM/SIGINT, then drains and returns.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let shutdown = Shutdown::new();
    shutdown
        .spawn_signal_listener(args.effective_shutdown_delay(in_pod()))
        .context("installing the SIGTERM handler")?;
    let running = start(args, shutdown).await?;
    running.wait().await;
    Ok(())
}

/// Logs to stderr; `RUST_LOG` filters (default `info`). A second call is a no-op.
pub fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    // notify logs routine inotify bookkeeping at info; keep it out of ours.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,notify=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// `500ms`, `20s`, `2m`, `1h`, or bare seconds.
/// A listen address as Go's `net.Listen` takes it: `:15017` (every interface), `host:15017`
/// (a name is resolved; its first address is used), `1.2.3.4:15017`, `[::1]:15017`.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Some(port) = text.strip_prefix(':') {
        let port: u16 = port
            .parse()
            .map_err(|_| format!("{text:?}: the port must be a number from 0 to 65535"))?;
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.to_socket_addrs()
        .map_err(|e| format!("{text:?}: want :PORT, HOST:PORT or [IPv6]:PORT ({e})"))?
        .next()
        .ok_or_else(|| format!("{text:?}: the host name resolves to no address"))
}

/// A duration flag in Go's `time.ParseDuration` grammar (`500ms`, `20s`, `1m30s`), as Istio's
/// own flags take them (`crate::go::time`, one implementation); a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let secs: f64 = t
            .parse()
            .map_err(|_| format!("{text:?} is not a duration like 500ms, 20s or 2m"))?;
        return Duration::try_from_secs_f64(secs).map_err(|e| format!("{text:?}: {e}"));
    }
    let nanos = crate::go::time::parse_duration(t).map_err(|e| format!("{text:?}: {e}"))?;
    let nanos = u64::try_from(nanos)
        .map_err(|_| format!("{text:?}: a negative duration is not allowed"))?;
    Ok(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("20s", 20_000)]
    #[case("500ms", 500)]
    #[case("2m", 120_000)]
    #[case("1.5s", 1_500)]
    #[case("7", 7_000)]
    #[case("1m30s", 90_000)]
    #[case("1.5h", 5_400_000)]
    fn durations(#[case] text: &str, #[case] ms: u128) {
        assert_eq!(parse_duration(text).unwrap().as_millis(), ms);
    }

    #[rstest]
    #[case("")]
    #[case("s")]
    #[case("10 parsecs")]
    #[case("-1s")]
    #[case("5 s")]
    #[case("1.2.3")]
    fn bad_durations(#[case] text: &str) {
        assert!(parse_duration(text).is_err());
    }

    #[test]
    fn compat_harness_command_line_parses() {
        let a = ServeArgs::try_parse_from([
            "serve",
            "--listen",
            "127.0.0.1:9443",
            "--admin-listen",
            "127.0.0.1:9444",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--valuesFile",
            "v.yaml",
            "--meshConfigFile",
            "m.yaml",
            "--kube=off",
            "--native-sidecars=true",
        ])
        .unwrap();
        assert_eq!(a.listen.port(), 9443);
        assert_eq!(a.kube, KubeMode::Off);
        assert_eq!(a.native_sidecars, NativeSidecars::On);
        assert_eq!(
            a.values_file.as_deref().and_then(|p| p.to_str()),
            Some("v.yaml")
        );
        assert_eq!(a.shutdown_grace, Duration::from_secs(20));
        assert_eq!(a.shutdown_delay, None);
        assert_eq!(a.effective_shutdown_delay(true), Duration::from_secs(5));
        assert_eq!(a.effective_shutdown_delay(false), Duration::ZERO);
    }

    #[test]
    fn listen_addresses_as_istiod_takes_them() {
        assert_eq!(
            parse_listen(":15017").unwrap(),
            "0.0.0.0:15017".parse().unwrap()
        );
        assert_eq!(
            parse_listen("127.0.0.1:1").unwrap(),
            "127.0.0.1:1".parse().unwrap()
        );
        assert_eq!(
            parse_listen("[::1]:443").unwrap(),
            "[::1]:443".parse().unwrap()
        );
        assert!(parse_listen("localhost:15017").unwrap().ip().is_loopback());
        assert!(parse_listen(":http")
            .unwrap_err()
            .contains("port must be a number"));
        assert!(parse_listen("nope").unwrap_err().contains("want :PORT"));
    }

    #[test]
    fn self_signed_conflicts_with_files() {
        assert!(ServeArgs::try_parse_from(["serve", "--self-signed", "--tls-cert", "c"]).is_err());
        assert!(ServeArgs::try_parse_from(["serve", "--self-manage-certs"]).is_err());
    }
}
