#!/usr/bin/env python3
"""Structured outputs on real JSON Schemas: every output must parse and validate.

Sends one chat request per schema of a deterministic selection of Tests/data/schemas/corpus.jsonl
to a running OpenAI-compatible server with response_format json_schema (streaming, not, or
both), and checks each answer with Python's jsonschema. Prints counts and failures; --out
writes every result as JSON. Exit status 1 if any output fails.

    scripts/eval-structured.py --url http://127.0.0.1:8080/v1 --model smollm2 --count 250 --mode both
"""
import argparse
import concurrent.futures as cf
import json
import sys
import time
from pathlib import Path

import jsonschema
from openai import OpenAI

ROOT = Path(__file__).resolve().parents[1]


def select(count, path=ROOT / "Tests/data/schemas/corpus.jsonl"):
    """Every k-th schema of each source (sorted by id), 60% function parameters (BFCL) and
    40% SchemaStore, so the selection is varied and the same on every run."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: r["id"])
    bfcl = [r for r in rows if r["id"].startswith("bfcl/")]
    store = [r for r in rows if not r["id"].startswith("bfcl/")]
    def every(xs, n):
        n = min(n, len(xs))
        return [xs[i * len(xs) // n] for i in range(n)] if n else []
    n_store = count * 2 // 5
    return every(bfcl, count - n_store) + every(store, n_store)


def ask(row):
    s = row["schema"]
    what = s.get("title") or s.get("description") or row["id"].split("/")[-1]
    return f"Write one JSON value for: {str(what)[:200]}. Use realistic, short values."


def run_one(client, model, row, streaming, max_tokens, seed, temperature=0.7):
    kw = dict(model=model, messages=[{"role": "user", "content": ask(row)}], max_tokens=max_tokens, temperature=temperature, seed=seed,
              response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": row["schema"], "strict": True}})
    t0 = time.time()
    try:
        if streaming:
            text, finish = "", None
            for chunk in client.chat.completions.create(stream=True, **kw):
                if chunk.choices:
                    text += chunk.choices[0].delta.content or ""
                    finish = chunk.choices[0].finish_reason or finish
        else:
            r = client.chat.completions.create(**kw)
            text, finish = r.choices[0].message.content or "", r.choices[0].finish_reason
    except Exception as e:  # an HTTP error is a failure of this schema, reported, not a crash
        return {"id": row["id"], "streaming": streaming, "ok": False, "error": f"request: {e}"[:500], "seconds": time.time() - t0}
    result = {"id": row["id"], "streaming": streaming, "finish": finish, "chars": len(text), "seconds": time.time() - t0}
    try:
        value = json.loads(text)
    except ValueError as e:
        return {**result, "ok": False, "error": f"json: {e}", "text": text[:300]}
    try:
        cls = jsonschema.validators.validator_for(row["schema"])
        cls(row["schema"], format_checker=cls.FORMAT_CHECKER).validate(value)
    except jsonschema.ValidationError as e:
        return {**result, "ok": False, "error": f"schema: {e.message[:300]}", "text": text[:300]}
    return {**result, "ok": True}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--count", type=int, default=250)
    ap.add_argument("--mode", choices=["stream", "nostream", "both"], default="both")
    ap.add_argument("--max-tokens", type=int, default=1024)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--out")
    a = ap.parse_args()
    rows = select(a.count)
    client = OpenAI(base_url=a.url, api_key="unused", max_retries=0, timeout=900)
    modes = {"stream": [True], "nostream": [False], "both": [False, True]}[a.mode]
    jobs = [(row, s, i) for s in modes for i, row in enumerate(rows)]
    results, t0 = [], time.time()
    with cf.ThreadPoolExecutor(a.concurrency) as pool:
        futures = [pool.submit(run_one, client, a.model, row, s, a.max_tokens, i, a.temperature) for row, s, i in jobs]
        for n, f in enumerate(cf.as_completed(futures), 1):
            results.append(f.result())
            if n % 50 == 0 or n == len(jobs):
                bad = sum(not r["ok"] for r in results)
                print(f"  {n}/{len(jobs)} done, {bad} failed, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    for s in modes:
        rs = [r for r in results if r["streaming"] == s]
        ok = sum(r["ok"] for r in rs)
        finishes = {}
        for r in rs:
            finishes[r.get("finish")] = finishes.get(r.get("finish"), 0) + 1
        print(f"{a.model} {'streaming' if s else 'non-streaming'}: {ok}/{len(rs)} valid ({100 * ok / max(1, len(rs)):.1f}%), "
              f"finish reasons {finishes}, {len({r['id'] for r in rs})} schemas, "
              f"{sum(r.get('chars', 0) for r in rs)} characters in {time.time() - t0:.1f} s wall")
    for r in results:
        if not r["ok"]:
            print(f"FAIL {r['id']} ({'stream' if r['streaming'] else 'nostream'}, finish {r.get('finish')}): {r['error']} :: {r.get('text', '')[:160]!r}")
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
