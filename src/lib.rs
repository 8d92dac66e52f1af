//! sidecar-injector: Istio-compatible sidecar injection, as a library.
//!
//! The pipeline is request → decision → render → merge → post-process → patch → response;
//! `kube-inject` and the admission webhook both drive the same core ([`inject`]).
#![forbid(unsafe_code)]
// No panics on input paths: every index, slice, unwrap and expect outside tests is checked.
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

mod alloc;
pub mod annotations;
pub mod cluster;
pub mod decision;
pub mod explain;
pub mod gitops;
pub mod go;
pub mod goenc;
pub mod inject;
pub mod kube_inject;
pub mod merge;
pub mod mesh;
pub mod native;
pub mod remote;
pub mod render;
pub mod report;
pub mod scan;
pub mod selector;
pub mod server;
pub mod settings;
pub mod template;
pub mod text;
pub mod warnings;
pub mod workload;
pub mod yaml;
