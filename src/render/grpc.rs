//! The built-in proxyless gRPC templates, as Istio 1.30's `grpc-simple.yaml` and
//! `grpc-agent.yaml` render them.
//!
//! - `grpc-simple`: no proxy at all; an init container writes an xDS bootstrap file that every
//!   container (the proxy too, if the pod has one) is pointed at.
//! - `grpc-agent`: `pilot-agent` runs without Envoy (`DISABLE_ENVOY`) and serves xDS/SDS to the
//!   app containers over a shared `istio-xds` volume.
//!
//! Both templates print container names unquoted, so a name YAML reads as something other than
//! a string (`123`, `yes`, `null`) makes Istio's output fail to decode as a Pod: we report it.

use serde_json::{json, Map, Value};

use super::context::Context;
use super::volumes::{self as vol, mount};
use super::{env, metadata, RenderError, PROXY_CONTAINER};
use crate::annotations as n;

const SIMPLE: &str = "grpc-simple";
const AGENT: &str = "grpc-agent";
const BOOTSTRAP_VOLUME: &str = "grpc-io-proxyless-bootstrap";
const BOOTSTRAP_DIR: &str = "/var/lib/grpc/data/";

/// The init container's script: writes the gRPC xDS bootstrap pointing at istiod's plaintext port.
const BOOTSTRAP_SCRIPT: &str = r#"NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"
SERVER_URI="dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"
echo '
{
  "xds_servers": [
    {
      "server_uri": "'${SERVER_URI}'",
      "channel_creds": [{"type": "insecure"}],
      "server_features" : ["xds_v3"]
    }
  ],
  "node": {
    "id": "'${NODE_ID}'",
    "metadata": {
      "GENERATOR": "grpc"
    }
  }
}' > /var/lib/grpc/data/bootstrap.json"#;

/// Renders the `grpc-simple` template's overlay.
pub fn render_simple(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let bootstrap_mount = mount(BOOTSTRAP_VOLUME, BOOTSTRAP_DIR);
    let ns = &ctx.values.global.istio_namespace;
    // Written as a `|` block: a trailing newline, unless there is nothing at all.
    let ns = if ns.is_empty() {
        String::new()
    } else {
        format!("{ns}\n")
    };
    let init = json!({
        "name": "grpc-bootstrap-init",
        "image": "busybox:1.28",
        "volumeMounts": [bootstrap_mount],
        "env": [
            env::field("INSTANCE_IP", "status.podIP"),
            env::field("POD_NAME", "metadata.name"),
            env::field("POD_NAMESPACE", "metadata.namespace"),
            env::val("ISTIO_NAMESPACE", ns),
        ],
        "command": ["sh", "-c", BOOTSTRAP_SCRIPT],
    });
    let mut containers = Vec::with_capacity(ctx.spec.containers.len());
    for c in &ctx.spec.containers {
        containers.push(json!({
            "name": plain_name(SIMPLE, &c.name)?,
            "env": [
                env::val("GRPC_XDS_BOOTSTRAP", "/var/lib/grpc/data/bootstrap.json"),
                env::val("GRPC_GO_LOG_VERBOSITY_LEVEL", "99"),
                env::val("GRPC_GO_LOG_SEVERITY_LEVEL", "info"),
            ],
            "volumeMounts": [bootstrap_mount],
        }));
    }
    Ok(json!({
        "metadata": { "annotations": { (n::SIDECAR_REWRITE_APP_HTTP_PROBERS): "false" } },
        "spec": {
            "initContainers": [init],
            "containers": containers,
            "volumes": [{ "name": BOOTSTRAP_VOLUME, "emptyDir": {} }],
        },
    }))
}

/// Renders the `grpc-agent` template's overlay.
pub fn render_agent(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let mut annotations = metadata::base_annotations(ctx);
    annotations.insert(n::SIDECAR_REWRITE_APP_HTTP_PROBERS.into(), json!("false"));
    let mut containers = vec![agent_container(ctx)?];
    for c in &ctx.spec.containers {
        if c.name != PROXY_CONTAINER {
            containers.push(json!({
                "name": plain_name(AGENT, &c.name)?,
                "env": [
                    env::val("GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT", "true"),
                    env::val("GRPC_XDS_BOOTSTRAP", "/etc/istio/proxy/grpc-bootstrap.json"),
                ],
                "volumeMounts": [
                    mount("istio-data", "/var/lib/istio/data"),
                    mount("istio-xds", "/etc/istio/proxy"),
                    vol::workload_certs_mount(ctx),
                ],
            }));
        }
    }
    let mut spec = Map::new();
    spec.insert("containers".into(), Value::Array(containers));
    spec.insert("volumes".into(), Value::Array(agent_volumes(ctx)?));
    let secrets = &ctx.values.global.image_pull_secrets;
    if !secrets.is_empty() {
        let list: Vec<Value> = secrets.iter().map(|s| json!({ "name": s })).collect();
        spec.insert("imagePullSecrets".into(), Value::Array(list));
    }
    Ok(json!({
        "metadata": {
            "labels": metadata::canonical_labels_uncut(ctx),
            "annotations": annotations,
        },
        "spec": spec,
    }))
}

fn agent_container(ctx: &Context<'_>) -> Result<Value, RenderError> {
    let g = &ctx.values.global;
    let mut c = Map::new();
    c.insert("name".into(), json!(PROXY_CONTAINER));
    c.insert(
        "image".into(),
        json!(super::sidecar::image(ctx, &g.proxy.image)),
    );
    c.insert(
        "ports".into(),
        json!([{ "containerPort": 15020, "protocol": "TCP", "name": "mesh-metrics" }]),
    );
    c.insert(
        "args".into(),
        json!(super::sidecar::agent_args(ctx, "sidecar")),
    );
    c.insert(
        "lifecycle".into(),
        json!({ "postStart": { "exec": { "command":
            ["pilot-agent", "wait", "--url=http://localhost:15020/healthz/ready"] } } }),
    );
    let mut env = agent_env(ctx);
    if !g.image_pull_policy.is_empty() {
        c.insert("imagePullPolicy".into(), json!(g.image_pull_policy));
    }
    let user_mounts = if ctx.isset(n::SIDECAR_USER_VOLUME_MOUNT) {
        vol::user_entries(ctx, n::SIDECAR_USER_VOLUME_MOUNT)?
    } else {
        Vec::new()
    };
    if ctx.status_port() != "0" {
        c.insert(
            "readinessProbe".into(),
            super::health::readiness_probe(ctx, 15020)?,
        );
        c.insert("resources".into(), super::resources::proxy_resources(ctx)?);
        let mut mounts = agent_mounts(ctx);
        mounts.extend(user_mounts);
        c.insert("volumeMounts".into(), Value::Array(mounts));
    } else if !user_mounts.is_empty() {
        // The template closes `volumeMounts:` with the status-port condition but prints the
        // user's mounts after it: they land in the list above (`env`), or break the YAML when
        // `imagePullPolicy:` sits in between.
        if !g.image_pull_policy.is_empty() {
            return Err(RenderError::Template {
                name: AGENT.into(),
                reason: format!(
                    "annotation {} with {}=0 and global.imagePullPolicy set renders invalid YAML",
                    n::SIDECAR_USER_VOLUME_MOUNT,
                    n::SIDECAR_STATUS_PORT
                ),
            });
        }
        env.extend(user_mounts);
    }
    c.insert("env".into(), Value::Array(env));
    Ok(Value::Object(c))
}

/// The agent's environment, in the template's order.
fn agent_env(ctx: &Context<'_>) -> Vec<Value> {
    let mut e = Vec::with_capacity(24);
    e.push(env::val("ISTIO_META_GENERATOR", "grpc"));
    e.push(env::val("OUTPUT_CERTS", "/var/lib/istio/data"));
    if ctx.proxy.inbound_policy_localhost {
        e.push(env::val(
            "REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION",
            "true",
        ));
    }
    env::push_pod_identity(ctx, &mut e);
    e.push(env::proxy_config(ctx));
    e.push(env::val("ISTIO_META_POD_PORTS", env::pod_ports(ctx)));
    e.push(env::app_containers(ctx));
    e.push(env::cluster_id(ctx));
    e.push(env::field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    env::push_network(ctx, &mut e);
    env::push_deployment_workload(ctx, &mut e);
    env::push_owner(ctx, &mut e);
    env::push_mesh_id(ctx, &mut e);
    env::push_proxy_metadata(ctx, &mut e);
    // gRPC resolves `xds:///` names itself: no DNS capture, and no Envoy to start.
    e.push(env::val("ISTIO_META_DNS_CAPTURE", "false"));
    e.push(env::val("DISABLE_ENVOY", "true"));
    e
}

fn agent_mounts(ctx: &Context<'_>) -> Vec<Value> {
    let g = &ctx.values.global;
    let mut m = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        vol::workload_certs_mount(ctx),
    ];
    if g.pilot_cert_provider == "istiod" {
        m.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
    }
    m.push(mount("istio-data", "/var/lib/istio/data"));
    m.push(mount("istio-xds", "/etc/istio/proxy"));
    m.push(mount("istio-token", "/var/run/secrets/tokens"));
    if g.mount_mtls_certs {
        m.push(vol::mtls_certs_mount());
    }
    m.push(mount("istio-podinfo", "/etc/istio/pod"));
    m
}

fn agent_volumes(ctx: &Context<'_>) -> Result<Vec<Value>, RenderError> {
    let g = &ctx.values.global;
    let mut v = vec![
        json!({ "name": "workload-socket", "emptyDir": null }),
        vol::workload_certs_volume(ctx, Value::Null),
    ];
    // The bootstrap ConfigMap is mounted as a volume but (unlike the sidecar) never mounted.
    v.extend(vol::bootstrap_volume(ctx));
    v.push(json!({ "name": "istio-xds", "emptyDir": { "medium": "Memory" } }));
    v.push(json!({ "name": "istio-data", "emptyDir": {} }));
    v.push(vol::podinfo_volume());
    v.push(vol::token_volume(ctx));
    if g.pilot_cert_provider == "istiod" {
        v.push(vol::ca_cert_volume(ctx));
    }
    if g.mount_mtls_certs {
        v.push(vol::mtls_certs_volume(ctx));
    }
    if ctx.isset(n::SIDECAR_USER_VOLUME) {
        v.extend(vol::user_entries(ctx, n::SIDECAR_USER_VOLUME)?);
    }
    Ok(v)
}

/// A container name the template prints unquoted must read back as the same string.
fn plain_name<'n>(template: &str, name: &'n str) -> Result<&'n str, RenderError> {
    if yaml_plain_is_string(name) {
        Ok(name)
    } else {
        Err(RenderError::Template {
            name: template.into(),
            reason: format!("container name {name:?} is not a string in YAML"),
        })
    }
}

/// Whether a plain YAML 1.1 scalar (as Kubernetes' YAML reader resolves it) is a string:
/// not null, a boolean word, or a number.
fn yaml_plain_is_string(s: &str) -> bool {
    const NOT_STRINGS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    !(NOT_STRINGS.contains(&s) || yaml_number(&s.replace('_', "")))
}

/// Go's `ParseInt(s, 0, 64)` syntax (any size) or YAML's float syntax.
fn yaml_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let all =
        |digits: &str, radix: u32| !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    for (prefixes, radix) in [(["0x", "0X"], 16), (["0o", "0O"], 8), (["0b", "0B"], 2)] {
        for p in prefixes {
            if let Some(rest) = unsigned.strip_prefix(p) {
                return all(rest, radix);
            }
        }
    }
    // `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (
            unsigned.get(..i).unwrap_or_default(),
            Some(unsigned.get(i + 1..).unwrap_or_default()),
        ),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all(frac, 10),
        Some((int, frac)) => all(int, 10) && (frac.is_empty() || all(frac, 10)),
        None => all(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| all(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::Fixture;
    use rstest::rstest;

    fn names(list: &Value) -> Vec<&str> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn simple_points_every_container_at_the_bootstrap() {
        let mut f = Fixture::new("");
        f.container("istio-proxy");
        let out = render_simple(&f.ctx()).unwrap();
        let containers = &out["spec"]["containers"];
        assert_eq!(names(containers), ["app", "istio-proxy"]);
        for c in containers.as_array().unwrap() {
            assert_eq!(
                names(&c["env"]),
                [
                    "GRPC_XDS_BOOTSTRAP",
                    "GRPC_GO_LOG_VERBOSITY_LEVEL",
                    "GRPC_GO_LOG_SEVERITY_LEVEL"
                ]
            );
            assert_eq!(c["env"][1]["value"], "99");
            assert_eq!(c["volumeMounts"][0]["name"], BOOTSTRAP_VOLUME);
        }
        assert_eq!(
            out["metadata"]["annotations"][n::SIDECAR_REWRITE_APP_HTTP_PROBERS],
            "false"
        );
        assert!(out["metadata"].get("labels").is_none());
    }

    #[test]
    fn simple_init_container_writes_the_bootstrap() {
        let f = Fixture::new("global:\n  istioNamespace: mesh\n");
        let out = render_simple(&f.ctx()).unwrap();
        let init = &out["spec"]["initContainers"][0];
        assert_eq!(init["name"], "grpc-bootstrap-init");
        assert_eq!(
            init["env"][3],
            json!({ "name": "ISTIO_NAMESPACE", "value": "mesh\n" })
        );
        let script = init["command"][2].as_str().unwrap();
        assert!(script.starts_with("NODE_ID=\"sidecar~${INSTANCE_IP}"));
        assert!(script.ends_with("}' > /var/lib/grpc/data/bootstrap.json"));
        assert_eq!(out["spec"]["volumes"][0]["emptyDir"], json!({}));
    }

    #[test]
    fn agent_env_has_no_envoy_and_grpc_generator() {
        let f = Fixture::new("");
        let out = render_agent(&f.ctx()).unwrap();
        let proxy = &out["spec"]["containers"][0];
        let env = names(&proxy["env"]);
        assert_eq!(
            env[..3],
            [
                "ISTIO_META_GENERATOR",
                "OUTPUT_CERTS",
                "PILOT_CERT_PROVIDER"
            ]
        );
        assert_eq!(
            env[env.len() - 2..],
            ["ISTIO_META_DNS_CAPTURE", "DISABLE_ENVOY"]
        );
        for absent in [
            "ISTIO_CPU_LIMIT",
            "GOMEMLIMIT",
            "ISTIO_META_INTERCEPTION_MODE",
        ] {
            assert!(!env.contains(&absent), "{absent}");
        }
        assert_eq!(proxy["ports"][0]["containerPort"], 15020);
        assert_eq!(proxy["readinessProbe"]["httpGet"]["port"], 15020);
        assert_eq!(
            proxy["lifecycle"]["postStart"]["exec"]["command"][2],
            "--url=http://localhost:15020/healthz/ready"
        );
        assert!(proxy.as_object().unwrap().contains_key("resources"));
        assert!(out["metadata"]["labels"]
            .get("security.istio.io/tlsMode")
            .is_none());
        assert_eq!(
            out["metadata"]["annotations"][n::SIDECAR_REWRITE_APP_HTTP_PROBERS],
            "false"
        );
        assert_eq!(
            out["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
            "app"
        );
    }

    #[test]
    fn agent_shares_xds_and_certs_with_the_apps() {
        let mut f = Fixture::new("");
        f.annotate(n::SIDECAR_USER_VOLUME, r#"{"extra": {"emptyDir": {}}}"#);
        f.annotate(
            n::SIDECAR_USER_VOLUME_MOUNT,
            r#"{"extra": {"mountPath": "/x"}}"#,
        );
        let out = render_agent(&f.ctx()).unwrap();
        let app = &out["spec"]["containers"][1];
        assert_eq!(app["name"], "app");
        assert_eq!(
            names(&app["env"]),
            [
                "GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT",
                "GRPC_XDS_BOOTSTRAP"
            ]
        );
        assert_eq!(
            names(&app["volumeMounts"]),
            ["istio-data", "istio-xds", "workload-certs"]
        );
        let vols = &out["spec"]["volumes"];
        assert_eq!(
            names(vols),
            [
                "workload-socket",
                "workload-certs",
                "istio-xds",
                "istio-data",
                "istio-podinfo",
                "istio-token",
                "istiod-ca-cert",
                "extra"
            ]
        );
        assert_eq!(vols[1]["emptyDir"], Value::Null);
        let mounts = names(&out["spec"]["containers"][0]["volumeMounts"]);
        assert_eq!(mounts.first(), Some(&"workload-socket"));
        assert_eq!(mounts.last(), Some(&"extra"));
        assert!(!mounts.contains(&"credential-socket"));
    }

    #[test]
    fn agent_status_port_zero_drops_probe_and_mounts() {
        let mut f = Fixture::new("");
        f.annotate(n::SIDECAR_STATUS_PORT, "0");
        f.annotate(
            n::SIDECAR_USER_VOLUME_MOUNT,
            r#"{"extra": {"mountPath": "/x"}}"#,
        );
        let out = render_agent(&f.ctx()).unwrap();
        let proxy = out["spec"]["containers"][0].as_object().unwrap();
        for key in ["readinessProbe", "resources", "volumeMounts"] {
            assert!(!proxy.contains_key(key), "{key}");
        }
        assert_eq!(names(&proxy["env"]).last(), Some(&"extra"));
        let f2 = {
            let mut f2 = Fixture::new("global:\n  imagePullPolicy: Always\n");
            f2.meta = f.meta.clone();
            f2
        };
        assert!(render_agent(&f2.ctx()).is_err());
    }

    #[test]
    fn container_names_that_are_not_yaml_strings_fail() {
        let mut f = Fixture::new("");
        f.container("123");
        let e = render_agent(&f.ctx()).unwrap_err();
        assert!(e.to_string().contains("\"123\""), "{e}");
        assert!(render_simple(&f.ctx()).is_err());
    }

    #[rstest]
    #[case("app", true)]
    #[case("app-1", true)]
    #[case("1-2", true)]
    #[case("0x1g", true)]
    #[case("2001-12-14", true)]
    #[case("123", false)]
    #[case("1e3", false)]
    #[case("1.", false)]
    #[case("0x1f", false)]
    #[case("1_000", false)]
    #[case("yes", false)]
    #[case("y", false)]
    #[case("null", false)]
    fn plain_scalars(#[case] s: &str, #[case] is_string: bool) {
        assert_eq!(yaml_plain_is_string(s), is_string);
    }
}
