//! The CLI of the GitOps and rollout-report commands: `kube-inject --check`,
//! `kube-inject --output-format patch`, `uninject`, `coverage`, `outdated`. Kept apart from
//! `main.rs` so each front end's flags stay in one place.

use std::path::PathBuf;

use anyhow::Context as _;

use sidecar_injector::gitops;
use sidecar_injector::kube_inject::Options;
use sidecar_injector::report::{self, coverage, outdated};
use sidecar_injector::settings::Snapshot;

/// `kube-inject`'s GitOps flags.
#[derive(clap::Args, Debug, Default)]
pub struct KubeInjectGitops {
    /// Compare the (already injected) `-f` manifest with what the current settings produce:
    /// print a unified diff and exit 1 when it is out of date, exit 0 when it is up to date.
    #[arg(long = "check", conflicts_with = "format")]
    pub check: bool,
    /// `yaml` (the injected objects) or `patch` (per document: kind, name, namespace and the
    /// RFC 6902 operations that inject it, paths relative to the document).
    #[arg(long = "output-format", value_name = "FORMAT", id = "format", value_parser = ["yaml", "patch"])]
    pub format: Option<String>,
}

impl KubeInjectGitops {
    /// Whether these flags take over from the plain injection.
    pub fn active(&self) -> bool {
        self.check || self.format.as_deref() == Some("patch")
    }
}

/// `kube-inject --check` / `--output-format patch`. `Ok(false)`: the check found a difference.
pub fn run_kube_inject(
    flags: &KubeInjectGitops,
    snap: &Snapshot,
    filename: &str,
    text: &str,
    opts: &Options,
) -> anyhow::Result<(String, bool)> {
    let mut warn = |w: String| eprint!("{w}");
    if flags.check {
        let r = gitops::check(snap, text, filename, opts, &mut warn)
            .with_context(|| format!("checking {filename}"))?;
        if r.up_to_date() {
            eprintln!("{filename}: up to date with the current settings");
            return Ok((String::new(), true));
        }
        let changed = r.diff.lines().filter(|l| l.starts_with(['+', '-'])).count() - 2;
        eprintln!("{filename}: out of date with the current settings ({changed} changed lines); run kube-inject on the uninjected manifest to update it");
        return Ok((r.diff, false));
    }
    let out = gitops::patch_stream(snap, text, opts, &mut warn)
        .with_context(|| format!("injecting {filename}"))?;
    Ok((out, true))
}

#[derive(clap::Args)]
pub struct UninjectArgs {
    /// Input file (`-` for standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE|-")]
    pub filename: String,
    /// Output file (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run_uninject(args: &UninjectArgs, text: &str) -> anyhow::Result<String> {
    gitops::uninject_stream(text).with_context(|| format!("uninjecting {}", args.filename))
}

/// Input and settings shared by `coverage` and `outdated`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// `kubectl get ns,deploy,sts,ds,rs,pods -A -o yaml` output (`-` for standard input).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE|-",
        default_value = "-"
    )]
    pub filename: String,
    /// `text` (tables) or `json`.
    #[arg(short = 'o', long = "output", value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    /// Injector values (the istio-sidecar-injector ConfigMap's `values`); default: Istio 1.30.3's.
    #[arg(long = "valuesFile", value_name = "FILE")]
    pub values_file: Option<PathBuf>,
    /// MeshConfig (protojson names); default: Istio 1.30.3's default mesh config.
    #[arg(long = "meshConfigFile", value_name = "FILE")]
    pub mesh_config_file: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct OutdatedArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Whether the webhook renders istio-proxy as a native sidecar.
    #[arg(long = "native-sidecars", value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set)]
    pub native_sidecars: bool,
}

fn load(args: &ReportArgs, text: &str) -> anyhow::Result<(Snapshot, Vec<serde_json::Value>)> {
    let snap = Snapshot::load(
        args.values_file.as_deref(),
        args.mesh_config_file.as_deref(),
    )?;
    let objects =
        report::read_objects(text).with_context(|| format!("reading {}", args.filename))?;
    Ok((snap, objects))
}

pub fn run_coverage(args: &ReportArgs, text: &str) -> anyhow::Result<String> {
    let (snap, objects) = load(args, text)?;
    let c = coverage::coverage(&snap, &objects);
    Ok(match args.output.as_str() {
        "json" => format!("{}\n", serde_json::to_string_pretty(&c)?),
        _ => coverage::to_text(&c),
    })
}

pub fn run_outdated(args: &OutdatedArgs, text: &str) -> anyhow::Result<String> {
    let (snap, objects) = load(&args.report, text)?;
    let opts = outdated::OutdatedOptions {
        native_sidecars: args.native_sidecars,
    };
    let rows = outdated::outdated(&snap, &objects, &opts)?;
    Ok(match args.report.output.as_str() {
        "json" => format!("{}\n", serde_json::to_string_pretty(&rows)?),
        _ => outdated::to_text(&rows),
    })
}
