#!/usr/bin/env bash
# Runs Istio's golden cases (../shared/istio-compat) through kube-inject and, when `serve`
# exists, through the webhook emulator; fails when fewer pass than tests/compat-floor.txt says.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${ISTIO_COMPAT:-../shared/istio-compat}
. scripts/env.sh
bin=target/release/sidecar-injector
floor() { awk -v k="$1" '$1 == k { print $2 }' tests/compat-floor.txt; }
if [ ! -d "$suite/cases" ]; then
  # A clone on its own has no shared suite; the oracle suites (scripts/oracle.sh) cover the
  # same ground from Istio's own code. The team's CI, which has it, always runs it; GitHub's
  # (.github/workflows/ci.yml) sets SKIP_SHARED_COMPAT, having no ../shared.
  if [ -n "${CI:-}" ] && [ -z "${SKIP_SHARED_COMPAT:-}" ]; then
    echo "compat: $suite/cases not found (the shared suite sits beside the checkout)" >&2
    exit 1
  fi
  echo "compat: $suite/cases not found; skipping the shared golden cases (the oracle suites cover them)"
  mkdir -p target && echo "0 0" > target/compat-passed.txt
  exit 0
fi
[ -x "$bin" ] || cargo build --release --quiet

out=$("$PY" "$suite/run.py" --cases "$suite/cases" --bin "$bin" \
  --cmd '{bin} kube-inject -f {input} --valuesFile {values} --meshConfigFile {mesh} {nativeflag}' \
  --native-on='--native-sidecars=true' --native-off='--native-sidecars=false' 2>&1 || true)
echo "$out" | grep -v ' PASS ' || true
kube=$(echo "$out" | sed -n 's/^compat: \([0-9]*\) passed.*/\1/p' | tail -n1)
kube=${kube:-0}

web=0
if "$bin" serve --help >/dev/null 2>&1; then
  # The emulator's own default --serve command, as its README gives it. It stops each server
  # with SIGTERM and waits 5 s: outside a pod `serve` has no drain delay by default.
  wout=$("$PY" "$suite/webhook.py" --cases "$suite/cases" --bin "$bin" 2>&1 || true)
  echo "$wout" | grep -v ' PASS ' || true
  web=$(echo "$wout" | sed -n 's/^webhook: \([0-9]*\) passed.*/\1/p' | tail -n1)
  web=${web:-0}
  # A server that ignores SIGTERM would hang a real rollout: it counts as no pass at all.
  if echo "$wout" | grep -q 'needed SIGKILL'; then
    echo "compat: a server needed SIGKILL after SIGTERM" >&2
    web=0
  fi
fi

status=0
for pair in "kube-inject $kube" "webhook $web"; do
  set -- $pair
  want=$(floor "$1")
  if [ "$2" -lt "${want:-0}" ]; then
    echo "compat ratchet: $1 passes $2 golden cases, below the floor of $want" >&2
    status=1
  else
    echo "compat ratchet: $1 passes $2 golden cases (floor $want)"
  fi
done
echo "$kube $web" > target/compat-passed.txt
exit $status
