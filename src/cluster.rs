//! `kube-inject`'s cluster mode, as `istioctl kube-inject` reads the cluster: the
//! `istio-sidecar-injector` ConfigMap (`data.values`, `data.config`) and the `istio` ConfigMap
//! (`data.mesh`) from the Istio namespace, revision-suffixed names for `-r`, and the nodes'
//! kubelet versions for `--native-sidecars=auto`. `explain` reads the same ConfigMaps (values
//! and mesh only) and its workloads' namespaces' labels. Also the one place a Kubernetes
//! client is built (`serve --kube=on` uses [`client`] too).
//!
//! A cluster is used only when one is configured (`--kubeconfig`, `--context`, `KUBECONFIG`,
//! `~/.kube/config`, or in-cluster service account); with none, kube-inject stays offline.
//! A configured cluster that cannot be reached is an error, as in istioctl (which fails to
//! read the `istio` ConfigMap); the message names the server and one cause.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node};
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

use crate::native::NodeTable;

pub const DEFAULT_ISTIO_NAMESPACE: &str = "istio-system";
pub const DEFAULT_INJECT_CONFIGMAP: &str = "istio-sidecar-injector";
pub const DEFAULT_MESH_CONFIGMAP: &str = "istio";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("reading the kubeconfig{}: {cause}", from_where(.path.as_deref()))]
    Kubeconfig {
        path: Option<PathBuf>,
        cause: String,
    },
    #[error("cannot reach the Kubernetes API at {server}: {cause}")]
    Unreachable { server: String, cause: String },
    #[error(
        "could not read ConfigMap {namespace}/{name}: {cause} (use {flag}, or -i/--istioNamespace and -r/--revision to name the Istio installation)"
    )]
    ConfigMap {
        namespace: String,
        name: String,
        cause: String,
        flag: &'static str,
    },
    #[error("ConfigMap {namespace}/{name} has no data.{key} (use {flag})")]
    MissingKey {
        namespace: String,
        name: String,
        key: &'static str,
        flag: &'static str,
    },
    #[error(
        "listing nodes for --native-sidecars=auto: {cause} (or pass --native-sidecars=true|false)"
    )]
    Nodes { cause: String },
    #[error("could not read namespace {name}: {cause} (or pass --namespace-labels)")]
    Namespace { name: String, cause: String },
}

fn from_where(path: Option<&Path>) -> String {
    path.map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

/// Where the cluster is (kube-inject's `--kubeconfig` and `--context`).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

impl Target {
    /// Whether a cluster is configured at all (so that offline means "nothing configured").
    pub fn configured(&self) -> bool {
        if self.kubeconfig.is_some() || self.context.is_some() {
            return true;
        }
        if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty()) {
            return true;
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if home.is_some_and(|h| h.join(".kube/config").is_file()) {
            return true;
        }
        std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
            && Path::new("/var/run/secrets/kubernetes.io/serviceaccount/token").is_file()
    }

    /// A client for this target (short timeouts: a command, not a controller).
    pub async fn connect(&self) -> Result<(Client, String), ClusterError> {
        let options = KubeConfigOptions {
            context: self.context.clone(),
            ..KubeConfigOptions::default()
        };
        let kube_err = |e: &(dyn std::error::Error + 'static)| ClusterError::Kubeconfig {
            path: self.kubeconfig.clone(),
            cause: one_cause(e),
        };
        let mut config = match (&self.kubeconfig, &self.context) {
            (Some(path), _) => {
                let kc = Kubeconfig::read_from(path).map_err(|e| kube_err(&e))?;
                Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| kube_err(&e))?
            }
            (None, Some(_)) => Config::from_kubeconfig(&options)
                .await
                .map_err(|e| kube_err(&e))?,
            (None, None) => Config::infer().await.map_err(|e| kube_err(&e))?,
        };
        config.connect_timeout = Some(Duration::from_secs(10));
        config.read_timeout = Some(Duration::from_secs(30));
        let server = config.cluster_url.to_string();
        let client = client(config).map_err(|e| ClusterError::Unreachable {
            server: server.clone(),
            cause: one_cause(&e),
        })?;
        Ok((client, server))
    }
}

/// A client from a config, with client-go's `NO_PROXY` rule: kube-rs takes `HTTPS_PROXY`
/// without looking at `NO_PROXY`; client-go (istiod, istioctl) honours it, and Pods often carry
/// both with the API server in `NO_PROXY`.
pub fn client(mut config: Config) -> Result<Client, kube::Error> {
    if config.proxy_url.is_some() && no_proxy_covers(&config.cluster_url) {
        config.proxy_url = None;
    }
    Client::try_from(config)
}

fn no_proxy_covers(url: &http::Uri) -> bool {
    let no_proxy = std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .unwrap_or_default();
    let host = url.host().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_u16().unwrap_or(443);
    crate::go::httpproxy::bypasses(&no_proxy, host, port)
}

/// The deepest cause's text: transport errors nest the same message several times.
pub fn one_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Which ConfigMaps to read (istioctl's `-i`, `--injectConfigMapName`, `--meshConfigMapName`, `-r`).
#[derive(Debug, Clone)]
pub struct Names {
    pub namespace: String,
    pub inject: String,
    pub mesh: String,
}

impl Names {
    /// istioctl's naming: a revision (other than `default`) suffixes a name left at its default.
    pub fn new(namespace: &str, inject: &str, mesh: &str, revision: &str) -> Names {
        let suffix = |name: &str, default: &str| match revision {
            "" | "default" => name.to_string(),
            rev if name == default => format!("{name}-{rev}"),
            _ => name.to_string(),
        };
        Names {
            namespace: namespace.to_string(),
            inject: suffix(inject, DEFAULT_INJECT_CONFIGMAP),
            mesh: suffix(mesh, DEFAULT_MESH_CONFIGMAP),
        }
    }
}

/// Reads one `data` key of a ConfigMap; `flag` is the file flag that replaces it.
pub async fn configmap_key(
    client: &Client,
    server: &str,
    namespace: &str,
    name: &str,
    key: &'static str,
    flag: &'static str,
) -> Result<String, ClusterError> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let cm = api.get(name).await.map_err(|e| match e {
        kube::Error::Api(status) => ClusterError::ConfigMap {
            namespace: namespace.to_string(),
            name: name.to_string(),
            cause: status.message.clone(),
            flag,
        },
        other => ClusterError::Unreachable {
            server: server.to_string(),
            cause: one_cause(&other),
        },
    })?;
    let data: BTreeMap<String, String> = cm.data.unwrap_or_default();
    data.get(key)
        .cloned()
        .ok_or_else(|| ClusterError::MissingKey {
            namespace: namespace.to_string(),
            name: name.to_string(),
            key,
            flag,
        })
}

/// The labels of each namespace in `names` (`explain`); the names the cluster does not have
/// come back in the second list.
pub async fn namespace_labels(
    client: &Client,
    server: &str,
    names: &std::collections::BTreeSet<String>,
) -> Result<(BTreeMap<String, BTreeMap<String, String>>, Vec<String>), ClusterError> {
    let api: Api<Namespace> = Api::all(client.clone());
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for name in names {
        match api.get_opt(name).await {
            Ok(Some(ns)) => {
                found.insert(name.clone(), ns.metadata.labels.unwrap_or_default());
            }
            Ok(None) => missing.push(name.clone()),
            Err(kube::Error::Api(status)) => {
                return Err(ClusterError::Namespace {
                    name: name.clone(),
                    cause: status.message,
                })
            }
            Err(other) => {
                return Err(ClusterError::Unreachable {
                    server: server.to_string(),
                    cause: one_cause(&other),
                })
            }
        }
    }
    Ok((found, missing))
}

/// Every node's kubelet version, for [`crate::native`].
pub async fn node_table(client: &Client) -> Result<NodeTable, ClusterError> {
    let api: Api<Node> = Api::all(client.clone());
    let nodes = api
        .list(&ListParams::default())
        .await
        .map_err(|e| ClusterError::Nodes {
            cause: one_cause(&e),
        })?;
    let pairs: Vec<(String, String)> = nodes
        .items
        .iter()
        .map(|n| {
            let version = n
                .status
                .as_ref()
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone())
                .unwrap_or_default();
            (n.metadata.name.clone().unwrap_or_default(), version)
        })
        .collect();
    Ok(NodeTable::from_versions(
        pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        "",
        "istio-sidecar-injector",
        "istio",
        "istio-sidecar-injector",
        "istio"
    )]
    #[case(
        "default",
        "istio-sidecar-injector",
        "istio",
        "istio-sidecar-injector",
        "istio"
    )]
    #[case(
        "canary",
        "istio-sidecar-injector",
        "istio",
        "istio-sidecar-injector-canary",
        "istio-canary"
    )]
    #[case("canary", "my-injector", "my-mesh", "my-injector", "my-mesh")]
    fn revision_names(
        #[case] rev: &str,
        #[case] inject: &str,
        #[case] mesh: &str,
        #[case] want_inject: &str,
        #[case] want_mesh: &str,
    ) {
        let n = Names::new("istio-system", inject, mesh, rev);
        assert_eq!(n.inject, want_inject);
        assert_eq!(n.mesh, want_mesh);
    }
}

/// What `kube-inject` was told (files, names, cluster, native mode).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub values_file: Option<PathBuf>,
    pub mesh_file: Option<PathBuf>,
    pub inject_config_file: Option<PathBuf>,
    pub names: Option<Names>,
    pub target: Target,
    pub native: crate::native::NativeSidecars,
    /// `ENABLE_NATIVE_SIDECARS`.
    pub native_env: Option<String>,
    /// Leave the ConfigMap's `data.config` (templates) alone: `explain` decides from the
    /// values and renders nothing.
    pub skip_inject_config: bool,
}

/// The settings kube-inject uses, and how native sidecars are decided.
#[derive(Debug)]
pub struct Loaded {
    pub snapshot: crate::settings::Snapshot,
    /// Fixed native-sidecar choice (used when `nodes` is `None`).
    pub native: bool,
    pub nodes: Option<NodeTable>,
    /// One line for stderr (offline defaults, an odd `ENABLE_NATIVE_SIDECARS`).
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
}

fn read_file(path: &Path) -> Result<String, crate::settings::SettingsError> {
    std::fs::read_to_string(path).map_err(|source| crate::settings::SettingsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Files first, then the cluster's ConfigMaps (when a cluster is configured and a file is
/// missing), then Istio 1.30.3's defaults. Native sidecars follow [`crate::native::resolve`];
/// as in istioctl, the nodes are asked only when the injection config comes from the cluster.
pub async fn load(src: &Sources) -> Result<Loaded, LoadError> {
    let mut values = src.values_file.as_deref().map(read_file).transpose()?;
    let mut mesh = src.mesh_file.as_deref().map(read_file).transpose()?;
    let mut config = src
        .inject_config_file
        .as_deref()
        .map(read_file)
        .transpose()?
        .map(|t| (t, "--injectConfigFile"));
    let mut notes = Vec::new();
    let want_config = config.is_none() && !src.skip_inject_config;
    let missing = values.is_none() || mesh.is_none() || want_config;
    let mut client = None;
    if missing && src.target.configured() {
        let (c, server) = src.target.connect().await?;
        let default_names = Names::new(
            DEFAULT_ISTIO_NAMESPACE,
            DEFAULT_INJECT_CONFIGMAP,
            DEFAULT_MESH_CONFIGMAP,
            "",
        );
        let n = src.names.as_ref().unwrap_or(&default_names);
        // The mesh first, as istioctl: an unreachable cluster fails here, once.
        if mesh.is_none() {
            mesh = Some(
                configmap_key(
                    &c,
                    &server,
                    &n.namespace,
                    &n.mesh,
                    "mesh",
                    "--meshConfigFile",
                )
                .await?,
            );
        }
        if values.is_none() {
            values = Some(
                configmap_key(
                    &c,
                    &server,
                    &n.namespace,
                    &n.inject,
                    "values",
                    "--valuesFile",
                )
                .await?,
            );
        }
        if want_config {
            let text = configmap_key(
                &c,
                &server,
                &n.namespace,
                &n.inject,
                "config",
                "--injectConfigFile",
            )
            .await?;
            config = Some((text, "the istio-sidecar-injector ConfigMap's data.config"));
            client = Some(c);
        }
    } else if values.is_none() && mesh.is_none() {
        notes.push(
            "kube-inject: no Kubernetes cluster configured: using Istio 1.30.3's built-in defaults (docker.io/istio/proxyv2:1.30.3)".to_string(),
        );
    }
    let mut snapshot = crate::settings::Snapshot::from_strs(values.as_deref(), mesh.as_deref())?;
    if let Some((text, what)) = &config {
        let (cfg, form) = crate::settings::inject_config::InjectConfig::parse(text, what)?;
        snapshot.add_inject_config(&cfg, form)?;
    }
    let (resolved, note) =
        crate::native::resolve(src.native, src.native_env.as_deref(), client.is_some());
    notes.extend(note);
    let (native, nodes) = match (resolved, &client) {
        (crate::native::Resolved::Nodes, Some(c)) => (false, Some(node_table(c).await?)),
        (crate::native::Resolved::Fixed(on), _) => (on, None),
        (crate::native::Resolved::Nodes, None) => (false, None),
    };
    Ok(Loaded {
        snapshot,
        native,
        nodes,
        notes,
    })
}
