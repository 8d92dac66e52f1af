"""Scenario 7, self-managed certificates: `serve --self-manage-certs --kube=on` (the chart's
default mode) keeps the real MutatingWebhookConfiguration's caBundle current, with only the
chart's RBAC (get/patch on that one configuration). A restart makes a new CA (a rotation): the
new CA is added to every entry's caBundle and Pods are admitted before and after."""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from conftest import Injector, apply, assert_injected_once, create, kget, kubectl, log, namespace, pod, wait, wait_webhook_active

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


def test_reapplying_the_chart_keeps_the_ca_bundle(injector):
    """The chart leaves caBundle out so that upgrades keep the live value: checked with
    client-side `kubectl apply` and with server-side apply under Helm's field manager."""
    inj = injector
    ca = wait(lambda: (inj.dir / "certs" / "ca.crt").exists() and our_ca(inj), "the server's CA file")
    wait(lambda: all(ca.strip() in b for b in bundles(inj)), "our CA in every caBundle")
    [config] = [o for o in inj.cluster_objects() if o["kind"] == "MutatingWebhookConfiguration"]
    assert all("caBundle" not in h["clientConfig"] for h in config["webhooks"])
    apply(config)
    assert all(ca.strip() in b for b in bundles(inj)), "kubectl apply dropped the caBundle"
    kubectl("apply", "--server-side", "--field-manager=helm", "--force-conflicts", "-f", "-",
            input=json.dumps(config))
    assert all(ca.strip() in b for b in bundles(inj)), "server-side apply dropped the caBundle"
    namespace("certs-reapplied", {"istio-injection": "enabled"})
    wait_webhook_active("certs-reapplied")
    assert_injected_once(create(pod("after-upgrade"), "-n", "certs-reapplied"))
    log("chart's webhook configuration re-applied (client-side apply, then server-side apply as 'helm'): "
        "caBundle kept, Pods still injected")
