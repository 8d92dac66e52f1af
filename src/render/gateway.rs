//! The built-in `gateway` template: the overlay Istio 1.30's `gateway-injection-template.yaml`
//! renders, for pods that run the proxy as a gateway (`pilot-agent proxy router`).
//!
//! It shares most pieces with `sidecar` but is deliberately leaner: no init container, no
//! native-sidecar placement, no resources, no startup probe, readiness timings from values
//! only, no user volumes, and a pod-level security context that lets Envoy bind low ports.
//! Key presence follows the template exactly (see `sidecar`'s module doc).

use serde_json::{json, Map, Value};

use super::context::Context;
use super::volumes::{self as vol, mount};
use super::{env, metadata, RenderError, PROXY_CONTAINER};

/// Renders the `gateway` template's overlay.
pub fn render(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let mut spec = Map::new();
    spec.insert("securityContext".into(), pod_security_context(ctx));
    spec.insert("containers".into(), json!([proxy_container(ctx)]));
    spec.insert("volumes".into(), Value::Array(volumes(ctx)));
    let secrets = &ctx.values.global.image_pull_secrets;
    if !secrets.is_empty() {
        let list: Vec<Value> = secrets.iter().map(|s| json!({ "name": s })).collect();
        spec.insert("imagePullSecrets".into(), Value::Array(list));
    }
    Ok(json!({
        "metadata": {
            "labels": metadata::canonical_labels_uncut(ctx),
            "annotations": metadata::base_annotations(ctx),
        },
        "spec": spec,
    }))
}

/// `gateways.securityContext` when set, else a sysctl that lets a non-root Envoy bind any port.
fn pod_security_context(ctx: &Context<'_>) -> Value {
    match ctx.values.raw.pointer("/gateways/securityContext") {
        Some(sc) if super::truthy(sc) => sc.clone(),
        _ => json!({ "sysctls": [
            { "name": "net.ipv4.ip_unprivileged_port_start", "value": "0" },
        ] }),
    }
}

fn proxy_container(ctx: &Context<'_>) -> Value {
    let g = &ctx.values.global;
    let p = &g.proxy;
    let mut c = Map::new();
    c.insert("name".into(), json!(PROXY_CONTAINER));
    c.insert("image".into(), json!(super::sidecar::image(ctx, &p.image)));
    c.insert(
        "ports".into(),
        json!([{ "containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom" }]),
    );
    c.insert(
        "args".into(),
        json!(super::sidecar::agent_args(ctx, "router")),
    );
    if super::truthy(&p.lifecycle) {
        c.insert("lifecycle".into(), p.lifecycle.clone());
    }
    // `.ProxyUID | default "1337"`: an unset (zero) id falls back to 1337.
    let or_default = |id: i64| if id == 0 { 1337 } else { id };
    c.insert(
        "securityContext".into(),
        json!({ "runAsUser": or_default(ctx.proxy_uid), "runAsGroup": or_default(ctx.proxy_gid) }),
    );
    c.insert("env".into(), Value::Array(proxy_env(ctx)));
    if !g.image_pull_policy.is_empty() {
        c.insert("imagePullPolicy".into(), json!(g.image_pull_policy));
    }
    // Printed straight from values (no annotations) and read back as YAML.
    c.insert(
        "readinessProbe".into(),
        json!({
            "httpGet": { "path": "/healthz/ready", "port": 15021 },
            "initialDelaySeconds": super::yaml_scalar(&p.readiness_initial_delay_seconds),
            "periodSeconds": super::yaml_scalar(&p.readiness_period_seconds),
            "timeoutSeconds": 3,
            "failureThreshold": super::yaml_scalar(&p.readiness_failure_threshold),
        }),
    );
    c.insert("volumeMounts".into(), Value::Array(proxy_mounts(ctx)));
    Value::Object(c)
}

/// The gateway's environment, in the template's order (it differs from the sidecar's: app
/// containers after `GOMAXPROCS`, interception mode from the ProxyConfig only, workload name
/// from the workload only, no probe-rewrite, tracing or OpenTelemetry entries).
fn proxy_env(ctx: &Context<'_>) -> Vec<Value> {
    let mut e = Vec::with_capacity(24);
    env::push_pod_identity(ctx, &mut e);
    e.push(env::resource("ISTIO_CPU_LIMIT", "limits.cpu"));
    e.push(env::proxy_config(ctx));
    e.push(env::val("ISTIO_META_POD_PORTS", env::pod_ports(ctx)));
    e.push(env::resource("GOMEMLIMIT", "limits.memory"));
    e.push(env::resource("GOMAXPROCS", "limits.cpu"));
    e.push(env::app_containers(ctx));
    e.push(env::cluster_id(ctx));
    e.push(env::field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    e.push(env::val(
        "ISTIO_META_INTERCEPTION_MODE",
        &ctx.proxy.interception_mode,
    ));
    env::push_network(ctx, &mut e);
    env::push_deployment_workload(ctx, &mut e);
    env::push_owner(ctx, &mut e);
    env::push_bootstrap_override(ctx, &mut e);
    env::push_mesh_id(ctx, &mut e);
    env::push_proxy_metadata(ctx, &mut e);
    e
}

fn proxy_mounts(ctx: &Context<'_>) -> Vec<Value> {
    let g = &ctx.values.global;
    let mut m = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
        vol::workload_certs_mount(ctx),
    ];
    if g.pilot_cert_provider == "istiod" {
        m.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
    }
    m.push(mount("istio-data", "/var/lib/istio/data"));
    if vol::bootstrap_volume(ctx).is_some() {
        m.push(mount(
            "custom-bootstrap-volume",
            "/etc/istio/custom-bootstrap",
        ));
    }
    m.push(mount("istio-envoy", "/etc/istio/proxy"));
    m.push(mount("istio-token", "/var/run/secrets/tokens"));
    if g.mount_mtls_certs {
        m.push(vol::mtls_certs_mount());
    }
    m.push(mount("istio-podinfo", "/etc/istio/pod"));
    m
}

fn volumes(ctx: &Context<'_>) -> Vec<Value> {
    let g = &ctx.values.global;
    // Unlike the sidecar, only `workload-socket` has an empty `emptyDir:` (null).
    let mut v = vec![
        json!({ "name": "workload-socket", "emptyDir": null }),
        json!({ "name": "credential-socket", "emptyDir": {} }),
        vol::workload_certs_volume(ctx, json!({})),
    ];
    v.extend(vol::bootstrap_volume(ctx));
    v.push(json!({ "name": "istio-envoy", "emptyDir": { "medium": "Memory" } }));
    v.push(json!({ "name": "istio-data", "emptyDir": {} }));
    v.push(vol::podinfo_volume());
    v.push(vol::token_volume(ctx));
    if g.pilot_cert_provider == "istiod" {
        v.push(vol::ca_cert_volume(ctx));
    }
    if g.mount_mtls_certs {
        v.push(vol::mtls_certs_volume(ctx));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::render::test_support::Fixture;
    use serde_json::{json, Value};

    fn proxy(overlay: &Value) -> &Value {
        &overlay["spec"]["containers"][0]
    }

    fn names(list: &Value) -> Vec<&str> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn runs_the_proxy_as_a_router_with_the_prometheus_port() {
        let f = Fixture::new("");
        let out = render(&f.ctx()).unwrap();
        let c = proxy(&out);
        assert_eq!(c["name"], "istio-proxy");
        assert_eq!(c["args"][0], "proxy");
        assert_eq!(c["args"][1], "router");
        assert_eq!(
            c["ports"],
            json!([{ "containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom" }])
        );
        assert_eq!(
            c["securityContext"],
            json!({ "runAsUser": 1337, "runAsGroup": 1337 })
        );
        assert!(c.get("resources").is_none());
        assert!(c.get("startupProbe").is_none());
        assert!(out["spec"].get("initContainers").is_none());
    }

    #[test]
    fn native_sidecars_do_not_move_the_gateway_proxy() {
        let mut f = Fixture::new("");
        f.native = true;
        let out = render(&f.ctx()).unwrap();
        assert!(out["spec"].get("initContainers").is_none());
        assert!(proxy(&out).get("restartPolicy").is_none());
    }

    #[test]
    fn readiness_ignores_the_readiness_annotations() {
        let mut f = Fixture::new("");
        f.annotate("readiness.status.sidecar.istio.io/periodSeconds", "99");
        let out = render(&f.ctx()).unwrap();
        let probe = &proxy(&out)["readinessProbe"];
        assert_eq!(probe["periodSeconds"], 15);
        assert_eq!(probe["httpGet"]["port"], 15021);
    }

    #[test]
    fn env_order_and_workload_name_from_the_workload() {
        let mut f = Fixture::new("");
        f.label("service.istio.io/workload-name", "ignored");
        f.annotate("sidecar.istio.io/interceptionMode", "TPROXY");
        let out = render(&f.ctx()).unwrap();
        let env = &proxy(&out)["env"];
        let n = names(env);
        let at = |k: &str| n.iter().position(|x| *x == k).unwrap();
        assert!(at("GOMAXPROCS") < at("ISTIO_META_APP_CONTAINERS"));
        assert!(!n.contains(&"REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION"));
        let value = |k: &str| env[at(k)]["value"].clone();
        assert_eq!(value("ISTIO_META_WORKLOAD_NAME"), "workload");
        assert_eq!(value("ISTIO_META_INTERCEPTION_MODE"), "REDIRECT");
    }

    #[test]
    fn volumes_and_mounts() {
        let f = Fixture::new("");
        let out = render(&f.ctx()).unwrap();
        let vols = &out["spec"]["volumes"];
        assert_eq!(
            names(vols),
            [
                "workload-socket",
                "credential-socket",
                "workload-certs",
                "istio-envoy",
                "istio-data",
                "istio-podinfo",
                "istio-token",
                "istiod-ca-cert"
            ]
        );
        assert_eq!(vols[0]["emptyDir"], Value::Null);
        assert_eq!(vols[1]["emptyDir"], json!({}));
        assert_eq!(
            names(&proxy(&out)["volumeMounts"]),
            [
                "workload-socket",
                "credential-socket",
                "workload-certs",
                "istiod-ca-cert",
                "istio-data",
                "istio-envoy",
                "istio-token",
                "istio-podinfo"
            ]
        );
    }

    #[test]
    fn pod_security_context_from_values_or_sysctl() {
        let f = Fixture::new("");
        let out = render(&f.ctx()).unwrap();
        assert_eq!(
            out["spec"]["securityContext"]["sysctls"][0]["name"],
            "net.ipv4.ip_unprivileged_port_start"
        );
        let f = Fixture::new("gateways:\n  securityContext:\n    runAsNonRoot: true\n");
        let out = render(&f.ctx()).unwrap();
        assert_eq!(
            out["spec"]["securityContext"],
            json!({ "runAsNonRoot": true })
        );
    }

    #[test]
    fn canonical_name_is_not_cut() {
        let mut f = Fixture::new("");
        let long = "a".repeat(70);
        f.label("app", &long);
        let out = render(&f.ctx()).unwrap();
        assert_eq!(
            out["metadata"]["labels"]["service.istio.io/canonical-name"],
            long
        );
        assert!(out["metadata"]["labels"]
            .get("security.istio.io/tlsMode")
            .is_none());
    }
}
