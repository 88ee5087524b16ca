#!/usr/bin/env python3
"""Structured outputs (issue 12): completion tokens/s with and without a JSON schema,
`continuum serve` vs llama.cpp's `llama-server`, and whether unconstrained streams slow down
when batched beside schema-constrained ones.

Usage: scripts/bench-structured.py [-m MODEL[,MODEL...]] [--schemas 20] [--reps 3]
                                   [--max-tokens 128] [--servers continuum,llama.cpp]
                                   [--mixed-requests 8] [--out FILE.json]
                                   [--continuum PATH] [--llama-server PATH]

Requests: a fixed selection of --schemas BFCL function-parameter schemas from
Tests/data/schemas/corpus.jsonl (ids "bfcl/...", evenly spaced over the file), each asked as a
chat completion "Write one JSON value for: <function name>. Use realistic, short values.",
temperature 0, max_tokens 128; "with schema" adds
response_format {"type":"json_schema","json_schema":{"name":...,"schema":...}}. Schemas either
server refuses (non-200 on a 1-token probe, with the first model) are skipped and counted.

1. Throughput: the requests without and with response_format at concurrency 1 and 4
   (C client threads pulling from one queue, non-streaming); tok/s = sum of usage.completion_tokens
   / wall time. Slowdown = tok/s without / tok/s with.
2. Mixed batch: 4 foreground streams (stream=True, unconstrained, --mixed-requests requests in
   all) run while 4 background streams loop over the requests either unconstrained ("plain")
   or with the schema ("schema"). Reported for the foreground: mean inter-token latency (time
   between content chunks, averaged per request then over requests) and tokens/s (foreground
   completion tokens / foreground wall time).

Servers (one at a time, same model): continuum serve -t 2 --ctx-size 2048 (default --parallel);
llama-server -t 2 -c 2048 -np 4 for part 1, -c 4096 -np 8 for part 2 (8 streams at once, 512
tokens per slot as in part 1). Each rep runs every condition once (conditions interleaved), the
table gives medians over --reps. Continuum caches compiled grammars (up to 64), so after the
first rep its schema requests skip the compile; llama.cpp converts the schema every request.
The load average is recorded before and after each server's runs (the machine may be shared).
"""

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servebench_common as sb  # noqa: E402

CORPUS = sb.REPO / "Tests/data/schemas/corpus.jsonl"
MODELS_DIR = sb.HOME / ".cache/continuum/models"
DEFAULT_MODELS = [MODELS_DIR / "SmolLM2-135M-Instruct.Q4_1.gguf", MODELS_DIR / "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"]


def loadavg():
    return [float(x) for x in open("/proc/loadavg").read().split()[:3]]


def select_schemas(n):
    """n BFCL schemas evenly spaced over the corpus (a fixed selection for a given corpus file)."""
    rows = [json.loads(l) for l in open(CORPUS) if l.strip()]
    bfcl = [r for r in rows if r["id"].startswith("bfcl/")]
    step = len(bfcl) / n
    return [bfcl[int(i * step)] for i in range(n)]


def make_request(entry, max_tokens, schema):
    fn = entry["id"].rsplit("/", 1)[-1]
    body = {"model": "bench", "temperature": 0, "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": f"Write one JSON value for: {fn}. Use realistic, short values."}]}
    if schema:
        name = "".join(c if c.isalnum() or c in "_-" else "_" for c in fn)[:64] or "schema"
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": name, "schema": entry["schema"]}}
    return body


def post(port, body, timeout=600):
    """Non-streaming chat completion: (status, completion_tokens or None, error text or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            return r.status, None, data[:300].decode(errors="replace")
        j = json.loads(data)
        return 200, (j.get("usage") or {}).get("completion_tokens"), None
    except Exception as e:  # noqa: BLE001 - a benchmark records failures and goes on
        return 0, None, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


def stream(port, body, timeout=600):
    """Streaming chat completion: dict with chunk times (content chunks), completion tokens, error."""
    b = dict(body, stream=True, stream_options={"include_usage": True})
    res = {"times": [], "completion_tokens": None, "error": None}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", body=json.dumps(b).encode(),
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        r = conn.getresponse()
        if r.status != 200:
            res["error"] = f"HTTP {r.status}: {r.read()[:300]!r}"
            return res
        while True:
            line = r.readline()
            if not line:
                break
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                break
            now = time.perf_counter()
            ev = json.loads(payload)
            if "error" in ev:
                res["error"] = str(ev["error"])[:300]
                break
            for ch in ev.get("choices") or []:
                if (ch.get("delta") or {}).get("content"):
                    res["times"].append(now)
            u = ev.get("usage")
            if u:
                res["completion_tokens"] = u.get("completion_tokens")
            tm = ev.get("timings")
            if tm and tm.get("predicted_n") is not None and res["completion_tokens"] is None:
                res["completion_tokens"] = tm["predicted_n"]
        if res["completion_tokens"] is None:
            res["completion_tokens"] = len(res["times"])
    except Exception as e:  # noqa: BLE001
        res["error"] = f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    return res


def run_queue(port, bodies, conc):
    """C threads send the bodies (non-streaming) from one queue: (tokens, wall s, errors)."""
    lock = threading.Lock()
    nxt, toks, errs = [0], [0], []

    def worker():
        while True:
            with lock:
                i = nxt[0]
                if i >= len(bodies):
                    return
                nxt[0] += 1
            st, n, err = post(port, bodies[i])
            with lock:
                if err:
                    errs.append(err)
                else:
                    toks[0] += n or 0

    ts = [threading.Thread(target=worker, daemon=True) for _ in range(conc)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return toks[0], time.perf_counter() - t0, errs


def run_mixed(port, fg_bodies, bg_bodies, streams=4):
    """`streams` background threads loop over bg_bodies (non-streaming) until the `streams`
    foreground threads have streamed all fg_bodies; returns the foreground's numbers."""
    stop = threading.Event()
    lock = threading.Lock()
    bg_started = [0]

    def background(k):
        i = k
        while not stop.is_set():
            with lock:
                bg_started[0] += 1
            post(port, bg_bodies[i % len(bg_bodies)])
            i += streams

    nxt, results = [0], []

    def foreground():
        while True:
            with lock:
                i = nxt[0]
                if i >= len(fg_bodies):
                    return
                nxt[0] += 1
            r = stream(port, fg_bodies[i])
            with lock:
                results.append(r)

    bgs = [threading.Thread(target=background, args=(k,), daemon=True) for k in range(streams)]
    for t in bgs:
        t.start()
    time.sleep(0.5)  # let the background requests enter the batch first
    fgs = [threading.Thread(target=foreground, daemon=True) for _ in range(streams)]
    t0 = time.perf_counter()
    for t in fgs:
        t.start()
    for t in fgs:
        t.join()
    wall = time.perf_counter() - t0
    stop.set()
    for t in bgs:
        t.join()  # the background's last requests finish before the next condition starts
    ok = [r for r in results if not r["error"]]
    itls = [(r["times"][-1] - r["times"][0]) / (len(r["times"]) - 1) for r in ok if len(r["times"]) > 1]
    toks = sum(r["completion_tokens"] or 0 for r in ok)
    return {"itl_mean": sum(itls) / len(itls) if itls else None, "tok_s": toks / wall, "tokens": toks,
            "wall_s": wall, "errors": [r["error"] for r in results if r["error"]][:3],
            "background_requests": bg_started[0]}


def start_server(name, a, model, port, logdir, tag, parallel, ctx):
    lp = logdir / f"{name}-{Path(model).stem}-{tag}.log"
    if name == "continuum":
        argv = [a.continuum, "serve", "-m", model, "--model-name", "bench", "--port", port,
                "--ledger", logdir / f"ledger-{port}.sqlite", "-t", a.threads, "--ctx-size", 2048]
        return sb.Server("continuum", argv, port, lp)
    argv = [a.llama_server, "-m", model, "--port", port, "--host", "127.0.0.1", "-t", a.threads,
            "-c", ctx, "-np", parallel]
    return sb.Server("llama.cpp", argv, port, lp)


def probe(a, servers, model, entries, logdir):
    """Ids of schemas each server refuses (non-200 on a 1-token request)."""
    refused = {}
    for name in servers:
        port = sb.free_port()
        with start_server(name, a, model, port, logdir, "probe", 4, 2048):
            refused[name] = {}
            for e in entries:
                st, _, err = post(port, make_request(e, 1, True), timeout=300)
                if st != 200:
                    refused[name][e["id"]] = err
        sb.log(f"[probe] {name}: refused {len(refused[name])} of {len(entries)}")
    return refused


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", default=",".join(map(str, DEFAULT_MODELS)))
    ap.add_argument("--schemas", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--concurrency", default="1,4")
    ap.add_argument("--mixed-requests", type=int, default=8, help="foreground requests in the mixed test")
    ap.add_argument("--servers", default="continuum,llama.cpp")
    ap.add_argument("--parts", default="1,2")
    ap.add_argument("--threads", "-t", type=int, default=2)
    ap.add_argument("--out", help="write all results as JSON")
    ap.add_argument("--continuum", default=str(sb.DEFAULT_CONTINUUM))
    ap.add_argument("--llama-server", default=str(sb.DEFAULT_LLAMA_SERVER))
    a = ap.parse_args()

    models = a.model.split(",")
    servers = a.servers.split(",")
    concs = [int(c) for c in a.concurrency.split(",")]
    parts = a.parts.split(",")
    info = sb.machine_info()
    info["llama_cpp"] = sb.llama_version(a.llama_server)
    logdir = Path(tempfile.mkdtemp(prefix="bench-structured-"))
    sb.log(f"server logs in {logdir}")

    entries = select_schemas(a.schemas)
    refused = probe(a, servers, models[0], entries, logdir)
    bad = set().union(*[set(v) for v in refused.values()])
    entries = [e for e in entries if e["id"] not in bad]
    sb.log(f"using {len(entries)} schemas")
    plain = [make_request(e, a.max_tokens, False) for e in entries]
    schema = [make_request(e, a.max_tokens, True) for e in entries]
    fg = [plain[i % len(plain)] for i in range(a.mixed_requests)]
    fg_ids = set(range(min(a.mixed_requests, len(plain))))
    # The background loops over the other requests so foreground and background prompts differ.
    bg_plain = [b for i, b in enumerate(plain) if i not in fg_ids] or plain
    bg_schema = [b for i, b in enumerate(schema) if i not in fg_ids] or schema

    runs = []
    for model in models:
        mname = Path(model).stem
        for name in servers:
            for part in parts:
                port = sb.free_port()
                par, ctx = (4, 2048) if part == "1" else (8, 4096)
                with start_server(name, a, model, port, logdir, f"part{part}", par, ctx):
                    post(port, plain[0] | {"max_tokens": 4})  # warm-up
                    la0 = loadavg()
                    for rep in range(a.reps):
                        if part == "1":
                            for conc in concs:
                                for kind, bodies in (("plain", plain), ("schema", schema)):
                                    toks, wall, errs = run_queue(port, bodies, conc)
                                    r = {"model": mname, "server": name, "part": 1, "rep": rep, "concurrency": conc,
                                         "kind": kind, "tokens": toks, "wall_s": wall, "tok_s": toks / wall,
                                         "errors": errs[:3], "n_errors": len(errs), "loadavg": loadavg()}
                                    runs.append(r)
                                    sb.log(f"{mname} {name} rep{rep} C={conc} {kind}: {r['tok_s']:.1f} tok/s "
                                           f"({toks} tok, {wall:.1f}s, {len(errs)} err, load {r['loadavg'][0]})")
                        else:
                            for kind, bg in (("plain", bg_plain), ("schema", bg_schema)):
                                m = run_mixed(port, fg, bg)
                                r = {"model": mname, "server": name, "part": 2, "rep": rep, "background": kind,
                                     **m, "loadavg": loadavg()}
                                runs.append(r)
                                itl = "n/a" if m["itl_mean"] is None else f"{m['itl_mean'] * 1000:.1f} ms"
                                sb.log(f"{mname} {name} rep{rep} mixed bg={kind}: ITL {itl}, {m['tok_s']:.1f} tok/s "
                                       f"({m['tokens']} tok, {m['wall_s']:.1f}s, errors {m['errors']}, "
                                       f"load {r['loadavg'][0]})")
                    sb.log(f"{mname} {name} part {part}: load {la0} -> {loadavg()}")

    report = table(runs, models, servers, concs, a, info, len(entries), refused)
    print(report)
    if a.out:
        Path(a.out).write_text(json.dumps({"machine": info, "args": vars(a), "schemas": [e["id"] for e in entries],
                                           "refused": refused, "runs": runs, "table": report}, indent=1))


def table(runs, models, servers, concs, a, info, n_schemas, refused):
    def med(key, **kw):
        return sb.median([r[key] for r in runs if all(r.get(k) == v for k, v in kw.items())])

    def f(x, fmt="{:.1f}"):
        return "n/a" if x is None else fmt.format(x)

    lines = [f"Structured outputs: {n_schemas} BFCL schemas (refused: " +
             ", ".join(f"{s} {len(v)}" for s, v in refused.items()) +
             f"), max_tokens {a.max_tokens}, temperature 0, medians of {a.reps} reps.",
             f"Machine: {info['cpu']} ({info['cores']} cores); {info['date']}; commit {info['commit']}; "
             f"llama.cpp {info['llama_cpp']}; load average at start {' '.join(info['loadavg'])}.", "",
             "| model | C | server | tok/s plain | tok/s schema | slowdown (plain/schema) | schema tok/s ratio C/L |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for model in models:
        mn = Path(model).stem
        for conc in concs:
            base = med("tok_s", model=mn, server="llama.cpp", part=1, concurrency=conc, kind="schema")
            base_p = med("tok_s", model=mn, server="llama.cpp", part=1, concurrency=conc, kind="plain")
            for s in servers:
                p = med("tok_s", model=mn, server=s, part=1, concurrency=conc, kind="plain")
                c = med("tok_s", model=mn, server=s, part=1, concurrency=conc, kind="schema")
                if p is None and c is None:
                    continue
                ratio = "" if s == "llama.cpp" or not base or c is None else \
                    f"{c / base:.2f}x (plain {p / base_p:.2f}x)" if base_p and p else f"{c / base:.2f}x"
                lines.append(f"| {mn} | {conc} | {s} | {f(p)} | {f(c)} | "
                             f"{f(p / c if p and c else None, '{:.2f}x')} | {ratio} |")
    lines += ["", "Mixed batch: 4 unconstrained foreground streams beside 4 background streams.", "",
              "| model | server | ITL beside plain | ITL beside schema | tok/s beside plain | tok/s beside schema | ITL change |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for model in models:
        mn = Path(model).stem
        for s in servers:
            ip = med("itl_mean", model=mn, server=s, part=2, background="plain")
            isch = med("itl_mean", model=mn, server=s, part=2, background="schema")
            tp = med("tok_s", model=mn, server=s, part=2, background="plain")
            ts = med("tok_s", model=mn, server=s, part=2, background="schema")
            if ip is None and isch is None:
                continue
            lines.append(f"| {mn} | {s} | {f(ip and ip * 1000, '{:.1f} ms')} | {f(isch and isch * 1000, '{:.1f} ms')} | "
                         f"{f(tp)} | {f(ts)} | {f(isch / ip - 1 if ip and isch else None, '{:+.0%}')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
