"""The MutatingWebhookConfiguration: Istio's selection semantics, evaluated the way the API
server evaluates label selectors, plus every per-entry setting."""

from __future__ import annotations

import pytest

from conftest import NAMESPACE, load_values, render

BASE = "sidecar-injector.istio.io"


def matches(selector: dict | None, labels: dict[str, str]) -> bool:
    """metav1.LabelSelector semantics (an absent or empty selector matches everything)."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and not (key in labels and labels[key] in values):
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        assert op in {"In", "NotIn", "Exists", "DoesNotExist"}, op
        assert (op in {"In", "NotIn"}) == bool(values), expr
    return True


def called(rendered, namespace: str, ns_labels: dict, pod_labels: dict) -> list[str]:
    """Names of the webhook entries the API server calls for a Pod CREATE."""
    # The API server sets this label on every namespace.
    ns_labels = {**ns_labels, "kubernetes.io/metadata.name": namespace}
    return [
        name.removesuffix(BASE)
        for name, hook in rendered.webhooks.items()
        if matches(hook["namespaceSelector"], ns_labels)
        and matches(hook["objectSelector"], pod_labels)
    ]


ENABLED = {"istio-injection": "enabled"}
OPT_OUT = {"sidecar.istio.io/inject": "false"}
OPT_IN = {"sidecar.istio.io/inject": "true"}

# (namespace, namespace labels, pod labels) -> entries called, for the default revision.
DEFAULT_REVISION_CASES = [
    ("apps", ENABLED, {}, ["namespace."]),
    ("apps", ENABLED, OPT_IN, ["namespace."]),
    ("apps", ENABLED, OPT_OUT, []),
    ("apps", {"istio-injection": "disabled"}, {}, []),
    ("apps", {"istio-injection": "disabled"}, OPT_IN, []),
    ("apps", {}, {}, []),
    ("apps", {}, OPT_OUT, []),
    ("apps", {}, OPT_IN, ["object."]),
    ("apps", {}, {**OPT_IN, "istio.io/rev": "canary"}, []),
    ("apps", {"istio.io/rev": "default"}, {}, ["rev.namespace."]),
    ("apps", {"istio.io/rev": "default"}, OPT_OUT, []),
    ("apps", {"istio.io/rev": "canary"}, {}, []),
    ("apps", {"istio.io/rev": "canary"}, OPT_IN, []),
    ("apps", {**ENABLED, "istio.io/rev": "default"}, {}, ["namespace."]),
    ("apps", {}, {"istio.io/rev": "default"}, ["rev.object."]),
    ("apps", {}, {"istio.io/rev": "default", **OPT_OUT}, []),
    # Never the injector's own namespace, whatever its labels.
    (NAMESPACE, ENABLED, {}, []),
    (NAMESPACE, {}, OPT_IN, []),
    (NAMESPACE, {"istio.io/rev": "default"}, {}, []),
    (NAMESPACE, {}, {"istio.io/rev": "default"}, []),
]


@pytest.mark.parametrize("namespace,ns_labels,pod_labels,expected", DEFAULT_REVISION_CASES)
def test_default_revision_selection(default, namespace, ns_labels, pod_labels, expected):
    assert called(default, namespace, ns_labels, pod_labels) == expected


REVISION_CASES = [
    ("apps", {"istio.io/rev": "canary"}, {}, ["rev.namespace."]),
    ("apps", {"istio.io/rev": "canary"}, OPT_OUT, []),
    ("apps", {"istio.io/rev": "canary"}, OPT_IN, ["rev.namespace."]),
    # istio-injection takes precedence over istio.io/rev, as in Istio.
    ("apps", {**ENABLED, "istio.io/rev": "canary"}, {}, []),
    ("apps", ENABLED, {}, []),
    ("apps", {"istio.io/rev": "default"}, {}, []),
    ("apps", {}, {"istio.io/rev": "canary"}, ["rev.object."]),
    ("apps", {}, OPT_IN, []),
    ("apps", {}, {}, []),
    (NAMESPACE, {"istio.io/rev": "canary"}, {}, []),
    ("kube-system", {"istio.io/rev": "canary"}, {}, []),  # webhook.excludeNamespaces
]


@pytest.mark.parametrize("namespace,ns_labels,pod_labels,expected", REVISION_CASES)
def test_revision_selection(by_set, namespace, ns_labels, pod_labels, expected):
    assert called(by_set("revision"), namespace, ns_labels, pod_labels) == expected


def test_entries_per_mode(by_set):
    assert list(by_set("default").webhooks) == [
        f"rev.namespace.{BASE}", f"rev.object.{BASE}", f"namespace.{BASE}", f"object.{BASE}"]
    assert list(by_set("revision").webhooks) == [f"rev.namespace.{BASE}", f"rev.object.{BASE}"]
    assert list(by_set("self-managed").webhooks) == [
        f"rev.namespace.{BASE}", f"rev.object.{BASE}", f"namespace.{BASE}", f"object.{BASE}",
        f"auto.{BASE}"]


@pytest.mark.parametrize("namespace,ns_labels,pod_labels,expected", [
    ("apps", {}, {}, ["auto."]),
    ("apps", {}, OPT_OUT, []),
    ("apps", {}, OPT_IN, ["object."]),
    ("apps", ENABLED, {}, ["namespace."]),
    ("apps", {"istio-injection": "disabled"}, {}, []),
    ("kube-system", {}, {}, []),
    ("kube-node-lease", {}, {}, []),
    ("monitoring", {}, {}, []),  # webhook.excludeNamespaces
    (NAMESPACE, {}, {}, []),
])
def test_enable_namespaces_by_default(by_set, namespace, ns_labels, pod_labels, expected):
    assert called(by_set("self-managed"), namespace, ns_labels, pod_labels) == expected


MEMBER = {"maistra.io/member-of": "istio-system"}

# webhook.namespaceSelector / objectSelector (tests/chart/values/openshift.yaml): only member
# namespaces, never app=legacy Pods, on top of each entry's own rules.
OPENSHIFT_CASES = [
    ("apps", MEMBER, OPT_IN, ["object."]),
    ("apps", MEMBER, {}, []),
    ("apps", MEMBER, OPT_OUT, []),
    ("apps", {**MEMBER, **ENABLED}, {}, ["namespace."]),
    ("apps", {**MEMBER, "istio.io/rev": "default"}, {"app": "web"}, ["rev.namespace."]),
    ("apps", {**MEMBER, **ENABLED}, {"app": "legacy"}, []),
    ("apps", MEMBER, {**OPT_IN, "app": "legacy"}, []),
    # Not a member: nothing, whatever the labels say.
    ("apps", {}, OPT_IN, []),
    ("apps", ENABLED, {}, []),
    ("apps", {"maistra.io/member-of": "other-mesh", **ENABLED}, {}, []),
    (NAMESPACE, {**MEMBER, **ENABLED}, {}, []),
]


@pytest.mark.parametrize("namespace,ns_labels,pod_labels,expected", OPENSHIFT_CASES)
def test_extra_selectors_apply_to_every_entry(by_set, namespace, ns_labels, pod_labels, expected):
    assert called(by_set("openshift"), namespace, ns_labels, pod_labels) == expected


def test_extra_selectors_are_added_not_substituted(by_set):
    for name, hook in by_set("openshift").webhooks.items():
        assert hook["namespaceSelector"]["matchLabels"] == MEMBER, name
        assert {"key": "app", "operator": "NotIn", "values": ["legacy"]} in \
            hook["objectSelector"]["matchExpressions"], name
    # Without them, no matchLabels appear at all.
    for name, hook in by_set("default").webhooks.items():
        assert "matchLabels" not in hook["namespaceSelector"], name
        assert "matchLabels" not in hook["objectSelector"], name


def test_own_namespace_is_excluded_from_every_entry(rendered):
    for name, hook in rendered.webhooks.items():
        exprs = hook["namespaceSelector"]["matchExpressions"]
        own = [e for e in exprs if e["key"] == "kubernetes.io/metadata.name"
               and e["operator"] == "NotIn" and NAMESPACE in e["values"]]
        assert own, f"{name} does not exclude {NAMESPACE}"


def test_own_namespace_follows_the_release_namespace():
    rendered = render({}, name="si", namespace="mesh-tools")
    assert called(rendered, "mesh-tools", ENABLED, {}) == []
    assert called(rendered, NAMESPACE, ENABLED, {}) == ["namespace."]
    config = rendered.webhook_config
    # Cluster-scoped names carry the namespace outside istio-system, so two releases of the
    # same name cannot collide.
    assert config["metadata"]["name"] == "si-sidecar-injector-mesh-tools"
    for hook in rendered.webhooks.values():
        assert hook["clientConfig"]["service"] == {
            "name": "si-sidecar-injector", "namespace": "mesh-tools", "path": "/inject",
            "port": 443}


DEFAULT_SETTINGS = {"failurePolicy": "Fail", "timeoutSeconds": 10, "reinvocationPolicy": "IfNeeded"}
SETTINGS = {
    "default": DEFAULT_SETTINGS,
    "revision": DEFAULT_SETTINGS,
    "ha": DEFAULT_SETTINGS,
    "cert-manager": DEFAULT_SETTINGS,
    "cert-manager-issuer": DEFAULT_SETTINGS,
    "self-managed": {"failurePolicy": "Ignore", "timeoutSeconds": 5, "reinvocationPolicy": "Never"},
    "openshift": DEFAULT_SETTINGS,
}


def test_entry_settings(rendered, value_set):
    expected = SETTINGS[value_set]
    for name, hook in rendered.webhooks.items():
        assert {k: hook[k] for k in expected} == expected, name
        assert hook["sideEffects"] == "None", name
        assert hook["admissionReviewVersions"] == ["v1"], name
        assert hook["rules"] == [{"operations": ["CREATE"], "apiGroups": [""],
                                  "apiVersions": ["v1"], "resources": ["pods"]}], name
        # Everything an entry may carry, and nothing else (matchPolicy, matchConditions: unset).
        assert set(hook) == {"name", "clientConfig", "rules", "namespaceSelector",
                             "objectSelector", "sideEffects", "failurePolicy", "timeoutSeconds",
                             "reinvocationPolicy", "admissionReviewVersions"}, name


def test_client_config_points_at_the_service(rendered):
    service = rendered.one("Service")
    port = next(p for p in service["spec"]["ports"] if p["port"] == 443)
    assert port["targetPort"] == 15017
    assert {"containerPort": 15017, "name": "https-webhook", "protocol": "TCP"} in \
        rendered.container["ports"]
    assert rendered.flag("listen") == "0.0.0.0:15017"
    for name, hook in rendered.webhooks.items():
        assert hook["clientConfig"]["service"] == {
            "name": service["metadata"]["name"], "namespace": NAMESPACE, "path": "/inject",
            "port": 443}, name


def test_ca_bundle_is_never_rendered(rendered):
    """Both certificate modes leave caBundle to its owner (the server or cert-manager's CA
    injector); a rendered caBundle, even empty, would be reset or conflict on upgrade."""
    for name, hook in rendered.webhooks.items():
        assert "caBundle" not in hook["clientConfig"], name
        assert "url" not in hook["clientConfig"], name
    _, text, _ = next(d for d in rendered.docs if d[2]["kind"] == "MutatingWebhookConfiguration")
    assert "caBundle:" not in text


def test_ca_bundle_wiring_per_mode(rendered, value_set):
    config = rendered.webhook_config
    annotations = config["metadata"].get("annotations") or {}
    mode = (load_values(value_set).get("certificates") or {}).get("mode", "selfManaged")
    if mode == "certManager":
        certificate = [c for c in rendered.all("Certificate") if not c["spec"].get("isCA")]
        assert len(certificate) == 1
        assert annotations["cert-manager.io/inject-ca-from"] == \
            f"{NAMESPACE}/{certificate[0]['metadata']['name']}"
        assert "--self-manage-certs" not in rendered.args
        assert rendered.flag("webhook-config-name") is None
    else:
        assert "cert-manager.io/inject-ca-from" not in annotations
        assert "--self-manage-certs" in rendered.args
        # The server patches the configuration this chart rendered, and only that one.
        assert rendered.flag("webhook-config-name") == config["metadata"]["name"]


def test_webhook_annotations_pass_through(by_set):
    annotations = by_set("self-managed").webhook_config["metadata"]["annotations"]
    assert annotations == {"example.com/owner": "platform"}


def test_webhook_config_is_labelled_with_its_revision(by_set):
    assert by_set("default").webhook_config["metadata"]["labels"]["istio.io/rev"] == "default"
    assert by_set("revision").webhook_config["metadata"]["labels"]["istio.io/rev"] == "canary"


def test_no_helm_resource_policy_on_the_webhook(rendered):
    """`helm.sh/resource-policy: keep` would leave a Fail webhook pointing at a deleted Service
    after uninstall, blocking Pod creation in every labelled namespace."""
    annotations = rendered.webhook_config["metadata"].get("annotations") or {}
    assert "helm.sh/resource-policy" not in annotations


def test_reinvocation_policy_is_written_to_the_injector_values(by_set):
    import yaml
    for value_set, policy in [("default", "IfNeeded"), ("self-managed", "Never")]:
        config_map = by_set(value_set).one("ConfigMap")
        values = yaml.safe_load(config_map["data"]["values.yaml"])
        assert values["sidecarInjectorWebhook"]["reinvocationPolicy"] == policy


def test_timeout_and_failure_policy_overrides():
    rendered = render({"webhook": {"failurePolicy": "Ignore", "timeoutSeconds": 30}})
    for hook in rendered.webhooks.values():
        assert (hook["failurePolicy"], hook["timeoutSeconds"]) == ("Ignore", 30)
