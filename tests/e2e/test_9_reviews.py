"""What a real API server sends an injection webhook, compared with what our emulator
(/work/shared/istio-compat/webhook.py, tests/server_*.rs) assumes. A capturing webhook
(tests/e2e/cluster/cmd/mutator, /capture) is registered before ours with reinvocationPolicy
IfNeeded, so it sees exactly the objects we see, first call and reinvocation. The reviews are
kept in target/e2e-captures/ for use as fixtures."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import urllib.request

import pytest

from conftest import (E2E_BIN, E2E_PKI, ROOT, Injector, apply, assert_injected_once, kget, kubectl, log,
                      namespace, free_port, wait, wait_webhook_active)

NS = "captured"


@pytest.fixture(scope="module")
def capture():
    inj = Injector().install()
    port = free_port()
    proc = subprocess.Popen([str(E2E_BIN / "mutator"), "--listen", f"127.0.0.1:{port}",
                             "--cert", str(E2E_PKI / "webhook.crt"), "--key", str(E2E_PKI / "webhook.key")])
    ca = base64.b64encode((E2E_PKI / "webhook-ca.crt").read_bytes()).decode()
    apply({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "aa-capture"},  # sorts before ours: called first in each round
        "webhooks": [{
            "name": "capture.e2e.example",
            "clientConfig": {"url": f"https://127.0.0.1:{port}/capture", "caBundle": ca},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NS}},
            "sideEffects": "None", "failurePolicy": "Fail", "admissionReviewVersions": ["v1"],
            "reinvocationPolicy": "IfNeeded",
        }],
    })
    yield inj, port
    kubectl("delete", "mutatingwebhookconfiguration", "aa-capture", "--ignore-not-found")
    proc.terminate()
    proc.wait(timeout=10)
    inj.uninstall()


def captured(port: int, what: str = "reviews") -> list:
    ctx = ssl.create_default_context(cafile=str(E2E_PKI / "webhook-ca.crt"))
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/captured", context=ctx, timeout=5) as r:
        return json.loads(r.read())[what] or []


def mounts(pod: dict, name: str) -> list[str]:
    spec = pod["spec"]
    c = next(c for c in spec.get("initContainers", []) + spec["containers"] if c["name"] == name)
    return [m["name"] for m in c.get("volumeMounts", [])]


def test_what_the_api_server_sends(capture):
    inj, port = capture
    namespace(NS, {"istio-injection": "enabled"})
    wait_webhook_active(NS)
    seen = len(captured(port))
    skipped = inj.metric("sidecar_injection_skip_total")
    apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "web", "image": "registry.example/web:1"}]}}}},
          "-n", NS)
    reviews = wait(lambda: captured(port)[seen:] if len(captured(port)) >= seen + 2 else None,
                   "two reviews of the ReplicaSet's Pod")
    out = ROOT / "target" / "e2e-captures"
    out.mkdir(parents=True, exist_ok=True)
    for i, r in enumerate(reviews):
        (out / f"replicaset-pod-{i + 1}.json").write_text(json.dumps(r, indent=2, sort_keys=True))
    first, second = (r["request"] for r in reviews[:2])
    # The API server's webhook client offers h2 and uses it when the webhook accepts it
    # (ours does, like this Go one); the emulator defaults to HTTP/1.1.
    assert set(captured(port, "protos")) == {"HTTP/2.0"}

    # A fresh uid per call, reinvocation included.
    assert first["uid"] != second["uid"]
    # Controller-made Pods have no name yet (request.name absent, not ""), only generateName;
    # metadata.namespace is filled in; managedFields are present.
    assert "name" not in first and "name" not in first["object"]["metadata"]
    assert first["object"]["metadata"]["generateName"].startswith("web-")
    assert first["object"]["metadata"]["namespace"] == NS == first["namespace"]
    assert first["userInfo"]["username"] == "system:serviceaccount:kube-system:replicaset-controller"
    # Built-in admission has already run: service account token volume and mount, defaults.
    assert first["object"]["spec"]["serviceAccountName"] == "default"
    token = next(v["name"] for v in first["object"]["spec"]["volumes"] if v["name"].startswith("kube-api-access-"))
    assert mounts(first["object"], "web") == [token]
    assert {t["key"] for t in first["object"]["spec"]["tolerations"]} == \
        {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}
    assert first["object"]["metadata"]["managedFields"]
    # The emulator sends creationTimestamp: null (Istio's test encoding); the API server omits it.
    assert "creationTimestamp" not in first["object"]["metadata"]
    assert first["object"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"  # defaulted
    log("webhook calls arrive over HTTP/2")
    log(f"first review: no name, generateName {first['object']['metadata']['generateName']!r}, "
        f"SA token volume {token} already mounted, default tolerations present")

    # The reinvocation carries our injection, plus the ServiceAccount plugin's second pass:
    # the token is now mounted into the containers we added.
    assert_injected_once(second["object"])
    assert token in mounts(second["object"], "istio-proxy")
    assert token in mounts(second["object"], "istio-init")
    log("reinvocation review (fresh uid): injected Pod with the SA token mounted into istio-init and "
        "istio-proxy by the ServiceAccount plugin; we answered 'already injected'")
    # (The capture sees each round just before we do: wait for our answer to the second.)
    wait(lambda: inj.metric("sidecar_injection_skip_total") == skipped + 1, "our skip of the reinvocation", 10)
    [stored] = wait(lambda: kget("pods", "-n", NS, "-l", "app=web")["items"], "the stored Pod")
    assert_injected_once(stored)
