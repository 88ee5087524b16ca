#!/usr/bin/env python3
"""Reference mask-computation benchmark: llguidance and XGrammar on the corpus schemas.

Methodology follows MaskBench (guidance-ai/jsonschemabench, maskbench/README.md and
maskbench/maskbench/runner.py; paper: Geng et al., "Generating Structured Outputs from
Language Models: Benchmark and Studies", arXiv:2501.10868): per schema, time the grammar
compilation (MaskBench's TTFM, without the first mask), then walk one valid instance's
tokens: at each step compute the token mask and consume the instance's token, timing
mask+consume (MaskBench's TBM) and, separately, the mask alone. One thread per engine
(XGrammar max_threads=1), no LLM involved.

Both engines get the same language as Continuum's compiler: the *strict* schema (objects
that declare properties get additionalProperties:false, as scripts/schema-check.py) and
the compact layout (no whitespace; separators "," and ":"); instances are the canonical
texts written by schema-check.py --instances-out.

Vocabularies: SmolLM2-135M (49,152) and Qwen2.5-Coder-0.5B (151,936), tokenizers read from
the GGUF files by transformers (gguf_file=...), cached with save_pretrained.

Outputs in --out DIR:
  results.json           per engine and vocab: compile ms mean/p50/p99, mask us mean/p50/p99
                         (mask alone and mask+consume), token counts, failures; plus rows
  tokens-<vocab>.jsonl   {"index","id","text","tokens"}: the instance token ids per vocab, so
                         Continuum can replay exactly the same steps.

usage: schema-bench-reference.py --instances valid-instances.jsonl --out DIR
          [--corpus Tests/data/schemas/corpus.jsonl] [--models ~/.cache/continuum/models]
          [--limit N] [--engines llg,xgr] [--tokenizer-cache DIR]
"""
import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")

VOCABS = {
    "smollm2-49k": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "qwen2.5-152k": "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf",
}


def load_strict():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("schema_check", os.path.join(here, "schema-check.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.strict


def load_tokenizer(models, gguf, cache):
    from transformers import AutoTokenizer
    path = os.path.join(cache, gguf + ".tok")
    if os.path.isdir(path):
        return AutoTokenizer.from_pretrained(path)
    tok = AutoTokenizer.from_pretrained(models, gguf_file=gguf)
    os.makedirs(path, exist_ok=True)
    tok.save_pretrained(path)
    return tok


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def summary(values):
    if not values:
        return {"n": 0}
    return {"n": len(values), "mean": statistics.fmean(values), "p50": pct(values, 50), "p75": pct(values, 75),
            "p99": pct(values, 99), "max": max(values)}


class Llg:
    name = "llguidance"

    def __init__(self, tok):
        import llguidance
        import llguidance.hf
        from llguidance.numpy import allocate_token_bitmask, fill_next_token_bitmask
        self.llg = llguidance
        self.fill = fill_next_token_bitmask
        self.tok = llguidance.hf.from_tokenizer(tok)
        self.mask = allocate_token_bitmask(1, self.tok.vocab_size)
        self.version = importlib.metadata.version("llguidance")

    def compile(self, schema):
        s = dict(schema)
        # coerce_one_of: oneOf as anyOf, as Continuum's compiler does.
        s["x-guidance"] = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":", "coerce_one_of": True}
        m = self.llg.LLMatcher(self.tok, json.dumps({"grammars": [{"json_schema": s}]}))
        if m.is_error():
            raise ValueError(m.get_error())
        return m

    def start(self, compiled):
        return compiled.deep_copy()

    def fill_mask(self, m):
        self.fill(m, self.mask, 0)

    def allowed(self, t):
        return (int(self.mask[0, t // 32]) >> (t % 32)) & 1 == 1

    def consume(self, m, t):
        return m.consume_token(t)


class Xgr:
    name = "xgrammar"

    def __init__(self, tok):
        import xgrammar as xgr
        self.xgr = xgr
        info = xgr.TokenizerInfo.from_huggingface(tok, vocab_size=len(tok))
        self.compiler = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=False)
        self.mask = xgr.allocate_token_bitmask(1, info.vocab_size)
        self.version = importlib.metadata.version("xgrammar")

    def compile(self, schema):
        return self.compiler.compile_json_schema(json.dumps(schema), any_whitespace=False, separators=(",", ":"), strict_mode=True)

    def start(self, compiled):
        return self.xgr.GrammarMatcher(compiled)

    def fill_mask(self, m):
        m.fill_next_token_bitmask(self.mask)

    def allowed(self, t):
        return (int(self.mask[0, t // 32]) >> (t % 32)) & 1 == 1

    def consume(self, m, t):
        return m.accept_token(t)


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--instances", required=True)
    ap.add_argument("--corpus", default=os.path.join(here, "..", "Tests", "data", "schemas", "corpus.jsonl"))
    ap.add_argument("--models", default=os.path.expanduser("~/.cache/continuum/models"))
    ap.add_argument("--tokenizer-cache", default="/tmp/schema-bench-tokenizers")
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--engines", default="llg,xgr")
    ap.add_argument("--vocabs", default=",".join(VOCABS))
    a = ap.parse_args()
    strict = load_strict()
    os.makedirs(a.out, exist_ok=True)

    schemas = [json.loads(l) for l in open(a.corpus) if l.strip()]
    first = {}
    for l in open(a.instances):
        r = json.loads(l)
        if r.get("valid", True):
            first.setdefault(r["index"], r)
    picks = sorted(first.values(), key=lambda r: r["index"])
    if a.limit:
        picks = picks[: a.limit]

    results_path = os.path.join(a.out, "results.json")
    results = {"machine": platform.processor() or platform.machine(), "python": sys.version.split()[0],
               "schemas": len(picks), "engines": {}}
    if os.path.exists(results_path):  # a run of some engines adds to an earlier run's
        results["engines"] = json.load(open(results_path)).get("engines", {})
    for vname in a.vocabs.split(","):
        tok = load_tokenizer(a.models, VOCABS[vname], a.tokenizer_cache)
        with open(os.path.join(a.out, f"tokens-{vname}.jsonl"), "w") as fh:
            token_rows = []
            for r in picks:
                ids = tok.encode(r["text"], add_special_tokens=False)
                token_rows.append(ids)
                fh.write(json.dumps({"index": r["index"], "id": r["id"], "text": r["text"], "tokens": ids}, ensure_ascii=False) + "\n")
        for ename in a.engines.split(","):
            engine = (Llg if ename == "llg" else Xgr)(tok)
            compile_ms, mask_us, step_us, rows = [], [], [], []
            fails = {"compile": 0, "token rejected": 0, "not accepting at end": 0}
            for r, ids in zip(picks, token_rows):
                schema = strict(schemas[r["index"]]["schema"])
                t0 = time.perf_counter()
                try:
                    compiled = engine.compile(schema)
                except Exception as e:
                    fails["compile"] += 1
                    rows.append({"index": r["index"], "error": repr(e)[:200]})
                    continue
                c_ms = (time.perf_counter() - t0) * 1e3
                compile_ms.append(c_ms)
                m = engine.start(compiled)
                ok = True
                masks = []
                for t in ids:
                    t1 = time.perf_counter()
                    engine.fill_mask(m)
                    t2 = time.perf_counter()
                    allowed = engine.allowed(t)
                    if allowed:
                        engine.consume(m, t)
                    t3 = time.perf_counter()
                    masks.append((t2 - t1) * 1e6)
                    step_us.append((t3 - t1) * 1e6)
                    if not allowed:
                        ok = False
                        break
                mask_us.extend(masks)
                if not ok:
                    fails["token rejected"] += 1
                elif ename == "xgr" and not m.is_terminated() and not m.accept_token(tok.eos_token_id or 0):
                    fails["not accepting at end"] += 1
                rows.append({"index": r["index"], "compile_ms": round(c_ms, 3), "tokens": len(ids), "walked": len(masks), "ok": ok,
                             "mask_us_mean": round(statistics.fmean(masks), 2) if masks else None})
            key = f"{engine.name}/{vname}"
            results["engines"][key] = {
                "version": engine.version, "compile_ms": summary(compile_ms), "mask_us": summary(mask_us),
                "mask_plus_consume_us": summary(step_us), "failures": fails, "rows": rows,
            }
            s = results["engines"][key]
            print(f"{key:28s} compile ms mean {s['compile_ms'].get('mean', 0):8.2f} p50 {s['compile_ms'].get('p50', 0):8.2f} "
                  f"p99 {s['compile_ms'].get('p99', 0):8.2f} | mask us mean {s['mask_us'].get('mean', 0):8.1f} "
                  f"p50 {s['mask_us'].get('p50', 0):8.1f} p99 {s['mask_us'].get('p99', 0):8.1f} | "
                  f"mask+consume p50 {s['mask_plus_consume_us'].get('p50', 0):8.1f} | tokens {s['mask_us']['n']} | fails {fails}",
                  flush=True)
    with open(results_path, "w") as fh:
        json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
