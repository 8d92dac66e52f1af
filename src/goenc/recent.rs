//! Go encodings of the typed elements encoded lately (the webhook's fast path).
//!
//! What the fast path injects is, element by element, mostly what it injected into the pod
//! before: `istio-init` and the volumes depend on the settings and a few annotations only,
//! `istio-proxy` on the workload, and there mostly on a few env values. Encoding an element
//! (serialise it, Go-normalise it, print it) costs far more than finding it again, so each
//! settings snapshot keeps the last few of each kind and finds them by equality of the typed
//! element; a container is kept without its env, whose variables are kept one by one. Equal
//! elements encode equally, so a hit is exactly what encoding would have given; the tables are
//! bounded, least recently used out first.

use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{
    Container, EnvVar, Lifecycle, LocalObjectReference, Probe, Volume,
};
use serde::Serialize;

use super::schema::Struct;
use super::{table, GoEncError};

/// Elements kept per kind: a mesh's few `istio-init` variants and the `istio-proxy` of the
/// workloads rolling out now; volumes: the eight injected ones and their variants.
const CONTAINERS: usize = 32;
const VOLUMES: usize = 32;
const PULL_SECRETS: usize = 8;
/// The app containers' probes and lifecycle handlers as the probe rewrite leaves them: a
/// workload's pods share theirs.
const PROBES: usize = 32;
const LIFECYCLES: usize = 8;
/// A proxy has ~25 env variables, a handful of them the workload's own.
const ENV_VARS: usize = 256;
/// The longest encoding kept, per kind. Annotations reach the injected elements (a
/// `proxy.istio.io/config` becomes the proxy's `PROXY_CONFIG`), so any pod creator chooses
/// their size: without a bound, 256 env variables of ~256 KiB each would be 64 MiB held. With
/// these, the tables hold at most ~5 MiB (text and typed copy); a longer element is encoded
/// every time, as it was before the tables. Ordinary ones are far below (a proxy without its
/// env ~2 KiB, a variable ~0.1-1 KiB).
const MAX_CONTAINER: usize = 16 * 1024;
const MAX_ELEMENT: usize = 4 * 1024;

/// Where Go prints a container's `env`: right before `resources`, a struct it always prints
/// (and the first field named so in a container's encoding: no struct printed before it has
/// one, and a key inside a JSON string has its quotes escaped).
const BEFORE_ENV: &str = r#","resources":"#;

/// Why an element has no encoding.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("serialising: {0}")]
    Json(#[source] serde_json::Error),
    #[error(transparent)]
    Go(#[from] GoEncError),
}

/// The per-snapshot tables. A clone starts empty: it is a cache, not part of the settings.
#[derive(Debug)]
pub struct Recent {
    containers: Store<Container>,
    env: Store<EnvVar>,
    volumes: Store<Volume>,
    pull_secrets: Store<LocalObjectReference>,
    probes: Store<Probe>,
    lifecycles: Store<Lifecycle>,
}

impl Default for Recent {
    fn default() -> Recent {
        Recent {
            containers: Store::new(CONTAINERS, MAX_CONTAINER),
            env: Store::new(ENV_VARS, MAX_ELEMENT),
            volumes: Store::new(VOLUMES, MAX_ELEMENT),
            pull_secrets: Store::new(PULL_SECRETS, MAX_ELEMENT),
            probes: Store::new(PROBES, MAX_ELEMENT),
            lifecycles: Store::new(LIFECYCLES, MAX_ELEMENT),
        }
    }
}

impl Clone for Recent {
    fn clone(&self) -> Recent {
        Recent::default()
    }
}

/// A typed Kubernetes struct and the Go struct it encodes as.
pub(crate) trait GoStruct: Serialize {
    const DEF: &'static Struct;
}

macro_rules! go_struct {
    ($($ty:ty => $def:ident),* $(,)?) => {
        $(impl GoStruct for $ty {
            const DEF: &'static Struct = &table::$def;
        })*
    };
}

go_struct! {
    Container => CONTAINER,
    EnvVar => ENV_VAR,
    Volume => VOLUME,
    LocalObjectReference => LOCAL_OBJECT_REFERENCE,
    Probe => PROBE,
    Lifecycle => LIFECYCLE,
}

/// A kind the tables keep: a pod-spec list element, or a container's probe or handler.
pub(crate) trait Element: GoStruct + PartialEq + Clone {
    /// Its merge key (`name` for the list elements), compared first; `""` for the others.
    fn name(&self) -> &str;
    fn store(recent: &Recent) -> &Store<Self>;
    /// [`Recent::encode`], or the kind's own way.
    fn encode_in(&mut self, recent: &Recent) -> Result<Arc<str>, EncodeError> {
        recent.encode(self)
    }
}

impl Element for Container {
    fn name(&self) -> &str {
        &self.name
    }
    fn store(recent: &Recent) -> &Store<Self> {
        &recent.containers
    }
    fn encode_in(&mut self, recent: &Recent) -> Result<Arc<str>, EncodeError> {
        recent.encode_container(self)
    }
}

/// The kinds kept as they are, each in its table, found by name first.
macro_rules! element {
    ($($ty:ty => $table:ident),* $(,)?) => {
        $(impl Element for $ty {
            fn name(&self) -> &str {
                &self.name
            }
            fn store(recent: &Recent) -> &Store<Self> {
                &recent.$table
            }
        })*
    };
}

element! {
    EnvVar => env,
    Volume => volumes,
    LocalObjectReference => pull_secrets,
}

/// The kinds without a merge key, found by equality alone.
macro_rules! unnamed {
    ($($ty:ty => $table:ident),* $(,)?) => {
        $(impl Element for $ty {
            fn name(&self) -> &str {
                ""
            }
            fn store(recent: &Recent) -> &Store<Self> {
                &recent.$table
            }
        })*
    };
}

unnamed! {
    Probe => probes,
    Lifecycle => lifecycles,
}

impl Recent {
    /// `element` as Go encodes it (compact JSON text): kept from an equal element, or encoded
    /// now and kept.
    pub(crate) fn encode<T: Element>(&self, element: &T) -> Result<Arc<str>, EncodeError> {
        let store = T::store(self);
        if let Some(hit) = store.find(element) {
            return Ok(hit);
        }
        let encoded = encode(element)?;
        store.keep(element, &encoded);
        Ok(encoded)
    }

    /// [`Recent::encode`] for a container: the container without its env, and each env
    /// variable, found or encoded on their own; the container is left as it was.
    pub(crate) fn encode_container(&self, c: &mut Container) -> Result<Arc<str>, EncodeError> {
        let env = c.env.take();
        let rest = self.encode(c);
        c.env = env;
        let rest = rest?;
        // Go omits an empty env (`omitempty`).
        let Some(env) = c.env.as_deref().filter(|e| !e.is_empty()) else {
            return Ok(rest);
        };
        let Some((head, tail)) = rest.find(BEFORE_ENV).map(|at| rest.split_at(at)) else {
            return encode(c);
        };
        let mut text = String::with_capacity(rest.len() + env.len() * 96);
        text.push_str(head);
        text.push_str(r#","env":["#);
        for (i, var) in env.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            if !plain_env(&mut text, var) {
                text.push_str(&self.encode(var)?);
            }
        }
        text.push(']');
        text.push_str(tail);
        Ok(Arc::from(text))
    }

    /// How many elements are kept, all kinds together.
    pub fn len(&self) -> usize {
        self.containers.len() + self.env.len() + self.volumes.len() + self.pull_secrets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An env variable with a plain value that needs no escaping, as Go encodes it (`name`, then
/// `value` unless empty: `omitempty`), written directly; `false` (nothing written) for any
/// other. Cheaper than finding it among the 256 kept ones, and the values a workload of its
/// own brings (its names) would only crowd that table. Values that need escaping (JSON ones:
/// `PROXY_CONFIG`, the pod's ports) are kept, escaped once.
fn plain_env(out: &mut String, var: &EnvVar) -> bool {
    let value = var.value.as_deref().unwrap_or("");
    let escaped = crate::scan::needs_escape;
    if var.value_from.is_some() || escaped(&var.name) || escaped(value) {
        return false;
    }
    out.push_str(r#"{"name":""#);
    out.push_str(&var.name);
    if !value.is_empty() {
        out.push_str(r#"","value":""#);
        out.push_str(value);
    }
    out.push_str(r#""}"#);
    true
}

/// Serialise, Go-normalise as `T::DEF`, print.
fn encode<T: GoStruct>(element: &T) -> Result<Arc<str>, EncodeError> {
    let mut value = serde_json::to_value(element).map_err(EncodeError::Json)?;
    super::normalize_as(&mut value, T::DEF)?;
    let text = serde_json::to_string(&value).map_err(EncodeError::Json)?;
    Ok(Arc::from(text))
}

/// One kind's table.
#[derive(Debug)]
pub(crate) struct Store<T> {
    capacity: usize,
    /// Encodings longer than this are not kept.
    max_len: usize,
    inner: Mutex<Slots<T>>,
}

#[derive(Debug)]
struct Slots<T> {
    clock: u64,
    slots: Vec<Slot<T>>,
}

#[derive(Debug)]
struct Slot<T> {
    element: T,
    encoded: Arc<str>,
    used: u64,
}

impl<T: Element> Store<T> {
    fn new(capacity: usize, max_len: usize) -> Store<T> {
        Store {
            capacity,
            max_len,
            inner: Mutex::new(Slots {
                clock: 0,
                slots: Vec::new(),
            }),
        }
    }

    fn len(&self) -> usize {
        self.inner.lock().map_or(0, |s| s.slots.len())
    }

    /// A poisoned lock is a miss: the table is only ever a shortcut.
    fn find(&self, element: &T) -> Option<Arc<str>> {
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let slot = inner
            .slots
            .iter_mut()
            .find(|s| s.element.name() == element.name() && s.element == *element)?;
        slot.used = now;
        Some(Arc::clone(&slot.encoded))
    }

    fn keep(&self, element: &T, encoded: &Arc<str>) {
        if encoded.len() > self.max_len {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.clock += 1;
        let slot = Slot {
            element: element.clone(),
            encoded: Arc::clone(encoded),
            used: inner.clock,
        };
        if inner.slots.len() < self.capacity {
            inner.slots.push(slot);
        } else if let Some(old) = inner.slots.iter_mut().min_by_key(|s| s.used) {
            *old = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container(name: &str, image: &str) -> Container {
        Container {
            name: name.into(),
            image: Some(image.into()),
            ..Default::default()
        }
    }

    /// A hit is what encoding gives; a different element is encoded anew.
    #[test]
    fn kept_encodings_are_the_encodings() {
        let recent = Recent::default();
        let a = container("istio-proxy", "proxyv2:1");
        let b = container("istio-proxy", "proxyv2:2");
        let first = recent.encode(&a).unwrap();
        assert_eq!(recent.len(), 1);
        let again = recent.encode(&a.clone()).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "an equal element is found");
        let other = recent.encode(&b).unwrap();
        assert_eq!(other, encode(&b).unwrap());
        assert_ne!(other, first);
        // Go's encoding: `resources: {}` is always printed, fields in Go order.
        let value: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(
            value,
            json!({"name": "istio-proxy", "image": "proxyv2:1", "resources": {}})
        );
        assert_eq!(
            &*first,
            r#"{"name":"istio-proxy","image":"proxyv2:1","resources":{}}"#
        );
    }

    /// A plain env variable written directly is what encoding it gives; one that needs
    /// escaping is left to the table.
    #[test]
    fn plain_env_variables_encode_as_go_does() {
        let texts = [
            "",
            "v",
            "<&>",
            "a\"b\\c",
            "line\nbreak\t",
            "\u{1}\u{2028}é",
            "1",
        ];
        for name in ["X", "", "ISTIO_META_WORKLOAD_NAME", "<n>"] {
            for value in texts.iter().map(|v| Some(v.to_string())).chain([None]) {
                let var = EnvVar {
                    name: name.into(),
                    value,
                    value_from: None,
                };
                let mut direct = String::new();
                if plain_env(&mut direct, &var) {
                    assert_eq!(direct, &*encode(&var).unwrap(), "{var:?}");
                } else {
                    assert!(direct.is_empty());
                    assert!(
                        name.contains(['"', '\\'])
                            || var
                                .value
                                .iter()
                                .any(|v| v.contains(['"', '\\', '\n', '\t', '\u{1}'])),
                        "{var:?}"
                    );
                }
            }
        }
    }

    /// A container's env, spliced in, is where Go prints it; the container is unchanged.
    #[test]
    fn a_container_with_its_env_encodes_as_a_whole() {
        let recent = Recent::default();
        let var = |name: &str, value: &str| EnvVar {
            name: name.into(),
            value: Some(value.into()),
            ..Default::default()
        };
        let pod_name = EnvVar {
            name: "POD_NAME".into(),
            value_from: Some(k8s_openapi::api::core::v1::EnvVarSource {
                field_ref: Some(k8s_openapi::api::core::v1::ObjectFieldSelector {
                    api_version: Some("v1".into()),
                    field_path: "metadata.name".into(),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut c = Container {
            name: "istio-proxy".into(),
            args: Some(vec!["proxy".into()]),
            ports: Some(vec![Default::default()]),
            env: Some(vec![
                var("A", "1"),
                pod_name.clone(),
                var("resources", "\",\"resources\":"),
            ]),
            readiness_probe: Some(Default::default()),
            ..Default::default()
        };
        let whole = encode(&c).unwrap();
        let before = c.clone();
        assert_eq!(recent.encode_container(&mut c).unwrap(), whole);
        assert_eq!(c, before);
        // Again, every part found: the container, the `valueFrom` variable and the one whose
        // value needs escaping are kept, the plain one written directly; with another plain
        // value, the same three.
        assert_eq!(recent.encode_container(&mut c).unwrap(), whole);
        assert_eq!(recent.len(), 3);
        c.env = Some(vec![
            var("A", "2"),
            pod_name,
            var("resources", "\",\"resources\":"),
        ]);
        assert_eq!(
            recent.encode_container(&mut c).unwrap(),
            encode(&c).unwrap()
        );
        assert_eq!(recent.len(), 3);
        // No env, or an empty one (omitted by Go): the container alone.
        for env in [None, Some(vec![])] {
            c.env = env;
            assert_eq!(
                recent.encode_container(&mut c).unwrap(),
                encode(&c).unwrap()
            );
        }
    }

    /// Full, the least recently used element goes.
    #[test]
    fn bounded_least_recently_used_out() {
        let recent = Recent::default();
        let keep = container("istio-init", "proxyv2");
        recent.encode(&keep).unwrap();
        let kept = recent.encode(&keep).unwrap();
        for i in 0..CONTAINERS * 2 {
            recent
                .encode(&container("istio-proxy", &format!("v{i}")))
                .unwrap();
            // Used on every pod, as istio-init is.
            assert!(Arc::ptr_eq(&kept, &recent.encode(&keep).unwrap()));
        }
        assert_eq!(recent.containers.len(), CONTAINERS);
    }

    /// An element whose encoding is over its kind's bound is encoded, not kept.
    #[test]
    fn long_encodings_are_not_kept() {
        let recent = Recent::default();
        let mut c = container("istio-proxy", "proxyv2");
        c.env = Some(vec![EnvVar {
            name: "PROXY_CONFIG".into(),
            value: Some("x".repeat(MAX_ELEMENT)),
            ..Default::default()
        }]);
        assert_eq!(
            recent.encode_container(&mut c).unwrap(),
            encode(&c).unwrap()
        );
        assert_eq!((recent.containers.len(), recent.env.len()), (1, 0));
        c.args = Some(vec!["y".repeat(MAX_CONTAINER)]);
        c.env = None;
        assert_eq!(
            recent.encode_container(&mut c).unwrap(),
            encode(&c).unwrap()
        );
        assert_eq!(recent.containers.len(), 1);
    }

    #[test]
    fn a_clone_is_empty() {
        let recent = Recent::default();
        recent.encode(&Volume::default()).unwrap();
        assert_eq!(recent.len(), 1);
        assert!(recent.clone().is_empty());
    }
}
