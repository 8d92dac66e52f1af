#!/usr/bin/env bash
# Chart tests: render charts/sidecar-injector with real Helm (helm-python-sdk, Helm v4 embedded,
# no helm binary), lint it, validate every object for Kubernetes 1.30 and 1.34, check the
# webhook semantics and RBAC, check deploy/ against a fresh render, and lint the Dockerfile.
#
# Needs python3 (3.10+) and PyPI; nothing else is fetched. The virtualenv is kept between runs
# (CHART_VENV, default ~/.cache/sidecar-injector/chart-venv), so later runs are offline.
# Extra arguments go to pytest, e.g. tests/chart/run.sh -k webhook.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${CHART_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sidecar-injector/chart-venv}"
requirements="$here/requirements.txt"

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "tests/chart: needs Python 3.10 or newer as '$python' (set PYTHON=...)" >&2
  exit 2
fi

# (Re)create the venv when it is missing or broken; install only when the pinned set changed.
if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    echo "tests/chart: '$python -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv" >&2
    exit 2
  fi
fi
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

cd "$root"
# The compat cases give test_config_uses_istio_names its reference, when they are present.
if [[ -z "${ISTIO_COMPAT:-}" && -d "$root/../shared/istio-compat" ]]; then
  export ISTIO_COMPAT="$root/../shared/istio-compat"
fi
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -c "$here/pytest.ini" --rootdir "$here" "$here" "$@"
