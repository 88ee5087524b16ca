#!/usr/bin/env python3
"""Limits shared by several gateway instances (issue 14): one key, N instances behind no load
balancer, 64 concurrent clients spread round-robin over the instances' URLs, the same fake
OpenAI upstream (scripts/fake_openai_upstream.py) behind every gateway, so only the gateway
differs.

Two scenarios (--scenario):

budget  The key has a budget of B tokens. Every client sends until its first refusal (or
        --max-seconds). Measured: tokens served (sum of the answers' usage.total_tokens),
        overshoot = served - B, false rejections (below), requests/s.
rpm     The key has a limit of R requests per minute (no budget). Clients send for
        --duration seconds; a refused client waits --refusal-pause and goes on. Measured:
        admitted requests per minute against R (fixed minutes from the start, and the
        worst sliding 60 s window), false rejections, requests/s.

Definitions (client side; the client knows each request's exact maximum cost, because the
fake upstream counts prompt tokens as words and answers at most max_tokens words):
- served: usage.total_tokens summed over 2xx answers (the upstream's own counters, GET
  /stats, are reported beside it as a cross-check).
- refusal: an answer whose status says the limit refused it (429, or a 4xx whose error
  names a budget or a rate limit); any other failure is counted as an error, not a refusal.
- budget false rejection: a refusal received while B - (tokens served by answers already
  received + the maximum cost of the key's other requests then in flight) >= the refused
  request's maximum cost, i.e. an exact gateway would have had room for it.
  unused = max(0, B - served) at the end is reported too.
- rpm false rejection: a refusal of a request sent at t while fewer than R requests sent
  in [t - 60 s, t) were admitted (so admitting it would not have made any trailing minute
  exceed R).

Targets (--target):
  litellm     starts redis-server (throwaway dir, free port) and N LiteLLM proxies
              (.venv-litellm, scripts/install-litellm.sh) sharing it. --litellm-limits
              chooses LiteLLM's mechanism:
                key         (default) the key with max_budget / rpm_limit, as LiteLLM's
                            virtual keys carry them; the key is defined by a custom_auth
                            hook because LiteLLM's virtual keys live in its database
                            (prisma), which cannot be set up offline (docs/fragments/litellm.md).
                            Budget: its key budget reservations on the Redis spend counter
                            (general_settings.coordination_redis); rpm: its rate limiter
                            (parallel_request_limiter_v3) on the same Redis.
                deployment  per-deployment max_budget/budget_duration and rpm in model_list,
                            router_settings.redis_* (the router's budget limiter syncs its
                            in-memory spend with Redis every second).
              Costs are declared as 1.0 per token, so LiteLLM's dollar budget is B tokens.
  continuum   starts N `continuum serve` instances (.build/release/continuum) with the
              fake upstream as an `openai` backend; with --ledger-url they share it
              (issue 14's shared store), without it only N=1 is meaningful (a local SQLite
              ledger per instance). The key is created with `continuum keys create
              --budget B` / `--rpm R` (and --ledger-url when given).

    scripts/install-litellm.sh
    .venv/bin/python scripts/bench-shared-limits.py --target litellm --scenario budget --out bench/litellm-budget.json
    .venv/bin/python scripts/bench-shared-limits.py --target continuum --ledger-url postgres://... --scenario rpm
"""
import argparse
import asyncio
import bisect
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-bench-" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:40]
MODEL = "fake"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, what, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} not up after {timeout} s ({url})")


class Procs:
    """Every process the run started, stopped in reverse order at the end (and on errors)."""

    def __init__(self):
        self.items = []
        self.on_stop = []

    def start(self, args, log, env=None, cwd=None):
        p = subprocess.Popen(args, stdout=open(log, "ab"), stderr=subprocess.STDOUT, env=env, cwd=cwd,
                             start_new_session=True)
        self.items.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.items):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self.items):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for f in self.on_stop:
            f()


# ---------------------------------------------------------------- gateways under test

CUSTOM_AUTH = '''\
"""The benchmark's one key for LiteLLM, with the limits a virtual key would carry. (Virtual
keys live in LiteLLM's database, reached through prisma, which cannot be installed offline;
custom_auth is LiteLLM's documented way to define keys without it, and the returned
UserAPIKeyAuth goes through the same budget reservation and rate limiter as a virtual key.)"""
import hashlib
import os

from litellm.proxy._types import UserAPIKeyAuth

KEY = os.environ["BENCH_KEY"]
HASH = hashlib.sha256(KEY.encode()).hexdigest()
BUDGET = float(os.environ.get("BENCH_BUDGET") or 0) or None
RPM = int(os.environ.get("BENCH_RPM") or 0) or None


async def user_api_key_auth(request, api_key: str) -> UserAPIKeyAuth:
    if api_key != KEY:
        raise Exception("invalid key")
    return UserAPIKeyAuth(api_key=HASH, token=HASH, key_alias="bench", max_budget=BUDGET, rpm_limit=RPM)
'''


def start_litellm(a, procs, tmp, upstream_url):
    venv = ROOT / ".venv-litellm"
    exe = venv / "bin" / "litellm"
    if not exe.exists():
        raise SystemExit("no .venv-litellm: run scripts/install-litellm.sh")
    redis = shutil.which("redis-server")
    if not redis:
        raise SystemExit("no redis-server: run scripts/install-litellm.sh")
    rport = free_port()
    rp = procs.start([redis, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                      "--dir", str(tmp)], tmp / "redis.log")
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", rport), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or rp.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)

    params = [f"      model: openai/{MODEL}", f"      api_base: {upstream_url}/v1", "      api_key: sk-upstream"]
    general = ["  master_key: sk-master-bench"]
    if a.litellm_limits == "key":
        (tmp / "custom_auth.py").write_text(CUSTOM_AUTH)
        general += ["  custom_auth: custom_auth.user_api_key_auth",
                    "  custom_auth_run_common_checks: true"]
    else:
        if a.scenario == "budget":
            params += [f"      max_budget: {a.budget}", "      budget_duration: 1d"]
        else:
            params += [f"      rpm: {a.rpm}"]
    router = []
    if a.litellm_redis:
        general += ["  coordination_redis:", "    host: 127.0.0.1", f"    port: {rport}"]
        router += ["  redis_host: 127.0.0.1", f"  redis_port: {rport}"]
    if a.litellm_limits == "deployment" and a.scenario == "rpm":
        router.append("  routing_strategy: usage-based-routing-v2")
    config = "\n".join([
        "model_list:", f"  - model_name: {MODEL}", "    litellm_params:", *params,
        "    model_info:", "      id: fake-deployment", "      input_cost_per_token: 1.0",
        "      output_cost_per_token: 1.0",
        *(["router_settings:", *router] if router else []),
        "general_settings:", *general,
        "litellm_settings:", "  num_retries: 0", "  request_timeout: 120", ""])
    (tmp / "litellm.yaml").write_text(config)
    env = dict(os.environ, BENCH_KEY=KEY, BENCH_BUDGET=str(a.budget if a.scenario == "budget" else 0),
               BENCH_RPM=str(a.rpm if a.scenario == "rpm" else 0), LITELLM_LOCAL_MODEL_COST_MAP="True",
               LITELLM_LOG="ERROR", LITELLM_DISABLE_NO_REDIS_WARNING="true")
    env.pop("DATABASE_URL", None)
    urls, ps = [], []
    for i in range(a.instances):
        port = free_port()
        ps.append(procs.start([str(exe), "--config", str(tmp / "litellm.yaml"), "--host", "127.0.0.1",
                               "--port", str(port), "--num_workers", "1"], tmp / f"litellm{i}.log", env=env, cwd=tmp))
        urls.append(f"http://127.0.0.1:{port}")
    for i, (u, p) in enumerate(zip(urls, ps)):
        wait_http(u + "/health/liveliness", p, f"litellm instance {i} (log {tmp}/litellm{i}.log)", timeout=300)
    headers = {"Authorization": f"Bearer {KEY if a.litellm_limits == 'key' else 'sk-master-bench'}"}
    version = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import importlib.metadata as m; print(m.version('litellm'))"],
                             capture_output=True, text=True).stdout.strip()
    redis_version = subprocess.run([redis, "--version"], capture_output=True, text=True).stdout.strip()
    def redis_counters():
        # LiteLLM's own view at the end: its key spend counter and the router's deployment spend
        keys = ["spend:key:" + hashlib.sha256(KEY.encode()).hexdigest(), "deployment_spend:fake-deployment:1d"]
        out = {}
        for k in keys:
            v = subprocess.run(["redis-cli", "-p", str(rport), "get", k], capture_output=True, text=True).stdout.strip()
            if v:
                out[k.split(":")[0] + ":" + k.split(":")[1]] = v
        return out
    return urls, headers, {"litellm_version": version, "redis": redis_version if a.litellm_redis else None,
                           "limits": a.litellm_limits,
                           "config": config.replace(KEY, "<key>"), "after_run": redis_counters}


def start_continuum(a, procs, tmp, upstream_url):
    exe = Path(a.continuum_binary)
    if not exe.exists():
        raise SystemExit(f"{exe} missing: swift build -c release --product continuum")
    if a.ledger_url == "auto":
        # a throwaway PostgreSQL cluster (scripts/pg-cluster.sh, from issue 14's shared store)
        pg = ROOT / "scripts" / "pg-cluster.sh"
        if not pg.exists():
            raise SystemExit("--ledger-url auto needs scripts/pg-cluster.sh")
        subprocess.run(["bash", str(pg), "install"], check=True)
        # Its own folder, not under `tmp`: the server runs as the postgres user, and `tmp` is private to us.
        pgdir = Path(tempfile.mkdtemp(prefix="continuum-pg-"))
        a.ledger_url = subprocess.run(["bash", str(pg), "start", str(pgdir)], check=True, capture_output=True,
                                      text=True).stdout.strip().splitlines()[-1]
        procs.on_stop.append(lambda: (subprocess.run(["bash", str(pg), "stop", str(pgdir)]), shutil.rmtree(pgdir, ignore_errors=True)))
    if a.instances > 1 and not a.ledger_url:
        print("warning: several instances without --ledger-url each keep their own limits", file=sys.stderr)
    shared = ["--ledger-url", a.ledger_url] if a.ledger_url else []
    config = "\n".join([
        "backends:", "  up:", "    type: openai", "    tier: edge", f"    base_url: {upstream_url}/v1",
        f"    model: {MODEL}", "models:", f"  {MODEL}: up", ""])
    (tmp / "serve.yaml").write_text(config)
    limit = ["--budget", str(a.budget)] if a.scenario == "budget" else ["--rpm", str(a.rpm)]
    # One key for every instance: created once in the shared store (or in each local ledger
    # when there is none) with the same imported secret.
    ledgers = [tmp / f"ledger{i}.sqlite" for i in range(a.instances)]
    for i, ledger in enumerate(ledgers if not a.ledger_url else ledgers[:1]):
        r = subprocess.run([str(exe), "keys", "create", f"bench-{KEY[-8:]}", *limit, "--secret-env", "BENCH_KEY",
                            "--ledger", str(ledger), *shared], capture_output=True, text=True,
                           env=dict(os.environ, BENCH_KEY=KEY), timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"keys create failed: {r.stderr or r.stdout}")
    urls, ps = [], []
    for i in range(a.instances):
        port = free_port()
        ps.append(procs.start([str(exe), "serve", "--config", str(tmp / "serve.yaml"), "--port", str(port),
                               "--ledger", str(ledgers[i]), *shared], tmp / f"continuum{i}.log"))
        urls.append(f"http://127.0.0.1:{port}")
    for i, (u, p) in enumerate(zip(urls, ps)):
        wait_http(u + "/health", p, f"continuum instance {i} (log {tmp}/continuum{i}.log)")
    if a.ledger_url:
        time.sleep(1.5)  # the key was created through instance 0's store: every mirror has it within 1 s
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return urls, {"Authorization": f"Bearer {KEY}"}, {"continuum_commit": commit, "ledger_url": bool(a.ledger_url),
                                                     "config": config}


# ---------------------------------------------------------------- the clients

def is_refusal(status, text):
    if status == 429:
        return True
    t = text.lower()
    return 400 <= status < 500 and status not in (401, 404) and ("budget" in t or "rate limit" in t or "quota" in t)


class Run:
    def __init__(self, a, prompt_tokens):
        self.a = a
        self.max_cost = prompt_tokens + a.max_tokens
        self.served = 0
        self.in_flight = 0      # requests sent, not answered
        self.ok = []            # (sent, done, tokens)
        self.refusals = []      # (sent, done, false?, room); rpm: false? is set after the run
        self.errors = []        # (status, text)
        self.refusal_samples = set()
        self.stop = False

    def budget_room(self):
        # room an exact gateway would still have for this request: B minus what is served
        # minus the maximum of every *other* request in flight
        return self.a.budget - self.served - (self.in_flight - 1) * self.max_cost

    def mark_rpm_false_rejections(self):
        # after the run, so requests admitted before t but answered after it count too
        sends = sorted(s for s, _, _ in self.ok)
        self.refusals = [(s, d, bisect.bisect_left(sends, s) - bisect.bisect_left(sends, s - 60) < self.a.rpm, r)
                         for s, d, _, r in self.refusals]


async def client(i, run, urls, headers, body, t_end):
    a = run.a
    url = urls[i % len(urls)] + "/v1/chat/completions"
    async with httpx.AsyncClient(timeout=120, headers=headers) as http:
        while not run.stop and time.monotonic() < t_end:
            sent = time.monotonic()
            run.in_flight += 1
            status, text, tokens = 0, "", None
            try:
                if a.stream:
                    async with http.stream("POST", url, json=body) as r:
                        status = r.status_code
                        if status == 200:
                            async for line in r.aiter_lines():
                                if line.startswith("data: {"):
                                    u = json.loads(line[6:]).get("usage")
                                    if u:
                                        tokens = u["total_tokens"]
                        else:
                            text = (await r.aread()).decode(errors="replace")
                else:
                    r = await http.post(url, json=body)
                    status, text = r.status_code, r.text
                    if status == 200:
                        tokens = r.json()["usage"]["total_tokens"]
            except (httpx.HTTPError, ValueError, KeyError) as e:
                text = repr(e)
            done = time.monotonic()
            if status == 200 and tokens is not None:
                run.in_flight -= 1
                run.served += tokens
                run.ok.append((sent, done, tokens))
                if a.scenario == "budget" and run.served > a.stop_factor * a.budget:
                    run.stop = True
                continue
            room = run.budget_room() if a.scenario == "budget" else None
            false = room is not None and room >= run.max_cost
            run.in_flight -= 1
            if is_refusal(status, text):
                run.refusals.append((sent, done, false, room))
                if len(run.refusal_samples) < 3:
                    run.refusal_samples.add(f"{status} {text[:200]}")
                if a.scenario == "budget":
                    return
                await asyncio.sleep(a.refusal_pause)
            else:
                run.errors.append((status, text[:300]))
                if len(run.errors) > 200:
                    run.stop = True
                await asyncio.sleep(0.05)


def minutes(run, t0):
    counts = {}
    for s, _, _ in run.ok:
        m = int((s - t0) // 60)
        counts[m] = counts.get(m, 0) + 1
    sends = sorted(s for s, _, _ in run.ok)
    worst, j = 0, 0
    for k, s in enumerate(sends):  # worst sliding window [s, s+60)
        while sends[j] < s - 60 + 1e-9:
            j += 1
        worst = max(worst, k - j + 1)
    return counts, worst


async def drive(a, urls, headers):
    prompt = " ".join(f"w{i}" for i in range(a.prompt_words))
    body = {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "max_tokens": a.max_tokens}
    if a.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    run = Run(a, prompt_tokens=a.prompt_words)
    t0 = time.monotonic()
    t_end = t0 + (a.max_seconds if a.scenario == "budget" else a.duration)
    await asyncio.gather(*(client(i, run, urls, headers, body, t_end) for i in range(a.clients)))
    if a.scenario == "rpm":
        run.mark_rpm_false_rejections()
    return run, t0, time.monotonic()


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=["litellm", "continuum"], required=True)
    ap.add_argument("--scenario", choices=["budget", "rpm"], default="budget")
    ap.add_argument("--instances", type=int, default=4)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--budget", type=int, default=20000, help="B, tokens (budget scenario)")
    ap.add_argument("--rpm", type=int, default=600, help="R, requests per minute (rpm scenario)")
    ap.add_argument("--duration", type=float, default=125, help="seconds of the rpm scenario")
    ap.add_argument("--max-seconds", type=float, default=300, help="cap on the budget scenario")
    ap.add_argument("--stop-factor", type=float, default=5, help="budget: stop once served > this x B")
    ap.add_argument("--refusal-pause", type=float, default=0.1, help="rpm: a refused client waits this long")
    ap.add_argument("--prompt-words", type=int, default=16, help="prompt tokens of every request")
    ap.add_argument("--max-tokens", type=int, default=32, help="max_tokens of every request (= answer length)")
    ap.add_argument("--token-delay-ms", type=float, default=2.0, help="the upstream's time per token")
    ap.add_argument("--stream", action="store_true", help="stream the answers (usage from the last chunk)")
    ap.add_argument("--litellm-limits", choices=["key", "deployment"], default="key")
    ap.add_argument("--litellm-redis", action=argparse.BooleanOptionalAction, default=True,
                    help="share LiteLLM's counters through redis (--no-litellm-redis: what its docs warn about)")
    ap.add_argument("--ledger-url", help="continuum: the shared store (postgres://...; auto: a throwaway cluster "
                                         "started with scripts/pg-cluster.sh)")
    ap.add_argument("--continuum-binary", default=str(ROOT / ".build" / "release" / "continuum"))
    ap.add_argument("--keep", action="store_true", help="keep the throwaway directory (logs, configs)")
    ap.add_argument("--out", help="write the results as JSON here")
    a = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-shared-limits-"))
    procs = Procs()
    try:
        up_port = free_port()
        up = procs.start([sys.executable, str(ROOT / "scripts" / "fake_openai_upstream.py"), "--port", str(up_port),
                          "--completion-tokens", str(a.max_tokens), "--token-delay-ms", str(a.token_delay_ms)],
                         tmp / "upstream.log")
        upstream_url = f"http://127.0.0.1:{up_port}"
        wait_http(upstream_url + "/health", up, "fake upstream", timeout=20)
        t_setup = time.time()
        start = start_litellm if a.target == "litellm" else start_continuum
        urls, headers, about = start(a, procs, tmp, upstream_url)
        setup_seconds = time.time() - t_setup
        httpx.post(upstream_url + "/stats/reset")
        run, t0, t1 = asyncio.run(drive(a, urls, headers))
        time.sleep(1)
        upstream = httpx.get(upstream_url + "/stats").json()
        if "after_run" in about:
            about["litellm_counters_after_run"] = about.pop("after_run")()
        gateway_worst = None
    finally:
        procs.stop_all()
        if a.target == "continuum" and a.scenario == "rpm":
            gateway_worst = worst_gateway_minute(tmp)
        if a.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    elapsed = t1 - t0
    false = sum(1 for r in run.refusals if r[2])
    result = {
        "target": a.target, "scenario": a.scenario, "instances": a.instances, "clients": a.clients,
        "stream": a.stream, "prompt_tokens": a.prompt_words, "max_tokens": a.max_tokens,
        "max_cost_per_request": run.max_cost, "token_delay_ms": a.token_delay_ms,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": cpu_model(),
        "setup_seconds": round(setup_seconds, 1), "elapsed_seconds": round(elapsed, 2),
        "admitted": len(run.ok), "refusals": len(run.refusals), "false_rejections": false,
        "refusal_samples": sorted(run.refusal_samples), "errors": len(run.errors), "error_samples": sorted({f"{s} {t[:160]}" for s, t in run.errors})[:5],
        "requests_per_second": round(len(run.ok) / elapsed, 1) if elapsed else None,
        "served_tokens": run.served, "upstream": upstream, **about,
    }
    if a.scenario == "budget":
        rooms = [r for *_, f, r in run.refusals if f]
        result.update(budget=a.budget, overshoot=run.served - a.budget, unused=max(0, a.budget - run.served),
                      max_room_at_false_rejection=max(rooms) if rooms else 0, bound_reached=run.stop)
    else:
        counts, worst = minutes(run, t0)
        result.update(rpm=a.rpm, admitted_per_minute=[counts.get(m, 0) for m in range(int(elapsed // 60) + 1)],
                      worst_sliding_minute=worst, worst_sliding_minute_over_r=round(worst / a.rpm - 1, 4))
        if gateway_worst is not None:
            result.update(worst_sliding_minute_at_gateways=gateway_worst)
    report(result)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(result, indent=2) + "\n")


def worst_gateway_minute(tmp):
    """The most requests admitted in any 60 s by the instances' own clocks: the start times of
    the answered requests' ledger rows (admission happens just before). The client-side figure
    counts send times, which under load run ahead of admission."""
    import sqlite3
    starts = []
    for f in sorted(tmp.glob("ledger*.sqlite")):
        db = sqlite3.connect(f)
        starts += [t for (t,) in db.execute("SELECT started_at FROM requests WHERE status = 'ok'")]
        db.close()
    starts.sort()
    return max((bisect.bisect_left(starts, t + 60) - i for i, t in enumerate(starts)), default=0)


def cpu_model():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} cores)"
    except OSError:
        pass
    return platform.processor()


def report(r):
    rows = [("target", f"{r['target']}" + (f" ({r.get('limits')} limits, LiteLLM {r.get('litellm_version')}"
                                          f"{'' if r.get('redis') else ', NO redis'})"
                                          if r["target"] == "litellm" else "")),
            ("instances x clients", f"{r['instances']} x {r['clients']}"),
            ("admitted / refused / errors", f"{r['admitted']} / {r['refusals']} / {r['errors']}"),
            ("false rejections", r["false_rejections"]),
            ("requests/s", r["requests_per_second"]),
            ("served tokens", r["served_tokens"])]
    if r["scenario"] == "budget":
        rows += [("budget B", r["budget"]), ("overshoot (served - B)", r["overshoot"]), ("unused", r["unused"]),
                 ("most room at a false rejection", r["max_room_at_false_rejection"])]
    else:
        rows += [("rpm R", r["rpm"]), ("admitted per minute", r["admitted_per_minute"]),
                 ("worst sliding minute", f"{r['worst_sliding_minute']} ({r['worst_sliding_minute_over_r']:+.1%} vs R)")]
        if "worst_sliding_minute_at_gateways" in r:
            rows.append(("worst minute at the gateways", r["worst_sliding_minute_at_gateways"]))
    rows.append(("upstream served", f"{r['upstream']['requests']} req, "
                                     f"{r['upstream']['prompt_tokens'] + r['upstream']['completion_tokens']} tokens"))
    w = max(len(k) for k, _ in rows)
    print(f"== {r['scenario']} ==")
    for k, v in rows:
        print(f"{k:<{w}}  {v}")
    for e in r["error_samples"]:
        print("error:", e)


if __name__ == "__main__":
    main()
