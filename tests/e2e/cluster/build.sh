#!/usr/bin/env bash
# Builds the e2e cluster binaries (etcd, kube-apiserver, kube-controller-manager,
# kubectl, mutator) once and caches them under
#   ${SIDECAR_E2E_CACHE:-~/.cache/sidecar-injector/e2e-bin}/<hash>/
# where <hash> covers this script, go.mod, go.sum, every .go source here and the Go version.
# Prints the directory holding the binaries on stdout (progress goes to stderr).
set -euo pipefail
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v go >/dev/null || { echo "build.sh: go is not on PATH (Go 1.26 or newer is needed, as go.mod says)" >&2; exit 1; }

hash="$( { go version; cat build.sh go.mod go.sum; find cmd -name '*.go' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)"
root="${SIDECAR_E2E_CACHE:-$HOME/.cache/sidecar-injector/e2e-bin}"
out="$root/$hash"
bins=(etcd kube-apiserver kube-controller-manager kubectl mutator)

complete() { for b in "${bins[@]}"; do [[ -x "$out/$b" ]] || return 1; done; }

if ! complete; then
  mkdir -p "$root"
  tmp="$(mktemp -d "$root/.build-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "build.sh: building e2e cluster binaries into $out (cold build: takes a while)" >&2
  start=$(date +%s)
  # Stamp the pinned version, as Kubernetes' own build does (otherwise /version and
  # `kubectl version` say v0.0.0-master).
  kube="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
  minor="$(cut -d. -f2 <<<"$kube")"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$kube -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  # Only one heavy Go build machine-wide (the Istio oracle builds too).
  nice -n 10 flock /tmp/go-heavy.lock \
    env CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$tmp/" ./cmd/... >&2
  for b in "${bins[@]}"; do [[ -x "$tmp/$b" ]] || { echo "build.sh: $b missing after build" >&2; exit 1; }; done
  rm -rf "$out" && mv "$tmp" "$out"
  trap - EXIT
  # Binaries of other source versions are ~300 MB each: keep only this one.
  find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" ! -name '.build-*' -exec rm -rf {} +
  echo "build.sh: built in $(( $(date +%s) - start ))s" >&2
fi
echo "$out"
