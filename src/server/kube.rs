//! What the webhook learns from the cluster (`--kube=on`): namespace labels and kubelet
//! versions, from two kube-rs watches. RBAC needed: get/list/watch on namespaces and nodes.
//!
//! - Namespaces feed `PodRequest::namespace_labels`, so the decision can apply
//!   `istio-injection` / `istio.io/rev` itself (label flips take effect as soon as the watch
//!   delivers them). A namespace we have not seen yet gets `None`: the webhook
//!   configuration's namespaceSelector already let the pod through, so we trust it.
//! - Nodes feed `--native-sidecars=auto`, with Istio's rule (`DetectNativeSidecar`), shared
//!   with `kube-inject` in [`crate::native`].
//!
//! Objects are trimmed as they arrive (no managedFields, annotations, spec or status beyond
//! what we read), because Node objects carry image lists that would dominate our memory.
//! Readiness waits for both initial lists.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Node, NodeStatus, NodeSystemInfo};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use kube::{Api, Client};

use super::shutdown::Shutdown;

use crate::native::NodeTable;
pub use crate::native::{supports_native_sidecars, NATIVE_SIDECAR_MIN_MINOR};

/// The cluster state the handler reads; cheap to clone.
#[derive(Clone)]
pub struct ClusterView {
    namespaces: Store<Namespace>,
    nodes: Arc<NodeVersions>,
    namespaces_synced: Arc<AtomicBool>,
}

impl std::fmt::Debug for ClusterView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterView")
            .field("namespaces", &self.namespaces.len())
            .field("synced", &self.synced())
            .finish()
    }
}

impl ClusterView {
    /// Starts both watches on `client`; they run until shutdown.
    pub fn spawn(client: Client, shutdown: Shutdown) -> ClusterView {
        let (namespaces, writer) = reflector::store::<Namespace>();
        let view = ClusterView {
            namespaces,
            nodes: Arc::new(NodeVersions::default()),
            namespaces_synced: Arc::new(AtomicBool::new(false)),
        };
        let config = watcher::Config::default().any_semantic();
        let synced = view.namespaces_synced.clone();
        let ns_events = watcher::watcher(Api::<Namespace>::all(client.clone()), config.clone())
            .default_backoff()
            .modify(trim_namespace)
            .reflect(writer)
            .for_each(move |event| {
                match event {
                    Ok(Event::InitDone) => synced.store(true, Ordering::Release),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "namespace watch failed; retrying"),
                }
                futures::future::ready(())
            });
        let nodes = view.nodes.clone();
        let node_events = watcher::watcher(Api::<Node>::all(client), config)
            .default_backoff()
            .modify(trim_node)
            .for_each(move |event| {
                match event {
                    Ok(ev) => nodes.apply(ev),
                    Err(e) => tracing::warn!(error = %e, "node watch failed; retrying"),
                }
                futures::future::ready(())
            });
        tokio::spawn(until_shutdown(ns_events, shutdown.clone()));
        tokio::spawn(until_shutdown(node_events, shutdown));
        view
    }

    /// Both initial lists are in.
    pub fn synced(&self) -> bool {
        self.namespaces_synced.load(Ordering::Acquire) && self.nodes.synced()
    }

    /// The namespace as last seen (its labels are what the decision reads).
    pub fn namespace(&self, name: &str) -> Option<Arc<Namespace>> {
        self.namespaces.get(&ObjectRef::new(name))
    }

    /// `--native-sidecars=auto`.
    pub fn native_sidecars(&self, node: Option<&str>) -> bool {
        self.nodes.native_sidecars(node)
    }
}

async fn until_shutdown(task: impl std::future::Future<Output = ()>, shutdown: Shutdown) {
    tokio::select! {
        _ = task => {}
        _ = shutdown.wait() => {}
    }
}

fn trim_namespace(ns: &mut Namespace) {
    ns.metadata.managed_fields = None;
    ns.metadata.annotations = None;
    ns.spec = None;
    ns.status = None;
}

fn trim_node(node: &mut Node) {
    let version = node
        .status
        .as_ref()
        .and_then(|s| s.node_info.as_ref())
        .map(|i| i.kubelet_version.clone())
        .unwrap_or_default();
    node.metadata.managed_fields = None;
    node.metadata.annotations = None;
    node.metadata.labels = None;
    node.spec = None;
    node.status = Some(NodeStatus {
        node_info: Some(NodeSystemInfo {
            kubelet_version: version,
            ..Default::default()
        }),
        ..Default::default()
    });
}

/// Node name → "kubelet supports native sidecars", kept like a reflector keeps its store.
#[derive(Debug, Default)]
struct NodeVersions {
    state: RwLock<NodeState>,
}

#[derive(Debug, Default)]
struct NodeState {
    nodes: NodeTable,
    /// Nodes listed during a (re)list, swapped in at `InitDone`.
    buffer: NodeTable,
    synced: bool,
}

impl NodeVersions {
    fn apply(&self, event: Event<Node>) {
        let Ok(mut st) = self.state.write() else {
            return;
        };
        match event {
            Event::Apply(n) => {
                let (name, ok) = node_entry(&n);
                st.nodes.0.insert(name, ok);
            }
            Event::Delete(n) => {
                st.nodes.0.remove(&node_entry(&n).0);
            }
            Event::Init => st.buffer.0.clear(),
            Event::InitApply(n) => {
                let (name, ok) = node_entry(&n);
                st.buffer.0.insert(name, ok);
            }
            Event::InitDone => {
                let listed = std::mem::take(&mut st.buffer);
                st.nodes = listed;
                st.synced = true;
                let old = st.nodes.0.values().filter(|ok| !**ok).count();
                tracing::info!(
                    nodes = st.nodes.0.len(),
                    old_kubelets = old,
                    "node list synced"
                );
            }
        }
    }

    fn synced(&self) -> bool {
        self.state.read().map(|s| s.synced).unwrap_or(false)
    }

    fn native_sidecars(&self, node: Option<&str>) -> bool {
        let Ok(st) = self.state.read() else {
            return false;
        };
        st.nodes.native_sidecars(node)
    }
}

fn node_entry(node: &Node) -> (String, bool) {
    let version = node
        .status
        .as_ref()
        .and_then(|s| s.node_info.as_ref())
        .map(|i| i.kubelet_version.as_str())
        .unwrap_or("");
    let name = node.metadata.name.clone().unwrap_or_default();
    (name, supports_native_sidecars(version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn node(name: &str, version: &str) -> Node {
        let mut n = Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            status: Some(NodeStatus {
                node_info: Some(NodeSystemInfo {
                    kubelet_version: version.into(),
                    ..Default::default()
                }),
                images: Some(vec![Default::default()]),
                ..Default::default()
            }),
            ..Default::default()
        };
        trim_node(&mut n);
        n
    }

    #[test]
    fn nodes_follow_istio_rule() {
        let v = NodeVersions::default();
        assert!(!v.synced());
        v.apply(Event::Init);
        v.apply(Event::InitApply(node("new", "v1.33.1")));
        v.apply(Event::InitApply(node("old", "v1.31.0")));
        assert!(!v.synced());
        v.apply(Event::InitDone);
        assert!(v.synced());
        assert!(!v.native_sidecars(None));
        assert!(v.native_sidecars(Some("new")));
        assert!(!v.native_sidecars(Some("old")));
        assert!(!v.native_sidecars(Some("unknown")));
        v.apply(Event::Apply(node("old", "v1.33.0")));
        assert!(v.native_sidecars(None));
        v.apply(Event::Apply(node("older", "v1.29.0")));
        assert!(!v.native_sidecars(None));
        v.apply(Event::Delete(node("older", "")));
        assert!(v.native_sidecars(None));
    }

    #[test]
    fn trimmed_node_keeps_version_only() {
        let n = node("a", "v1.33.0");
        let status = n.status.unwrap();
        assert!(status.images.is_none());
        assert_eq!(status.node_info.unwrap().kubelet_version, "v1.33.0");
    }
}
