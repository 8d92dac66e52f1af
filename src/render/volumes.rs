//! The sidecar's volumes and the proxy's volume mounts, including the user's extra ones
//! (`sidecar.istio.io/userVolume`, `sidecar.istio.io/userVolumeMount`: JSON maps of name → spec,
//! or JSON lists of specs).

use serde_json::{json, Map, Value};

use super::context::Context;
use super::RenderError;
use crate::annotations as n;

const GKE_CA: &str = "GkeWorkloadCertificate";

pub(super) fn mount(name: &str, path: &str) -> Value {
    json!({ "name": name, "mountPath": path })
}

pub fn proxy_mounts(ctx: &Context<'_>) -> Result<Vec<Value>, RenderError> {
    let g = &ctx.values.global;
    let mut m = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
        workload_certs_mount(ctx),
    ];
    if g.pilot_cert_provider == "istiod" {
        m.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
        m.push(mount("istio-ca-crl", "/var/run/secrets/istio/crl"));
    }
    m.push(mount("istio-data", "/var/lib/istio/data"));
    if ctx.isset(n::SIDECAR_BOOTSTRAP_OVERRIDE) {
        m.push(mount(
            "custom-bootstrap-volume",
            "/etc/istio/custom-bootstrap",
        ));
    }
    m.push(mount("istio-envoy", "/etc/istio/proxy"));
    m.push(mount("istio-token", "/var/run/secrets/tokens"));
    if g.mount_mtls_certs {
        m.push(mtls_certs_mount());
    }
    m.push(mount("istio-podinfo", "/etc/istio/pod"));
    if let Some(dir) = lightstep_dir(ctx) {
        m.push(json!({ "name": "lightstep-certs", "mountPath": dir, "readOnly": true }));
    }
    if ctx.isset(n::SIDECAR_USER_VOLUME_MOUNT) {
        m.extend(user_entries(ctx, n::SIDECAR_USER_VOLUME_MOUNT)?);
    }
    Ok(m)
}

fn lightstep_dir(ctx: &Context<'_>) -> Option<String> {
    if ctx.values.global.proxy.tracer == "lightstep" {
        ctx.proxy.tracing_ca_dir.clone()
    } else {
        None
    }
}

pub fn volumes(ctx: &Context<'_>) -> Result<Vec<Value>, RenderError> {
    let g = &ctx.values.global;
    let mut v = vec![
        json!({ "name": "workload-socket", "emptyDir": null }),
        json!({ "name": "credential-socket", "emptyDir": null }),
    ];
    v.push(workload_certs_volume(ctx, Value::Null));
    v.extend(bootstrap_volume(ctx));
    v.push(json!({ "name": "istio-envoy", "emptyDir": { "medium": "Memory" } }));
    v.push(json!({ "name": "istio-data", "emptyDir": {} }));
    v.push(podinfo_volume());
    v.push(token_volume(ctx));
    if g.pilot_cert_provider == "istiod" {
        v.push(ca_cert_volume(ctx));
    }
    let crl = &ctx.values.pilot.crl_config_map_name;
    let crl = if crl.is_empty() { "istio-ca-crl" } else { crl };
    v.push(json!({ "name": "istio-ca-crl", "configMap": { "name": crl, "optional": true } }));
    if g.mount_mtls_certs {
        v.push(mtls_certs_volume(ctx));
    }
    if ctx.isset(n::SIDECAR_USER_VOLUME) {
        v.extend(user_entries(ctx, n::SIDECAR_USER_VOLUME)?);
    }
    if lightstep_dir(ctx).is_some() {
        v.push(json!({ "name": "lightstep-certs",
            "secret": { "optional": true, "secretName": "lightstep.cacert" } }));
    }
    Ok(v)
}

/// The mount of the workload certificate directory: GKE's CSI volume or our own.
pub(super) fn workload_certs_mount(ctx: &Context<'_>) -> Value {
    if ctx.values.global.ca_name == GKE_CA {
        json!({ "name": "gke-workload-certificate",
            "mountPath": "/var/run/secrets/workload-spiffe-credentials", "readOnly": true })
    } else {
        mount(
            "workload-certs",
            "/var/run/secrets/workload-spiffe-credentials",
        )
    }
}

/// The workload certificate volume; `empty_dir` is what the template writes after `emptyDir:`
/// (templates differ: nothing, i.e. null, or `{}`).
pub(super) fn workload_certs_volume(ctx: &Context<'_>, empty_dir: Value) -> Value {
    if ctx.values.global.ca_name == GKE_CA {
        json!({ "name": "gke-workload-certificate",
            "csi": { "driver": "workloadcertificates.security.cloud.google.com" } })
    } else {
        json!({ "name": "workload-certs", "emptyDir": empty_dir })
    }
}

/// `sidecar.istio.io/bootstrapOverride` names a ConfigMap with the Envoy bootstrap.
pub(super) fn bootstrap_volume(ctx: &Context<'_>) -> Option<Value> {
    ctx.isset(n::SIDECAR_BOOTSTRAP_OVERRIDE).then(|| {
        json!({ "name": "custom-bootstrap-volume",
            "configMap": { "name": ctx.ann(n::SIDECAR_BOOTSTRAP_OVERRIDE) } })
    })
}

pub(super) fn podinfo_volume() -> Value {
    json!({ "name": "istio-podinfo", "downwardAPI": { "items": [
        { "path": "labels", "fieldRef": { "fieldPath": "metadata.labels" } },
        { "path": "annotations", "fieldRef": { "fieldPath": "metadata.annotations" } },
    ] } })
}

pub(super) fn token_volume(ctx: &Context<'_>) -> Value {
    json!({ "name": "istio-token", "projected": { "sources": [
        { "serviceAccountToken": { "path": "istio-token", "expirationSeconds": 43200,
            "audience": ctx.values.global.sds.token.aud } },
    ] } })
}

pub(super) fn mtls_certs_mount() -> Value {
    json!({ "name": "istio-certs", "mountPath": "/etc/certs/", "readOnly": true })
}

/// `global.mountMtlsCerts`: the pod's service account's `istio.<sa>` secret.
pub(super) fn mtls_certs_volume(ctx: &Context<'_>) -> Value {
    let sa = ctx.spec.service_account_name.as_deref().unwrap_or("");
    let secret = if sa.is_empty() {
        "istio.default".to_string()
    } else {
        format!("istio.{sa}")
    };
    json!({ "name": "istio-certs", "secret": { "optional": true, "secretName": secret } })
}

pub(super) fn ca_cert_volume(ctx: &Context<'_>) -> Value {
    let bundle = &ctx.values.global.trust_bundle_name;
    let ctb = ctx
        .values
        .pilot
        .env
        .get("ENABLE_CLUSTER_TRUST_BUNDLE_API")
        .is_some_and(|v| v == &Value::Bool(true));
    if ctb {
        let name = if bundle.is_empty() {
            "root-cert"
        } else {
            bundle
        };
        json!({ "name": "istiod-ca-cert", "projected": { "sources": [
            { "clusterTrustBundle": { "name": format!("istio.io:istiod-ca:{name}"),
                "path": "root-cert.pem" } } ] } })
    } else {
        let name = if bundle.is_empty() {
            "istio-ca-root-cert"
        } else {
            bundle
        };
        json!({ "name": "istiod-ca-cert", "configMap": { "name": name } })
    }
}

/// A `{name: spec}` JSON annotation as entries `{name, ...spec}`, names in sorted order.
pub(super) fn user_entries(ctx: &Context<'_>, annotation: &str) -> Result<Vec<Value>, RenderError> {
    let raw = ctx.ann(annotation);
    let invalid = |reason: String| RenderError::Annotation {
        name: annotation.to_string(),
        reason,
    };
    // The template ranges over `fromJSON` of the value: a map gives its keys (sorted, as Go's
    // range does), a list its indexes, null nothing; each entry is `name: "<key>"` followed by
    // the entry's own fields, so an entry's `name` wins over the key.
    let entries: Vec<(String, Value)> = match serde_json::from_str::<Value>(raw) {
        Err(e) => return Err(invalid(e.to_string())),
        Ok(Value::Null) => Vec::new(),
        Ok(Value::Object(m)) => {
            let sorted: std::collections::BTreeMap<String, Value> = m.into_iter().collect();
            sorted.into_iter().collect()
        }
        Ok(Value::Array(a)) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Ok(other) => return Err(invalid(format!("range can't iterate over {other}"))),
    };
    entries
        .into_iter()
        .map(|(name, spec)| {
            let Value::Object(spec) = spec else {
                return Err(invalid(format!("entry {name:?} is not a JSON object")));
            };
            let mut m = Map::new();
            m.insert("name".into(), Value::String(name));
            m.extend(spec);
            Ok(Value::Object(m))
        })
        .collect()
}
