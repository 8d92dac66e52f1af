"""Scenario 2, per-pod opt-in with global.proxy.autoInject: disabled. In a namespace labelled
istio-injection=enabled only Pods saying sidecar.istio.io/inject "true" are injected; in an
unlabelled namespace a Pod labelled sidecar.istio.io/inject: "true" is injected through the
chart's `object.` webhook entry."""

from __future__ import annotations

import pytest

from conftest import REVIEWS_PER_INJECTED_POD, Injector, assert_injected_once, create, injected, log, namespace, pod, wait_webhook_active


@pytest.fixture(scope="module")
def injector():
    inj = Injector({"global": {"proxy": {"autoInject": "disabled"}}}).install()
    yield inj
    inj.uninstall()


def test_labelled_namespace_injects_only_opted_in(injector):
    namespace("optin", {"istio-injection": "enabled"})
    wait_webhook_active("optin", {"sidecar.istio.io/inject": "true"})
    plain = create(pod("plain"), "-n", "optin")
    assert not injected(plain), "autoInject disabled: a Pod that does not opt in must not be injected"
    by_label = create(pod("by-label", {"sidecar.istio.io/inject": "true"}), "-n", "optin")
    assert_injected_once(by_label)
    by_annotation = create(pod("by-annotation", annotations={"sidecar.istio.io/inject": "true"}), "-n", "optin")
    assert_injected_once(by_annotation)
    log("autoInject disabled, ns istio-injection=enabled: plain Pod uninjected; "
        "label inject=true and annotation inject=true Pods injected once")


def test_unlabelled_namespace_object_entry(injector):
    namespace("optin-plain")
    before = injector.metric("sidecar_injection_requests_total")
    plain = create(pod("plain"), "-n", "optin-plain")
    assert not injected(plain)
    assert injector.metric("sidecar_injection_requests_total") == before, \
        "no webhook entry matches an unlabelled namespace and an unlabelled Pod: we must not be called"
    annotated = create(pod("annotated", annotations={"sidecar.istio.io/inject": "true"}), "-n", "optin-plain")
    assert not injected(annotated), "the annotation alone matches no entry's objectSelector"
    labelled = create(pod("labelled", {"sidecar.istio.io/inject": "true"}), "-n", "optin-plain")
    assert_injected_once(labelled)
    assert injector.metric("sidecar_injection_requests_total") == before + REVIEWS_PER_INJECTED_POD
    log("unlabelled ns: plain and annotation-only Pods are not sent to us; "
        "label inject=true Pod is (object. entry) and is injected (reviewed twice: IfNeeded reinvocation)")
