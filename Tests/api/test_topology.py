"""Tiers on separate hosts: three network namespaces (scripts/netns-topology.sh), each with
its own `continuum serve`: the device (a gateway with SmolLM2 in process), the edge and the
cloud. The device reaches them through delaying proxies (Tests/topology/delay_proxy.py:
edge 2.5 ms each way, cloud 20 ms; this kernel has no netem) that also record every byte
that crosses. Shown over those links: retries, the circuit breaker and fallbacks when a
host is cut off; personal data never leaving the device (the link capture and the upstream
ledgers); a cascade escalating to the cloud host; the round trips the proxies make.

Needs root for `ip netns`; without it the module is skipped, or fails under CI=1."""
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from conftest import BINARY, MODEL, MODEL_NAME, ROOT, Server

sys.path.insert(0, str(ROOT / "Tests" / "topology"))
import delay_proxy  # noqa: E402

TOPO = ROOT / "scripts" / "netns-topology.sh"
PROXY = ROOT / "Tests" / "topology" / "delay_proxy.py"
# host -> (its address, the device's proxy port for its link, one-way delay in ms)
LINKS = {"edge": ("10.77.1.2", 9001, 2.5), "cloud": ("10.77.2.2", 9002, 20.0)}
DEVICE = "10.77.0.2"  # the device's address on the harness link
PII = "Please email jane.doe@example.com the invoice for card 4111 1111 1111 1111."
SECRETS = [b"jane.doe@example.com", b"4111 1111 1111 1111"]
QUESTION = [{"role": "user", "content": "Describe the sea in one sentence."}]


def on(host, *cmd, timeout=60):
    """Runs cmd on a host of the topology."""
    return subprocess.run([str(TOPO), "exec", host, *map(str, cmd)], capture_output=True, text=True, timeout=timeout)


class HostServer(Server):
    """`continuum serve` on one host, listening on that host's address."""

    def __init__(self, host, address, tmp, *extra):
        tmp.mkdir(exist_ok=True)
        self.host, self.address, self.port = host, address, 8080
        self.ledger, self.log = tmp / "ledger.sqlite", tmp / "serve.log"
        self.args = [str(TOPO), "exec", host, str(BINARY), "serve", "--host", address, "--port", "8080",
                     "--ledger", str(self.ledger), "-t", "1", "--ctx-size", "1024", *extra]
        self.start()

    @property
    def url(self):
        return f"http://{self.address}:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while time.time() < deadline:  # asked from the device, which reaches every host
            if self.proc.poll() is not None:
                raise RuntimeError(f"continuum serve on {self.host} exited: {self.log.read_text()[-2000:]}")
            if on("device", "curl", "-fs", "-o", "/dev/null", "--max-time", "1", f"{self.url}/health").returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"continuum serve on {self.host} did not start in 90 s")


class Proxy:
    """A delay proxy on the device in front of one link."""

    def __init__(self, name, tmp):
        address, port, delay = LINKS[name]
        self.name, self.port = name, port
        self.control_path, self.capture = tmp / f"{name}.sock", tmp / f"capture-{name}"
        self.proc = subprocess.Popen([str(TOPO), "exec", "device", sys.executable, str(PROXY), "serve",
                                      "--listen", f"127.0.0.1:{port}", "--upstream", f"{address}:8080",
                                      "--delay-ms", str(delay), "--control", str(self.control_path),
                                      "--capture", str(self.capture)],
                                     stdout=open(tmp / f"proxy-{name}.log", "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not self.control_path.exists():
            assert self.proc.poll() is None and time.time() < deadline, (tmp / f"proxy-{name}.log").read_text()
            time.sleep(0.05)

    def ctl(self, command):
        return delay_proxy.control(self.control_path, command)

    def crossed(self, needle, direction="up"):
        """Connections (capture files) in which `needle` crossed the link."""
        return [f.name for f in sorted(self.capture.glob(f"*.{direction}")) if needle in f.read_bytes()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    up = subprocess.run([str(TOPO), "up"], capture_output=True, text=True, timeout=60)
    if up.returncode != 0:
        why = f"no network namespaces here: {up.stderr.strip() or up.stdout.strip()}"
        if os.environ.get("CI") == "1":
            pytest.fail(why)
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("topology")
    started = []
    try:
        for host, (address, _, _) in LINKS.items():
            started.append(HostServer(host, address, tmp / host, "-m", MODEL, "--model-name", MODEL_NAME))
        edge, cloud = started
        proxies = {name: Proxy(name, tmp) for name in LINKS}
        started += proxies.values()
        config = tmp / "device.yaml"
        config.write_text(f"""
health_check_interval_seconds: 600   # breakers open on real failures and recover through their 10 s probe
retries: 2
backends:
  phone: {{type: local, tier: device, model: "{MODEL}", threads: 1, context: 1024}}
  edge: {{type: openai, tier: edge, base_url: "http://127.0.0.1:{LINKS['edge'][1]}/v1", model: {MODEL_NAME},
          connect_timeout_seconds: 2, failure_threshold: 2}}
  cloud: {{type: openai, tier: cloud, base_url: "http://127.0.0.1:{LINKS['cloud'][1]}/v1", model: {MODEL_NAME},
           connect_timeout_seconds: 2, failure_threshold: 2}}
models:
  small: phone
  near: edge
  far: cloud
  spread: [edge, cloud]                      # replicas on two hosts
  near-or-home: {{backends: [edge], fallbacks: [small]}}
  anywhere: [phone, edge, cloud]
  escalate:                                  # an 8-token answer is never fully certain: always escalated
    cascade: [small, far]
    after: {{min_confidence: 1.0, buffer_tokens: 8}}
""")
        (tmp / "device").mkdir()
        device = HostServer("device", DEVICE, tmp / "device", "--config", config)
        started.append(device)
        yield {"device": device, "edge": edge, "cloud": cloud, **{f"{n}_link": p for n, p in proxies.items()}}
    finally:
        for s in reversed(started):
            s.stop()
        subprocess.run([str(TOPO), "down"], capture_output=True, timeout=60)


def chat(topo, model, messages=QUESTION, max_tokens=4, **kw):
    r = httpx.post(topo["device"].url + "/v1/chat/completions", timeout=120,
                   json={"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0, **kw})
    return r


def ledger_rows(ledger, where="1", args=()):
    con = sqlite3.connect(ledger)
    con.row_factory = sqlite3.Row
    out = [dict(r) for r in con.execute(f"SELECT * FROM requests WHERE status != 'in_progress' AND {where}", args)]
    con.close()
    return out


def wait_rows(ledger, n, where="1", args=(), timeout=10):
    """At least n finished rows matching `where` (rows are written off the request path)."""
    deadline = time.time() + timeout
    while True:
        rows = ledger_rows(ledger, where, args)
        if len(rows) >= n or time.time() > deadline:
            return rows
        time.sleep(0.1)


def test_links_have_the_configured_round_trips(topo):
    for name, (address, port, delay) in LINKS.items():
        direct = on("device", sys.executable, PROXY, "rtt", f"{address}:8080", "--count", "15")
        proxied = on("device", sys.executable, PROXY, "rtt", f"127.0.0.1:{port}", "--count", "15")
        assert direct.returncode == 0 and proxied.returncode == 0, direct.stderr + proxied.stderr
        added = json.loads(proxied.stdout)["median_ms"] - json.loads(direct.stdout)["median_ms"]
        # Loose at the top: the proxy shares two contended cores with three engines.
        assert 2 * delay * 0.8 <= added <= 2 * delay + 10, f"{name}: round trip +{added:.1f} ms, configured {2 * delay} ms"
    # Loss shows at the TCP level as a retransmission: a late chunk and those behind it.
    link = topo["edge_link"]
    link.ctl("set loss=0.2 rto_ms=200")
    try:
        lossy = on("device", sys.executable, PROXY, "rtt", f"127.0.0.1:{LINKS['edge'][1]}", "--count", "10")
    finally:
        link.ctl("set loss=0")
    samples = json.loads(lossy.stdout)["samples"]
    assert any(s >= 200 for s in samples) and any(s < 50 for s in samples), samples
    # A blackholed link accepts connections and answers nothing; restored, it answers again.
    edge = f"127.0.0.1:{LINKS['edge'][1]}"
    link.ctl("cut blackhole")
    try:
        silent = on("device", sys.executable, PROXY, "rtt", edge, "--count", "1", "--timeout", "1")
    finally:
        link.ctl("restore")
    assert silent.returncode != 0 and "timed out" in silent.stderr, silent.stderr[-500:]
    assert on("device", sys.executable, PROXY, "rtt", edge, "--count", "1").returncode == 0


def test_a_host_cut_off_is_retried_skipped_and_comes_back(topo):
    edge_link = topo["edge_link"]
    assert chat(topo, "near").headers["x-continuum-backend"] == "edge"
    edge_link.ctl("cut refuse")
    try:
        # Replicas on two hosts: every request is answered, by the cloud host.
        routes = []
        for _ in range(6):
            r = chat(topo, "spread")
            assert r.status_code == 200, r.text
            assert r.headers["x-continuum-backend"] == "cloud"
            routes.append(r.headers["x-continuum-route"])
        retried = [x for x in routes if "after: backend 'edge' is unreachable" in x]
        assert len(retried) == 2, routes  # failure_threshold 2 opens the breaker ...
        assert "1 healthy of 2" in routes[-1], routes  # ... and the cut host is skipped from then on
        # A model whose only replica is cut off: a clear 503 with Retry-After, in OpenAI's shape.
        r = chat(topo, "near")
        assert r.status_code == 503 and r.headers["retry-after"], r.text
        assert r.json()["error"]["message"]
        assert httpx.get(topo["device"].url + "/ready").status_code == 503
        # With a fallback on the device, the device answers.
        r = chat(topo, "near-or-home")
        assert r.status_code == 200 and r.headers["x-continuum-tier"] == "device", r.text
        assert "fallback" in r.headers["x-continuum-route-code"]
        assert edge_link.ctl("stats")["connections"] >= 1
    finally:
        edge_link.ctl("restore")
    # The breaker lets one real request through every 10 s; after the link is back it closes.
    deadline = time.time() + 25
    while True:
        r = chat(topo, "near")
        if r.status_code == 200:
            break
        assert r.status_code == 503 and time.time() < deadline, r.text
        time.sleep(1)
    assert r.headers["x-continuum-backend"] == "edge"
    backends = {chat(topo, "spread").headers["x-continuum-backend"] for _ in range(4)}
    assert backends == {"edge", "cloud"}
    assert httpx.get(topo["device"].url + "/ready").status_code == 200
    # The device's ledger: the retried requests were answered by the cloud, marked as retries.
    rows = wait_rows(topo["device"].ledger, 2, "model = 'spread' AND reason_code = 'retry'")
    assert len(rows) == 2 and all(r["backend"] == "cloud" and r["status"] == "ok" for r in rows), rows


def test_personal_data_never_crosses_the_devices_links(topo):
    edge, cloud = topo["edge"], topo["cloud"]
    before = {h.host: len(ledger_rows(h.ledger)) for h in (edge, cloud)}
    pii = [{"role": "user", "content": PII}]
    for _ in range(3):  # round-robin over device, edge and cloud would send one of them away
        r = chat(topo, "anywhere", pii, max_tokens=2)
        assert r.status_code == 200 and r.headers["x-continuum-tier"] == "device", r.text
        assert r.headers["x-continuum-route-code"].startswith("personal_data_kept,")
    r = chat(topo, "escalate", pii, max_tokens=8, stream=True)
    assert r.status_code == 200 and r.headers["x-continuum-escalated"] == "no"
    assert "personal_data_kept" in r.headers["x-continuum-route-code"]
    r = chat(topo, "spread", pii, max_tokens=2)  # only remote replicas: refused, nothing sent
    assert r.status_code == 403 and "Nothing was sent" in r.json()["error"]["message"], r.text
    # A canary without personal data goes out and is seen, so the capture can see prompts.
    canary = f"Repeat the word canary-{uuid.uuid4().hex[:8]}."
    r = chat(topo, "spread", [{"role": "user", "content": canary}], max_tokens=2)
    assert r.status_code == 200
    link = topo[r.headers["x-continuum-backend"] + "_link"]
    assert link.crossed(canary.encode()), "the capture must see a prompt that was sent"
    # Not one byte of the personal data crossed either link, in any connection.
    for name in LINKS:
        for secret in SECRETS:
            assert topo[f"{name}_link"].crossed(secret) == [], f"{secret!r} crossed the {name} link"
    # The upstreams' ledgers: only the canary arrived, and nothing they received had personal data.
    after = {h.host: wait_rows(h.ledger, before[h.host] + (h.host == r.headers["x-continuum-backend"])) for h in (edge, cloud)}
    assert {h: len(rows) - before[h] for h, rows in after.items()} == \
        {h: int(h == r.headers["x-continuum-backend"]) for h in before}, after
    assert [row for rows in after.values() for row in rows if row["personal_data"]] == []
    # The check can fail: the same text sent straight to the edge host is recorded there as
    # personal data (sent from the device, around the proxy, so the capture stays clean).
    sent = on("device", "curl", "-fs", f"{edge.url}/v1/chat/completions", "-H", "content-type: application/json",
              "-d", f'{{"model": "{MODEL_NAME}", "max_tokens": 1, "messages": [{{"role": "user", "content": "{PII}"}}]}}')
    assert sent.returncode == 0, sent.stderr
    flagged = wait_rows(edge.ledger, 1, "personal_data != ''")
    assert [row["personal_data"] for row in flagged] == ["email,payment_card"]


def test_a_cascade_escalates_to_the_cloud_host(topo):
    cloud = topo["cloud"]
    before = len(ledger_rows(cloud.ledger))
    client = OpenAI(base_url=f"{topo['device'].url}/v1", api_key="unused", max_retries=0, timeout=120)
    r = client.chat.completions.with_raw_response.create(model="escalate", messages=QUESTION, max_tokens=12, temperature=0)
    assert r.headers["x-continuum-tier"] == "cloud" and r.headers["x-continuum-escalated"] == "after"
    assert "confidence_escalated" in r.headers["x-continuum-route-code"]
    answer = r.parse()
    rid = r.headers["x-request-id"]
    rows = wait_rows(topo["device"].ledger, 2, "request_id = ? OR request_id LIKE ?", (rid, rid + ".%"))
    assert sorted((x["model"], x["tier"], x["status"]) for x in rows) == [("far", "cloud", "ok"), ("small", "device", "escalated")], rows
    assert next(x for x in rows if x["status"] == "escalated")["completion_tokens"] == 8
    # On the cloud host: one more request, answered there in full.
    [row] = wait_rows(cloud.ledger, before + 1)[before:]
    assert row["status"] == "ok" and row["completion_tokens"] == answer.usage.completion_tokens, row
    assert row["prompt_tokens"] == answer.usage.prompt_tokens
    assert topo["cloud_link"].crossed(b"Describe the sea in one sentence.")
    # The same answer as asking the cloud host directly (greedy, same model).
    direct = on("device", "curl", "-fs", f"{cloud.url}/v1/chat/completions", "-H", "content-type: application/json",
                "-d", f'{{"model": "{MODEL_NAME}", "max_tokens": 12, "temperature": 0, "messages": '
                      f'[{{"role": "user", "content": "{QUESTION[0]["content"]}"}}]}}')
    assert json.loads(direct.stdout)["choices"][0]["message"]["content"] == answer.choices[0].message.content
