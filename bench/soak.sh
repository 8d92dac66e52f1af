#!/usr/bin/env bash
# Faults under load: admissions at a fixed rate while the serving certificate is rotated by a
# `..data` symlink swap (as kubelet updates a mounted Secret) and the values file is replaced
# with valid and invalid settings alternately; then 1,000 slow clients trickling headers.
# Passes when no admission failed, no fresh TLS connection failed across rotations, RSS
# stayed flat, and every slow client was cut off by the header timeout.
#
#   bench/soak.sh                  10 minutes at 2,000/s (the full soak; not in CI)
#   DURATION=30 RATE=500 bench/soak.sh     the short version CI runs
# Needs: h2load (Debian nghttp2-client), openssl, python3; a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
duration=${DURATION:-600}
rate=${RATE:-2000}
rotate_every=${ROTATE_EVERY:-30}
values_every=${VALUES_EVERY:-60}
slow_clients=${SLOW_CLIENTS:-1000}
bin=target/release/sidecar-injector
[ -x "$bin" ] || cargo build --release --quiet
command -v h2load >/dev/null || { apt-get install -y -qq nghttp2-client >/dev/null; }
python=$(command -v "$PY" || command -v python3)

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A CA and two generations of serving certificate, mounted the way kubelet mounts a Secret.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" \
  -days 2 -subj /CN=soak-ca 2>/dev/null
issue() {
  local dir="$work/certs/..$1"
  mkdir -p "$dir"
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/tls.key" -out "$work/req.csr" \
    -subj /CN=sidecar-injector.istio-system.svc 2>/dev/null
  openssl x509 -req -in "$work/req.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
    -CAcreateserial -days 1 -out "$dir/tls.crt" \
    -extfile <(printf 'subjectAltName=DNS:sidecar-injector.istio-system.svc,IP:127.0.0.1') 2>/dev/null
}
issue gen0
issue gen1
ln -s ..gen0 "$work/certs/..data"
ln -s ..data/tls.crt "$work/certs/tls.crt"
ln -s ..data/tls.key "$work/certs/tls.key"
swap_certs() {  # atomic, like kubelet's AtomicWriter
  ln -sfn "..$1" "$work/certs/..data_tmp"
  mv -T "$work/certs/..data_tmp" "$work/certs/..data"
}
printf 'global:\n  proxy:\n    logLevel: warning\n' >"$work/values-good.yaml"
printf 'global: [\n' >"$work/values-bad.yaml"
cp "$work/values-good.yaml" "$work/values.yaml"

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
admin=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --kube=off --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
  --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
  --valuesFile "$work/values.yaml" --reload-poll 1s --header-read-timeout 5s \
  --log-format json 2>"$work/server.log" &
server=$!
pids+=("$server")
for _ in $(seq 100); do
  curl -sf --cacert "$work/ca.crt" -o /dev/null "https://127.0.0.1:$port/inject" -X POST \
    -H 'Content-Type: application/json' --data-binary @tests/fixtures/admission/deployment-pod.json && break
  sleep 0.1
done

# RSS every second.
( while kill -0 "$server" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$server/status" >>"$work/rss.txt" 2>/dev/null || true
    sleep 1
  done ) &
pids+=($!)

# Rotations: certificates every $rotate_every s, values every $values_every s (bad, good, …).
( gen=1; n=0
  while sleep "$rotate_every"; do
    swap_certs "gen$gen"; gen=$((1 - gen)); echo "cert rotated" >>"$work/events.txt"
  done ) &
pids+=($!)
( n=0
  while sleep "$values_every"; do
    if [ $((n % 2)) -eq 0 ]; then src=bad; else src=good; fi
    cp "$work/values-$src.yaml" "$work/values.tmp" && mv "$work/values.tmp" "$work/values.yaml"
    echo "values $src" >>"$work/events.txt"; n=$((n + 1))
  done ) &
pids+=($!)

# A fresh, verifying TLS connection every second: rotations must never break a handshake.
( while sleep 1; do
    if curl -sf --cacert "$work/ca.crt" -o /dev/null "https://127.0.0.1:$port/inject" -X POST \
      -H 'Content-Type: application/json' --data-binary @tests/fixtures/admission/deployment-pod.json; then
      echo ok >>"$work/probes.txt"; else echo fail >>"$work/probes.txt"; fi
  done ) &
pids+=($!)

clients=4
h2load --h1 -c "$clients" --rps "$((rate / clients))" -D "$duration" \
  -H 'Content-Type: application/json' -d tests/fixtures/admission/deployment-pod.json \
  "https://127.0.0.1:$port/inject" >"$work/h2load.txt" 2>&1 || true

# RSS flatness is judged over the load phase; the slow clients below hold 1,000 TLS sessions.
cp "$work/rss.txt" "$work/rss-load.txt"
slow_ok=0
"$python" bench/slow_clients.py --port "$port" --clients "$slow_clients" --limit 15 \
  >"$work/slow.txt" 2>&1 && slow_ok=1
cat "$work/slow.txt"

# Report.
requests=$(sed -n 's/^requests: \([0-9]*\) total.*/\1/p' "$work/h2load.txt")
succeeded=$(sed -n 's/.* \([0-9]*\) succeeded.*/\1/p' "$work/h2load.txt")
failed=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' "$work/h2load.txt")
errored=$(sed -n 's/.* \([0-9]*\) errored.*/\1/p' "$work/h2load.txt")
non2xx=$(awk '/^status codes:/ {gsub(",", ""); print $5 + $7 + $9}' "$work/h2load.txt")
probes_ok=$(grep -c ok "$work/probes.txt" || true)
probes_fail=$(grep -c fail "$work/probes.txt" || true)
rotations=$(grep -c cert "$work/events.txt" || true)
reloads=$(grep -c values "$work/events.txt" || true)
reload_counts=$(curl -sf "http://127.0.0.1:$admin/metrics" | grep -E '^[a-z_]*reload[a-z_]*\{' | tr '\n' ' ' || true)
# RSS after warm-up (the 6th sample) against the last and the peak of the load phase.
read -r rss_first rss_max rss_last < <(awk 'NR==6 || (NR<6 && NR==1) {f=$1} {if ($1>m) m=$1; l=$1} END {print f, m, l}' "$work/rss-load.txt")
rss_slow=$(sort -n "$work/rss.txt" | tail -n1)
echo "soak: ${duration}s at ${rate}/s: ${requests:-0} requests, ${succeeded:-0} succeeded, ${failed:-?} failed, ${errored:-?} errored, ${non2xx:-?} non-2xx"
echo "soak: ${rotations} certificate rotations, ${reloads} values replacements; fresh TLS probes: ${probes_ok} ok, ${probes_fail} failed"
echo "soak: reloads: ${reload_counts:-none reported}"
echo "soak: RSS under load: after warm-up ${rss_first} KiB, max ${rss_max} KiB, last ${rss_last} KiB; peak with the slow clients ${rss_slow} KiB"
grep -E '^(finished|req/s|time for request)' "$work/h2load.txt" || true
status=0
[ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] && [ "${non2xx:-1}" = 0 ] || { echo "soak: admissions failed" >&2; status=1; }
[ "${succeeded:-0}" -gt 0 ] || { echo "soak: no admission succeeded" >&2; status=1; }
[ "$probes_fail" = 0 ] || { echo "soak: fresh TLS connections failed across rotations" >&2; status=1; }
# Flat: the last sample within 1.5x of the first plus 16 MiB (allocator warm-up).
[ "$rss_last" -le $((rss_first * 3 / 2 + 16384)) ] || { echo "soak: RSS grew" >&2; status=1; }
[ "$slow_ok" = 1 ] || { echo "soak: slow clients were not cut off in time" >&2; status=1; }
kill "$server" 2>/dev/null || true
exit $status
