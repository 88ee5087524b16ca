#!/usr/bin/env python3
"""Live device-vs-cloud evaluation of Continuum's tier cascade on ARC-Challenge.

  scripts/eval-cascade.py collect [--limit N]   # run every prompt on both tiers (resumable)
  scripts/eval-cascade.py report [--scores F]   # accuracy vs escalation share: table + SVG
  scripts/eval-cascade.py live --share S ...    # the real cascade at chosen thresholds

Device tier: SmolLM2-135M-Instruct Q4_1 in process (the gateway's own engine). Cloud tier:
Qwen2.5-Coder-0.5B-Instruct Q4_K_M in a second `continuum serve`, reached as an OpenAI
backend. Prompts: the ARC-Challenge rows of the RouterBench train split
(../shared/data/routing-quality/routerbench/arc_challenge_train.csv): the final question of
each prompt (its five worked examples dropped: they cost five times the prefill and brought
both models to chance, 27.5% and 25% on 40 rows against 35% and 27.5% without them); the
gold answer is the letter the responses scored 1 agree on (rows where none scored 1 are
skipped). Both tiers answer greedily with one token; the answer read from it is the most
likely of A-D among its top-20 log-probabilities (as a multiple-choice harness does).

`collect` goes through the gateway's cascade model with min_confidence 0, so the device
answer and the confidence are the gateway's own (x-continuum-confidence), and asks the
cloud model directly through the same gateway. Results: bench/cascade/arc-outcomes.jsonl.
"""
import argparse, ast, csv, collections, json, os, re, signal, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "routing-quality", "routerbench", "arc_challenge_train.csv")
OUT = os.path.join(ROOT, "bench", "cascade")
BIN = os.path.join(ROOT, ".build", "release", "continuum")
CACHE = os.path.expanduser("~/.cache/continuum/models")
DEVICE_MODEL = os.path.join(CACHE, "SmolLM2-135M-Instruct.Q4_1.gguf")
CLOUD_MODEL = os.path.join(CACHE, "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf")


def arc_rows():
    """(index, sample_id, prompt, gold letter) for every row with a gold answer."""
    csv.field_size_limit(1 << 30)
    rows = list(csv.DictReader(open(DATA, newline="")))
    meta = {"", "sample_id", "prompt", "eval_name", "oracle_model_to_route_to"}
    models = [k for k in rows[0] if "|" not in k and k not in meta]
    out = []
    for i, r in enumerate(rows):
        letters = []
        for m in models:
            if r[m] in ("1.0", "1"):
                try:
                    v = ast.literal_eval(r.get(m + "|model_response", ""))
                except (ValueError, SyntaxError):
                    v = [r.get(m + "|model_response", "")]
                t = v[0] if isinstance(v, list) and v else str(v)
                found = re.search(r"\b([ABCD])\b", str(t).strip())
                if found:
                    letters.append(found.group(1))
        votes = collections.Counter(letters)
        if not votes or len(votes) > 1:
            continue
        full = ast.literal_eval(r["prompt"])[0]
        FULL_PROMPTS[i] = full
        out.append((i, r["sample_id"], full.split("\n\n")[-1], votes.most_common(1)[0][0]))
    return out


FULL_PROMPTS = {}


def messages(row, prompt, fmt):
    """The chat messages of a row: `zero-shot` is the final question alone; `few-shot-chat`
    turns the RouterBench prompt's five worked examples into user/assistant turns."""
    if fmt == "zero-shot":
        return [{"role": "user", "content": prompt}]
    blocks = FULL_PROMPTS[row].split("\n\n")
    out = []
    for b in blocks[:-1]:
        q, a = b.rsplit("\n", 1)
        out += [{"role": "user", "content": q}, {"role": "assistant", "content": a.strip()}]
    return out + [{"role": "user", "content": blocks[-1]}]


def letter(text):
    m = re.search(r"[ABCD]", text or "")
    return m.group(0) if m else None


def post(url, body, timeout=600):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    t = time.monotonic()
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        data = json.loads(resp.read())
    return data, headers, time.monotonic() - t


def wait_ready(url, proc, what):
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"error: {what} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"error: {what} did not start")


class Servers:
    """The cloud `continuum serve` (Qwen) and the gateway (SmolLM2 in process + cascade)."""

    def __init__(self, cascades, port=18090, cloud_port=18091, threads=1):
        """`cascades`: {name: YAML flow mapping of its before/after keys} over [smollm2, qwen]."""
        for p, what in [(BIN, "continuum (make release)"), (DEVICE_MODEL, "SmolLM2 (scripts/fetch-model.sh smollm2)"),
                        (CLOUD_MODEL, "Qwen2.5 (scripts/fetch-model.sh qwen2.5)")]:
            if not os.path.exists(p):
                sys.exit(f"error: {p} missing: {what}")
        os.makedirs(OUT, exist_ok=True)
        self.url = f"http://127.0.0.1:{port}/v1"
        cfg = os.path.join(OUT, "gateway.yaml")
        with open(cfg, "w") as f:
            f.write(f"""port: {port}
privacy: {{enabled: false}}   # ARC questions hold no personal data; the detector's false alarms would pin some to the device
backends:
  phone: {{type: local, tier: device, model: {DEVICE_MODEL}, threads: {threads}, parallel: 1}}
  cloud: {{type: openai, tier: cloud, base_url: http://127.0.0.1:{cloud_port}/v1, model: qwen, first_byte_timeout_seconds: 900}}
models:
  smollm2: phone
  qwen: cloud
""" + "".join(f"  {name}: {{cascade: [smollm2, qwen], {extra}}}\n" for name, extra in cascades.items()))
        self.cloud = subprocess.Popen([BIN, "serve", "-m", CLOUD_MODEL, "--model-name", "qwen", "--port", str(cloud_port), "-t",
                                       str(threads), "--parallel", "1", "--no-ledger"], stderr=open(os.path.join(OUT, "cloud.log"), "w"))
        wait_ready(f"http://127.0.0.1:{cloud_port}", self.cloud, "cloud serve")
        self.gateway = subprocess.Popen([BIN, "serve", "--config", cfg, "--ledger", os.path.join(OUT, "ledger.sqlite")],
                                        stderr=open(os.path.join(OUT, "gateway.log"), "w"))
        wait_ready(f"http://127.0.0.1:{port}", self.gateway, "gateway")

    def close(self):
        for p in (self.gateway, self.cloud):
            p.send_signal(signal.SIGTERM)
        for p in (self.gateway, self.cloud):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def ask(url, model, prompt):
    """(choice A-D or None, generated text, headers, seconds); `prompt`: text or messages."""
    msgs = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
    body = {"model": model, "messages": msgs, "max_tokens": 1, "temperature": 0,
            "logprobs": True, "top_logprobs": 20}
    data, headers, seconds = post(url + "/chat/completions", body)
    choice = data["choices"][0]
    letters = {}
    for t in (choice.get("logprobs") or {}).get("content", [{}])[0].get("top_logprobs", []):
        k = t["token"].strip()
        if k in ("A", "B", "C", "D") and k not in letters:
            letters[k] = t["logprob"]
    picked = max(letters, key=letters.get) if letters else letter(choice["message"]["content"])
    return picked, choice["message"]["content"], headers, seconds


def collect(args):
    rows = arc_rows()[: args.limit or None]
    path = os.path.join(OUT, "arc-outcomes.jsonl" if args.format == "zero-shot" else f"arc-outcomes-{args.format}.jsonl")
    done = set()
    if os.path.exists(path):
        done = {json.loads(l)["row"] for l in open(path) if l.strip()}
    todo = [r for r in rows if r[0] not in done]
    print(f"{len(rows)} ARC-Challenge prompts with a gold answer; {len(done)} done, {len(todo)} to go", file=sys.stderr)
    if not todo:
        return
    servers = Servers({"auto": "after: {min_confidence: 0.0, buffer_tokens: 1}"})
    from concurrent.futures import ThreadPoolExecutor
    started = time.monotonic()
    try:
        with open(path, "a") as out, ThreadPoolExecutor(2) as pool:
            for n, (row, sample, prompt, gold) in enumerate(todo):
                dev = pool.submit(ask, servers.url, "auto", messages(row, prompt, args.format))
                cloud = pool.submit(ask, servers.url, "qwen", messages(row, prompt, args.format))
                (dpick, dtext, dh, dsec), (cpick, ctext, ch, csec) = dev.result(), cloud.result()
                assert dh.get("x-continuum-tier") == "device", dh
                rec = {"row": row, "sample_id": sample, "gold": gold, "device": dpick, "device_text": dtext, "device_correct": dpick == gold,
                       "confidence": float(dh["x-continuum-confidence"]), "cloud": cpick, "cloud_text": ctext, "cloud_correct": cpick == gold,
                       "device_seconds": round(dsec, 3), "cloud_seconds": round(csec, 3)}
                out.write(json.dumps(rec) + "\n")
                out.flush()
                if (n + 1) % 25 == 0 or n + 1 == len(todo):
                    el = time.monotonic() - started
                    print(f"  {n + 1}/{len(todo)}  {el:.0f} s elapsed, ~{el / (n + 1) * (len(todo) - n - 1):.0f} s to go", file=sys.stderr)
    finally:
        servers.close()


def load_outcomes(path=None):
    path = path or os.path.join(OUT, "arc-outcomes.jsonl")
    if not os.path.exists(path):
        sys.exit(f"error: {path} missing: run `scripts/eval-cascade.py collect` first")
    return [json.loads(l) for l in open(path) if l.strip()]


def curve(outcomes, order):
    """Accuracy after escalating the first k requests of `order` (indices), k = 0..n."""
    n = len(outcomes)
    correct = sum(o["device_correct"] for o in outcomes)
    acc = [correct / n]
    for i in order:
        correct += int(outcomes[i]["cloud_correct"]) - int(outcomes[i]["device_correct"])
        acc.append(correct / n)
    return acc


def policies(outcomes, scores):
    """Accuracy at every escalation count for each policy (index k = k requests escalated)."""
    n = len(outcomes)
    dev = sum(o["device_correct"] for o in outcomes) / n
    cloud = sum(o["cloud_correct"] for o in outcomes) / n
    out = {"random": [dev + (cloud - dev) * k / n for k in range(n + 1)]}
    # After generating: the least confident device answers go first (ties: input order).
    after = sorted(range(n), key=lambda i: (outcomes[i]["confidence"], i))
    out["after (confidence)"] = curve(outcomes, after)
    if scores is not None:
        before = sorted(range(n), key=lambda i: (-scores[i], i))
        out["before (router)"] = curve(outcomes, before)
        # Combined: the router sends its most doubtful half of the share up before anything is
        # generated; the device's least confident answers make up the other half.
        comb = []
        for k in range(n + 1):
            up = set(before[: k // 2])
            rest = [i for i in after if i not in up][: k - len(up)]
            esc = up | set(rest)
            comb.append(sum(o["cloud_correct"] if i in esc else o["device_correct"] for i, o in enumerate(outcomes)) / n)
        out["combined"] = comb
    oracle = sorted(range(n), key=lambda i: -(int(outcomes[i]["cloud_correct"]) - int(outcomes[i]["device_correct"])))
    out["oracle (upper bound)"] = curve(outcomes, oracle)
    return out


def svg_chart(curves, n, title, path):
    w, h, l, r, t, b = 720, 440, 64, 200, 40, 52
    pw, ph = w - l - r, h - t - b
    lo = min(min(c) for c in curves.values())
    hi = max(max(c) for c in curves.values())
    lo, hi = max(0, lo - 0.02), min(1, hi + 0.02)
    x = lambda k: l + pw * k / n
    y = lambda a: t + ph * (1 - (a - lo) / (hi - lo))
    colors = {"random": "#888888", "after (confidence)": "#d62728", "before (router)": "#1f77b4", "combined": "#2ca02c",
              "oracle (upper bound)": "#bbbbbb"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>', f'<text x="{l}" y="22" font-size="14">{title}</text>']
    for i in range(11):
        xx = l + pw * i / 10
        parts.append(f'<line x1="{xx:.1f}" y1="{t}" x2="{xx:.1f}" y2="{t + ph}" stroke="#eee"/>')
        parts.append(f'<text x="{xx:.1f}" y="{t + ph + 16}" text-anchor="middle">{i * 10}%</text>')
    steps = 8
    for i in range(steps + 1):
        a = lo + (hi - lo) * i / steps
        parts.append(f'<line x1="{l}" y1="{y(a):.1f}" x2="{l + pw}" y2="{y(a):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{l - 6}" y="{y(a) + 4:.1f}" text-anchor="end">{a * 100:.1f}%</text>')
    parts.append(f'<text x="{l + pw / 2}" y="{h - 12}" text-anchor="middle">requests escalated to the cloud tier</text>')
    parts.append(f'<text x="16" y="{t + ph / 2}" transform="rotate(-90 16 {t + ph / 2})" text-anchor="middle">accuracy</text>')
    for j, (name, c) in enumerate(curves.items()):
        step = max(1, n // 400)
        pts = " ".join(f"{x(k):.1f},{y(c[k]):.1f}" for k in list(range(0, n + 1, step)) + [n])
        dash = ' stroke-dasharray="4 3"' if name.startswith(("random", "oracle")) else ""
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colors.get(name, "#000")}" stroke-width="2"{dash}/>')
        parts.append(f'<line x1="{l + pw + 12}" y1="{t + 10 + j * 20}" x2="{l + pw + 36}" y2="{t + 10 + j * 20}" stroke="{colors.get(name, "#000")}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{l + pw + 42}" y="{t + 14 + j * 20}">{name}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def report(args):
    outcomes = load_outcomes(args.outcomes)
    n = len(outcomes)
    scores = None
    if args.scores:
        by_row = {}
        for l in open(args.scores):
            if l.strip():
                d = json.loads(l)
                by_row[d["row"]] = d["score"]
        missing = [o["row"] for o in outcomes if o["row"] not in by_row]
        if missing:
            sys.exit(f"error: {args.scores} has no score for {len(missing)} rows (first: {missing[0]})")
        scores = [by_row[o["row"]] for o in outcomes]
    curves = policies(outcomes, scores)
    dev, cloud = curves["random"][0], curves["random"][-1]
    print(f"ARC-Challenge, {n} prompts: device (SmolLM2-135M) {dev:.1%}, cloud (Qwen2.5-0.5B) {cloud:.1%}, "
          f"both right {sum(o['device_correct'] and o['cloud_correct'] for o in outcomes) / n:.1%}, "
          f"only the device right {sum(o['device_correct'] and not o['cloud_correct'] for o in outcomes) / n:.1%}, "
          f"only the cloud right {sum(o['cloud_correct'] and not o['device_correct'] for o in outcomes) / n:.1%}\n")
    shares = [i / 10 for i in range(11)]
    names = list(curves)
    print("| escalated | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for s in shares:
        k = round(s * n)
        print(f"| {s:.0%} | " + " | ".join(f"{curves[m][k]:.1%}" for m in names) + " |")
    print()
    for m in names:
        if m.startswith(("random", "oracle")):
            continue
        margins = [curves[m][k] - curves["random"][k] for k in range(1, n)]
        worst = min(range(len(margins)), key=lambda i: margins[i])
        above = sum(d > 0 for d in margins)
        print(f"- {m}: above random at {above} of {n - 1} escalation counts strictly between 0 and {n}; "
              f"smallest margin {margins[worst] * 100:+.2f} points at {(worst + 1) / n:.1%} escalated; "
              f"mean margin {sum(margins) / len(margins) * 100:+.2f} points")
    out = args.svg or os.path.join(ROOT, "docs", "cascade", "arc-accuracy-vs-escalation.svg")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    svg_chart(curves, n, f"ARC-Challenge ({n} prompts): SmolLM2-135M on the device, Qwen2.5-0.5B in the cloud", out)
    print(f"\nchart: {os.path.relpath(out, ROOT)}", file=sys.stderr)


def live(args):
    """The real cascade on held-out rows at a threshold set on the other rows."""
    outcomes = load_outcomes(args.outcomes)
    calib = [o for o in outcomes if o["row"] % 2 == 0]
    test_rows = {o["row"] for o in outcomes if o["row"] % 2 == 1}
    conf = sorted(o["confidence"] for o in calib)
    cascades = {}
    for s in args.share:
        # min_confidence below which `s` of the calibration rows fall
        t = conf[min(len(conf) - 1, int(s * len(conf)))]
        cascades[f"after-{round(s * 100)}"] = f"after: {{min_confidence: {t}, buffer_tokens: 1}}"
    router = args.router
    if not router:
        # A router for this pair, trained on the calibration rows only.
        pairs = write_pairs(calib, "arc-pairs-even.jsonl")
        router = os.path.join(OUT, "arc-router-even.json")
        subprocess.run([BIN, "router", "train", "--only-jsonl", "--jsonl", pairs, "--out", router,
                        "--embeddings", os.path.join(OUT, "embeddings.jsonl")], check=True, stdout=subprocess.DEVNULL)
    for s in args.share:
        cascades[f"before-{round(s * 100)}"] = f"before: {{router: {os.path.abspath(router)}, escalate_share: {s}}}"
    rows = [r for r in arc_rows() if r[0] in test_rows][: args.limit or None]
    by_row = {o["row"]: o for o in outcomes}
    servers = Servers(cascades)
    print(f"{len(rows)} held-out prompts (odd rows); thresholds set on the even rows", file=sys.stderr)
    print("| cascade | setting | escalated (live) | accuracy (live) | same decisions on the collected answers | random at that share |")
    print("|---|---|---:|---:|---:|---:|")
    dev_acc = sum(by_row[r[0]]["device_correct"] for r in rows) / len(rows)
    cloud_acc = sum(by_row[r[0]]["cloud_correct"] for r in rows) / len(rows)
    try:
        for name, extra in cascades.items():
            esc = correct = expected = 0
            for row, sample, prompt, gold in rows:
                pick, text, h, sec = ask(servers.url, name, prompt)
                up = h.get("x-continuum-escalated", "no") != "no"
                esc += up
                correct += pick == gold
                o = by_row[row]
                expected += o["cloud_correct"] if up else o["device_correct"]
            n = len(rows)
            rand = dev_acc + (cloud_acc - dev_acc) * esc / n
            print(f"| {name} | `{extra.replace(ROOT + '/', '')}` | {esc / n:.1%} | {correct / n:.1%} | {expected / n:.1%} | {rand:.1%} |",
                  flush=True)
    finally:
        servers.close()


def latency(args):
    """Time to first token of a streamed answer: the device model directly vs through a cascade
    that holds back its first `buffer_tokens` tokens (kept: min_confidence 0)."""
    buffers = args.buffers
    servers = Servers({f"hold-{b}": f"after: {{min_confidence: 0.0, buffer_tokens: {b}}}" for b in buffers})
    prompts = [p.rsplit("\nPrint only", 1)[0] + "\nExplain which answer is right." for _, _, p, _ in arc_rows()[: args.prompts]]
    import statistics
    results = {m: [] for m in ["smollm2"] + [f"hold-{b}" for b in buffers]}
    try:
        # Every prompt once first, untimed: each timed request then finds its prompt in the
        # prefix cache alike, so the difference is the held-back tokens, not the prefill.
        for p in prompts:
            post(servers.url + "/chat/completions", {"model": "smollm2", "messages": [{"role": "user", "content": p}], "max_tokens": 1})
        for rep in range(args.reps):
            for p in prompts:
                for model in results:
                    body = {"model": model, "messages": [{"role": "user", "content": p}], "max_tokens": args.max_tokens,
                            "temperature": 0, "stream": True}
                    req = urllib.request.Request(servers.url + "/chat/completions", data=json.dumps(body).encode(),
                                                 headers={"content-type": "application/json"})
                    t0 = time.monotonic()
                    first = None
                    with urllib.request.urlopen(req, timeout=600) as resp:
                        for line in resp:
                            if line.startswith(b"data: {") and b'"content":"' in line and b'"content":""' not in line and first is None:
                                first = time.monotonic() - t0
                    results[model].append((first, time.monotonic() - t0))
    finally:
        servers.close()
    base = statistics.median(f for f, _ in results["smollm2"])
    print(f"{len(prompts)} ARC questions asking for an explanation, up to {args.max_tokens} tokens, streamed, {args.reps} reps, "
          "prompts in the prefix cache; device SmolLM2-135M (1 thread)\n")
    print("| model | median time to first token | added | median total |")
    print("|---|---:|---:|---:|")
    for m, v in results.items():
        ttft = statistics.median(f for f, _ in v)
        print(f"| {m} | {ttft * 1000:.0f} ms | {(ttft - base) * 1000:+.0f} ms | {statistics.median(t for _, t in v) * 1000:.0f} ms |")


def write_pairs(outcomes, name):
    """The outcomes as `continuum router` training rows: weak = the device was right, strong = the cloud was."""
    prompts = {r[0]: r[2] for r in arc_rows()}
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        for o in outcomes:
            f.write(json.dumps({"prompt": prompts[o["row"]], "weak": int(o["device_correct"]), "strong": int(o["cloud_correct"])}) + "\n")
    return path


def scores(args):
    """Out-of-fold router scores for the device/cloud pair: `continuum router eval` trained
    only on these outcomes (weak = the device was right, strong = the cloud was), 5 folds
    grouped by prompt, so no prompt is scored by a router that saw it."""
    outcomes = load_outcomes(args.outcomes)
    prompts = {r[0]: r[2] for r in arc_rows()}
    pairs = write_pairs(outcomes, "arc-pairs.jsonl")
    raw = os.path.join(OUT, "arc-router-oof.jsonl")
    subprocess.run([BIN, "router", "eval", "--only-jsonl", "--jsonl", pairs, "--scores-out", raw,
                    "--embeddings", os.path.join(OUT, "embeddings.jsonl")], check=True)
    by_prompt = {}
    for l in open(raw):
        d = json.loads(l)
        by_prompt[d["prompt"]] = d["score"]
    out = os.path.join(OUT, "arc-router-scores.jsonl")
    with open(out, "w") as f:
        for o in outcomes:
            f.write(json.dumps({"row": o["row"], "score": by_prompt[prompts[o["row"]]]}) + "\n")
    print(f"wrote {out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--limit", type=int, default=0)
    c.add_argument("--format", choices=["zero-shot", "few-shot-chat"], default="zero-shot")
    r = sub.add_parser("report")
    r.add_argument("--outcomes", help="default: bench/cascade/arc-outcomes.jsonl")
    r.add_argument("--scores", help="JSONL {row, score}: cross-validated router scores (continuum router ...)")
    r.add_argument("--svg", help="default: docs/cascade/arc-accuracy-vs-escalation.svg")
    sc = sub.add_parser("scores")
    sc.add_argument("--outcomes")
    lv = sub.add_parser("live")
    lv.add_argument("--outcomes")
    lv.add_argument("--share", type=float, nargs="+", default=[0.25, 0.5])
    lv.add_argument("--router", help="router file for before-generation cascades")
    lv.add_argument("--limit", type=int, default=200)
    la = sub.add_parser("latency")
    la.add_argument("--buffers", type=int, nargs="+", default=[8, 32])
    la.add_argument("--prompts", type=int, default=20)
    la.add_argument("--reps", type=int, default=2)
    la.add_argument("--max-tokens", type=int, default=64)
    args = ap.parse_args()
    {"collect": collect, "report": report, "live": live, "latency": latency, "scores": scores}[args.cmd](args)


if __name__ == "__main__":
    main()
