#!/usr/bin/env bash
# Every test: formatting, lints, unit + integration tests, Istio's golden cases (ratcheted),
# and the Helm chart checks. Needs Python 3 with the packages scripts/setup.sh installs.
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
# The oracle suites (tests named oracle_*) run in their own step below.
cargo test --quiet -- --skip oracle_ 2>&1 | tee target/cargo-test.log
rust=$(awk '/^test result:/ { s += $4 } END { print s + 0 }' target/cargo-test.log)

step "Istio oracle: golden suite and differential tests"
scripts/oracle.sh
read -r golden diffkube diffweb regress < target/oracle-passed.txt

step "Istio golden cases (../shared)"
scripts/compat.sh
read -r kube web < target/compat-passed.txt

chart=0
if [ -x tests/chart/run.sh ]; then
  step "Helm chart"
  tests/chart/run.sh 2>&1 | tee target/chart-test.log
  chart=$(grep -Eo '[0-9]+ passed' target/chart-test.log | tail -n1 | cut -d' ' -f1)
  chart=${chart:-0}
fi

echo
echo "rust tests: $rust, kube-inject golden cases: $kube, webhook golden cases: $web, chart tests: $chart"
echo "oracle: golden $golden, differential kube-inject $diffkube, differential webhook $diffweb, regressions $regress"
oracle=$((golden + diffkube + diffweb + regress))
echo "all: $((rust + kube + web + chart + oracle)) passed, 0 failed"
