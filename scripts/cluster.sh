#!/usr/bin/env bash
# A throwaway Kubernetes control plane on loopback for the e2e tests: etcd, kube-apiserver and
# kube-controller-manager built from Go modules (tests/e2e/cluster, cached by build.sh), no
# scheduler and no kubelet (Pods stay Pending, which is all an admission webhook needs).
#
#   scripts/cluster.sh up     build if needed, start, wait until ready, print the kubeconfig path
#   scripts/cluster.sh down   stop every process started by `up` and delete the state directory
#   scripts/cluster.sh env    print `export KUBECONFIG=...` (and E2E_* variables) for `eval`
#
# State (PKI, etcd data, logs, pids, kubeconfig) lives in $SIDECAR_E2E_STATE
# (default: target/e2e-cluster). Everything listens on 127.0.0.1 on free ports.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${SIDECAR_E2E_STATE:-$root/target/e2e-cluster}"
pki="$state/pki"
say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_tools() {
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v flock >/dev/null || missing+=(util-linux)
  command -v python3 >/dev/null || missing+=(python3)
  if ((${#missing[@]})); then
    say "installing ${missing[*]} with apt-get"
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v go >/dev/null || die "go is not installed (needed to build the cluster binaries)"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cert NAME CN ORG SAN [CA]: a key and a certificate signed by CA (default: pki/ca).
cert() {
  local name=$1 cn=$2 org=$3 san=$4 ca=${5:-ca}
  local subj="/CN=$cn"
  [[ -n $org ]] && subj="/O=$org$subj"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "$subj" \
    -out "$pki/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $san ]]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" \
    -CAcreateserial -days 2 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -out "$pki/$1.crt" \
    -days 2 -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

make_pki() {
  mkdir -p "$pki"
  ca ca "sidecar-e2e-cluster-ca"
  cert apiserver kube-apiserver "" "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin admin system:masters ""
  cert controller-manager system:kube-controller-manager "" ""
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  # The injector's serving certificate, from its own CA (the webhook's caBundle).
  ca webhook-ca "sidecar-e2e-webhook-ca"
  cert webhook sidecar-injector "" "IP:127.0.0.1,DNS:localhost" webhook-ca
}

# kubeconfig FILE USER: a kubeconfig with embedded credentials of pki/USER.{crt,key}.
kubeconfig() {
  local b64='base64 -w0'
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: https://127.0.0.1:$apiserver_port
      certificate-authority-data: $($b64 <"$pki/ca.crt")
users:
  - name: $2
    user:
      client-certificate-data: $($b64 <"$pki/$2.crt")
      client-key-data: $($b64 <"$pki/$2.key")
contexts:
  - name: e2e
    context: {cluster: e2e, user: $2}
current-context: e2e
EOF
}

start() { # start NAME CMD...: runs CMD in its own session, logging to NAME.log
  local name=$1
  shift
  setsid "$@" >"$state/$name.log" 2>&1 </dev/null &
  echo "$!" >"$state/$name.pid"
}

alive() { [[ -f "$state/$1.pid" ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

wait_for() { # wait_for NAME SECONDS CMD...: until CMD succeeds, or fail with NAME's log
  local name=$1 secs=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      tail -n 30 "$state/$name.log" >&2
      die "$name exited; log: $state/$name.log"
    fi
    if ((SECONDS > deadline)); then
      tail -n 30 "$state/$name.log" >&2
      die "$name not ready after ${secs}s; log: $state/$name.log"
    fi
    sleep 0.5
  done
}

up() {
  need_tools
  if alive kube-apiserver; then
    say "already running"
    echo "$state/kubeconfig"
    return
  fi
  local bin
  bin="$("$root/tests/e2e/cluster/build.sh")"
  stop_all # leftovers of an earlier run whose API server died
  rm -rf "$state"
  mkdir -p "$state"
  # A failed start leaves nothing running (the logs are printed by wait_for first).
  trap 'say "start failed; stopping what was started"; stop_all' ERR EXIT
  echo "$bin" >"$state/bin"
  make_pki

  local etcd_port etcd_peer apiserver_port
  etcd_port=$(free_port)
  etcd_peer=$(free_port)
  apiserver_port=$(free_port)
  echo "$apiserver_port" >"$state/apiserver.port"

  start etcd "$bin/etcd" --name e2e --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "e2e=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level warn
  wait_for etcd 30 curl -sf --noproxy "*" "http://127.0.0.1:$etcd_port/health"

  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.0.0.0/24 \
    --authorization-mode Node,RBAC \
    --allow-privileged=true \
    --endpoint-reconciler-type none \
    --cert-dir "$state/apiserver-certs"
  kubeconfig "$state/kubeconfig" admin
  kubeconfig "$state/controller-manager.kubeconfig" controller-manager
  wait_for kube-apiserver 90 "$bin/kubectl" --kubeconfig "$state/kubeconfig" get --raw /readyz

  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$state/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(free_port)" \
    --leader-elect=false --use-service-account-credentials=true \
    --root-ca-file "$pki/ca.crt" --service-account-private-key-file "$pki/sa.key" \
    --controllers serviceaccount,serviceaccount-token,deployment,replicaset,statefulset,job,cronjob,namespace,garbagecollector
  # Ready when the serviceaccount controller has given the default namespace its account.
  wait_for kube-controller-manager 90 "$bin/kubectl" --kubeconfig "$state/kubeconfig" get serviceaccount default -n default
  trap - ERR EXIT
  say "up: API server https://127.0.0.1:$apiserver_port, state in $state"
  echo "$state/kubeconfig"
}

stop_all() {
  local name pid
  for name in kube-controller-manager kube-apiserver etcd; do
    if alive "$name"; then
      pid=$(cat "$state/$name.pid")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
}

down() {
  stop_all
  rm -rf "$state"
  say "down"
}

env_() {
  [[ -f "$state/kubeconfig" ]] || die "no cluster (run: scripts/cluster.sh up)"
  echo "export KUBECONFIG=$state/kubeconfig"
  echo "export E2E_BIN=$(cat "$state/bin")"
  echo "export E2E_PKI=$pki"
  echo "export PATH=$(cat "$state/bin"):\$PATH"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_ ;;
  *) die "usage: scripts/cluster.sh up|down|env" ;;
esac
