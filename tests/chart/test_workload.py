"""The injector's own objects: a hardened Deployment, its Service, least-privilege RBAC, the
ConfigMap the server reads, and the objects that come and go with replicas and monitoring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from conftest import NAMESPACE, ROOT, load_values, render

ADMIN_PORT = 15014


def test_pod_is_hardened(rendered):
    pod = rendered.deployment["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532,
        "seccompProfile": {"type": "RuntimeDefault"}}
    assert "hostNetwork" not in pod and "hostPID" not in pod
    security = rendered.container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsNonRoot"] is True
    assert security["privileged"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}


def test_resources_are_requested(rendered):
    requests = rendered.container["resources"]["requests"]
    assert requests.get("cpu") and requests.get("memory")


def test_probes_use_the_admin_port(rendered):
    container = rendered.container
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": ADMIN_PORT}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": ADMIN_PORT}
    assert {"containerPort": ADMIN_PORT, "name": "http-monitoring", "protocol": "TCP"} in \
        container["ports"]
    assert rendered.flag("admin-listen") == f"0.0.0.0:{ADMIN_PORT}"


def test_server_flags(rendered, value_set):
    values = load_values(value_set)
    assert rendered.args[0] == "serve"
    mounts = {m["name"]: m["mountPath"] for m in rendered.container["volumeMounts"]}
    assert rendered.flag("valuesFile") == f"{mounts['config']}/values.yaml"
    assert rendered.flag("meshConfigFile") == f"{mounts['config']}/mesh.yaml"
    assert rendered.flag("native-sidecars") == str(values.get("nativeSidecars", "auto"))
    assert rendered.flag("events") == ("on" if values.get("events", True) else "off")
    assert rendered.flag("kube") == "on"
    assert rendered.flag("log-format") == values.get("logFormat", "json")
    # Every flag is given once.
    names = [a.split("=", 1)[0] for a in rendered.args[1:]]
    assert len(names) == len(set(names))


def test_config_and_tls_are_mounted_as_directories(rendered):
    """kubelet updates ConfigMap and Secret volumes by swapping a symlink; a subPath mount
    would never see the new files."""
    for mount in rendered.container["volumeMounts"]:
        assert "subPath" not in mount and "subPathExpr" not in mount, mount["name"]
    volumes = {v["name"]: v for v in rendered.deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["config"]["configMap"]["name"] == rendered.one("ConfigMap")["metadata"]["name"]


def test_self_managed_certificates(by_set):
    for value_set in ("default", "self-managed", "revision", "ha"):
        rendered = by_set(value_set)
        volumes = {v["name"]: v for v in rendered.deployment["spec"]["template"]["spec"]["volumes"]}
        mounts = {m["name"]: m for m in rendered.container["volumeMounts"]}
        assert "emptyDir" in volumes["certs"]
        assert rendered.flag("cert-dir") == mounts["certs"]["mountPath"]
        assert not mounts["certs"].get("readOnly")
        assert rendered.flag("tls-cert") is None and rendered.flag("tls-key") is None
        assert not any("secret" in v for v in volumes.values()), value_set
        assert not rendered.all("Certificate") and not rendered.all("Issuer")


def test_cert_manager_certificates(by_set):
    for value_set in ("cert-manager", "cert-manager-issuer"):
        rendered = by_set(value_set)
        serving = next(c for c in rendered.all("Certificate") if not c["spec"].get("isCA"))
        volumes = {v["name"]: v for v in rendered.deployment["spec"]["template"]["spec"]["volumes"]}
        mounts = {m["name"]: m for m in rendered.container["volumeMounts"]}
        assert volumes["tls"]["secret"]["secretName"] == serving["spec"]["secretName"]
        assert mounts["tls"]["readOnly"] is True
        assert rendered.flag("tls-cert") == f"{mounts['tls']['mountPath']}/tls.crt"
        assert rendered.flag("tls-key") == f"{mounts['tls']['mountPath']}/tls.key"
        assert rendered.flag("cert-dir") is None and "certs" not in volumes


def test_service(rendered):
    service = rendered.one("Service")
    assert service["spec"]["type"] == "ClusterIP"
    ports = {p["name"]: (p["port"], p["targetPort"]) for p in service["spec"]["ports"]}
    assert ports == {"https-webhook": (443, 15017), "http-monitoring": (ADMIN_PORT, ADMIN_PORT)}
    pod_labels = rendered.deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert rendered.deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]


def test_injector_pods_are_never_injected(rendered):
    labels = rendered.deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["sidecar.istio.io/inject"] == "false"
    assert "istio.io/rev" not in labels


# --- RBAC ---------------------------------------------------------------------------------

def allowed_rule(rule: dict, webhook_name: str) -> bool:
    """The only grants the injector may have."""
    keys = set(rule)
    if rule.get("apiGroups") == [""] and set(rule.get("resources", [])) <= {"namespaces", "nodes"}:
        return keys == {"apiGroups", "resources", "verbs"} and \
            set(rule["verbs"]) <= {"get", "list", "watch"}
    events = {"events.k8s.io": ("events", {"create", "patch"}), "apps": ("replicasets", {"get"}),
              "batch": ("jobs", {"get"})}
    group = (rule.get("apiGroups") or [""])[0]
    if rule.get("apiGroups") == [group] and group in events:
        resource, verbs = events[group]
        return keys == {"apiGroups", "resources", "verbs"} and rule["resources"] == [resource] and \
            set(rule["verbs"]) <= verbs
    if rule.get("apiGroups") == ["admissionregistration.k8s.io"]:
        return keys == {"apiGroups", "resources", "resourceNames", "verbs"} and \
            rule["resources"] == ["mutatingwebhookconfigurations"] and \
            rule["resourceNames"] == [webhook_name] and \
            set(rule["verbs"]) <= {"get", "patch"}
    return False


def test_rbac_grants_nothing_else(rendered, value_set):
    webhook_name = rendered.webhook_config["metadata"]["name"]
    assert not rendered.all("Role") and not rendered.all("RoleBinding")
    role = rendered.one("ClusterRole")
    for rule in role["rules"]:
        assert allowed_rule(rule, webhook_name), rule
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[field], rule
    self_managed = (load_values(value_set).get("certificates") or {}).get("mode", "selfManaged") \
        == "selfManaged"
    grants = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"]
              for r in rule["resources"] for v in rule["verbs"]}
    expected = {("", r, v) for r in ("namespaces", "nodes") for v in ("get", "list", "watch")}
    if load_values(value_set).get("events", True):
        expected |= {("events.k8s.io", "events", "create"), ("events.k8s.io", "events", "patch"),
                     ("apps", "replicasets", "get"), ("batch", "jobs", "get")}
    if self_managed:
        expected |= {("admissionregistration.k8s.io", "mutatingwebhookconfigurations", v)
                     for v in ("get", "patch")}
    assert grants == expected


def test_rbac_binds_only_the_injector(rendered):
    binding = rendered.one("ClusterRoleBinding")
    account = rendered.one("ServiceAccount")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": rendered.one("ClusterRole")["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount",
                                    "name": account["metadata"]["name"], "namespace": NAMESPACE}]
    pod = rendered.deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]


def test_rbac_resource_name_follows_the_release():
    rendered = render({}, name="si", namespace="mesh-tools")
    rule = rendered.one("ClusterRole")["rules"][-1]
    assert rule["resourceNames"] == [rendered.webhook_config["metadata"]["name"]]
    assert rendered.flag("webhook-config-name") == "si-sidecar-injector-mesh-tools"


# --- the ConfigMap the server reads ------------------------------------------------------

INJECTOR_VALUE_KEYS = {"global", "sidecarInjectorWebhook", "revision", "pilot", "gateways"}


def injector_config(rendered) -> tuple[dict, dict]:
    data = rendered.one("ConfigMap")["data"]
    assert set(data) == {"values.yaml", "mesh.yaml"}
    return yaml.safe_load(data["values.yaml"]), yaml.safe_load(data["mesh.yaml"])


def test_injector_values_tree(rendered, value_set):
    values, _ = injector_config(rendered)
    assert set(values) == INJECTOR_VALUE_KEYS
    assert values["revision"] == load_values(value_set).get("revision", "")
    assert set(values["pilot"]["cni"]) == {"enabled", "provider"}
    assert values["global"]["istioNamespace"] == "istio-system"
    assert values["global"]["hub"] == "docker.io/istio" and values["global"]["tag"] == "1.30.3"


def test_mesh_config(by_set):
    _, mesh = injector_config(by_set("default"))
    assert mesh == {
        "defaultConfig": {"discoveryAddress": "istiod.istio-system.svc:15012"},
        "defaultProviders": {"metrics": ["prometheus"]},
        "enablePrometheusMerge": True,
        "rootNamespace": "istio-system",
        "trustDomain": "cluster.local",
    }
    values, mesh = injector_config(by_set("revision"))
    assert mesh["defaultConfig"]["discoveryAddress"] == "istiod-canary.istio-system.svc:15012"
    assert mesh["accessLogFile"] == "/dev/stdout"
    assert values["global"]["proxy"]["logLevel"] == "info"


def test_mesh_config_overrides_win():
    rendered = render({"global": {"meshID": "mesh1", "istioNamespace": "istio-control"},
                       "meshConfig": {"trustDomain": "example.org",
                                      "defaultConfig": {"holdApplicationUntilProxyStarts": True}}})
    _, mesh = injector_config(rendered)
    assert mesh["trustDomain"] == "example.org"
    assert mesh["rootNamespace"] == "istio-control"
    assert mesh["defaultConfig"] == {"discoveryAddress": "istiod.istio-control.svc:15012",
                                     "meshId": "mesh1", "holdApplicationUntilProxyStarts": True}


def test_config_change_rolls_the_pods():
    def checksum(values):
        return render(values).deployment["spec"]["template"]["metadata"]["annotations"][
            "checksum/config"]
    assert checksum({}) != checksum({"meshConfig": {"accessLogFile": "/dev/stdout"}})
    assert checksum({}) == checksum({"replicaCount": 2})


COMPAT_HELLO = Path(os.environ.get("ISTIO_COMPAT", ROOT.parent / "shared" / "istio-compat")) \
    / "cases" / "hello"


def leaves(tree, prefix=()):
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from leaves(value, prefix + (key,))
    else:
        yield prefix, tree


@pytest.mark.skipif(not COMPAT_HELLO.is_dir(), reason="istio-compat cases not checked out")
def test_config_uses_istio_names():
    """Every key the chart writes is a key of Istio's own files (same format as the compat
    cases' values.yaml and mesh.yaml), with a value of the same type."""
    values, mesh = injector_config(render({}))
    for ours, theirs in ((values, "values.yaml"), (mesh, "mesh.yaml")):
        reference = dict(leaves(yaml.safe_load((COMPAT_HELLO / theirs).read_text())))
        for path, value in leaves(ours):
            assert path in reference, f"{theirs}: {'.'.join(path)} is not an Istio key"
            assert type(value) is type(reference[path]), f"{theirs}: {'.'.join(path)}"


@pytest.mark.skipif(not COMPAT_HELLO.is_dir(), reason="istio-compat cases not checked out")
def test_istio_values_pass_through_unchanged():
    """The `values` of Istio's istio-sidecar-injector ConfigMap can be given to the chart as a
    values file and reach the server unchanged (bar the webhook's reinvocation policy)."""
    istio = yaml.safe_load((COMPAT_HELLO / "values.yaml").read_text())
    values, _ = injector_config(render(istio))
    expected = {**istio, "sidecarInjectorWebhook": {**istio["sidecarInjectorWebhook"],
                                                   "reinvocationPolicy": "IfNeeded"}}
    assert values == expected


# --- replicas, disruption budget, autoscaling, monitoring ----------------------------------

def test_single_replica_by_default(default):
    assert default.deployment["spec"]["replicas"] == 1
    assert not default.all("PodDisruptionBudget") and not default.all("HorizontalPodAutoscaler")
    assert not default.all("ServiceMonitor")
    strategy = default.deployment["spec"]["strategy"]
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("values,budget", [
    ({"replicaCount": 1}, False),
    ({"replicaCount": 2}, True),
    ({"autoscaling": {"enabled": True, "minReplicas": 1}}, False),
    ({"autoscaling": {"enabled": True, "minReplicas": 2}}, True),
])
def test_disruption_budget_only_with_several_replicas(values, budget):
    assert bool(render(values).all("PodDisruptionBudget")) is budget


def test_ha(by_set):
    rendered = by_set("ha")
    assert "replicas" not in rendered.deployment["spec"]  # the autoscaler owns it
    hpa = rendered.one("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": rendered.deployment["metadata"]["name"]}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
               for m in hpa["spec"]["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    pdb = rendered.one("PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
    assert pdb["spec"]["selector"]["matchLabels"] == \
        rendered.deployment["spec"]["selector"]["matchLabels"]
    pod = rendered.deployment["spec"]["template"]["spec"]
    anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["topologyKey"] == "kubernetes.io/hostname"
    assert pod["priorityClassName"] == "system-cluster-critical"


def test_spread_and_anti_affinity_select_the_injector(rendered):
    pod = rendered.deployment["spec"]["template"]["spec"]
    selector = rendered.deployment["spec"]["selector"]["matchLabels"]
    for constraint in pod["topologySpreadConstraints"]:
        assert constraint["labelSelector"]["matchLabels"] == selector
    anti = pod["affinity"]["podAntiAffinity"]
    terms = anti.get("requiredDuringSchedulingIgnoredDuringExecution") or [
        t["podAffinityTerm"] for t in anti["preferredDuringSchedulingIgnoredDuringExecution"]]
    assert all(t["labelSelector"]["matchLabels"] == selector for t in terms)


def test_anti_affinity_can_be_turned_off():
    pod = render({"podAntiAffinity": "none", "topologySpreadConstraints": []}).deployment[
        "spec"]["template"]["spec"]
    assert "affinity" not in pod and "topologySpreadConstraints" not in pod


def test_service_monitor_shape(by_set):
    rendered = by_set("ha")
    monitor = rendered.one("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    service = rendered.one("Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= \
        service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    assert monitor["spec"]["endpoints"] == [{"port": "http-monitoring", "path": "/metrics",
                                             "scheme": "http", "interval": "15s"}]
    assert "http-monitoring" in {p["name"] for p in service["spec"]["ports"]}


# --- cert-manager objects (custom resources: shapes asserted here, not by kubernetes-validate)

def test_cert_manager_ca_chain(by_set):
    rendered = by_set("cert-manager")
    issuers = {i["metadata"]["name"]: i for i in rendered.all("Issuer")}
    certs = {c["metadata"]["name"]: c for c in rendered.all("Certificate")}
    assert set(issuers) == {"sidecar-injector-selfsigned", "sidecar-injector-ca"}
    assert set(certs) == {"sidecar-injector-ca", "sidecar-injector-serving"}
    for obj in [*issuers.values(), *certs.values()]:
        assert obj["apiVersion"] == "cert-manager.io/v1"
        assert obj["metadata"]["namespace"] == NAMESPACE
    assert issuers["sidecar-injector-selfsigned"]["spec"] == {"selfSigned": {}}
    ca = certs["sidecar-injector-ca"]["spec"]
    assert ca["isCA"] is True
    assert ca["issuerRef"] == {"name": "sidecar-injector-selfsigned", "kind": "Issuer",
                               "group": "cert-manager.io"}
    assert issuers["sidecar-injector-ca"]["spec"] == {"ca": {"secretName": ca["secretName"]}}
    serving = certs["sidecar-injector-serving"]["spec"]
    assert serving["issuerRef"] == {"name": "sidecar-injector-ca", "kind": "Issuer",
                                    "group": "cert-manager.io"}
    assert (serving["duration"], serving["renewBefore"]) == ("720h", "240h")
    assert_serving_certificate(rendered, serving)


def test_cert_manager_with_an_existing_issuer(by_set):
    rendered = by_set("cert-manager-issuer")
    assert not rendered.all("Issuer")
    serving = rendered.one("Certificate")["spec"]
    assert serving["issuerRef"] == {"name": "platform-ca", "kind": "ClusterIssuer",
                                    "group": "cert-manager.io"}
    assert_serving_certificate(rendered, serving)


def assert_serving_certificate(rendered, spec):
    service = rendered.one("Service")["metadata"]["name"]
    # The API server calls https://<service>.<namespace>.svc:443/inject.
    assert f"{service}.{NAMESPACE}.svc" in spec["dnsNames"]
    assert "isCA" not in spec
    assert spec["usages"] == ["server auth", "digital signature"]
    assert spec["privateKey"]["rotationPolicy"] == "Always"
    assert set(spec) == {"secretName", "duration", "renewBefore", "dnsNames", "usages",
                         "privateKey", "issuerRef"}


def test_chart_version_matches_the_crate():
    """The chart's appVersion is the default image tag, so it must be the server's version."""
    chart = yaml.safe_load((ROOT / "charts" / "sidecar-injector" / "Chart.yaml").read_text())
    cargo = (ROOT / "Cargo.toml").read_text()
    version = next(line.split('"')[1] for line in cargo.splitlines()
                   if line.startswith("version"))
    assert chart["appVersion"] == version
    assert Path(ROOT / "charts" / "sidecar-injector" / "values.schema.json").is_file()


def test_shutdown_drain_fits_the_termination_grace_period(default):
    pod = default.deployment["spec"]["template"]["spec"]
    args = default.container["args"]
    assert "--shutdown-delay=5s" in args and "--shutdown-grace=20s" in args, args
    assert pod["terminationGracePeriodSeconds"] > 5 + 20
    assert "lifecycle" not in default.container, "the server drains itself; no preStop sleep"
    with pytest.raises(Exception, match="terminationGracePeriodSeconds"):
        render({"terminationGracePeriodSeconds": 25})
