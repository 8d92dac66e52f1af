//! The four benchmark pods, as the API server would send them in an AdmissionReview: Go's
//! encoding of a defaulted Pod (`goenc::normalize_pod`), with the `managedFields` a
//! controller-created pod carries. Shared by `benches/admission.rs` and
//! `examples/bench_tool.rs` (included by path; it is not part of the library).
//!
//! | name   | containers | env per container | review size |
//! |--------|-----------:|------------------:|------------:|
//! | small  | 1          | 4                 | ~6 KB       |
//! | medium | 2          | 12                | ~12 KB      |
//! | large  | 8          | 26                | ~70 KB      |
//! | env2k  | 1          | 2,000             | ~270 KB     |

use serde_json::{json, Map, Value};

/// The four pods, by name.
pub const NAMES: [&str; 4] = ["small", "medium", "large", "env2k"];

/// (containers, env vars per container, volumes) for a pod name.
fn shape(name: &str) -> Option<(usize, usize, usize)> {
    match name {
        "small" => Some((1, 4, 1)),
        "medium" => Some((2, 12, 3)),
        "large" => Some((8, 26, 8)),
        "env2k" => Some((1, 2_000, 1)),
        _ => None,
    }
}

/// The AdmissionReview body for a pod name, or `None` for an unknown name.
pub fn review(name: &str) -> Option<Vec<u8>> {
    let pod = pod(name)?;
    let review = json!({
        "kind": "AdmissionReview",
        "apiVersion": "admission.k8s.io/v1",
        "request": {
            "uid": "0c9a8d74-9cb7-44dd-b98e-09fd62def2f4",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
            "requestResource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {
                "username": "system:serviceaccount:kube-system:replicaset-controller",
                "uid": "8b4c1a2e-3f7d-4e0a-9c61-2d5e7f9a1b33",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]
            },
            "object": pod,
            "oldObject": null,
            "dryRun": false,
            "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}
        }
    });
    serde_json::to_vec(&review).ok()
}

/// The pod alone (with managedFields), Go-encoded.
pub fn pod(name: &str) -> Option<Value> {
    let (containers, envs, volumes) = shape(name)?;
    let app = format!("{name}-app");
    let spec = json!({
        "volumes": (0..volumes).map(volume).collect::<Vec<_>>(),
        "containers": (0..containers).map(|i| container(&app, i, envs, volumes)).collect::<Vec<_>>(),
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ],
        "priority": 0,
        "enableServiceLinks": true,
        "preemptionPolicy": "PreemptLowerPriority"
    });
    // The controller manages what it set: not the token volume and its mounts, which the
    // ServiceAccount admission plugin adds (as a real API server's reviews show).
    let fields_spec = fields_of(&without_token_volume(&spec));
    let labels = json!({"app": app, "pod-template-hash": "5d7f8c9b4", "version": "v1"});
    let mut pod = json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "generateName": format!("{app}-5d7f8c9b4-"),
            "namespace": "shop",
            "creationTimestamp": null,
            "labels": labels,
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-06-02T10:15:00Z"},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-5d7f8c9b4"),
                "uid": "5f0c6f36-1d7e-4b8e-a3a4-0d7c2e1f9b10", "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": spec,
        "status": {}
    });
    sidecar_injector::goenc::normalize_pod(&mut pod).ok()?;
    let fields_meta = fields_of(&pod["metadata"]);
    let managed = json!([{
        "manager": "kube-controller-manager",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2025-06-02T10:15:42Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": fields_meta, "f:spec": fields_spec}
    }]);
    if let Some(meta) = pod["metadata"].as_object_mut() {
        meta.insert("managedFields".into(), managed);
    }
    Some(pod)
}

fn container(app: &str, i: usize, envs: usize, volumes: usize) -> Value {
    let env: Vec<Value> = (0..envs)
        .map(|e| match e % 3 {
            0 => json!({"name": format!("SETTING_{i}_{e:04}"), "value": format!("value-{e}-of-{app}")}),
            1 => json!({"name": format!("POD_FIELD_{i}_{e:04}"), "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}),
            _ => json!({"name": format!("SECRET_{i}_{e:04}"), "valueFrom": {"secretKeyRef": {"name": format!("{app}-secrets"), "key": format!("key-{e}")}}}),
        })
        .collect();
    let mounts: Vec<Value> = (0..volumes)
        .map(|v| json!({"name": volume_name(v), "readOnly": true, "mountPath": format!("/var/run/data/{v}")}))
        .collect();
    let port = 8080 + i as i64;
    let probe = |path: &str| {
        json!({
            "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
            "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
            "successThreshold": 1, "failureThreshold": 3
        })
    };
    json!({
        "name": if i == 0 { app.to_string() } else { format!("{app}-helper-{i}") },
        "image": format!("registry.example.com/shop/{app}:1.{i}.0"),
        "args": ["--port", port.to_string(), "--log-level", "info"],
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9090 + i as i64, "protocol": "TCP"}],
        "env": env,
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "volumeMounts": mounts,
        "livenessProbe": probe("/healthz"),
        "readinessProbe": probe("/ready"),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
        "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}
    })
}

fn volume_name(v: usize) -> String {
    if v == 0 {
        "kube-api-access-x7k2p".to_string()
    } else {
        format!("config-{v}")
    }
}

fn volume(v: usize) -> Value {
    if v > 0 {
        return json!({"name": volume_name(v), "configMap": {"name": format!("config-{v}"), "defaultMode": 420}});
    }
    json!({
        "name": volume_name(0),
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ],
            "defaultMode": 420
        }
    })
}

fn without_token_volume(spec: &Value) -> Value {
    let mut spec = spec.clone();
    let token = volume_name(0);
    let keep = |v: &Value| v.get("name").and_then(Value::as_str) != Some(token.as_str());
    if let Some(volumes) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
        volumes.retain(keep);
    }
    for c in spec
        .get_mut("containers")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(mounts) = c.get_mut("volumeMounts").and_then(Value::as_array_mut) {
            mounts.retain(keep);
        }
    }
    spec
}

/// A FieldsV1 set for a JSON tree: `f:` per key, `k:{"name":…}` per named list item.
fn fields_of(v: &Value) -> Value {
    let mut out = Map::new();
    match v {
        Value::Object(m) => {
            if !m.is_empty() {
                out.insert(".".into(), json!({}));
            }
            for (k, child) in m {
                out.insert(format!("f:{k}"), fields_of(child));
            }
        }
        Value::Array(items) => {
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    out.insert(format!("k:{{\"name\":\"{name}\"}}"), fields_of(item));
                }
            }
        }
        _ => {}
    }
    Value::Object(out)
}
