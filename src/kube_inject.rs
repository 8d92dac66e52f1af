//! `kube-inject`: inject every pod template in a multi-document YAML stream.
//!
//! Like `istioctl kube-inject`: workloads are decoded as Kubernetes' typed structs would decode
//! them (so the output carries Go's encoding), kinds without a pod template pass through
//! untouched (byte for byte), `v1` `List`s are injected item by item, and every document is
//! followed by `---`.

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use crate::annotations as n;
use crate::decision::{self, Asker, Decision, Reason};
use crate::inject::{self, InjectError, Target};
use crate::mesh::ProxyConfigAnnotation;
use crate::settings::Snapshot;
use crate::workload;
use crate::workload::{DeployMeta, TypeMeta};
use crate::yaml;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--webhookConfig`: the cluster's webhook injects instead of the local engine.
    pub remote: Option<Remote>,
    pub native_sidecars: bool,
    /// `--native-sidecars=auto` with a cluster: the nodes decide per pod (its `spec.nodeName`).
    pub nodes: Option<crate::native::NodeTable>,
    /// `--revision` (`default` means none, as istioctl reads it). The values' `revision` is
    /// not the injector's revision here: istioctl passes its flag alone.
    pub revision: String,
}

/// An injector elsewhere (the cluster's webhook, [`crate::remote`]): given a pod template as
/// JSON and its namespace, the injected pod, or `None` when it leaves the pod unchanged.
#[derive(Clone)]
pub struct Remote {
    pub name: String,
    #[allow(clippy::type_complexity)]
    pub inject: std::sync::Arc<dyn Fn(&Value, &str) -> Result<Option<Value>, String> + Send + Sync>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("name", &self.name).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KubeInjectError {
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error("document {} ({what}): {message}", .index + 1)]
    Document {
        /// 0-based position in the stream (messages count from 1).
        index: usize,
        what: String,
        message: String,
    },
}

/// Injects a whole stream. `warn` receives istioctl's "===> Skipping injection …" notices.
pub fn inject_stream(
    snap: &Snapshot,
    text: &str,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<String, KubeInjectError> {
    inject_documents(snap, yaml::read_documents(text)?, opts, warn)
}

/// [`inject_stream`] of a stream already read (`yaml::read_documents`), so that the warnings
/// (`document_warnings`) and the injection read it once.
pub fn inject_documents(
    snap: &Snapshot,
    docs: Vec<yaml::Document>,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<String, KubeInjectError> {
    let mut out = String::new();
    for (index, doc) in docs.into_iter().enumerate() {
        let Some(mut value) = doc.value else {
            out.push_str(&doc.raw);
            if !doc.raw.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("---\n");
            continue;
        };
        let what = describe(&value);
        let changed = inject_object(snap, &mut value, opts, warn).map_err(|message| {
            KubeInjectError::Document {
                index,
                what,
                message,
            }
        })?;
        if changed {
            let text = yaml::to_string(&value).map_err(|message| KubeInjectError::Document {
                index,
                what: describe(&value),
                message,
            })?;
            out.push_str(&text);
        } else {
            out.push_str(&doc.raw);
            if !doc.raw.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str("---\n");
    }
    Ok(out)
}

/// `Kind name` of a document, for messages.
pub(crate) fn describe(v: &Value) -> String {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("?");
    match v.pointer("/metadata/name").and_then(Value::as_str) {
        Some(name) => format!("{kind} {name}"),
        None => kind.to_string(),
    }
}

/// The string at a JSON pointer, or "".
pub(crate) fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// A struct field as Go's JSON decoder finds it: the exact key, else one equal to it
/// ignoring case (`mEtadata:` is the Deployment's metadata to Istio, and to our encoder).
fn go_field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A string field found as [`go_field`] finds it, or "".
fn go_str<'a>(v: Option<&'a Value>, name: &str) -> &'a str {
    v.and_then(|v| go_field(v, name))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Injects one object in place. `Ok(false)`: a kind we don't touch (printed as it came).
pub fn inject_object(
    snap: &Snapshot,
    obj: &mut Value,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<bool, String> {
    let api_version = str_at(obj, "/apiVersion").to_string();
    let kind = str_at(obj, "/kind").to_string();
    if kind == "List" && api_version == "v1" {
        if let Some(items) = obj.get_mut("items").and_then(Value::as_array_mut) {
            for (i, item) in items.iter_mut().enumerate() {
                inject_object(snap, item, opts, warn).map_err(|e| format!("items[{i}]: {e}"))?;
            }
        }
        crate::goenc::normalize_object(obj).map_err(|e| e.to_string())?;
        return Ok(true);
    }
    let Some(paths) = workload::template_paths(&api_version, &kind) else {
        return Ok(false);
    };
    inject_template(snap, obj, paths, &api_version, &kind, opts, warn)?;
    crate::goenc::normalize_object(obj).map_err(|e| e.to_string())?;
    Ok(true)
}

/// Decodes a typed struct as Kubernetes' YAML decoder does: a YAML boolean or number where the
/// struct has a string (`sidecar.istio.io/inject: yes`, `mode: 0644`) becomes its text (`"true"`,
/// `"420"`), as sigs.k8s.io/yaml converts scalars for string targets.
fn decode<T: serde::de::DeserializeOwned>(v: &Value, path: &str) -> Result<T, String> {
    let mut owned: Option<Value> = None;
    for _ in 0..256 {
        let current = owned.as_ref().unwrap_or(v);
        let err = match serde_path_to_error::deserialize::<_, T>(current) {
            Ok(t) => return Ok(t),
            Err(e) => e,
        };
        let Some(text) = string_wanted(&err, current) else {
            break;
        };
        let pointer = json_pointer(err.path());
        let target = owned.get_or_insert_with(|| v.clone());
        match target.pointer_mut(&pointer) {
            Some(slot) => *slot = Value::String(text),
            None => break,
        }
    }
    decode_plain(owned.as_ref().unwrap_or(v), path)
}

/// The text Go gives a scalar decoded into a string, when that is what `err` is about.
fn string_wanted(err: &serde_path_to_error::Error<serde_json::Error>, v: &Value) -> Option<String> {
    if !err.inner().to_string().contains("expected a string") {
        return None;
    }
    match v.pointer(&json_pointer(err.path()))? {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => f.to_string(),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

fn decode_plain<T: serde::de::DeserializeOwned>(v: &Value, path: &str) -> Result<T, String> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let at = if inner == "." {
            String::new()
        } else {
            format!(".{inner}")
        };
        format!(
            "{}{at}: {}",
            path.trim_start_matches('/').replace('/', "."),
            e.inner()
        )
    })
}

/// A workload's pod template, decoded, with the workload it belongs to.
struct TemplatePod {
    pod: Pod,
    deploy: DeployMeta,
    type_meta: TypeMeta,
    /// Where the pod lands: the template's namespace, else the workload's.
    namespace: String,
    /// `namespace/name` (or `name`), as istioctl names it in its notices.
    full_name: String,
}

fn template_pod(
    obj: &Value,
    paths: workload::TemplatePaths,
    api_version: &str,
    kind: &str,
) -> Result<TemplatePod, String> {
    let empty = Value::Object(Default::default());
    let meta: ObjectMeta = decode(
        obj.pointer(paths.metadata).unwrap_or(&empty),
        paths.metadata,
    )?;
    let spec: PodSpec = match obj.pointer(paths.spec) {
        Some(s) => decode(s, paths.spec)?,
        None => {
            return Err(format!(
                "{} is required",
                paths.spec.trim_start_matches('/').replace('/', ".")
            ))
        }
    };
    let (deploy, type_meta) = if kind == "Pod" {
        workload::deploy_meta_from_pod(&meta)
    } else {
        (
            DeployMeta {
                name: go_str(go_field(obj, "metadata"), "name").to_string(),
                namespace: go_str(go_field(obj, "metadata"), "namespace").to_string(),
            },
            TypeMeta {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
            },
        )
    };
    let own = |v: &Option<String>, workload: &str| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| workload.to_string())
    };
    let name = own(&meta.name, &deploy.name);
    let namespace = own(&meta.namespace, &deploy.namespace);
    let full_name = if deploy.namespace.is_empty() {
        name
    } else {
        format!("{}/{name}", deploy.namespace)
    };
    Ok(TemplatePod {
        pod: Pod {
            metadata: meta,
            spec: Some(spec),
            status: None,
        },
        deploy,
        type_meta,
        namespace,
        full_name,
    })
}

/// istioctl's words for a skip: host networking is its own check, every other rule is its
/// `injectRequired`.
fn skip_words(decision: &Decision) -> &'static str {
    match decision.main_reason() {
        Some(Reason::HostNetwork) => "has host networking enabled",
        _ => "has sidecar injection disabled",
    }
}

fn inject_template(
    snap: &Snapshot,
    obj: &mut Value,
    paths: workload::TemplatePaths,
    api_version: &str,
    kind: &str,
    opts: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<(), String> {
    let t = template_pod(obj, paths, api_version, kind)?;
    read_proxy_config(snap, &t.pod)?;
    let asker = Asker::KubeInject {
        namespace: &t.namespace,
    };
    let decision = decision::decide_pod(snap, &t.pod, asker);
    if !decision.inject {
        let (full, why) = (&t.full_name, skip_words(&decision));
        warn(format!(
            "===> Skipping injection because {kind} {full:?} {why}\n"
        ));
        return Ok(());
    }
    if let Some(remote) = &opts.remote {
        let sent = serde_json::to_value(&t.pod).map_err(|e| e.to_string())?;
        let Some(injected) = (remote.inject)(&sent, &t.namespace)? else {
            let full = &t.full_name;
            warn(format!(
                "===> Skipping injection because {kind} {full:?} was not changed by {}\n",
                remote.name
            ));
            return Ok(());
        };
        put_back(obj, paths, &injected);
        return Ok(());
    }
    let node = t.pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
    let target = Target {
        type_meta: t.type_meta,
        deploy: t.deploy,
        native_sidecars: match &opts.nodes {
            Some(nodes) => nodes.native_sidecars(node.filter(|n| !n.is_empty())),
            None => opts.native_sidecars,
        },
        proxy_envs: Default::default(),
        // `default` means none, as istioctl reads its flag.
        revision: match opts.revision.as_str() {
            "default" => String::new(),
            r => r.to_string(),
        },
        kube_inject: true,
    };
    let injected =
        inject::inject_pod(snap, &t.pod, &target).map_err(|e: InjectError| e.to_string())?;
    put_back(obj, paths, &injected);
    Ok(())
}

/// istioctl applies a pod template's `proxy.istio.io/config` before it decides (host-network
/// pods aside), so one that does not read as a ProxyConfig refuses the document even when the
/// pod is not injected. Istio's rules on its values are checked only when injecting.
fn read_proxy_config(snap: &Snapshot, pod: &Pod) -> Result<(), String> {
    let host_network = pod
        .spec
        .as_ref()
        .and_then(|s| s.host_network)
        .unwrap_or(false);
    let annotation = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(n::PROXY_CONFIG));
    match annotation {
        Some(text) if !host_network => {
            ProxyConfigAnnotation::read_over(text, snap.mesh.default_config())
                .map(drop)
                .map_err(|e| e.to_string())
        }
        _ => Ok(()),
    }
}

/// The injected pod's metadata and spec, back into the workload's template.
fn put_back(obj: &mut Value, paths: workload::TemplatePaths, injected: &Value) {
    let empty = || Value::Object(Default::default());
    set(
        obj,
        paths.metadata,
        injected.get("metadata").cloned().unwrap_or_else(empty),
    );
    set(
        obj,
        paths.spec,
        injected.get("spec").cloned().unwrap_or_else(empty),
    );
}

/// Writes `value` at a JSON pointer, creating the objects on the way.
fn set(obj: &mut Value, ptr: &str, value: Value) {
    let mut cur = obj;
    let parts: Vec<&str> = ptr.trim_start_matches('/').split('/').collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    for p in parents {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Some(m) = cur.as_object_mut() else { return };
        cur = m
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if let Some(m) = cur.as_object_mut() {
        m.insert(last.to_string(), value);
    }
}

/// The SI warnings (`crate::warnings`) for every pod template of a stream (as read by
/// `yaml::read_documents`), one line each as kube-inject prints them on stderr:
/// `warning: <file> document N <kind>/<name>: SI00x …`. Namespace labels are unknown offline,
/// so the checks that need them stay silent.
pub fn document_warnings(docs: &[yaml::Document], file: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (index, doc) in docs.iter().enumerate() {
        let Some(value) = &doc.value else { continue };
        for pod in workload::pod_views(value) {
            let found = crate::warnings::check(&crate::warnings::Subject {
                labels: Some(&pod.labels),
                annotations: Some(&pod.annotations),
                namespace_labels: None,
                namespaces_by_default: false,
            });
            for w in found {
                out.push(format!(
                    "warning: {file} document {} {}/{}: {w}",
                    index + 1,
                    pod.kind,
                    pod.name
                ));
            }
        }
    }
    out
}
