//! The labels and annotations the `sidecar` template adds to the pod.

use serde_json::{json, Map, Value};

use super::context::Context;
use super::init;
use crate::annotations as n;

/// `a | default b | default c`: the first non-empty.
fn first_set<'a>(options: &[&'a str]) -> &'a str {
    options
        .iter()
        .copied()
        .find(|s| !s.is_empty())
        .unwrap_or("")
}

/// Canonical service name as the labels and workload give it (the gateway and grpc templates
/// use it as is).
pub fn canonical_name_full<'c>(ctx: &'c Context<'_>) -> &'c str {
    first_set(&[
        ctx.label(n::CANONICAL_NAME_LABEL),
        ctx.label(n::APP_KUBERNETES_NAME_LABEL),
        ctx.label(n::APP_LABEL),
        &ctx.deploy.name,
    ])
}

/// Canonical service name, cut to a valid label value (63 chars, no trailing `-`).
pub fn canonical_name(ctx: &Context<'_>) -> String {
    let cut: String = canonical_name_full(ctx).chars().take(63).collect();
    cut.strip_suffix('-').unwrap_or(&cut).to_string()
}

/// Canonical revision: the labels' version, else `latest`.
pub fn canonical_revision<'c>(ctx: &'c Context<'_>) -> &'c str {
    first_set(&[
        ctx.label(n::CANONICAL_REVISION_LABEL),
        ctx.label(n::APP_KUBERNETES_VERSION_LABEL),
        ctx.label(n::VERSION_LABEL),
        "latest",
    ])
}

/// The canonical name and revision labels, the name not cut to a label value (the gateway and
/// grpc-agent templates skip that step).
pub fn canonical_labels_uncut(ctx: &Context<'_>) -> Value {
    json!({
        (n::CANONICAL_NAME_LABEL): canonical_name_full(ctx),
        (n::CANONICAL_REVISION_LABEL): canonical_revision(ctx),
    })
}

pub fn labels(ctx: &Context<'_>) -> Value {
    let mut l = Map::new();
    l.insert(
        n::TLS_MODE_LABEL.into(),
        json!(first_set(&[ctx.label(n::TLS_MODE_LABEL), "istio"])),
    );
    if ctx
        .proxy
        .proxy_metadata
        .get("ISTIO_META_ENABLE_HBONE")
        .map(String::as_str)
        == Some("true")
    {
        l.insert(
            n::TUNNEL_LABEL.into(),
            json!(first_set(&[ctx.label(n::TUNNEL_LABEL), "http"])),
        );
    }
    l.insert(n::CANONICAL_NAME_LABEL.into(), json!(canonical_name(ctx)));
    l.insert(
        n::CANONICAL_REVISION_LABEL.into(),
        json!(canonical_revision(ctx)),
    );
    Value::Object(l)
}

pub fn annotations(ctx: &Context<'_>) -> Value {
    let mut a = base_annotations(ctx);
    if ctx.values.pilot.cni.enabled {
        cni_annotations(ctx, &mut a);
    }
    Value::Object(a)
}

/// `istio.io/rev` and the kubectl default-container annotations (first app container, unless
/// the pod names one): what every built-in proxy template writes.
pub fn base_annotations(ctx: &Context<'_>) -> Map<String, Value> {
    let mut a = Map::with_capacity(16);
    a.insert(
        n::REV_ANNOTATION.into(),
        json!(first_set(&[ctx.revision, "default"])),
    );
    if let Some(first) = ctx.app_containers().first() {
        if !ctx.isset(n::KUBECTL_DEFAULT_LOGS_CONTAINER) {
            a.insert(n::KUBECTL_DEFAULT_LOGS_CONTAINER.into(), json!(first));
        }
        if !ctx.isset(n::KUBECTL_DEFAULT_CONTAINER) {
            a.insert(n::KUBECTL_DEFAULT_CONTAINER.into(), json!(first));
        }
    }
    a
}

/// With CNI the traffic settings travel to the CNI plugin as annotations.
fn cni_annotations(ctx: &Context<'_>, a: &mut Map<String, Value>) {
    let p = &ctx.values.global.proxy;
    if ctx.values.pilot.cni.provider == "multus" {
        a.insert(
            n::MULTUS_NETWORKS.into(),
            json!(append_multus_network(
                ctx.ann(n::MULTUS_NETWORKS),
                "default/istio-cni"
            )),
        );
    }
    a.insert(
        n::SIDECAR_INTERCEPTION_MODE.into(),
        json!(ctx.interception_mode()),
    );
    let include = ctx.annotation_or(
        n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES,
        &p.include_ip_ranges,
    );
    if !include.is_empty() {
        a.insert(
            n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES.into(),
            json!(include),
        );
    }
    let exclude = ctx.annotation_or(
        n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES,
        &p.exclude_ip_ranges,
    );
    if !exclude.is_empty() {
        a.insert(
            n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES.into(),
            json!(exclude),
        );
    }
    a.insert(
        n::SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS.into(),
        json!(ctx.annotation_or(
            n::SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS,
            &p.include_inbound_ports
        )),
    );
    a.insert(
        n::SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS.into(),
        json!(init::excluded_inbound(ctx)),
    );
    if init::has_include_outbound_ports(ctx) {
        a.insert(
            n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_PORTS.into(),
            json!(ctx.annotation_or(
                n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_PORTS,
                &p.include_outbound_ports
            )),
        );
    }
    if init::has_exclude_outbound_ports(ctx) {
        a.insert(
            n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS.into(),
            json!(ctx.annotation_or(
                n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS,
                &p.exclude_outbound_ports
            )),
        );
    }
    for key in [
        n::SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES,
        n::REROUTE_VIRTUAL_INTERFACES,
        n::SIDECAR_TRAFFIC_EXCLUDE_INTERFACES,
    ] {
        let v = ctx.ann(key);
        if !v.is_empty() {
            a.insert(key.into(), json!(v));
        }
    }
}

/// Istio's `appendMultusNetwork`: adds the istio-cni network to a Multus networks
/// annotation (comma list or JSON list) unless it is already there.
pub fn append_multus_network(existing: &str, network: &str) -> String {
    if existing.is_empty() {
        return network.to_string();
    }
    if let Some(i) = existing.rfind(']') {
        let Ok(nets) = serde_json::from_str::<Vec<Map<String, Value>>>(existing) else {
            return existing.to_string();
        };
        let (ns, name) = match network.split_once('/') {
            Some((ns, name)) => (ns, name),
            None => ("", network),
        };
        let present = nets.iter().any(|net| {
            net.get("name").and_then(Value::as_str) == Some(name)
                && net.get("namespace").and_then(Value::as_str).unwrap_or("") == ns
        });
        if present {
            return existing.to_string();
        }
        let entry = if ns.is_empty() {
            format!(r#", {{"name": "{name}"}}"#)
        } else {
            format!(r#", {{"name": "{name}", "namespace": "{ns}"}}"#)
        };
        return format!(
            "{}{}{}",
            existing.get(..i).unwrap_or_default(),
            entry,
            existing.get(i..).unwrap_or_default()
        );
    }
    if existing.split(',').any(|n| n.trim() == network) {
        return existing.to_string();
    }
    format!("{existing}, {network}")
}

#[cfg(test)]
mod tests {
    use super::append_multus_network as add;

    #[test]
    fn multus_networks() {
        assert_eq!(add("", "default/istio-cni"), "default/istio-cni");
        assert_eq!(add("a", "default/istio-cni"), "a, default/istio-cni");
        assert_eq!(
            add("a, default/istio-cni", "default/istio-cni"),
            "a, default/istio-cni"
        );
        assert_eq!(
            add(r#"[{"name": "a"}]"#, "default/istio-cni"),
            r#"[{"name": "a"}, {"name": "istio-cni", "namespace": "default"}]"#
        );
        assert_eq!(
            add(
                r#"[{"name": "istio-cni", "namespace": "default"}]"#,
                "default/istio-cni"
            ),
            r#"[{"name": "istio-cni", "namespace": "default"}]"#
        );
    }
}
