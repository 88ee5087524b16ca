#!/usr/bin/env python3
"""Build Tests/data/schemas/corpus.jsonl from the Berkeley Function Calling Leaderboard
(ShishirPatil/gorilla, Apache-2.0): each function's `parameters` becomes one JSON Schema.

BFCL writes a few types in its own dialect; they are mapped to JSON Schema the way
MaskBench's fetch_bfcl.py does: dict -> object, float -> number, tuple -> array,
any -> no type. Java/JavaScript type names (String, HashMap, ...) carry no JSON meaning
and are mapped to string/object/array/number/boolean where obvious, else dropped (no type).
Duplicate schemas (same canonical text) are kept once.

A second source, SchemaStore (SchemaStore/schemastore, Apache-2.0, src/schemas/json), adds
real configuration-file schemas with $ref/$defs, anyOf, patterns and formats.

usage:
  schema-corpus.py candidates GORILLA_GIT_DIR SCHEMASTORE_GIT_DIR OUT_CANDIDATES_JSONL
  (then: SCHEMA_CORPUS=candidates SCHEMA_GBNF_OUT=dir swift test --filter dumpCorpusGrammars)
  schema-corpus.py filter CANDIDATES_JSONL GBNF_DIR OUT_CORPUS_JSONL
     keeps the candidates the compiler accepts; prints the drop counts by keyword.
"""
import collections
import json
import os
import re
import subprocess
import sys

FILES = [
    "BFCL_v4_simple_python", "BFCL_v4_multiple", "BFCL_v4_parallel_multiple", "BFCL_v4_parallel",
    "BFCL_v4_live_simple", "BFCL_v4_live_multiple", "BFCL_v4_live_parallel", "BFCL_v4_live_parallel_multiple",
    "BFCL_v4_simple_java", "BFCL_v4_simple_javascript",
]
DATA = "berkeley-function-call-leaderboard/bfcl_eval/data"

TYPE_MAP = {
    "dict": "object", "object": "object", "float": "number", "number": "number", "tuple": "array",
    "array": "array", "list": "array", "integer": "integer", "int": "integer", "string": "string",
    "boolean": "boolean", "bool": "boolean", "null": "null",
    # Java / JavaScript spellings in BFCL's java and javascript sets.
    "String": "string", "Boolean": "boolean", "HashMap": "object", "ArrayList": "array", "Array": "array",
    "long": "integer", "double": "number", "char": "string", "short": "integer", "byte": "integer",
}


def convert(s):
    if isinstance(s, list):
        return [convert(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k == "type" and isinstance(v, str):
            t = TYPE_MAP.get(v)
            if t is not None:
                out["type"] = t
            continue
        if k in ("properties", "$defs", "definitions") and isinstance(v, dict):
            out[k] = {pk: convert(pv) for pk, pv in v.items()}
        elif k in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems", "not"):
            out[k] = convert(v)
        else:
            out[k] = v
    return out


def git(git_dir, *args):
    return subprocess.check_output(["git", "--git-dir", git_dir, *args], text=True)


def bfcl(git_dir):
    commit = git(git_dir, "rev-parse", "HEAD").strip()
    seen = set()
    for f in FILES:
        for line in git(git_dir, "show", f"HEAD:{DATA}/{f}.json").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            for i, fn in enumerate(entry.get("function") or []):
                params = fn.get("parameters")
                if not isinstance(params, dict):
                    continue
                schema = convert(params)
                key = json.dumps(schema, sort_keys=True)
                if key in seen:
                    continue
                seen.add(key)
                yield {"id": f"bfcl/{entry['id']}/{fn.get('name', i)}", "source": f"ShishirPatil/gorilla@{commit}:{DATA}/{f}.json", "schema": schema}


SCHEMASTORE_DIR = "src/schemas/json"
SCHEMASTORE_MAX_BYTES = 40_000


def schemastore(git_dir):
    commit = git(git_dir, "rev-parse", "HEAD").strip()
    for row in git(git_dir, "ls-tree", "-l", "HEAD", SCHEMASTORE_DIR + "/").splitlines():
        meta, path = row.split("\t", 1)
        size = meta.split()[3]
        if not path.endswith(".json") or not size.isdigit() or int(size) > SCHEMASTORE_MAX_BYTES:
            continue
        try:
            schema = json.loads(git(git_dir, "show", f"HEAD:{path}"))
        except (json.JSONDecodeError, UnicodeDecodeError, subprocess.CalledProcessError):
            continue
        if isinstance(schema, dict):
            yield {"id": "schemastore/" + path.rsplit("/", 1)[1], "source": f"SchemaStore/schemastore@{commit}:{path}", "schema": schema}


def main():
    if sys.argv[1] == "candidates":
        gorilla, store, out = sys.argv[2:5]
        n = 0
        with open(out, "w") as fh:
            for r in list(bfcl(gorilla)) + list(schemastore(store)):
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                n += 1
        print(f"{n} candidates", file=sys.stderr)
    elif sys.argv[1] == "filter":
        cand, gdir, out = sys.argv[2:5]
        rows = [json.loads(l) for l in open(cand) if l.strip()]
        kept, drops, kept_by_source = [], collections.Counter(), collections.Counter()
        bfcl_kept = 0
        for i, r in enumerate(rows):
            err = os.path.join(gdir, f"{i}.err")
            src = r["id"].split("/", 1)[0]
            if os.path.exists(err):
                msg = open(err).read().strip()
                kind, _, text = msg.partition("\t")
                m = re.match(r"unsupported keyword (\S+)", text)
                reason = f"{kind}: {m.group(1)}" if m else kind
                if "format" in text and m:
                    f = re.search(r'format "([^"]+)"', text)
                    reason += f" ({f.group(1)})" if f else ""
                drops[(src, reason)] += 1
                continue
            if src == "bfcl":
                # Every second BFCL schema: keeps the file small and the sources balanced.
                bfcl_kept += 1
                if bfcl_kept % 2 == 0:
                    drops[(src, "sampled out (every second kept)")] += 1
                    continue
            kept.append(r)
            kept_by_source[src] += 1
        with open(out, "w") as fh:
            for r in kept:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"kept {len(kept)}: {dict(kept_by_source)}")
        for (src, reason), n in sorted(drops.items(), key=lambda x: (x[0][0], -x[1])):
            print(f"dropped {src} {n:5d}  {reason}")


if __name__ == "__main__":
    main()
