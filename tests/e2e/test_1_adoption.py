"""Scenario 1, incremental adoption: a namespace labelled istio-injection=enabled whose three
Deployments opt out; the opt-out is removed from one workload at a time, followed by
`kubectl rollout restart`, and only that workload's new Pods carry istio-init/istio-proxy.
Done once with the pod label form and once with the annotation form."""

from __future__ import annotations

import pytest

from conftest import Injector, apply, injected, kget, kubectl, log, namespace, wait, wait_webhook_active, \
    assert_injected_once

APPS = ["cart", "checkout", "catalog"]


@pytest.fixture(scope="module")
def injector():
    inj = Injector().install()
    yield inj
    inj.uninstall()


def deployment(name: str, form: str) -> dict:
    meta = {"labels": {"app": name}}
    if form == "label":
        meta["labels"]["sidecar.istio.io/inject"] = "false"
    else:
        meta["annotations"] = {"sidecar.istio.io/inject": "false"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": meta, "spec": {"containers": [
                {"name": name, "image": f"registry.example/{name}:1", "ports": [{"containerPort": 8080}]}]}},
        },
    }


def newest_pods(ns: str, app: str) -> list[dict]:
    """Pods of the Deployment's newest ReplicaSet (highest revision)."""
    rss = kget("replicasets", "-n", ns, "-l", f"app={app}")["items"]
    if not rss:
        return []
    newest = max(rss, key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    template_hash = newest["metadata"]["labels"]["pod-template-hash"]
    return kget("pods", "-n", ns, "-l", f"app={app},pod-template-hash={template_hash}")["items"]


def revision(ns: str, app: str) -> int:
    rss = kget("replicasets", "-n", ns, "-l", f"app={app}")["items"]
    return max((int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]) for rs in rss), default=0)


@pytest.mark.parametrize("form", ["label", "annotation"])
def test_incremental_adoption(injector, form):
    ns = f"shop-{form}" if form == "annotation" else "shop"
    namespace(ns, {"istio-injection": "enabled"})
    wait_webhook_active(ns)
    apply([deployment(app, form) for app in APPS], "-n", ns)
    for app in APPS:
        pods = wait(lambda: newest_pods(ns, app), f"{app}'s first Pod")
        assert not injected(pods[0]), f"{app} opted out but was injected"
    log(f"{ns}: 3 Deployments opted out by {form}; their Pods have no sidecar")

    adopted: list[str] = []
    for app in APPS:
        before = revision(ns, app)
        if form == "label":
            path = "/spec/template/metadata/labels/sidecar.istio.io~1inject"
        else:
            path = "/spec/template/metadata/annotations/sidecar.istio.io~1inject"
        kubectl("patch", "deployment", app, "-n", ns, "--type=json", "-p", f'[{{"op":"remove","path":"{path}"}}]')
        kubectl("rollout", "restart", f"deployment/{app}", "-n", ns)
        pods = wait(lambda: revision(ns, app) >= before + 2 and newest_pods(ns, app),
                    f"{app}'s restarted ReplicaSet to have a Pod")
        for p in pods:
            assert_injected_once(p)
            assert p["metadata"]["annotations"].get("kubectl.kubernetes.io/restartedAt"), "not the restarted template"
        adopted.append(app)
        for other in APPS:
            if other in adopted:
                continue
            for p in kget("pods", "-n", ns, "-l", f"app={other}")["items"]:
                assert not injected(p), f"{other} was injected while still opted out"
        log(f"{ns}: {form} removed from {app} + rollout restart -> its new Pod has istio-init + istio-proxy; "
            f"still opted out: {[a for a in APPS if a not in adopted]} uninjected")
    kubectl("delete", "namespace", ns, "--wait=false")
