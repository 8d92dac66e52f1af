//! Make a decoded object look exactly as Go's typed Kubernetes structs encode it.
//!
//! `istioctl kube-inject` decodes every document into Go structs (`k8s.io/api` v0.35.3, OpenShift
//! `apps/v1` for DeploymentConfig) and re-encodes it, so its output carries Go's encoding: empty
//! non-pointer structs appear as `{}` (`status`, `strategy`, `resources`), non-`omitempty`
//! scalars appear as zero, `omitempty` zeros vanish, pointers keep explicit zeros, unknown
//! fields are dropped, quantities are canonical, `creationTimestamp: null` is gone, and
//! struct fields come in Go declaration order (map keys sorted). This module reproduces that.
//!
//! Design: one static table per Go struct (`table`, facts transcribed from the Go sources) and
//! one generic walker (`walk`) that moves values through it; no per-kind special cases except
//! the `v1` `List`, whose items are decoded by their own kind.
//!
//! Which struct an object is decoded into depends on its `kind` alone, whatever its
//! `apiVersion`: Istio registers its kinds with `AddUnversionedTypes`, and `Scheme.New` falls
//! back to the kind name. So `apps/v1beta1` / `extensions/v1beta1` Deployments decode as
//! `apps/v1` Deployments (their extra fields, e.g. `rollbackTo`, are dropped, as Istio drops
//! them) and a `batch/v1beta1` CronJob as a `batch/v1` one. Other kinds are left untouched.

mod check;
mod order;
mod recent;
mod scalars;
mod schema;
mod table;
pub mod text;
mod walk;

use serde_json::Value;

pub use crate::go::quantity::QuantityError;
pub(crate) use recent::Element;
pub use recent::{EncodeError, Recent};
use schema::Struct;
use walk::Path;

/// Why an object cannot be encoded as Go would: Go refuses to decode it.
#[derive(Debug, thiserror::Error)]
pub enum GoEncError {
    /// A value of the wrong JSON type for the Go field.
    #[error("{path}: cannot decode a JSON {found} into Go {expected}")]
    Type {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A number that is not a whole number in the Go integer's range.
    #[error("{path}: {value} does not fit Go {expected}")]
    Number {
        path: String,
        value: String,
        expected: &'static str,
    },
    /// A resource quantity Go cannot parse.
    #[error("{path}: invalid quantity {value:?}: {source}")]
    Quantity {
        path: String,
        value: String,
        #[source]
        source: QuantityError,
    },
    /// A timestamp that is not RFC 3339.
    #[error("{path}: invalid time {value:?}: not RFC 3339")]
    Time { path: String, value: String },
}

/// The Go struct a `kind` decodes into (the kinds Istio's kube-inject registers).
fn kind_struct(kind: &str) -> Option<&'static Struct> {
    Some(match kind {
        "Pod" => &table::POD,
        "ReplicationController" => &table::REPLICATION_CONTROLLER,
        "Deployment" => &table::DEPLOYMENT,
        "DaemonSet" => &table::DAEMON_SET,
        "ReplicaSet" => &table::REPLICA_SET,
        "StatefulSet" => &table::STATEFUL_SET,
        "Job" => &table::JOB,
        "CronJob" => &table::CRON_JOB,
        "DeploymentConfig" => &table::OS_DEPLOYMENT_CONFIG,
        "List" => &table::LIST,
        _ => return None,
    })
}

/// Normalise a whole object (any apiVersion/kind; `v1` `List` recursively into `items`) as Go's
/// typed structs would encode it. Unknown kinds are left unchanged. Idempotent.
pub fn normalize_object(obj: &mut Value) -> Result<(), GoEncError> {
    normalize_at(obj, &Path::ROOT)
}

fn normalize_at(obj: &mut Value, path: &Path<'_>) -> Result<(), GoEncError> {
    let Some(map) = obj.as_object_mut() else {
        return Ok(());
    };
    let Some(def) = map
        .get("kind")
        .and_then(Value::as_str)
        .and_then(kind_struct)
    else {
        return Ok(());
    };
    walk::norm_struct(map, def, path)?;
    if std::ptr::eq(def, &table::LIST) {
        // Items are raw in Go's List; Istio decodes each by its own kind.
        if let Some(Value::Array(items)) = map.get_mut("items") {
            let items_path = path.field("items");
            for (i, item) in items.iter_mut().enumerate() {
                normalize_at(item, &items_path.index(i))?;
            }
        }
    }
    Ok(())
}

/// The same for a bare Pod (the webhook path), whatever its `kind` says.
pub fn normalize_pod(pod: &mut Value) -> Result<(), GoEncError> {
    normalize_as(pod, &table::POD)
}

/// Whether `pod` is already its own Go encoding as a Pod: `normalize_pod` on a copy would
/// succeed and give a value equal to it (`serde_json` equality: key order aside). Reads the
/// pod without copying it; `false` also where normalising would fail.
pub fn is_pod_encoding(pod: &Value) -> bool {
    pod.as_object()
        .is_some_and(|map| check::is_normal_struct(map, &table::POD))
}

/// The same for a pod template's `{metadata, spec}` (`PodTemplateSpec`).
/// A bare Container (Istio marshals the user's sidecar overrides one container at a time).
pub fn normalize_container(c: &mut Value) -> Result<(), GoEncError> {
    normalize_as(c, &table::CONTAINER)
}

/// A normalised Container with its keys in Go's field order, for JSON Istio writes as text.
pub fn go_order_container(c: &Value) -> Value {
    order::order_struct(c, &table::CONTAINER)
}

pub fn normalize_pod_template(tpl: &mut Value) -> Result<(), GoEncError> {
    normalize_as(tpl, &table::POD_TEMPLATE_SPEC)
}

fn normalize_as(v: &mut Value, def: &'static Struct) -> Result<(), GoEncError> {
    if v.is_null() {
        *v = Value::Object(serde_json::Map::new());
    }
    match v.as_object_mut() {
        Some(map) => walk::norm_struct(map, def, &Path::ROOT),
        None => Err(GoEncError::Type {
            path: Path::ROOT.render(),
            expected: def.name,
            found: match v {
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                _ => "array",
            },
        }),
    }
}

#[cfg(test)]
mod tests;
