//! Rendering and post-processing of the injected Pod.
//!
//! Each submodule is one concern that works on a typed `k8s_openapi` Pod.

pub mod probes;
pub mod prometheus;
