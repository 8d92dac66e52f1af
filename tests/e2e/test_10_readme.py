"""The README's "Install and adopt" commands, run as written against the real API server (the
namespace renamed so the scenario starts clean; `helm install`/`uninstall` are the Injector
fixture's, which installs the same chart). Keeps the README true: a command that changes or
breaks fails here."""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import ROOT, Injector, apply, assert_injected_once, injected, kget, kubectl, log, namespace, \
    wait, wait_webhook_active
from test_1_adoption import newest_pods, revision

NS = "readme-shop"


@pytest.fixture(scope="module")
def injector():
    inj = Injector().install()
    yield inj
    inj.uninstall()


def readme_kubectl_lines() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Install and adopt", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README: no sh block under 'Install and adopt'"
    commands = []
    for line in block.group(1).splitlines():
        line = line.split("  #", 1)[0].strip()
        if line.startswith("kubectl "):
            args = shlex.split(line)[1:]
            commands.append([a.replace("shop", NS) if a == "shop" else a for a in args])
    assert len(commands) >= 4, commands
    return commands


def deployment(name: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": f"registry.example/{name}:1"}]}}}}


def test_readme_install_and_adopt_commands(injector):
    namespace(NS)
    apply([deployment("web"), deployment("batch")], "-n", NS)
    for app in ("web", "batch"):
        pods = wait(lambda: newest_pods(NS, app), f"{app}'s first Pod")
        assert not injected(pods[0]), "injected before the namespace was labelled"
    before = {app: revision(NS, app) for app in ("web", "batch")}
    opted_out = []
    for args in readme_kubectl_lines():
        out = kubectl(*args)
        log(f"README: kubectl {' '.join(args)} -> ok {out.stdout.strip()[:80]!r}")
        if args[:1] == ["label"]:
            wait_webhook_active(NS)
        if args[-1:] and '"sidecar.istio.io/inject":"false"' in args[-1]:
            # Checked now: once batch opts back in, its opted-out ReplicaSet is old and unhealthy
            # (no kubelet makes anything available), and the Deployment controller scales such
            # ReplicaSets down first, so its Pods may be gone by the end of the README.
            opted_out = wait(lambda: [p for p in newest_pods(NS, "batch")
                                      if p["metadata"].get("labels", {}).get("sidecar.istio.io/inject") == "false"],
                             "batch's opted-out Pod")
            assert not any(injected(p) for p in opted_out), "batch's opted-out Pods were injected"
    assert opted_out, "README: no command opts batch out"
    # web was restarted after the label: its new Pods carry the sidecar.
    web = wait(lambda: revision(NS, "web") > before["web"] and newest_pods(NS, "web"), "web's restarted Pod")
    for p in web:
        assert_injected_once(p)
    # batch was opted out (a template change: new Pods without sidecar), then back in. Back in
    # reverts the template, so the Deployment reuses its first ReplicaSet; a real cluster had
    # scaled that to 0 and scales it up again (new, injected Pods), but without a kubelet nothing
    # ever became available and its first, pre-label Pod is still there. A restart stands in
    # for that scale-up here.
    template = kget("deployment", "batch", "-n", NS)["spec"]["template"]["metadata"]
    assert "sidecar.istio.io/inject" not in template.get("labels", {}), template
    kubectl("rollout", "restart", "deploy/batch", "-n", NS)
    batch = wait(lambda: revision(NS, "batch") >= before["batch"] + 3 and newest_pods(NS, "batch"),
                 "batch's Pod after opting back in")
    for p in batch:
        assert_injected_once(p)
    log("README: label, opt out, restart, opt back in: web and batch injected exactly when the README says")
    kubectl("delete", "namespace", NS, "--wait=false")
