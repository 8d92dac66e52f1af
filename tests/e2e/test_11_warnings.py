"""Admission warnings through a real API server: `kubectl create` prints the injector's
`response.warnings` as `Warning: ...` on stderr, and the pod is injected exactly as without
them."""

from __future__ import annotations

import json

import pytest

from conftest import Injector, assert_injected_once, kubectl, log, namespace, pod, wait_webhook_active

NS = "warned"


@pytest.fixture(scope="module")
def injector():
    inj = Injector().install()
    yield inj
    inj.uninstall()


def test_kubectl_prints_the_warnings(injector):
    namespace(NS, {"istio-injection": "enabled"})
    wait_webhook_active(NS)
    obj = pod("typo", {"sidecar.istio.io/inject": "yes"}, {"sidecar.istio.io/proxyCpu": "100m"})
    result = kubectl("create", "-n", NS, "-o", "json", "-f", "-", input=json.dumps(obj))
    assert "Warning: SI001 unknown Istio annotation sidecar.istio.io/proxyCpu: did you mean " \
           "sidecar.istio.io/proxyCPU?" in result.stderr, result.stderr
    assert "Warning: SI002 label sidecar.istio.io/inject=\"yes\"" in result.stderr, result.stderr
    assert_injected_once(json.loads(result.stdout))
    log("kubectl create printed SI001 and SI002; the pod was injected once")
