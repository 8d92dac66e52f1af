//! The proxy's own startup and readiness probes (the app's probes are rewritten in `probes`).

use serde_json::{json, Map, Value};

use super::context::Context;
use super::RenderError;
use crate::annotations as n;

/// A probe setting printed into the template and read back as YAML: must be an integer.
fn int_setting(ctx: &Context<'_>, annotation: &str, default: &Value) -> Result<Value, RenderError> {
    let text = ctx.annotation_or_value(annotation, default);
    text.trim()
        .parse::<i64>()
        .map(Value::from)
        .map_err(|_| RenderError::Annotation {
            name: annotation.to_string(),
            reason: format!("{text:?} is not an integer"),
        })
}

pub fn insert_proxy_probes(
    ctx: &Context<'_>,
    c: &mut Map<String, Value>,
) -> Result<(), RenderError> {
    let p = &ctx.values.global.proxy;
    let get = json!({ "path": "/healthz/ready", "port": 15021 });
    if p.startup_probe.enabled {
        c.insert(
            "startupProbe".into(),
            json!({
                "httpGet": get,
                "initialDelaySeconds": 0,
                "periodSeconds": 1,
                "timeoutSeconds": 3,
                "failureThreshold": crate::render::yaml_scalar(&p.startup_probe.failure_threshold),
            }),
        );
    }
    c.insert("readinessProbe".into(), readiness_probe(ctx, 15021)?);
    Ok(())
}

/// The agent's readiness probe on `port`, timings from the readiness annotations over values.
pub fn readiness_probe(ctx: &Context<'_>, port: i32) -> Result<Value, RenderError> {
    let p = &ctx.values.global.proxy;
    Ok(json!({
        "httpGet": { "path": "/healthz/ready", "port": port },
        "initialDelaySeconds": int_setting(ctx, n::SIDECAR_STATUS_READINESS_INITIAL_DELAY_SECONDS, &p.readiness_initial_delay_seconds)?,
        "periodSeconds": int_setting(ctx, n::SIDECAR_STATUS_READINESS_PERIOD_SECONDS, &p.readiness_period_seconds)?,
        "timeoutSeconds": 3,
        "failureThreshold": int_setting(ctx, n::SIDECAR_STATUS_READINESS_FAILURE_THRESHOLD, &p.readiness_failure_threshold)?,
    }))
}
