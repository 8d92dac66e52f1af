//! `sidecar-injector`: the admission webhook (`serve`) and the offline injector (`kube-inject`).
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::string_slice
    )
)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use sidecar_injector::cluster;
use sidecar_injector::kube_inject::{self, Options};
use sidecar_injector::native::NativeSidecars;

mod gitops_cli;

#[derive(Parser)]
#[command(
    name = "sidecar-injector",
    version,
    about = "Istio sidecar injection: admission webhook and kube-inject"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inject the sidecar into the workloads of a YAML file, like `istioctl kube-inject`.
    KubeInject(KubeInjectArgs),
    /// Explain, per workload, whether the webhook would inject it and which rule decides.
    Explain(ExplainArgs),
    /// Serve the mutating admission webhook over HTTPS.
    Serve(Box<sidecar_injector::server::ServeArgs>),
    /// Remove an injection, reading what was added from `sidecar.istio.io/status`.
    Uninject(gitops_cli::UninjectArgs),
    /// Per namespace and workload: injected, opted out, or waiting for a restart
    /// (reads `kubectl get ns,deploy,sts,ds,rs,pods -A -o yaml`).
    Coverage(gitops_cli::ReportArgs),
    /// Pods whose sidecar differs from what the current settings inject, with the
    /// `kubectl rollout restart` lines to run.
    Outdated(gitops_cli::OutdatedArgs),
}

#[derive(clap::Args)]
struct KubeInjectArgs {
    /// Input file (`-` for standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE|-")]
    filename: String,
    /// Output file (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Injector values (the istio-sidecar-injector ConfigMap's `values`); default: the
    /// cluster's ConfigMap, or Istio 1.30.3's with no cluster configured.
    #[arg(long = "valuesFile", value_name = "FILE")]
    values_file: Option<PathBuf>,
    /// MeshConfig (the istio ConfigMap's `mesh`); default: the cluster's, or Istio 1.30.3's.
    #[arg(long = "meshConfigFile", value_name = "FILE")]
    mesh_config_file: Option<PathBuf>,
    /// Injection config (the istio-sidecar-injector ConfigMap's `config`: its templates), or one
    /// template; default: the cluster's, or Istio 1.30.3's templates.
    #[arg(long = "injectConfigFile", value_name = "FILE")]
    inject_config_file: Option<PathBuf>,
    /// ConfigMap holding `values` and `config` (`-<revision>` appended with -r).
    #[arg(long = "injectConfigMapName", value_name = "NAME", default_value = cluster::DEFAULT_INJECT_CONFIGMAP)]
    inject_configmap: String,
    /// ConfigMap holding `mesh` (`-<revision>` appended with -r).
    #[arg(long = "meshConfigMapName", value_name = "NAME", default_value = cluster::DEFAULT_MESH_CONFIGMAP)]
    mesh_configmap: String,
    /// Namespace of the Istio control plane's ConfigMaps.
    #[arg(short = 'i', long = "istioNamespace", value_name = "NS", default_value = cluster::DEFAULT_ISTIO_NAMESPACE)]
    istio_namespace: String,
    /// Inject by calling the webhook of this MutatingWebhookConfiguration (its entry named
    /// `*sidecar-injector.istio.io`), as istioctl does, instead of rendering locally.
    #[arg(long = "webhookConfig", value_name = "NAME")]
    webhook_config: Option<String>,
    /// Kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long = "kubeconfig", value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context.
    #[arg(long = "context", value_name = "NAME")]
    context: Option<String>,
    /// Render istio-proxy as a native sidecar: true, false or auto (Istio's rule:
    /// ENABLE_NATIVE_SIDECARS if set, else the cluster's kubelets >= 1.33, else off).
    #[arg(
        long = "native-sidecars",
        value_name = "MODE",
        value_enum,
        default_value = "auto"
    )]
    native_sidecars: NativeSidecars,
    /// The control-plane revision to inject for (`istio.io/rev`); picks the revision's ConfigMaps.
    #[arg(short = 'r', long = "revision", value_name = "REV")]
    revision: Option<String>,
    #[command(flatten)]
    gitops: gitops_cli::KubeInjectGitops,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// Input file (`-` for standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE|-")]
    filename: String,
    /// The namespace's labels, as `k=v,k2=v2` (`kubernetes.io/metadata.name` is added);
    /// default: each namespace's labels in the cluster, or none with no cluster configured.
    #[arg(long = "namespace-labels", value_name = "K=V,...", value_parser = sidecar_injector::explain::parse_labels)]
    namespace_labels: Option<std::collections::BTreeMap<String, String>>,
    /// The namespace the workloads land in (default: their own, else `default`).
    #[arg(long = "namespace", value_name = "NAME")]
    namespace: Option<String>,
    /// The namespace the injector runs in (its webhook entries never select it).
    #[arg(
        long = "injector-namespace",
        value_name = "NAME",
        default_value = "istio-system"
    )]
    injector_namespace: String,
    /// Injector values (the istio-sidecar-injector ConfigMap's `values`); default: the
    /// cluster's ConfigMap, or Istio 1.30.3's with no cluster configured.
    #[arg(long = "valuesFile", value_name = "FILE")]
    values_file: Option<PathBuf>,
    /// MeshConfig (the istio ConfigMap's `mesh`); default: the cluster's, or Istio 1.30.3's.
    #[arg(long = "meshConfigFile", value_name = "FILE")]
    mesh_config_file: Option<PathBuf>,
    /// Namespace of the Istio control plane's ConfigMaps (cluster mode).
    #[arg(short = 'i', long = "istioNamespace", value_name = "NS", default_value = cluster::DEFAULT_ISTIO_NAMESPACE)]
    istio_namespace: String,
    /// Read the ConfigMaps of this control-plane revision (`istio-sidecar-injector-<REV>`).
    #[arg(short = 'r', long = "revision", value_name = "REV")]
    revision: Option<String>,
    /// Kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long = "kubeconfig", value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context.
    #[arg(long = "context", value_name = "NAME")]
    context: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: ExplainFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::KubeInject(args) => run_kube_inject(args),
        Command::Explain(args) => run_explain(args),
        Command::Serve(args) => run_serve(*args),
        Command::Uninject(args) => read_input(&args.filename)
            .and_then(|t| gitops_cli::run_uninject(&args, &t))
            .and_then(|out| write_output(args.output.as_deref(), &out)),
        Command::Coverage(args) => read_input(&args.filename)
            .and_then(|t| gitops_cli::run_coverage(&args, &t))
            .and_then(|out| write_output(None, &out)),
        Command::Outdated(args) => read_input(&args.report.filename)
            .and_then(|t| gitops_cli::run_outdated(&args, &t))
            .and_then(|out| write_output(None, &out)),
    };
    if let Err(e) = &result {
        if e.downcast_ref::<CheckFailed>().is_some() {
            return ExitCode::from(1);
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", report(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each once: our error types already print their source, and
/// anyhow's `{:#}` would print it again.
fn report(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

fn run_serve(args: sidecar_injector::server::ServeArgs) -> anyhow::Result<()> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = args.workers {
        runtime.worker_threads(n.into());
    }
    runtime
        .build()
        .context("starting the async runtime")?
        .block_on(sidecar_injector::server::run(args))
}

/// Settings from files, checked as `serve` checks them; warnings go to stderr.
fn build_snapshot(
    values: Option<&std::path::Path>,
    mesh: Option<&std::path::Path>,
) -> anyhow::Result<sidecar_injector::settings::Snapshot> {
    let snap = sidecar_injector::settings::Snapshot::load_checked(values, mesh)?;
    for w in snap.warnings() {
        eprintln!("warning: {w}");
    }
    Ok(snap)
}

fn read_input(name: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    if name == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
    } else {
        text = std::fs::read_to_string(name).with_context(|| format!("reading {name}"))?;
    }
    Ok(text)
}

fn sources(args: &KubeInjectArgs) -> cluster::Sources {
    cluster::Sources {
        values_file: args.values_file.clone(),
        mesh_file: args.mesh_config_file.clone(),
        inject_config_file: args.inject_config_file.clone(),
        names: Some(cluster::Names::new(
            &args.istio_namespace,
            &args.inject_configmap,
            &args.mesh_configmap,
            args.revision.as_deref().unwrap_or(""),
        )),
        target: cluster::Target {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
        },
        native: args.native_sidecars,
        native_env: sidecar_injector::native::env_value(),
        skip_inject_config: false,
    }
}

fn run_kube_inject(args: KubeInjectArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (snap, native, nodes, remote) = match &args.webhook_config {
        // The webhook brings its own settings and native-sidecar choice; the local snapshot
        // only drives istioctl's pre-checks (host network, opt-out), which need none.
        Some(name) => {
            let remote = runtime.block_on(find_webhook(&args, name))?;
            (
                sidecar_injector::settings::Snapshot::from_strs(None, None)?,
                false,
                None,
                Some(remote),
            )
        }
        None => {
            let loaded = runtime.block_on(cluster::load(&sources(&args)))?;
            for note in &loaded.notes {
                eprintln!("{note}");
            }
            // Checked as `serve` checks a snapshot before it goes live; warnings go to stderr.
            loaded.snapshot.check()?;
            for w in loaded.snapshot.warnings() {
                eprintln!("warning: {w}");
            }
            (loaded.snapshot, loaded.native, loaded.nodes, None)
        }
    };
    let remote = remote.map(|webhook| {
        let webhook = std::sync::Arc::new(webhook);
        let runtime = std::sync::Arc::new(runtime);
        kube_inject::Remote {
            name: format!("the webhook at {}", webhook.target()),
            inject: std::sync::Arc::new(move |pod: &serde_json::Value, ns: &str| {
                runtime
                    .block_on(webhook.inject(pod, ns))
                    .map_err(|e| e.to_string())
            }),
        }
    });
    let text = read_input(&args.filename)?;
    // Read once for the warnings and the injection. A stream that does not parse gets its
    // error from the injection below, worded once.
    let docs = sidecar_injector::yaml::read_documents(&text);
    if let Ok(docs) = &docs {
        for line in kube_inject::document_warnings(docs, &args.filename) {
            eprintln!("{line}");
        }
    }
    let opts = Options {
        remote,
        native_sidecars: native,
        nodes,
        revision: args.revision.clone().unwrap_or_default(),
    };
    if args.gitops.active() {
        let (out, ok) =
            gitops_cli::run_kube_inject(&args.gitops, &snap, &args.filename, &text, &opts)?;
        write_output(args.output.as_deref(), &out)?;
        return if ok { Ok(()) } else { Err(CheckFailed.into()) };
    }
    let mut warn = |w: String| eprint!("{w}");
    let out = docs
        .map_err(kube_inject::KubeInjectError::from)
        .and_then(|docs| kube_inject::inject_documents(&snap, docs, &opts, &mut warn))
        .with_context(|| format!("injecting {}", args.filename))?;
    write_output(args.output.as_deref(), &out)
}

/// `--webhookConfig`: the cluster is required (the configuration is read from it).
async fn find_webhook(
    args: &KubeInjectArgs,
    name: &str,
) -> anyhow::Result<sidecar_injector::remote::Webhook> {
    let target = sources(args).target;
    if !target.configured() {
        anyhow::bail!(
            "--webhookConfig {name} needs a cluster: pass --kubeconfig or --context, or set KUBECONFIG"
        );
    }
    let (client, _) = target.connect().await?;
    Ok(sidecar_injector::remote::Webhook::find(&client, name).await?)
}

/// `kube-inject --check` found a difference (already reported): exit 1 without an error line.
#[derive(Debug, thiserror::Error)]
#[error("the manifest is out of date")]
struct CheckFailed;

fn write_output(path: Option<&std::path::Path>, out: &str) -> anyhow::Result<()> {
    match path {
        Some(path) => {
            std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout()
            .write_all(out.as_bytes())
            .context("writing standard output")?,
    }
    Ok(())
}

fn run_explain(args: ExplainArgs) -> anyhow::Result<()> {
    use sidecar_injector::explain;
    let target = cluster::Target {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // Cluster mode as kube-inject's: files first, then the cluster's ConfigMaps.
    let snap = if target.configured() {
        let sources = cluster::Sources {
            values_file: args.values_file.clone(),
            mesh_file: args.mesh_config_file.clone(),
            names: Some(cluster::Names::new(
                &args.istio_namespace,
                cluster::DEFAULT_INJECT_CONFIGMAP,
                cluster::DEFAULT_MESH_CONFIGMAP,
                args.revision.as_deref().unwrap_or(""),
            )),
            target: target.clone(),
            native: NativeSidecars::Off,
            skip_inject_config: true,
            ..cluster::Sources::default()
        };
        let snap = runtime.block_on(cluster::load(&sources))?.snapshot;
        snap.check()?;
        for w in snap.warnings() {
            eprintln!("warning: {w}");
        }
        snap
    } else {
        build_snapshot(
            args.values_file.as_deref(),
            args.mesh_config_file.as_deref(),
        )?
    };
    let text = read_input(&args.filename)?;
    let mut opts = explain::Options {
        namespace: args.namespace.clone(),
        namespace_labels: args.namespace_labels.clone().unwrap_or_default(),
        injector_namespace: args.injector_namespace.clone(),
        labels_by_namespace: None,
    };
    if target.configured() && args.namespace_labels.is_none() {
        let wanted = explain::namespaces(&opts, &text)
            .with_context(|| format!("explaining {}", args.filename))?;
        let (found, missing) = runtime.block_on(async {
            let (client, server) = target.connect().await?;
            cluster::namespace_labels(&client, &server, &wanted).await
        })?;
        for ns in missing {
            eprintln!("explain: namespace {ns} does not exist in the cluster: explained with no labels (or pass --namespace-labels)");
        }
        opts.labels_by_namespace = Some(found);
    }
    let all = explain::explain_stream(&snap, &opts, &text)
        .with_context(|| format!("explaining {}", args.filename))?;
    let out = match args.output {
        ExplainFormat::Text => explain::to_text(&all),
        ExplainFormat::Json => explain::to_json(&all)?,
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .context("writing standard output")?;
    Ok(())
}
