"""docs/install.md names real things: files that exist, chart values that exist and validate,
objects and flags the chart renders."""

from __future__ import annotations

import re

import helm_python as helm
import pytest

from conftest import CHART_DIR, ROOT, load_values, render

DOC = (ROOT / "docs" / "install.md").read_text()


def commands() -> list[str]:
    """Shell commands of the fenced blocks, continuation lines joined."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", DOC, re.S):
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip():
                found.append(command.strip())
    return found


CHART_COMMANDS = [c for c in commands() if " charts/sidecar-injector" in c
                  and re.match(r"helm (install|upgrade|template)", c)]


def sets(command: str) -> list[str]:
    return re.findall(r"--set (\S+)", command)


def has_path(tree: dict, dotted: str) -> bool:
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_there_are_chart_commands():
    assert len(CHART_COMMANDS) >= 8


@pytest.mark.parametrize("command", CHART_COMMANDS)
def test_chart_commands_use_real_values(command):
    with helm.Chart.load(CHART_DIR) as chart:
        defaults = chart.values
        values: dict = {}
        for expression in sets(command):
            key = expression.split("=", 1)[0]
            assert has_path(defaults, key) or key.startswith("certificates.certManager.issuerRef."), \
                f"--set {key}: not a value of the chart"
            values = _deep(helm.parse_set_string(expression), values)
        chart.validate_schema(chart.merge_values(values))
    namespace = re.search(r"(?:-n|--namespace) (\S+)", command).group(1)
    release = [w for w in command.split()[2:] if not w.startswith("-")][0]
    assert release.startswith("sidecar-injector")
    assert render(values, name=release, namespace=namespace).objects


def _deep(new: dict, old: dict) -> dict:
    """Merge --set results the way repeated --set flags accumulate."""
    out = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep(value, out[key])
        else:
            out[key] = value
    return out


def test_values_table_names_real_values():
    with helm.Chart.load(CHART_DIR) as chart:
        defaults = chart.values
    table = DOC.split("| Value | Default | Meaning |", 1)[1].split("\n\n", 1)[0]
    names = re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)?", table, re.M)
    assert names
    for pair in names:
        for name in filter(None, pair):
            assert has_path(defaults, name), name


def test_files_named_exist():
    for path in set(re.findall(r"\b((?:charts|deploy|scripts|docs|tests)/[\w./-]*\w|Dockerfile)\b", DOC)):
        assert (ROOT / path).exists(), path


KIND = {"mutatingwebhookconfiguration": "MutatingWebhookConfiguration",
        "deployment": "Deployment", "configmap": "ConfigMap", "certificate": "Certificate"}


def test_objects_named_exist():
    objects = render({}).objects + render(load_values("cert-manager")).objects
    present = {(o["kind"], o["metadata"]["name"]) for o in objects}
    secrets = {c["spec"]["secretName"] for c in objects if c["kind"] == "Certificate"}
    mentioned = re.findall(
        r"kubectl (?:-n \S+ )?(?:get|delete|rollout status) (\w+)[/ ](sidecar-injector[\w-]*)", DOC)
    assert len(mentioned) >= 6
    for kind, name in mentioned:
        if kind == "secret":
            continue
        assert (KIND[kind], name) in present, (kind, name)
    for name in re.findall(r"delete secret ([\w -]+)`", DOC)[0].split():
        assert name in secrets, name


def test_flags_named_are_rendered():
    args = render({}).args + render(load_values("cert-manager")).args
    prose = re.sub(r"```.*?```", "", DOC, flags=re.S)
    spans = " ".join(re.findall(r"`([^`]+)`", prose))
    flags = re.findall(r"(?<!\S)(--[\w-]+(?:=\S+)?)", spans)
    assert "--webhook-config-name=sidecar-injector" in flags
    for flag in flags:
        if flag.startswith(("--set", "--build-arg", "--force", "--wait", "--reuse", "--overwrite",
                            "--ignore")):
            continue
        name = flag.split("=", 1)[0]
        assert any(a == flag or a.startswith(name + "=") or a == name for a in args), flag
