//! `sidecar-injector serve`: the mutating admission webhook.
//!
//! Shape: an HTTPS listener (rustls, HTTP/1.1 + HTTP/2 by ALPN; [`conn`]) in front of an
//! axum router whose one route, `/inject`, parses the AdmissionReview and calls the core
//! ([`admission`] → [`crate::inject::mutate`]); a plain-HTTP admin listener for health and
//! metrics ([`admin`], [`metrics`]). Everything a request needs sits in [`AppState`]:
//! the settings snapshot (reloaded from files, [`reload`]), the cluster view (namespace
//! labels and kubelet versions, [`kube`]), the Event recorder ([`events`]) and the metric
//! handles. The serving certificate is
//! reloaded the same way as the settings ([`tls`]). [`shutdown`] drains on SIGTERM.
//! [`cli`] holds the flags and wires the pieces together.

pub mod admin;
pub mod admission;
pub mod certmgr;
pub mod certs;
pub mod cli;
pub mod conn;
pub mod events;
pub mod kube;
pub mod metrics;
pub mod reload;
pub mod shutdown;
pub mod start;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

pub use cli::{run, ServeArgs};
pub use start::{start, Running};

use self::kube::ClusterView;
use self::metrics::Metrics;
use self::reload::Settings;

pub use crate::native::NativeSidecars;

/// What the `/inject` handler works with; cheap to clone (all shared).
#[derive(Clone, Debug)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub native: NativeSidecars,
    /// The cluster watches (`--kube=on`).
    pub cluster: Option<ClusterView>,
    /// Kubernetes Events about decisions (`--kube=on`, unless `--events=off`).
    pub events: Option<events::Events>,
    /// Deadline for receiving a request body.
    pub request_timeout: Duration,
    /// Answers kept for replicas (`--review-memo`; `None` keeps none).
    pub memo: Option<Arc<admission::memo::Memo<admission::Replayed>>>,
}

impl AppState {
    /// Native sidecars off, no cluster, a 30 s request deadline, the default replica memo.
    pub fn new(settings: Arc<Settings>, metrics: Arc<Metrics>) -> AppState {
        AppState {
            settings,
            metrics,
            native: NativeSidecars::Off,
            cluster: None,
            events: None,
            request_timeout: Duration::from_secs(30),
            memo: Some(Arc::new(admission::memo::Memo::new(
                admission::memo::MAX_ENTRIES,
            ))),
        }
    }

    /// Whether this pod gets a native sidecar (`node` is its `spec.nodeName`, if bound).
    pub fn native_sidecars(&self, node: Option<&str>) -> bool {
        match self.native {
            NativeSidecars::On => true,
            NativeSidecars::Off => false,
            NativeSidecars::Auto => self
                .cluster
                .as_ref()
                .is_some_and(|c| c.native_sidecars(node)),
        }
    }
}
