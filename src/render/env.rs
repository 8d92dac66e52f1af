//! The `istio-proxy` container's environment, in the template's order.

use serde_json::{json, Value};

use super::context::Context;
use super::RenderError;
use crate::annotations as n;

pub(super) fn field(name: &str, path: &str) -> Value {
    json!({ "name": name, "valueFrom": { "fieldRef": { "fieldPath": path } } })
}

pub(super) fn resource(name: &str, res: &str) -> Value {
    json!({ "name": name, "valueFrom": { "resourceFieldRef": { "resource": res, "divisor": "1" } } })
}

pub(super) fn val(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

pub fn proxy_env(ctx: &Context<'_>) -> Result<Vec<Value>, RenderError> {
    let g = &ctx.values.global;
    let mut e = Vec::with_capacity(32);
    if ctx.proxy.inbound_policy_localhost {
        e.push(val("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", "true"));
    }
    push_pod_identity(ctx, &mut e);
    e.push(resource("ISTIO_CPU_LIMIT", "limits.cpu"));
    e.push(proxy_config(ctx));
    e.push(val("ISTIO_META_POD_PORTS", pod_ports(ctx)));
    e.push(app_containers(ctx));
    e.push(resource("GOMEMLIMIT", "limits.memory"));
    e.push(resource("GOMAXPROCS", "limits.cpu"));
    e.push(cluster_id(ctx));
    e.push(field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    let mode = match ctx.ann(n::SIDECAR_INTERCEPTION_MODE) {
        "" => ctx.proxy.interception_mode.clone(),
        m => m.to_string(),
    };
    e.push(val("ISTIO_META_INTERCEPTION_MODE", mode));
    push_network(ctx, &mut e);
    let workload = match ctx.label(n::WORKLOAD_NAME_LABEL) {
        "" => ctx.deploy.name.as_str(),
        w => w,
    };
    if !workload.is_empty() {
        e.push(val("ISTIO_META_WORKLOAD_NAME", workload));
    }
    push_owner(ctx, &mut e);
    push_bootstrap_override(ctx, &mut e);
    push_mesh_id(ctx, &mut e);
    if g.proxy.tracer == "datadog" && ctx.isset(n::DATADOG_APM_ENV) {
        e.extend(datadog_env(ctx)?);
    }
    if ctx.proxy.otel_semconv {
        let attrs = otel_resource_attributes(ctx);
        if !attrs.is_empty() {
            e.push(val("OTEL_RESOURCE_ATTRIBUTES", attrs));
        }
    }
    push_proxy_metadata(ctx, &mut e);
    Ok(e)
}

/// `PILOT_CERT_PROVIDER`, `CA_ADDR` and the pod's identity from the downward API, in the
/// order every built-in proxy template writes them.
pub(super) fn push_pod_identity(ctx: &Context<'_>, e: &mut Vec<Value>) {
    e.push(val(
        "PILOT_CERT_PROVIDER",
        &ctx.values.global.pilot_cert_provider,
    ));
    e.push(val("CA_ADDR", ca_addr(ctx)));
    e.push(field("POD_NAME", "metadata.name"));
    e.push(field("POD_NAMESPACE", "metadata.namespace"));
    e.push(field("INSTANCE_IP", "status.podIP"));
    e.push(field("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    e.push(field("HOST_IP", "status.hostIP"));
}

/// `PROXY_CONFIG`: the ProxyConfig JSON, written as a YAML block scalar (hence the newline).
pub(super) fn proxy_config(ctx: &Context<'_>) -> Value {
    val("PROXY_CONFIG", format!("{}\n", ctx.proxy.proxy_config_json))
}

pub(super) fn app_containers(ctx: &Context<'_>) -> Value {
    val("ISTIO_META_APP_CONTAINERS", ctx.app_containers().join(","))
}

pub(super) fn cluster_id(ctx: &Context<'_>) -> Value {
    let cluster = &ctx.values.global.multi_cluster.cluster_name;
    let cluster = if cluster.is_empty() {
        "Kubernetes"
    } else {
        cluster
    };
    val("ISTIO_META_CLUSTER_ID", cluster)
}

pub(super) fn push_network(ctx: &Context<'_>, e: &mut Vec<Value>) {
    let network = &ctx.values.global.network;
    if !network.is_empty() {
        e.push(val("ISTIO_META_NETWORK", network));
    }
}

/// `ISTIO_META_WORKLOAD_NAME` from the workload alone (the gateway and grpc templates ignore
/// the workload-name label).
pub(super) fn push_deployment_workload(ctx: &Context<'_>, e: &mut Vec<Value>) {
    if !ctx.deploy.name.is_empty() {
        e.push(val("ISTIO_META_WORKLOAD_NAME", &ctx.deploy.name));
    }
}

pub(super) fn push_owner(ctx: &Context<'_>, e: &mut Vec<Value>) {
    if !ctx.type_meta.api_version.is_empty() && !ctx.deploy.name.is_empty() {
        e.push(val("ISTIO_META_OWNER", owner(ctx)));
    }
}

pub(super) fn push_bootstrap_override(ctx: &Context<'_>, e: &mut Vec<Value>) {
    if ctx.isset(n::SIDECAR_BOOTSTRAP_OVERRIDE) {
        e.push(val(
            "ISTIO_BOOTSTRAP_OVERRIDE",
            "/etc/istio/custom-bootstrap/custom_bootstrap.json",
        ));
    }
}

/// `ISTIO_META_MESH_ID` (meshID, else the trust domain) and `TRUST_DOMAIN` (mesh config's,
/// else the values').
pub(super) fn push_mesh_id(ctx: &Context<'_>, e: &mut Vec<Value>) {
    let g = &ctx.values.global;
    let trust_domain = if ctx.proxy.mesh_trust_domain.is_empty() {
        g.trust_domain.as_str()
    } else {
        ctx.proxy.mesh_trust_domain.as_str()
    };
    if !g.mesh_id.is_empty() {
        e.push(val("ISTIO_META_MESH_ID", &g.mesh_id));
    } else if !trust_domain.is_empty() {
        e.push(val("ISTIO_META_MESH_ID", trust_domain));
    }
    if !trust_domain.is_empty() {
        e.push(val("TRUST_DOMAIN", trust_domain));
    }
}

/// `proxyMetadata` as env entries, in key order (Go ranges over maps sorted).
pub(super) fn push_proxy_metadata(ctx: &Context<'_>, e: &mut Vec<Value>) {
    for (k, v) in &ctx.proxy.proxy_metadata {
        e.push(val(k, v));
    }
}

fn ca_addr(ctx: &Context<'_>) -> String {
    let g = &ctx.values.global;
    if !g.ca_address.is_empty() {
        return g.ca_address.clone();
    }
    let rev = &ctx.values.revision;
    let suffix = if rev.is_empty() {
        String::new()
    } else {
        format!("-{rev}")
    };
    format!("istiod{suffix}.{}.svc:15012", g.istio_namespace)
}

fn owner(ctx: &Context<'_>) -> String {
    let ns = if ctx.deploy.namespace.is_empty() {
        "default"
    } else {
        &ctx.deploy.namespace
    };
    format!(
        "kubernetes://apis/{}/namespaces/{ns}/{}s/{}",
        ctx.type_meta.api_version,
        crate::go::unicode::to_lower_str(&ctx.type_meta.kind),
        ctx.deploy.name
    )
}

/// `ISTIO_META_POD_PORTS`: every app container port as Go's JSON of `ContainerPort`, one per
/// line, in the template's peculiar layout (`[`, `    {..}`, `    ,{..}`, `]`).
pub(super) fn pod_ports(ctx: &Context<'_>) -> String {
    let mut out = String::from("[");
    let mut first = true;
    for c in &ctx.spec.containers {
        for p in c.ports.iter().flatten() {
            out.push_str("\n    ");
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&container_port_json(p));
        }
    }
    out.push_str("\n]");
    out
}

/// Go's `json.Marshal(ContainerPort)`: field order name, hostPort, containerPort, protocol,
/// hostIP, with omitempty on all but containerPort.
pub fn container_port_json(p: &k8s_openapi::api::core::v1::ContainerPort) -> String {
    let mut m = serde_json::Map::new();
    if let Some(name) = p.name.as_deref().filter(|s| !s.is_empty()) {
        m.insert("name".into(), json!(name));
    }
    if let Some(hp) = p.host_port.filter(|h| *h != 0) {
        m.insert("hostPort".into(), json!(hp));
    }
    m.insert("containerPort".into(), json!(p.container_port));
    if let Some(proto) = p.protocol.as_deref().filter(|s| !s.is_empty()) {
        m.insert("protocol".into(), json!(proto));
    }
    if let Some(ip) = p.host_ip.as_deref().filter(|s| !s.is_empty()) {
        m.insert("hostIP".into(), json!(ip));
    }
    Value::Object(m).to_string()
}

/// `apm.datadoghq.com/env`: a JSON object of env vars, added in key order.
fn datadog_env(ctx: &Context<'_>) -> Result<Vec<Value>, RenderError> {
    let parsed: std::collections::BTreeMap<String, Value> =
        serde_json::from_str(ctx.ann(n::DATADOG_APM_ENV)).map_err(|e| RenderError::Annotation {
            name: n::DATADOG_APM_ENV.to_string(),
            reason: e.to_string(),
        })?;
    Ok(parsed
        .into_iter()
        .map(|(k, v)| val(&k, crate::settings::go_sprint(&v)))
        .collect())
}

/// Istio's `otelResourceAttributes` (semantic-convention enrichment).
fn otel_resource_attributes(ctx: &Context<'_>) -> String {
    let mut attrs = Vec::new();
    let ns = &ctx.deploy.namespace;
    match ctx.ann(n::OTEL_SERVICE_NAMESPACE) {
        "" if !ns.is_empty() => attrs.push(format!("service.namespace={ns}")),
        "" => {}
        v => attrs.push(format!("service.namespace={v}")),
    }
    let containers = &ctx.spec.containers;
    match (
        ctx.ann(n::OTEL_SERVICE_VERSION),
        ctx.label(n::APP_KUBERNETES_VERSION_LABEL),
    ) {
        ("", "") if containers.len() == 1 => {
            let image = containers
                .first()
                .and_then(|c| c.image.as_deref())
                .unwrap_or("");
            let (tag, digest) = image_tag_digest(image);
            let v = match (tag.is_empty(), digest.is_empty()) {
                (false, false) => format!("{tag}@{digest}"),
                (true, false) => digest.to_string(),
                (false, true) => tag.to_string(),
                (true, true) => String::new(),
            };
            if !v.is_empty() {
                attrs.push(format!("service.version={v}"));
            }
        }
        ("", "") => {}
        ("", l) => attrs.push(format!("service.version={l}")),
        (a, _) => attrs.push(format!("service.version={a}")),
    }
    match ctx.ann(n::OTEL_SERVICE_INSTANCE_ID) {
        "" => {
            if let Some(c) = containers.first() {
                attrs.push(format!("service.instance.id={ns}.$(POD_NAME).{}", c.name));
            }
        }
        v => attrs.push(format!("service.instance.id={v}")),
    }
    attrs.join(",")
}

fn image_tag_digest(image: &str) -> (&str, &str) {
    let (image, digest) = match image.find('@') {
        Some(i) => (
            image.get(..i).unwrap_or_default(),
            image.get(i + 1..).unwrap_or_default(),
        ),
        None => (image, ""),
    };
    let slash = image.rfind('/');
    let tag = match image.rfind(':') {
        Some(c) if slash.is_none_or(|s| c > s) => image.get(c + 1..).unwrap_or_default(),
        _ => "",
    };
    (tag, digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ContainerPort;

    #[test]
    fn container_port_in_go_field_order() {
        let p = ContainerPort {
            name: Some("http".into()),
            container_port: 80,
            protocol: Some("TCP".into()),
            ..Default::default()
        };
        assert_eq!(
            container_port_json(&p),
            r#"{"name":"http","containerPort":80,"protocol":"TCP"}"#
        );
    }

    #[test]
    fn image_tags_and_digests() {
        assert_eq!(image_tag_digest("a/b:1.0"), ("1.0", ""));
        assert_eq!(image_tag_digest("reg:5000/b"), ("", ""));
        assert_eq!(image_tag_digest("b:1@sha256:x"), ("1", "sha256:x"));
    }
}
