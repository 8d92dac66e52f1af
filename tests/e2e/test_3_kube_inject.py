"""Scenario 3, kube-inject then apply: our `kube-inject` output for a Deployment, StatefulSet,
Job, CronJob and an old extensions/v1beta1 Deployment is accepted by the real API server
(`kubectl apply --dry-run=server` and `kubectl apply`), and the webhook leaves the Pods of the
already-injected workloads alone (one sidecar, not two)."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from conftest import (INJECTOR, Injector, KubectlError, apply, assert_injected_once, container_names, kget,
                      kubectl, log,
                      namespace, wait, wait_webhook_active)

NS = "injected"


def template(app: str, restart: str | None = None) -> dict:
    spec = {"containers": [{"name": app, "image": f"registry.example/{app}:1", "ports": [{"containerPort": 8080}]}]}
    if restart:
        spec["restartPolicy"] = restart
    return {"metadata": {"labels": {"app": app}}, "spec": spec}


MANIFESTS = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
     "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": template("web")}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
     "spec": {"replicas": 1, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
              "template": template("db")}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
     "spec": {"template": template("migrate", "Never")}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report"},
     "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template("report", "OnFailure")}}}},
]

LEGACY = {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "legacy"},
          "spec": {"replicas": 1, "template": template("legacy")}}


def kube_inject(objs: list[dict]) -> list[dict]:
    # Offline on purpose (this cluster has no Istio ConfigMaps; cluster mode is scenario 11),
    # with the native sidecars this scenario was written for (kube-inject's default is now auto).
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    out = subprocess.run([str(INJECTOR), "kube-inject", "-f", "-", "--native-sidecars=true"],
                         input=yaml.safe_dump_all(objs), env=env,
                         capture_output=True, text=True, check=True, timeout=60)
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def pod_spec(obj: dict) -> dict:
    """The Pod template, with the metadata kube-inject annotated: for a CronJob Istio writes
    the annotations to spec.jobTemplate.metadata (not the Pod template's), and so do we."""
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        job = spec["jobTemplate"]
        return {"metadata": job["metadata"], "spec": job["spec"]["template"]["spec"]}
    return spec["template"]


@pytest.fixture(scope="module")
def injector():
    inj = Injector().install()
    yield inj
    inj.uninstall()


def test_kube_inject_output_accepted(injector):
    namespace(NS, {"istio-injection": "enabled"})
    wait_webhook_active(NS)
    injected = kube_inject(MANIFESTS)
    assert [o["kind"] for o in injected] == [o["kind"] for o in MANIFESTS]
    for obj in injected:
        assert_injected_once(pod_spec(obj))
    dry = kubectl("apply", "-n", NS, "--dry-run=server", "-f", "-", input=yaml.safe_dump_all(injected)).stdout
    assert dry.count("(server dry run)") == len(MANIFESTS), dry
    assert kget("deployments", "-n", NS)["items"] == [], "--dry-run=server created something"
    log("kube-inject output (Deployment, StatefulSet, Job, CronJob) passes kubectl apply --dry-run=server; nothing created")
    apply(injected, "-n", NS)
    for obj in injected:
        live = kget(obj["kind"].lower(), obj["metadata"]["name"], "-n", NS)
        assert_injected_once(pod_spec(live))
    log("kubectl apply stores them with istio-init + istio-proxy intact")

    # Controllers create Pods from the injected templates; our webhook sees them and must not
    # add a second sidecar.
    for app in ("web", "db", "migrate"):
        pods = wait(lambda: kget("pods", "-n", NS, "-l", f"app={app}")["items"], f"a Pod of {app}")
        for p in pods:
            assert_injected_once(p)
    log("Pods created by the deployment, statefulset and job controllers through our webhook: one sidecar each")

    # A Job made from the CronJob: its Pod template has the sidecar but not the status
    # annotation (that sits on the jobTemplate, as in Istio).
    kubectl("create", "job", "--from=cronjob/report", "report-now", "-n", NS)
    [p] = wait(lambda: kget("pods", "-n", NS, "-l", "job-name=report-now")["items"], "a Pod of report-now")
    init, main = container_names(p)
    assert_injected_once(p)
    assert "proxy.istio.io/overrides" in p["metadata"]["annotations"]
    log("Job from the injected CronJob: its Pod (sidecar, no status annotation) is re-injected by the "
        "webhook as Istio does (existing istio-proxy kept as overrides): still one sidecar")


def test_legacy_manifest(injector):
    [out] = kube_inject([LEGACY])
    assert out["apiVersion"] == "extensions/v1beta1"
    assert_injected_once(pod_spec(out))
    # Kubernetes stopped serving extensions/v1beta1 Deployments in 1.16: the real API server
    # (through kubectl's discovery) refuses the kind outright, injected or not.
    with pytest.raises(KubectlError) as refused:
        kubectl("apply", "-n", NS, "--dry-run=server", "-f", "-", input=yaml.safe_dump(out))
    assert "extensions/v1beta1" in refused.value.stderr
    # The injected Pod template itself is valid for today's API: as apps/v1 (which requires the
    # selector the old API defaulted from the template labels) it is accepted and stored.
    out["apiVersion"] = "apps/v1"
    out["spec"]["selector"] = {"matchLabels": out["spec"]["template"]["metadata"]["labels"]}
    apply(out, "-n", NS)
    assert_injected_once(pod_spec(kget("deployment", "legacy", "-n", NS)))
    log("extensions/v1beta1 output keeps its apiVersion (refused by a 1.37 API server: kind not served); "
        "its injected template as apps/v1 is accepted")
