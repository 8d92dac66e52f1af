#!/usr/bin/env bash
# Builds the Istio oracle (tests/istio-oracle: Istio's own injection code, from the Go module
# istio.io/istio that its go.mod pins) into target/istio-oracle/istio-oracle. The binary is
# cached in ~/.cache/sidecar-injector/istio-oracle/<hash of go.mod, go.sum and sources>, so a
# warm run only links a copy. Needs Go >= 1.25 and the Go module proxy (or a warm module cache).
set -euo pipefail
cd "$(dirname "$0")/.."
src=tests/istio-oracle
out=target/istio-oracle/istio-oracle
if ! command -v go >/dev/null 2>&1; then
  echo "istio-oracle: Go (>= 1.25) is required to build Istio's injector for the fidelity tests" >&2
  exit 1
fi
# The binary's sources: go.mod, go.sum and the non-test .go files (bench_test.go is not built in).
mapfile -t sources < <(find "$src" -maxdepth 1 -name '*.go' ! -name '*_test.go' | sort)
hash=$(cat "$src/go.mod" "$src/go.sum" "${sources[@]}" | sha256sum | cut -c1-16)
cache="${SIDECAR_INJECTOR_CACHE:-$HOME/.cache/sidecar-injector}/istio-oracle/$hash"
# The binary reads chart files from the module cache: rebuild if that copy is gone.
if [ ! -x "$cache/istio-oracle" ] || ! "$cache/istio-oracle" module-dir >/dev/null 2>&1; then
  start=$(date +%s)
  (cd "$src" && go mod download istio.io/istio)
  dir=$(cd "$src" && go list -m -f '{{.Dir}}' istio.io/istio)
  mkdir -p "$cache"
  (cd "$src" && nice -n 10 flock /tmp/go-heavy.lock \
    go build -ldflags "-s -w -X main.istioDir=$dir" -o "$cache/istio-oracle.tmp" .)
  mv "$cache/istio-oracle.tmp" "$cache/istio-oracle"
  echo "istio-oracle: built in $(( $(date +%s) - start ))s ($cache)"
fi
mkdir -p "$(dirname "$out")"
cp -f "$cache/istio-oracle" "$out"
"$out" module-dir >/dev/null
