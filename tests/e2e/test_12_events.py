"""Scenario 12, Kubernetes Events: with the chart's defaults (`--kube=on --events=on`) a
Deployment's injected Pods leave one `Injected` Event on the Deployment (not on its ReplicaSet,
not one per Pod), found with `kubectl get events`; its count follows the replicas once the
aggregation window has passed (the API server accepts our count update). A Deployment whose
Pods opt out by annotation gets `InjectionSkipped` with the reason. The dry-run probes of
`wait_webhook_active` and the API server's reinvocation of each injected Pod send nothing."""

from __future__ import annotations

import pytest

from conftest import Injector, apply, kget, kubectl, log, namespace, wait, wait_webhook_active

NS = "eventful"


@pytest.fixture(scope="module")
def injector():
    inj = Injector().install()
    yield inj
    inj.uninstall()


def deployment(name: str, replicas: int, annotations: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                         "spec": {"containers": [{"name": name, "image": f"registry.example/{name}:1"}]}},
        },
    }


def events(**selector: str) -> list[dict]:
    """`kubectl get events` (core/v1, as users read them) in NS, ours only (the controllers
    post their own on the ReplicaSet and Deployment), by field selector."""
    fields = ",".join(f"{k}={v}" for k, v in {"reportingComponent": "sidecar-injector", **selector}.items())
    return kget("events", "-n", NS, "--field-selector", fields)["items"]


def count(ev: dict) -> int:
    return (ev.get("series") or {}).get("count") or ev.get("count") or 1


def test_events_on_the_deployment(injector):
    namespace(NS, {"istio-injection": "enabled"})
    wait_webhook_active(NS)
    apply([deployment("web", 3), deployment("batch", 1, {"sidecar.istio.io/inject": "false"})], "-n", NS)

    def injected_event():
        found = events(reason="Injected")
        return found[0] if len(found) == 1 and count(found[0]) >= 1 else None
    ev = wait(injected_event, "an Injected Event", 30)
    obj = ev["involvedObject"]
    assert (obj["kind"], obj["name"]) == ("Deployment", "web"), obj
    assert obj["uid"] == kget("deployment", "web", "-n", NS)["metadata"]["uid"]
    assert ev["type"] == "Normal"
    assert ev["message"].startswith("Sidecar injected: "), ev["message"]
    assert ev["reportingComponent"] == "sidecar-injector"
    table = kubectl("get", "events", "-n", NS, "--field-selector", "reason=Injected").stdout
    assert "deployment/web" in table and "Sidecar injected" in table, table
    log(f"kubectl get events: Injected on deployment/web: {ev['message']!r}")

    skipped = wait(lambda: events(reason="InjectionSkipped"), "an InjectionSkipped Event", 30)
    assert len(skipped) == 1, skipped
    assert skipped[0]["involvedObject"]["name"] == "batch"
    assert skipped[0]["message"] == ("Sidecar injection skipped: pod annotation "
                                     "sidecar.istio.io/inject=false (rule pod_annotation)")
    log("InjectionSkipped on deployment/batch with the decision's reason; none for web's reinvocations")

    # The count: 3 Pods, one Event object, updated once the 30 s window has passed.
    ev = wait(lambda: next((e for e in events(reason="Injected") if count(e) == 3), None),
              "the Injected Event's count to reach 3", 60, every=2)
    assert len(events(reason="Injected")) == 1
    assert not events(**{"involvedObject.kind": "ReplicaSet"}), "nothing on the ReplicaSet"
    assert not events(**{"involvedObject.kind": "Pod"}), "nothing for the dry-run probes"
    assert injector.metric("sidecar_injector_events_total") >= 3
    log("3 replicas -> one Event with series.count 3 (a create and one update)")
    # A ReplicaSet's pods reach the webhook byte-identical but for the review's uid: the
    # replica memo answers all but the first (and its Events are the ones counted above).
    hits = injector.metric("sidecar_injector_review_memo_lookups_total", 'result="hit"')
    assert hits >= 2, f"{hits} replica memo hits for 3 replicas"
    log(f"replica memo: {hits:.0f} hits (web's 3 replicas: the 2nd and 3rd answered from it)")
    print(kubectl("get", "events", "-n", NS, "--field-selector", "reportingComponent=sidecar-injector").stdout)
