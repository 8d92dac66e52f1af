//! A seeded generator of valid workloads and settings for the differential tests: 1–6
//! containers, init containers, every probe kind, named and numbered ports, security contexts,
//! volumes, user `istio-proxy` overrides, already-injected pods; annotation sets drawn from our
//! annotation table (valid, invalid, empty and wildcard values, several at once); values
//! variants (CNI, native sidecars, TPROXY, holdApplicationUntilProxyStarts, imagePullSecrets,
//! revision, custom templates) and mesh variants.

use serde_json::{json, Map, Value};
use sidecar_injector::annotations::{AnnotationSpec, Kind, ANNOTATIONS};

/// splitmix64: small, seedable, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The table's entries a generated pod draws from: all but the revision and namespace
/// names (`istio.io/rev`, `istio-injection`), which act on a namespace or are written by
/// injection. Leaving them out also keeps every seed generating the workload it always has
/// (the oracle floors were measured on those).
pub fn generated_names() -> Vec<&'static AnnotationSpec> {
    ANNOTATIONS
        .iter()
        .filter(|s| !["istio.io/rev", "istio-injection"].contains(&s.name))
        .collect()
}

/// Candidate values for a name of our annotation table: valid, invalid, empty and wildcard.
fn annotation_values(name: &str) -> &'static [&'static str] {
    match name {
        "sidecar.istio.io/interceptionMode" => &["REDIRECT", "TPROXY", "NONE", "bogus", ""],
        "status.sidecar.istio.io/port" => &["15020", "0", "8080", "abc", "", "70000"],
        n if n.starts_with("readiness.status.sidecar.istio.io/") => &["10", "0", "-1", "x", ""],
        "traffic.sidecar.istio.io/includeOutboundIPRanges"
        | "traffic.sidecar.istio.io/excludeOutboundIPRanges" => &[
            "*",
            "10.0.0.0/8,192.168.0.0/16",
            "",
            "bogus",
            "10.0.0.1",
            "fd00::/8",
        ],
        "traffic.sidecar.istio.io/includeInboundPorts" => &["*", "80,8080", "", "abc", "70000"],
        "traffic.sidecar.istio.io/excludeInboundPorts"
        | "traffic.sidecar.istio.io/excludeOutboundPorts"
        | "traffic.sidecar.istio.io/includeOutboundPorts" => &["15020,9090", "443", "", "x,y", "*"],
        "traffic.sidecar.istio.io/excludeInterfaces"
        | "traffic.sidecar.istio.io/kubevirtInterfaces"
        | "istio.io/reroute-virtual-interfaces" => &["eth1", "net1,net2", "", "bad name!"],
        "prometheus.istio.io/merge-metrics"
        | "sidecar.istio.io/rewriteAppHTTPProbers"
        | "sidecar.istio.io/nativeSidecar"
        | "sidecar.istio.io/capNetBindService" => &["true", "false", "maybe", ""],
        "proxy.istio.io/config" => &[
            "concurrency: 3",
            "holdApplicationUntilProxyStarts: true",
            "interceptionMode: TPROXY",
            "proxyMetadata:\n  FOO: bar",
            "tracing: {}",
            "drainDuration: 10s",
            "{bad yaml: [",
            "",
            // One engine reads these for the annotation check and for the pod's ProxyConfig:
            // open enums, validation failures, snake_case and unknown keys, oneofs, headers.
            "interceptionMode: 7\ncontrolPlaneAuthPolicy: 1",
            "controlPlaneAuthPolicy: 7",
            "controlPlaneAuthPolicy: INHERIT",
            "tracing:\n  tlsSettings:\n    credentialName: configmap://n",
            "drainDuration: 1500ms",
            "statusPort: 70000",
            "discoveryAddress: istiod",
            "proxy_admin_port: 15001\nsomeFutureField: {x: 1}",
            "tracingServiceName: CANONICAL_NAME_ONLY\nserviceCluster: x",
            "proxyHeaders:\n  requestId:\n    disabled: true",
            "concurrency: many",
            "tracing: []",
        ],
        "sidecar.istio.io/proxyCPU" | "sidecar.istio.io/proxyCPULimit" => {
            &["100m", "2", "2000m", "bogus", ""]
        }
        "sidecar.istio.io/proxyMemory" | "sidecar.istio.io/proxyMemoryLimit" => {
            &["128Mi", "1G", "1024Mi", "x", ""]
        }
        "sidecar.istio.io/inject" => &["true", "false", "", "yes"],
        "sidecar.istio.io/status" => &[
            r#"{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"imagePullSecrets":null}"#,
        ],
        "sidecar.istio.io/proxyImage" => &["docker.io/istio/proxyv2:1.0", ""],
        "sidecar.istio.io/proxyImageType" => &["distroless", "debug", ""],
        "sidecar.istio.io/bootstrapOverride" => &["my-bootstrap", ""],
        "sidecar.istio.io/userVolume" => &[
            r#"{"v1":{"configMap":{"name":"cm"}}}"#,
            r#"[{"name":"v2","emptyDir":{}}]"#,
            "bad",
            "",
        ],
        "sidecar.istio.io/userVolumeMount" => &[
            r#"{"v1":{"mountPath":"/etc/v1","readOnly":true}}"#,
            r#"[{"name":"v2","mountPath":"/v2"}]"#,
            "bad",
            "",
        ],
        "sidecar.istio.io/logLevel" | "sidecar.istio.io/agentLogLevel" => &["debug", "info", ""],
        "sidecar.istio.io/componentLogLevel" => &["misc:error", "upstream:debug,misc:info", ""],
        "inject.istio.io/templates" => &[
            "sidecar",
            "gateway",
            "sidecar,custom",
            "grpc-agent",
            "grpc-simple",
            "unknown",
            "",
        ],
        "proxy.istio.io/overrides" => &[
            r#"{"containers":[{"name":"istio-proxy","image":"auto"}]}"#,
            "bad",
        ],
        "kubectl.kubernetes.io/default-container"
        | "kubectl.kubernetes.io/default-logs-container" => &["c0", "c1", ""],
        "k8s.v1.cni.cncf.io/networks" => &["net1", r#"[{"name":"net1"}]"#, ""],
        "apm.datadoghq.com/env" => &[r#"{"DD_ENV":"prod"}"#, ""],
        "prometheus.io/scrape" => &["true", "false", ""],
        "prometheus.io/port" => &["9090", "x", ""],
        "prometheus.io/path" => &["/metrics", ""],
        "sidecar.istio.io/inject@label" => &["true", "false", ""],
        _ => &["v1", "", "x y"],
    }
}

fn probe(rng: &mut Rng, port_names: &[String]) -> Value {
    let port = |rng: &mut Rng| -> Value {
        if !port_names.is_empty() && rng.chance(40) {
            json!(rng.pick(port_names))
        } else {
            json!(*rng.pick(&[8080, 80, 9090, 15020, 3000]))
        }
    };
    let mut p = match rng.below(5) {
        0 | 1 => {
            json!({"httpGet": {"path": rng.pick(&["/", "/healthz", "/ready?x=1"]), "port": port(rng)}})
        }
        2 => json!({"tcpSocket": {"port": port(rng)}}),
        3 => json!({"grpc": {"port": *rng.pick(&[8080, 9000])}}),
        _ => json!({"exec": {"command": ["cat", "/tmp/ok"]}}),
    };
    if rng.chance(30) {
        if let Some(h) = p.get_mut("httpGet") {
            h["scheme"] = json!(rng.pick(&["HTTP", "HTTPS"]));
            if rng.chance(50) {
                h["host"] = json!("localhost");
            }
        }
    }
    if rng.chance(40) {
        p["initialDelaySeconds"] = json!(rng.below(20));
        p["periodSeconds"] = json!(1 + rng.below(10));
    }
    p
}

fn container(rng: &mut Rng, name: &str, init: bool) -> Value {
    let mut c = json!({"name": name, "image": format!("example.com/{name}:{}", rng.below(3)), "resources": {}});
    let mut port_names = Vec::new();
    if rng.chance(70) {
        let mut ports = Vec::new();
        for i in 0..1 + rng.below(3) {
            let mut p =
                json!({"containerPort": *rng.pick(&[80, 8080, 9090, 53, 3000, 15020]) + i as i64});
            if rng.chance(50) {
                let n = format!("{}-{i}", rng.pick(&["http", "grpc", "tcp", "metrics"]));
                port_names.push(n.clone());
                p["name"] = json!(n);
            }
            if rng.chance(25) {
                p["protocol"] = json!(rng.pick(&["TCP", "UDP"]));
            }
            ports.push(p);
        }
        c["ports"] = json!(ports);
    }
    if !init {
        for kind in ["readinessProbe", "livenessProbe", "startupProbe"] {
            if rng.chance(35) {
                c[kind] = probe(rng, &port_names);
            }
        }
    }
    if rng.chance(30) {
        let mut sc = Map::new();
        if rng.chance(60) {
            sc.insert(
                "runAsUser".into(),
                json!(*rng.pick(&[0, 1000, 1337, 65534])),
            );
        }
        if rng.chance(40) {
            sc.insert("runAsNonRoot".into(), json!(rng.chance(50)));
        }
        if rng.chance(30) {
            sc.insert(
                "capabilities".into(),
                json!({"add": ["NET_ADMIN"], "drop": ["ALL"]}),
            );
        }
        if rng.chance(20) {
            sc.insert("privileged".into(), json!(rng.chance(50)));
        }
        c["securityContext"] = Value::Object(sc);
    }
    if rng.chance(30) {
        c["resources"] = json!({"requests": {"cpu": rng.pick(&["100m", "1", "250m"]), "memory": rng.pick(&["64Mi", "1Gi"])}});
    }
    if rng.chance(30) {
        c["env"] = json!([{"name": "A", "value": "1"}, {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}]);
    }
    if rng.chance(20) {
        c["volumeMounts"] = json!([{"name": "data", "mountPath": "/data"}]);
    }
    if rng.chance(15) {
        c["args"] = json!(["--port", "8080"]);
    }
    c
}

/// A user-supplied `istio-proxy` container: Istio keeps its fields over the template's.
fn proxy_override(rng: &mut Rng) -> Value {
    let mut c = json!({"name": "istio-proxy", "image": "auto", "resources": {}});
    match rng.below(5) {
        0 => c["securityContext"] = json!({"runAsUser": *rng.pick(&[0, 1000, 1337])}),
        1 => {
            c["resources"] =
                json!({"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m"}})
        }
        2 => c["args"] = json!(["proxy", "sidecar", "--concurrency", "4"]),
        3 => c["env"] = json!([{"name": "EXTRA", "value": "1"}]),
        _ => c["image"] = json!("example.com/proxy:custom"),
    }
    c
}

/// A pod spec and metadata; `annotations`/`labels` drawn from our table.
pub fn pod(rng: &mut Rng) -> Value {
    let n = 1 + rng.below(6);
    let mut containers: Vec<Value> = (0..n)
        .map(|i| container(rng, &format!("c{i}"), false))
        .collect();
    let mut spec = Map::new();
    if rng.chance(30) {
        let inits: Vec<Value> = (0..1 + rng.below(2))
            .map(|i| container(rng, &format!("init{i}"), true))
            .collect();
        spec.insert("initContainers".into(), json!(inits));
    }
    if rng.chance(12) {
        let at = rng.below(containers.len() + 1);
        containers.insert(at, proxy_override(rng));
    }
    spec.insert("containers".into(), json!(containers));
    if rng.chance(30) {
        spec.insert("volumes".into(), json!([{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}]));
    }
    if rng.chance(20) {
        spec.insert("imagePullSecrets".into(), json!([{"name": "mine"}]));
    }
    if rng.chance(20) {
        spec.insert(
            "securityContext".into(),
            json!({"fsGroup": 2000, "runAsUser": *rng.pick(&[1000, 0])}),
        );
    }
    if rng.chance(5) {
        spec.insert("hostNetwork".into(), json!(true));
    }
    if rng.chance(10) {
        spec.insert(
            "dnsPolicy".into(),
            json!(rng.pick(&["Default", "ClusterFirst", "None"])),
        );
    }
    if rng.chance(15) {
        spec.insert("serviceAccountName".into(), json!("sa1"));
    }
    if rng.chance(10) {
        spec.insert(
            "restartPolicy".into(),
            json!(rng.pick(&["Always", "OnFailure", "Never"])),
        );
    }
    let mut annotations = Map::new();
    let mut labels = Map::new();
    if rng.chance(70) {
        labels.insert(
            "app".into(),
            json!(rng.pick(&[
                "hello",
                "web",
                "a-very-long-application-name-that-goes-on-and-on-past-sixty-three"
            ])),
        );
    }
    if rng.chance(40) {
        labels.insert("version".into(), json!(rng.pick(&["v1", "v2"])));
    }
    let count = *rng.pick(&[0, 0, 1, 1, 2, 3, 5]);
    for _ in 0..count {
        let spec = *rng.pick(&generated_names());
        let key = if spec.kind == Kind::Label {
            format!("{}@label", spec.name)
        } else {
            spec.name.to_string()
        };
        let value = rng.pick(annotation_values(&key)).to_string();
        match spec.kind {
            Kind::Annotation => annotations.insert(spec.name.into(), json!(value)),
            Kind::Label => labels.insert(spec.name.into(), json!(value)),
        };
    }
    let mut meta = Map::new();
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    json!({"metadata": meta, "spec": spec})
}

/// A workload manifest around a generated pod template (kube-inject's input).
pub fn workload(rng: &mut Rng, template: &Value) -> Value {
    let ns = rng.pick(&["", "default", "app-ns"]).to_string();
    let mut meta = json!({"name": format!("w{}", rng.below(100))});
    if !ns.is_empty() {
        meta["namespace"] = json!(ns);
    }
    let selector = json!({"matchLabels": {"app": "hello"}});
    let mut tpl = template.clone();
    if !tpl["metadata"].is_object() {
        tpl["metadata"] = json!({});
    }
    match rng.below(8) {
        0 | 1 => {
            let mut pod = tpl;
            pod["apiVersion"] = json!("v1");
            pod["kind"] = json!("Pod");
            let mut m = meta.clone();
            if let Some(obj) = pod["metadata"].as_object() {
                for (k, v) in obj {
                    m[k] = v.clone();
                }
            }
            pod["metadata"] = m;
            pod
        }
        2 => {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": {"selector": selector, "serviceName": "s", "template": tpl}})
        }
        3 => {
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta, "spec": {"selector": selector, "template": tpl}})
        }
        4 => {
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": tpl}})
        }
        5 => {
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": tpl}}}})
        }
        6 => {
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta, "spec": {"selector": selector, "template": tpl}})
        }
        _ => {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {"selector": selector, "replicas": 1, "template": tpl}})
        }
    }
}

/// The pod the API server hands the webhook for a generated template: a Deployment's pod
/// (owner ReplicaSet `NAME-fake`, `pod-template-hash`), a bare pod, or a Job's pod.
pub fn admitted_pod(rng: &mut Rng, template: &Value) -> (Value, String) {
    let ns = rng.pick(&["default", "app-ns"]).to_string();
    let mut pod = template.clone();
    pod["apiVersion"] = json!("v1");
    pod["kind"] = json!("Pod");
    let meta = pod["metadata"]
        .as_object_mut()
        .expect("metadata is an object");
    meta.insert("creationTimestamp".into(), Value::Null);
    match rng.below(3) {
        0 => {
            meta.insert("name".into(), json!(format!("p{}", rng.below(100))));
        }
        1 => {
            meta.insert("generateName".into(), json!("web-fake-"));
            meta.insert("ownerReferences".into(), json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-fake", "uid": "", "controller": true}]));
            let labels = meta.entry("labels").or_insert_with(|| json!({}));
            labels["pod-template-hash"] = json!("fake");
        }
        _ => {
            meta.insert("generateName".into(), json!("job1-"));
            meta.insert("ownerReferences".into(), json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "job1", "uid": "", "controller": true}]));
        }
    }
    if rng.chance(20) {
        meta.insert("namespace".into(), json!(ns));
    }
    pod["status"] = json!({});
    (pod, ns)
}

/// Values variants over the default injector values (JSON text from the oracle).
pub fn values(rng: &mut Rng, base: &Value) -> (String, String) {
    let mut v = base.clone();
    let mut what = Vec::new();
    let set = |v: &mut Value, path: &[&str], val: Value, what: &mut Vec<String>| {
        let mut cur = &mut *v;
        for p in &path[..path.len() - 1] {
            if !cur[*p].is_object() {
                cur[*p] = json!({});
            }
            cur = &mut cur[*p];
        }
        what.push(format!("{}={}", path.join("."), val));
        cur[path[path.len() - 1]] = val;
    };
    if rng.chance(25) {
        set(&mut v, &["pilot", "cni", "enabled"], json!(true), &mut what);
        if rng.chance(30) {
            set(
                &mut v,
                &["pilot", "cni", "provider"],
                json!("multus"),
                &mut what,
            );
        }
    }
    if rng.chance(20) {
        set(
            &mut v,
            &["global", "proxy", "holdApplicationUntilProxyStarts"],
            json!(true),
            &mut what,
        );
    }
    if rng.chance(15) {
        set(
            &mut v,
            &["global", "imagePullSecrets"],
            json!(["s1", "s2"]),
            &mut what,
        );
    }
    if rng.chance(10) {
        set(
            &mut v,
            &["global", "imagePullPolicy"],
            json!(rng.pick(&["Always", "Never", "IfNotPresent"])),
            &mut what,
        );
    }
    if rng.chance(10) {
        set(&mut v, &["revision"], json!("canary"), &mut what);
    }
    if rng.chance(10) {
        set(
            &mut v,
            &["global", "proxy", "includeIPRanges"],
            json!(rng.pick(&["10.0.0.0/8", ""])),
            &mut what,
        );
    }
    if rng.chance(10) {
        set(
            &mut v,
            &["global", "proxy", "excludeInboundPorts"],
            json!("9000"),
            &mut what,
        );
    }
    if rng.chance(8) {
        set(
            &mut v,
            &["global", "proxy", "statusPort"],
            json!(rng.pick(&[0, 15021])),
            &mut what,
        );
    }
    if rng.chance(8) {
        set(
            &mut v,
            &["global", "proxy", "privileged"],
            json!(true),
            &mut what,
        );
    }
    if rng.chance(8) {
        set(&mut v, &["global", "logAsJson"], json!(true), &mut what);
    }
    if rng.chance(8) {
        set(
            &mut v,
            &["sidecarInjectorWebhook", "rewriteAppHTTPProbe"],
            json!(false),
            &mut what,
        );
    }
    if rng.chance(8) {
        set(&mut v, &["global", "network"], json!("net1"), &mut what);
    }
    if rng.chance(12) {
        set(
            &mut v,
            &["sidecarInjectorWebhook", "templates"],
            json!({"custom": "metadata:\n  labels:\n    custom: \"{{ .ObjectMeta.Name | default \"none\" }}\"\nspec:\n  containers:\n  - name: istio-proxy\n    env:\n    - name: CUSTOM\n      value: \"1\"\n"}),
            &mut what,
        );
        if rng.chance(50) {
            set(
                &mut v,
                &["sidecarInjectorWebhook", "defaultTemplates"],
                json!(["sidecar", "custom"]),
                &mut what,
            );
        }
    }
    (
        serde_json::to_string_pretty(&v).expect("values encode"),
        what.join(" "),
    )
}

/// Mesh config variants (YAML, applied over Istio's defaults by both sides).
pub fn mesh(rng: &mut Rng) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut pc: Vec<&str> = Vec::new();
    if rng.chance(15) {
        pc.push(*rng.pick(&["  interceptionMode: TPROXY", "  interceptionMode: REDIRECT"]));
    }
    if rng.chance(10) {
        pc.push("  holdApplicationUntilProxyStarts: true");
    }
    if rng.chance(8) {
        pc.push("  proxyMetadata:\n    FOO: bar");
    }
    if rng.chance(8) {
        pc.push("  drainDuration: 23s\n  concurrency: 2");
    }
    if rng.chance(5) {
        pc.push("  tracing: {}");
    }
    if rng.chance(8) {
        parts.push("enablePrometheusMerge: false");
    }
    if rng.chance(8) {
        parts.push("inboundTrafficPolicy:\n  mode: LOCALHOST");
    }
    if rng.chance(5) {
        parts.push("trustDomain: example.org");
    }
    let mut out = parts.join("\n");
    if !pc.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("defaultConfig:\n");
        out.push_str(&pc.join("\n"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}
