//! Go behaviours we reproduce byte for byte, one home each: `strconv` (numbers, booleans,
//! `Quote`) and its float text (`float`), `time` (durations), `net` (`SplitHostPort`) and
//! `netip` (addresses, prefixes), `sort` (`sort.Sort`), `unicode` (its character classes), `quantity` (Kubernetes resource quantities), `NO_PROXY` matching (`httpproxy`) and go-yaml v2 as
//! `sigs.k8s.io/yaml` uses it (`yaml`). Nothing here knows about Istio or Pods.

pub mod float;
pub mod httpproxy;
pub mod net;
pub mod netip;
pub mod quantity;
pub mod sort;
pub mod strconv;
pub mod time;
pub mod unicode;
pub mod yaml;
