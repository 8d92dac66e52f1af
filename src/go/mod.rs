//! Go behaviours we reproduce byte for byte, one home each: `strconv`'s float text (`float`),
//! `NO_PROXY` matching (`httpproxy`) and
//! go-yaml v2 as `sigs.k8s.io/yaml` uses it (`yaml`). Nothing here knows about Istio or Pods.

pub mod float;
pub mod httpproxy;
pub mod yaml;
