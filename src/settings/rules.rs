//! The injector's side of the inject-or-skip decision, compiled once from the values
//! (`global.proxy.autoInject`, the never/always selectors). `crate::decision` applies them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::values::Values;
use crate::selector::Selector;

/// `global.proxy.autoInject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Enabled,
    Disabled,
    /// Anything else: Istio logs an error and injects nothing.
    Invalid,
}

impl Policy {
    pub fn parse(s: &str) -> Policy {
        match s {
            "enabled" => Policy::Enabled,
            "disabled" => Policy::Disabled,
            _ => Policy::Invalid,
        }
    }
}

/// The injector's side of the decision, compiled once from the values.
#[derive(Debug, Clone)]
pub struct Rules {
    pub policy: Policy,
    pub never: Vec<Selector>,
    pub always: Vec<Selector>,
    /// `sidecarInjectorWebhook.enableNamespacesByDefault`.
    pub namespaces_by_default: bool,
}

impl Rules {
    /// `kube-inject`'s rules: policy enabled, no selectors (as `istioctl kube-inject`).
    pub fn kube_inject() -> Rules {
        Rules {
            policy: Policy::Enabled,
            never: Vec::new(),
            always: Vec::new(),
            namespaces_by_default: false,
        }
    }

    /// The webhook's rules from the values.
    pub fn from_values(values: &Values) -> Rules {
        let w = &values.sidecar_injector_webhook;
        Rules {
            policy: Policy::parse(&values.global.proxy.auto_inject),
            never: compile(&w.never_inject_selector, "neverInjectSelector"),
            always: compile(&w.always_inject_selector, "alwaysInjectSelector"),
            namespaces_by_default: w.enable_namespaces_by_default,
        }
    }
}

fn compile(list: &[LabelSelector], what: &str) -> Vec<Selector> {
    list.iter()
        .enumerate()
        .filter_map(|(i, s)| match Selector::compile(s) {
            Ok(s) => Some(s),
            Err(e) => {
                // Istio logs and ignores a bad selector; so do we, loudly.
                tracing::warn!("ignoring sidecarInjectorWebhook.{what}[{i}]: {e}");
                None
            }
        })
        .collect()
}
