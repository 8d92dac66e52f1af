//! Per-kind fixtures are the non-sidecar parts of Istio's golden cases (`input.yaml` →
//! `expected.yaml`); the rest pin the Go encoding rules one by one.

use super::*;
use rstest::rstest;
use serde_json::json;

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

fn norm(text: &str) -> Value {
    let mut v = yaml(text);
    normalize_object(&mut v).unwrap();
    v
}

fn err(v: Value) -> String {
    let mut v = v;
    normalize_object(&mut v).unwrap_err().to_string()
}

const HELLO_POD_SPEC_IN: &str = "
      containers:
      - name: hello
        image: fake.docker.io/google-samples/hello-go-gke:1.0
        ports:
        - {name: http, containerPort: 80}";

const HELLO_POD_SPEC_OUT: &str = "
      containers:
      - name: hello
        image: fake.docker.io/google-samples/hello-go-gke:1.0
        ports:
        - {name: http, containerPort: 80}
        resources: {}";

fn workload(kind: &str, api: &str, spec_in: &str, spec_out: &str, status: &str) -> (Value, Value) {
    let head = format!("apiVersion: {api}\nkind: {kind}\nmetadata: {{name: hello}}\n");
    let input = format!("{head}spec:{spec_in}\n    spec:{HELLO_POD_SPEC_IN}\n");
    let expected =
        format!("{head}spec:{spec_out}\n    spec:{HELLO_POD_SPEC_OUT}\nstatus: {status}\n");
    (yaml(&input), yaml(&expected))
}

#[rstest]
#[case::deployment("Deployment", "apps/v1",
    "\n  replicas: 7\n  selector: {matchLabels: {app: hello}}\n  template:\n    metadata: {labels: {app: hello}}",
    "\n  replicas: 7\n  selector: {matchLabels: {app: hello}}\n  strategy: {}\n  template:\n    metadata: {labels: {app: hello}}",
    "{}")]
#[case::statefulset("StatefulSet", "apps/v1",
    "\n  serviceName: hello\n  selector: {matchLabels: {app: hello}}\n  replicas: 3\n  template:\n    metadata: {labels: {app: hello}}",
    "\n  serviceName: hello\n  selector: {matchLabels: {app: hello}}\n  replicas: 3\n  updateStrategy: {}\n  template:\n    metadata: {labels: {app: hello}}",
    "{availableReplicas: 0, replicas: 0}")]
#[case::daemonset("DaemonSet", "apps/v1",
    "\n  selector: {matchLabels: {app: hello}}\n  template:\n    metadata: {labels: {app: hello}}",
    "\n  selector: {matchLabels: {app: hello}}\n  updateStrategy: {}\n  template:\n    metadata: {labels: {app: hello}}",
    "{currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0}")]
#[case::replicaset("ReplicaSet", "apps/v1",
    "\n  replicas: 7\n  selector: {matchLabels: {app: hello}}\n  template:\n    metadata: {labels: {app: hello}}",
    "\n  replicas: 7\n  selector: {matchLabels: {app: hello}}\n  template:\n    metadata: {labels: {app: hello}}",
    "{replicas: 0}")]
#[case::replicationcontroller("ReplicationController", "v1",
    "\n  replicas: 3\n  selector: {app: nginx}\n  template:\n    metadata: {name: nginx, labels: {app: nginx}}",
    "\n  replicas: 3\n  selector: {app: nginx}\n  template:\n    metadata: {name: nginx, labels: {app: nginx}}",
    "{replicas: 0}")]
#[case::job(
    "Job",
    "batch/v1",
    "\n  template:\n    metadata: {name: pi}",
    "\n  template:\n    metadata: {name: pi}",
    "{}"
)]
#[case::old_deployment_decodes_as_apps_v1(
    "Deployment",
    "extensions/v1beta1",
    "\n  rollbackTo: {revision: 2}\n  template:\n    metadata: {labels: {app: hello}}",
    "\n  selector: null\n  strategy: {}\n  template:\n    metadata: {labels: {app: hello}}",
    "{}"
)]
fn workload_kinds(
    #[case] kind: &str,
    #[case] api: &str,
    #[case] spec_in: &str,
    #[case] spec_out: &str,
    #[case] status: &str,
) {
    let (mut input, expected) = workload(kind, api, spec_in, spec_out, status);
    normalize_object(&mut input).unwrap();
    assert_eq!(input, expected);
}

#[test]
fn cronjob_template_metadata_and_status_appear() {
    let out = norm(
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: hellocron}\nspec:
  schedule: '*/1 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: hello, image: busybox, args: [/bin/sh, -c, date]}]
          restartPolicy: OnFailure",
    );
    let expected = yaml(
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: hellocron}\nspec:
  schedule: '*/1 * * * *'
  jobTemplate:
    metadata: {}
    spec:
      template:
        metadata: {}
        spec:
          containers: [{name: hello, image: busybox, args: [/bin/sh, -c, date], resources: {}}]
          restartPolicy: OnFailure
status: {}",
    );
    assert_eq!(out, expected);
}

#[test]
fn deploymentconfig_follows_openshift_struct() {
    let out = norm(
        "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {name: hello}\nspec:
  replicas: 7
  template:
    metadata: {labels: {app: hello}}
    spec: {containers: [{name: hello, image: hello}]}
  triggers:
  - type: ConfigChange
  - type: ImageChange
    imageChangeParams:
      automatic: true
      containerNames: [helloworld]
      from: {kind: ImageStreamTag, name: 'hello-go-gke:1.0'}
  strategy: {type: Rolling}
  paused: false
  revisionHistoryLimit: 2
  minReadySeconds: 0",
    );
    let expected = yaml(
        "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {name: hello}\nspec:
  replicas: 7
  revisionHistoryLimit: 2
  strategy: {resources: {}, type: Rolling}
  template:
    metadata: {labels: {app: hello}}
    spec: {containers: [{name: hello, image: hello, resources: {}}]}
  test: false
  triggers:
  - type: ConfigChange
  - type: ImageChange
    imageChangeParams:
      automatic: true
      containerNames: [helloworld]
      from: {kind: ImageStreamTag, name: 'hello-go-gke:1.0'}
status: {availableReplicas: 0, latestVersion: 0, observedGeneration: 0, replicas: 0,
  unavailableReplicas: 0, updatedReplicas: 0}",
    );
    assert_eq!(out, expected);
}

#[test]
fn list_items_decode_by_their_own_kind() {
    let out = norm(
        "apiVersion: v1\nkind: List\nitems:
- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c}]}}
- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80}]}}
- {apiVersion: v1, kind: List, items: [{kind: Pod}]}
- null",
    );
    let expected = yaml(
        "apiVersion: v1\nkind: List\nmetadata: {}\nitems:
- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, resources: {}}]}, status: {}}
- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80}]}}
- {apiVersion: v1, kind: List, metadata: {}, items: [{kind: Pod, metadata: {}, spec: {containers: null}, status: {}}]}
- null",
    );
    assert_eq!(out, expected);
}

#[rstest]
#[case::service(json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}}))]
#[case::no_kind(json!({"metadata": {"creationTimestamp": null}}))]
#[case::not_an_object(json!("text"))]
#[case::custom_resource(json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {}}))]
fn unknown_kinds_are_left_alone(#[case] input: Value) {
    let mut v = input.clone();
    normalize_object(&mut v).unwrap();
    assert_eq!(v, input);
}

#[test]
fn pointer_zeros_stay_and_omitempty_zeros_go() {
    let mut pod = yaml(
        "metadata: {name: p, creationTimestamp: null, labels: {empty: ''}, annotations: {}}
spec:
  hostNetwork: false
  serviceAccountName: ''
  imagePullSecrets: []
  containers:
  - name: c
    command: []
    securityContext: {privileged: false, runAsNonRoot: false, runAsUser: 0}
    readinessProbe: {initialDelaySeconds: 0, periodSeconds: 0, httpGet: {port: 8080}}
    env: [{name: A, value: ''}, {name: B, valueFrom: {configMapKeyRef: {name: cm, key: k, optional: false}}}]
  volumes:
  - {name: v, emptyDir: {}}
  - {name: w, configMap: {name: cm, optional: false, items: []}}",
    );
    normalize_pod(&mut pod).unwrap();
    let expected = yaml(
        "metadata: {name: p, labels: {empty: ''}}
spec:
  containers:
  - name: c
    resources: {}
    securityContext: {privileged: false, runAsNonRoot: false, runAsUser: 0}
    readinessProbe: {httpGet: {port: 8080}}
    env: [{name: A}, {name: B, valueFrom: {configMapKeyRef: {name: cm, key: k, optional: false}}}]
  volumes:
  - {name: v, emptyDir: {}}
  - {name: w, configMap: {name: cm, optional: false}}
status: {}",
    );
    assert_eq!(pod, expected);
}

#[test]
fn non_omitempty_fields_appear_as_zero_or_null() {
    let mut pod = yaml(
        "spec:
  containers:
  - ports: [{}]
    livenessProbe: {httpGet: {}}
    env: [{valueFrom: {resourceFieldRef: {resource: limits.cpu}}}]
  volumes: [{projected: {}}, {hostPath: {}}]",
    );
    normalize_pod(&mut pod).unwrap();
    let expected = yaml(
        "metadata: {}
spec:
  containers:
  - name: ''
    ports: [{containerPort: 0}]
    livenessProbe: {httpGet: {port: 0}}
    env: [{name: '', valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: '0'}}}]
    resources: {}
  volumes: [{name: '', projected: {sources: null}}, {name: '', hostPath: {path: ''}}]
status: {}",
    );
    assert_eq!(pod, expected);
}

#[test]
fn quantities_are_canonical_wherever_they_sit() {
    let mut pod = yaml(
        "spec:
  overhead: {cpu: 250m, memory: 1024Ki}
  resources: {limits: {cpu: 2000m}}
  containers:
  - name: c
    resources: {limits: {cpu: 1, memory: 1024Mi, nvidia.com/gpu: '1'}, requests: {cpu: 0.5, memory: ' 128Mi '}}
  initContainers:
  - {name: i, resources: {requests: {cpu: '1.5', ephemeral-storage: 1e3}}}
  ephemeralContainers:
  - {name: e, resources: {limits: {memory: 1.5Gi}}}
  volumes:
  - {name: v, emptyDir: {medium: Memory, sizeLimit: 1000Mi}}",
    );
    normalize_pod(&mut pod).unwrap();
    let spec = &pod["spec"];
    assert_eq!(spec["overhead"], json!({"cpu": "250m", "memory": "1Mi"}));
    assert_eq!(spec["resources"], json!({"limits": {"cpu": "2"}}));
    assert_eq!(
        spec["containers"][0]["resources"],
        json!({"limits": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "1"},
               "requests": {"cpu": "500m", "memory": "128Mi"}})
    );
    // An unquoted YAML 1e3 is the float 1000 for Go, hence "1k"; a string "1e3" stays "1e3".
    assert_eq!(
        spec["initContainers"][0]["resources"],
        json!({"requests": {"cpu": "1500m", "ephemeral-storage": "1k"}})
    );
    assert_eq!(
        spec["ephemeralContainers"][0]["resources"]["limits"]["memory"],
        "1536Mi"
    );
    assert_eq!(spec["volumes"][0]["emptyDir"]["sizeLimit"], "1000Mi");
}

#[rstest]
#[case::quantity(
    json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "2 cores"}}}]}}),
    "spec.containers[0].resources.limits.cpu: invalid quantity \"2 cores\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)]
#[case::quantity_key_with_dots(
    json!({"kind": "Pod", "spec": {"overhead": {"example.com/foo": "1x"}}}),
    "spec.overhead[\"example.com/foo\"]: invalid quantity \"1x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)]
#[case::wrong_type(
    json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": "hello"}}}}),
    "spec.template.spec.containers: cannot decode a JSON string into Go slice"
)]
#[case::struct_wanted(
    json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "securityContext": true}]}}),
    "spec.containers[0].securityContext: cannot decode a JSON bool into Go SecurityContext"
)]
#[case::int_overflow(
    json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 4294967296_i64}]}]}}),
    "spec.containers[0].ports[0].containerPort: 4294967296 does not fit Go int32"
)]
#[case::fraction(
    json!({"kind": "Deployment", "spec": {"replicas": 1.5}}),
    "spec.replicas: 1.5 does not fit Go int32"
)]
#[case::string_for_int(
    json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "ports": [{"containerPort": "80"}]}]}}),
    "spec.containers[0].ports[0].containerPort: cannot decode a JSON string into Go int32"
)]
#[case::time(
    json!({"kind": "Pod", "metadata": {"creationTimestamp": "last tuesday"}}),
    "metadata.creationTimestamp: invalid time \"last tuesday\": not RFC 3339"
)]
#[case::list_item(
    json!({"kind": "List", "items": [{"kind": "Pod", "spec": {"hostNetwork": "yes"}}]}),
    "items[0].spec.hostNetwork: cannot decode a JSON string into Go bool"
)]
fn go_refuses(#[case] input: Value, #[case] message: &str) {
    assert_eq!(err(input), message);
}

#[test]
fn decoding_quirks_of_sigs_yaml_and_encoding_json() {
    let mut pod = json!({
        "kind": "Pod",
        "metadata": {"labels": {"version": 1.0, "on": true}, "Name": "p", "unknownField": 1,
                     "creationTimestamp": "2024-01-02T01:04:05.5+02:00"},
        "spec": {"containers": [{"name": "c", "args": ["--port", 8080],
                                 "livenessProbe": {"tcpSocket": {"port": null}}}],
                 "nodeSelector": {"b": "2", "a": "1"}},
        "status": {"phase": "Running"}
    });
    normalize_object(&mut pod).unwrap();
    let expected = json!({
        "kind": "Pod",
        "metadata": {"name": "p", "creationTimestamp": "2024-01-01T23:04:05Z",
                     "labels": {"on": "true", "version": "1"}},
        "spec": {"containers": [{"name": "c", "args": ["--port", "8080"], "resources": {},
                                 "livenessProbe": {"tcpSocket": {"port": 0}}}],
                 "nodeSelector": {"a": "1", "b": "2"}},
        "status": {"phase": "Running"}
    });
    assert_eq!(pod, expected);
}

#[test]
fn keys_come_out_in_go_order() {
    let mut v = yaml(
        "status: {}\nspec: {containers: [{resources: {}, image: i, name: c}]}\nmetadata: {labels: {z: '1', a: '2'}}\nkind: Pod\napiVersion: v1",
    );
    normalize_object(&mut v).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&v),
        ["kind", "apiVersion", "metadata", "spec", "status"]
    );
    assert_eq!(
        keys(&v["spec"]["containers"][0]),
        ["name", "image", "resources"]
    );
    assert_eq!(keys(&v["metadata"]["labels"]), ["a", "z"]);
}

#[test]
fn normalizing_twice_changes_nothing() {
    let (mut v, _) = workload(
        "Deployment",
        "apps/v1",
        "\n  template:\n    metadata: {creationTimestamp: null}",
        "",
        "{}",
    );
    normalize_object(&mut v).unwrap();
    let once = serde_json::to_string(&v).unwrap();
    normalize_object(&mut v).unwrap();
    assert_eq!(serde_json::to_string(&v).unwrap(), once);
}

#[test]
fn pod_and_template_entry_points() {
    let mut pod = json!({"kind": "Deployment", "spec": {"containers": [{"name": "c"}]}});
    normalize_pod(&mut pod).unwrap();
    assert_eq!(pod["spec"]["containers"][0]["resources"], json!({}));
    assert_eq!(pod["status"], json!({}));

    let mut tpl =
        json!({"metadata": {"creationTimestamp": null}, "spec": {"containers": [{"name": "c"}]}});
    normalize_pod_template(&mut tpl).unwrap();
    assert_eq!(
        tpl,
        json!({"metadata": {}, "spec": {"containers": [{"name": "c", "resources": {}}]}})
    );

    let mut bad = json!([1]);
    assert_eq!(
        normalize_pod(&mut bad).unwrap_err().to_string(),
        "(root): cannot decode a JSON array into Go Pod"
    );
}

/// `is_pod_encoding` answers what copying, normalising and comparing answers.
fn assert_check_agrees(v: &Value) {
    let mut copy = v.clone();
    let by_copy = normalize_pod(&mut copy).is_ok() && copy == *v;
    assert_eq!(is_pod_encoding(v), by_copy, "disagree on {v}");
}

/// Values that each rule of the walk treats differently.
const PERTURBATIONS: &str = r#"[null, [], {}, 0, 5, 5.0, -1, 1.5, 1099511627776, 18446744073709551615,
  "", "x", "0", "100m", "1000m", " 1", "1.0", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+01:00",
  true, false, ["x"], [null], [{}], {"a": "1"}, {"b": 1}, {"name": "n"}]"#;

/// Every single-point change of `v`: each value replaced by each perturbation, each key
/// removed, renamed to another case, an unknown key added to each object.
fn mutations(v: &Value, extra: &[Value]) -> Vec<Value> {
    fn at(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    path.push(k.clone());
                    at(c, path, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    path.push(i.to_string());
                    at(c, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut paths = Vec::new();
    at(v, &mut Vec::new(), &mut paths);
    let mut out = Vec::new();
    for path in paths {
        let pointer: String = path.iter().map(|p| format!("/{p}")).collect();
        for new in extra {
            let mut m = v.clone();
            *m.pointer_mut(&pointer).unwrap() = new.clone();
            out.push(m);
        }
        let mut m = v.clone();
        if let Some(obj) = m.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            obj.insert("unknownField".into(), json!(1));
            out.push(m);
        }
        let Some((last, parent)) = path.split_last() else {
            continue;
        };
        let parent: String = parent.iter().map(|p| format!("/{p}")).collect();
        let mut m = v.clone();
        if let Some(obj) = m.pointer_mut(&parent).and_then(Value::as_object_mut) {
            let value = obj.shift_remove(last.as_str()).unwrap();
            out.push(m.clone());
            let upper = last.to_uppercase();
            if upper != *last {
                m.pointer_mut(&parent)
                    .and_then(Value::as_object_mut)
                    .unwrap()
                    .insert(upper, value);
                out.push(m);
            }
        }
    }
    out
}

#[test]
fn check_only_pass_agrees_with_normalising_a_copy() {
    let extra: Vec<Value> = serde_json::from_str(PERTURBATIONS).unwrap();
    let pods = [
        yaml(&format!("metadata: {{name: p}}\nspec:{HELLO_POD_SPEC_IN}")),
        yaml(
            "metadata: {name: p, namespace: ns, creationTimestamp: '2024-01-02T03:04:05Z',
  labels: {app: a}, annotations: {x: y}, ownerReferences: [{apiVersion: v1, kind: K, name: n, uid: u, controller: true}]}
spec:
  overhead: {cpu: 250m}
  securityContext: {runAsUser: 0, fsGroup: 2000}
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: i
    args: [a]
    ports: [{containerPort: 80, protocol: TCP}]
    env: [{name: A, value: v}, {name: B, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: '1m'}}}]
    resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {cpu: '1'}}
    readinessProbe: {httpGet: {port: http, path: /}, periodSeconds: 10}
    livenessProbe: {tcpSocket: {port: 8080}}
    securityContext: {privileged: false}
  volumes:
  - {name: v, emptyDir: {sizeLimit: 1Gi}}
  - {name: w, projected: {sources: [{serviceAccountToken: {path: t, expirationSeconds: 3600}}]}}
status: {phase: Pending}",
        ),
        json!({"metadata": {"managedFields": [{"manager": "m", "fieldsV1": {"f:a": {}},
                 "time": "2024-01-02T03:04:05Z"}], "deletionTimestamp": null},
               "spec": {"containers": null}}),
        json!({"kind": "Pod", "metadata": {"labels": {"version": 1.0}, "Name": "p"}}),
    ];
    let mut checked = 0;
    for pod in pods {
        let mut normal = pod.clone();
        normalize_pod(&mut normal).unwrap();
        assert!(is_pod_encoding(&normal), "{normal}");
        for v in [&pod, &normal] {
            assert_check_agrees(v);
            for m in mutations(v, &extra) {
                assert_check_agrees(&m);
                checked += 1;
            }
        }
    }
    for v in [json!(null), json!([]), json!("pod"), json!({})] {
        assert_check_agrees(&v);
    }
    assert!(checked > 5_000, "only {checked} mutations");
}

#[test]
fn check_only_pass_ignores_key_order_as_equality_does() {
    let mut pod = json!({"spec": {"containers": [{"name": "c", "image": "i"}]}});
    normalize_pod(&mut pod).unwrap();
    let reordered: Value = serde_json::from_str(
        r#"{"status": {}, "spec": {"containers": [{"resources": {}, "image": "i", "name": "c"}]}, "metadata": {}}"#,
    )
    .unwrap();
    assert_eq!(reordered, pod);
    assert!(is_pod_encoding(&reordered));
}

/// Every struct reachable from the kinds we decode.
fn all_structs() -> Vec<&'static schema::Struct> {
    let kinds = [
        "Pod",
        "ReplicationController",
        "Deployment",
        "DaemonSet",
        "ReplicaSet",
        "StatefulSet",
        "Job",
        "CronJob",
        "DeploymentConfig",
        "List",
    ];
    let mut todo: Vec<&'static schema::Struct> = kinds
        .into_iter()
        .filter_map(kind_struct)
        .chain([&table::CONTAINER, &table::POD_TEMPLATE_SPEC])
        .collect();
    let mut out: Vec<&'static schema::Struct> = Vec::new();
    while let Some(def) = todo.pop() {
        if out.iter().any(|d| std::ptr::eq(*d, def)) {
            continue;
        }
        out.push(def);
        for f in def.fields {
            if let schema::Ty::Struct(inner) = f.ty {
                todo.push(inner);
            }
        }
    }
    out
}

#[test]
fn field_names_differ_even_ignoring_case() {
    // The check pass counts the fields it matched by exact name; Go's case-insensitive
    // fallback could only match a key to another field if two names differed in case alone.
    let structs = all_structs();
    assert!(structs.len() > 50, "{}", structs.len());
    for def in structs {
        for (i, a) in def.fields.iter().enumerate() {
            for b in &def.fields[i + 1..] {
                assert!(
                    !a.name.eq_ignore_ascii_case(b.name),
                    "{}: {} and {}",
                    def.name,
                    a.name,
                    b.name
                );
            }
        }
    }
}
