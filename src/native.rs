//! Native sidecars (`istio-proxy` as a restartable init container): one rule for `serve` and
//! `kube-inject`, as Istio 1.30.3 decides it.
//!
//! `--native-sidecars=true|false` is final. `auto` (the default on both paths) reads
//! `ENABLE_NATIVE_SIDECARS` first, as istiod and istioctl do (`true` on, `false` off, `auto` or
//! unset: go on; anything else: off, Istio's "unknown value, defaulting to false"). Then, with a
//! cluster client, the nodes decide (`DetectNativeSidecar`): a pod bound to a known node follows
//! that node's kubelet, otherwise every node must run kubelet 1.33 or newer (only the minor
//! version is compared; an unparsable version counts as too old). Without a client: off.

use std::collections::HashMap;

/// Native sidecars graduated to stable in Kubernetes 1.33.
pub const NATIVE_SIDECAR_MIN_MINOR: u64 = 33;

/// Istio's switch for native sidecars; read when the flag is `auto`.
pub const ENV: &str = "ENABLE_NATIVE_SIDECARS";

/// `--native-sidecars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum NativeSidecars {
    #[value(name = "true")]
    On,
    #[value(name = "false")]
    Off,
    /// `ENABLE_NATIVE_SIDECARS` if set; else every node's kubelet is 1.33 or newer (needs a
    /// cluster client); off without one.
    #[default]
    #[value(name = "auto")]
    Auto,
}

/// What the flag and the environment leave to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    Fixed(bool),
    /// Ask the nodes (per pod).
    Nodes,
}

/// The flag, `ENABLE_NATIVE_SIDECARS` (its value, if set) and whether a cluster client exists.
/// Returns the decision and, when something deserves a line on stderr or in the log, why.
pub fn resolve(
    flag: NativeSidecars,
    env: Option<&str>,
    have_client: bool,
) -> (Resolved, Option<String>) {
    match flag {
        NativeSidecars::On => return (Resolved::Fixed(true), None),
        NativeSidecars::Off => return (Resolved::Fixed(false), None),
        NativeSidecars::Auto => {}
    }
    match env {
        Some("true") => return (Resolved::Fixed(true), None),
        Some("false") => return (Resolved::Fixed(false), None),
        Some("auto") | None => {}
        Some(other) => {
            let shown = crate::text::elide(other);
            return (
                Resolved::Fixed(false),
                Some(format!(
                    "unknown {ENV} value {shown:?} (true, false or auto): native sidecars off, as Istio does"
                )),
            );
        }
    }
    if have_client {
        (Resolved::Nodes, None)
    } else {
        (Resolved::Fixed(false), None)
    }
}

/// `ENABLE_NATIVE_SIDECARS` from the process environment.
pub fn env_value() -> Option<String> {
    std::env::var(ENV).ok()
}

/// Node name → "its kubelet supports native sidecars".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeTable(pub HashMap<String, bool>);

impl NodeTable {
    /// From (node name, kubelet version) pairs.
    pub fn from_versions<'a>(nodes: impl IntoIterator<Item = (&'a str, &'a str)>) -> NodeTable {
        NodeTable(
            nodes
                .into_iter()
                .map(|(name, v)| (name.to_string(), supports_native_sidecars(v)))
                .collect(),
        )
    }

    /// Istio's `DetectNativeSidecar`: the pod's node if bound and known, else all nodes.
    pub fn native_sidecars(&self, node: Option<&str>) -> bool {
        if let Some(ok) = node.and_then(|n| self.0.get(n)) {
            return *ok;
        }
        // Istio's loop over the nodes returns false on the first old kubelet and true after
        // the loop, so a cluster with no nodes (yet) gets native sidecars.
        self.0.values().all(|ok| *ok)
    }
}

/// Kubelet version (`v1.33.2`, `v1.34.0-gke.100`, `1.33`) → minor ≥ 33.
pub fn supports_native_sidecars(kubelet_version: &str) -> bool {
    kubelet_minor(kubelet_version).is_some_and(|m| m >= NATIVE_SIDECAR_MIN_MINOR)
}

fn kubelet_minor(version: &str) -> Option<u64> {
    let v = version.strip_prefix('v').unwrap_or(version);
    let core = v.split(['-', '+']).next().unwrap_or("");
    let mut segments = core.split('.');
    let major = segments.next()?;
    major.parse::<u64>().ok()?;
    match segments.next() {
        Some(minor) => minor.parse().ok(),
        None => Some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use NativeSidecars::*;
    use Resolved::*;

    #[rstest]
    #[case("v1.33.0", true)]
    #[case("v1.34.1-gke.1200", true)]
    #[case("1.33", true)]
    #[case("v1.32.9", false)]
    #[case("v1.32.9+k3s1", false)]
    #[case("v1", false)]
    #[case("", false)]
    #[case("banana", false)]
    #[case("v1.x.0", false)]
    fn kubelet_versions(#[case] v: &str, #[case] want: bool) {
        assert_eq!(supports_native_sidecars(v), want);
    }

    #[rstest]
    #[case(On, None, false, Fixed(true))]
    #[case(On, Some("false"), true, Fixed(true))]
    #[case(Off, Some("true"), true, Fixed(false))]
    #[case(Auto, None, false, Fixed(false))]
    #[case(Auto, None, true, Nodes)]
    #[case(Auto, Some("auto"), true, Nodes)]
    #[case(Auto, Some("auto"), false, Fixed(false))]
    #[case(Auto, Some("true"), false, Fixed(true))]
    #[case(Auto, Some("true"), true, Fixed(true))]
    #[case(Auto, Some("false"), true, Fixed(false))]
    #[case(Auto, Some("TRUE"), true, Fixed(false))]
    fn flag_env_and_client(
        #[case] flag: NativeSidecars,
        #[case] env: Option<&str>,
        #[case] client: bool,
        #[case] want: Resolved,
    ) {
        let (got, note) = resolve(flag, env, client);
        assert_eq!(got, want);
        assert_eq!(note.is_some(), env == Some("TRUE") && flag == Auto);
    }

    #[test]
    fn nodes_follow_istio_rule() {
        let t = NodeTable::from_versions([("new", "v1.33.1"), ("old", "v1.31.0")]);
        assert!(!t.native_sidecars(None));
        assert!(t.native_sidecars(Some("new")));
        assert!(!t.native_sidecars(Some("old")));
        assert!(!t.native_sidecars(Some("unknown")));
        let all_new = NodeTable::from_versions([("a", "v1.33.0"), ("b", "v1.34.2")]);
        assert!(all_new.native_sidecars(None));
        assert!(
            NodeTable::default().native_sidecars(None),
            "no nodes: on, as Istio's DetectNativeSidecar (vacuously every node is 1.33+)"
        );
    }
}
