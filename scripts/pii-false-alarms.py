#!/usr/bin/env python3
"""False alarms of the PII detector on prompts that hold no personal data: the benchmark
prompts of ../shared/data/routing-quality (GSM8K, ARC-Challenge, MBPP, Winogrande). A
false alarm here pins a request to the device tier (or gets it redacted) for nothing.

  scripts/pii-false-alarms.py [--kinds email,phone,...]   (default: the gateway's default kinds)
"""
import argparse, ast, collections, csv, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "routing-quality")
BIN = os.path.join(ROOT, ".build", "release", "continuum")
DEFAULT = "email,phone,payment_card,iban,national_id,ip_address,credential,street_address,date_of_birth"

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--kinds", default=DEFAULT)
args = ap.parse_args()
kinds = set(args.kinds.split(","))
csv.field_size_limit(1 << 30)
texts = [("gsm8k", r["prompt"]) for r in csv.DictReader(open(os.path.join(DATA, "routellm", "gsm8k_responses.csv"), newline=""))]
for name in ["arc_challenge", "mbpp", "winograde"]:
    for r in csv.DictReader(open(os.path.join(DATA, "routerbench", f"{name}_train.csv"), newline="")):
        texts.append((name, ast.literal_eval(r["prompt"])[0]))
flagged, total, found = collections.Counter(), collections.Counter(), collections.Counter()
for n, (name, text) in enumerate(texts):
    out = subprocess.run([BIN, "pii-eval", "--show", text], capture_output=True, text=True).stdout
    hits = [l.split("\t", 1) for l in out.splitlines() if "\t" in l and l.split("\t", 1)[0] in kinds]
    total[name] += 1
    if hits:
        flagged[name] += 1
        found.update(k for k, _ in hits)
    if (n + 1) % 500 == 0:
        print(f"  {n + 1}/{len(texts)}", file=sys.stderr)
print(f"kinds: {args.kinds}\n")
print("| prompts | texts | flagged | share |")
print("|---|---:|---:|---:|")
for name in total:
    print(f"| {name} | {total[name]} | {flagged[name]} | {flagged[name] / total[name]:.1%} |")
print(f"\nfindings by kind: {dict(found)}")
