#!/usr/bin/env bash
# Istio's webhook handler next to ours, in-process, on the same machine and the same four
# generated pods (bench/pods.rs). Istio: its real /inject handler (inject.Webhook, built by the
# oracle in tests/istio-oracle as Istio's TestInjection builds it, released default settings,
# native sidecars off as in our benches) timed by `istio-oracle bench`. Ours:
# `admission::review` through `bench_tool run`. Both pinned to one core (CORE, default 0), so Go
# runs with GOMAXPROCS=1 and its garbage collector's work lands in the same CPU time. They run
# alternately, ROUNDS times per pod, so both see the same machine noise.
#
# Per review: CPU time (user+system). Istio's from getrusage around N reviews in-process; ours
# from the CPU time of `bench_tool run POD N+1` minus `bench_tool run POD 1` (start-up cancels).
# Also Istio's heap allocations and bytes per review (Go's MemStats). With CALLGRIND=1,
# instructions per review for both under valgrind (N=10 by default; see BENCHMARKS.md for
# what that figure is worth for a Go binary).
#
#   bench/istio.sh                    all four pods, 3 rounds of ~2 s per side
#   ROUNDS=5 SECONDS_PER=3 bench/istio.sh medium
#   CALLGRIND=1 N=10 bench/istio.sh small medium
# Needs Go >= 1.25 (scripts/build-oracle.sh builds the oracle), taskset; valgrind for
# CALLGRIND=1.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
secs=${SECONDS_PER:-2}
core=${CORE:-0}
pods=("$@")
[ ${#pods[@]} -gt 0 ] || pods=(small medium large env2k)
target=${CARGO_TARGET_DIR:-target}
bash scripts/build-oracle.sh
profile=${PROFILE:-dist}  # what ships (release with LTO, Cargo.toml); PROFILE=release builds quicker
cargo build --profile "$profile" --quiet ${CARGO_FLAGS:-} --example bench_tool
oracle=target/istio-oracle/istio-oracle
tool=$target/$profile/examples/bench_tool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tool" gen "$work/pods" >"$work/gen.txt"
settings=(--native-sidecars=false)

TIMEFORMAT='%3U %3S'
cpu_ms() {  # CPU ms (user+system) of one command, pinned to the core
  { time taskset -c "$core" "$@" >/dev/null 2>"$work/err"; } 2>"$work/time"
  awk '{printf "%d\n", ($1 + $2) * 1000}' "$work/time"
}
ours_ns() {  # ours_ns POD N: CPU ns per review, start-up cancelled
  local one many
  one=$(cpu_ms "$tool" run "$1" 1)
  many=$(cpu_ms "$tool" run "$1" $(($2 + 1)))
  echo $(((many - one) * 1000000 / $2))
}
field() { grep -Eo "$1=[0-9]+" <<<"$2" | cut -d= -f2; }

echo "machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //'); both sides pinned to core $core; load average $(cut -d' ' -f1-3 /proc/loadavg)"
sed 's/^/pods: /' "$work/gen.txt"
for pod in "${pods[@]}"; do
  file=$work/pods/$pod.json
  # Review counts that take about SECONDS_PER each, from a short first run of each side.
  probe=$(taskset -c "$core" "$oracle" bench "${settings[@]}" -time 500ms "$file")
  istio_n=$(( $(field n "$probe") * 4 * secs ))
  per=$(ours_ns "$pod" 100)
  ours_n=$(( secs * 1000000000 / (per > 0 ? per : 1) ))
  [ "$ours_n" -ge 10 ] || ours_n=10
  for r in $(seq "$rounds"); do
    line=$(taskset -c "$core" "$oracle" bench "${settings[@]}" -n "$istio_n" "$file")
    echo "istio $pod round=$r ${line#* }" | tee -a "$work/results.txt"
    echo "ours $pod round=$r n=$ours_n cpu_ns=$(ours_ns "$pod" "$ours_n")" | tee -a "$work/results.txt"
  done
done

if [ "${CALLGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
  n=${N:-10}
  instr() {  # total instructions of one run, every thread
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" >/dev/null 2>"$work/cg.log"
    grep -Eo 'Collected : [0-9]+' "$work/cg.log" | grep -Eo '[0-9]+'
  }
  for pod in "${pods[@]}"; do
    file=$work/pods/$pod.json
    i1=$(GOMAXPROCS=1 instr "$oracle" bench "${settings[@]}" -n 1 "$file")
    in=$(GOMAXPROCS=1 instr "$oracle" bench "${settings[@]}" -n $((n + 1)) "$file")
    o1=$(instr "$tool" run "$pod" 1)
    on=$(instr "$tool" run "$pod" $((n + 1)))
    echo "callgrind $pod istio_instr=$(((in - i1) / n)) ours_instr=$(((on - o1) / n))" | tee -a "$work/results.txt"
  done
fi

# Medians per pod over the rounds, and the ratio Istio / ours.
echo
echo "medians over $rounds rounds (per review; CPU in µs):"
python3 - "$work/results.txt" <<'PY'
import statistics, sys
cpu, extra, instr = {}, {}, {}
for line in open(sys.argv[1]):
    kind, pod, *kv = line.split()
    d = dict(item.split("=") for item in kv)
    if kind == "callgrind":
        instr[pod] = (int(d["istio_instr"]), int(d["ours_instr"]))
        continue
    cpu.setdefault((pod, kind), []).append(int(d["cpu_ns"]))
    if kind == "istio":
        for k in ("allocs", "bytes", "gcs", "wall_ns"):
            extra.setdefault((pod, k), []).append(int(d[k]))
print(f"{'pod':8} {'istio cpu':>10} {'ours cpu':>10} {'istio/ours':>10} {'istio allocs':>13} {'istio KB':>9}")
for pod in dict.fromkeys(p for p, _ in cpu):
    i = statistics.median(cpu[(pod, "istio")]) / 1000
    o = statistics.median(cpu[(pod, "ours")]) / 1000
    a = statistics.median(extra[(pod, "allocs")])
    b = statistics.median(extra[(pod, "bytes")]) / 1024
    print(f"{pod:8} {i:10.1f} {o:10.1f} {i / o if o else float('nan'):9.2f}x {a:13.0f} {b:9.1f}")
for pod, (i, o) in instr.items():
    print(f"{pod:8} instructions: istio {i / 1e6:.2f}M ours {o / 1e6:.2f}M ratio {i / o if o else float('nan'):.2f}x")
PY
