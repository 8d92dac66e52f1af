"""The chart as a whole: it lints, every object it renders is valid Kubernetes, deploy/ is a
fresh render, and an upgrade renders the same objects as an install."""

from __future__ import annotations

import helm_python as helm
import kubernetes_validate
import pytest

from conftest import (CHART_DIR, NAMESPACE, ROOT, VALUE_SETS, load_values, render,
                      render_deploy)

KUBE_VERSIONS = ["1.30", "1.34"]

# Custom resources kubernetes-validate has no schema for; test_crd_shapes checks them instead.
CRD_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("cert-manager.io/v1", "Certificate"),
    ("cert-manager.io/v1", "Issuer"),
}


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_lint_strict(value_set, kube_version):
    report = helm.lint(CHART_DIR, load_values(value_set), strict=True, namespace=NAMESPACE,
                       kube_version=f"v{kube_version}.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, report


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_every_object_is_valid_kubernetes(rendered, kube_version):
    for source, _, obj in rendered.docs:
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(obj, kube_version, strict=True)
        except kubernetes_validate.ValidationError as err:
            pytest.fail(f"{source}: {obj['kind']}/{obj['metadata']['name']} invalid for "
                        f"{kube_version}: {err.message} at {list(err.absolute_path)}")
        except kubernetes_validate.SchemaNotFoundError as err:
            pytest.fail(f"{source}: {err.message}; a custom resource must be listed in CRD_KINDS")


def test_only_known_custom_resources(rendered):
    builtin = {"ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Service",
               "Deployment", "PodDisruptionBudget", "HorizontalPodAutoscaler",
               "MutatingWebhookConfiguration"}
    for obj in rendered.objects:
        assert obj["kind"] in builtin or (obj["apiVersion"], obj["kind"]) in CRD_KINDS, obj["kind"]


def test_namespaced_objects_name_their_namespace(rendered):
    cluster_scoped = {"ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration"}
    for obj in rendered.objects:
        if obj["kind"] in cluster_scoped:
            assert "namespace" not in obj["metadata"]
        else:
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["kind"]


def test_upgrade_renders_what_install_renders(value_set):
    """Nothing depends on `lookup` or .Release.IsUpgrade, so an upgrade re-applies exactly what
    was installed (in particular, never a caBundle)."""
    values = load_values(value_set)
    install = render(values)
    upgrade = render(values, is_upgrade=True)
    assert [d[1] for d in install.docs] == [d[1] for d in upgrade.docs]


def test_deploy_matches_a_fresh_render():
    expected = render_deploy.render_deploy()
    deploy = ROOT / "deploy"
    assert sorted(p.name for p in deploy.iterdir()) == sorted(expected), \
        "deploy/ holds files the chart does not produce"
    for name, content in expected.items():
        assert (deploy / name).read_text() == content, \
            f"deploy/{name} is stale: run scripts/render-deploy.py"


def test_deploy_is_the_default_render(default):
    import yaml
    text = (ROOT / "deploy" / render_deploy.OUTPUT).read_text()
    objects = [o for o in yaml.safe_load_all(text) if o]
    assert objects == default.objects


def test_value_sets_cover_the_required_modes():
    assert {"default", "revision", "ha", "cert-manager", "self-managed"} <= set(VALUE_SETS)


@pytest.mark.parametrize("bad", [
    {"webhook": {"failurePolicy": "Sometimes"}},
    {"webhook": {"timeoutSeconds": 31}},
    {"webhook": {"failurepolicy": "Fail"}},
    {"webhook": {"reinvocationPolicy": "Always"}},
    {"certificates": {"mode": "manual"}},
    {"podAntiAffinity": "maybe"},
    {"logFormat": "xml"},
    {"nativeSidecars": "sometimes"},
    {"revision": 3},
    {"webhook": {"namespaceSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}}},
    {"webhook": {"objectSelector": {"matchLabel": {"app": "web"}}}},
])
def test_schema_rejects_bad_values(bad):
    with helm.Chart.load(CHART_DIR) as chart:
        with pytest.raises(helm.HelmValuesError):
            chart.validate_schema(chart.merge_values(bad))


def test_schema_accepts_every_value_set(value_set):
    with helm.Chart.load(CHART_DIR) as chart:
        chart.validate_schema(chart.merge_values(load_values(value_set)))


def test_notes_render_for_every_value_set(value_set):
    with helm.Chart.load(CHART_DIR) as chart:
        out = chart.render(load_values(value_set), name="sidecar-injector", namespace=NAMESPACE)
    notes = out["sidecar-injector/templates/NOTES.txt"]
    assert "kubectl label namespace" in notes
