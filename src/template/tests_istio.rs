//! Renders Istio's own injection templates, read at test time from an Istio
//! checkout (default `/tmp/istio`, or `ISTIO_SOURCE_DIR`), against data built
//! from the istio-compat golden cases (`ISTIO_COMPAT_CASES`, default
//! `/work/shared/istio-compat/cases`), and checks the YAML against Istio's
//! output. Skipped when either directory is absent (CI has neither); Istio's
//! template text is never part of this repository.
//!
//! The template output is an overlay that Istio then merges into the pod and
//! post-processes, so the checks compare what the template alone decides:
//! container args, images, env, security contexts, lifecycle, ports, volume
//! names, and labels/annotations as a subset of the final pod's.

use std::path::{Path, PathBuf};

use rstest::rstest;
use serde_json::{json, Value as Json};

use super::Template;

const TEMPLATES: &str = "manifests/charts/istio-control/istio-discovery/files";

fn existing(var: &str, default: &str) -> Option<PathBuf> {
    let p = std::env::var(var).map_or_else(|_| PathBuf::from(default), PathBuf::from);
    p.is_dir().then_some(p)
}

fn templates_dir() -> Option<PathBuf> {
    existing("ISTIO_SOURCE_DIR", "/tmp/istio")
        .map(|p| p.join(TEMPLATES))
        .filter(|p| p.is_dir())
}

fn cases_dir() -> Option<PathBuf> {
    existing("ISTIO_COMPAT_CASES", "/work/shared/istio-compat/cases")
}

fn yaml_docs(path: &Path) -> Vec<Json> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Json| !v.is_null())
        .collect()
}

/// The pod template of a workload document.
fn pod_of(doc: &Json) -> &Json {
    match doc["kind"].as_str() {
        Some("Pod") => doc,
        Some("CronJob") => &doc["spec"]["jobTemplate"]["spec"]["template"],
        _ => &doc["spec"]["template"],
    }
}

fn proxy_container(pod_spec: &Json) -> Option<&Json> {
    ["initContainers", "containers"]
        .iter()
        .filter_map(|k| pod_spec[*k].as_array())
        .flatten()
        .find(|c| c["name"] == "istio-proxy")
}

/// `SidecarTemplateData` as the caller is expected to build it.
fn template_data(case: &Path) -> Json {
    let input = yaml_docs(&case.join("input.yaml")).remove(0);
    let values = yaml_docs(&case.join("values.yaml")).remove(0);
    let mesh = yaml_docs(&case.join("mesh.yaml")).remove(0);
    let facts: Json =
        serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
    let expected = yaml_docs(&case.join("expected.yaml")).remove(0);
    let mut proxy_config = mesh["defaultConfig"].clone();
    if proxy_config.get("interceptionMode").is_none() {
        // protojson omits enum defaults; the caller supplies them.
        proxy_config["interceptionMode"] = json!("REDIRECT");
    }
    // PROXY_CONFIG is Istio's cleaned proto JSON: take it from Istio's output.
    let proxy_config_json = proxy_container(&pod_of(&expected)["spec"])
        .and_then(|c| c["env"].as_array())
        .and_then(|env| env.iter().find(|e| e["name"] == "PROXY_CONFIG"))
        .map_or(json!("{}\n"), |e| e["value"].clone());
    let g = &values["global"];
    let image = format!(
        "{}/{}:{}",
        g["hub"].as_str().unwrap(),
        g["proxy"]["image"].as_str().unwrap(),
        g["tag"].as_str().unwrap()
    );
    let pod = pod_of(&input);
    json!({
        "TypeMeta": {"apiVersion": input["apiVersion"], "kind": input["kind"]},
        "DeploymentMeta": {"Name": input["metadata"]["name"], "Namespace": input["metadata"].get("namespace").cloned().unwrap_or(json!(""))},
        "ObjectMeta": pod["metadata"],
        "Spec": pod["spec"],
        "ProxyConfig": proxy_config,
        "MeshConfig": mesh,
        "Values": values,
        "Revision": facts["kubeInject"]["revision"],
        "NativeSidecars": facts["cluster"]["nativeSidecars"],
        "ProxyImage": image,
        "ProxyUID": 1337,
        "ProxyGID": 1337,
        "InboundTrafficPolicyMode": "",
        "CompliancePolicy": "",
        "ProxyConfigJSON": proxy_config_json,
    })
}

fn containers(spec: &Json) -> Vec<&Json> {
    ["initContainers", "containers"]
        .iter()
        .filter_map(|k| spec[*k].as_array())
        .flatten()
        .collect()
}

fn names<'a>(list: impl IntoIterator<Item = &'a Json>) -> Vec<String> {
    list.into_iter()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect()
}

/// Env as the template decides it: Istio later adds probe rewriting, moves
/// proxy env overrides to the end, and Kubernetes drops empty values.
fn template_env(c: &Json) -> Vec<Json> {
    let mut env: Vec<Json> = c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["name"] != "ISTIO_KUBE_APP_PROBERS")
        .map(|v| {
            let mut v = v.clone();
            if v["value"] == "" {
                v.as_object_mut().map(|o| o.remove("value"));
            }
            v
        })
        .collect();
    env.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    env
}

fn assert_subset(rendered: &Json, expected: &Json, what: &str) {
    for (k, v) in rendered.as_object().into_iter().flatten() {
        assert_eq!(Some(v), expected.get(k), "{what}: {k}");
    }
}

fn check(case: &str, template_file: &str) {
    let (Some(files), Some(cases)) = (templates_dir(), cases_dir()) else {
        eprintln!("skipping: Istio sources or istio-compat cases not found");
        return;
    };
    let text = std::fs::read_to_string(files.join(template_file)).unwrap();
    let tmpl = Template::parse("inject", &text).unwrap();
    let out = tmpl.render(&template_data(&cases.join(case))).unwrap();
    let rendered: Json = serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let expected = yaml_docs(&cases.join(case).join("expected.yaml")).remove(0);
    let want_pod = pod_of(&expected);
    let (got, want) = (&rendered["spec"], &want_pod["spec"]);

    let want_containers = containers(want);
    for c in containers(got) {
        let name = c["name"].as_str().unwrap();
        let w = want_containers
            .iter()
            .find(|w| w["name"] == name)
            .unwrap_or_else(|| panic!("{case}: {name} missing"));
        for key in [
            "image",
            "args",
            "lifecycle",
            "ports",
            "securityContext",
            "restartPolicy",
        ] {
            if !c[key].is_null() {
                assert_eq!(c[key], w[key], "{case}: {name}.{key}");
            }
        }
        assert_eq!(template_env(c), template_env(w), "{case}: {name}.env");
    }
    let got_volumes = names(got["volumes"].as_array().into_iter().flatten());
    let want_volumes = names(want["volumes"].as_array().into_iter().flatten());
    assert!(
        got_volumes.iter().all(|v| want_volumes.contains(v)),
        "{case}: volumes {got_volumes:?}"
    );
    assert_subset(
        &rendered["metadata"]["labels"],
        &want_pod["metadata"]["labels"],
        "labels",
    );
    assert_subset(
        &rendered["metadata"]["annotations"],
        &want_pod["metadata"]["annotations"],
        "annotations",
    );
}

#[rstest]
#[case::native_sidecar("hello", "injection-template.yaml")]
#[case::classic_sidecar("hello-old-version", "injection-template.yaml")]
#[case::cni("hello.cni", "injection-template.yaml")]
#[case::user_volumes("user-volume", "injection-template.yaml")]
#[case::kubevirt("kubevirtInterfaces", "injection-template.yaml")]
#[case::reroute("reroute-virtual-interfaces", "injection-template.yaml")]
#[case::probes("hello-probes", "injection-template.yaml")]
#[case::hold_application("hello.proxyHoldsApplication", "injection-template.yaml")]
#[case::format_duration("format-duration", "injection-template.yaml")]
#[case::statefulset("statefulset", "injection-template.yaml")]
#[case::multi_container("multi-container", "injection-template.yaml")]
#[case::daemonset("daemonset", "injection-template.yaml")]
#[case::image_pull_secrets("hello-image-secrets-in-values", "injection-template.yaml")]
#[case::mtls_certs("hello-mount-mtls-certs", "injection-template.yaml")]
#[case::native_opt_out("native-sidecar-opt-out", "injection-template.yaml")]
#[case::resource_annotations("resource_annotations", "injection-template.yaml")]
#[case::tproxy("hello-tproxy", "injection-template.yaml")]
#[case::gateway("gateway", "gateway-injection-template.yaml")]
#[case::grpc_simple("grpc-simple", "grpc-simple.yaml")]
fn istio_templates_match_istio_output(#[case] case: &str, #[case] template_file: &str) {
    check(case, template_file);
}

#[test]
fn grpc_agent_template_renders() {
    let (Some(files), Some(cases)) = (templates_dir(), cases_dir()) else {
        eprintln!("skipping: Istio sources or istio-compat cases not found");
        return;
    };
    let text = std::fs::read_to_string(files.join("grpc-agent.yaml")).unwrap();
    let out = Template::parse("inject", &text)
        .unwrap()
        .render(&template_data(&cases.join("hello")))
        .unwrap();
    let rendered: Json = serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(
        names(containers(&rendered["spec"])),
        vec!["istio-proxy", "hello"]
    );
    assert!(rendered["spec"]["volumes"]
        .as_array()
        .is_some_and(|v| !v.is_empty()));
}
