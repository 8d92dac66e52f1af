"""End-to-end fixtures: a real API server (scripts/cluster.sh), the real kubectl, our chart
rendered by real Helm, and our binary serving on the host.

The chart is installed as Helm renders it, with only what loopback needs changed:
- the webhook entries' `clientConfig.service` becomes `url: https://127.0.0.1:PORT/inject`
  (a Service cannot point at the host) and `caBundle` is set to the throwaway webhook CA;
- the Deployment (and Service, PDB, HPA) are not applied; instead `target/release/sidecar-injector`
  runs on the host with the Deployment's own args, where the listen addresses, the mounted
  directories and the TLS files are swapped for loopback ones;
- the server talks to the API server as the chart's ServiceAccount (a token from
  `kubectl create token`), so the chart's RBAC is what it gets.

Run through tests/e2e/run.sh, which starts the cluster and sets KUBECONFIG, E2E_BIN, E2E_PKI.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

_spec = importlib.util.spec_from_file_location("render_deploy", ROOT / "scripts" / "render-deploy.py")
render_deploy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_deploy)

# Everything here is on loopback: never through a proxy a CI machine may set.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1", "localhost"]))

NAMESPACE = "istio-system"
LOGS = ROOT / "target" / "e2e-logs"
# Kinds that only make sense in-cluster: our binary runs on the host instead.
HOST_REPLACED = {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"}


def env_path(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run tests/e2e/run.sh (or eval \"$(scripts/cluster.sh env)\")", 2)
    return Path(value)


KUBECONFIG = env_path("KUBECONFIG")
E2E_BIN = env_path("E2E_BIN")
E2E_PKI = env_path("E2E_PKI")
INJECTOR = Path(os.environ.get("SIDECAR_INJECTOR_BIN", ROOT / "target" / "release" / "sidecar-injector"))


def log(msg: str) -> None:
    """What a test checked; shown with pytest -rA / -s and in the run log."""
    print(f"  checked: {msg}")


# ---------------------------------------------------------------------------------------------
# kubectl
# ---------------------------------------------------------------------------------------------

class KubectlError(Exception):
    def __init__(self, args, result):
        self.stderr = result.stderr
        super().__init__(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")


def kubectl(*args: str, input: str | None = None, check: bool = True,
            kubeconfig: Path = KUBECONFIG) -> subprocess.CompletedProcess:
    result = subprocess.run([str(E2E_BIN / "kubectl"), "--kubeconfig", str(kubeconfig), *args],
                            input=input, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise KubectlError(args, result)
    return result


def kget(*args: str) -> dict:
    return json.loads(kubectl("get", "-o", "json", *args).stdout)


def apply(objs, *extra: str) -> str:
    if isinstance(objs, dict):
        objs = [objs]
    return kubectl("apply", *extra, "-f", "-", input=yaml.safe_dump_all(objs)).stdout


def create(obj: dict, *extra: str) -> dict:
    return json.loads(kubectl("create", *extra, "-o", "json", "-f", "-", input=json.dumps(obj)).stdout)


def namespace(name: str, labels: dict | None = None) -> None:
    """(Re)creates a namespace with exactly these labels, once its default ServiceAccount exists."""
    kubectl("delete", "namespace", name, "--ignore-not-found", "--wait=true", "--timeout=120s")
    apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}})
    wait(lambda: kubectl("get", "serviceaccount", "default", "-n", name, check=False).returncode == 0,
         f"ServiceAccount default in {name}")


def wait(cond, what: str, timeout: float = 60, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def pod(name: str, labels: dict | None = None, annotations: dict | None = None) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
        "spec": {"containers": [{"name": "app", "image": "registry.example/app:1",
                                 "ports": [{"containerPort": 8080}]}]},
    }


def container_names(pod_obj: dict) -> tuple[list[str], list[str]]:
    spec = pod_obj["spec"]
    return ([c["name"] for c in spec.get("initContainers", [])],
            [c["name"] for c in spec.get("containers", [])])


def injected(pod_obj: dict) -> bool:
    init, main = container_names(pod_obj)
    return "istio-proxy" in init + main


def assert_injected_once(pod_obj: dict) -> None:
    init, main = container_names(pod_obj)
    assert (init + main).count("istio-proxy") == 1, f"istio-proxy not exactly once: {init} {main}"
    assert init.count("istio-init") == 1, f"istio-init not exactly once: {init}"
    assert pod_obj["metadata"]["annotations"].get("sidecar.istio.io/status"), "no sidecar.istio.io/status"


# The API server calls an IfNeeded webhook twice for every Pod it injects: after the webhook
# round the ServiceAccount admission plugin runs again and mounts the token volume into the
# containers we added (istio-init, istio-proxy), which counts as a later change, so we are
# reinvoked (with a new request uid) and answer "already injected".
REVIEWS_PER_INJECTED_POD = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The injector: chart objects applied, binary on the host
# ---------------------------------------------------------------------------------------------

def render(values: dict, name: str) -> list[dict]:
    return [obj for _, _, obj in render_deploy.render_documents(values, name=name, namespace=NAMESPACE)]


class Injector:
    """One release of our chart: its objects in the cluster, its server on the host."""

    def __init__(self, values: dict | None = None, name: str = "sidecar-injector",
                 self_managed: bool = False, shutdown_delay: str | None = "0s"):
        self.values = values or {}
        # The SIGTERM delay waits for Service endpoints to drop the Pod; on loopback there are
        # none, so tests stop at once unless they look at the delay (None: the binary's default,
        # none outside a pod).
        self.shutdown_delay = shutdown_delay
        self.name = name
        self.self_managed = self_managed
        self.objects = render(self.values, name)
        self.port = free_port()
        self.admin_port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix=f"e2e-{name}-"))
        self.proc: subprocess.Popen | None = None
        self.log_path = self.dir / "server.log"

    # The chart's pieces.
    def one(self, kind: str) -> dict:
        found = [o for o in self.objects if o["kind"] == kind]
        assert len(found) == 1, f"expected one {kind} in the render, got {len(found)}"
        return found[0]

    @property
    def webhook_name(self) -> str:
        return self.one("MutatingWebhookConfiguration")["metadata"]["name"]

    def cluster_objects(self) -> list[dict]:
        """The chart's objects as applied here: webhook clientConfig pointed at loopback."""
        ca = (E2E_PKI / "webhook-ca.crt").read_bytes()
        out = []
        for obj in self.objects:
            if obj["kind"] in HOST_REPLACED:
                continue
            obj = json.loads(json.dumps(obj))
            if obj["kind"] == "MutatingWebhookConfiguration":
                for hook in obj["webhooks"]:
                    path = hook["clientConfig"]["service"].get("path", "/")
                    hook["clientConfig"] = {"url": f"https://127.0.0.1:{self.port}{path}"}
                    if not self.self_managed:
                        hook["clientConfig"]["caBundle"] = base64.b64encode(ca).decode()
            out.append(obj)
        return out

    def server_args(self) -> list[str]:
        """The Deployment's args with loopback addresses, host directories and, unless
        self-managed, the throwaway PKI's serving certificate."""
        deployment = self.one("Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        config_dir = self.dir / "config"
        config_dir.mkdir(exist_ok=True)
        for key, text in self.one("ConfigMap")["data"].items():
            (config_dir / key).write_text(text)
        args = []
        for arg in container["args"]:
            flag, _, value = arg.partition("=")
            if flag == "--listen":
                arg = f"--listen=127.0.0.1:{self.port}"
            elif flag == "--admin-listen":
                arg = f"--admin-listen=127.0.0.1:{self.admin_port}"
            elif flag == "--service-names":
                arg = f"{arg},127.0.0.1"  # the API server calls https://127.0.0.1:PORT
            elif value.startswith(mounts["config"]):
                arg = f"{flag}={config_dir}{value[len(mounts['config']):]}"
            elif "certs" in mounts and value.startswith(mounts["certs"]):
                arg = f"{flag}={self.dir / 'certs'}{value[len(mounts['certs']):]}"
            if not self.self_managed and flag in ("--self-manage-certs", "--webhook-config-name",
                                                  "--cert-dir", "--service-names"):
                continue
            args.append(arg)
        if not self.self_managed:
            args += [f"--tls-cert={E2E_PKI / 'webhook.crt'}", f"--tls-key={E2E_PKI / 'webhook.key'}"]
        return args

    def service_account_kubeconfig(self) -> Path:
        """A kubeconfig for the chart's ServiceAccount: the server gets the chart's RBAC only."""
        sa = self.one("ServiceAccount")["metadata"]["name"]
        token = kubectl("create", "token", sa, "-n", NAMESPACE, "--duration=2h").stdout.strip()
        config = yaml.safe_load(KUBECONFIG.read_text())
        config["users"] = [{"name": sa, "user": {"token": token}}]
        config["contexts"][0]["context"]["user"] = sa
        path = self.dir / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path

    def install(self) -> "Injector":
        kubectl("create", "namespace", NAMESPACE, check=False)
        try:
            apply(self.cluster_objects())
            self.start()
        except BaseException:
            self.uninstall()  # a fixture that fails here never reaches its teardown
            raise
        return self

    def start(self) -> None:
        args = [str(INJECTOR), *self.server_args()]  # the args start with "serve"
        env = dict(os.environ, KUBECONFIG=str(self.service_account_kubeconfig()), RUST_LOG="info")
        # Loopback needs no proxy. (Our server with HTTPS_PROXY set exits at start: kube-rs is
        # built without its http-proxy feature and ignores NO_PROXY then; reported separately.)
        for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            env.pop(var, None)
        if self.shutdown_delay is not None:
            env["SIDECAR_INJECTOR_SHUTDOWN_DELAY"] = self.shutdown_delay
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        self.args = args
        try:
            wait(self.ready, f"{self.name} /readyz", timeout=30)
        except AssertionError as e:
            raise AssertionError(f"{e}; server log:\n{self.log()}") from None

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}: {self.log()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log_file", None):
            self.log_file.close()

    def metric(self, name: str, label: str = "") -> float:
        """Sum of a counter over its label sets (those containing `label`), from /metrics."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=5) as r:
            text = r.read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and (line[len(name)] in " {") and label in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def uninstall(self) -> None:
        self.stop()
        for obj in reversed(self.cluster_objects()):
            kind, meta = obj["kind"], obj["metadata"]
            ns = ["-n", meta["namespace"]] if "namespace" in meta else []
            kubectl("delete", kind, meta["name"], *ns, "--ignore-not-found", "--wait=false")
        if self.log_path.exists():  # kept for debugging: target/e2e-logs/
            LOGS.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.log_path, LOGS / f"{self.name}-{self.port}.log")
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_webhook_active(ns: str, labels: dict | None = None) -> None:
    """The API server picks up a new MutatingWebhookConfiguration asynchronously: dry-run a
    Pod (which calls webhooks, creates nothing) until it comes back injected."""
    probe = pod("probe", labels)

    def active() -> bool:
        try:
            return injected(create(probe, "-n", ns, "--dry-run=server"))
        except KubectlError:  # a configuration of an earlier install, not yet replaced
            return False
    wait(active, "the webhook to be active", 30)


@pytest.fixture(scope="session", autouse=True)
def binary_present():
    if not INJECTOR.exists():
        pytest.exit(f"{INJECTOR} missing: cargo build --release", 2)
