//! Istio's injection function map (`pkg/kube/inject/template.go`), in Rust.
//!
//! `protoToJSON` cannot re-encode a proto from JSON faithfully (field order,
//! defaults stripped by `cleanProxyConfig`), so the caller precomputes that
//! text and passes it as the data key `ProxyConfigJSON`; the function returns
//! it. `structToJSON` and `toJSON` write Go's `encoding/json` form.

use super::{
    check_len, f, int, s, str_map, string_entries, Args, Ctx, FnResult, Func, Ty, STR_MAP,
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
        Ok(Value::Bool(a[0].map_get(s(&a[1])).is_some()))
    }),
    f("excludeInboundPort", &[Ty::Any, Ty::Str], None, exclude_inbound_port),
    f("includeInboundPorts", &[CONTAINERS], None, |_, a| ports(&a[0], false)),
    f("applicationPorts", &[CONTAINERS], None, |_, a| ports(&a[0], true)),
    f("kubevirtInterfaces", &[Ty::Str], None, |_, a| Ok(a[0].clone())),
    f("excludeInterfaces", &[Ty::Str], None, |_, a| Ok(a[0].clone())),
    f("annotation", &[OBJECT_META, Ty::Str, Ty::Any], None, annotation),
    f("valueOrDefault", &[Ty::Any, Ty::Any], None, value_or_default),
    f("toJSON", &[STR_MAP], None, to_json_map_fn),
    f("fromJSON", &[Ty::Str], None, from_json),
    f("structToJSON", &[Ty::Any], None, struct_to_json),
    f("protoToJSON", &[Ty::Any], None, proto_to_json),
    f("toYaml", &[Ty::Any], None, |_, a| {
        let text = to_yaml(&a[0]).unwrap_or_default();
        check_len(text.len())?;
        Ok(Value::string(text))
    }),
    f("indent", &[Ty::Int, Ty::Str], None, istio_indent),
    f("directory", &[Ty::Str], None, |_, a| {
        let p = s(&a[0]);
        Ok(Value::str(p.rfind('/').map_or("", |i| &p[..=i])))
    }),
    f("contains", &[Ty::Str, Ty::Str], None, |_, a| {
        Ok(Value::Bool(s(&a[1]).contains(s(&a[0]))))
    }),
    f("toLower", &[Ty::Str], None, |_, a| Ok(Value::string(s(&a[0]).to_lowercase()))),
    f("appendMultusNetwork", &[Ty::Str, Ty::Str], None, append_multus_network),
    f("env", &[Ty::Str, Ty::Str], None, env),
    f("omit", &[STR_MAP], Some(Ty::Str), omit),
    f("strdict", &[], Some(Ty::Str), strdict),
    f("toJsonMap", &[], Some(STR_MAP), to_json_map),
    f("mergeMaps", &[], Some(STR_MAP), merge_maps),
    f("omitNil", &[Ty::Any], None, |_, a| Ok(omit_nil(&a[0], 0)?.unwrap_or(Value::Nil))),
    f(
        "otelResourceAttributes",
        &[MESH_CONFIG, STR_MAP, STR_MAP, Ty::Str, CONTAINERS],
        None,
        otel_resource_attributes,
    ),
];

/// Go's `time.Duration.String` for a protobuf JSON duration (`"90s"` → `1m30s`).
pub(crate) fn format_duration_text(text: &str) -> String {
    let t = text.trim().trim_end_matches('s');
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    let secs: u128 = secs.parse().unwrap_or(0);
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    let nanos = secs * 1_000_000_000 + frac.parse::<u128>().unwrap_or(0);
    go_duration(nanos, neg)
}

/// Drops trailing zeros of a `prec`-digit fraction: ".5", or "" when zero.
fn frac(v: u128, prec: u32) -> String {
    let digits = format!("{:0width$}", v % 10u128.pow(prec), width = prec as usize);
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    }
}

fn go_duration(nanos: u128, neg: bool) -> String {
    let sign = if neg && nanos > 0 { "-" } else { "" };
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, prec) = match nanos {
            n if n < 1_000 => ("ns", 0),
            n if n < 1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        let whole = nanos / 10u128.pow(prec);
        return format!("{sign}{whole}{}{unit}", frac(nanos, prec));
    }
    let secs = nanos / 1_000_000_000;
    let mut out = format!("{}{}s", secs % 60, frac(nanos, 9));
    let mins = secs / 60;
    if mins > 0 {
        out = format!("{}m{out}", mins % 60);
        let hours = mins / 60;
        if hours > 0 {
            out = format!("{hours}h{out}");
        }
    }
    format!("{sign}{out}")
}

fn format_duration<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::string(match &a[0] {
        Value::Str(t) => format_duration_text(t),
        _ => "0s".into(),
    }))
}

fn exclude_inbound_port<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let port = sprint_value(&a[0])?.trim().to_string();
    let excluded = s(&a[1]);
    if port.is_empty() || port == "0" {
        return Ok(a[1].clone());
    }
    let mut out = Vec::new();
    for p in excluded.split(',') {
        if p == port {
            return Ok(a[1].clone());
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
        for p in c.map_get("ports").and_then(|p| p.list_items()).unwrap_or_default() {
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
    let found = a[0]
        .map_get("annotations")
        .and_then(|m| m.map_get(s(&a[1])));
    Ok(match found {
        Some(v @ Value::Str(_)) => v,
        _ => Value::string(sprint_value(&a[2])?),
    })
}

fn value_or_default<'d>(_: &mut Ctx<'_, 'd>, mut a: Args<'d>) -> FnResult<'d> {
    let unset = matches!(&a[0], Value::Nil) || a[0].as_str() == Some("");
    Ok(a.swap_remove(if unset { 1 } else { 0 }))
}

fn to_json_map_fn<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if matches!(a[0], Value::Nil | Value::Zero) {
        return Ok(Value::str("{}"));
    }
    Ok(Value::string(to_json(&a[0], JsonStyle::COMPACT).unwrap_or_else(|_| "{}".into())))
}

fn from_json<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    // Istio logs and returns the string "{}" when the text is not JSON.
    Ok(serde_json::from_str::<serde_json::Value>(s(&a[0]))
        .map(|j| Value::from_owned_json(&j))
        .unwrap_or_else(|_| Value::str("{}")))
}

fn struct_to_json<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if a[0].is_nil() {
        return Ok(Value::str("{}"));
    }
    let text = to_json(&a[0], JsonStyle::COMPACT).unwrap_or_else(|_| "{}".into());
    check_len(text.len())?;
    Ok(Value::string(text))
}

fn proto_to_json<'d>(ctx: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    if matches!(a[0], Value::Nil | Value::Zero) {
        return Ok(Value::str("{}"));
    }
    match ctx.root.get("ProxyConfigJSON") {
        Some(serde_json::Value::String(t)) => Ok(Value::str(t)),
        _ => Err("protoToJSON needs the data key ProxyConfigJSON (the proxy config as JSON text)".into()),
    }
}

fn istio_indent<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (n, st) = (int(&a[0]).unsigned_abs() as usize, s(&a[1]));
    check_len(st.len().saturating_add(n.saturating_mul(st.matches('\n').count())))?;
    Ok(Value::string(st.replace('\n', &format!("\n{}", " ".repeat(n)))))
}

/// Adds the Istio CNI network to a Multus networks annotation (JSON list or CSV).
fn append_multus_network<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (existing, net) = (s(&a[0]), s(&a[1]));
    if existing.is_empty() {
        return Ok(a[1].clone());
    }
    let (ns, name) = match net.split('/').collect::<Vec<_>>().as_slice() {
        [ns, name, ..] => (ns.to_string(), name.to_string()),
        _ => (String::new(), net.to_string()),
    };
    if let Some(i) = existing.rfind(']') {
        let Ok(serde_json::Value::Array(items)) = serde_json::from_str(existing) else {
            return Ok(a[0].clone());
        };
        for item in &items {
            if !item.is_object() {
                return Ok(a[0].clone());
            }
            let item_ns = item.get("namespace").and_then(|v| v.as_str()).unwrap_or("");
            let ns_matches = item.get("namespace").is_none_or(|v| v.is_string() || v.is_null())
                && item_ns == ns;
            if item.get("name").and_then(|v| v.as_str()) == Some(name.as_str()) && ns_matches {
                return Ok(a[0].clone());
            }
        }
        let entry = if ns.is_empty() {
            format!(", {{\"name\": \"{name}\"}}")
        } else {
            format!(", {{\"name\": \"{name}\", \"namespace\": \"{ns}\"}}")
        };
        return Ok(Value::string(format!("{}{entry}{}", &existing[..i], &existing[i..])));
    }
    if existing.split(',').any(|n| n.trim() == net) {
        return Ok(a[0].clone());
    }
    Ok(Value::string(format!("{existing}, {net}")))
}

fn env<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    match std::env::var(s(&a[0])) {
        Ok(v) if !v.is_empty() => Ok(Value::string(v)),
        _ => Ok(a[1].clone()),
    }
}

fn omit<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let drop: Vec<&str> = a[1..].iter().map(s).collect();
    Ok(str_map(
        string_entries(&a[0])?
            .into_iter()
            .filter(|(k, _)| !drop.contains(&k.as_str())),
    ))
}

fn strdict<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(str_map(a.chunks(2).map(|p| {
        (s(&p[0]).to_string(), p.get(1).map_or("", s).to_string())
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
        return Ok(if changed && out.is_empty() { None } else { Some(Value::list(out)) });
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
        return Ok(if changed && out.is_empty() { None } else { Some(Value::map(out, MapKind::Any)) });
    }
    Ok(Some(v.clone()))
}

fn image_tag_digest(image: &str) -> (String, String) {
    let (image, digest) = match image.find('@') {
        Some(i) => (&image[..i], image[i + 1..].to_string()),
        None => (image, String::new()),
    };
    let slash = image.rfind('/');
    let tag = match image.rfind(':') {
        Some(c) if slash.is_none_or(|s| c > s) => image[c + 1..].to_string(),
        _ => String::new(),
    };
    (tag, digest)
}

fn non_empty(m: &Value<'_>, key: &str) -> Option<String> {
    m.map_get(key)
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|v| !v.is_empty())
}

/// `OTEL_RESOURCE_ATTRIBUTES` when an OpenTelemetry provider asks for
/// `OTEL_SEMANTIC_CONVENTIONS` enrichment; empty otherwise.
fn otel_resource_attributes<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (mesh, annotations, labels, ns, containers) = (&a[0], &a[1], &a[2], s(&a[3]), &a[4]);
    let enabled = mesh
        .map_get("extensionProviders")
        .and_then(|p| p.list_items())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.map_get("opentelemetry"))
        .any(|o| {
            o.map_get("serviceAttributeEnrichment").as_ref().and_then(Value::as_str)
                == Some("OTEL_SEMANTIC_CONVENTIONS")
        });
    if !enabled {
        return Ok(Value::str(""));
    }
    let mut attrs = Vec::new();
    if let Some(v) = non_empty(annotations, "resource.opentelemetry.io/service.namespace") {
        attrs.push(format!("service.namespace={v}"));
    } else if !ns.is_empty() {
        attrs.push(format!("service.namespace={ns}"));
    }
    let containers = containers.list_items().unwrap_or_default();
    if let Some(v) = non_empty(annotations, "resource.opentelemetry.io/service.version")
        .or_else(|| non_empty(labels, "app.kubernetes.io/version"))
    {
        attrs.push(format!("service.version={v}"));
    } else if let [only] = containers.as_slice() {
        let image = only.map_get("image").and_then(|i| i.as_str().map(str::to_string)).unwrap_or_default();
        let version = match image_tag_digest(&image) {
            (t, d) if !t.is_empty() && !d.is_empty() => format!("{t}@{d}"),
            (t, d) if t.is_empty() => d,
            (t, _) => t,
        };
        if !version.is_empty() {
            attrs.push(format!("service.version={version}"));
        }
    }
    if let Some(v) = non_empty(annotations, "resource.opentelemetry.io/service.instance.id") {
        attrs.push(format!("service.instance.id={v}"));
    } else if let Some(first) = containers.first() {
        let name = first.map_get("name").and_then(|n| n.as_str().map(str::to_string)).unwrap_or_default();
        attrs.push(format!("service.instance.id={ns}.$(POD_NAME).{name}"));
    }
    Ok(Value::string(attrs.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("45s", "45s")]
    #[case("90s", "1m30s")]
    #[case("3600s", "1h0m0s")]
    #[case("0.5s", "500ms")]
    #[case("0.000001s", "1µs")]
    #[case("1.5s", "1.5s")]
    #[case("0s", "0s")]
    #[case("-2s", "-2s")]
    fn durations(#[case] text: &str, #[case] want: &str) {
        assert_eq!(format_duration_text(text), want);
    }

    #[rstest]
    #[case("nginx:1.21", "1.21", "")]
    #[case("nginx@sha256:abc", "", "sha256:abc")]
    #[case("registry:5000/nginx", "", "")]
    #[case("registry:5000/nginx:1.21@sha256:abc", "1.21", "sha256:abc")]
    fn image_refs(#[case] image: &str, #[case] tag: &str, #[case] digest: &str) {
        assert_eq!(image_tag_digest(image), (tag.to_string(), digest.to_string()));
    }
}
