//! The annotations Istio writes as JSON text: `sidecar.istio.io/status` (what was injected)
//! and `proxy.istio.io/overrides` (the user's own sidecar settings, kept for re-injection).
//! Both are compared byte for byte, so field order follows Go's struct order.

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use serde_json::{Map, Value};

/// The parsed `sidecar.istio.io/status` of a previous injection.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Status {
    #[serde(deserialize_with = "nullable")]
    pub init_containers: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub containers: Vec<String>,
}

fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

use serde::Deserialize;

fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> Value {
    let v: Vec<Value> = names.map(|s| Value::String(s.to_string())).collect();
    if v.is_empty() {
        Value::Null
    } else {
        Value::Array(v)
    }
}

/// Istio's `getInjectionStatus` over what the templates rendered.
pub fn injection_status(template: &Pod, revision: &str) -> String {
    let no_spec = PodSpec::default();
    let spec = template.spec.as_ref().unwrap_or(&no_spec);
    let mut m = Map::new();
    m.insert(
        "initContainers".into(),
        name_list(
            spec.init_containers
                .iter()
                .flatten()
                .map(|c| c.name.as_str()),
        ),
    );
    m.insert(
        "containers".into(),
        name_list(spec.containers.iter().map(|c| c.name.as_str())),
    );
    m.insert(
        "volumes".into(),
        name_list(spec.volumes.iter().flatten().map(|c| c.name.as_str())),
    );
    m.insert(
        "imagePullSecrets".into(),
        name_list(
            spec.image_pull_secrets
                .iter()
                .flatten()
                .map(|c| c.name.as_str()),
        ),
    );
    let rev = if revision.is_empty() {
        "default"
    } else {
        revision
    };
    m.insert("revision".into(), Value::String(rev.into()));
    Value::Object(m).to_string()
}

/// `proxy.istio.io/overrides`: `{"containers":[…],"initContainers":[…]}` with Go's field order.
pub fn overrides_annotation(containers: &[Value], init_containers: &[Value]) -> String {
    let mut m = Map::new();
    if !containers.is_empty() {
        m.insert(
            "containers".into(),
            Value::Array(
                containers
                    .iter()
                    .map(crate::goenc::go_order_container)
                    .collect(),
            ),
        );
    }
    if !init_containers.is_empty() {
        m.insert(
            "initContainers".into(),
            Value::Array(
                init_containers
                    .iter()
                    .map(crate::goenc::go_order_container)
                    .collect(),
            ),
        );
    }
    Value::Object(m).to_string()
}
