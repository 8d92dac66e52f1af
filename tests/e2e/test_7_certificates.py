"""Scenario 7, self-managed certificates: `serve --self-manage-certs --kube=on` (the chart's
default mode) keeps the real MutatingWebhookConfiguration's caBundle current, with only the
chart's RBAC (get/patch on that one configuration). A restart makes a new CA (a rotation): the
new CA is added to every entry's caBundle and Pods are admitted before and after."""

from __future__ import annotations

import base64
import shutil

import pytest

from conftest import Injector, assert_injected_once, create, kget, log, namespace, pod, wait, wait_webhook_active

NS = "certs"


def bundles(inj: Injector) -> list[str]:
    config = kget("mutatingwebhookconfiguration", inj.webhook_name)
    return [base64.b64decode(h["clientConfig"].get("caBundle", "")).decode() for h in config["webhooks"]]


def our_ca(inj: Injector) -> str:
    return (inj.dir / "certs" / "ca.crt").read_text()


@pytest.fixture(scope="module")
def injector():
    inj = Injector(self_managed=True)
    assert "--self-manage-certs" in inj.server_args()
    inj.install()
    yield inj
    inj.uninstall()


def test_ca_bundle_kept_current_across_rotation(injector):
    inj = injector
    first = wait(lambda: (inj.dir / "certs" / "ca.crt").exists() and our_ca(inj), "the server's CA file")
    wait(lambda: all(first.strip() in b for b in bundles(inj)), "our CA in every caBundle")
    log(f"server patched its CA into all {len(bundles(inj))} webhook entries of {inj.webhook_name}")
    namespace(NS, {"istio-injection": "enabled"})
    wait_webhook_active(NS)
    assert_injected_once(create(pod("before"), "-n", NS))
    log("Pod admitted and injected over TLS with the self-managed certificate")

    inj.stop()
    shutil.rmtree(inj.dir / "certs")
    inj.start()
    second = wait(lambda: (inj.dir / "certs" / "ca.crt").exists() and our_ca(inj), "the new CA file")
    assert second != first, "a restart should have made a new CA"
    wait(lambda: all(second.strip() in b for b in bundles(inj)), "the new CA in every caBundle")
    assert all(first.strip() in b for b in bundles(inj)), "the old CA was dropped (other replicas may use it)"
    wait_webhook_active(NS)
    assert_injected_once(create(pod("after"), "-n", NS))
    log("after rotation (restart, new CA): both CAs in every caBundle, Pod admitted and injected")
