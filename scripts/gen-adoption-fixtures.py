#!/usr/bin/env python3
"""Writes the `coverage` adoption fixtures: namespace `shop` with three Deployments going
from none injected to all injected, as `kubectl get ns,deploy,rs,pods -n shop -o yaml` would
show them at each step. Pods that run a sidecar carry the containers kube-inject adds (only
the names matter to `coverage`). Run from the repository root."""
import os
import yaml

APPS = ["web", "cart", "pay"]
HASH = {"web": "6d4c9b7f5d", "cart": "7b8f6c5d4e", "pay": "5f7d8c9b6a"}
# step -> app -> (template label sidecar.istio.io/inject, pods run a sidecar)
STEPS = {
    "adoption-0-namespace-labelled-all-opted-out": {a: ("false", False) for a in APPS},
    "adoption-1-web-restarted-cart-opted-in": {
        "web": ("true", True), "cart": ("true", False), "pay": ("false", False)},
    "adoption-2-cart-restarted-pay-opted-in": {
        "web": ("true", True), "cart": ("true", True), "pay": ("true", False)},
    "adoption-3-all-injected": {a: ("true", True) for a in APPS},
}


def deployment(app, inject):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": app, "namespace": "shop", "uid": f"uid-{app}"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app, "sidecar.istio.io/inject": inject}},
                "spec": {"containers": [{"name": app, "image": f"example.com/{app}:1.0"}]},
            },
        },
    }


def replica_set(app):
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": f"{app}-{HASH[app]}", "namespace": "shop",
            "labels": {"app": app, "pod-template-hash": HASH[app]},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app,
                                 "uid": f"uid-{app}", "controller": True}],
        },
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}}},
    }


def pod(app, inject, sidecar):
    containers = [{"name": app, "image": f"example.com/{app}:1.0"}]
    init = []
    annotations = {}
    if sidecar:
        init = [{"name": "istio-init", "image": "docker.io/istio/proxyv2:1.30.3"},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.30.3",
                 "restartPolicy": "Always"}]
        annotations["sidecar.istio.io/status"] = (
            '{"initContainers":["istio-init","istio-proxy"],"containers":null,'
            '"volumes":["workload-socket","credential-socket","workload-certs",'
            '"istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],'
            '"imagePullSecrets":null,"revision":"default"}')
    meta = {
        "name": f"{app}-{HASH[app]}-x1", "generateName": f"{app}-{HASH[app]}-",
        "namespace": "shop",
        "labels": {"app": app, "pod-template-hash": HASH[app], "sidecar.istio.io/inject": inject},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                             "name": f"{app}-{HASH[app]}", "uid": f"rs-{app}",
                             "controller": True}],
    }
    if annotations:
        meta["annotations"] = annotations
    spec = {"containers": containers}
    if init:
        spec["initContainers"] = init
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
            "status": {"phase": "Running"}}


for step, apps in STEPS.items():
    items = [{"apiVersion": "v1", "kind": "Namespace",
              "metadata": {"name": "shop", "labels": {"istio-injection": "enabled",
                                                       "kubernetes.io/metadata.name": "shop"}}}]
    for app in APPS:
        inject, sidecar = apps[app]
        items += [deployment(app, inject), replica_set(app), pod(app, inject, sidecar)]
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
    d = os.path.join("tests/fixtures/coverage", step)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.yaml"), "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
