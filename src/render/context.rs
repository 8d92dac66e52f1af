//! What a template renders from: Istio's `SidecarTemplateData`, as typed Rust.
//!
//! Built once per pod from the snapshot and the (stripped) pod; the renderers only read it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::annotations as n;
use crate::settings::go_sprint;
use crate::settings::values::Values;
use crate::settings::ProxyView;
use crate::workload::{DeployMeta, TypeMeta};

pub struct Context<'a> {
    pub values: &'a Values,
    pub meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
    pub proxy: &'a ProxyView,
    pub type_meta: &'a TypeMeta,
    pub deploy: &'a DeployMeta,
    pub revision: &'a str,
    pub native_sidecars: bool,
    pub proxy_image: String,
    pub proxy_uid: i64,
    pub proxy_gid: i64,
}

impl Context<'_> {
    pub fn annotations(&self) -> Option<&BTreeMap<String, String>> {
        self.meta.annotations.as_ref()
    }

    pub fn labels(&self) -> Option<&BTreeMap<String, String>> {
        self.meta.labels.as_ref()
    }

    /// The pod's annotation value, `""` when absent (`index .ObjectMeta.Annotations`).
    pub fn ann(&self, name: &str) -> &str {
        self.annotations()
            .and_then(|a| a.get(name))
            .map_or("", String::as_str)
    }

    pub fn label(&self, name: &str) -> &str {
        self.labels()
            .and_then(|a| a.get(name))
            .map_or("", String::as_str)
    }

    /// `isset .ObjectMeta.Annotations name`.
    pub fn isset(&self, name: &str) -> bool {
        self.annotations().is_some_and(|a| a.contains_key(name))
    }

    /// `annotation .ObjectMeta name default`: the annotation when present (even empty), else the default.
    pub fn annotation_or(&self, name: &str, default: &str) -> String {
        match self.annotations().and_then(|a| a.get(name)) {
            Some(v) => v.clone(),
            None => default.to_string(),
        }
    }

    /// Like [`Context::annotation_or`] with a default taken from the values as Go prints it.
    pub fn annotation_or_value(&self, name: &str, default: &serde_json::Value) -> String {
        match self.annotations().and_then(|a| a.get(name)) {
            Some(v) => v.clone(),
            None => go_sprint(default),
        }
    }

    /// The effective interception mode (annotation over ProxyConfig).
    pub fn interception_mode(&self) -> String {
        self.annotation_or(n::SIDECAR_INTERCEPTION_MODE, &self.proxy.interception_mode)
    }

    pub fn tproxy(&self) -> bool {
        self.interception_mode() == "TPROXY"
    }

    /// `sidecar.istio.io/nativeSidecar` when set and non-empty, else the cluster's decision.
    pub fn native(&self) -> bool {
        match self.ann(n::SIDECAR_NATIVE_SIDECAR) {
            "" => self.native_sidecars,
            v => v != "false",
        }
    }

    /// Istio's second reading of `sidecar.istio.io/nativeSidecar`, which decides whether a
    /// user's own `istio-proxy` container moves under initContainers: only an exact `true` or
    /// `false` overrides the cluster's decision. The template reads anything but `false` as
    /// on, so `maybe` renders a native sidecar and leaves the user's container where it is.
    pub fn native_moves_user_proxy(&self) -> bool {
        match self.ann(n::SIDECAR_NATIVE_SIDECAR) {
            "true" => true,
            "false" => false,
            _ => self.native_sidecars,
        }
    }

    /// The effective status port as a string (annotation over values).
    pub fn status_port(&self) -> String {
        self.annotation_or_value(
            n::SIDECAR_STATUS_PORT,
            &self.values.global.proxy.status_port,
        )
    }

    /// Names of the app containers (everything but `istio-proxy`).
    pub fn app_containers(&self) -> Vec<&str> {
        self.spec
            .containers
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| *n != crate::render::PROXY_CONTAINER)
            .collect()
    }
}
