#!/usr/bin/env python3
"""Serving throughput: `continuum serve` vs llama.cpp's `llama-server`, same workload, same run.

Usage: scripts/bench-serving.py [--concurrency 1,4,16] [--requests N] [--reps 1] [--threads 2]
                                [--max-tokens 128] [--max-prompt 1024] [--seed 0]
                                [--servers continuum,llama.cpp] [--wait-idle SECONDS]
                                [--level-timeout 300] [--out FILE.md] [--json FILE.json]
                                [--continuum PATH] [--llama-server PATH] [-m MODEL]

For each concurrency C, each server is started alone (one server at a time):
    continuum serve -m MODEL -t T --ctx-size 4096 --parallel C --no-ledger
    llama-server    -m MODEL -t T -c (C x 1152) -np C
After one short warm-up request, C client threads send streaming /v1/completions requests back
to back until the level's requests are used up (default max(8, 2C) in all; the same prompts,
in the same order, for both servers) or --level-timeout seconds have passed (no new request
starts after it). Each prompt is a list of random token ids (fixed seed, ids 1000..47999 so no
special tokens) whose length is drawn from ShareGPT's num_prefill_tokens
(../shared/data/lengths/sharegpt_8k_filtered_stats_llama2_tokenizer.csv), capped at --max-prompt;
max_tokens 128, temperature 0, cache_prompt true (llama.cpp). Continuum has no ignore_eos: random
prompts make an early EOS unlikely, and the completion tokens actually produced are counted (usage,
or llama.cpp's timings.predicted_n).

Reported per server and C: aggregate output tok/s (completion tokens of all requests / wall time
from the first request sent to the last one finished), TTFT p50/p99 (request sent -> first SSE
chunk with text), request latency p50/p99, and ratio = continuum tok/s / llama.cpp tok/s. With
--reps R the whole sweep runs R times (servers alternate order) and the table gives medians.
The share of CPU busy just before each measurement is recorded (the machine may be shared).
"""

import argparse
import csv
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servebench_common as sb  # noqa: E402

LENGTHS = sb.REPO.parent / "shared/data/lengths/sharegpt_8k_filtered_stats_llama2_tokenizer.csv"


def load_lengths(path):
    with open(path) as f:
        return [int(row["num_prefill_tokens"]) for row in csv.DictReader(f)]


def make_prompts(n, lengths, cap, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        L = max(4, min(cap, rng.choice(lengths)))
        out.append([rng.randrange(sb.TOKEN_LO, sb.TOKEN_HI) for _ in range(L)])
    return out


def run_level(port, prompts, conc, max_tokens, extra, timeout):
    """C threads pull prompts from a shared queue; returns (results, wall seconds)."""
    lock = threading.Lock()
    nxt = [0]
    results = []
    deadline = time.monotonic() + timeout

    def worker():
        while time.monotonic() < deadline:
            with lock:
                i = nxt[0]
                if i >= len(prompts):
                    return
                nxt[0] += 1
            r = sb.stream_completion(port, prompts[i], max_tokens, extra, timeout=max(30, timeout))
            r["prompt_len"] = len(prompts[i])
            with lock:
                results.append(r)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(conc)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 120)
    return results, time.perf_counter() - t0


def summarize(results, wall, max_tokens):
    ok = [r for r in results if not r["error"]]
    toks = sum(r["completion_tokens"] or 0 for r in ok)
    return {
        "requests": len(results), "errors": len(results) - len(ok),
        "error_samples": [r["error"] for r in results if r["error"]][:3],
        "wall_s": wall, "completion_tokens": toks, "prompt_tokens": sum(r["prompt_len"] for r in ok),
        "tok_s": toks / wall if wall > 0 else None,
        "ttft_p50": sb.percentile([r["ttft"] for r in ok], 50),
        "ttft_p99": sb.percentile([r["ttft"] for r in ok], 99),
        "lat_p50": sb.percentile([r["latency"] for r in ok], 50),
        "lat_p99": sb.percentile([r["latency"] for r in ok], 99),
        "early_stops": sum(1 for r in ok if (r["completion_tokens"] or 0) < max_tokens),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests", type=int, default=0, help="requests per level (default max(8, 2C))")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--threads", "-t", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--max-prompt", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--servers", default="continuum,llama.cpp")
    ap.add_argument("--wait-idle", type=float, default=0, help="wait up to S seconds for < 10%% CPU busy before each measurement")
    ap.add_argument("--level-timeout", type=float, default=300)
    ap.add_argument("--ctx-size", type=int, default=4096, help="continuum --ctx-size")
    ap.add_argument("--out")
    ap.add_argument("--json")
    ap.add_argument("--continuum", default=str(sb.DEFAULT_CONTINUUM))
    ap.add_argument("--llama-server", default=str(sb.DEFAULT_LLAMA_SERVER))
    ap.add_argument("-m", "--model", default=str(sb.DEFAULT_MODEL))
    ap.add_argument("--lengths", default=str(LENGTHS))
    a = ap.parse_args()

    concs = [int(c) for c in a.concurrency.split(",")]
    servers = a.servers.split(",")
    lengths = load_lengths(a.lengths)
    info = sb.machine_info()
    info["llama_cpp"] = sb.llama_version(a.llama_server)
    logdir = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    sb.log(f"server logs in {logdir}")
    runs = []  # one entry per (rep, server, conc)
    for rep in range(a.reps):
        for conc in concs:
            n = a.requests or max(8, 2 * conc)
            prompts = make_prompts(n, lengths, a.max_prompt, a.seed * 1000 + conc)
            order = servers if rep % 2 == 0 else list(reversed(servers))
            for name in order:
                port = sb.free_port()
                lp = logdir / f"{name}-c{conc}-r{rep}.log"
                if name == "continuum":
                    srv = sb.continuum_server(a.continuum, a.model, port, a.threads, conc, a.ctx_size, lp)
                    extra = None
                else:
                    srv = sb.llama_server(a.llama_server, a.model, port, a.threads, conc,
                                          conc * (a.max_prompt + a.max_tokens), lp)
                    extra = {"cache_prompt": True}
                with srv:
                    sb.stream_completion(port, prompts[0][:16], 4, extra, timeout=120)  # warm-up
                    busy = sb.wait_idle(a.wait_idle) if a.wait_idle else sb.cpu_busy(1.0)
                    results, wall = run_level(port, prompts, conc, a.max_tokens, extra, a.level_timeout)
                s = summarize(results, wall, a.max_tokens)
                s.update(server=name, concurrency=conc, rep=rep, cpu_busy_before=busy)
                runs.append(s)
                sb.log(f"rep {rep} {name:9s} C={conc:2d}: {s['tok_s']:.1f} tok/s, TTFT p50 {sb.fmt_ms(s['ttft_p50'])} "
                       f"p99 {sb.fmt_ms(s['ttft_p99'])}, {s['requests']} req ({s['errors']} errors, "
                       f"{s['early_stops']} stopped early), {s['completion_tokens']} tokens in {wall:.1f}s, "
                       f"busy before {busy:.0%}")
                if s["errors"]:
                    sb.log("  errors:", s["error_samples"])

    # Table: medians over reps.
    def med(server, conc, key):
        return sb.median([r[key] for r in runs if r["server"] == server and r["concurrency"] == conc])

    lines = [f"Serving throughput: {', '.join(servers)}; model {Path(a.model).name}; {a.threads} threads; "
             f"prompts = random token ids, ShareGPT prefill lengths capped at {a.max_prompt} (seed {a.seed}); "
             f"max_tokens {a.max_tokens}; temperature 0; medians of {a.reps} rep(s).", "",
             f"Machine: {info['cpu']} ({info['cores']} cores), kernel {info['kernel']}; date {info['date']}; "
             f"commit {info['commit']} ({info['branch']}); llama.cpp {info['llama_cpp']}; load average before "
             f"{' '.join(info['loadavg'])}.", "",
             "| server | concurrency | requests | output tok/s | TTFT p50 | TTFT p99 | latency p50 | latency p99 | ratio vs llama.cpp |",
             "|---|---|---|---|---|---|---|---|---|"]
    for conc in concs:
        base = med("llama.cpp", conc, "tok_s") if "llama.cpp" in servers else None
        for name in servers:
            tps = med(name, conc, "tok_s")
            ratio = f"{tps / base:.2f}x" if base and tps is not None else "n/a"
            req = int(med(name, conc, "requests") or 0)
            lines.append(f"| {name} | {conc} | {req} | {tps:.1f} | {sb.fmt_ms(med(name, conc, 'ttft_p50'))} | "
                         f"{sb.fmt_ms(med(name, conc, 'ttft_p99'))} | {sb.fmt_ms(med(name, conc, 'lat_p50'))} | "
                         f"{sb.fmt_ms(med(name, conc, 'lat_p99'))} | {ratio} |")
    lines += ["", "CPU busy (all cores, other processes included) in the second before each measurement: " +
              ", ".join(f"{r['server']} C={r['concurrency']} r{r['rep']} {r['cpu_busy_before']:.0%}" for r in runs) + "."]
    report = "\n".join(lines)
    print(report)
    if a.out:
        Path(a.out).write_text(report + "\n")
    if a.json:
        Path(a.json).write_text(json.dumps({"machine": info, "args": vars(a), "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
