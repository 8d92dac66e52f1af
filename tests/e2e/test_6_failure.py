"""Scenario 6, failure modes: with our server stopped, failurePolicy Fail makes the API server
refuse the Pod with a message naming our webhook, and Ignore admits it without a sidecar.
`kubectl create --dry-run=server` calls us and creates nothing."""

from __future__ import annotations

import time

import pytest

from conftest import (REVIEWS_PER_INJECTED_POD, Injector, KubectlError, assert_injected_once, create, injected, kubectl, log, namespace, pod,
                      wait_webhook_active)

CALLS = "sidecar_injection_requests_total"


@pytest.mark.parametrize("policy", ["Fail", "Ignore"])
def test_server_down(policy):
    inj = Injector({"webhook": {"failurePolicy": policy, "timeoutSeconds": 5}}).install()
    try:
        ns = f"down-{policy.lower()}"
        namespace(ns, {"istio-injection": "enabled"})
        wait_webhook_active(ns)
        assert_injected_once(create(pod("before"), "-n", ns))
        inj.stop()
        if policy == "Fail":
            with pytest.raises(KubectlError) as refused:
                create(pod("refused"), "-n", ns)
            message = refused.value.stderr
            assert 'failed calling webhook "namespace.sidecar-injector.istio.io"' in message, message
            assert kubectl("get", "pod", "refused", "-n", ns, check=False).returncode != 0
            log(f"server stopped, failurePolicy Fail: refused with: {message.strip()[:200]}")
            # The chart keeps its own namespace out of every entry, so the injector can always
            # start, even in a namespace labelled for injection.
            kubectl("label", "namespace", "istio-system", "istio-injection=enabled", "--overwrite")
            try:
                own = create(pod("injector-like"), "-n", "istio-system", "--dry-run=server")
                assert not injected(own)
            finally:
                kubectl("label", "namespace", "istio-system", "istio-injection-")
            log("server stopped, Fail: a Pod in the injector's own namespace (labelled enabled) is still admitted")
        else:
            p = create(pod("admitted"), "-n", ns)
            assert not injected(p)
            log("server stopped, failurePolicy Ignore: Pod created without a sidecar")
        inj.start()
        assert_injected_once(create(pod("after"), "-n", ns))
        log(f"{policy}: after restart Pods are injected again")
    finally:
        inj.uninstall()


def test_sigterm_keeps_serving_through_the_shutdown_delay():
    """After SIGTERM the server keeps admitting for --shutdown-delay (the chart's 5s, while
    endpoints drop the Pod), then exits; with failurePolicy Fail Pods are refused after."""
    inj = Injector(shutdown_delay="5s").install()
    try:
        namespace("draining", {"istio-injection": "enabled"})
        wait_webhook_active("draining")
        start = time.monotonic()
        inj.proc.terminate()
        assert_injected_once(create(pod("during-delay"), "-n", "draining"))
        assert inj.proc.poll() is None, "exited before the shutdown delay"
        code = inj.proc.wait(timeout=40)
        waited = time.monotonic() - start
        assert code == 0, f"exit status {code} after SIGTERM"
        assert waited >= 4.5, f"exited {waited:.1f}s after SIGTERM, before the 5s delay"
        with pytest.raises(KubectlError):
            create(pod("after-exit"), "-n", "draining")
        log(f"SIGTERM: a Pod created during the delay was injected; exit 0 after {waited:.1f}s; "
            "then refused (Fail)")
    finally:
        inj.uninstall()


def test_dry_run_server_calls_us_and_creates_nothing():
    inj = Injector().install()
    try:
        namespace("dryrun", {"istio-injection": "enabled"})
        wait_webhook_active("dryrun")
        before = inj.metric(CALLS)
        p = create(pod("ghost"), "-n", "dryrun", "--dry-run=server")
        assert_injected_once(p)
        assert inj.metric(CALLS) == before + REVIEWS_PER_INJECTED_POD, \
            "dry-run=server must call the webhook (sideEffects: None), reinvoked as for a real create"
        assert kubectl("get", "pod", "ghost", "-n", "dryrun", check=False).returncode != 0, "dry run created the Pod"
        log("--dry-run=server: our webhook called (twice, as for a real create), injected Pod returned, nothing stored")
    finally:
        inj.uninstall()
