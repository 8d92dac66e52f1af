#!/usr/bin/env bash
# Instructions per admission, deterministic (for comparing commits on a noisy machine):
# `admission::review` on each generated pod (bench/pods.rs) under callgrind, N+1 runs minus
# 1 run, divided by N, so start-up (settings load, the pod generation) cancels out. Also the
# floor's per-request work in-process: parsing the same body into a serde_json::Value.
#
#   bench/callgrind.sh              all four pods, N=20
#   N=50 bench/callgrind.sh medium  one pod
#   CARGO_FLAGS=--no-default-features bench/callgrind.sh   on the system allocator
# Needs valgrind and a release build of examples/bench_tool.rs (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-20}
pods=("$@")
[ ${#pods[@]} -gt 0 ] || pods=(small medium large env2k)
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
cargo build --release --quiet ${CARGO_FLAGS:-} --example bench_tool
tool=${CARGO_TARGET_DIR:-target}/release/examples/bench_tool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
instr() {  # total instructions of one run
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$@" >/dev/null 2>"$work/log"
  grep -Eo 'Collected : [0-9]+' "$work/log" | grep -Eo '[0-9]+'
}
printf '%-8s %12s %12s %12s\n' pod review/adm floor/adm ratio
for pod in "${pods[@]}"; do
  one=$(instr "$tool" run "$pod" 1)
  many=$(instr "$tool" run "$pod" $((n + 1)))
  f1=$(instr "$tool" parse "$pod" 1)
  fn=$(instr "$tool" parse "$pod" $((n + 1)))
  ours=$(( (many - one) / n ))
  floor=$(( (fn - f1) / n ))
  printf '%-8s %12d %12d %12s\n' "$pod" "$ours" "$floor" "$(awk -v a="$ours" -v b="$floor" 'BEGIN{printf "%.2fx", a/b}')"
done
