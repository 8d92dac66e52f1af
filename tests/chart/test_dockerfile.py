"""The Dockerfile's structure (no container engine here, so it is read, not built): a rust
builder producing a static binary, a distroless/scratch final stage running as 65532, the
version label from a build arg, and an allow-list .dockerignore."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from conftest import ROOT, render

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    result, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        word, _, rest = full.partition(" ")
        result.append((word.upper(), rest.strip()))
    assert not pending, "Dockerfile ends inside a continuation"
    return result


def stages(text: str) -> list[dict]:
    """Stages as {"from": image, "name": alias, "body": [(INSTR, args)]}; global ARGs dropped."""
    found = []
    for word, rest in instructions(text):
        if word == "FROM":
            parts = rest.split()
            parts = [p for p in parts if not p.startswith("--platform")]
            name = parts[2] if len(parts) == 3 and parts[1].lower() == "as" else None
            found.append({"from": parts[0], "name": name, "body": []})
        elif found:
            found[-1]["body"].append((word, rest))
        else:
            assert word == "ARG", f"{word} before the first FROM"
    return found


@pytest.fixture(scope="module")
def parsed():
    return stages(DOCKERFILE.read_text())


def body(stage, word):
    return [rest for w, rest in stage["body"] if w == word]


def test_multi_stage(parsed):
    assert len(parsed) >= 2
    builder = parsed[0]
    assert builder["name"] == "builder"
    assert builder["from"].startswith("rust:")


def test_builder_makes_a_static_release_binary(parsed):
    builder = parsed[0]
    runs = " ".join(body(builder, "RUN"))
    profile = re.search(r"cargo build\b[^&]*--(release|profile[ =](\S+))", runs)
    assert profile, "the builder must build an optimised profile"
    if profile.group(2):
        # A custom profile (the image's `dist`) must be the release profile plus settings.
        # (Read with a pattern: tomllib needs Python 3.11, the chart tests 3.10.)
        cargo = (ROOT / "Cargo.toml").read_text()
        section = re.search(
            rf"^\[profile\.{re.escape(profile.group(2))}\]\n((?:[^\[\n].*\n|\n)*)", cargo, re.M
        )
        assert section, f"Cargo.toml has no [profile.{profile.group(2)}]"
        assert re.search(r'^inherits = "release"$', section.group(1), re.M), section.group(1)
    assert "--locked" in runs, "the build must use Cargo.lock as committed"
    env = " ".join(body(builder, "ENV"))
    static = "+crt-static" in env or "+crt-static" in runs
    musl = "alpine" in builder["from"] or "musl" in runs
    assert static and musl, "the binary must be statically linked (musl, +crt-static)"


def test_final_stage_is_minimal_and_unprivileged(parsed):
    final = parsed[-1]
    image = final["from"]
    assert image == "scratch" or image.startswith("gcr.io/distroless/static"), image
    assert not body(final, "RUN"), "distroless/scratch has no shell"
    users = body(final, "USER")
    assert users and users[-1].split(":")[0] == "65532"
    assert not any(":latest" in s["from"] for s in parsed)


def test_binary_is_copied_from_the_builder_and_is_the_entrypoint(parsed):
    final = parsed[-1]
    copies = [shlex.split(c) for c in body(final, "COPY")]
    assert len(copies) == 1 and copies[0][0] == "--from=builder"
    destination = copies[0][-1]
    entrypoint = json.loads(body(final, "ENTRYPOINT")[-1])  # exec form
    assert entrypoint == [destination]
    assert not any(w == "ADD" for s in parsed for w, _ in s["body"])


def test_version_label_comes_from_a_build_arg(parsed):
    final = parsed[-1]
    # An ARG must be declared inside the stage that uses it.
    args = [a.split("=", 1)[0] for a in body(final, "ARG")]
    assert "VERSION" in args
    labels = " ".join(body(final, "LABEL"))
    assert re.search(r'org\.opencontainers\.image\.version="?\$\{?VERSION\}?"?', labels)


def test_exposed_ports_are_the_charts(parsed):
    exposed = {int(p.split("/")[0]) for e in body(parsed[-1], "EXPOSE") for p in e.split()}
    ports = {p["containerPort"] for p in render({}).container["ports"]}
    assert exposed == ports == {15017, 15014}


def test_dockerignore_is_an_allow_list():
    lines = [l.strip() for l in DOCKERIGNORE.read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[0] == "*", "start from nothing: target/ and .git/ must never be sent"
    allowed = {l[1:].rstrip("/") for l in lines if l.startswith("!")}
    assert {"Cargo.toml", "Cargo.lock", "src"} <= allowed
    assert not allowed & {"target", ".git", "charts", "deploy", "docs"}


def test_chart_runs_the_image_as_its_user():
    pod = render({}).deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["runAsGroup"] == 65532
    assert pod["containers"][0]["args"][0] == "serve"
