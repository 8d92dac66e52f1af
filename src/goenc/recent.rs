//! Go encodings of the typed elements encoded lately (the webhook's fast path).
//!
//! What the fast path injects is, element by element, mostly what it injected into the pod
//! before: `istio-init` and the volumes depend on the settings and a few annotations only,
//! `istio-proxy` on the workload. Encoding an element (serialise it, Go-normalise it, print it)
//! costs far more than finding it again, so each settings snapshot keeps the last few of each
//! kind and finds them by equality of the typed element. Equal elements encode equally, so a
//! hit is exactly what encoding would have given; the tables are bounded, least recently used
//! out first.

use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{Container, LocalObjectReference, Volume};
use serde::Serialize;
use serde_json::value::RawValue;

use super::schema::Struct;
use super::{table, GoEncError};

/// Elements kept per kind: a mesh's few `istio-init` variants and the `istio-proxy` of the
/// workloads rolling out now; volumes: the eight injected ones and their variants.
const CONTAINERS: usize = 32;
const VOLUMES: usize = 32;
const PULL_SECRETS: usize = 8;

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
    volumes: Store<Volume>,
    pull_secrets: Store<LocalObjectReference>,
}

impl Default for Recent {
    fn default() -> Recent {
        Recent {
            containers: Store::new(CONTAINERS),
            volumes: Store::new(VOLUMES),
            pull_secrets: Store::new(PULL_SECRETS),
        }
    }
}

impl Clone for Recent {
    fn clone(&self) -> Recent {
        Recent::default()
    }
}

/// A pod-spec list element the tables keep.
pub(crate) trait Element: Serialize + PartialEq + Clone {
    /// Its Go struct.
    const DEF: &'static Struct;
    /// Its merge key, compared first.
    fn key(&self) -> &str;
    fn store(recent: &Recent) -> &Store<Self>;
}

impl Element for Container {
    const DEF: &'static Struct = &table::CONTAINER;
    fn key(&self) -> &str {
        &self.name
    }
    fn store(recent: &Recent) -> &Store<Self> {
        &recent.containers
    }
}

impl Element for Volume {
    const DEF: &'static Struct = &table::VOLUME;
    fn key(&self) -> &str {
        &self.name
    }
    fn store(recent: &Recent) -> &Store<Self> {
        &recent.volumes
    }
}

impl Element for LocalObjectReference {
    const DEF: &'static Struct = &table::LOCAL_OBJECT_REFERENCE;
    fn key(&self) -> &str {
        &self.name
    }
    fn store(recent: &Recent) -> &Store<Self> {
        &recent.pull_secrets
    }
}

impl Recent {
    /// `element` as Go encodes it (compact JSON text): kept from an equal element, or encoded
    /// now and kept.
    pub(crate) fn encode<T: Element>(&self, element: &T) -> Result<Arc<RawValue>, EncodeError> {
        let store = T::store(self);
        if let Some(hit) = store.find(element) {
            return Ok(hit);
        }
        let encoded = encode(element)?;
        store.keep(element, &encoded);
        Ok(encoded)
    }

    /// How many elements are kept, all kinds together.
    pub fn len(&self) -> usize {
        self.containers.len() + self.volumes.len() + self.pull_secrets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Serialise, Go-normalise as `T::DEF`, print.
pub(crate) fn encode<T: Element>(element: &T) -> Result<Arc<RawValue>, EncodeError> {
    let mut value = serde_json::to_value(element).map_err(EncodeError::Json)?;
    super::normalize_as(&mut value, T::DEF)?;
    let text = serde_json::value::to_raw_value(&value).map_err(EncodeError::Json)?;
    Ok(Arc::from(text))
}

/// One kind's table.
#[derive(Debug)]
pub(crate) struct Store<T> {
    capacity: usize,
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
    encoded: Arc<RawValue>,
    used: u64,
}

impl<T: Element> Store<T> {
    fn new(capacity: usize) -> Store<T> {
        Store {
            capacity,
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
    fn find(&self, element: &T) -> Option<Arc<RawValue>> {
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let slot = inner
            .slots
            .iter_mut()
            .find(|s| s.element.key() == element.key() && s.element == *element)?;
        slot.used = now;
        Some(Arc::clone(&slot.encoded))
    }

    fn keep(&self, element: &T, encoded: &Arc<RawValue>) {
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
        assert_eq!(other.get(), encode(&b).unwrap().get());
        assert_ne!(other.get(), first.get());
        // Go's encoding: `resources: {}` is always printed, fields in Go order.
        let value: serde_json::Value = serde_json::from_str(first.get()).unwrap();
        assert_eq!(
            value,
            json!({"name": "istio-proxy", "image": "proxyv2:1", "resources": {}})
        );
        assert_eq!(
            first.get(),
            r#"{"name":"istio-proxy","image":"proxyv2:1","resources":{}}"#
        );
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

    #[test]
    fn a_clone_is_empty() {
        let recent = Recent::default();
        recent.encode(&Volume::default()).unwrap();
        assert_eq!(recent.len(), 1);
        assert!(recent.clone().is_empty());
    }
}
