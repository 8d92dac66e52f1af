//! Probe rewriting checked against what Istio 1.30.3's golden cases show
//! (`../shared/istio-compat/cases/*`), plus tables for the edge cases of Istio's own unit tests.

use k8s_openapi::api::core::v1::{Container, Pod};
use rstest::rstest;
use serde_json::{json, Value};

use super::app_probers::decode;
use super::*;

const STATUS_PORT: i32 = 15020;

/// A merged Pod the way the goldens have it with native sidecars: `istio-init` and
/// `istio-proxy` as init containers, the proxy with its own readiness probe on 15021.
fn merged_pod(annotations: Value, containers: Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": "hello", "annotations": annotations},
        "spec": {
            "initContainers": [
                {"name": "istio-init", "image": "proxyv2"},
                {
                    "name": "istio-proxy",
                    "image": "proxyv2",
                    "env": [{"name": "TRUST_DOMAIN", "value": "cluster.local"}],
                    "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}}
                }
            ],
            "containers": containers
        }
    }))
    .unwrap()
}

fn container<'a>(pod: &'a Pod, name: &str) -> &'a Container {
    let spec = pod.spec.as_ref().unwrap();
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == name)
        .unwrap()
}

fn proxy_env(pod: &Pod) -> Vec<(String, Option<String>)> {
    let env = container(pod, PROXY_CONTAINER)
        .env
        .clone()
        .unwrap_or_default();
    env.into_iter().map(|e| (e.name, e.value)).collect()
}

fn probers_env(pod: &Pod) -> Option<String> {
    proxy_env(pod)
        .into_iter()
        .find(|(n, _)| n == KUBE_APP_PROBERS_ENV)
        .and_then(|(_, v)| v)
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

fn agent_get(path: &str) -> Value {
    json!({"httpGet": {"path": path, "port": STATUS_PORT}})
}

/// The app containers of hello-probes (also ready_live and https-probes, minus a few probes).
fn hello_world() -> Value {
    json!([
        {
            "name": "hello",
            "ports": [{"name": "http", "containerPort": 80}],
            "livenessProbe": {"httpGet": {"port": "http"}},
            "readinessProbe": {"httpGet": {"port": 3333}},
            "lifecycle": {
                "preStop": {"httpGet": {"port": 91}},
                "postStart": {"tcpSocket": {"port": 93}}
            }
        },
        {
            "name": "world",
            "ports": [{"name": "http", "containerPort": 90}],
            "livenessProbe": {"httpGet": {"port": "http"}},
            "readinessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}
        }
    ])
}

#[test]
fn hello_probes_golden() {
    let mut pod = merged_pod(json!({}), hello_world());
    apply_rewrite(&mut pod, true, STATUS_PORT);

    let env = proxy_env(&pod);
    assert_eq!(env.len(), 2, "appended after the template's env");
    assert_eq!(
        env[1],
        (
            KUBE_APP_PROBERS_ENV.to_owned(),
            Some(
                r#"{"/app-health/hello/livez":{"httpGet":{"port":80}},"/app-health/hello/readyz":{"httpGet":{"port":3333}},"/app-health/world/livez":{"httpGet":{"port":90}},"/app-lifecycle/hello/poststartz":{"tcpSocket":{"port":93}},"/app-lifecycle/hello/prestopz":{"httpGet":{"port":91}}}"#
                    .to_owned()
            )
        )
    );
    let hello = container(&pod, "hello");
    assert_eq!(
        to_json(&hello.liveness_probe),
        agent_get("/app-health/hello/livez")
    );
    assert_eq!(
        to_json(&hello.readiness_probe),
        agent_get("/app-health/hello/readyz")
    );
    assert_eq!(
        to_json(&hello.lifecycle),
        json!({
            "postStart": agent_get("/app-lifecycle/hello/poststartz"),
            "preStop": agent_get("/app-lifecycle/hello/prestopz")
        })
    );
    let world = container(&pod, "world");
    assert_eq!(
        to_json(&world.liveness_probe),
        agent_get("/app-health/world/livez")
    );
    assert_eq!(
        to_json(&world.readiness_probe),
        json!({"exec": {"command": ["cat", "/tmp/healthy"]}})
    );
    // The proxy's own probe is never touched.
    assert_eq!(
        to_json(&container(&pod, PROXY_CONTAINER).readiness_probe),
        json!({"httpGet": {"path": "/healthz/ready", "port": 15021}})
    );
}

/// Cases whose whole observable effect is one env value (their probes rewrite as above).
#[rstest]
#[case::ready_live(
    json!([
        {"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
         "livenessProbe": {"httpGet": {"port": "http"}}, "readinessProbe": {"httpGet": {"port": 3333}}},
        {"name": "world", "ports": [{"name": "http", "containerPort": 90}],
         "livenessProbe": {"httpGet": {"port": "http"}},
         "readinessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}}
    ]),
    r#"{"/app-health/hello/livez":{"httpGet":{"port":80}},"/app-health/hello/readyz":{"httpGet":{"port":3333}},"/app-health/world/livez":{"httpGet":{"port":90}}}"#
)]
#[case::startup_only(
    json!([{"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
            "startupProbe": {"httpGet": {"port": 3333}}}]),
    r#"{"/app-health/hello/startupz":{"httpGet":{"port":3333}}}"#
)]
#[case::named_port(
    json!([{"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
            "readinessProbe": {"httpGet": {"port": "http"}}}]),
    r#"{"/app-health/hello/readyz":{"httpGet":{"port":80}}}"#
)]
#[case::two_container(
    json!([
        {"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
         "readinessProbe": {"httpGet": {"path": "/ip", "port": 8000}}},
        {"name": "world", "ports": [{"name": "http", "containerPort": 90}],
         "readinessProbe": {"httpGet": {"path": "/ipv6", "port": 9000}}}
    ]),
    r#"{"/app-health/hello/readyz":{"httpGet":{"path":"/ip","port":8000}},"/app-health/world/readyz":{"httpGet":{"path":"/ipv6","port":9000}}}"#
)]
fn golden_prober_values(#[case] containers: Value, #[case] want: &str) {
    let mut pod = merged_pod(json!({}), containers);
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(probers_env(&pod).as_deref(), Some(want));
}

#[test]
fn tcp_probes_golden_become_http_gets() {
    let mut pod = merged_pod(
        json!({}),
        json!([{"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
                "livenessProbe": {"tcpSocket": {"port": "http"}},
                "readinessProbe": {"tcpSocket": {"port": 3333}, "periodSeconds": 5}}]),
    );
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(
        probers_env(&pod).as_deref(),
        Some(
            r#"{"/app-health/hello/livez":{"tcpSocket":{"port":80}},"/app-health/hello/readyz":{"tcpSocket":{"port":3333}}}"#
        )
    );
    let hello = container(&pod, "hello");
    assert_eq!(
        to_json(&hello.liveness_probe),
        agent_get("/app-health/hello/livez")
    );
    assert_eq!(
        to_json(&hello.readiness_probe),
        json!({"httpGet": {"path": "/app-health/hello/readyz", "port": STATUS_PORT}, "periodSeconds": 5})
    );
}

#[test]
fn https_probes_golden_keep_scheme_for_agent_and_downgrade_kubelet() {
    let mut pod = merged_pod(
        json!({}),
        json!([{"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
                "livenessProbe": {"httpGet": {"port": "http"}},
                "readinessProbe": {"httpGet": {"port": 3333, "scheme": "HTTPS"}}}]),
    );
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(
        probers_env(&pod).as_deref(),
        Some(
            r#"{"/app-health/hello/livez":{"httpGet":{"port":80}},"/app-health/hello/readyz":{"httpGet":{"port":3333,"scheme":"HTTPS"}}}"#
        )
    );
    assert_eq!(
        to_json(&container(&pod, "hello").readiness_probe),
        json!({"httpGet": {"path": "/app-health/hello/readyz", "port": STATUS_PORT, "scheme": "HTTP"}})
    );
}

#[test]
fn native_sidecar_golden_rewrites_other_init_sidecars() {
    let mut pod = merged_pod(json!({}), json!([{"name": "hello"}]));
    let other: Container = serde_json::from_value(json!({
        "name": "other-sidecar", "restartPolicy": "Always",
        "ports": [{"name": "http", "containerPort": 80}],
        "readinessProbe": {"httpGet": {"port": 3333}}
    }))
    .unwrap();
    let spec = pod.spec.as_mut().unwrap();
    spec.init_containers.as_mut().unwrap().push(other);
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(
        probers_env(&pod).as_deref(),
        Some(r#"{"/app-health/other-sidecar/readyz":{"httpGet":{"port":3333}}}"#)
    );
    assert_eq!(
        to_json(&container(&pod, "other-sidecar").readiness_probe),
        agent_get("/app-health/other-sidecar/readyz")
    );
}

/// merge-probers: a re-injected Pod keeps the previous originals and adds the new container's.
#[test]
fn merge_probers_golden() {
    let previous = r#"{"/app-health/hello/livez":{"httpGet":{"port":80}},"/app-health/hello/readyz":{"httpGet":{"port":3333}},"/app-health/world/livez":{"httpGet":{"port":90}}}"#;
    let mut pod = merged_pod(
        json!({SIDECAR_STATUS: r#"{"initContainers":["istio-init"],"containers":["istio-proxy"]}"#}),
        json!([
            {"name": "hello", "ports": [{"name": "http", "containerPort": 80}],
             "livenessProbe": agent_get("/app-health/hello/livez"),
             "readinessProbe": agent_get("/app-health/hello/readyz")},
            {"name": "world", "ports": [{"name": "http", "containerPort": 90}],
             "livenessProbe": agent_get("/app-health/world/livez")},
            {"name": "new", "ports": [{"name": "http", "containerPort": 8008}],
             "livenessProbe": {"httpGet": {"path": "/testLive", "port": 8008}}}
        ]),
    );
    let proxy = find_sidecar_mut(&mut pod).unwrap();
    let env = proxy.env.as_mut().unwrap();
    env.insert(0, probers_env_var(previous));
    apply_rewrite(&mut pod, true, STATUS_PORT);

    let env = proxy_env(&pod);
    assert_eq!(env.len(), 2, "merged in place, not appended");
    assert_eq!(env[0].0, KUBE_APP_PROBERS_ENV);
    assert_eq!(
        env[0].1.as_deref(),
        Some(
            r#"{"/app-health/hello/livez":{"httpGet":{"port":80}},"/app-health/hello/readyz":{"httpGet":{"port":3333}},"/app-health/new/livez":{"httpGet":{"path":"/testLive","port":8008}},"/app-health/world/livez":{"httpGet":{"port":90}}}"#
        )
    );
    assert_eq!(
        to_json(&container(&pod, "new").liveness_probe),
        agent_get("/app-health/new/livez")
    );
    assert_eq!(
        to_json(&container(&pod, "hello").liveness_probe),
        agent_get("/app-health/hello/livez")
    );
}

fn probers_env_var(value: &str) -> EnvVar {
    EnvVar {
        name: KUBE_APP_PROBERS_ENV.to_owned(),
        value: Some(value.to_owned()),
        value_from: None,
    }
}

/// hello-probes-with-flag-set-in-annotation, and the other ways the annotation and the values
/// setting combine.
#[rstest]
#[case::annotation_true_wins(Some("true"), false, true)]
#[case::annotation_false_wins(Some("false"), true, false)]
#[case::go_bool_forms(Some("F"), true, false)]
#[case::go_bool_one(Some("1"), false, true)]
#[case::unparsable_falls_back(Some("yes"), false, false)]
#[case::unparsable_falls_back_true(Some("yes"), true, true)]
#[case::absent_uses_values(None, true, true)]
#[case::absent_uses_values_false(None, false, false)]
fn rewrite_switch(
    #[case] annotation: Option<&str>,
    #[case] values_default: bool,
    #[case] want: bool,
) {
    let annotations: BTreeMap<String, String> = annotation
        .map(|v| (SIDECAR_REWRITE_APP_HTTP_PROBERS.to_owned(), v.to_owned()))
        .into_iter()
        .collect();
    assert_eq!(should_rewrite(Some(&annotations), values_default), want);
    if annotation.is_none() {
        assert_eq!(should_rewrite(None, values_default), want);
    }

    let mut pod = merged_pod(json!(annotations), hello_world());
    apply_rewrite(&mut pod, values_default, STATUS_PORT);
    assert_eq!(probers_env(&pod).is_some(), want);
    let rewritten =
        to_json(&container(&pod, "hello").readiness_probe) == agent_get("/app-health/hello/readyz");
    assert_eq!(rewritten, want);
}

/// grpc-simple: without an `istio-proxy` container nothing is rewritten.
#[test]
fn no_sidecar_no_rewrite() {
    let mut pod: Pod = serde_json::from_value(json!({
        "spec": {"containers": [{"name": "traffic", "readinessProbe": {"httpGet": {"port": 80}}}]}
    }))
    .unwrap();
    let before = pod.clone();
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(pod, before);
}

/// status_annotations / status_params: without probes there is no variable and no change.
#[test]
fn status_port_cases_without_probes() {
    let mut pod = merged_pod(
        json!({SIDECAR_STATUS_PORT: "123"}),
        json!([{"name": "status", "ports": [{"name": "http", "containerPort": 80}]}]),
    );
    let before = pod.clone();
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(pod, before);
}

/// The annotation moves the rewritten probes; the "already rewritten" check of the dump still
/// uses the mesh status port, as in Istio.
#[test]
fn status_port_annotation_moves_probes_only() {
    let mut pod = merged_pod(
        json!({SIDECAR_STATUS_PORT: "123"}),
        json!([{"name": "app", "readinessProbe": {"httpGet": {"port": 123}},
                "livenessProbe": {"httpGet": {"port": STATUS_PORT}}}]),
    );
    apply_rewrite(&mut pod, true, STATUS_PORT);
    assert_eq!(
        probers_env(&pod).as_deref(),
        Some(r#"{"/app-health/app/readyz":{"httpGet":{"port":123}}}"#)
    );
    let app = container(&pod, "app");
    assert_eq!(
        to_json(&app.readiness_probe),
        json!({"httpGet": {"path": "/app-health/app/readyz", "port": 123}})
    );
    assert_eq!(
        to_json(&app.liveness_probe),
        json!({"httpGet": {"path": "/app-health/app/livez", "port": 123}})
    );
}

/// Go's `strconv.Atoi` then `int32(...)`: errors still yield a port, as Istio only logs them.
#[rstest]
#[case::plain("123", 123)]
#[case::plus_sign("+80", 80)]
#[case::not_a_number("abc", 0)]
#[case::space(" 80", 0)]
#[case::empty("", 0)]
#[case::overflow_clamps_then_truncates("99999999999999999999", -1)]
#[case::negative_overflow("-99999999999999999999", 0)]
#[case::wraps_to_32_bits("4294967297", 1)]
fn status_port_annotation_parsing(#[case] raw: &str, #[case] want: i32) {
    let annotations = BTreeMap::from([(SIDECAR_STATUS_PORT.to_owned(), raw.to_owned())]);
    assert_eq!(annotated_status_port(Some(&annotations)), Some(want));
}

fn app_pod(container: Value) -> Pod {
    serde_json::from_value(json!({"spec": {"containers": [container]}})).unwrap()
}

/// The shapes of Istio's gRPC dump tests and other edge cases of the prober list.
#[rstest]
#[case::grpc_without_service(
    json!({"name": "foo", "livenessProbe": {"grpc": {"port": 1234}}}),
    Some(r#"{"/app-health/foo/livez":{"grpc":{"port":1234,"service":null}}}"#)
)]
#[case::grpc_with_service(
    json!({"name": "bar", "readinessProbe": {"grpc": {"port": 1234, "service": "foo"}}}),
    Some(r#"{"/app-health/bar/readyz":{"grpc":{"port":1234,"service":"foo"}}}"#)
)]
#[case::grpc_timeout_and_http_hook(
    json!({"name": "foo",
           "startupProbe": {"grpc": {"port": 1234, "service": "foo"}, "timeoutSeconds": 10},
           "lifecycle": {"preStop": {"httpGet": {"path": "/foo", "port": 1234, "host": "foo", "scheme": "HTTP"}}}}),
    Some(r#"{"/app-health/foo/startupz":{"grpc":{"port":1234,"service":"foo"},"timeoutSeconds":10},"/app-lifecycle/foo/prestopz":{"httpGet":{"path":"/foo","port":1234,"host":"foo","scheme":"HTTP"}}}"#)
)]
#[case::grpc_on_status_port_is_kept(
    json!({"name": "foo", "livenessProbe": {"grpc": {"port": 15020}}}),
    Some(r#"{"/app-health/foo/livez":{"grpc":{"port":15020,"service":null}}}"#)
)]
#[case::unknown_port_name_dropped(
    json!({"name": "foo", "livenessProbe": {"httpGet": {"port": "metrics"}}}),
    None
)]
#[case::already_rewritten_dropped(
    json!({"name": "foo", "livenessProbe": {"httpGet": {"path": "/app-health/foo/livez", "port": 15020}}}),
    None
)]
#[case::named_port_equal_to_status_port_kept(
    json!({"name": "foo", "ports": [{"name": "s", "containerPort": 15020}],
           "livenessProbe": {"tcpSocket": {"port": "s"}}}),
    Some(r#"{"/app-health/foo/livez":{"tcpSocket":{"port":15020}}}"#)
)]
#[case::last_port_of_a_name_wins(
    json!({"name": "foo", "ports": [{"name": "p", "containerPort": 1}, {"name": "p", "containerPort": 2}],
           "livenessProbe": {"httpGet": {"port": "p"}}}),
    Some(r#"{"/app-health/foo/livez":{"httpGet":{"port":2}}}"#)
)]
#[case::exec_and_sleep_only(
    json!({"name": "foo", "livenessProbe": {"exec": {"command": ["true"]}},
           "lifecycle": {"preStop": {"sleep": {"seconds": 1}}}}),
    None
)]
#[case::empty_strings_and_zero_timeout_omitted(
    json!({"name": "foo", "readinessProbe": {"httpGet": {"path": "", "port": 8080, "host": "", "scheme": "", "httpHeaders": []},
                                              "timeoutSeconds": 0}}),
    Some(r#"{"/app-health/foo/readyz":{"httpGet":{"port":8080}}}"#)
)]
#[case::field_order_headers_and_html_escaping(
    json!({"name": "foo", "readinessProbe": {"httpGet": {
        "scheme": "HTTPS", "httpHeaders": [{"name": "X-A", "value": "<b>&\"c\""}],
        "host": "h", "port": 8443, "path": "/a?b=1&c=2"}, "timeoutSeconds": 3}}),
    Some(r#"{"/app-health/foo/readyz":{"httpGet":{"path":"/a?b=1\u0026c=2","port":8443,"host":"h","scheme":"HTTPS","httpHeaders":[{"name":"X-A","value":"\u003cb\u003e\u0026\"c\""}]},"timeoutSeconds":3}}"#)
)]
#[case::http_wins_over_tcp(
    json!({"name": "foo", "livenessProbe": {"httpGet": {"port": 1}, "tcpSocket": {"port": 2}}}),
    Some(r#"{"/app-health/foo/livez":{"httpGet":{"port":1}}}"#)
)]
fn dump_cases(#[case] container: Value, #[case] want: Option<&str>) {
    assert_eq!(
        dump_app_probers(&app_pod(container), STATUS_PORT).as_deref(),
        want
    );
}

#[test]
fn dump_skips_proxy_and_lets_regular_containers_override_init_ones() {
    let pod: Pod = serde_json::from_value(json!({"spec": {
        "initContainers": [{"name": "dup", "readinessProbe": {"httpGet": {"port": 1}}}],
        "containers": [
            {"name": "dup", "readinessProbe": {"httpGet": {"port": 2}}},
            {"name": "istio-proxy", "readinessProbe": {"httpGet": {"port": 15021}}}
        ]
    }}))
    .unwrap();
    assert_eq!(
        dump_app_probers(&pod, STATUS_PORT).as_deref(),
        Some(r#"{"/app-health/dup/readyz":{"httpGet":{"port":2}}}"#)
    );
}

/// Istio's patch tests: gRPC probes become HTTP GETs and keep their timings.
#[rstest]
#[case::no_probes(json!({"name": "foo"}), json!({"name": "foo"}))]
#[case::grpc_liveness(
    json!({"name": "foo", "livenessProbe": {"grpc": {"port": 1234}}}),
    json!({"name": "foo", "livenessProbe": agent_get("/app-health/foo/livez")})
)]
#[case::grpc_keeps_timings(
    json!({"name": "bar", "startupProbe": {"grpc": {"port": 1236}, "timeoutSeconds": 20,
                                           "periodSeconds": 10, "initialDelaySeconds": 10}}),
    json!({"name": "bar", "startupProbe": {"httpGet": {"path": "/app-health/bar/startupz", "port": 15020},
                                           "timeoutSeconds": 20, "periodSeconds": 10, "initialDelaySeconds": 10}})
)]
#[case::http_keeps_host_and_headers(
    json!({"name": "foo", "readinessProbe": {"httpGet": {"path": "/x", "port": 80, "host": "h",
                                                          "httpHeaders": [{"name": "a", "value": "b"}]}}}),
    json!({"name": "foo", "readinessProbe": {"httpGet": {"path": "/app-health/foo/readyz", "port": 15020, "host": "h",
                                                          "httpHeaders": [{"name": "a", "value": "b"}]}}})
)]
#[case::tcp_hook_loses_host(
    json!({"name": "foo", "lifecycle": {"postStart": {"tcpSocket": {"port": 80, "host": "h"}}}}),
    json!({"name": "foo", "lifecycle": {"postStart": agent_get("/app-lifecycle/foo/poststartz")}})
)]
#[case::only_exact_https_is_downgraded(
    json!({"name": "foo", "readinessProbe": {"httpGet": {"port": 80, "scheme": "https"}}}),
    json!({"name": "foo", "readinessProbe": {"httpGet": {"path": "/app-health/foo/readyz", "port": 15020, "scheme": "https"}}})
)]
fn rewrite_cases(#[case] before: Value, #[case] after: Value) {
    let mut pod = app_pod(before);
    rewrite_app_probes(&mut pod, STATUS_PORT);
    assert_eq!(to_json(&pod.spec.unwrap().containers[0]), after);
}

#[rstest]
#[case::only_sidecar(json!([{"name": "istio-proxy"}]), json!([]), true)]
#[case::app_and_sidecar(json!([{"name": "app"}, {"name": "istio-proxy"}]), json!([]), true)]
#[case::no_sidecar(json!([{"name": "app"}]), json!([]), false)]
#[case::init_sidecar(json!([{"name": "app"}]), json!([{"name": "istio-proxy"}]), true)]
fn sidecar_lookup(#[case] containers: Value, #[case] init: Value, #[case] found: bool) {
    let mut pod: Pod =
        serde_json::from_value(json!({"spec": {"containers": containers, "initContainers": init}}))
            .unwrap();
    assert_eq!(has_sidecar(&pod), found);
    assert_eq!(
        find_sidecar_mut(&mut pod).map(|c| c.name.clone()),
        found.then(|| PROXY_CONTAINER.to_owned())
    );
}

const BAR: &str =
    r#"{"/app-health/bar/livez":{"httpGet":{"path":"/","port":9000,"scheme":"HTTP"}}}"#;

/// Istio's merge tests plus what happens to an existing value that does not read back.
#[rstest]
#[case::first_injection_appends(false, vec![("A", "1")], vec![("A", "1"), (KUBE_APP_PROBERS_ENV, BAR)])]
#[case::first_injection_appends_even_when_present(
    false, vec![(KUBE_APP_PROBERS_ENV, "{}")], vec![(KUBE_APP_PROBERS_ENV, "{}"), (KUBE_APP_PROBERS_ENV, BAR)]
)]
#[case::merged_in_place(
    true,
    vec![("A", "1"), (KUBE_APP_PROBERS_ENV, r#"{"/app-health/foo/livez":{"httpGet":{"path":"/","port":8000,"scheme":"HTTP"}}}"#), ("B", "2")],
    vec![("A", "1"), (KUBE_APP_PROBERS_ENV, r#"{"/app-health/bar/livez":{"httpGet":{"path":"/","port":9000,"scheme":"HTTP"}},"/app-health/foo/livez":{"httpGet":{"path":"/","port":8000,"scheme":"HTTP"}}}"#), ("B", "2")]
)]
#[case::previous_wins_on_same_key(
    true,
    vec![(KUBE_APP_PROBERS_ENV, r#"{"/app-health/bar/livez":{"httpGet":{"port":"http"}}}"#)],
    vec![(KUBE_APP_PROBERS_ENV, r#"{"/app-health/bar/livez":{"httpGet":{"port":"http"}}}"#)]
)]
#[case::previously_injected_without_variable(true, vec![("A", "1")], vec![("A", "1"), (KUBE_APP_PROBERS_ENV, BAR)])]
#[case::unreadable_is_left_alone(true, vec![(KUBE_APP_PROBERS_ENV, "{not json")], vec![(KUBE_APP_PROBERS_ENV, "{not json")])]
#[case::wrong_type_is_left_alone(
    true,
    vec![(KUBE_APP_PROBERS_ENV, r#"{"/x":{"timeoutSeconds":1.5}}"#)],
    vec![(KUBE_APP_PROBERS_ENV, r#"{"/x":{"timeoutSeconds":1.5}}"#)]
)]
#[case::null_previous_is_empty(true, vec![(KUBE_APP_PROBERS_ENV, "null")], vec![(KUBE_APP_PROBERS_ENV, BAR)])]
#[case::previous_reencoded_the_go_way(
    true,
    vec![(KUBE_APP_PROBERS_ENV, r#" {"/z": null, "/y": {"HTTPGET": {"Port": 8, "junk": 1, "scheme": ""}, "grpc": null}} "#)],
    vec![(KUBE_APP_PROBERS_ENV, r#"{"/app-health/bar/livez":{"httpGet":{"path":"/","port":9000,"scheme":"HTTP"}},"/y":{"httpGet":{"port":8}},"/z":null}"#)]
)]
fn merge_or_append(
    #[case] previously_injected: bool,
    #[case] env: Vec<(&str, &str)>,
    #[case] want: Vec<(&str, &str)>,
) {
    let mut env: Vec<EnvVar> = env
        .into_iter()
        .map(|(n, v)| EnvVar {
            name: n.to_owned(),
            value: Some(v.to_owned()),
            value_from: None,
        })
        .collect();
    merge_or_append_probers(previously_injected, &mut env, decode(BAR).unwrap());
    let got: Vec<(&str, &str)> = env
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(got, want);
}
