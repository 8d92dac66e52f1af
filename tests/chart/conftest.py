"""Shared fixtures: the chart rendered by real Helm (helm-python-sdk) for every value set.

Each file in tests/chart/values/ is one value set, rendered as release "sidecar-injector" in
namespace "istio-system" (what deploy/ uses). Rendering goes through scripts/render-deploy.py,
so the tests and deploy/ share one code path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VALUES_DIR = HERE / "values"
VALUE_SETS = sorted(p.stem for p in VALUES_DIR.glob("*.yaml"))

_spec = importlib.util.spec_from_file_location("render_deploy", ROOT / "scripts" / "render-deploy.py")
render_deploy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_deploy)

RELEASE = render_deploy.RELEASE
NAMESPACE = render_deploy.NAMESPACE
CHART_DIR = render_deploy.CHART_DIR


def load_values(value_set: str) -> dict:
    return yaml.safe_load((VALUES_DIR / f"{value_set}.yaml").read_text()) or {}


class Rendered:
    """The objects of one render, with lookups by kind."""

    def __init__(self, docs: list[tuple[str, str, dict]]):
        self.docs = docs
        self.objects = [obj for _, _, obj in docs]

    def all(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def one(self, kind: str) -> dict:
        found = self.all(kind)
        assert len(found) == 1, f"expected one {kind}, got {len(found)}"
        return found[0]

    def named(self, kind: str, name: str) -> dict:
        found = [o for o in self.all(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name}, got {len(found)}"
        return found[0]

    def kinds(self) -> set[str]:
        return {o["kind"] for o in self.objects}

    # The pieces most tests look at.
    @property
    def deployment(self) -> dict:
        return self.one("Deployment")

    @property
    def container(self) -> dict:
        containers = self.deployment["spec"]["template"]["spec"]["containers"]
        assert len(containers) == 1
        return containers[0]

    @property
    def args(self) -> list[str]:
        return self.container["args"]

    def flag(self, name: str) -> str | None:
        """The value of `--name=value` in the container args (None when absent)."""
        for arg in self.args:
            if arg.startswith(f"--{name}="):
                return arg.split("=", 1)[1]
        return None

    @property
    def webhook_config(self) -> dict:
        return self.one("MutatingWebhookConfiguration")

    @property
    def webhooks(self) -> dict[str, dict]:
        return {w["name"]: w for w in self.webhook_config["webhooks"]}


_cache: dict = {}


def render(values: dict | None = None, *, name: str = RELEASE, namespace: str = NAMESPACE,
           is_upgrade: bool = False) -> Rendered:
    key = (yaml.safe_dump(values or {}, sort_keys=True), name, namespace, is_upgrade)
    if key not in _cache:
        _cache[key] = Rendered(render_deploy.render_documents(
            values, name=name, namespace=namespace, is_upgrade=is_upgrade))
    return _cache[key]


@pytest.fixture(params=VALUE_SETS)
def value_set(request) -> str:
    return request.param


@pytest.fixture
def rendered(value_set) -> Rendered:
    return render(load_values(value_set))


@pytest.fixture
def default() -> Rendered:
    return render(load_values("default"))


@pytest.fixture
def by_set():
    """Render a value set by name."""
    return lambda value_set: render(load_values(value_set))
