//! The fast path (patch emitted directly, `src/inject/fast.rs`) against the general path
//! (merge + normalise + diff): wherever the predicate sends a pod the fast way, the two patches
//! applied to the pod as sent must give the same pod. Over generated pods (the differential
//! generator, `FAST_SEEDS=N` seeds, default 3000) with generated settings, and over every pod of
//! the fixtures (ours, the admission reviews, and Istio's own injection inputs). A failure prints
//! the seed and a minimized pod. The routing table checks the predicate's reason per case.

mod oracle_support;

use std::collections::BTreeMap;
use std::path::Path;

use oracle_support::gen::{self, Rng};
use serde_json::{json, Value};
use sidecar_injector::inject::{self, Fallback, Outcome, PodRequest, Route};
use sidecar_injector::settings::Snapshot;

thread_local! {
    /// The settings a webhook URL path carries (`/inject/cluster/C/net/N`), for the runs below.
    static URL_ENVS: std::cell::RefCell<BTreeMap<String, String>> =
        const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// What one path made of a pod: the patched pod, a skip, or the error message.
#[derive(Debug, PartialEq)]
enum Result_ {
    Patched(Value),
    Skipped,
    Refused(String),
}

/// The request both routes below make.
fn with_request<T>(ns: &str, native: bool, f: impl FnOnce(&PodRequest<'_>) -> T) -> T {
    let envs = URL_ENVS.with(|e| e.borrow().clone());
    let req = PodRequest {
        namespace: ns,
        native_sidecars: native,
        proxy_envs: &envs,
        namespace_labels: None,
    };
    f(&req)
}

/// What an answer makes of `pod`: the patch applied, a skip, or the error.
fn outcome_on(
    pod: &Value,
    answer: Result<(Outcome, Option<Route>), inject::InjectError>,
) -> (Result_, Option<Route>) {
    match answer {
        Err(e) => (Result_::Refused(e.to_string()), None),
        Ok((Outcome::Skipped(_), route)) => (Result_::Skipped, route),
        Ok((Outcome::Injected { patch, .. }, route)) => {
            let mut out = pod.clone();
            let patch = patch.to_json_patch().expect("the patch reads back");
            match json_patch::patch(&mut out, &patch) {
                Ok(()) => (Result_::Patched(out), route),
                Err(e) => (
                    Result_::Refused(format!("patch does not apply: {e}")),
                    route,
                ),
            }
        }
    }
}

fn run(
    snap: &Snapshot,
    pod: &Value,
    ns: &str,
    native: bool,
    fast: bool,
) -> (Result_, Option<Route>) {
    let answer = with_request(ns, native, |req| {
        inject::mutate_routed(snap, pod, req, fast)
    });
    outcome_on(pod, answer)
}

/// The webhook's own route: the pod as JSON text (`inject::sent`), kept as text when it is its
/// own Go encoding; the patch applied to `sent` (what `as_sent` makes of the same pod).
fn run_text(
    snap: &Snapshot,
    text: &str,
    sent: &Value,
    ns: &str,
    native: bool,
) -> (Result_, Option<Route>) {
    let object = match inject::sent::Object::read(text) {
        Ok(object) => object,
        Err(e) => return (Result_::Refused(e.to_string()), None),
    };
    let pod = inject::SentPod::new(object, ns);
    let answer = with_request(ns, native, |req| inject::mutate_sent(snap, pod, req));
    outcome_on(sent, answer)
}

/// `Some(description)` when the fast path was taken and disagrees with the general path.
fn divergence(snap: &Snapshot, pod: &Value, ns: &str, native: bool) -> (Option<String>, bool) {
    let (fast, route) = run(snap, pod, ns, native, true);
    let (general, _) = run(snap, pod, ns, native, false);
    let took_fast = matches!(route, Some(Route::Fast { .. }));
    if fast == general {
        return (None, took_fast);
    }
    let what = match (&fast, &general) {
        (Result_::Patched(a), Result_::Patched(b)) => first_difference(a, b, String::new())
            .unwrap_or_else(|| "equal values, different results".into()),
        _ => format!("fast {fast:?}\ngeneral {general:?}"),
    };
    (Some(format!("route {route:?}: {what}")), took_fast)
}

fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (p, q) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if x.contains_key(k) != y.contains_key(k) {
                    return Some(format!("{at}/{k}: fast {p}, general {q} (presence)"));
                }
                if let Some(d) = first_difference(p, q, format!("{at}/{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at}: fast {a}, general {b}")),
    }
}

/// Greedy minimization: drops object members and list elements while the pod still diverges.
fn minimize(snap: &Snapshot, pod: &Value, ns: &str, native: bool) -> Value {
    let mut best = pod.clone();
    let mut budget = 400;
    'outer: loop {
        for path in paths(&best, "") {
            if budget == 0 {
                break 'outer;
            }
            budget -= 1;
            let mut trial = best.clone();
            let mut patch: json_patch::Patch =
                serde_json::from_value(json!([{"op": "remove", "path": path}])).expect("patch");
            if json_patch::patch(&mut trial, &patch).is_err() {
                continue;
            }
            patch.0.clear();
            if divergence(snap, &trial, ns, native).0.is_some() {
                best = trial;
                continue 'outer;
            }
        }
        break;
    }
    best
}

fn paths(v: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                out.extend(paths(c, &p));
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                out.extend(paths(c, &p));
            }
        }
        _ => {}
    }
    out
}

/// The pod as the webhook handler hands it to the core: Go's encoding (what an API server
/// sends), without `managedFields`, the request namespace filled in.
fn as_sent(pod: &Value, ns: &str) -> Value {
    let mut pod = pod.clone();
    if sidecar_injector::goenc::normalize_object(&mut pod).is_err() {
        pod = pod.clone();
    }
    if let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    fill_namespace(&mut pod, ns);
    pod
}

/// The request's namespace for a pod without one, as the webhook fills it in.
fn fill_namespace(pod: &mut Value, ns: &str) {
    if let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut) {
        if meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            meta.insert("namespace".into(), json!(ns));
        }
    }
}

/// The pod as an API server sends it: its namespace filled in, in Go's encoding, with its
/// `managedFields`.
fn api_server_text(pod: &Value, ns: &str) -> String {
    let mut pod = pod.clone();
    fill_namespace(&mut pod, ns);
    let mut normal = pod.clone();
    match sidecar_injector::goenc::normalize_object(&mut normal) {
        Ok(()) => normal.to_string(),
        Err(_) => pod.to_string(),
    }
}

fn base_values() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/settings/defaults/values.yaml"),
    )
    .expect("default values");
    serde_yaml::from_str(&text).expect("default values parse")
}

fn seeds() -> u64 {
    std::env::var("FAST_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn fast_path_equals_general_path_on_generated_pods() {
    let base = base_values();
    let (mut fast, mut text_fast, mut failures) = (0, 0, Vec::new());
    let n = seeds();
    for seed in 0..n {
        let mut rng = Rng::new(seed);
        let template = gen::pod(&mut rng);
        let (values, _) = gen::values(&mut rng, &base);
        let mesh = gen::mesh(&mut rng);
        let native = rng.chance(60);
        let (pod, ns) = gen::admitted_pod(&mut rng, &template);
        let Ok(snap) = Snapshot::from_strs(Some(&values), Some(&mesh)) else {
            continue;
        };
        let text = api_server_text(&pod, &ns);
        let pod = as_sent(&pod, &ns);
        let (diverged, took_fast) = divergence(&snap, &pod, &ns, native);
        fast += usize::from(took_fast);
        // The webhook's route, from the text (`managedFields` and all), gives the same pod.
        let (by_text, route) = run_text(&snap, &text, &pod, &ns, native);
        text_fast += usize::from(matches!(route, Some(Route::Fast { .. })));
        if by_text != run(&snap, &pod, &ns, native, false).0 {
            failures.push(format!(
                "seed {seed}: the text route differs ({route:?}): {text}"
            ));
        }
        if let Some(what) = diverged {
            if failures.len() < 3 {
                let small = minimize(&snap, &pod, &ns, native);
                let why = divergence(&snap, &small, &ns, native).0;
                failures.push(format!(
                    "seed {seed} native={native}: {what}\n  values: {values}\n  mesh: {mesh}\n  minimized pod: {small}\n  which gives: {why:?}"
                ));
            } else {
                failures.push(format!("seed {seed}: {what}"));
            }
        }
    }
    println!(
        "fast path: {fast} of {n} generated pods ({text_fast} from the text), {} diverged",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not vacuous: the generator makes plenty of ordinary pods, most sent in Go's encoding.
    assert!(
        fast * 4 >= n as usize,
        "only {fast} of {n} pods took the fast path"
    );
    assert!(
        text_fast * 2 >= fast,
        "only {text_fast} of {fast} fast pods were read as text"
    );
}

/// The generated pod of `seed` as admitted, its namespace, and whether it gets native sidecars.
fn generated(seed: u64) -> (Value, String, bool) {
    let mut rng = Rng::new(seed);
    let template = gen::pod(&mut rng);
    let native = rng.chance(60);
    let (pod, ns) = gen::admitted_pod(&mut rng, &template);
    (pod, ns, native)
}

/// One settings snapshot for all the generated pods: each injection finds most of its elements
/// (and env variables) among those the earlier pods kept (`goenc::Recent`), some not, and the
/// patch must still be the general path's. A pod injected twice gets the same patch.
#[test]
fn fast_path_with_kept_encodings_equals_general_path() {
    let snap = Snapshot::from_strs(None, None).expect("default settings");
    let (mut fast, mut failures) = (0, Vec::new());
    let n = seeds();
    for seed in 0..n {
        let (pod, ns, native) = generated(seed);
        let pod = as_sent(&pod, &ns);
        let (diverged, took_fast) = divergence(&snap, &pod, &ns, native);
        fast += usize::from(took_fast);
        if let Some(what) = diverged {
            failures.push(format!("seed {seed} native={native}: {what}"));
        } else if took_fast {
            let (first, _) = run(&snap, &pod, &ns, native, true);
            let (again, _) = run(&snap, &pod, &ns, native, true);
            if again != first {
                failures.push(format!("seed {seed}: injected twice, two patches"));
            }
        }
        if failures.len() == 3 {
            break;
        }
    }
    println!("fast path with kept encodings: {fast} of {n} generated pods");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        fast * 4 >= n as usize,
        "only {fast} of {n} pods took the fast path"
    );
    assert!(!snap.encodings.is_empty());
}

/// Pods that differ only in what the `sidecar` template does not read: another name, a
/// `pod-template-hash`, a node, an env variable, a volume (a rollout's, a DaemonSet's, a
/// StatefulSet's pods).
fn siblings(pod: &Value, seed: u64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut edit = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut p = pod.clone();
        if let Some(obj) = p.as_object_mut() {
            f(obj);
        }
        out.push(p);
    };
    let sub = |obj: &mut serde_json::Map<String, Value>,
               key: &str|
     -> Option<serde_json::Map<String, Value>> {
        obj.get(key).and_then(Value::as_object).cloned()
    };
    edit(&|obj| {
        let mut meta = sub(obj, "metadata").unwrap_or_default();
        meta.insert("name".into(), json!(format!("sibling-{seed}")));
        obj.insert("metadata".into(), Value::Object(meta));
    });
    edit(&|obj| {
        let mut meta = sub(obj, "metadata").unwrap_or_default();
        let mut labels = meta
            .get("labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        labels.insert("pod-template-hash".into(), json!(format!("h{seed}")));
        meta.insert("labels".into(), Value::Object(labels));
        obj.insert("metadata".into(), Value::Object(meta));
    });
    edit(&|obj| {
        let Some(mut spec) = sub(obj, "spec") else {
            return;
        };
        spec.insert("nodeName".into(), json!(format!("node-{seed}")));
        let mut volumes = spec
            .get("volumes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        volumes.push(json!({"name": format!("sibling-{seed}"), "emptyDir": {}}));
        spec.insert("volumes".into(), Value::Array(volumes));
        if let Some(c) = spec
            .get_mut("containers")
            .and_then(Value::as_array_mut)
            .and_then(|c| c.first_mut())
            .and_then(Value::as_object_mut)
        {
            let mut env = c
                .get("env")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            env.push(json!({"name": "SIBLING", "value": seed.to_string()}));
            c.insert("env".into(), Value::Array(env));
        }
        obj.insert("spec".into(), Value::Object(spec));
    });
    out
}

/// One settings snapshot for generated pods and their siblings ([`siblings`]): a sibling finds
/// the overlay its pod rendered kept (`inject::fast::rendered`), and its patch must still be
/// the general path's.
#[test]
fn fast_path_with_kept_overlays_equals_general_path() {
    let snap = Snapshot::from_strs(None, None).expect("default settings");
    let (mut fast, mut failures) = (0, Vec::new());
    let n = seeds();
    for seed in 0..n {
        let (pod, ns, native) = generated(seed);
        for (i, pod) in std::iter::once(pod.clone())
            .chain(siblings(&pod, seed))
            .enumerate()
        {
            let pod = as_sent(&pod, &ns);
            let (diverged, took_fast) = divergence(&snap, &pod, &ns, native);
            fast += usize::from(took_fast);
            if let Some(what) = diverged {
                failures.push(format!("seed {seed} sibling {i} native={native}: {what}"));
            }
        }
        if failures.len() >= 3 {
            break;
        }
    }
    let (kept, rendered) = inject::overlay_lookups(&snap);
    println!("kept overlays: {kept} found, {rendered} rendered, {fast} fast pods");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Of a pod and its three siblings, the second with the key keeps the overlay and those
    // after it find it; another pod name is another workload for a pod without an owner.
    assert!(
        kept * 5 >= fast as u64,
        "only {kept} of {fast} fast pods found their overlay kept"
    );
}

/// Every pod in a manifest: Pods as they are, workloads' templates as their pods.
fn pods_of(text: &str) -> Vec<Value> {
    let docs = sidecar_injector::yaml::read_documents(text).unwrap_or_default();
    let mut out = Vec::new();
    for doc in docs.into_iter().filter_map(|d| d.value) {
        let items = match doc.get("items").and_then(Value::as_array) {
            Some(items) => items.clone(),
            None => vec![doc],
        };
        for d in items {
            let template = d
                .pointer("/spec/template")
                .or_else(|| d.pointer("/spec/jobTemplate/spec/template"));
            match (d.get("kind").and_then(Value::as_str), template) {
                (Some("Pod"), _) => out.push(d.clone()),
                (_, Some(t)) => {
                    let mut pod = t.clone();
                    pod["apiVersion"] = json!("v1");
                    pod["kind"] = json!("Pod");
                    out.push(pod);
                }
                _ => {}
            }
        }
    }
    out
}

fn fixture_settings() -> Vec<(Snapshot, bool)> {
    let holds = "global:\n  proxy:\n    holdApplicationUntilProxyStarts: true\n";
    let cni = "pilot:\n  cni:\n    enabled: true\n";
    let secrets = "global:\n  imagePullSecrets: [reg1, reg2]\n";
    let mut out = Vec::new();
    for values in [None, Some(holds), Some(cni), Some(secrets)] {
        for native in [false, true] {
            let snap = Snapshot::from_strs(values, None).expect("fixture settings");
            out.push((snap, native));
        }
    }
    out
}

fn check_fixture_pods(pods: &[(String, Value)]) -> usize {
    let settings = fixture_settings();
    let (mut fast, mut failures) = (0, Vec::new());
    for (name, pod) in pods {
        let pod = as_sent(pod, "fixture-ns");
        for (i, (snap, native)) in settings.iter().enumerate() {
            let (diverged, took_fast) = divergence(snap, &pod, "fixture-ns", *native);
            fast += usize::from(took_fast);
            if let Some(what) = diverged {
                let small = minimize(snap, &pod, "fixture-ns", *native);
                failures.push(format!(
                    "{name} (settings {i}): {what}\n  minimized pod: {small}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Each settings snapshot served all the pods above, so most injected elements came from
    // the encodings kept for earlier pods (`goenc::Recent`), and still equal the general path.
    assert!(
        settings.iter().all(|(snap, _)| !snap.encodings.is_empty()),
        "the fast path keeps the elements it encodes"
    );
    fast
}

#[test]
fn fast_path_equals_general_path_on_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut pods = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("kube-inject"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let text = std::fs::read_to_string(dir.join("input.yaml")).unwrap_or_default();
        for pod in pods_of(&text) {
            pods.push((dir.display().to_string(), pod));
        }
    }
    let mut reviews: Vec<_> = std::fs::read_dir(root.join("admission"))
        .expect("admission fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    reviews.sort();
    for file in reviews {
        let text = std::fs::read_to_string(&file).expect("review");
        let review: Value = serde_json::from_str(&text).expect("review JSON");
        if let Some(pod) = review
            .pointer("/request/object")
            .filter(|p| p["kind"] == "Pod")
        {
            pods.push((file.display().to_string(), pod.clone()));
        }
    }
    let fast = check_fixture_pods(&pods);
    println!("fast path: {fast} of {} fixture runs", pods.len() * 8);
    assert!(fast > 0);
    // Again with cluster and network from the URL path: they change the proxy's env and labels.
    URL_ENVS.with(|e| {
        *e.borrow_mut() = BTreeMap::from([
            ("ISTIO_META_CLUSTER_ID".to_string(), "c1".to_string()),
            ("ISTIO_META_NETWORK".to_string(), "n1".to_string()),
        ])
    });
    assert!(check_fixture_pods(&pods) > 0);
}

/// Istio's own injection inputs (read from the istio.io/istio module the oracle is built from).
#[test]
fn fast_path_equals_general_path_on_istio_inputs() {
    let dir = oracle_support::istio_module_dir().join("pkg/kube/inject/testdata/inject");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("Istio's testdata")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".yaml") && !n.ends_with(".iop.yaml")
        })
        .collect();
    names.sort();
    let mut pods = Vec::new();
    for file in names {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for pod in pods_of(&text) {
            pods.push((file.display().to_string(), pod));
        }
    }
    assert!(
        pods.len() > 50,
        "only {} pods in Istio's inputs",
        pods.len()
    );
    let fast = check_fixture_pods(&pods);
    println!("fast path: {fast} of {} Istio input runs", pods.len() * 8);
    assert!(fast > 0);
}

// ---- routing: which pods take which path, and why ----

fn ordinary() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx",
            "ports": [{"containerPort": 80}],
            "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}})
}

/// The route, whether the overlay was found kept left out (see [`overlay_kept_on_the_second_repeat`]).
fn route_of(snap: &Snapshot, pod: &Value, native: bool) -> Option<Route> {
    match kept_route_of(snap, pod, native) {
        Some(Route::Fast { .. }) => Some(Route::Fast {
            overlay_kept: false,
        }),
        other => other,
    }
}

fn kept_route_of(snap: &Snapshot, pod: &Value, native: bool) -> Option<Route> {
    let pod = as_sent(pod, "shop");
    let (result, route) = run(snap, &pod, "shop", native, true);
    assert!(
        !matches!(result, Result_::Refused(_)),
        "refused: {result:?}"
    );
    route
}

/// The route says whether the overlay was found kept: not for a key's first two pods (the
/// second keeps it), then yes; another workload's pod renders its own.
#[test]
fn overlay_kept_on_the_second_repeat() {
    let snap = Snapshot::from_strs(None, None).expect("defaults");
    let kept = |pod: &Value| match kept_route_of(&snap, pod, false) {
        Some(Route::Fast { overlay_kept }) => overlay_kept,
        other => panic!("not the fast path: {other:?}"),
    };
    let pod = ordinary();
    let sibling = with(ordinary(), "/metadata/name", json!("web-2"));
    assert!(!kept(&pod));
    assert!(!kept(&pod));
    assert!(kept(&pod));
    // Without an owner the pod's name is its workload's.
    assert!(!kept(&sibling));
    let probed = with(
        ordinary(),
        "/spec/containers/0/readinessProbe",
        json!({"httpGet": {"path": "/healthz", "port": 80}}),
    );
    assert!(kept(&probed));
}

fn with(mut pod: Value, path: &str, value: Value) -> Value {
    *pod.pointer_mut(path).expect("path exists") = value;
    pod
}

fn with_templates(config: &str) -> Snapshot {
    use sidecar_injector::settings::inject_config::InjectConfig;
    let mut snap = Snapshot::from_strs(None, None).expect("defaults");
    let (cfg, form) = InjectConfig::parse(config, "test").expect("inject config");
    snap.add_inject_config(&cfg, form).expect("templates");
    snap
}

#[test]
fn routing() {
    let snap = Snapshot::from_strs(None, None).expect("defaults");
    let fast = Some(Route::Fast {
        overlay_kept: false,
    });
    let general = |why| Some(Route::General(why));
    assert_eq!(route_of(&snap, &ordinary(), false), fast);
    assert_eq!(route_of(&snap, &ordinary(), true), fast);

    let own_proxy = with(
        ordinary(),
        "/spec/containers",
        json!([{"name": "web", "image": "nginx"}, {"name": "istio-proxy", "image": "auto",
            "resources": {"limits": {"cpu": "2"}}}]),
    );
    assert_eq!(
        route_of(&snap, &own_proxy, false),
        general(Fallback::OwnSidecarContainer("istio-proxy".into()))
    );
    let mut own_init = ordinary();
    own_init["spec"]["initContainers"] = json!([{"name": "istio-init", "image": "auto"}]);
    assert_eq!(
        route_of(&snap, &own_init, false),
        general(Fallback::OwnSidecarContainer("istio-init".into()))
    );

    let mut overrides = ordinary();
    overrides["metadata"]["annotations"] =
        json!({"proxy.istio.io/overrides": "{\"containers\":[]}"});
    assert_eq!(
        route_of(&snap, &overrides, false),
        general(Fallback::Overrides)
    );

    let mut gateway = ordinary();
    gateway["metadata"]["annotations"] = json!({"inject.istio.io/templates": "gateway"});
    gateway["spec"]["containers"][0]["name"] = json!("istio-proxy");
    gateway["spec"]["containers"][0]["image"] = json!("auto");
    assert!(matches!(
        route_of(&snap, &gateway, false),
        Some(Route::General(Fallback::OwnSidecarContainer(_)))
    ));
    let mut two = ordinary();
    two["metadata"]["annotations"] = json!({"inject.istio.io/templates": "sidecar,spire"});
    let custom_snap = with_templates(
        "templates:\n  spire: |\n    metadata:\n      labels:\n        spire: \"yes\"\n",
    );
    assert_eq!(
        route_of(&custom_snap, &two, false),
        general(Fallback::Templates(vec!["sidecar".into(), "spire".into()]))
    );
    // A bare template file is a custom `sidecar`.
    let custom_sidecar = with_templates("metadata:\n  labels:\n    mine: \"yes\"\n");
    assert_eq!(
        route_of(&custom_sidecar, &ordinary(), false),
        general(Fallback::Templates(vec!["sidecar".into()]))
    );

    // Re-injection: our own output is left alone; an injection by other settings is redone.
    let sent = as_sent(&ordinary(), "shop");
    let Result_::Patched(injected) = run(&snap, &sent, "shop", false, true).0 else {
        panic!("ordinary pod not injected");
    };
    let again = run(&snap, &injected, "shop", false, true);
    assert_eq!(
        again.1, None,
        "already injected: skipped, got {again:?} for {injected}"
    );
    let other =
        Snapshot::from_strs(Some("pilot:\n  cni:\n    enabled: true\n"), None).expect("values");
    assert_eq!(
        route_of(&other, &injected, false),
        general(Fallback::PreviousInjection)
    );

    // A hand-made review (not Go's encoding): the general path patches from it as sent.
    let mut bare = ordinary();
    bare["spec"]["containers"][0]
        .as_object_mut()
        .map(|c| c.remove("ports"));
    let envs = BTreeMap::new();
    let req = PodRequest {
        namespace: "shop",
        native_sidecars: false,
        proxy_envs: &envs,
        namespace_labels: None,
    };
    let (_, route) = inject::mutate_routed(&snap, &bare, &req, true).expect("injects");
    assert_eq!(route, general(Fallback::NotGoEncoded));
}
