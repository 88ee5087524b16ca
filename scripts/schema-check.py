#!/usr/bin/env python3
"""Check the JSON Schema -> GBNF compiler against llama.cpp's GBNF validator as the oracle.

For each corpus schema i (Tests/data/schemas/corpus.jsonl, line i) and its grammar
GBNF_DIR/i.gbnf (written by `SCHEMA_GBNF_OUT=GBNF_DIR swift test --filter dumpCorpusGrammars`):
  - valid instances: drawn with hypothesis-jsonschema from the *strict* schema (objects that
    declare properties get additionalProperties:false, the compiler's documented default),
    checked with python-jsonschema, serialised in the canonical layout (compact, members in
    schema order) -> the grammar must accept them;
  - invalid instances: mutations of the valid ones (a member dropped/added, a value replaced
    by one of another type or outside an enum) that python-jsonschema rejects -> the grammar
    must reject them.
The oracle is a batch build of llama.cpp's tests/test-gbnf-validator.cpp (--build-validator makes it; argv
grammar, inputs separated by NUL bytes; prints 1 or "0 <pos> <msg>" per input).

usage: schema-check.py --validator PATH [--build-validator LLAMA_SRC LLAMA_BUILD] --gbnf-dir DIR [--corpus JSONL] [--valid N] [--limit N]
                       [--timeout S] [--out report.json]
"""
import argparse
import collections
import copy
import decimal
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import warnings

import jsonschema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis_jsonschema import from_schema

warnings.filterwarnings("ignore")


def strict(schema):
    """Objects that declare properties get additionalProperties:false unless they say otherwise."""
    if isinstance(schema, list):
        return [strict(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k in ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas") and isinstance(v, dict):
            out[k] = {kk: strict(vv) for kk, vv in v.items()}
        elif k in ("enum", "const", "required", "examples", "default"):
            out[k] = v
        else:
            out[k] = strict(v)
    if isinstance(out.get("properties"), dict) and out["properties"] and "additionalProperties" not in out:
        out["additionalProperties"] = False
    # The compiler infers the type from the keywords present when `type` is absent (as
    # llama.cpp does); JSON Schema would accept every other type there.
    if "type" not in out and not any(k in out for k in ("$ref", "anyOf", "oneOf", "allOf", "enum", "const", "not", "if")):
        kinds = [("object", ("properties", "required", "additionalProperties", "minProperties", "maxProperties")),
                 ("array", ("items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems")),
                 ("string", ("minLength", "maxLength", "pattern", "format")),
                 ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"))]
        types = [t for t, keys in kinds if any(k in out for k in keys)]
        if types:
            out["type"] = types[0] if len(types) == 1 else types
    return out


class Canon:
    """Serialises an instance in the compiler's canonical layout."""

    def __init__(self, root, validator):
        self.root = root
        self.validator = validator

    def resolve(self, s):
        seen = 0
        while isinstance(s, dict) and "$ref" in s and seen < 50:
            ref = s["$ref"]
            t = self.root
            for tok in ref.lstrip("#").split("/")[1:]:
                tok = tok.replace("~1", "/").replace("~0", "~")
                t = t[int(tok)] if isinstance(t, list) else t[tok]
            s = t
            seen += 1
        return s

    def merged(self, rest, branch):
        """Siblings of anyOf/oneOf hold in every branch (the compiler merges them too)."""
        branch = self.resolve(branch)
        if not rest or not isinstance(branch, dict):
            return branch
        out = dict(rest)
        out.update({k: x for k, x in branch.items() if k != "properties"})
        out["properties"] = {**(rest.get("properties") or {}), **(branch.get("properties") or {})}
        return out

    def fits(self, s, v):
        try:
            return self.validator.evolve(schema=s).is_valid(v)
        except Exception:
            return False

    def text(self, s, v):
        s = self.resolve(s)
        if isinstance(s, dict):
            for comb in ("anyOf", "oneOf"):
                if comb in s:
                    rest = {k: x for k, x in s.items() if k != comb}
                    for branch in s[comb]:
                        if self.fits(branch, v):
                            return self.text(self.merged(rest, branch), v)
                    return self.text(self.merged(rest, s[comb][0]), v)
            if "allOf" in s and len(s["allOf"]) == 1:
                return self.text(s["allOf"][0], v)
        if not isinstance(s, dict):
            s = {}
        if isinstance(v, dict):
            props = s.get("properties") or {}
            keys = [k for k in props if k in v] + [k for k in v if k not in props]
            extra = s.get("additionalProperties", True)
            parts = []
            for k in keys:
                sub = props.get(k, extra if isinstance(extra, dict) else {})
                parts.append(json.dumps(k, ensure_ascii=False) + ":" + self.text(sub, v[k]))
            return "{" + ",".join(parts) + "}"
        if isinstance(v, list):
            prefix = s.get("prefixItems") or (s.get("items") if isinstance(s.get("items"), list) else [])
            rest = s.get("items") if isinstance(s.get("items"), dict) else (s.get("additionalItems") if isinstance(s.get("additionalItems"), dict) else {})
            return "[" + ",".join(self.text(prefix[i] if i < len(prefix) else rest, x) for i, x in enumerate(v)) + "]"
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            r = repr(v)
            bounded = any(k in s for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
            if "e" in r and bounded:
                r = format(decimal.Decimal(r), "f")
            return r
        return json.dumps(v, ensure_ascii=False)


def ecma_patterns(cls):
    """`pattern` with ECMAScript's ASCII \\d \\w \\s (Python's re would match any Unicode digit)."""
    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not re.search(patrn, instance, re.ASCII):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")
    return jsonschema.validators.extend(cls, {"pattern": pattern})


class Timeout(Exception):
    pass


def on_alarm(*_):
    raise Timeout()


def draw_valid(schema, n, timeout):
    got = []

    @settings(max_examples=n * 3, phases=[Phase.generate], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(from_schema(schema))
    def collect(x):
        if len(got) < n:
            got.append(x)

    signal.alarm(timeout)
    try:
        collect()
    finally:
        signal.alarm(0)
    # Distinct ones only.
    uniq, seen = [], set()
    for x in got:
        k = json.dumps(x, sort_keys=True)
        if k not in seen:
            seen.add(k)
            uniq.append(x)
    return uniq


REPLACEMENTS = [None, True, 0, -7, 2.5, "", "zz-not-in-enum", [], {}]


def mutations(v):
    """Values one edit away from v (nested anywhere)."""
    out = []
    def walk(x, setter):
        for r in REPLACEMENTS:
            if type(r) is not type(x) or r != x:
                out.append(setter(copy.deepcopy(r)))
        if isinstance(x, dict):
            for k in list(x):
                def set_k(new, k=k):
                    y = copy.deepcopy(x); y[k] = new; return setter(y)
                walk(x[k], set_k)
                y = copy.deepcopy(x); del y[k]; out.append(setter(y))
            y = copy.deepcopy(x); y["zz_extra"] = 1; out.append(setter(y))
        elif isinstance(x, list):
            for i in range(len(x)):
                def set_i(new, i=i):
                    y = copy.deepcopy(x); y[i] = new; return setter(y)
                walk(x[i], set_i)
            y = copy.deepcopy(x) + [{"zz": 1}]; out.append(setter(y))
        elif isinstance(x, str):
            out.append(setter(x + "\u00e9!"))
    walk(v, lambda y: y)
    return out


BATCH_MAIN = r"""
// Batch variant (Continuum scripts/schema-check.py): argv[1] grammar, argv[2] file of inputs
// separated by NUL bytes; prints one line per input: "1" accepted, "0 <pos> <msg>" rejected.
int main(int argc, char ** argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s grammar inputs\n", argv[0]); return 2; }
    std::string g; { std::ifstream f(argv[1]); std::stringstream b; b << f.rdbuf(); g = b.str(); }
    std::string all; { std::ifstream f(argv[2], std::ios::binary); std::stringstream b; b << f.rdbuf(); all = b.str(); }
    std::vector<std::string> inputs; size_t s = 0;
    for (size_t i = 0; i < all.size(); ++i) if (all[i] == '\0') { inputs.push_back(all.substr(s, i - s)); s = i + 1; }
    if (s < all.size()) inputs.push_back(all.substr(s));
    for (auto & in : inputs) {
        llama_grammar * grammar = llama_grammar_init_impl(nullptr, g.c_str(), "root", false, nullptr, 0, nullptr, 0);
        if (!grammar) { printf("E grammar\n"); fflush(stdout); return 3; }
        size_t pos = 0; std::string msg;
        bool ok = llama_grammar_validate(grammar, in, pos, msg);
        if (ok) printf("1\n"); else printf("0 %zu %s\n", pos, msg.c_str());
        llama_grammar_free_impl(grammar);
    }
    return 0;
}
"""


def build_validator(llama_src, llama_build, out):
    """Builds the batch validator: llama.cpp's tests/test-gbnf-validator.cpp up to its
    main() (the llama_grammar_validate function) plus BATCH_MAIN, linked against an
    existing static llama.cpp build (scripts/build-llamacpp.sh)."""
    src = open(os.path.join(llama_src, "tests", "test-gbnf-validator.cpp")).read()
    head = src[: src.index("static void print_error_message")]
    path = out + ".cpp"
    with open(path, "w") as fh:
        fh.write(head + BATCH_MAIN)
    libs = [os.path.join(llama_build, x) for x in ("src/libllama.a", "ggml/src/libggml.a", "ggml/src/libggml-cpu.a", "ggml/src/libggml-base.a")]
    subprocess.check_call(["g++", "-O2", "-std=c++17", f"-I{llama_src}/include", f"-I{llama_src}/ggml/include", f"-I{llama_src}/src",
                           path, "-o", out, *libs, "-lpthread", "-fopenmp", "-ldl"])

def run_validator(validator, gbnf_path, texts):
    with tempfile.NamedTemporaryFile("wb", delete=False) as fh:
        fh.write(b"\0".join(t.encode("utf-8") for t in texts))
        path = fh.name
    try:
        res = subprocess.run([validator, gbnf_path, path], capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    lines = res.stdout.splitlines()
    if len(lines) != len(texts) or any(l.startswith("E") for l in lines):
        return None  # llama.cpp refused the grammar itself
    return [l.startswith("1") for l in lines]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--validator", required=True, help="batch validator binary (built with --build-validator SRC BUILD)")
    ap.add_argument("--build-validator", nargs=2, metavar=("LLAMA_SRC", "LLAMA_BUILD"),
                    help="first build --validator from llama.cpp's source tree and a static build of it")
    ap.add_argument("--gbnf-dir", required=True)
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "data", "schemas", "corpus.jsonl"))
    ap.add_argument("--valid", type=int, default=4, help="valid instances per schema")
    ap.add_argument("--invalid", type=int, default=8, help="invalid instances per schema (at most)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=10, help="seconds of generation per schema")
    ap.add_argument("--out")
    ap.add_argument("--only", help="comma-separated corpus line indices")
    ap.add_argument("--instances-out", help="write the canonical instances as JSONL {index,id,valid,text}")
    a = ap.parse_args()
    if a.build_validator:
        build_validator(a.build_validator[0], a.build_validator[1], a.validator)
    signal.signal(signal.SIGALRM, on_alarm)

    rows = [json.loads(l) for l in open(a.corpus) if l.strip()]
    if a.limit:
        rows = rows[: a.limit]
    only = set(int(x) for x in a.only.split(",")) if a.only else None
    c = collections.Counter()
    problems = []
    inst_out = open(a.instances_out, "w") if a.instances_out else None
    for i, r in enumerate(rows):
        if only is not None and i not in only:
            continue
        gpath = os.path.join(a.gbnf_dir, f"{i}.gbnf")
        if not os.path.exists(gpath):
            c["schemas without grammar"] += 1
            continue
        schema = strict(r["schema"])
        try:
            cls = ecma_patterns(jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator))
            cls.check_schema(schema)
            validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        except Exception:
            c["schemas python-jsonschema rejects"] += 1
            continue
        try:
            # hypothesis-jsonschema rewrites the schema it is given (sorts keys, inlines refs).
            valid = draw_valid(copy.deepcopy(schema), a.valid, a.timeout)
        except Timeout:
            c["schemas: generation timed out"] += 1
            continue
        except Exception as e:
            c["schemas: hypothesis-jsonschema cannot generate"] += 1
            continue
        valid = [v for v in valid if validator.is_valid(v)]
        if not valid:
            c["schemas: no valid instance generated"] += 1
            continue
        canon = Canon(schema, validator)
        invalid = []
        seen = set()
        for v in valid:
            for m in mutations(v):
                k = json.dumps(m, sort_keys=True)
                if k in seen:
                    continue
                seen.add(k)
                if not validator.is_valid(m):
                    invalid.append(m)
        # Spread the picks over the list (mutations near the root come first).
        if len(invalid) > a.invalid:
            step = len(invalid) / a.invalid
            invalid = [invalid[int(j * step)] for j in range(a.invalid)]
        vt = [canon.text(schema, v) for v in valid]
        it = [canon.text(schema, v) for v in invalid]
        ok = run_validator(a.validator, gpath, vt + it)
        if ok is None:
            c["schemas: llama.cpp refuses the grammar"] += 1
            problems.append({"index": i, "id": r["id"], "kind": "grammar refused by llama.cpp"})
            continue
        c["schemas checked"] += 1
        for t, acc in zip(vt, ok[: len(vt)]):
            c["valid instances"] += 1
            if acc:
                c["valid accepted"] += 1
            else:
                c["valid REJECTED"] += 1
                problems.append({"index": i, "id": r["id"], "kind": "valid rejected", "text": t[:300]})
            if inst_out:
                inst_out.write(json.dumps({"index": i, "id": r["id"], "valid": True, "text": t}, ensure_ascii=False) + "\n")
        for t, acc in zip(it, ok[len(vt):]):
            c["invalid instances"] += 1
            if acc:
                c["invalid ACCEPTED"] += 1
                problems.append({"index": i, "id": r["id"], "kind": "invalid accepted", "text": t[:300]})
            else:
                c["invalid rejected"] += 1
            if inst_out:
                inst_out.write(json.dumps({"index": i, "id": r["id"], "valid": False, "text": t}, ensure_ascii=False) + "\n")
        if (i + 1) % 100 == 0:
            print(f"[{i + 1}/{len(rows)}] {dict(c)}", file=sys.stderr, flush=True)
    for k in sorted(c):
        print(f"{k:45s} {c[k]}")
    for p in problems[:40]:
        print("PROBLEM", json.dumps(p, ensure_ascii=False))
    if a.out:
        json.dump({"counts": c, "problems": problems}, open(a.out, "w"), indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
