//! `kube-inject` cluster mode against a fake API server (plain HTTP on 127.0.0.1, a kubeconfig
//! pointing at it), and a table of istioctl's flags with what each one does.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

mod server_support;

use rstest::rstest;
use serde_json::json;

const POD: &str =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app}\nspec:\n  containers: [{name: a, image: b}]\n";

/// Serves `routes` (path → JSON body; others 404 as a Status) and records the paths asked.
struct FakeApi {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

fn fake_api(routes: BTreeMap<String, serde_json::Value>) -> FakeApi {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let path = path.split('?').next().unwrap_or("").to_string();
            log.lock().unwrap().push(path.clone());
            let (code, body) = match routes.get(&path) {
                Some(v) => ("200 OK", v.to_string()),
                None => (
                    "404 Not Found",
                    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                           "message": format!("configmaps {path:?} not found"), "reason": "NotFound", "code": 404})
                    .to_string(),
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {code}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    FakeApi { url, seen }
}

fn configmap(ns: &str, name: &str, data: serde_json::Value) -> (String, serde_json::Value) {
    (
        format!("/api/v1/namespaces/{ns}/configmaps/{name}"),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}),
    )
}

fn nodes(versions: &[&str]) -> (String, serde_json::Value) {
    let items: Vec<_> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"metadata": {"name": format!("n{i}")}, "status": {"nodeInfo": {"kubeletVersion": v,
            "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "",
            "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}}))
        .collect();
    (
        "/api/v1/nodes".into(),
        json!({"apiVersion": "v1", "kind": "NodeList", "metadata": {}, "items": items}),
    )
}

/// The stock installation with `hub` in the values and `trust` as the mesh trust domain.
fn istio(ns: &str, suffix: &str, hub: &str, trust: &str) -> Vec<(String, serde_json::Value)> {
    let values = json!({"global": {"hub": hub, "tag": "9.9.9"}}).to_string();
    let config = "policy: enabled\ntemplates:\n  extra: |\n    metadata:\n      labels:\n        extra: \"yes\"\n";
    vec![
        configmap(
            ns,
            &format!("istio-sidecar-injector{suffix}"),
            json!({"values": values, "config": config}),
        ),
        configmap(
            ns,
            &format!("istio{suffix}"),
            json!({"mesh": format!("trustDomain: {trust}\n")}),
        ),
    ]
}

fn kubeconfig(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- {{name: fake, cluster: {{server: \"{url}\"}}}}\n- {{name: dead, cluster: {{server: \"http://127.0.0.1:1\"}}}}\ncontexts:\n- {{name: fake, context: {{cluster: fake, user: u}}}}\n- {{name: dead, context: {{cluster: dead, user: u}}}}\ncurrent-context: fake\nusers: [{{name: u, user: {{}}}}]\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs kube-inject on POD with `args`, no ambient cluster (HOME and KUBECONFIG cleared).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let input = dir.join("pod.yaml");
    std::fs::write(&input, POD).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sidecar-injector"));
    cmd.arg("kube-inject").arg("-f").arg(&input).args(args);
    cmd.env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("ENABLE_NATIVE_SIDECARS")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env("HOME", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn native(stdout: &str) -> bool {
    let doc: serde_json::Value = serde_yaml::from_str(stdout.trim_end_matches("---\n")).unwrap();
    doc.pointer("/spec/initContainers")
        .and_then(|v| v.as_array())
        .is_some_and(|l| l.iter().any(|c| c["name"] == "istio-proxy"))
}

fn standard_cluster(node_versions: &[&str]) -> FakeApi {
    let mut routes: BTreeMap<_, _> = istio("istio-system", "", "registry.corp/istio", "corp.local")
        .into_iter()
        .chain(istio(
            "istio-system",
            "-canary",
            "canary.corp/istio",
            "canary.local",
        ))
        .chain(istio("mesh-ns", "", "other.corp/istio", "other.local"))
        .collect();
    routes.extend([
        configmap("istio-system", "my-injector", json!({"values": json!({"global": {"hub": "named.corp"}}).to_string(), "config": "templates: {x: 'metadata: {}'}\n"})),
        configmap("istio-system", "my-mesh", json!({"mesh": "trustDomain: named.local\n"})),
        nodes(node_versions),
        webhook_configuration(
            "istio-sidecar-injector",
            "rev.namespace.sidecar-injector.istio.io",
            json!({"service": {"namespace": "istio-system", "name": "istiod", "path": "/inject", "port": 443}}),
        ),
        webhook_configuration("other-hooks", "x.example.com", json!({"url": "https://x.example.com/"})),
        // What istiod would answer through the API server's service proxy: a label added.
        (
            "/api/v1/namespaces/istio-system/services/https:istiod:443/proxy/inject".into(),
            review_answer(&json!([{"op": "add", "path": "/metadata/labels", "value": {"from-webhook": "yes"}}])),
        ),
    ]);
    fake_api(routes)
}

fn webhook_configuration(
    name: &str,
    entry: &str,
    client_config: serde_json::Value,
) -> (String, serde_json::Value) {
    (
        format!("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/{name}"),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
               "metadata": {"name": name},
               "webhooks": [{"name": entry, "clientConfig": client_config, "sideEffects": "None",
                             "admissionReviewVersions": ["v1"]}]}),
    )
}

fn review_answer(patch: &serde_json::Value) -> serde_json::Value {
    use base64::Engine as _;
    let patch = base64::engine::general_purpose::STANDARD.encode(patch.to_string());
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
           "response": {"allowed": true, "patchType": "JSONPatch", "patch": patch}})
}

#[test]
fn cluster_configmaps_drive_the_sidecar() {
    let api = standard_cluster(&["v1.33.1", "v1.34.0"]);
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url);
    let r = run(dir.path(), &["--kubeconfig", kc.to_str().unwrap()], &[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains("registry.corp/istio/proxyv2:9.9.9"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("corp.local"),
        "trust domain from the istio ConfigMap"
    );
    assert!(native(&r.stdout), "every kubelet >= 1.33: native");
    assert!(
        r.stderr.is_empty(),
        "no offline note in cluster mode: {}",
        r.stderr
    );
    let seen = api.seen.lock().unwrap().clone();
    assert!(
        seen.contains(&"/api/v1/namespaces/istio-system/configmaps/istio".to_string()),
        "{seen:?}"
    );
    assert!(seen.contains(&"/api/v1/nodes".to_string()), "{seen:?}");
}

#[test]
fn an_old_kubelet_turns_native_off() {
    let api = standard_cluster(&["v1.33.1", "v1.32.4"]);
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url);
    let r = run(dir.path(), &["--kubeconfig", kc.to_str().unwrap()], &[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(!native(&r.stdout));
    let forced = run(
        dir.path(),
        &["--kubeconfig", kc.to_str().unwrap()],
        &[("ENABLE_NATIVE_SIDECARS", "true")],
    );
    assert!(
        native(&forced.stdout),
        "ENABLE_NATIVE_SIDECARS=true wins over the nodes"
    );
}

#[test]
fn offline_says_so_once_and_native_is_off_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &[], &[]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("built-in defaults"), "{}", r.stderr);
    assert!(r.stdout.contains("docker.io/istio/proxyv2:1.30.3"));
    assert!(!native(&r.stdout));
    let forced = run(dir.path(), &[], &[("ENABLE_NATIVE_SIDECARS", "true")]);
    assert!(native(&forced.stdout));
}

#[test]
fn an_unreachable_cluster_is_one_short_error() {
    let dir = tempfile::tempdir().unwrap();
    let api = standard_cluster(&[]);
    let kc = kubeconfig(dir.path(), &api.url);
    let r = run(
        dir.path(),
        &["--kubeconfig", kc.to_str().unwrap(), "--context", "dead"],
        &[],
    );
    assert!(!r.ok);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot reach the Kubernetes API at http://127.0.0.1:1"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("refused").count(), 1, "{}", r.stderr);
}

/// Each istioctl flag and what it changes; `{kc}` is the fake cluster's kubeconfig.
#[rstest]
#[case::filename_and_output(&["-o", "{dir}/out.yaml"], Expect::OutputFile)]
#[case::values_file(&["--kubeconfig", "{kc}", "--valuesFile", "{dir}/values.yaml"], Expect::Image("file.corp/proxyv2:1.30.3"))]
#[case::mesh_config_file(&["--kubeconfig", "{kc}", "--meshConfigFile", "{dir}/mesh.yaml"], Expect::Contains("file.local"))]
#[case::inject_config_file(&["--injectConfigFile", "{dir}/config.yaml", "--valuesFile", "{dir}/values.yaml", "--meshConfigFile", "{dir}/mesh.yaml"], Expect::Contains("from-file"))]
#[case::inject_config_file_edited_stock(&["--injectConfigFile", "{dir}/edited.yaml", "--valuesFile", "{dir}/values.yaml", "--meshConfigFile", "{dir}/mesh.yaml"], Expect::Contains("edited-sidecar"))]
#[case::inject_configmap_name(&["--kubeconfig", "{kc}", "--injectConfigMapName", "my-injector"], Expect::Image("named.corp/proxyv2:1.30.3"))]
#[case::mesh_configmap_name(&["--kubeconfig", "{kc}", "--meshConfigMapName", "my-mesh"], Expect::Contains("named.local"))]
#[case::revision_short(&["--kubeconfig", "{kc}", "-r", "canary"], Expect::Image("canary.corp/istio/proxyv2:9.9.9"))]
#[case::revision_long(&["--kubeconfig", "{kc}", "--revision", "canary"], Expect::Contains("canary.local"))]
#[case::istio_namespace_short(&["--kubeconfig", "{kc}", "-i", "mesh-ns"], Expect::Image("other.corp/istio/proxyv2:9.9.9"))]
#[case::istio_namespace_long(&["--kubeconfig", "{kc}", "--istioNamespace", "mesh-ns"], Expect::Contains("other.local"))]
#[case::webhook_config(&["--kubeconfig", "{kc}", "--webhookConfig", "istio-sidecar-injector"], Expect::Contains("from-webhook"))]
#[case::webhook_config_offline(&["--webhookConfig", "istio-sidecar-injector"], Expect::Error("--webhookConfig istio-sidecar-injector needs a cluster"))]
#[case::webhook_config_missing(&["--kubeconfig", "{kc}", "--webhookConfig", "nowhere"], Expect::Error("--webhookConfig nowhere: could not read the MutatingWebhookConfiguration"))]
#[case::webhook_config_no_entry(&["--kubeconfig", "{kc}", "--webhookConfig", "other-hooks"], Expect::Error("no webhook entry named *sidecar-injector.istio.io (entries: x.example.com)"))]
#[case::kubeconfig(&["--kubeconfig", "{kc}"], Expect::Image("registry.corp/istio/proxyv2:9.9.9"))]
#[case::context(&["--kubeconfig", "{kc}", "--context", "dead"], Expect::Error("cannot reach the Kubernetes API"))]
#[case::missing_configmap(&["--kubeconfig", "{kc}", "-i", "nowhere"], Expect::Error("could not read ConfigMap nowhere/istio"))]
#[case::native_true(&["--native-sidecars=true"], Expect::Native(true))]
#[case::native_false(&["--kubeconfig", "{kc}", "--native-sidecars=false"], Expect::Native(false))]
#[case::native_auto(&["--kubeconfig", "{kc}", "--native-sidecars=auto"], Expect::Native(true))]
#[case::native_bad(&["--native-sidecars=maybe"], Expect::Error("invalid value 'maybe'"))]
fn istioctl_flags(#[case] args: &[&str], #[case] want: Expect) {
    let api = standard_cluster(&["v1.33.0"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let kc = kubeconfig(d, &api.url);
    std::fs::write(d.join("values.yaml"), "global: {hub: file.corp}\n").unwrap();
    std::fs::write(d.join("mesh.yaml"), "trustDomain: file.local\n").unwrap();
    std::fs::write(
        d.join("config.yaml"),
        "templates:\n  mine: |\n    metadata:\n      labels: {from-file: \"yes\"}\n",
    )
    .unwrap();
    // A stock-named template whose text is not 1.30.3's: rendered as written, as Istio does.
    std::fs::write(
        d.join("edited.yaml"),
        "templates:\n  sidecar: |\n    metadata:\n      labels: {edited-sidecar: \"{{ .Values.global.hub }}\"}\n    spec:\n      containers:\n      - name: istio-proxy\n        image: x\n",
    )
    .unwrap();
    let dir_s = d.to_str().unwrap().to_string();
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            a.replace("{kc}", kc.to_str().unwrap())
                .replace("{dir}", &dir_s)
        })
        .collect();
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    if matches!(want, Expect::Contains("from-file")) {
        // A custom template from the config file, asked for by annotation.
        std::fs::write(
            d.join("pod.yaml"),
            POD.replace(
                "namespace: app}",
                "namespace: app, annotations: {inject.istio.io/templates: \"sidecar,mine\"}}",
            ),
        )
        .unwrap();
    }
    let r = if matches!(want, Expect::Contains("from-file")) {
        run_file(d, &args_ref)
    } else {
        run(d, &args_ref, &[])
    };
    match want {
        Expect::OutputFile => {
            assert!(r.ok, "{}", r.stderr);
            let text = std::fs::read_to_string(d.join("out.yaml")).unwrap();
            assert!(text.contains("istio-proxy"));
        }
        Expect::Image(img) => {
            assert!(r.ok, "{}", r.stderr);
            assert!(
                r.stdout.contains(&format!("image: {img}")),
                "want {img}:\n{}",
                r.stdout
            );
        }
        Expect::Contains(s) => {
            assert!(r.ok, "{}", r.stderr);
            assert!(r.stdout.contains(s), "want {s}:\n{}", r.stdout);
        }
        Expect::Native(on) => {
            assert!(r.ok, "{}", r.stderr);
            assert_eq!(native(&r.stdout), on);
        }
        Expect::Error(msg) => {
            assert!(!r.ok);
            assert!(r.stderr.contains(msg), "want {msg}:\n{}", r.stderr);
        }
    }
}

#[derive(Debug)]
enum Expect {
    OutputFile,
    Image(&'static str),
    Contains(&'static str),
    Native(bool),
    Error(&'static str),
}

/// Like [`run`], but keeps the pod.yaml already written.
fn run_file(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sidecar-injector"));
    cmd.arg("kube-inject")
        .arg("-f")
        .arg(dir.join("pod.yaml"))
        .args(args);
    cmd.env_remove("KUBECONFIG").env("HOME", dir);
    let out = cmd.output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `--webhookConfig` with a `clientConfig.url`: kube-inject calls this server over TLS (trusting
/// the configuration's `caBundle`), and the pod comes out as the webhook injects it at admission.
#[tokio::test]
async fn webhook_config_calls_the_servers_url() {
    use base64::Engine as _;
    let server = server_support::binary::Server::start(&["--native-sidecars=false"]).await;
    let url = format!("https://127.0.0.1:{}/inject", server.addr.port());
    let ca = base64::engine::general_purpose::STANDARD.encode(&server.ca);
    let api = fake_api(BTreeMap::from([webhook_configuration(
        "sidecar-injector",
        "namespace.sidecar-injector.istio.io",
        json!({"url": url, "caBundle": ca}),
    )]));
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url);
    let kc = kc.to_str().unwrap();
    let (remote, local) = tokio::task::spawn_blocking({
        let d = dir.path().to_path_buf();
        let kc = kc.to_string();
        move || {
            let remote = run(
                &d,
                &["--kubeconfig", &kc, "--webhookConfig", "sidecar-injector"],
                &[],
            );
            let local = run(&d, &["--native-sidecars=false"], &[]);
            (remote, local)
        }
    })
    .await
    .unwrap();
    assert!(remote.ok, "{}", remote.stderr);
    assert!(local.ok, "{}", local.stderr);
    let pod = |text: &str| -> serde_json::Value {
        serde_yaml::from_str(text.trim_end_matches("---\n")).unwrap()
    };
    let (remote_pod, local_pod) = (pod(&remote.stdout), pod(&local.stdout));
    assert!(remote.stdout.contains("istio-proxy"), "{}", remote.stdout);
    assert_eq!(
        remote_pod, local_pod,
        "the webhook's pod and kube-inject's differ"
    );
    // One review per pod template, and the configuration read once.
    let seen = api.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        ["/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/sidecar-injector"]
    );
}

// ---------------------------------------------------------------------------
// explain's cluster mode: the same ConfigMaps, plus each workload's namespace labels

const WORKLOADS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: a, image: b}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: lost, namespace: ghost}\nspec:\n  containers: [{name: a, image: b}]\n";

/// A cluster whose values disable auto-injection and whose `shop` is labelled for injection.
fn explain_cluster() -> FakeApi {
    let values = json!({"global": {"proxy": {"autoInject": "disabled"}}}).to_string();
    fake_api(BTreeMap::from([
        configmap(
            "istio-system",
            "istio-sidecar-injector",
            json!({"values": values}),
        ),
        configmap(
            "istio-system",
            "istio",
            json!({"mesh": "trustDomain: corp.local\n"}),
        ),
        (
            "/api/v1/namespaces/shop".to_string(),
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}}),
        ),
    ]))
}

/// Runs `explain -o json` on WORKLOADS with `args`, no ambient cluster.
fn run_explain(dir: &Path, args: &[&str]) -> (Run, Vec<serde_json::Value>) {
    let input = dir.join("workloads.yaml");
    std::fs::write(&input, WORKLOADS).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sidecar-injector"))
        .args(["explain", "-o", "json", "-f"])
        .arg(&input)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env("HOME", dir)
        .output()
        .unwrap();
    let run = Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let all = serde_json::from_str(&run.stdout).unwrap_or_default();
    (run, all)
}

fn verdict(all: &[serde_json::Value], name: &str) -> (bool, String) {
    let e = all.iter().find(|e| e["name"] == name).unwrap();
    (
        e["inject"].as_bool().unwrap(),
        e["rule"].as_str().unwrap().to_string(),
    )
}

#[test]
fn explain_reads_namespaces_and_settings_from_the_cluster() {
    let api = explain_cluster();
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url);
    let (r, all) = run_explain(dir.path(), &["--kubeconfig", kc.to_str().unwrap()]);
    assert!(r.ok, "{}", r.stderr);
    // shop's label (from the cluster) lets the API server call us; the cluster's values
    // (autoInject: disabled) then skip the pod by policy.
    assert_eq!(verdict(&all, "web"), (false, "policy".to_string()));
    let web = all.iter().find(|e| e["name"] == "web").unwrap();
    assert!(web["webhook"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["matched"] == true));
    // ghost is not in the cluster: no labels, no webhook entry, said on stderr.
    assert_eq!(
        verdict(&all, "lost"),
        (false, "webhook_selector".to_string())
    );
    assert_eq!(
        r.stderr.trim(),
        "explain: namespace ghost does not exist in the cluster: explained with no labels (or pass --namespace-labels)"
    );
    let seen = api.seen.lock().unwrap().clone();
    for path in [
        "/api/v1/namespaces/shop",
        "/api/v1/namespaces/ghost",
        "/api/v1/namespaces/istio-system/configmaps/istio",
        "/api/v1/namespaces/istio-system/configmaps/istio-sidecar-injector",
    ] {
        assert!(
            seen.contains(&path.to_string()),
            "{path} not read: {seen:?}"
        );
    }
    assert!(
        !seen.contains(&"/api/v1/nodes".to_string()),
        "explain needs no nodes"
    );
}

#[test]
fn explain_flags_override_the_cluster() {
    let api = explain_cluster();
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url);
    let kc = kc.to_str().unwrap();
    // Labels given: the cluster's namespaces are not read; its values still are.
    let (r, all) = run_explain(
        dir.path(),
        &[
            "--kubeconfig",
            kc,
            "--namespace-labels",
            "istio-injection=enabled",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(verdict(&all, "web"), (false, "policy".to_string()));
    assert_eq!(
        verdict(&all, "lost"),
        (false, "policy".to_string()),
        "the flag applies to every namespace"
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let seen = api.seen.lock().unwrap().clone();
    assert!(
        !seen
            .iter()
            .any(|p| p.ends_with("/shop") || p.ends_with("/ghost")),
        "{seen:?}"
    );
    // Everything given: the cluster is not asked at all.
    api.seen.lock().unwrap().clear();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "global: {proxy: {autoInject: enabled}}\n").unwrap();
    let mesh = dir.path().join("mesh.yaml");
    std::fs::write(&mesh, "{}\n").unwrap();
    let (r, all) = run_explain(
        dir.path(),
        &[
            "--kubeconfig",
            kc,
            "--namespace-labels",
            "istio-injection=enabled",
            "--valuesFile",
            values.to_str().unwrap(),
            "--meshConfigFile",
            mesh.to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(verdict(&all, "web"), (true, "policy".to_string()));
    assert!(
        api.seen.lock().unwrap().is_empty(),
        "{:?}",
        api.seen.lock().unwrap()
    );
}

#[test]
fn explain_with_an_unreachable_cluster_fails_once() {
    let api = explain_cluster();
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url);
    let (r, _) = run_explain(
        dir.path(),
        &["--kubeconfig", kc.to_str().unwrap(), "--context", "dead"],
    );
    assert!(!r.ok);
    assert!(
        r.stderr
            .contains("cannot reach the Kubernetes API at http://127.0.0.1:1"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.lines().count() <= 3, "{}", r.stderr);
}
