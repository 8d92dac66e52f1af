#!/usr/bin/env bash
# Every test: formatting, lints, unit + integration tests, Istio's golden cases (ratcheted),
# the Helm chart checks, and the end-to-end scenarios against a real kube-apiserver. Needs Python 3 with the packages scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
step "cargo build --release"
cargo build --release --quiet
step "cargo test"
cargo test --quiet 2>&1 | tee target/cargo-test.log
rust=$(awk '/^test result:/ { s += $4 } END { print s + 0 }' target/cargo-test.log)

step "Istio golden cases"
scripts/compat.sh
read -r kube web < target/compat-passed.txt

chart=0
if [ -x tests/chart/run.sh ]; then
  step "Helm chart"
  tests/chart/run.sh 2>&1 | tee target/chart-test.log
  chart=$(grep -Eo '[0-9]+ passed' target/chart-test.log | tail -n1 | cut -d' ' -f1)
  chart=${chart:-0}
fi

e2e=0
if [ -x scripts/e2e.sh ]; then
  step "end-to-end: real kube-apiserver (scripts/e2e.sh)"
  scripts/e2e.sh
  e2e=$(grep -Eo '^e2e: [0-9]+ passed' target/e2e-test.log | cut -d' ' -f2)
  e2e=${e2e:-0}
fi

echo
echo "rust tests: $rust, kube-inject golden cases: $kube, webhook golden cases: $web, chart tests: $chart, e2e tests: $e2e"
echo "all: $((rust + kube + web + chart + e2e)) passed, 0 failed"
