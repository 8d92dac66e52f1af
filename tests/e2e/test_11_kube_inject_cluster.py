"""Scenario 11, kube-inject cluster mode against the real API server: with the two Istio
ConfigMaps in istio-system (a custom hub in `values`, a custom trust domain in `mesh`), plain
`kube-inject` (KUBECONFIG set) uses them, `-r` picks the revision's ConfigMaps, and the nodes
decide native sidecars (this API server has no nodes: on, as Istio's DetectNativeSidecar, whose
loop over the nodes finds no old kubelet). With `--webhookConfig NAME`, kube-inject sends each pod
to the webhook that configuration points at (our installed server) instead of rendering locally."""

from __future__ import annotations

import json
import os
import subprocess

import yaml

from conftest import INJECTOR, KUBECONFIG, Injector, apply, kubectl, log

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "app"},
       "spec": {"containers": [{"name": "a", "image": "b"}]}}


def configmaps(suffix: str, hub: str, trust: str) -> list[dict]:
    values = json.dumps({"global": {"hub": hub, "tag": "1.30.3-corp"}})
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"istio-sidecar-injector{suffix}"},
         "data": {"values": values, "config": "policy: enabled\ntemplates:\n  mine: 'metadata: {}'\n"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"istio{suffix}"},
         "data": {"mesh": f"trustDomain: {trust}\n"}},
    ]


def kube_inject(*args: str, pod: dict = POD) -> subprocess.CompletedProcess:
    env = dict(os.environ, KUBECONFIG=str(KUBECONFIG))
    env.pop("ENABLE_NATIVE_SIDECARS", None)
    return subprocess.run([str(INJECTOR), "kube-inject", "-f", "-", *args], input=yaml.safe_dump(pod),
                          env=env, capture_output=True, text=True, timeout=60)


def test_cluster_configmaps_are_used():
    kubectl("create", "namespace", "istio-system", check=False)  # may exist (the injector's)
    apply(configmaps("", "registry.corp/istio", "corp.local") + configmaps("-canary", "canary.corp/istio",
                                                                           "canary.local"), "-n", "istio-system")
    try:
        out = kube_inject()
        assert out.returncode == 0, out.stderr
        pod = yaml.safe_load(out.stdout.split("\n---")[0])
        images = [c["image"] for c in pod["spec"]["containers"] + pod["spec"]["initContainers"]]
        assert "registry.corp/istio/proxyv2:1.30.3-corp" in images, images
        assert "corp.local" in out.stdout
        assert "istio-proxy" in [c["name"] for c in pod["spec"]["initContainers"]], "no nodes: native on"
        assert "istio-proxy" not in [c["name"] for c in pod["spec"]["containers"]]
        assert out.stderr == "", out.stderr
        log("kube-inject with KUBECONFIG: hub and trust domain from the cluster's ConfigMaps")
        canary = kube_inject("-r", "canary")
        assert "canary.corp/istio/proxyv2:1.30.3-corp" in canary.stdout, canary.stderr
        assert "canary.local" in canary.stdout
        log("kube-inject -r canary: istio-sidecar-injector-canary and istio-canary")
        missing = kube_inject("-i", "nowhere")
        assert missing.returncode != 0
        assert "could not read ConfigMap nowhere/istio" in missing.stderr, missing.stderr
    finally:
        kubectl("delete", "configmap", "-n", "istio-system", "istio-sidecar-injector", "istio",
                "istio-sidecar-injector-canary", "istio-canary", "--ignore-not-found")


def test_webhook_config_calls_the_installed_webhook():
    inj = Injector(name="kube-inject-webhook").install()
    try:
        before = inj.metric("sidecar_injection_requests_total")
        out = kube_inject("--webhookConfig", inj.webhook_name)
        assert out.returncode == 0, out.stderr
        pod = yaml.safe_load(out.stdout.split("\n---")[0])
        names = [c["name"] for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]]
        assert "istio-proxy" in names and "istio-init" in names, names
        assert "sidecar.istio.io/status" in pod["metadata"]["annotations"]
        assert inj.metric("sidecar_injection_requests_total") == before + 1, "one review for one pod"
        log(f"kube-inject --webhookConfig {inj.webhook_name}: the installed server injected the pod")
        opted_out = dict(POD, metadata=dict(POD["metadata"], labels={"sidecar.istio.io/inject": "false"}))
        skipped = kube_inject("--webhookConfig", inj.webhook_name, pod=opted_out)
        assert skipped.returncode == 0, skipped.stderr
        assert "istio-proxy" not in skipped.stdout
        assert "Skipping injection" in skipped.stderr, skipped.stderr
        assert inj.metric("sidecar_injection_requests_total") == before + 1, "an opted-out pod is not sent"
        missing = kube_inject("--webhookConfig", "nowhere")
        assert missing.returncode != 0
        assert "--webhookConfig nowhere: could not read the MutatingWebhookConfiguration" in missing.stderr
        log("kube-inject --webhookConfig: opted-out pods are not sent; a missing configuration is named")
    finally:
        inj.uninstall()
