#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain: Python packages for Istio's golden
# case runners and the chart checks, and the Istio oracle (Go; scripts/build-oracle.sh).
# Idempotent; talks to PyPI and the Go module proxy only.
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check \
  pyyaml httpx h2 jsonpatch cryptography kubernetes-validate pytest
bash scripts/build-oracle.sh
