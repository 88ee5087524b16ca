#!/usr/bin/env python3
"""Sentence-embedding throughput, Continuum against sentence-transformers (torch, CPU) on the
same machine and the same texts: the first N sentences of
../shared/data/pii/presidio_synth_dev.json (short, prompt-like texts), at 1 and 2 threads.

    /work/venv-embed/bin/python scripts/bench-embeddings.py [--count 200] [--threads 1,2] [--runs 5]

Needs `swift build -c release --product continuum`, `scripts/fetch-model.sh minilm`, and a
venv with sentence-transformers (see scripts/make-embedding-golden.py). Continuum embeds one
text per call, as the gateway does; sentence-transformers gets its default batching
(batch_size 32, padded), which favours it. Prints texts/s medians and the ratio.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32, help="sentence-transformers batch size")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    model_dir = subprocess.check_output([os.path.join(ROOT, "scripts/fetch-model.sh"), "minilm"], text=True).strip()
    with open(os.path.join(ROOT, "../shared/data/pii/presidio_synth_dev.json"), encoding="utf-8") as f:
        texts = [r["full_text"] for r in json.load(f)[: args.count]]

    continuum = {}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
        path = f.name
    try:
        out = subprocess.check_output(
            [os.path.join(ROOT, ".build/release/continuum"), "bench-embed", "-m", model_dir, "--texts", path,
             "-t", args.threads, "-r", str(args.runs), "--json"], text=True)
    finally:
        os.unlink(path)
    for line in out.splitlines():
        r = json.loads(line)
        continuum[r["threads"]] = r["texts_per_s"]

    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(model_dir, device="cpu")
    reference = {}
    for n in threads:
        torch.set_num_threads(n)
        model.encode(texts[:8], batch_size=args.batch_size)  # warm up
        rates = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            model.encode(texts, batch_size=args.batch_size)
            rates.append(len(texts) / (time.perf_counter() - t0))
        reference[n] = statistics.median(rates)

    print(f"{len(texts)} texts from presidio_synth_dev.json, {args.runs} runs each, medians "
          f"(sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}, batch_size {args.batch_size})")
    print("| threads | Continuum texts/s | sentence-transformers texts/s | ratio |")
    print("|---:|---:|---:|---:|")
    for n in threads:
        print(f"| {n} | {continuum[n]:.1f} | {reference[n]:.1f} | {continuum[n] / reference[n]:.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
