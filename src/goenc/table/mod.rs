//! The Go struct table: every struct reachable from the workload kinds Istio's `kube-inject`
//! decodes, as `encoding/json` sees it.
//!
//! Facts only, read off the Go sources Istio 1.30.3 builds with: `k8s.io/api` v0.35.3
//! (`core/v1`, `apps/v1`, `batch/v1`), `k8s.io/apimachinery` v0.35.3 (`meta/v1`) and
//! `github.com/openshift/api` 324a1bcb9f55 (`apps/v1`). Each row is a field's JSON name, its
//! type, and whether it is a pointer/slice/map and `omitempty`/`omitzero` (see `schema`).
//! The rows are mechanical transcriptions of the struct tags; the files are not rustfmt'ed so
//! that one struct stays a few lines.

use super::schema::*;

#[rustfmt::skip]
mod container;
#[rustfmt::skip]
mod meta;
#[rustfmt::skip]
mod pod;
#[rustfmt::skip]
mod status;
#[rustfmt::skip]
mod volume;
#[rustfmt::skip]
mod workload;

pub(crate) use container::*;
pub(crate) use meta::*;
pub(crate) use pod::*;
pub(crate) use status::*;
pub(crate) use volume::*;
pub(crate) use workload::*;
