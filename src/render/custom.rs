//! User templates (`sidecarInjectorWebhook.templates`), written in Go's template syntax and
//! parsed once at load by `crate::template`. Rendering builds Istio's `SidecarTemplateData`
//! as JSON (Go field names at the top, Kubernetes/proto JSON below) and reads the YAML the
//! template prints as the overlay.

use serde_json::{json, Value};

use super::context::Context;
use super::RenderError;
use crate::template::Template;

fn data(ctx: &Context<'_>) -> Value {
    json!({
        "TypeMeta": { "APIVersion": ctx.type_meta.api_version, "Kind": ctx.type_meta.kind },
        "DeploymentMeta": { "Name": ctx.deploy.name, "Namespace": ctx.deploy.namespace },
        "ObjectMeta": serde_json::to_value(ctx.meta).unwrap_or(Value::Null),
        "Spec": serde_json::to_value(ctx.spec).unwrap_or(Value::Null),
        "ProxyConfig": &*ctx.proxy.proxy_config,
        "ProxyConfigJSON": ctx.proxy.proxy_config_json,
        "MeshConfig": &*ctx.proxy.mesh_config,
        "Values": ctx.values.raw,
        "Revision": ctx.revision,
        "NativeSidecars": ctx.native_sidecars,
        "ProxyImage": ctx.proxy_image,
        "ProxyUID": ctx.proxy_uid,
        "ProxyGID": ctx.proxy_gid,
        "InboundTrafficPolicyMode": if ctx.proxy.inbound_policy_localhost { "localhost" } else { "passthrough" },
        "CompliancePolicy": "",
    })
}

/// Renders a user template into its overlay.
pub fn render(t: &Template, name: &str, ctx: &Context<'_>) -> Result<Value, RenderError> {
    let text = t.render(&data(ctx)).map_err(|e| RenderError::Template {
        name: name.to_string(),
        reason: e.to_string(),
    })?;
    let overlay = crate::yaml::parse_value(&text)
        .map_err(|e| RenderError::Template {
            name: name.to_string(),
            reason: format!("output is not YAML: {e}"),
        })?
        .unwrap_or(Value::Null);
    match overlay {
        Value::Null => Ok(json!({})),
        Value::Object(_) => Ok(overlay),
        _ => Err(RenderError::Template {
            name: name.to_string(),
            reason: "output is not a mapping (a partial Pod)".into(),
        }),
    }
}
