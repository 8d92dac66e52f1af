"""Scenario 5, reinvocation: a second mutating webhook (tests/e2e/cluster/cmd/mutator) adds a
container after ours. With the chart's reinvocationPolicy IfNeeded the API server calls us
again; the stored Pod has the extra container and exactly one sidecar."""

from __future__ import annotations

import base64
import subprocess
import urllib.request
import ssl

import pytest

from conftest import (E2E_BIN, E2E_PKI, Injector, apply, assert_injected_once, container_names, create,
                      free_port, kubectl, log, namespace, pod, wait, wait_webhook_active)

NS = "reinvoke"


@pytest.fixture(scope="module")
def setup():
    inj = Injector().install()
    port = free_port()
    proc = subprocess.Popen([str(E2E_BIN / "mutator"), "--listen", f"127.0.0.1:{port}",
                             "--cert", str(E2E_PKI / "webhook.crt"), "--key", str(E2E_PKI / "webhook.key")])
    ca = base64.b64encode((E2E_PKI / "webhook-ca.crt").read_bytes()).decode()
    # Webhooks run in the order of their configuration names: "zz-" sorts after ours.
    config = {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "zz-late-helper"},
        "webhooks": [{
            "name": "late-helper.e2e.example",
            "clientConfig": {"url": f"https://127.0.0.1:{port}/mutate", "caBundle": ca},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NS}},
            "sideEffects": "None", "failurePolicy": "Fail", "admissionReviewVersions": ["v1"],
            "reinvocationPolicy": "Never",
        }],
    }
    apply(config)
    yield inj, port
    kubectl("delete", "mutatingwebhookconfiguration", "zz-late-helper", "--ignore-not-found")
    proc.terminate()
    proc.wait(timeout=10)
    inj.uninstall()


def mutator_calls(port: int) -> int:
    ctx = ssl.create_default_context(cafile=str(E2E_PKI / "webhook-ca.crt"))
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/calls", context=ctx, timeout=5) as r:
        return int(r.read())


def test_reinvocation_keeps_one_sidecar(setup):
    inj, port = setup
    namespace(NS, {"istio-injection": "enabled"})
    wait_webhook_active(NS)
    wait(lambda: "late-helper" in container_names(create(pod("probe2"), "-n", NS, "--dry-run=server"))[1],
         "the second webhook to be active")
    ours, theirs = inj.metric("sidecar_injection_requests_total"), mutator_calls(port)
    p = create(pod("app"), "-n", NS)
    assert_injected_once(p)
    init, main = container_names(p)
    assert main.count("late-helper") == 1, main
    assert main.count("app") == 1, main
    # Only one reinvocation round exists: late-helper's change and the ServiceAccount plugin's
    # mounts are both handled by that second call.
    assert inj.metric("sidecar_injection_requests_total") == ours + 2, \
        "IfNeeded: the API server should call us twice (first pass, then one reinvocation)"
    assert mutator_calls(port) == theirs + 1
    log(f"ours -> late-helper -> ours again (2 calls to us, 1 to it); final init={init} containers={main}")
