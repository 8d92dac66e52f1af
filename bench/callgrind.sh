#!/usr/bin/env bash
# Instructions per admission, deterministic (for comparing commits on a noisy machine):
# `admission::review` on each generated pod (bench/pods.rs) under callgrind, N+1 runs minus
# 1 run, divided by N, so start-up (settings load, the pod generation) cancels out. Three
# ways: `inject`, each review a different pod of one workload (a label differs; every one
# injected, its sidecar overlay kept from the second on); `deploy`, each a pod of another
# workload (the app's name differs, so the injected istio-proxy does too); `replica`, the
# same pod again (a rollout's replicas: answered from the replica memo). Also the floor's
# per-request work in-process: parsing the same body into a serde_json::Value.
#
#   bench/callgrind.sh              all four pods, N=20
#   N=50 bench/callgrind.sh medium  one pod
#   CARGO_FLAGS=--no-default-features bench/callgrind.sh   on the system allocator
#   PROFILE=release bench/callgrind.sh                    the release build (quicker to build)
# Needs valgrind; builds examples/bench_tool.rs in the `dist` profile (what ships: release with
# LTO, Cargo.toml) unless PROFILE says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-20}
pods=("$@")
[ ${#pods[@]} -gt 0 ] || pods=(small medium large env2k)
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
profile=${PROFILE:-dist}
cargo build --profile "$profile" --quiet ${CARGO_FLAGS:-} --example bench_tool
tool=${CARGO_TARGET_DIR:-target}/$profile/examples/bench_tool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
instr() {  # total instructions of one run
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$@" >/dev/null 2>"$work/log"
  grep -Eo 'Collected : [0-9]+' "$work/log" | grep -Eo '[0-9]+'
}
per() {  # per <mode> <pod>: instructions per admission
  local one many
  one=$(instr "$tool" "$1" "$2" 1)
  many=$(instr "$tool" "$1" "$2" $((n + 1)))
  echo $(( (many - one) / n ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
printf '%-8s %12s %12s %12s %12s %8s %8s %8s\n' pod inject/adm deploy/adm replica/adm floor/adm \
  inject deploy replica
for pod in "${pods[@]}"; do
  ours=$(per miss "$pod")
  deploy=$(per deploy "$pod")
  replica=$(per run "$pod")
  floor=$(per parse "$pod")
  printf '%-8s %12d %12d %12d %12d %8s %8s %8s\n' "$pod" "$ours" "$deploy" "$replica" "$floor" \
    "$(ratio "$ours" "$floor")" "$(ratio "$deploy" "$floor")" "$(ratio "$replica" "$floor")"
done
