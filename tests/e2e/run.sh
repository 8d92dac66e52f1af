#!/usr/bin/env bash
# Runs the e2e scenarios (pytest) against a running cluster: needs KUBECONFIG, E2E_BIN and
# E2E_PKI as printed by `scripts/cluster.sh env`, and target/release/sidecar-injector.
# Uses the same virtualenv as tests/chart (helm-python-sdk renders the chart).
# Extra arguments go to pytest, e.g. tests/e2e/run.sh -k adoption.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${CHART_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sidecar-injector/chart-venv}"
requirements="$root/tests/chart/requirements.txt"
python="${PYTHON:-python3}"

if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    # Debian/Ubuntu ship venv separately; install it when we can.
    if command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    rm -rf "$venv"
    "$python" -m venv "$venv" || { echo "tests/e2e: '$python -m venv' failed (apt-get install python3-venv)" >&2; exit 2; }
  fi
fi
if ! cmp -s "$requirements" "$venv/.requirements"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
fi
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -c "$here/pytest.ini" --rootdir "$here" "$here" "$@"
