#!/usr/bin/env python3
"""Benchmarks of limits shared through PostgreSQL (issue 14), printed as a table:
  - cost of a rate-limit check on a lease hit (p50, p99): `continuum bench-limits`
  - requests/s of 4 `continuum serve --ledger-url` instances against 1, for
      (a) a key with an rpm limit, requests admitted by the limit then refused by the
          handler at once (empty body: 400) - the gateway and its limit check alone, and
      (b) a key with a token budget, real SmolLM2 generations of max_tokens 1
          (reserve + settle in PostgreSQL per request)
  - database statements per 1,000 requests (continuum_shared_store_statements_total)
Usage: .venv/bin/python scripts/bench-limits.py [--seconds 8] [--clients 64]
Needs the release build and scripts/fetch-model.sh smollm2; PostgreSQL via scripts/pg-cluster.sh.
"""
import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "api"))
from conftest import BINARY, MODEL_NAME, Server  # noqa: E402

PG = ROOT / "scripts" / "pg-cluster.sh"


def psql(url, sql):
    port = url.rsplit(":", 1)[1].split("/")[0]
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "continuum", "-qtAX", "-c", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def statements(server, admin):
    text = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {admin}"}, timeout=30).text
    m = re.search(r"^continuum_shared_store_statements_total (\d+)", text, re.M)
    return int(m.group(1)) if m else 0


async def load(urls, key, seconds, clients, generate):
    done = {"n": 0, "bad": 0}
    body = ({"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1} if generate else None)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients * 2)) as http:
        end = time.monotonic() + seconds

        async def one(i):
            while time.monotonic() < end:
                url = f"{urls[i % len(urls)]}/v1/chat/completions"
                h = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                r = await (http.post(url, json=body, headers=h) if generate else http.post(url, content=b"{}", headers=h))
                ok = r.status_code == 200 if generate else r.status_code == 400
                done["n" if ok else "bad"] += 1
        await asyncio.gather(*(one(i) for i in range(clients)))
    return done


def wrk(urls, key, seconds, clients, lua):
    """Empty-body POSTs with wrk (a Python client tops out first), one wrk per instance."""
    lua.write_text('wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n'
                   f'wrk.headers["Authorization"] = "Bearer {key}"\n')
    procs = [subprocess.Popen(["wrk", "-t1", f"-c{max(1, clients // len(urls))}", f"-d{seconds:.0f}s", "-s", str(lua),
                               f"{u}/v1/chat/completions"], stdout=subprocess.PIPE, text=True) for u in urls]
    outs = [p.communicate()[0] for p in procs]
    total = sum(int(re.search(r"(\d+) requests in", o).group(1)) for o in outs)
    not400 = 0  # every answer is non-2xx (400): wrk cannot tell 400 from 429, the key's limit is far away
    return {"n": total, "bad": not400}


def measure(servers, key, admin, seconds, clients, generate, lua=None):
    before = sum(statements(s, admin) for s in servers)
    t0 = time.monotonic()
    if generate or not shutil.which("wrk"):
        done = asyncio.run(load([s.url for s in servers], key, seconds, clients, generate))
    else:
        done = wrk([s.url for s in servers], key, seconds, clients, lua)
    took = time.monotonic() - t0
    used = sum(statements(s, admin) for s in servers) - before
    return done["n"] / took, done["bad"], used * 1000 / max(1, done["n"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--clients", type=int, default=64)
    args = ap.parse_args()
    subprocess.run([str(PG), "install"], check=True)
    pgdir = Path(tempfile.mkdtemp(prefix="continuum-pg-"))
    tmp = Path(tempfile.mkdtemp(prefix="continuum-bench-limits-"))
    servers = []
    try:
        url = subprocess.run([str(PG), "start", str(pgdir)], capture_output=True, text=True, check=True).stdout.strip()
        print("## continuum bench-limits (lease hit vs miss vs one instance in memory)")
        print(subprocess.run([str(BINARY), "bench-limits", "--ledger-url", url, "--rpm", "2000000"],
                             capture_output=True, text=True, check=True).stdout)
        dirs = [tmp / f"gw{i}" for i in range(4)]
        for d in dirs:
            d.mkdir()
        first = dirs[0] / "ledger.sqlite"
        keys = {}
        for name, flags in {"free": [], "rpm": ["--rpm", "100000000"], "budget": ["--budget", "1000000000"], "admin": ["--admin"]}.items():
            out = subprocess.run([str(BINARY), "keys", "create", name, *flags, "--ledger", str(first)],
                                 capture_output=True, text=True, check=True).stdout
            keys[name] = next(w for w in out.split() if w.startswith("ck-"))
        for d in dirs[1:]:
            shutil.copy(first, d / "ledger.sqlite")
        extra = ["--ledger-url", url, "-t", "1", "--ctx-size", "512", "--parallel", "16"]
        servers.append(Server(dirs[0], *extra))
        import sqlite3
        db = sqlite3.connect(first)
        for row in db.execute("SELECT id, name, prefix, hex(secret_hash), requests_per_minute, token_budget, created_at, scopes FROM api_keys"):
            v = ["NULL" if x is None else (f"'{x}'" if isinstance(x, str) else str(x)) for x in row]
            v[3] = f"decode('{row[3]}', 'hex')"
            psql(url, f"INSERT INTO api_keys (id, name, prefix, secret_hash, requests_per_minute, token_budget, created_at, scopes) VALUES ({', '.join(v)})")
        rows = []
        for n in (1, 4):
            while len(servers) < n:
                servers.append(Server(dirs[len(servers)], *extra))
            time.sleep(2)  # heartbeats settle
            for label, key, gen in (("no limit, 400 at once (the client and gateway alone)", keys["free"], False),
                                    ("rpm limit, admitted then 400 (no generation)", keys["rpm"], False),
                                    ("token budget, SmolLM2 max_tokens 1", keys["budget"], True)):
                rps, bad, per1000 = measure(servers, key, keys["admin"], args.seconds, args.clients, gen, tmp / "post.lua")
                rows.append((n, label, rps, bad, per1000))
        print(f"## {args.clients} clients, {args.seconds:.0f} s each")
        print("| instances | requests | requests/s | failed | statements per 1,000 requests |")
        print("|---|---|---|---|---|")
        for n, label, rps, bad, per1000 in rows:
            print(f"| {n} | {label} | {rps:.0f} | {bad} | {per1000:.1f} |")
    finally:
        for s in servers:
            s.stop()
        subprocess.run([str(PG), "stop", str(pgdir)])
        shutil.rmtree(pgdir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
