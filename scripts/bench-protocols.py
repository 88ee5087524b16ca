#!/usr/bin/env python3
"""What each client protocol costs on top of chat completions: the same one-token request
sent as chat completions, Anthropic Messages and OpenAI Responses to one `continuum serve`,
interleaved (so machine noise hits all three alike), sequentially; prints the median and p90
of each and the ratio to chat. Usage: scripts/bench-protocols.py [--url URL] [--model M] [-n 200]
(without --url it starts `.build/release/continuum serve` on the default model itself)."""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url")
    ap.add_argument("--model")
    ap.add_argument("-n", type=int, default=200, help="requests per protocol")
    ap.add_argument("--stream", action="store_true", help="stream the answers (time to the last byte)")
    ap.add_argument("--max-tokens", type=int, default=1, help="tokens per answer (default 1: the fixed cost)")
    a = ap.parse_args()
    proc = None
    url = a.url
    if not url:
        model = subprocess.run([str(ROOT / "scripts/fetch-model.sh"), "smollm2"], capture_output=True, text=True, check=True).stdout.strip()
        port = 18000 + int(time.time()) % 1000
        proc = subprocess.Popen([str(ROOT / ".build/release/continuum"), "serve", "-m", model, "--port", str(port), "--no-ledger"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
    try:
        with httpx.Client(timeout=60) as c:
            model = a.model or c.get(url + "/v1/models").json()["data"][0]["id"]
            text = "Write a long story about the sea."
            bodies = {
                "chat": ("/v1/chat/completions", {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": a.max_tokens,
                                                  "temperature": 0, "stream": a.stream}),
                "messages": ("/v1/messages", {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": a.max_tokens,
                                              "temperature": 0, "stream": a.stream}),
                "responses": ("/v1/responses", {"model": model, "input": text, "max_output_tokens": a.max_tokens, "temperature": 0,
                                                "store": False, "stream": a.stream}),
            }
            times = {k: [] for k in bodies}
            for i in range(a.n + 10):
                for name, (path, body) in bodies.items():
                    t = time.perf_counter()
                    r = c.post(url + path, json=body)
                    r.read()
                    if r.status_code != 200:
                        sys.exit(f"{name}: {r.status_code} {r.text[:300]}")
                    if i >= 10:  # warm-up
                        times[name].append((time.perf_counter() - t) * 1000)
        base = statistics.median(times["chat"])
        print(f"{'protocol':<10} {'median ms':>10} {'p90 ms':>8} {'vs chat':>8}   ({a.n} each, interleaved, {'stream' if a.stream else 'non-stream'}, max {a.max_tokens} tokens)")
        for name, ts in times.items():
            ts.sort()
            med = statistics.median(ts)
            print(f"{name:<10} {med:>10.2f} {ts[int(0.9 * len(ts))]:>8.2f} {med / base:>8.3f}")
    finally:
        if proc:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
