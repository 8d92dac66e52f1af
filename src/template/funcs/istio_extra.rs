//! The larger Istio helpers: duration text, Multus networks, OpenTelemetry
//! resource attributes.

use super::{arg, s, Args, Ctx, FnResult};
use crate::annotations::{
    APP_KUBERNETES_VERSION_LABEL, OTEL_SERVICE_INSTANCE_ID, OTEL_SERVICE_NAMESPACE,
    OTEL_SERVICE_VERSION,
};
use crate::template::value::Value;

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

pub(super) fn format_duration<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    Ok(Value::string(match arg(&a, 0)? {
        Value::Str(t) => format_duration_text(t),
        _ => "0s".into(),
    }))
}

/// Adds the Istio CNI network to a Multus networks annotation (JSON list or CSV).
pub(super) fn append_multus_network<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (existing, net) = (s(arg(&a, 0)?), s(arg(&a, 1)?));
    if existing.is_empty() {
        return Ok(arg(&a, 1)?.clone());
    }
    let (ns, name) = match net.split('/').collect::<Vec<_>>().as_slice() {
        [ns, name, ..] => (ns.to_string(), name.to_string()),
        _ => (String::new(), net.to_string()),
    };
    if let Some(i) = existing.rfind(']') {
        let Ok(serde_json::Value::Array(items)) = serde_json::from_str(existing) else {
            return Ok(arg(&a, 0)?.clone());
        };
        for item in &items {
            if !item.is_object() {
                return Ok(arg(&a, 0)?.clone());
            }
            let item_ns = item.get("namespace").and_then(|v| v.as_str()).unwrap_or("");
            let ns_matches = item
                .get("namespace")
                .is_none_or(|v| v.is_string() || v.is_null())
                && item_ns == ns;
            if item.get("name").and_then(|v| v.as_str()) == Some(name.as_str()) && ns_matches {
                return Ok(arg(&a, 0)?.clone());
            }
        }
        let entry = if ns.is_empty() {
            format!(", {{\"name\": \"{name}\"}}")
        } else {
            format!(", {{\"name\": \"{name}\", \"namespace\": \"{ns}\"}}")
        };
        return Ok(Value::string(format!(
            "{}{entry}{}",
            existing.get(..i).unwrap_or_default(),
            existing.get(i..).unwrap_or_default()
        )));
    }
    if existing.split(',').any(|n| n.trim() == net) {
        return Ok(arg(&a, 0)?.clone());
    }
    Ok(Value::string(format!("{existing}, {net}")))
}

fn image_tag_digest(image: &str) -> (String, String) {
    let (image, digest) = match image.find('@') {
        Some(i) => (
            image.get(..i).unwrap_or_default(),
            image.get(i + 1..).unwrap_or_default().to_string(),
        ),
        None => (image, String::new()),
    };
    let slash = image.rfind('/');
    let tag = match image.rfind(':') {
        Some(c) if slash.is_none_or(|s| c > s) => {
            image.get(c + 1..).unwrap_or_default().to_string()
        }
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
pub(super) fn otel_resource_attributes<'d>(_: &mut Ctx<'_, 'd>, a: Args<'d>) -> FnResult<'d> {
    let (mesh, annotations, labels, ns, containers) = (
        arg(&a, 0)?,
        arg(&a, 1)?,
        arg(&a, 2)?,
        s(arg(&a, 3)?),
        arg(&a, 4)?,
    );
    let enabled = mesh
        .map_get("extensionProviders")
        .and_then(|p| p.list_items())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.map_get("opentelemetry"))
        .any(|o| {
            o.map_get("serviceAttributeEnrichment")
                .as_ref()
                .and_then(Value::as_str)
                == Some("OTEL_SEMANTIC_CONVENTIONS")
        });
    if !enabled {
        return Ok(Value::str(""));
    }
    let mut attrs = Vec::new();
    if let Some(v) = non_empty(annotations, OTEL_SERVICE_NAMESPACE) {
        attrs.push(format!("service.namespace={v}"));
    } else if !ns.is_empty() {
        attrs.push(format!("service.namespace={ns}"));
    }
    let containers = containers.list_items().unwrap_or_default();
    if let Some(v) = non_empty(annotations, OTEL_SERVICE_VERSION)
        .or_else(|| non_empty(labels, APP_KUBERNETES_VERSION_LABEL))
    {
        attrs.push(format!("service.version={v}"));
    } else if let [only] = containers.as_slice() {
        let image = only
            .map_get("image")
            .and_then(|i| i.as_str().map(str::to_string))
            .unwrap_or_default();
        let version = match image_tag_digest(&image) {
            (t, d) if !t.is_empty() && !d.is_empty() => format!("{t}@{d}"),
            (t, d) if t.is_empty() => d,
            (t, _) => t,
        };
        if !version.is_empty() {
            attrs.push(format!("service.version={version}"));
        }
    }
    if let Some(v) = non_empty(annotations, OTEL_SERVICE_INSTANCE_ID) {
        attrs.push(format!("service.instance.id={v}"));
    } else if let Some(first) = containers.first() {
        let name = first
            .map_get("name")
            .and_then(|n| n.as_str().map(str::to_string))
            .unwrap_or_default();
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
        assert_eq!(
            image_tag_digest(image),
            (tag.to_string(), digest.to_string())
        );
    }
}
