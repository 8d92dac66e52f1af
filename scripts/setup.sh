#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain, into caches outside the checkout
# (scripts/env.sh): a Python virtualenv with the golden-case runners' packages (PEP 668
# distributions refuse a global pip install), cargo-deny, cargo-fuzz, Debian packages and the
# Istio oracle (Go). Idempotent; talks only to the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
requirements=scripts/requirements.txt

if ! "$PY" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$cache_root"
  python3 -m venv "$venv" || {
    echo "setup: 'python3 -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv" >&2
    exit 2
  }
fi
if ! cmp -s "$requirements" "$venv/.requirements"; then
  "$PY" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
fi

# cargo-deny checks licenses, duplicate crates and sources (deny.toml).
if ! command -v cargo-deny >/dev/null 2>&1; then
  cargo install cargo-deny --locked --quiet
fi

# cargo-fuzz runs the fuzz smoke (scripts/fuzz.sh), on the stable toolchain.
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi

# h2load (load for bench/soak.sh), openssl, curl and shellcheck (actionlint checks the
# workflows' shell steps with it), from Debian's packages; sudo when not root (GitHub runners).
missing=()
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# actionlint lints .github/workflows (scripts/test.sh), built from the Go module proxy.
actionlint_version=v1.7.12
if ! "$cache_root/bin/actionlint" -version 2>/dev/null | grep -qx "$actionlint_version"; then
  GOBIN="$cache_root/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
fi

# The Istio oracle: Istio's own injection code, built from the Go module proxy
# (scripts/build-oracle.sh caches it outside the checkout).
bash scripts/build-oracle.sh
