#!/usr/bin/env python3
"""Prefix reuse: TTFT of a request sharing a 2,000-token prefix with the previous one.

Usage: scripts/bench-prefix.py [--prefix 2000] [--tail 20] [--trials 5] [--threads 2] [--seed 0]
                               [--servers continuum,llama.cpp] [--wait-idle SECONDS]
                               [--out FILE.md] [--json FILE.json]
                               [--continuum PATH] [--llama-server PATH] [-m MODEL]

Each server is started alone:
    continuum serve -m MODEL -t T --ctx-size 4096 --parallel 1 --no-ledger
    llama-server    -m MODEL -t T -c 4096 -np 1            (requests carry cache_prompt: true)
After a short warm-up request, each trial uses a fresh prefix P of --prefix random token ids
(fixed seed; ids 1000..47999, no special tokens) and sends, one after the other, streaming
/v1/completions requests with max_tokens 1, temperature 0:
    A = P                     (cold: nothing of P is cached)
    B = P + 20 other tokens   (should reuse P's KV cache)
TTFT = request sent -> first SSE chunk with text (or the finish chunk if the one token has no
text). cached = usage.prompt_tokens_details.cached_tokens (Continuum) or timings.cache_n
(llama.cpp). The table gives medians over trials and ratio = TTFT(B) / TTFT(A) (goal <= 10%).
The same prefixes are used for both servers.
"""

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servebench_common as sb  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", type=int, default=2000)
    ap.add_argument("--tail", type=int, default=20)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--threads", "-t", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ctx-size", type=int, default=4096)
    ap.add_argument("--servers", default="continuum,llama.cpp")
    ap.add_argument("--wait-idle", type=float, default=0, help="wait up to S seconds for < 10%% CPU busy before each trial")
    ap.add_argument("--out")
    ap.add_argument("--json")
    ap.add_argument("--continuum", default=str(sb.DEFAULT_CONTINUUM))
    ap.add_argument("--llama-server", default=str(sb.DEFAULT_LLAMA_SERVER))
    ap.add_argument("-m", "--model", default=str(sb.DEFAULT_MODEL))
    a = ap.parse_args()

    rng = random.Random(a.seed)
    def ids(n):
        return [rng.randrange(sb.TOKEN_LO, sb.TOKEN_HI) for _ in range(n)]
    trials = [(ids(a.prefix), ids(a.tail)) for _ in range(a.trials)]
    warm = ids(32)
    servers = a.servers.split(",")
    info = sb.machine_info()
    info["llama_cpp"] = sb.llama_version(a.llama_server)
    logdir = Path(tempfile.mkdtemp(prefix="bench-prefix-"))
    sb.log(f"server logs in {logdir}")
    rows = []
    for name in servers:
        port = sb.free_port()
        lp = logdir / f"{name}.log"
        if name == "continuum":
            srv = sb.continuum_server(a.continuum, a.model, port, a.threads, 1, a.ctx_size, lp)
            extra = None
        else:
            srv = sb.llama_server(a.llama_server, a.model, port, a.threads, 1, a.ctx_size, lp)
            extra = {"cache_prompt": True}
        with srv:
            sb.stream_completion(port, warm, 2, extra, timeout=120)
            for i, (p, tail) in enumerate(trials):
                busy = sb.wait_idle(a.wait_idle) if a.wait_idle else sb.cpu_busy(0.5)
                ra = sb.stream_completion(port, p, 1, extra, timeout=300)
                rb = sb.stream_completion(port, p + tail, 1, extra, timeout=300)
                row = {"server": name, "trial": i, "cpu_busy_before": busy,
                       "ttft_a": ra["ttft"], "ttft_b": rb["ttft"], "cached_a": ra["cached_tokens"],
                       "cached_b": rb["cached_tokens"], "prompt_n_b": rb["prompt_n"],
                       "error": ra["error"] or rb["error"]}
                rows.append(row)
                ratio = (rb["ttft"] / ra["ttft"]) if ra["ttft"] and rb["ttft"] else None
                sb.log(f"{name:9s} trial {i}: A {sb.fmt_ms(ra['ttft'])} (cached {ra['cached_tokens']}), "
                       f"B {sb.fmt_ms(rb['ttft'])} (cached {rb['cached_tokens']}), "
                       f"B/A {ratio:.1%}" if ratio is not None else f"{name} trial {i}: error {row['error']}")
                sb.log(f"  busy before {busy:.0%}" + (f"; error: {row['error']}" if row["error"] else ""))

    lines = [f"Prefix reuse: {a.trials} trials, prefix {a.prefix} random token ids + tail {a.tail} "
             f"(seed {a.seed}); max_tokens 1; model {Path(a.model).name}; {a.threads} threads; 1 slot; medians.", "",
             f"Machine: {info['cpu']} ({info['cores']} cores), kernel {info['kernel']}; date {info['date']}; "
             f"commit {info['commit']} ({info['branch']}); llama.cpp {info['llama_cpp']}; load average before "
             f"{' '.join(info['loadavg'])}.", "",
             "| server | TTFT A (cold, 2,000 tokens) | TTFT B (shared prefix + 20) | cached tokens B | TTFT B / TTFT A | goal ≤ 10% |",
             "|---|---|---|---|---|---|"]
    for name in servers:
        rs = [r for r in rows if r["server"] == name and not r["error"]]
        ta = sb.median([r["ttft_a"] for r in rs])
        tb = sb.median([r["ttft_b"] for r in rs])
        cb = sb.median([r["cached_b"] for r in rs if r["cached_b"] is not None])
        ratios = [r["ttft_b"] / r["ttft_a"] for r in rs if r["ttft_a"] and r["ttft_b"]]
        rm = sb.median(ratios)
        lines.append(f"| {name} | {sb.fmt_ms(ta)} | {sb.fmt_ms(tb)} | {'n/a' if cb is None else int(cb)} | "
                     f"{'n/a' if rm is None else f'{rm:.1%}'} | {'n/a' if rm is None else ('pass' if rm <= 0.10 else 'miss')} |")
    lines += ["", "Ratio = median over trials of TTFT(B)/TTFT(A) per trial. CPU busy before each trial: " +
              ", ".join(f"{r['server']} #{r['trial']} {r['cpu_busy_before']:.0%}" for r in rows) + "."]
    report = "\n".join(lines)
    print(report)
    if a.out:
        Path(a.out).write_text(report + "\n")
    if a.json:
        Path(a.json).write_text(json.dumps({"machine": info, "args": vars(a), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
