"""Two `continuum serve --ledger-url` instances sharing one PostgreSQL store (a throwaway
cluster on loopback, started here with scripts/pg-cluster.sh): keys created or revoked with
`continuum keys --ledger-url` take effect on both within a second (LISTEN/NOTIFY), every
request's ledger row reaches PostgreSQL tagged with its instance, and rows written while
PostgreSQL is stopped are kept in each instance's SQLite spool and arrive, exactly once,
when it is back. `continuum usage --ledger-url` sums every instance's rows."""
import glob
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import BINARY, MODEL_NAME, ROOT, Server

PG = ROOT / "scripts" / "pg-cluster.sh"
CHAT = {"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}
PROPAGATION_LIMIT = 1.0  # seconds: issue 14's bound for a key change to reach every instance


def psql_binary():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    assert found, "postgresql is not installed: scripts/pg-cluster.sh install (make test runs it)"
    return found[-1]


class Cluster:
    def __init__(self):
        # Not under pytest's tmp dirs: those are private to root, and the server runs as `postgres`.
        self.dir = tempfile.mkdtemp(prefix="continuum-pg-")
        self.url = self.start()
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])

    def start(self):
        out = subprocess.run([str(PG), "start", self.dir], capture_output=True, text=True, timeout=90)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]

    def stop(self):
        subprocess.run([str(PG), "stop", self.dir], capture_output=True, text=True, timeout=60)

    def sql(self, query):
        out = subprocess.run([psql_binary(), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "continuum",
                              "-qtAF", "\t", "-c", query], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        return [line.split("\t") for line in out.stdout.splitlines() if line]


def cli(*args, url):
    return subprocess.run([str(BINARY), *args, "--ledger-url", url], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    cluster = Cluster()
    servers = []
    try:
        # A key before the instances start: authentication is on from their first request.
        out = cli("keys", "create", "base", "--admin", url=cluster.url)
        assert out.returncode == 0, out.stderr
        base = out.stdout.strip()
        servers = [Server(tmp_path_factory.mktemp(f"shared{i}"), "--ledger-url", cluster.url) for i in range(2)]
        yield cluster, servers, base
    finally:
        for s in servers:
            s.stop()
        cluster.stop()
        shutil.rmtree(cluster.dir, ignore_errors=True)


def instance_id(server):
    m = re.search(r"\(instance (\S+)\)", server.log.read_text())
    assert m, server.log.read_text()[-2000:]
    return m.group(1)


def status(server, key, path="/v1/models"):
    return httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code


def time_until_all(servers, key, want, limit=5.0):
    """Seconds until each server answers `want` for `key` (polled every 10 ms)."""
    started = time.monotonic()
    seen = {}
    while len(seen) < len(servers) and time.monotonic() - started < limit:
        for i, s in enumerate(servers):
            if i not in seen and status(s, key) == want:
                seen[i] = time.monotonic() - started
        time.sleep(0.01)
    assert len(seen) == len(servers), f"only servers {sorted(seen)} answered {want} within {limit} s"
    return [seen[i] for i in range(len(servers))]


def chat(server, key):
    r = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {key}"}, timeout=120)
    assert r.status_code == 200, r.text
    return r.headers["x-request-id"]


def wait_for_rows(cluster, ids, limit=30.0):
    """The PostgreSQL rows (request_id, instance_id, status) of `ids`, once all are there."""
    wanted = ",".join(f"'{i}'" for i in ids)
    deadline = time.monotonic() + limit
    while True:
        rows = cluster.sql(f"SELECT request_id, instance_id, status FROM requests WHERE request_id IN ({wanted})")
        if len(rows) == len(ids) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def pending_gauge(server, key):
    text = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {key}"}, timeout=10).text
    m = re.search(r"^continuum_ledger_rows_pending_shipment (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def test_a_key_created_and_revoked_reaches_every_instance_within_a_second(shared):
    cluster, servers, base = shared
    assert [status(s, base) for s in servers] == [200, 200]
    out = cli("keys", "create", "propagation", url=cluster.url)
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    created = time_until_all(servers, key, 200)
    print(f"\nkey creation reached the instances after {[round(t * 1000) for t in created]} ms")
    assert max(created) < PROPAGATION_LIMIT

    key_id = re.search(r"created key (\d+)", out.stderr).group(1)
    out = cli("keys", "revoke", key_id, url=cluster.url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"revoked key {key_id} 'propagation'"
    revoked = time_until_all(servers, key, 401)
    print(f"key revocation reached the instances after {[round(t * 1000) for t in revoked]} ms")
    assert max(revoked) < PROPAGATION_LIMIT

    out = cli("keys", "list", "--all", url=cluster.url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "id\tprefix\tname\tscopes\ttokens used\tbudget\tstatus"
    assert any(line.startswith(f"{key_id}\t{key[:11]}\tpropagation\tinference\t") and line.endswith("\trevoked") for line in lines)
    # Each instance's SQLite mirror holds the store's keys, ids kept.
    local = servers[0].cli("keys", "list", "--all")
    assert local.returncode == 0 and local.stdout == out.stdout


def test_usage_rows_of_both_instances_reach_the_store(shared):
    cluster, servers, base = shared
    sent = {i: [chat(s, base) for _ in range(3)] for i, s in enumerate(servers)}
    ids = [r for rs in sent.values() for r in rs]
    rows = wait_for_rows(cluster, ids, limit=10)
    assert sorted(r[0] for r in rows) == sorted(ids)
    by_id = {r[0]: r for r in rows}
    for i, s in enumerate(servers):
        assert {by_id[r][1] for r in sent[i]} == {instance_id(s)}
    assert {r[2] for r in rows} == {"ok"}
    assert instance_id(servers[0]) != instance_id(servers[1])


def test_rows_written_while_postgres_is_down_arrive_exactly_once(shared):
    cluster, servers, base = shared
    cluster.stop()
    try:
        # Keys stay mirrored locally and rows are spooled: requests keep succeeding.
        sent = {i: [chat(s, base) for _ in range(3)] for i, s in enumerate(servers)}
        deadline = time.monotonic() + 20
        while any((pending_gauge(s, base) or 0) < 3 for s in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(pending_gauge(s, base) >= 3 for s in servers), [pending_gauge(s, base) for s in servers]
    finally:
        cluster.start()
    ids = [r for rs in sent.values() for r in rs]
    rows = wait_for_rows(cluster, ids, limit=90)
    assert sorted(r[0] for r in rows) == sorted(ids)
    for i, s in enumerate(servers):
        assert {r[1] for r in rows if r[0] in sent[i]} == {instance_id(s)}

    # Exactly once: the store holds as many rows as both spools together, each once.
    deadline = time.monotonic() + 10
    while any(pending_gauge(s, base) != 0 for s in servers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pending_gauge(s, base) for s in servers] == [0, 0]
    local = sum(int(s.cli("usage", "--by", "model").stdout.splitlines()[1].split("\t")[1]) for s in servers)
    (total, distinct), = cluster.sql("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM requests")
    assert int(total) == int(distinct) == local

    # The instances LISTEN again on new connections: a key still propagates within a second.
    out = cli("keys", "create", "after-restart", url=cluster.url)
    assert out.returncode == 0, out.stderr
    after = time_until_all(servers, out.stdout.strip(), 200)
    print(f"\nafter the restart, key creation reached the instances after {[round(t * 1000) for t in after]} ms")
    assert max(after) < PROPAGATION_LIMIT

    # `continuum usage --ledger-url` reads the sum over both instances.
    out = cli("usage", "--by", "model", url=cluster.url)
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.splitlines()
    assert header.startswith("model\trequests\terrors\tprompt\tcompletion")
    fields = row.split("\t")
    (prompt, completion), = cluster.sql("SELECT SUM(prompt_tokens), SUM(completion_tokens) FROM requests")
    assert fields[0] == MODEL_NAME and int(fields[1]) == local and fields[3] == prompt and fields[4] == completion
    out = cli("usage", "--by", "key", url=cluster.url)
    assert out.returncode == 0, out.stderr
    assert re.search(rf"^{re.escape(base[:11])} \(base\)\t{local}\t", out.stdout, re.M), out.stdout
