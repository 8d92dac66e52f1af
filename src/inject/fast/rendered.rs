//! The `sidecar` template's overlay, rendered from what it reads of a pod and kept per
//! settings snapshot for the next pods that give it the same.
//!
//! Pods that differ only in what the template does not read get the same overlay: a
//! DaemonSet's pods (each its node's affinity), a StatefulSet's (each its name and hostname),
//! a rollout's new pods (a new `pod-template-hash`, new app env), pods of one workload the
//! replica memo cannot answer. For them the overlay is rendered, checked and decoded once.
//!
//! Exact by construction: the template renders from the [`Key`] itself, the pod reduced to
//! what the template reads (the annotations, the labels the annotation table names, the
//! containers' names, images and ports, the service account) plus the request's [`Target`],
//! so two pods with equal keys render the same overlay. Were the template to read more of the
//! pod, it would find it absent on every fast-path pod, not only on a hit, and the tests
//! holding the fast path to the general one and to Istio would show it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use crate::annotations::label_names;
use crate::goenc::{Element, EncodeError, Recent};
use crate::inject::Target;
use crate::render::context::Context;
use crate::settings::{ProxyView, Snapshot};

/// Overlays kept per snapshot: enough for the workloads of a busy rollout, small next to the
/// replica memo (an entry is the overlay, its typed pod and the key: tens of KB; the default
/// overlay is ~4.5 KB as JSON).
pub(super) const KEPT: usize = 32;
/// A key over this (its annotations, labels, container names, images and ports) is not
/// kept: the overlay carries parts of the annotations, so this bounds the memo's bytes.
pub(super) const MAX_KEY_BYTES: usize = 16 * 1024;

/// What the `sidecar` template reads of a pod and its request.
#[derive(Debug, PartialEq)]
pub(super) struct Key {
    /// The annotations, and the labels named in the annotation table (the only ones a
    /// template can read: each label the injector reads is spelled there).
    pub meta: ObjectMeta,
    /// The containers' names, images and ports, and the service account.
    pub spec: PodSpec,
    pub target: Target,
    hash: u64,
    bytes: usize,
}

impl Key {
    pub(super) fn of(pod: &Pod, target: &Target) -> Key {
        let labels = pod.metadata.labels.as_ref().map(|labels| {
            label_names()
                .iter()
                .filter_map(|&name| Some((name.to_string(), labels.get(name)?.clone())))
                .collect::<BTreeMap<_, _>>()
        });
        let meta = ObjectMeta {
            annotations: pod.metadata.annotations.clone(),
            labels: labels.filter(|l| !l.is_empty()),
            ..Default::default()
        };
        let spec = pod
            .spec
            .as_ref()
            .map(|spec| PodSpec {
                containers: spec
                    .containers
                    .iter()
                    .map(|c| Container {
                        name: c.name.clone(),
                        image: c.image.clone(),
                        ports: c.ports.clone(),
                        ..Default::default()
                    })
                    .collect(),
                service_account_name: spec.service_account_name.clone(),
                ..Default::default()
            })
            .unwrap_or_default();
        let mut h = foldhash::quality::FixedState::default().build_hasher();
        let mut bytes = 0;
        for map in [&meta.annotations, &meta.labels].into_iter().flatten() {
            map.hash(&mut h);
            bytes += map.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        }
        for c in &spec.containers {
            c.name.hash(&mut h);
            c.image.hash(&mut h);
            bytes += c.name.len() + c.image.as_ref().map_or(0, String::len);
            for p in c.ports.iter().flatten() {
                p.container_port.hash(&mut h);
                p.name.hash(&mut h);
                bytes += 32 + p.name.as_ref().map_or(0, String::len);
            }
        }
        spec.service_account_name.hash(&mut h);
        target.deploy.name.hash(&mut h);
        target.proxy_envs.hash(&mut h);
        Key {
            meta,
            spec,
            target: target.clone(),
            hash: h.finish(),
            bytes,
        }
    }

    /// The template's data for this key (Istio's `SidecarTemplateData`).
    pub(super) fn context<'k>(&'k self, snap: &'k Snapshot, proxy: &'k ProxyView) -> Context<'k> {
        let no_annotations = BTreeMap::new();
        Context {
            values: &snap.values,
            meta: &self.meta,
            spec: &self.spec,
            proxy,
            type_meta: &self.target.type_meta,
            deploy: &self.target.deploy,
            revision: &self.target.revision,
            native_sidecars: self.target.native_sidecars,
            proxy_image: snap.proxy_image(
                proxy.image_type.as_deref(),
                self.meta.annotations.as_ref().unwrap_or(&no_annotations),
            ),
            proxy_uid: 1337,
            proxy_gid: 1337,
        }
    }
}

/// The overlay rendered for a [`Key`], with what the fast path makes of it.
#[derive(Debug)]
pub(super) struct Rendered {
    pub key: Key,
    /// `Null` when not kept (the overlay then went into `template_pod`).
    pub overlay: Value,
    /// Whether the overlay has `$` directives (`merge::has_directives`).
    pub directives: bool,
    /// The overlay merged onto an empty pod, typed: what the template alone puts in the pod.
    pub template_pod: Pod,
    /// The pod's ProxyConfig view; `None`: the snapshot's default (no `proxy.istio.io/config`).
    proxy: Option<ProxyView>,
    pub proxy_envs: BTreeMap<String, String>,
    /// The Go encodings of `template_pod`'s volumes and pull secrets, once asked for.
    encoded: OnceLock<Encoded>,
}

/// The Go encodings of the template pod's volumes and image pull secrets, in its order: what
/// the patch adds of them. No pod's `post_process` changes either, so a kept overlay's serve
/// every pod that finds it.
#[derive(Debug)]
pub(super) struct Encoded {
    pub volumes: Vec<(String, Arc<str>)>,
    pub image_pull_secrets: Vec<(String, Arc<str>)>,
}

impl Encoded {
    fn of(template: &Pod, recent: &Recent) -> Result<Encoded, EncodeError> {
        fn all<T: Element>(
            list: Option<&[T]>,
            recent: &Recent,
        ) -> Result<Vec<(String, Arc<str>)>, EncodeError> {
            let encoded = list
                .unwrap_or_default()
                .iter()
                .map(|e| Ok((e.name().to_string(), recent.encode(e)?)));
            encoded.collect()
        }
        let spec = template.spec.as_ref();
        Ok(Encoded {
            volumes: all(spec.and_then(|s| s.volumes.as_deref()), recent)?,
            image_pull_secrets: all(spec.and_then(|s| s.image_pull_secrets.as_deref()), recent)?,
        })
    }
}

impl Rendered {
    pub(super) fn new(
        key: Key,
        overlay: Value,
        directives: bool,
        template_pod: Pod,
        proxy: Cow<'_, ProxyView>,
        proxy_envs: BTreeMap<String, String>,
    ) -> Rendered {
        Rendered {
            key,
            overlay,
            directives,
            template_pod,
            proxy: match proxy {
                Cow::Borrowed(_) => None,
                Cow::Owned(view) => Some(view),
            },
            proxy_envs,
            encoded: OnceLock::new(),
        }
    }

    /// [`Encoded`] for this overlay: encoded (or found among `recent`'s) the first time.
    pub(super) fn encoded(&self, recent: &Recent) -> Result<&Encoded, EncodeError> {
        if let Some(encoded) = self.encoded.get() {
            return Ok(encoded);
        }
        let encoded = Encoded::of(&self.template_pod, recent)?;
        Ok(self.encoded.get_or_init(|| encoded))
    }

    pub(super) fn proxy<'s>(&'s self, snap: &'s Snapshot) -> &'s ProxyView {
        self.proxy.as_ref().unwrap_or(snap.default_proxy())
    }
}

/// The kept overlays of one snapshot (`Snapshot::rendered`): at most [`KEPT`], the oldest
/// replaced first. An overlay is kept the second time its key is looked up, so a stream of
/// pods that never repeat one (each of another workload) costs no copies and no evictions.
#[derive(Debug, Default)]
pub(super) struct Memo {
    kept: Mutex<Ring>,
    /// Lookups answered from the memo, and those that were not.
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Keys looked up once, by hash: a collision only keeps an overlay a lookup early.
const SEEN: usize = 4 * KEPT;

#[derive(Debug, Default)]
struct Ring {
    entries: Vec<Arc<Rendered>>,
    next: usize,
    seen: Vec<u64>,
    next_seen: usize,
}

/// What [`Memo::get`] found.
pub(super) enum Lookup {
    Kept(Arc<Rendered>),
    /// Not kept; `keep`: the key was looked up before, so keep what is rendered for it.
    Missed {
        keep: bool,
    },
}

impl Memo {
    /// This snapshot's memo (made on first use).
    pub(super) fn of(snap: &Snapshot) -> Option<&Memo> {
        snap.rendered.get_or_init(Memo::default)
    }

    pub(super) fn get(&self, key: &Key) -> Lookup {
        // A poisoned lock (a panic elsewhere while holding it) only loses the memo.
        let Ok(mut ring) = self.kept.lock() else {
            return Lookup::Missed { keep: false };
        };
        let found = ring
            .entries
            .iter()
            .find(|e| e.key.hash == key.hash && e.key == *key)
            .cloned();
        if let Some(found) = found {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Kept(found);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let keep = ring.seen.contains(&key.hash);
        if !keep {
            let Ring {
                seen, next_seen, ..
            } = &mut *ring;
            push_bounded(seen, next_seen, SEEN, key.hash);
        }
        Lookup::Missed {
            keep: keep && key.bytes <= MAX_KEY_BYTES,
        }
    }

    /// Lookups so far: (answered from the memo, not).
    pub(super) fn lookups(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    pub(super) fn keep(&self, rendered: &Arc<Rendered>) {
        if rendered.key.bytes > MAX_KEY_BYTES {
            return;
        }
        let Ok(mut ring) = self.kept.lock() else {
            return;
        };
        let Ring { entries, next, .. } = &mut *ring;
        push_bounded(entries, next, KEPT, Arc::clone(rendered));
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.kept.lock().map_or(0, |r| r.entries.len())
    }
}

/// Appends `item` while `list` has fewer than `cap`, else replaces the oldest (at `next`).
fn push_bounded<T>(list: &mut Vec<T>, next: &mut usize, cap: usize, item: T) {
    if list.len() < cap {
        list.push(item);
    } else if let Some(slot) = list.get_mut(*next) {
        *slot = item;
        *next = (*next + 1) % cap;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn base() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop",
                "labels": {"app": "web", "pod-template-hash": "7d9f8"},
                "annotations": {"sidecar.istio.io/logLevel": "debug"}},
            "spec": {"serviceAccountName": "web", "nodeName": "node-1",
                "containers": [{"name": "web", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "env": [{"name": "A", "value": "1"}],
                    "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}],
                "volumes": [{"name": "data", "emptyDir": {}}]}})
    }

    /// `base()` with `key` set to `value` in the object at `parent`.
    fn with(parent: &str, key: &str, value: Value) -> Pod {
        let mut pod = base();
        if let Some(Value::Object(m)) = pod.pointer_mut(parent) {
            m.insert(key.to_string(), value);
        }
        serde_json::from_value(pod).unwrap()
    }

    #[test]
    fn the_key_holds_what_the_template_reads_and_nothing_else() {
        let target = Target::default();
        let pod: Pod = serde_json::from_value(base()).unwrap();
        let key = Key::of(&pod, &target);
        let unread = [
            ("/metadata", "name", json!("web-2")),
            ("/metadata/labels", "pod-template-hash", json!("5c6b4")),
            ("/spec", "nodeName", json!("node-2")),
            (
                "/spec/containers/0",
                "env",
                json!([{"name": "A", "value": "2"}]),
            ),
            (
                "/spec/containers/0",
                "readinessProbe",
                json!({"tcpSocket": {"port": 80}}),
            ),
            (
                "/spec",
                "volumes",
                json!([{"name": "cache", "emptyDir": {}}]),
            ),
            (
                "/spec",
                "initContainers",
                json!([{"name": "setup", "image": "busybox"}]),
            ),
        ];
        for (parent, name, value) in unread {
            assert_eq!(
                Key::of(&with(parent, name, value), &target),
                key,
                "{parent}/{name}"
            );
        }
        let read = [
            ("/metadata/labels", "app", json!("shop")),
            ("/metadata/labels", "version", json!("v2")),
            ("/metadata/labels", "topology.istio.io/network", json!("n2")),
            (
                "/metadata/annotations",
                "sidecar.istio.io/logLevel",
                json!("info"),
            ),
            ("/metadata/annotations", "example.com/any", json!("x")),
            ("/spec", "serviceAccountName", json!("other")),
            ("/spec/containers/0", "name", json!("app")),
            ("/spec/containers/0", "image", json!("nginx:1.28")),
            ("/spec/containers/0/ports/0", "containerPort", json!(8080)),
            ("/spec/containers/0/ports/0", "name", json!("web")),
        ];
        for (parent, name, value) in read {
            let other = Key::of(&with(parent, name, value), &target);
            assert_ne!(other, key, "{parent}/{name}");
            assert_ne!(other.hash, key.hash, "{parent}/{name}");
        }
        let targets = [
            Target {
                native_sidecars: true,
                ..Target::default()
            },
            Target {
                revision: "canary".into(),
                ..Target::default()
            },
            Target {
                proxy_envs: [("ISTIO_META_NETWORK".to_string(), "n".to_string())].into(),
                ..Target::default()
            },
        ];
        for other in targets {
            assert_ne!(Key::of(&pod, &other), key, "{other:?}");
        }
    }

    /// Pods with one key share one rendered overlay, kept the second time the key comes;
    /// each still gets its own patch, the one a snapshot that never saw the others gives it.
    #[test]
    fn pods_with_one_key_share_the_overlay_and_get_their_own_patch() {
        let snap = Snapshot::from_strs(None, None).unwrap();
        let target = Target::default();
        let first = with("/metadata/labels", "pod-template-hash", json!("1"));
        let second = with(
            "/spec",
            "volumes",
            json!([{"name": "cache", "emptyDir": {}}]),
        );
        let plan = |snap: &Snapshot, pod: &Pod| match super::super::plan(snap, pod, &target) {
            Ok(Ok(plan)) => plan,
            _ => panic!("no fast plan"),
        };
        let patch = |snap: &Snapshot, pod: &Pod, plan| {
            super::super::finish(snap, pod.clone(), plan, &target)
                .unwrap()
                .to_json_patch()
                .unwrap()
        };
        let kept = |snap: &Snapshot| Memo::of(snap).map(Memo::len);
        let once = plan(&snap, &first);
        assert_eq!(kept(&snap), Some(0), "kept on the key's first lookup");
        let twice = plan(&snap, &second);
        assert_eq!(kept(&snap), Some(1));
        let thrice = plan(&snap, &first);
        assert!(Arc::ptr_eq(&twice.rendered, &thrice.rendered));
        assert!(!Arc::ptr_eq(&once.rendered, &twice.rendered));
        assert_eq!(Memo::of(&snap).map(Memo::lookups), Some((1, 2)));
        let fresh = Snapshot::from_strs(None, None).unwrap();
        let alone = plan(&fresh, &second);
        assert_eq!(patch(&snap, &second, twice), patch(&fresh, &second, alone));
        assert_eq!(patch(&snap, &first, once), patch(&snap, &first, thrice));
        // A pod the template reads differently renders its own.
        let other = with("/metadata/labels", "app", json!("shop"));
        let kept_one = plan(&snap, &first).rendered;
        assert!(!Arc::ptr_eq(&plan(&snap, &other).rendered, &kept_one));
        assert!(!Arc::ptr_eq(&plan(&snap, &other).rendered, &kept_one));
        assert_eq!(kept(&snap), Some(2));
    }

    #[test]
    fn the_memo_is_bounded_in_entries_and_key_bytes() {
        let snap = Snapshot::from_strs(None, None).unwrap();
        let target = Target::default();
        let memo = Memo::default();
        let rendered = |pod: &Pod| {
            let key = Key::of(pod, &target);
            let proxy = Cow::Borrowed(snap.default_proxy());
            Arc::new(Rendered::new(
                key,
                json!({}),
                false,
                Pod::default(),
                proxy,
                BTreeMap::new(),
            ))
        };
        let pods: Vec<Pod> = (0..KEPT + 3)
            .map(|i| with("/metadata/labels", "app", json!(format!("app-{i}"))))
            .collect();
        for pod in &pods {
            memo.keep(&rendered(pod));
        }
        assert_eq!(memo.len(), KEPT);
        // The oldest went first.
        let found = |pod: &Pod| matches!(memo.get(&Key::of(pod, &target)), Lookup::Kept(_));
        assert!(!found(&pods[0]));
        assert!(!found(&pods[2]));
        assert!(found(&pods[3]));
        assert!(found(&pods[KEPT + 2]));
        // A pod whose annotations alone pass the bound is rendered, never kept.
        let big = with(
            "/metadata/annotations",
            "example.com/big",
            json!("x".repeat(MAX_KEY_BYTES)),
        );
        let memo = Memo::default();
        memo.keep(&rendered(&big));
        assert_eq!(memo.len(), 0);
    }
}
