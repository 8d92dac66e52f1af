"""Scenario 4, revisions: the chart installed twice, as the default revision and with
`revision: canary`. A namespace labelled istio.io/rev=canary is injected by the canary release
only; a namespace labelled istio-injection=enabled by the default one only."""

from __future__ import annotations

import json

import pytest

from conftest import REVIEWS_PER_INJECTED_POD, Injector, assert_injected_once, create, log, namespace, pod, wait_webhook_active

CALLS = "sidecar_injection_requests_total"


@pytest.fixture(scope="module")
def injectors():
    default = Injector().install()
    canary = Injector({"revision": "canary"}, name="sidecar-injector-canary").install()
    yield default, canary
    canary.uninstall()
    default.uninstall()


def proxy_config(p: dict) -> str:
    containers = p["spec"].get("initContainers", []) + p["spec"]["containers"]
    proxy = next(c for c in containers if c["name"] == "istio-proxy")
    return json.dumps(proxy)


def test_canary_namespace(injectors):
    default, canary = injectors
    assert default.webhook_name != canary.webhook_name
    namespace("rev-canary", {"istio.io/rev": "canary"})
    wait_webhook_active("rev-canary")
    calls = default.metric(CALLS), canary.metric(CALLS)
    p = create(pod("app"), "-n", "rev-canary")
    assert_injected_once(p)
    assert default.metric(CALLS) == calls[0], "the default revision was called for an istio.io/rev=canary namespace"
    assert canary.metric(CALLS) == calls[1] + REVIEWS_PER_INJECTED_POD
    assert "istiod-canary.istio-system.svc:15012" in proxy_config(p)
    assert p["metadata"]["labels"].get("istio.io/rev") == "canary" or \
        json.loads(p["metadata"]["annotations"]["sidecar.istio.io/status"]).get("revision") == "canary"
    log("ns istio.io/rev=canary: injected once, by the canary server only (request counters), "
        "discovery address istiod-canary")


def test_default_namespace(injectors):
    default, canary = injectors
    namespace("rev-default", {"istio-injection": "enabled"})
    wait_webhook_active("rev-default")
    calls = default.metric(CALLS), canary.metric(CALLS)
    p = create(pod("app"), "-n", "rev-default")
    assert_injected_once(p)
    assert default.metric(CALLS) == calls[0] + REVIEWS_PER_INJECTED_POD
    assert canary.metric(CALLS) == calls[1], "the canary revision was called for an istio-injection=enabled namespace"
    assert "istiod.istio-system.svc:15012" in proxy_config(p)
    log("ns istio-injection=enabled: injected once, by the default server only, discovery address istiod")
