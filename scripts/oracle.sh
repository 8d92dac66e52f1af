#!/usr/bin/env bash
# Runs the suites that compare us with Istio's own injection code (the oracle, built by
# scripts/build-oracle.sh from the istio.io/istio Go module): Istio's injection test inputs
# (tests/istio_golden.rs) and generated workloads (tests/differential.rs, seeds 0..2000 per
# path unless DIFF_SEEDS says otherwise). Ratchets: tests/oracle-floor.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/istio-oracle/istio-oracle ] || bash scripts/build-oracle.sh
mkdir -p target
status=0
nice -n 5 cargo test --release --quiet --test istio_golden --test differential -- --nocapture \
  > target/oracle-test.log 2>&1 || status=$?
grep -E '^(FAIL|ORACLE|DIFF|REGRESSION|  minimized|    )|passed, [0-9]+ failed|panicked|error' target/oracle-test.log | head -400 || true
count() { sed -n "s/.*$1: \([0-9]*\) passed.*/\1/p" target/oracle-test.log | tail -n1; }
golden=$(count 'oracle golden'); kube=$(count 'differential kube-inject')
web=$(count 'differential webhook'); regress=$(count 'differential regressions')
echo "${golden:-0} ${kube:-0} ${web:-0} ${regress:-0}" > target/oracle-passed.txt
echo "oracle: golden ${golden:-0}, differential kube-inject ${kube:-0}, webhook ${web:-0}, regressions ${regress:-0} passed (floors: tests/oracle-floor.txt)"
exit $status
