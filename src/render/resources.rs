//! The proxy's `resources` (Istio's `resources` template block): the `proxyCPU`/`proxyMemory`
//! (+`Limit`) annotations when any is set, else `global.proxy.resources` with nulls dropped.

use serde_json::{json, Map, Value};

use super::context::Context;
use super::RenderError;
use crate::annotations as n;

pub fn proxy_resources(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let any = [
        n::SIDECAR_PROXY_CPU,
        n::SIDECAR_PROXY_MEMORY,
        n::SIDECAR_PROXY_CPU_LIMIT,
        n::SIDECAR_PROXY_MEMORY_LIMIT,
    ]
    .iter()
    .any(|a| ctx.isset(a));
    if any {
        let mut r = Map::new();
        for (key, cpu, mem) in [
            ("requests", n::SIDECAR_PROXY_CPU, n::SIDECAR_PROXY_MEMORY),
            (
                "limits",
                n::SIDECAR_PROXY_CPU_LIMIT,
                n::SIDECAR_PROXY_MEMORY_LIMIT,
            ),
        ] {
            if ctx.isset(cpu) || ctx.isset(mem) {
                let mut m = Map::new();
                if ctx.isset(cpu) {
                    m.insert("cpu".into(), json!(ctx.ann(cpu)));
                }
                if ctx.isset(mem) {
                    m.insert("memory".into(), json!(ctx.ann(mem)));
                }
                r.insert(key.into(), Value::Object(m));
            }
        }
        return Ok(Value::Object(r));
    }
    let res = &ctx.values.global.proxy.resources;
    if !super::truthy(res) {
        return Ok(Value::Null);
    }
    Ok(omit_nil(res).unwrap_or(Value::Null))
}

/// Istio's `omitNil`: drops null entries, and maps or lists left empty by that.
pub fn omit_nil(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let out: Map<String, Value> = m
                .iter()
                .filter_map(|(k, v)| omit_nil(v).map(|v| (k.clone(), v)))
                .collect();
            if out.is_empty() && !m.is_empty() {
                None
            } else {
                Some(Value::Object(out))
            }
        }
        Value::Array(a) => {
            let out: Vec<Value> = a.iter().filter_map(omit_nil).collect();
            if out.is_empty() && !a.is_empty() {
                None
            } else {
                Some(Value::Array(out))
            }
        }
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::omit_nil;
    use serde_json::json;

    #[test]
    fn nulls_and_emptied_maps_go() {
        let v = json!({"limits": {"cpu": null, "memory": "1Gi"}, "requests": {"cpu": null}});
        assert_eq!(omit_nil(&v), Some(json!({"limits": {"memory": "1Gi"}})));
        assert_eq!(omit_nil(&json!({"requests": {"cpu": null}})), None);
        assert_eq!(
            omit_nil(&json!({"requests": {"cpu": "0"}})),
            Some(json!({"requests": {"cpu": "0"}}))
        );
    }
}
