#!/usr/bin/env bash
# Fuzzes the input paths with cargo-fuzz (libFuzzer) on the stable toolchain.
#   scripts/fuzz.sh                 every target for 60 s (what CI runs)
#   scripts/fuzz.sh 3600 admission  one target for an hour
#   FUZZ_JOBS=2 scripts/fuzz.sh 14400   hours-long runs, two processes per target
# Seeds: tests/fixtures/fuzz/<target> (past findings) plus our fixtures and examples; the
# corpus grows under the cache folder and is kept between runs. A finding (crash, stack
# overflow, timeout over 10 s, over 2 GiB) fails the script; libFuzzer saves it under
# fuzz/artifacts/<target>/: minimise it (`cargo fuzz tmin`), fix the cause, and commit it to
# tests/fixtures/fuzz/<target>/ so the normal test run replays it (tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(admission kube_inject annotations settings template)

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
fuzz_target="$cache_root/fuzz-target"
export CARGO_TARGET_DIR="$fuzz_target"
cargo fuzz build --sanitizer none --release

dict() {
  case "$1" in
    admission) echo fuzz/dicts/json.dict ;;
    template) echo fuzz/dicts/template.dict ;;
    *) echo fuzz/dicts/yaml.dict ;;
  esac
}

status=0
for t in "${targets[@]}"; do
  corpus="$cache_root/fuzz-corpus/$t"
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  cp -n tests/fixtures/fuzz/"$t"/* "$corpus"/ 2>/dev/null || true
  case "$t" in
    admission) cp -n tests/fixtures/admission/*.json "$corpus"/ ;;
    kube_inject) cp -n examples/*.yaml "$corpus"/ ;;
  esac
  log="$cache_root/fuzz-$t.log"
  if cargo fuzz run --sanitizer none --release "$t" "$corpus" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$(dict "$t")" \
      ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} -print_final_stats=1 >"$log" 2>&1; then
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
    echo "fuzz $t: ${seconds}s, $execs executions, no findings"
  else
    echo "fuzz $t: FINDING (log: $log); artifacts in fuzz/artifacts/$t:" >&2
    tail -n 40 "$log" >&2
    ls fuzz/artifacts/"$t" >&2
    status=1
  fi
done
exit $status
