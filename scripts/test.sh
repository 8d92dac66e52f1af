#!/usr/bin/env bash
# Every test: formatting, lints, supply chain, unit + integration tests (fuzz regressions, the
# bad-input tables, the shutdown drain), Istio's golden cases (ratcheted), the Helm chart
# checks, the end-to-end scenarios against a real kube-apiserver, a fuzz smoke run and a short
# soak. Run scripts/setup.sh first (it installs what this needs).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
step "actionlint (.github/workflows)"
"$cache_root/bin/actionlint"
step "cargo deny (licenses, duplicate crates, sources)"
cargo deny --log-level error check licenses bans sources
step "cargo build --release"
cargo build --release --quiet
step "cargo bench --no-run (benchmarks are built, never run, here)"
cargo bench --no-run --quiet
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

e2e=0
if [ -x scripts/e2e.sh ]; then
  step "end-to-end: real kube-apiserver (scripts/e2e.sh)"
  scripts/e2e.sh
  e2e=$(grep -Eo '^e2e: [0-9]+ passed' target/e2e-test.log | cut -d' ' -f2)
  e2e=${e2e:-0}
fi

step "fuzz smoke: every target ${FUZZ_SECONDS:-60}s (scripts/fuzz.sh)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}" | tee target/fuzz.log
fuzz=$(grep -c 'no findings' target/fuzz.log || true)

step "short soak: load under rotations and slow clients (bench/soak.sh)"
DURATION=30 RATE=500 ROTATE_EVERY=10 VALUES_EVERY=15 SLOW_CLIENTS=1000 bench/soak.sh | tee target/soak.log
soak=1

echo
echo "rust tests: $rust, kube-inject golden cases: $kube, webhook golden cases: $web, chart tests: $chart, e2e tests: $e2e, fuzz targets clean: $fuzz, soak: $soak"
echo "oracle: golden $golden, differential kube-inject $diffkube, differential webhook $diffweb, regressions $regress"
oracle=$((golden + diffkube + diffweb + regress))
echo "all: $((rust + kube + web + chart + e2e + fuzz + soak + oracle)) passed, 0 failed"
