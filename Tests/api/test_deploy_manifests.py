"""deploy/k8s, the Kubernetes manifests: validated offline against the Kubernetes API's schemas
(scripts/validate-deploy.sh), the invariants that tie them together checked (probe paths,
SIGTERM grace, per-pod replica names under the headless Service, the database Secret), and
the commands and config they hold run for real: two `continuum serve` replicas started with
the StatefulSet's arguments and a gateway with the Deployment's arguments, environment and
the ConfigMap's config, on a throwaway PostgreSQL with the Secret's user, password and
database (scripts/pg-cluster.sh), only addresses and paths swapped for loopback ones. No
cluster and no container engine run here."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from openai import OpenAI

from conftest import BINARY, MODEL, free_port

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VALIDATE = ROOT / "scripts" / "validate-deploy.sh"


def load(directory=K8S):
    """Every resource in the directory's manifests, by (kind, name)."""
    out = {}
    for f in sorted(directory.glob("*.yaml")):
        if f.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(f.read_text()):
            if doc:
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


@pytest.fixture(scope="module")
def m():
    return load()


def pod(workload):
    return workload["spec"]["template"]["spec"]


def container(workload, name):
    return next(c for c in pod(workload)["containers"] if c["name"] == name)


def flag(args, name):
    """The value of `--name=value` in a container's args (the manifests spell them so)."""
    values = [a.split("=", 1)[1] for a in args if a.startswith(name + "=")]
    assert len(values) == 1, f"{name} given {len(values)} times in {args}"
    return values[0]


def serve_config(m):
    return yaml.safe_load(m[("ConfigMap", "gateway-config")]["data"]["serve.yaml"])


def port_number(c, port):
    """A probe's port (a name or a number) as the container's port number."""
    return port if isinstance(port, int) else next(p["containerPort"] for p in c["ports"] if p["name"] == port)


# --- offline validation -------------------------------------------------------------------

def test_the_validator_accepts_the_manifests():
    r = subprocess.run([str(VALIDATE)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "deploy manifests valid" in r.stdout


def test_the_validator_rejects_a_misspelt_field(tmp_path):
    # Strict schemas: a key the API does not know fails instead of being dropped silently.
    for f in K8S.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    svc = tmp_path / "replicas-service.yaml"
    svc.write_text(svc.read_text().replace("clusterIP: None", "clusterIp: None"))
    r = subprocess.run([str(VALIDATE), str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert r.returncode != 0
    assert "clusterIp" in r.stdout + r.stderr


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    files = sorted(f.name for f in K8S.glob("*.yaml") if f.name != "kustomization.yaml")
    assert sorted(listed) == files


# --- invariants ---------------------------------------------------------------------------

def test_every_resource_is_in_the_namespace(m):
    (ns,) = [name for kind, name in m if kind == "Namespace"]
    for (kind, name), doc in m.items():
        if kind != "Namespace":
            assert doc["metadata"].get("namespace") == ns, f"{kind}/{name}"


def test_gateways_are_several_with_probes_on_ready_and_health(m):
    gw = m[("Deployment", "gateway")]
    assert gw["spec"]["replicas"] >= 2
    c = container(gw, "gateway")
    config_port = serve_config(m)["port"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health"
    assert c["startupProbe"]["httpGet"]["path"] == "/health"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert port_number(c, c[probe]["httpGet"]["port"]) == config_port, probe
    svc = m[("Service", "gateway")]
    assert svc["spec"]["selector"].items() <= gw["spec"]["template"]["metadata"]["labels"].items()
    assert svc["spec"]["ports"][0]["targetPort"] in [p["name"] for p in c["ports"]]


def test_sigterm_grace_covers_the_prestop_sleep_and_the_gateways_own_grace(m):
    gw = m[("Deployment", "gateway")]
    c = container(gw, "gateway")
    sleep = c["lifecycle"]["preStop"]["exec"]["command"]
    assert Path(sleep[0]).name == "sleep" and int(sleep[1]) > 0
    grace = serve_config(m)["shutdown_grace_seconds"]
    assert pod(gw)["terminationGracePeriodSeconds"] >= int(sleep[1]) + grace
    # Replicas: the default grace of `continuum serve` (30 s) when no config sets it.
    replica = m[("StatefulSet", "replica")]
    assert not any(a.startswith("--config") for a in container(replica, "engine")["args"])
    assert pod(replica)["terminationGracePeriodSeconds"] >= 30


def test_replicas_are_named_per_pod_through_the_headless_service(m):
    sts = m[("StatefulSet", "replica")]
    svc = m[("Service", sts["spec"]["serviceName"])]
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["selector"].items() <= sts["spec"]["template"]["metadata"]["labels"].items()
    engine = container(sts, "engine")
    args = engine["args"]
    port = int(flag(args, "--port"))
    assert port_number(engine, svc["spec"]["ports"][0]["targetPort"]) == port
    assert engine["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert engine["livenessProbe"]["httpGet"]["path"] == "/health"
    ns = sts["metadata"]["namespace"]
    expected = {f"http://{sts['metadata']['name']}-{i}.{svc['metadata']['name']}.{ns}.svc.cluster.local:{port}/v1"
                for i in range(sts["spec"]["replicas"])}
    config = serve_config(m)
    (model,) = config["models"].values()
    urls = {config["backends"][b]["base_url"] for b in model["backends"]}
    assert urls == expected  # one backend per pod, no more, no fewer
    # KV-event subscriptions exist only for a prompt-aware policy with a tokenizer.
    assert model["routing"] == "continuum"
    assert Path(model["tokenizer"]).name == Path(flag(args, "--model")).name
    for b in model["backends"]:
        assert config["backends"][b]["model"] == flag(args, "--model-name")
    assert "--no-ledger" in args


def test_the_ledger_url_comes_from_the_secret_postgres_uses(m):
    secret = m[("Secret", "continuum-db")]["stringData"]
    c = container(m[("Deployment", "gateway")], "gateway")
    # From the environment, not an argument: the password stays out of the process list.
    assert not any(a.startswith("--ledger-url") for a in c["args"])
    env = {e["name"]: e for e in c["env"]}
    assert env["CONTINUUM_LEDGER_URL"]["valueFrom"]["secretKeyRef"] == {"name": "continuum-db", "key": "ledger-url"}
    assert "$CONTINUUM_LEDGER_URL" in subprocess.run([str(BINARY), "serve", "--help"], capture_output=True,
                                                    text=True, timeout=60).stdout
    pg = m[("StatefulSet", "postgres")]
    pg_env = {e["name"]: e for e in container(pg, "postgres")["env"]}
    assert pg_env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "continuum-db", "key": "password"}
    url = secret["ledger-url"]
    ns = pg["metadata"]["namespace"]
    assert url == (f"postgres://{pg_env['POSTGRES_USER']['value']}:{secret['password']}"
                   f"@{pg['spec']['serviceName']}.{ns}.svc.cluster.local:5432/{pg_env['POSTGRES_DB']['value']}")
    assert m[("Service", pg["spec"]["serviceName"])]["spec"]["clusterIP"] == "None"
    # The local spool beside PostgreSQL is on a volume, not the read-only root file system.
    mounts = [v["mountPath"] for v in c["volumeMounts"]]
    assert str(Path(flag(c["args"], "--ledger")).parent) in mounts
    # Replicas have no ledger: the variable there would make them refuse to start.
    replica = container(m[("StatefulSet", "replica")], "engine")
    assert "CONTINUUM_LEDGER_URL" not in [e["name"] for e in replica.get("env", [])]


def test_every_container_has_requests_and_limits(m):
    for (kind, name), doc in m.items():
        if kind not in ("Deployment", "StatefulSet"):
            continue
        for c in pod(doc).get("initContainers", []) + pod(doc)["containers"]:
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= c["resources"][bound].keys(), f"{kind}/{name} {c['name']} {bound}"


def test_disruption_budgets_and_network_policies_select_real_pods(m):
    labels = {name: doc["spec"]["template"]["metadata"]["labels"]
              for (kind, name), doc in m.items() if kind in ("Deployment", "StatefulSet")}
    for name in ("gateway", "replica"):
        sel = m[("PodDisruptionBudget", name)]["spec"]["selector"]["matchLabels"]
        assert sel.items() <= labels[name].items()
    for policy, target in (("replicas-from-gateways", "replica"), ("postgres-from-gateways", "postgres")):
        spec = m[("NetworkPolicy", policy)]["spec"]
        assert spec["podSelector"]["matchLabels"].items() <= labels[target].items()
        (rule,) = spec["ingress"]
        (source,) = rule["from"]
        assert source["podSelector"]["matchLabels"].items() <= labels["gateway"].items()


def test_the_binary_knows_every_flag_the_manifests_pass(m):
    known = set(re.findall(r"--[a-z][a-z0-9-]*", subprocess.run(
        [str(BINARY), "serve", "--help"], capture_output=True, text=True, timeout=60).stdout))
    used = {a.split("=", 1)[0] for (kind, _), doc in m.items() if kind in ("Deployment", "StatefulSet")
            for c in pod(doc)["containers"] if c["image"].startswith("continuum") for a in c.get("args", [])[1:]}
    assert used - known == set()


# --- the manifests' commands, run ---------------------------------------------------------

class Proc:
    """`continuum` with a manifest's args, on loopback."""

    def __init__(self, tmp: Path, args: list[str], port: int, env=None):
        self.port = port
        self.log = tmp / "serve.log"
        if env is None:  # as in the replica pods: no shared-store URL
            env = {k: v for k, v in os.environ.items() if k != "CONTINUUM_LEDGER_URL"}
        self.proc = subprocess.Popen([str(BINARY), *args], stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, env=env)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_listening(self):
        deadline = time.time() + 90
        while time.time() < deadline:
            assert self.proc.poll() is None, f"exited: {self.log.read_text()[-2000:]}"
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("did not start in 90 s")

    def stop(self, sig=signal.SIGTERM, timeout=60.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def override(args, values, drop=()):
    """The args with `--name=value` replaced for the names in `values` (added when absent)
    and the flags in `drop` removed."""
    out = [a for a in args if a.split("=", 1)[0] not in values and a.split("=", 1)[0] not in drop]
    return out + [f"{k}={v}" for k, v in values.items()]


PG_CLUSTER = ROOT / "scripts" / "pg-cluster.sh"


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL on loopback (scripts/pg-cluster.sh) with the Secret's user,
    password and database; yields (port, psql command)."""
    subprocess.run([str(PG_CLUSTER), "install"], check=True, timeout=900)
    # Not under pytest's tmp folder: the server runs as the postgres user, who cannot enter it.
    d = Path(tempfile.mkdtemp(prefix="continuum-deploy-pg-"))
    port = free_port()
    subprocess.run([str(PG_CLUSTER), "start", str(d), str(port)], check=True, capture_output=True, timeout=120)
    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])[-1]
    psql = [f"{bindir}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qtA", "-v", "ON_ERROR_STOP=1"]
    try:
        yield port, psql
    finally:
        subprocess.run([str(PG_CLUSTER), "stop", str(d)], timeout=120)
        shutil.rmtree(d, ignore_errors=True)


DOC = " ".join(f"Rule {i}: the {['oak', 'pine', 'elm'][i % 3]} crate number {i} goes to bay {i * 5 % 11}." for i in range(40))


def test_the_manifests_commands_and_config_serve_for_real(m, tmp_path, postgres):
    replica_args = container(m[("StatefulSet", "replica")], "engine")["args"]
    gw = m[("Deployment", "gateway")]
    gw_args = container(gw, "gateway")["args"]
    config = serve_config(m)
    (model_name,) = config["models"]
    model = config["models"][model_name]

    replicas = []
    for name in model["backends"]:
        d = tmp_path / name
        d.mkdir()
        port = free_port()
        # Only addresses and paths change; the context and threads shrink to fit the test machine.
        args = override(replica_args, {"--host": "127.0.0.1", "--port": port, "--model": MODEL,
                                       "--ctx-size": 1024, "--threads": 1})
        replicas.append((name, Proc(d, args, port)))
    for _, r in replicas:
        r.wait_listening()
    config["host"], config["port"] = "127.0.0.1", free_port()
    for name, r in replicas:
        config["backends"][name]["base_url"] = f"{r.url}/v1"
    model["tokenizer"] = str(MODEL)
    gw_dir = tmp_path / "gateway"
    gw_dir.mkdir()
    (gw_dir / "serve.yaml").write_text(yaml.safe_dump(config))
    # The Secret's ledger URL with only the address swapped: its user, password and database
    # exist in the loopback PostgreSQL as they would in the StatefulSet's.
    pg_port, psql = postgres
    secret_url = urllib.parse.urlsplit(m[("Secret", "continuum-db")]["stringData"]["ledger-url"])
    user, password, db = secret_url.username, secret_url.password, secret_url.path.lstrip("/")
    subprocess.run(psql + ["-d", "postgres", "-c", f"CREATE ROLE {user} LOGIN PASSWORD '{password}'",
                           "-c", f"ALTER DATABASE {db} OWNER TO {user}"], check=True, timeout=60)
    ledger_url = secret_url._replace(netloc=f"{user}:{password}@127.0.0.1:{pg_port}").geturl()
    env = {k: v for k, v in os.environ.items() if k != "CONTINUUM_LEDGER_URL"}
    env_of = {e["name"]: e.get("value") for e in container(gw, "gateway")["env"]}
    env_of["CONTINUUM_LEDGER_URL"] = ledger_url
    env_of.pop("CONTINUUM_MODELS")  # /models: the tokenizer path in the config is rewritten instead
    env_of["HOME"] = str(gw_dir)
    gateway = Proc(gw_dir, override(gw_args, {"--config": gw_dir / "serve.yaml", "--ledger": gw_dir / "ledger.sqlite"}),
                   config["port"], env={**env, **env_of})
    try:
        gateway.wait_listening()
        # It found PostgreSQL through the variable and migrated it.
        assert f"shared store postgres://{user}@127.0.0.1:{pg_port}/{db}" in gateway.log.read_text()
        tables = subprocess.run(psql + ["-d", db, "-c", "SELECT tablename FROM pg_tables WHERE tableowner = '" + user + "'"],
                                check=True, capture_output=True, text=True, timeout=60).stdout.split()
        assert {"api_keys", "requests"} <= set(tables), tables
        assert urllib.request.urlopen(f"{gateway.url}/ready", timeout=5).status == 200
        client = OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0, timeout=120)

        def ask(question):
            raw = client.chat.completions.with_raw_response.create(
                model=model_name, messages=[{"role": "system", "content": DOC}, {"role": "user", "content": question}],
                temperature=0, max_tokens=4)
            return raw.headers, raw.parse()

        time.sleep(1)  # the gateway subscribes to each replica's /v1/kv-events
        h, _ = ask("Where does crate 4 go?")
        first = h["x-continuum-backend"]
        assert first in model["backends"] and h["x-continuum-tier"] == "edge"
        time.sleep(0.5)  # the replica's stored-block events reach the gateway
        h, r = ask("Where does crate 9 go?")
        # Routed by what that replica reported holding: the per-pod subscriptions work.
        assert h["x-continuum-backend"] == first, h["x-continuum-route"]
        assert "(KV events)" in h["x-continuum-route"] and "0 cached tokens" not in h["x-continuum-route"]
        assert r.usage.prompt_tokens_details.cached_tokens >= 300

        # A replica gets SIGTERM (a rollout or a drain): it finishes and exits, and the
        # gateway answers from the other one.
        holder = dict(replicas)[first]
        assert holder.stop() == 0
        seen = {ask(f"Which bay for crate {i}?")[0]["x-continuum-backend"] for i in (11, 12, 13)}
        assert seen == set(model["backends"]) - {first}

        # The gateway gets SIGTERM after its preStop sleep: it exits well within what the pod
        # grants it after that sleep.
        sleep = int(container(gw, "gateway")["lifecycle"]["preStop"]["exec"]["command"][1])
        budget = pod(gw)["terminationGracePeriodSeconds"] - sleep
        started = time.monotonic()
        assert gateway.stop(timeout=budget) == 0
        assert time.monotonic() - started < budget
    finally:
        gateway.stop(signal.SIGKILL)
        for _, r in replicas:
            r.stop(signal.SIGKILL)
