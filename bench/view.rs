//! A measurement, not used by the server: what decoding a pod costs when only the parts an
//! injection reads are built, borrowed from the text where they can be (`bench_tool stage
//! view`), next to the typed decode into k8s-openapi's `Pod` (`stage typed`). BENCHMARKS.md
//! ("What is left") proposes such a view for the fast path; this sizes the read side of it.
//!
//! Read: the metadata the decision and the template use (names, labels, annotations, owners),
//! the containers' names, images, ports, probes and handlers (kept as raw JSON spans: the
//! probe rewrite reads them whole), the names of the volumes and pull secrets, and the few
//! spec fields the template reads. Everything else is skipped by the parser, never built.

// Built to be measured: nothing reads the fields.
#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

type Text<'a> = Cow<'a, str>;

#[derive(Deserialize)]
pub struct PodView<'a> {
    #[serde(borrow, default)]
    pub metadata: Meta<'a>,
    #[serde(borrow, default)]
    pub spec: Option<Spec<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Meta<'a> {
    #[serde(borrow)]
    pub name: Option<Text<'a>>,
    #[serde(borrow)]
    pub generate_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub namespace: Option<Text<'a>>,
    #[serde(borrow)]
    pub labels: Option<BTreeMap<Text<'a>, Text<'a>>>,
    #[serde(borrow)]
    pub annotations: Option<BTreeMap<Text<'a>, Text<'a>>>,
    #[serde(borrow)]
    pub owner_references: Option<Vec<Owner<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner<'a> {
    #[serde(borrow)]
    pub api_version: Text<'a>,
    #[serde(borrow)]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub name: Text<'a>,
    pub controller: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec<'a> {
    #[serde(borrow, default)]
    pub containers: Vec<ContainerView<'a>>,
    #[serde(borrow)]
    pub init_containers: Option<Vec<ContainerView<'a>>>,
    #[serde(borrow)]
    pub volumes: Option<Vec<Named<'a>>>,
    #[serde(borrow)]
    pub image_pull_secrets: Option<Vec<Named<'a>>>,
    pub host_network: Option<bool>,
    #[serde(borrow)]
    pub security_context: Option<&'a RawValue>,
    #[serde(borrow)]
    pub node_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub service_account_name: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerView<'a> {
    #[serde(borrow)]
    pub name: Text<'a>,
    #[serde(borrow)]
    pub image: Option<Text<'a>>,
    #[serde(borrow)]
    pub ports: Option<Vec<Port<'a>>>,
    #[serde(borrow)]
    pub readiness_probe: Option<&'a RawValue>,
    #[serde(borrow)]
    pub liveness_probe: Option<&'a RawValue>,
    #[serde(borrow)]
    pub startup_probe: Option<&'a RawValue>,
    #[serde(borrow)]
    pub lifecycle: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Port<'a> {
    pub container_port: i32,
    #[serde(borrow)]
    pub name: Option<Text<'a>>,
    #[serde(borrow)]
    pub protocol: Option<Text<'a>>,
}

#[derive(Deserialize)]
pub struct Named<'a> {
    #[serde(borrow)]
    pub name: Text<'a>,
}

/// The view of `text` (a pod), or the parser's error.
pub fn read(text: &str) -> Result<PodView<'_>, serde_json::Error> {
    serde_json::from_str(text)
}
