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

use sidecar_injector::kube_inject::{self, Options};
use sidecar_injector::settings::Snapshot;

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
    /// Injector values (the istio-sidecar-injector ConfigMap's `values`); default: Istio 1.30.3's.
    #[arg(long = "valuesFile", value_name = "FILE")]
    values_file: Option<PathBuf>,
    /// MeshConfig (protojson names); default: Istio 1.30.3's default mesh config.
    #[arg(long = "meshConfigFile", value_name = "FILE")]
    mesh_config_file: Option<PathBuf>,
    /// Render istio-proxy as a native sidecar (Kubernetes >= 1.33).
    #[arg(long = "native-sidecars", value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set)]
    native_sidecars: bool,
    /// The control-plane revision to inject for (`istio.io/rev`).
    #[arg(long = "revision", value_name = "REV")]
    revision: Option<String>,
    #[command(flatten)]
    gitops: gitops_cli::KubeInjectGitops,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::KubeInject(args) => run_kube_inject(args),
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
    tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(sidecar_injector::server::run(args))
}

fn build_snapshot(args: &KubeInjectArgs) -> anyhow::Result<Snapshot> {
    let snap = Snapshot::load(
        args.values_file.as_deref(),
        args.mesh_config_file.as_deref(),
    )?;
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

fn run_kube_inject(args: KubeInjectArgs) -> anyhow::Result<()> {
    let snap = build_snapshot(&args)?;
    let text = read_input(&args.filename)?;
    let opts = Options {
        native_sidecars: args.native_sidecars,
        revision: args.revision.clone().unwrap_or_default(),
    };
    if args.gitops.active() {
        let (out, ok) =
            gitops_cli::run_kube_inject(&args.gitops, &snap, &args.filename, &text, &opts)?;
        write_output(args.output.as_deref(), &out)?;
        return if ok { Ok(()) } else { Err(CheckFailed.into()) };
    }
    let mut warn = |w: String| eprint!("{w}");
    let out = kube_inject::inject_stream(&snap, &text, &opts, &mut warn)
        .with_context(|| format!("injecting {}", args.filename))?;
    write_output(args.output.as_deref(), &out)
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
