//! Istio's injection function map (`pkg/kube/inject/template.go`), in Rust.
//!
//! `protoToJSON` cannot re-encode a proto from JSON faithfully (field order,
//! defaults stripped by `cleanProxyConfig`), so the caller precomputes that
//! text and passes it as the data key `ProxyConfigJSON`; the function returns
//! it. `structToJSON` and `toJSON` write Go's `encoding/json` form.

use super::istio_extra::{append_multus_network, format_duration, otel_resource_attributes};
use super::{
    arg, check_len, f, int, s, str_map, string_entries, tail, take, Args, Ctx, FnResult, Func, Ty,
    STR_MAP,
};
use crate::template::format::sprint_value;
use crate::template::json::{to_json, write_str, JsonStyle};
use crate::template::value::{too_deep, MapKind, Value, MAX_DEPTH};
use crate::template::yaml::to_yaml;

const OBJECT_META: Ty = Ty::Map("v1.ObjectMeta");
const CONTAINERS: Ty = Ty::List("[]v1.Container");
const MESH_CONFIG: Ty = Ty::Map("*v1alpha1.MeshConfig");

pub(super) static FUNCS: &[Func] = &[
    f("formatDuration", &[Ty::Any], None, format_duration),
    f("isset", &[STR_MAP, Ty::Str], None, |_, a| {
        Ok(Value::Bool(arg(&a, 0)?.map_get(s(arg(&a, 1)?)).is_some()))
    }),
    f(
        "excludeInboundPort",
        &[Ty::Any, Ty::Str],
        None,
        exclude_inbound_port,
    ),
    f("includeInboundPorts", &[CONTAINERS], None, |_, a| {
        ports(arg(&a, 0)?, false)
    }),
    f("applicationPorts", &[CONTAINERS], None, |_, a| {
        ports(arg(&a, 0)?, true)
    }),
    f("kubevirtInterfaces", &[Ty::Str], None, |_, a| {
        Ok(arg(&a, 0)?.clone())
    }),
    f("excludeInterfaces", &[Ty::Str], None, |_, a| {
        Ok(arg(&a, 0)?.clone())
    }),
    f(
        "annotation",
        &[OBJECT_META, Ty::Str, Ty::Any],
        None,
        annotation,
    ),
    f(
        "valueOrDefault",
        &[Ty::Any, Ty::Any],
        None,
        value_or_default,
    ),
    f("toJSON", &[STR_MAP], None, to_json_map_fn),
    f("fromJSON", &[Ty::Str], None, from_json),
    f("structToJSON", &[Ty::Any], None, struct_to_json),
    f("protoToJSON", &[Ty::Any], None, proto_to_json),
    f("toYaml", &[Ty::Any], None, |_, a| {
        let text = to_yaml(arg(&a, 0)?).unwrap_or_default();
        check_len(text.len())?;
        Ok(Value::string(text))
    }),
    f("indent", &[Ty::Int, Ty::Str], None, istio_indent),
    f("directory", &[Ty::Str], None, |_, a| {
        let p = s(arg(&a, 0)?);
        Ok(Value::str(
            p.rfind('/').map_or("", |i| p.get(..=i).unwrap_or_default()),
        ))
    }),
    f("contains", &[Ty::Str, Ty::Str], None, |_, a| {
        Ok(Value::Bool(s(arg(&a, 1)?).contains(s(arg(&a, 0)?))))
    }),
    f("toLower", &[Ty::Str], None, |_, a| {
        Ok(Value::string(crate::go::unicode::to_lower_str(s(arg(
            &a, 0,
        )?))))
    }),
    f(
        "appendMultusNetwork",
        &[Ty::Str, Ty::Str],
        None,
        append_multus_network,
    ),
    f("env", &[Ty::Str, Ty::Str], None, env),
    f("omit", &[STR_MAP], Some(Ty::Str), omit),
    f("strdict", &[], Some(Ty::Str), strdict),
    f("toJsonMap", &[], Some(STR_MAP), to_json_map),
    f("mergeMaps", &[], Some(STR_MAP), merge_maps),
    f("omitNil", &[Ty::Any], None, |_, a| {
        Ok(omit_nil(arg(&a, 0)?, 0)?.unwrap_or(Value::Nil))
    }),
    f(
        "otelResourceAttributes",
        &[MESH_CONFIG, STR_MAP, STR_MAP, Ty::Str, CONTAINERS],
        None,
        otel_resource_attributes,
    ),
];

fn exclude_inbound_port<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let port = sprint_value(arg(&a, 0)?)?.trim().to_string();
    let excluded = s(arg(&a, 1)?);
    if port.is_empty() || port == "0" {
        return Ok(arg(&a, 1)?.clone());
    }
    let mut out = Vec::new();
    for p in excluded.split(',') {
        if p == port {
            return Ok(arg(&a, 1)?.clone());
        }
        let p = p.trim();
        if !p.is_empty() {
            out.push(p.to_string());
        }
    }
    out.push(port);
    Ok(Value::string(out.join(",")))
}

fn ports<'d>(containers: &Value<'d>, skip_proxy: bool) -> FnResult<'d> {
    let mut out = Vec::new();
    for c in containers.list_items().unwrap_or_default() {
        if skip_proxy && c.map_get("name").as_ref().and_then(Value::as_str) == Some("istio-proxy") {
            continue;
        }
        for p in c
            .map_get("ports")
            .and_then(|p| p.list_items())
            .unwrap_or_default()
        {
            let proto = p.map_get("protocol");
            if matches!(proto.as_ref().and_then(Value::as_str), Some("UDP" | "SCTP")) {
                continue;
            }
            out.push(match p.map_get("containerPort") {
                Some(Value::Int(n)) => n.to_string(),
                Some(Value::Float(n)) => (n as i64).to_string(),
                _ => "0".to_string(),
            });
        }
    }
    Ok(Value::string(out.join(",")))
}

fn annotation<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let key = s(arg(&a, 1)?);
    let found = arg(&a, 0)?
        .map_get("annotations")
        .and_then(|m| m.map_get(key));
    Ok(match found {
        Some(v @ Value::Str(_)) => v,
        _ => Value::string(sprint_value(arg(&a, 2)?)?),
    })
}

fn value_or_default<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let unset = matches!(arg(&a, 0)?, Value::Nil) || arg(&a, 0)?.as_str() == Some("");
    take(a, if unset { 1 } else { 0 })
}

fn to_json_map_fn<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if matches!(arg(&a, 0)?, Value::Nil | Value::Zero) {
        return Ok(Value::str("{}"));
    }
    Ok(Value::string(
        to_json(arg(&a, 0)?, JsonStyle::COMPACT).unwrap_or_else(|_| "{}".into()),
    ))
}

fn from_json<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    // Istio logs and returns the string "{}" when the text is not JSON.
    Ok(serde_json::from_str::<serde_json::Value>(s(arg(&a, 0)?))
        .map(|j| Value::from_owned_json(&j))
        .unwrap_or_else(|_| Value::str("{}")))
}

/// Go field order of `corev1.ContainerPort`, the struct Istio's templates pass
/// to `structToJSON`; data objects otherwise keep their stored key order.
const CONTAINER_PORT_FIELDS: [&str; 5] =
    ["name", "hostPort", "containerPort", "protocol", "hostIP"];

fn go_struct_order<'d>(v: &Value<'d>) -> Option<Value<'d>> {
    let entries = v.map_entries()?;
    let is_port = entries.iter().any(|(k, _)| k == "containerPort")
        && entries
            .iter()
            .all(|(k, _)| CONTAINER_PORT_FIELDS.contains(&k.as_str()));
    if !is_port {
        return None;
    }
    let mut out = String::from("{");
    for k in CONTAINER_PORT_FIELDS {
        if let Some((_, val)) = entries.iter().find(|(key, _)| key == k) {
            if out.len() > 1 {
                out.push(',');
            }
            write_str(&mut out, k, true);
            out.push(':');
            out.push_str(&to_json(val, JsonStyle::COMPACT).ok()?);
        }
    }
    out.push('}');
    Some(Value::string(out))
}

fn struct_to_json<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if arg(&a, 0)?.is_nil() {
        return Ok(Value::str("{}"));
    }
    if let Some(port) = go_struct_order(arg(&a, 0)?) {
        return Ok(port);
    }
    let text = to_json(arg(&a, 0)?, JsonStyle::COMPACT).unwrap_or_else(|_| "{}".into());
    check_len(text.len())?;
    Ok(Value::string(text))
}

fn proto_to_json<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if matches!(arg(&a, 0)?, Value::Nil | Value::Zero) {
        return Ok(Value::str("{}"));
    }
    match ctx.root.get("ProxyConfigJSON") {
        Some(serde_json::Value::String(t)) => Ok(Value::str(t)),
        _ => Err(
            "protoToJSON needs the data key ProxyConfigJSON (the proxy config as JSON text)".into(),
        ),
    }
}

fn istio_indent<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (n, st) = (int(arg(&a, 0)?).unsigned_abs() as usize, s(arg(&a, 1)?));
    check_len(
        st.len()
            .saturating_add(n.saturating_mul(st.matches('\n').count())),
    )?;
    Ok(Value::string(
        st.replace('\n', &format!("\n{}", " ".repeat(n))),
    ))
}

fn env<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    match std::env::var(s(arg(&a, 0)?)) {
        Ok(v) if !v.is_empty() => Ok(Value::string(v)),
        _ => Ok(arg(&a, 1)?.clone()),
    }
}

fn omit<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let drop: Vec<&str> = tail(&a, 1).iter().map(s).collect();
    Ok(str_map(
        string_entries(arg(&a, 0)?)?
            .into_iter()
            .filter(|(k, _)| !drop.contains(&k.as_str())),
    ))
}

fn strdict<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(str_map(a.chunks(2).filter_map(|p| match p {
        [k, v] => Some((s(k).to_string(), s(v).to_string())),
        [k] => Some((s(k).to_string(), String::new())),
        _ => None,
    })))
}

fn merged<'d>(a: &[Value<'d>]) -> Result<Vec<(String, String)>, String> {
    let mut m = std::collections::BTreeMap::new();
    for v in a {
        m.extend(string_entries(v)?);
    }
    Ok(m.into_iter().collect())
}

fn merge_maps<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if a.is_empty() {
        return Ok(Value::Nil);
    }
    Ok(str_map(merged(&a)?))
}

fn to_json_map<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if a.is_empty() {
        return Ok(Value::str("null"));
    }
    let mut out = String::from("{");
    for (i, (k, v)) in merged(&a)?.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(&mut out, k, true);
        out.push(':');
        write_str(&mut out, v, true);
    }
    out.push('}');
    Ok(Value::string(out))
}

/// Removes nil values from maps and lists, recursively; a collection left
/// empty by the removal becomes nil itself (Istio's `omitNil`).
fn omit_nil<'d>(v: &Value<'d>, depth: usize) -> Result<Option<Value<'d>>, String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    if v.is_nil() {
        return Ok(None);
    }
    if let Some(items) = v.list_items() {
        let mut out = Vec::new();
        let mut changed = false;
        for i in &items {
            match omit_nil(i, depth + 1)? {
                Some(x) => out.push(x),
                None => changed = true,
            }
        }
        return Ok(if changed && out.is_empty() {
            None
        } else {
            Some(Value::list(out))
        });
    }
    if let (true, Some(entries)) = (v.is_map(), v.map_entries()) {
        let mut out = std::collections::BTreeMap::new();
        let mut changed = false;
        for (k, x) in entries {
            match omit_nil(&x, depth + 1)? {
                Some(x) => {
                    out.insert(k, x);
                }
                None => changed = true,
            }
        }
        return Ok(if changed && out.is_empty() {
            None
        } else {
            Some(Value::map(out, MapKind::Any))
        });
    }
    Ok(Some(v.clone()))
}
