#!/usr/bin/env bash
# End-to-end tests against a real Kubernetes API server: builds the cluster binaries if needed
# (cached, see tests/e2e/cluster/build.sh), starts a loopback cluster (scripts/cluster.sh),
# runs tests/e2e (pytest) and always tears the cluster down. Ends with "N passed, N failed".
# Needs target/release/sidecar-injector (cargo build --release). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ -x target/release/sidecar-injector ]] || nice -n 5 cargo build --release --quiet
trap 'scripts/cluster.sh down' EXIT
scripts/cluster.sh up >/dev/null
eval "$(scripts/cluster.sh env)"
rm -rf target/e2e-logs target/e2e-captures
mkdir -p target
status=0
tests/e2e/run.sh "$@" 2>&1 | tee target/e2e-test.log || status=$?
last=$(grep -E '[0-9]+ (passed|failed|errors?).* in [0-9.]+s' target/e2e-test.log | tail -n1 || true)
count() { grep -Eo "[0-9]+ $1" <<<"$last" | cut -d' ' -f1 || true; }
passed=$(count passed) failed=$(count failed) errors=$(count error)
echo "e2e: ${passed:-0} passed, $(( ${failed:-0} + ${errors:-0} )) failed" | tee -a target/e2e-test.log
exit "$status"
