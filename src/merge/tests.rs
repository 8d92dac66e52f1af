//! End-to-end rules of [`merge_pod`], one rstest table per rule, and properties.

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{json, Value};

use super::*;

fn merged(mut target: Value, overlay: Value) -> Value {
    merge_pod(&mut target, &overlay).unwrap();
    target
}

fn spec(spec: Value) -> Value {
    json!({ "spec": spec })
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[rstest]
#[case::fields_merge_recursively(
    json!({"metadata": {"labels": {"app": "a"}, "name": "p"}}),
    json!({"metadata": {"labels": {"sidecar": "x"}}}),
    json!({"metadata": {"labels": {"app": "a", "sidecar": "x"}, "name": "p"}})
)]
#[case::null_deletes(
    json!({"metadata": {"labels": {"app": "a", "b": "c"}}}),
    json!({"metadata": {"labels": {"b": null}}}),
    json!({"metadata": {"labels": {"app": "a"}}})
)]
#[case::unmatched_null_is_ignored(
    json!({"metadata": {}}),
    json!({"metadata": {"labels": null, "annotations": {"a": null, "b": "c"}}}),
    json!({"metadata": {"annotations": {"b": "c"}}})
)]
#[case::scalar_replaced(
    json!({"spec": {"hostNetwork": false}}),
    json!({"spec": {"hostNetwork": true}}),
    json!({"spec": {"hostNetwork": true}})
)]
#[case::other_type_replaces(
    json!({"spec": {"x": "s"}}),
    json!({"spec": {"x": {"a": 1, "b": null}}}),
    json!({"spec": {"x": {"a": 1}}})
)]
#[case::unstrategic_list_replaced(
    json!({"spec": {"tolerations": [{"key": "a"}], "containers": [{"name": "c", "args": ["1", "2"]}]}}),
    json!({"spec": {"tolerations": [{"key": "b"}], "containers": [{"name": "c", "args": ["3"]}]}}),
    json!({"spec": {"tolerations": [{"key": "b"}], "containers": [{"name": "c", "args": ["3"]}]}})
)]
#[case::empty_overlay_list_keeps_target(
    spec(json!({"initContainers": [{"name": "a"}, {"name": "b"}]})),
    spec(json!({"initContainers": []})),
    spec(json!({"initContainers": [{"name": "a"}, {"name": "b"}]}))
)]
#[case::empty_overlay_list_sets_absent_field(
    spec(json!({})),
    spec(json!({"initContainers": []})),
    spec(json!({"initContainers": []}))
)]
#[case::null_target_field_takes_overlay(
    spec(json!({"containers": null})),
    spec(json!({"containers": [{"name": "a", "env": null}]})),
    spec(json!({"containers": [{"name": "a"}]}))
)]
fn objects_and_unstrategic_fields(
    #[case] target: Value,
    #[case] overlay: Value,
    #[case] expected: Value,
) {
    assert_eq!(merged(target, overlay), expected);
}

#[rstest]
#[case::containers_by_name(
    spec(json!({"containers": [{"name": "app", "image": "a"}, {"name": "istio-proxy", "image": "auto", "args": ["x"]}]})),
    spec(json!({"containers": [{"name": "istio-proxy", "image": "proxyv2"}]})),
    spec(json!({"containers": [{"name": "app", "image": "a"}, {"name": "istio-proxy", "image": "proxyv2", "args": ["x"]}]}))
)]
#[case::new_container_goes_first(
    spec(json!({"containers": [{"name": "hello"}]})),
    spec(json!({"containers": [{"name": "injected"}]})),
    spec(json!({"containers": [{"name": "injected"}, {"name": "hello"}]}))
)]
#[case::new_init_containers_before_user_ones(
    spec(json!({"initContainers": [{"name": "init-one"}, {"name": "init-two"}]})),
    spec(json!({"initContainers": [{"name": "istio-init"}, {"name": "istio-proxy"}]})),
    spec(json!({"initContainers": [{"name": "istio-init"}, {"name": "istio-proxy"}, {"name": "init-one"}, {"name": "init-two"}]}))
)]
#[case::env_by_name(
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]})),
    spec(json!({"containers": [{"name": "c", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]})),
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}))
)]
#[case::env_value_from_replaces_value_only_by_null(
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}]}]})),
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "value": null, "valueFrom": {"fieldRef": {"fieldPath": "x"}}}]}]})),
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}]}]}))
)]
#[case::ports_by_container_port_as_float(
    spec(json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}]}]})),
    spec(json!({"containers": [{"name": "c", "ports": [{"containerPort": 80.0, "protocol": "UDP"}, {"containerPort": 15090}]}]})),
    spec(json!({"containers": [{"name": "c", "ports": [{"containerPort": 80.0, "name": "http", "protocol": "UDP"}, {"containerPort": 15090}]}]}))
)]
#[case::volume_mounts_by_mount_path(
    spec(json!({"containers": [{"name": "c", "volumeMounts": [{"mountPath": "/a", "name": "x"}]}]})),
    spec(json!({"containers": [{"name": "c", "volumeMounts": [{"mountPath": "/a", "name": "y"}, {"mountPath": "/b", "name": "z"}]}]})),
    spec(json!({"containers": [{"name": "c", "volumeMounts": [{"mountPath": "/a", "name": "y"}, {"mountPath": "/b", "name": "z"}]}]}))
)]
#[case::volumes_keep_user_ones_after_new(
    spec(json!({"volumes": [{"name": "user", "emptyDir": {}}]})),
    spec(json!({"volumes": [{"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}, {"name": "istio-data", "emptyDir": {}}]})),
    spec(json!({"volumes": [{"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}, {"name": "istio-data", "emptyDir": {}}, {"name": "user", "emptyDir": {}}]}))
)]
#[case::image_pull_secrets_by_name(
    spec(json!({"imagePullSecrets": [{"name": "a"}]})),
    spec(json!({"imagePullSecrets": [{"name": "a"}, {"name": "b"}]})),
    spec(json!({"imagePullSecrets": [{"name": "a"}, {"name": "b"}]}))
)]
#[case::host_aliases_by_ip(
    spec(json!({"hostAliases": [{"ip": "1.1.1.1", "hostnames": ["a"]}]})),
    spec(json!({"hostAliases": [{"ip": "1.1.1.1", "hostnames": ["b"]}]})),
    spec(json!({"hostAliases": [{"ip": "1.1.1.1", "hostnames": ["b"]}]}))
)]
#[case::owner_references_by_uid(
    json!({"metadata": {"ownerReferences": [{"uid": "1", "name": "a"}]}}),
    json!({"metadata": {"ownerReferences": [{"uid": "1", "kind": "ReplicaSet"}]}}),
    json!({"metadata": {"ownerReferences": [{"uid": "1", "name": "a", "kind": "ReplicaSet"}]}})
)]
#[case::finalizers_union(
    json!({"metadata": {"finalizers": ["a", "b"]}}),
    json!({"metadata": {"finalizers": ["b", "c"]}}),
    json!({"metadata": {"finalizers": ["a", "b", "c"]}})
)]
// Go deduplicates in the target's own array, so its "server order" sees `c`
// where the second `a` was.
#[case::finalizers_with_duplicates(
    json!({"metadata": {"finalizers": ["a", "a", "b"]}}),
    json!({"metadata": {"finalizers": ["c"]}}),
    json!({"metadata": {"finalizers": ["a", "c", "b"]}})
)]
#[case::overlay_duplicates_fold_into_one(
    spec(json!({"containers": [{"name": "app"}]})),
    spec(json!({"containers": [{"name": "x", "image": "1"}, {"name": "x", "args": ["a"]}]})),
    spec(json!({"containers": [{"name": "x", "image": "1", "args": ["a"]}, {"name": "app"}]}))
)]
#[case::target_duplicates_first_one_merged(
    spec(json!({"containers": [{"name": "x", "image": "1"}, {"name": "x", "image": "2"}]})),
    spec(json!({"containers": [{"name": "x", "image": "3"}]})),
    spec(json!({"containers": [{"name": "x", "image": "3"}, {"name": "x", "image": "2"}]}))
)]
// Go sorts target-only elements by the position of the first element with
// their key, so duplicates (allowed in `env`) end up side by side.
#[case::duplicate_target_keys_are_grouped(
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "B"}, {"name": "A", "value": "2"}]}]})),
    spec(json!({"containers": [{"name": "c", "env": []}]})),
    spec(json!({"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}, {"name": "B"}]}]}))
)]
#[case::appended_element_is_kept_as_written(
    spec(json!({"containers": [{"name": "app"}]})),
    spec(json!({"containers": [{"name": "new", "env": null, "securityContext": {"$patch": "delete"}}]})),
    spec(json!({"containers": [{"name": "new", "env": null, "securityContext": {"$patch": "delete"}}, {"name": "app"}]}))
)]
fn merge_lists(#[case] target: Value, #[case] overlay: Value, #[case] expected: Value) {
    assert_eq!(merged(target, overlay), expected);
}

#[rstest]
#[case::replace_object(
    json!({"metadata": {"labels": {"key": "value"}}}),
    json!({"metadata": {"labels": {"$patch": "replace", "foo": "bar"}}}),
    json!({"metadata": {"labels": {"foo": "bar"}}})
)]
#[case::replace_object_absent_in_target_drops_it(
    json!({"metadata": {}}),
    json!({"metadata": {"labels": {"$patch": "replace", "foo": "bar"}}}),
    json!({"metadata": {}})
)]
#[case::delete_object(
    spec(json!({"securityContext": {"runAsUser": 1}})),
    spec(json!({"securityContext": {"$patch": "delete"}})),
    spec(json!({"securityContext": {}}))
)]
#[case::delete_list_element(
    spec(json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "a"}]})),
    spec(json!({"containers": [{"name": "a", "$patch": "delete"}]})),
    spec(json!({"containers": [{"name": "b"}]}))
)]
#[case::replace_list(
    spec(json!({"volumes": [{"name": "a"}, {"name": "b"}]})),
    spec(json!({"volumes": [{"name": "c"}, {"$patch": "replace"}]})),
    spec(json!({"volumes": [{"name": "c"}]}))
)]
#[case::retain_keys(
    spec(json!({"volumes": [{"name": "v", "emptyDir": {}}]})),
    spec(json!({"volumes": [{"name": "v", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}]})),
    spec(json!({"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}))
)]
#[case::delete_from_primitive_list(
    json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
    json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
    json!({"metadata": {"finalizers": ["a", "c"]}})
)]
#[case::delete_from_absent_primitive_list(
    json!({"metadata": {}}),
    json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
    json!({"metadata": {}})
)]
#[case::set_element_order(
    spec(json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})),
    spec(json!({"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}], "containers": [{"name": "a", "image": "x"}]})),
    // `b` sat before `c` in the target, so it stays in front of it.
    spec(json!({"containers": [{"name": "b"}, {"name": "c"}, {"name": "a", "image": "x"}]}))
)]
// Go's old slice header sees the deletion and the append made in place: `b`
// and `d` shifted left, `c` written into the freed slot (upstream pins this).
#[case::set_element_order_with_delete(
    spec(json!({"containers": [{"name": "a"}, {"name": "b", "image": "b"}, {"name": "d"}]})),
    spec(json!({"$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
                "containers": [{"name": "c"}, {"name": "a", "$patch": "delete"}]})),
    spec(json!({"containers": [{"name": "b", "image": "b"}, {"name": "d"}, {"name": "c"}]}))
)]
#[case::set_element_order_of_scalars(
    json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
    json!({"metadata": {"$setElementOrder/finalizers": ["c", "b", "a"]}}),
    json!({"metadata": {"finalizers": ["c", "b", "a"]}})
)]
#[case::replace_whole_pod(
    json!({"metadata": {"name": "a"}, "spec": {}}),
    json!({"$patch": "replace", "spec": {"containers": []}}),
    json!({"spec": {"containers": []}})
)]
fn directives(#[case] target: Value, #[case] overlay: Value, #[case] expected: Value) {
    assert_eq!(merged(target, overlay), expected);
}

#[rstest]
#[case::overlay_not_object(json!({}), json!([]), "overlay of a strategic merge must be a JSON object")]
#[case::target_not_object(json!(null), json!({}), "target of a strategic merge must be a JSON object")]
#[case::unknown_object_directive(
    json!({"metadata": {"labels": {}}}),
    json!({"metadata": {"labels": {"$patch": "merge"}}}),
    "at `metadata.labels`: unknown `$patch` directive \"merge\" on an object"
)]
#[case::merge_directive_in_list(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": [{"$patch": "merge"}]})),
    "at `spec.containers[0]`: `$patch: merge` in a list is not supported"
)]
#[case::unknown_list_directive(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": [{"$patch": 1}]})),
    "at `spec.containers[0]`: unknown `$patch` directive 1 in a list"
)]
#[case::missing_merge_key(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": [{"image": "x"}]})),
    "at `spec.containers[name=?]`: list element has no merge key `name`"
)]
#[case::delete_without_merge_key(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": [{"$patch": "delete"}]})),
    "at `spec.containers[0]`: list element has no merge key `name`"
)]
#[case::object_merge_key(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": [{"name": {"x": 1}}]})),
    "merge key `name` must hold a string, number, bool or null, got an object"
)]
#[case::target_element_without_key(
    spec(json!({"containers": [{"image": "a"}]})),
    spec(json!({"containers": [{"name": "b"}]})),
    "at `spec.containers`: list element has no merge key `name`"
)]
#[case::mixed_elements(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": ["b"]})),
    "list elements are not all of the same type (found an object and a string)"
)]
#[case::null_element(
    spec(json!({"containers": [{"name": "a"}]})),
    spec(json!({"containers": [null]})),
    "a merged list cannot contain null elements"
)]
#[case::list_of_lists(
    json!({"metadata": {"finalizers": [["a"]]}}),
    json!({"metadata": {"finalizers": [["b"]]}}),
    "lists of lists are not supported"
)]
#[case::objects_in_scalar_merge_list(
    json!({"metadata": {"finalizers": [{"a": 1}]}}),
    json!({"metadata": {"finalizers": [{"b": 1}]}}),
    "at `metadata.finalizers`: cannot merge a list of objects that has no merge key"
)]
#[case::bad_primitive_list_key(
    json!({"metadata": {"finalizers": ["a"]}}),
    json!({"metadata": {"$deleteFromPrimitiveList": ["a"]}}),
    "invalid directive key `$deleteFromPrimitiveList`"
)]
#[case::retain_keys_not_a_list(
    spec(json!({})),
    spec(json!({"$retainKeys": "a"})),
    "at `spec.$retainKeys`: expected a list, got a string"
)]
#[case::retain_keys_missing_field(
    spec(json!({})),
    spec(json!({"$retainKeys": ["a"], "b": 1})),
    "field `b` is set in the patch but missing from `$retainKeys`"
)]
#[case::set_element_order_mismatch(
    spec(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
    spec(json!({"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "b"}, {"name": "a"}]})),
    "does not follow the order of its `$setElementOrder` list"
)]
#[case::set_element_order_not_list(
    spec(json!({"containers": []})),
    spec(json!({"$setElementOrder/containers": {"name": "a"}})),
    "at `spec.$setElementOrder/containers`: expected a list, got an object"
)]
#[case::set_element_order_without_elements(
    spec(json!({"containers": []})),
    spec(json!({"$setElementOrder/containers": [{"name": "a"}]})),
    "applies to a field with no list elements on either side"
)]
fn malformed_overlays_are_refused(
    #[case] mut target: Value,
    #[case] overlay: Value,
    #[case] message: &str,
) {
    let err = merge_pod(&mut target, &overlay).unwrap_err();
    assert!(err.to_string().contains(message), "{err}");
}

/// Istio's `proxy-override` shape: the user customises `istio-proxy`, the
/// template's container merges into it in place and its fields win.
#[test]
fn user_proxy_container_is_merged_in_place() {
    let target = spec(json!({
        "containers": [
            {"name": "hello", "image": "fake.docker.io/google-samples/hello-go-gke:1.0", "resources": {}},
            {"name": "istio-proxy", "image": "auto", "resources": {"limits": {"cpu": "5"}},
             "env": [{"name": "USER", "value": "1"}], "lifecycle": {"preStop": {"exec": {"command": ["sleep"]}}}}
        ],
        "volumes": [{"name": "user-volume", "emptyDir": {}}]
    }));
    let overlay = spec(json!({
        "initContainers": [{"name": "istio-init", "image": "proxyv2"}],
        "containers": [{"name": "istio-proxy", "image": "proxyv2", "args": ["proxy", "sidecar"],
            "env": [{"name": "PILOT_CERT_PROVIDER", "value": "istiod"}],
            "resources": {"requests": {"cpu": "100m"}}}],
        "volumes": [{"name": "istio-envoy", "emptyDir": {}}]
    }));
    let out = merged(target, overlay);
    assert_eq!(names(&out["spec"]["containers"]), ["hello", "istio-proxy"]);
    assert_eq!(names(&out["spec"]["initContainers"]), ["istio-init"]);
    assert_eq!(
        names(&out["spec"]["volumes"]),
        ["istio-envoy", "user-volume"]
    );
    let proxy = &out["spec"]["containers"][1];
    assert_eq!(proxy["image"], "proxyv2");
    assert_eq!(
        proxy["resources"],
        json!({"limits": {"cpu": "5"}, "requests": {"cpu": "100m"}})
    );
    assert_eq!(names(&proxy["env"]), ["PILOT_CERT_PROVIDER", "USER"]);
    assert_eq!(
        proxy["lifecycle"]["preStop"]["exec"]["command"],
        json!(["sleep"])
    );
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0u16..4).prop_map(Value::from),
        prop::sample::select(vec!["a", "b", "replace", "delete", "merge", "name"])
            .prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "name",
        "image",
        "containers",
        "initContainers",
        "env",
        "ports",
        "containerPort",
        "volumes",
        "finalizers",
        "labels",
        "spec",
        "metadata",
        "$patch",
        "$retainKeys",
        "$setElementOrder/containers",
        "$setElementOrder/finalizers",
        "$deleteFromPrimitiveList/finalizers",
    ]);
    leaf.prop_recursive(4, 48, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// A well-formed Pod: containers with distinct names, env, ports, volumes.
fn arb_pod() -> impl Strategy<Value = Value> {
    let container = (
        prop::collection::btree_set("[a-e]", 0..4),
        prop::collection::btree_set(1u16..5, 0..3),
        prop::option::of("[xyz]"),
    )
        .prop_map(|(env, ports, image)| {
            let env: Vec<Value> = env
                .into_iter()
                .map(|n| json!({"name": n, "value": "v"}))
                .collect();
            let ports: Vec<Value> = ports
                .into_iter()
                .map(|p| json!({"containerPort": p}))
                .collect();
            json!({"image": image, "env": env, "ports": ports, "args": ["x"]})
        });
    (
        prop::collection::btree_map("[a-f]", container, 0..4),
        prop::collection::btree_set("[a-c]", 0..3),
        prop::collection::btree_map("[a-c]", "[a-c]", 0..3),
    )
        .prop_map(|(containers, volumes, labels)| {
            let containers: Vec<Value> = containers
                .into_iter()
                .map(|(name, mut c)| {
                    c["name"] = json!(name);
                    c
                })
                .collect();
            let volumes: Vec<Value> = volumes.into_iter().map(|v| json!({"name": v, "emptyDir": {}})).collect();
            json!({"metadata": {"labels": labels}, "spec": {"containers": containers, "volumes": volumes}})
        })
}

proptest! {
    #[test]
    fn empty_overlay_is_identity(pod in arb_pod(), junk in arb_json()) {
        for target in [pod, json!({"x": junk})] {
            prop_assert_eq!(merged(target.clone(), json!({})), target);
        }
    }

    #[test]
    fn merging_is_deterministic(target in arb_pod(), overlay in arb_pod()) {
        let (mut a, mut b) = (target.clone(), target);
        prop_assert_eq!(merge_pod(&mut a, &overlay), merge_pod(&mut b, &overlay));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn well_formed_pods_merge_keeping_every_container(target in arb_pod(), overlay in arb_pod()) {
        let out = merged(target.clone(), overlay.clone());
        let result = names(&out["spec"]["containers"]);
        let before = names(&target["spec"]["containers"]);
        let added = names(&overlay["spec"]["containers"]);
        // Every container survives once; the target's keep their relative order.
        prop_assert_eq!(result.len(), before.iter().chain(&added).collect::<std::collections::BTreeSet<_>>().len());
        let kept: Vec<&str> = result.iter().copied().filter(|n| before.contains(n)).collect();
        let sorted_before: Vec<&str> = before.iter().copied().filter(|n| kept.contains(n)).collect();
        prop_assert_eq!(kept, sorted_before);
    }

    #[test]
    fn arbitrary_json_never_panics(target in arb_json(), overlay in arb_json()) {
        let mut a = json!({"spec": target.clone(), "metadata": target});
        let _ = merge_pod(&mut a, &json!({"spec": overlay.clone(), "metadata": overlay}));
    }
}
