#!/usr/bin/env bash
# Load test over TLS: h2load --h1, keep-alive, 4 connections; the server pinned to core 0
# (taskset), the client on core 1. Our server and the floor server (examples/bench_tool.rs
# `floor`: same axum + rustls stack, parses the body into a serde_json::Value, answers a fixed
# AdmissionReview with a patch of our size) run alternately, ROUNDS times each, in the same
# run, so both see the same machine noise. For each: saturation throughput and CPU µs per
# admission (server utime+stime from /proc over the requests it answered), p50/p99 at fixed
# rates, peak RSS (VmHWM), minor page faults per 100 admissions at saturation. Figures are
# medians over the rounds.
#
#   bench/load.sh                        medium pod, 2 rounds
#   PODS="small medium large env2k" ROUNDS=3 SECONDS_PER=10 RATES="500 1000 3000" bench/load.sh
#   CARGO_FLAGS=--no-default-features bench/load.sh     the system allocator (both servers)
#   PROFILE=release bench/load.sh        the release build instead of `dist` (what ships)
# Needs h2load (Debian nghttp2-client), openssl, curl, taskset; 2+ cores.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f scripts/env.sh ] && . scripts/env.sh
pods=${PODS:-medium}
rounds=${ROUNDS:-2}
secs=${SECONDS_PER:-8}
rates=${RATES:-500 1000 3000}
server_core=${SERVER_CORE:-0}
client_core=${CLIENT_CORE:-1}
command -v h2load >/dev/null || apt-get install -y -qq nghttp2-client >/dev/null
profile=${PROFILE:-dist}  # what ships (release with LTO, Cargo.toml); PROFILE=release builds quicker
cargo build --profile "$profile" --quiet ${CARGO_FLAGS:-} --bin sidecar-injector --example bench_tool
bin=${CARGO_TARGET_DIR:-target}/$profile/sidecar-injector
tool=${CARGO_TARGET_DIR:-target}/$profile/examples/bench_tool
tick=$(getconf CLK_TCK)

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The certificate in a directory of its own: our server watches it for rotation, and the logs
# written next to it would wake the watcher on every request.
mkdir "$work/tls"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tls/tls.key" -out "$work/tls/tls.crt" -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
"$tool" gen "$work/pods" >"$work/gen.txt"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() {  # start <ours|floor> <pod>; sets $server and $url
  local port admin
  port=$(free_port)
  admin=$(free_port)
  if [ "$1" = ours ]; then
    taskset -c "$server_core" "$bin" serve --kube=off --listen "127.0.0.1:$port" \
      --admin-listen "127.0.0.1:$admin" --tls-cert "$work/tls/tls.crt" --tls-key "$work/tls/tls.key" \
      ${SERVE_FLAGS:-} 2>"$work/server.log" &
  else
    taskset -c "$server_core" "$tool" floor "127.0.0.1:$port" "$work/tls/tls.crt" "$work/tls/tls.key" "$2" \
      2>"$work/server.log" &
  fi
  server=$!
  url="https://127.0.0.1:$port/inject"
  for _ in $(seq 200); do
    curl -sfk -o /dev/null -X POST -H 'Content-Type: application/json' \
      --data-binary @"$work/pods/$2.json" "$url" && return 0
    sleep 0.05
  done
  echo "server $1 did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
minflt() { awk '{print $10}' "/proc/$server/stat"; }
h2() {  # h2 <pod> <extra h2load args...>; client on its own core
  local pod=$1
  shift
  taskset -c "$client_core" h2load --h1 -c 4 -t 1 -H 'Content-Type: application/json' \
    -d "$work/pods/$pod.json" "$@" "$url"
}
percentiles() {  # p50 p99 in ms of the durations (µs, 3rd column) of an h2load log
  sort -n -k3,3 "$1" | awk '{d[NR]=$3} END {
    if (NR == 0) { print "- -"; exit }
    i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
    i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
    printf "%.2f %.2f\n", d[i50] / 1000, d[i99] / 1000 }'
}

measure() {  # measure <ours|floor> <pod>: one line of figures
  local kind=$1 pod=$2 out c0 c1 f0 f1 answered rps line
  start "$kind" "$pod"
  h2 "$pod" -n 300 >/dev/null  # warm-up
  c0=$(cpu_ticks)
  f0=$(minflt)
  out=$(h2 "$pod" -D "$secs")
  c1=$(cpu_ticks)
  f1=$(minflt)
  answered=$(grep -Eo '[0-9]+ succeeded' <<<"$out" | grep -Eo '[0-9]+' | head -n1)
  rps=$(grep -Eo 'finished in [^,]+, [0-9.]+ req/s' <<<"$out" | grep -Eo '[0-9.]+ req/s' | grep -Eo '[0-9.]+')
  line="$kind $pod sat_rps=${rps%.*} cpu_us=$(( (c1 - c0) * 1000000 / tick / (answered > 0 ? answered : 1) ))"
  line="$line faults_per_100=$(( (f1 - f0) * 100 / (answered > 0 ? answered : 1) ))"
  for rate in $rates; do
    rm -f "$work/lat.log"
    h2 "$pod" -D "$secs" --rps=$((rate / 4)) --log-file="$work/lat.log" >/dev/null
    read -r p50 p99 < <(percentiles "$work/lat.log")
    line="$line p50@$rate=$p50 p99@$rate=$p99"
  done
  line="$line rss_mib=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server/status")"
  stop
  echo "$line"
}

echo "machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //'); server on core $server_core, h2load on core $client_core"
sed 's/^/pods: /' "$work/gen.txt"
for pod in $pods; do
  for _ in $(seq "$rounds"); do
    measure floor "$pod" | tee -a "$work/results.txt"
    measure ours "$pod" | tee -a "$work/results.txt"
  done
done

# Medians per (server, pod) and the ratio of ours to the floor.
echo
echo "medians over $rounds rounds (latencies in ms; cpu in µs per admission):"
python3 - "$work/results.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, pod, *kv = line.split()
    d = rows.setdefault((pod, kind), {})
    for item in kv:
        k, v = item.split("=")
        try:
            d.setdefault(k, []).append(float(v))
        except ValueError:
            pass
med = {key: {k: statistics.median(v) for k, v in d.items()} for key, d in rows.items()}
for pod in dict.fromkeys(p for p, _ in rows):
    f, o = med.get((pod, "floor"), {}), med.get((pod, "ours"), {})
    for k in o:
        ratio = f"{o[k] / f[k]:.2f}x" if f.get(k) else "-"
        print(f"{pod:7} {k:14} ours {o[k]:10.2f}  floor {f.get(k, float('nan')):10.2f}  ratio {ratio}")
PY
