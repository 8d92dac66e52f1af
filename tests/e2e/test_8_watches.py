"""Scenario 8, live watches: with `--kube=on` the server learns namespace labels and kubelet
versions from the real API server's watches, including changes made while it runs. Namespace
knowledge is observed by posting AdmissionReviews to the server directly (the API server's
namespaceSelector would otherwise hide the difference); node versions through real Pod
creation, with Node objects made by hand (there is no kubelet)."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.request
import uuid

import pytest

from conftest import (E2E_PKI, Injector, apply, assert_injected_once, container_names, create, kubectl, log,
                      namespace, pod, wait, wait_webhook_active)

NS = "watched"


@pytest.fixture(scope="module")
def injector():
    inj = Injector().install()
    yield inj
    inj.uninstall()


def review(inj: Injector, ns: str) -> dict:
    """POSTs an AdmissionReview for a plain Pod in `ns` straight to the server."""
    body = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()), "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": ns,
        "operation": "CREATE", "userInfo": {"username": "e2e"}, "object": pod("direct")}}
    ctx = ssl.create_default_context(cafile=str(E2E_PKI / "webhook-ca.crt"))
    req = urllib.request.Request(f"https://127.0.0.1:{inj.port}/inject", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return json.loads(r.read())["response"]


def patched(inj: Injector, ns: str) -> bool:
    resp = review(inj, ns)
    assert resp["allowed"] is True
    return bool(resp.get("patch")) and "istio-proxy" in base64.b64decode(resp["patch"]).decode()


def relabel(ns: str, value: str) -> None:
    kubectl("label", "namespace", ns, f"istio-injection={value}", "--overwrite")


def test_namespace_labels_followed_live(injector):
    namespace(NS, {"istio-injection": "disabled"})
    wait(lambda: not patched(injector, NS), "a skip for the disabled namespace")
    relabel(NS, "enabled")
    wait(lambda: patched(injector, NS), "the server to see istio-injection=enabled", 20)
    log(f"ns {NS} relabelled disabled -> enabled while running: direct review now injects")
    wait_webhook_active(NS)
    assert_injected_once(create(pod("through-api"), "-n", NS))
    relabel(NS, "disabled")
    wait(lambda: not patched(injector, NS), "the server to see istio-injection=disabled", 20)
    log(f"ns {NS} relabelled enabled -> disabled: direct review skips again")
    namespace("watched-late", {"istio-injection": "enabled"})
    wait(lambda: patched(injector, "watched-late"), "a namespace created after start", 20)
    log("namespace created after start is learned from the watch")


def node(name: str, kubelet: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"nodeInfo": {"kubeletVersion": kubelet, "machineID": "", "systemUUID": "", "bootID": "",
                                    "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "",
                                    "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}}


def native(p: dict) -> bool:
    init, main = container_names(p)
    assert_injected_once(p)
    return "istio-proxy" in init


def test_node_versions_followed_live(injector):
    namespace("nodes", {"istio-injection": "enabled"})
    wait_webhook_active("nodes")
    try:
        # No Node at all: every node (vacuously) runs 1.33+, so native, as Istio's
        # DetectNativeSidecar decides.
        assert kubectl("get", "nodes", "-o", "name").stdout.strip() == ""
        assert native(create(pod("p"), "-n", "nodes", "--dry-run=server"))
        log("no Node objects -> istio-proxy is a native sidecar (Istio's rule: all nodes 1.33+, vacuously)")
        apply(node("e2e-old", "v1.32.4"))
        kubectl("patch", "node", "e2e-old", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": node("e2e-old", "v1.32.4")["status"]}))
        wait(lambda: not native(create(pod("p"), "-n", "nodes", "--dry-run=server")),
             "istio-proxy as a regular container with a 1.32 kubelet", 20)
        log("node kubelet v1.32.4 -> istio-proxy is a regular container (not native)")
        kubectl("patch", "node", "e2e-old", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": node("e2e-old", "v1.33.1")["status"]}))
        wait(lambda: native(create(pod("p"), "-n", "nodes", "--dry-run=server")),
             "a native sidecar once the only node runs 1.33", 20)
        log("same node's kubelet patched to v1.33.1 while running -> istio-proxy is a native sidecar")
        apply(node("e2e-older", "v1.31.0"))
        kubectl("patch", "node", "e2e-older", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": node("e2e-older", "v1.31.0")["status"]}))
        wait(lambda: not native(create(pod("p"), "-n", "nodes", "--dry-run=server")),
             "regular sidecar again when a 1.31 node joins", 20)
        log("a v1.31 node added -> back to a regular container (every node must be 1.33+)")
        bound = pod("bound")
        bound["spec"]["nodeName"] = "e2e-old"
        assert native(create(bound, "-n", "nodes", "--dry-run=server"))
        bound["spec"]["nodeName"] = "e2e-older"
        assert not native(create(bound, "-n", "nodes", "--dry-run=server"))
        log("a Pod created with spec.nodeName follows that node's kubelet (1.33 -> native, 1.31 -> regular)")
    finally:
        kubectl("delete", "node", "e2e-old", "e2e-older", "--ignore-not-found")
