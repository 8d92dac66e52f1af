//! sidecar-injector: Istio-compatible sidecar injection, as a library.
//!
//! The pipeline is request → decision → render → merge → post-process → patch → response;
//! `kube-inject` and the admission webhook both drive the same core ([`inject`]).
#![forbid(unsafe_code)]

pub mod decision;
pub mod inject;
pub mod selector;
pub mod server;
pub mod settings;
