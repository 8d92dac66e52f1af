//! The built-in `sidecar` template: the overlay (a partial Pod, as JSON) that Istio 1.30's
//! `injection-template.yaml` renders, written as code so nothing is parsed per pod.
//!
//! Key presence matters: the overlay is strategic-merged onto the pod, so where Istio's
//! template emits a key with no value (`emptyDir:` → null) we emit null, and where it emits
//! nothing we emit nothing.

use serde_json::{json, Map, Value};

use super::context::Context;
use super::{resources, RenderError, INIT_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER};
use crate::annotations as n;

/// Renders the `sidecar` template's overlay.
pub fn render(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let native = ctx.native();
    let mode = ctx.interception_mode();
    let no_init = mode == "NONE" && !native;
    let mut spec = Map::new();
    let proxy = proxy_container(ctx)?;
    if no_init {
        spec.insert("initContainers".into(), json!([]));
    } else {
        let mut inits = Vec::new();
        if mode != "NONE" {
            inits.push(init_container(ctx)?);
        }
        if native {
            inits.push(proxy.clone());
        }
        spec.insert("initContainers".into(), Value::Array(inits));
    }
    // Values are moved in, not passed to `json!`: that re-serialises a `Value` (a deep copy).
    if !native {
        spec.insert("containers".into(), Value::Array(vec![proxy]));
    }
    spec.insert(
        "volumes".into(),
        Value::Array(super::volumes::volumes(ctx)?),
    );
    let secrets = &ctx.values.global.image_pull_secrets;
    if !secrets.is_empty() {
        let list: Vec<Value> = secrets.iter().map(|s| json!({ "name": s })).collect();
        spec.insert("imagePullSecrets".into(), Value::Array(list));
    }
    let mut meta = Map::new();
    meta.insert("labels".into(), super::metadata::labels(ctx));
    meta.insert("annotations".into(), super::metadata::annotations(ctx));
    let mut pod = Map::new();
    pod.insert("metadata".into(), Value::Object(meta));
    pod.insert("spec".into(), Value::Object(spec));
    Ok(Value::Object(pod))
}

/// `image:` for a container: an annotation or value holding a full reference wins.
pub(super) fn image(ctx: &Context<'_>, default_name: &str) -> String {
    let wanted = ctx.annotation_or(n::SIDECAR_PROXY_IMAGE, default_name);
    if wanted.contains('/') {
        wanted
    } else {
        ctx.proxy_image.clone()
    }
}

fn init_container(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let g = &ctx.values.global;
    let cni = ctx.values.pilot.cni.enabled;
    let mut c = Map::with_capacity(8);
    let name = if cni {
        VALIDATION_CONTAINER
    } else {
        INIT_CONTAINER
    };
    c.insert("name".into(), json!(name));
    c.insert("image".into(), json!(image(ctx, &g.proxy_init.image)));
    c.insert("args".into(), json!(super::init::iptables_args(ctx)));
    if !g.image_pull_policy.is_empty() {
        c.insert("imagePullPolicy".into(), json!(g.image_pull_policy));
    }
    if !ctx.proxy.proxy_metadata.is_empty() {
        c.insert("env".into(), metadata_env(ctx));
    }
    c.insert("resources".into(), resources::proxy_resources(ctx)?);
    let mut caps = Map::new();
    if !cni {
        caps.insert("add".into(), json!(["NET_ADMIN", "NET_RAW"]));
    }
    caps.insert("drop".into(), json!(["ALL"]));
    let privileged = g.proxy.privileged;
    let mut sc = Map::with_capacity(8);
    sc.insert("allowPrivilegeEscalation".into(), json!(privileged));
    sc.insert("privileged".into(), json!(privileged));
    sc.insert("capabilities".into(), Value::Object(caps));
    if !cni {
        sc.insert("readOnlyRootFilesystem".into(), json!(false));
        sc.insert("runAsGroup".into(), json!(0));
        sc.insert("runAsNonRoot".into(), json!(false));
        sc.insert("runAsUser".into(), json!(0));
    } else {
        let (uid, gid) = if ctx.tproxy() {
            (1337, 1337)
        } else {
            (ctx.proxy_uid, ctx.proxy_gid)
        };
        sc.insert("readOnlyRootFilesystem".into(), json!(true));
        sc.insert("runAsGroup".into(), json!(gid));
        sc.insert("runAsUser".into(), json!(uid));
        sc.insert("runAsNonRoot".into(), json!(true));
    }
    insert_seccomp(ctx, &mut sc);
    c.insert("securityContext".into(), Value::Object(sc));
    Ok(Value::Object(c))
}

fn insert_seccomp(ctx: &Context<'_>, sc: &mut Map<String, Value>) {
    let profile = &ctx.values.global.proxy.seccomp_profile;
    if super::truthy(profile) {
        sc.insert("seccompProfile".into(), profile.clone());
    }
}

/// `proxyMetadata` as env entries, in key order (Go ranges over maps sorted).
fn metadata_env(ctx: &Context<'_>) -> Value {
    Value::Array(
        ctx.proxy
            .proxy_metadata
            .iter()
            .map(|(k, v)| json!({ "name": k, "value": v }))
            .collect(),
    )
}

fn proxy_container(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let g = &ctx.values.global;
    let p = &g.proxy;
    let native = ctx.native();
    let hold = (ctx.proxy.hold_application_until_proxy_starts
        || p.hold_application_until_proxy_starts.unwrap_or(false))
        && !native;
    let mut c = Map::with_capacity(16);
    c.insert("name".into(), json!(PROXY_CONTAINER));
    c.insert("image".into(), json!(image(ctx, &p.image)));
    if native {
        c.insert("restartPolicy".into(), json!("Always"));
    }
    c.insert(
        "ports".into(),
        json!([{ "containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom" }]),
    );
    c.insert("args".into(), json!(proxy_args(ctx)));
    if super::truthy(&p.lifecycle) {
        c.insert("lifecycle".into(), p.lifecycle.clone());
    } else if hold {
        c.insert(
            "lifecycle".into(),
            json!({ "postStart": { "exec": { "command": ["pilot-agent", "wait"] } } }),
        );
    } else if native {
        let port = format!("--debug-port={}", ctx.status_port());
        c.insert(
            "lifecycle".into(),
            json!({ "preStop": { "exec": { "command":
                ["pilot-agent", "request", port, "POST", "drain"] } } }),
        );
    }
    c.insert("env".into(), Value::Array(super::env::proxy_env(ctx)?));
    if !g.image_pull_policy.is_empty() {
        c.insert("imagePullPolicy".into(), json!(g.image_pull_policy));
    }
    if ctx.status_port() != "0" {
        super::health::insert_proxy_probes(ctx, &mut c)?;
    }
    c.insert("securityContext".into(), proxy_security_context(ctx));
    c.insert("resources".into(), resources::proxy_resources(ctx)?);
    c.insert(
        "volumeMounts".into(),
        Value::Array(super::volumes::proxy_mounts(ctx)?),
    );
    Ok(Value::Object(c))
}

fn proxy_args(ctx: &Context<'_>) -> Vec<String> {
    let mut args = agent_args(ctx, "sidecar");
    let outlier = &ctx.values.global.proxy.outlier_log_path;
    if !outlier.is_empty() {
        args.push(format!("--outlierLogPath={outlier}"));
    }
    args
}

/// `pilot-agent proxy <role>` and the logging/STS flags every built-in proxy template passes.
pub(super) fn agent_args(ctx: &Context<'_>, role: &str) -> Vec<String> {
    let g = &ctx.values.global;
    let p = &g.proxy;
    let mut args = vec![
        "proxy".to_string(),
        role.to_string(),
        "--domain".to_string(),
        format!("$(POD_NAMESPACE).svc.{}", p.cluster_domain),
        format!(
            "--proxyLogLevel={}",
            ctx.annotation_or(n::SIDECAR_LOG_LEVEL, &p.log_level)
        ),
        format!(
            "--proxyComponentLogLevel={}",
            ctx.annotation_or(n::SIDECAR_COMPONENT_LOG_LEVEL, &p.component_log_level)
        ),
        format!(
            "--log_output_level={}",
            ctx.annotation_or(n::SIDECAR_AGENT_LOG_LEVEL, &g.logging.level)
        ),
    ];
    if g.sts.service_port != 0 {
        args.push(format!("--stsPort={}", g.sts.service_port));
    }
    if g.log_as_json {
        args.push("--log_as_json".into());
    }
    args
}

fn proxy_security_context(ctx: &Context<'_>) -> Value {
    let p = &ctx.values.global.proxy;
    let mut sc = Map::with_capacity(8);
    if ctx
        .proxy
        .proxy_metadata
        .get("IPTABLES_TRACE_LOGGING")
        .map(String::as_str)
        == Some("true")
    {
        sc.insert("allowPrivilegeEscalation".into(), json!(true));
        sc.insert(
            "capabilities".into(),
            json!({ "add": ["NET_ADMIN"], "drop": ["ALL"] }),
        );
        sc.insert("privileged".into(), json!(true));
        sc.insert("readOnlyRootFilesystem".into(), json!(true));
        sc.insert("runAsGroup".into(), json!(ctx.proxy_gid));
        sc.insert("runAsNonRoot".into(), json!(false));
        sc.insert("runAsUser".into(), json!(0));
    } else {
        let tproxy = ctx.tproxy();
        let cap_bind = ctx.annotation_or(
            n::SIDECAR_CAP_NET_BIND_SERVICE,
            &ctx.values.cap_net_bind_service(),
        ) == "true";
        sc.insert("allowPrivilegeEscalation".into(), json!(p.privileged));
        let mut caps = Map::new();
        if tproxy || cap_bind {
            let mut add = Vec::new();
            if tproxy {
                add.push("NET_ADMIN");
            }
            if cap_bind {
                add.push("NET_BIND_SERVICE");
            }
            caps.insert("add".into(), json!(add));
        }
        caps.insert("drop".into(), json!(["ALL"]));
        sc.insert("capabilities".into(), Value::Object(caps));
        sc.insert("privileged".into(), json!(p.privileged));
        sc.insert("readOnlyRootFilesystem".into(), json!(true));
        if tproxy || cap_bind {
            sc.insert("runAsNonRoot".into(), json!(false));
            sc.insert("runAsUser".into(), json!(0));
            sc.insert("runAsGroup".into(), json!(1337));
        } else {
            sc.insert("runAsNonRoot".into(), json!(true));
            sc.insert("runAsUser".into(), json!(ctx.proxy_uid));
            sc.insert("runAsGroup".into(), json!(ctx.proxy_gid));
        }
    }
    insert_seccomp(ctx, &mut sc);
    Value::Object(sc)
}
