//! Template dispatch: which templates a pod gets, and rendering one by name, Istio's built-in
//! ones as code (`sidecar.rs`, `gateway.rs`, `grpc.rs`) and custom ones through the Go
//! template engine (`custom.rs`). The snapshot only holds the parsed custom templates.

use std::collections::BTreeMap;

use serde_json::Value;

use super::context::Context;
use super::RenderError;
use crate::annotations::INJECT_TEMPLATES;
use crate::settings::Snapshot;

/// Templates Istio ships, rendered here as code (also the canaries' template list).
pub const BUILT_IN: [&str; 4] = ["sidecar", "gateway", "grpc-simple", "grpc-agent"];

/// The templates a snapshot can render: Istio's built-in ones, then the custom ones.
pub fn names(snap: &Snapshot) -> Vec<String> {
    BUILT_IN
        .iter()
        .copied()
        .chain(
            snap.custom_template_names()
                .filter(|k| !BUILT_IN.contains(k)),
        )
        .map(str::to_string)
        .collect()
}

/// Whether `name` is rendered by our code (not replaced by a custom template).
pub fn is_built_in(snap: &Snapshot, name: &str) -> bool {
    BUILT_IN.contains(&name) && snap.custom_template(name).is_none()
}

/// `inject.istio.io/templates`, else `sidecarInjectorWebhook.defaultTemplates` (not for
/// kube-inject: istioctl always defaults to `sidecar`), else `sidecar`.
pub fn select(
    snap: &Snapshot,
    annotations: &BTreeMap<String, String>,
    kube_inject: bool,
) -> Vec<String> {
    if let Some(list) = annotations.get(INJECT_TEMPLATES) {
        return list.split(',').map(|s| s.trim().to_string()).collect();
    }
    let defaults = &snap.values.sidecar_injector_webhook.default_templates;
    if defaults.is_empty() || kube_inject {
        vec!["sidecar".into()]
    } else {
        defaults.clone()
    }
}

/// Renders one template by name into its overlay; a custom template shadows a built-in one.
pub fn render(snap: &Snapshot, name: &str, ctx: &Context<'_>) -> Result<Value, RenderError> {
    if let Some(t) = snap.custom_template(name) {
        return super::custom::render(t, name, ctx);
    }
    match name {
        "sidecar" => super::sidecar::render(ctx),
        "gateway" => super::gateway::render(ctx),
        "grpc-simple" => super::grpc::render_simple(ctx),
        "grpc-agent" => super::grpc::render_agent(ctx),
        _ => {
            let mut known: Vec<&str> = BUILT_IN.to_vec();
            known.extend(snap.custom_template_names());
            Err(RenderError::UnknownTemplate {
                name: name.to_string(),
                known: known.join(", "),
            })
        }
    }
}
