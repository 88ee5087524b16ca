#!/usr/bin/env bash
# Live replay: the Mooncake trace, scaled down, against 3 real `continuum serve` replicas of
# the default model behind a `continuum serve` gateway, once per replica policy (replicas
# restarted for each, so every policy starts from cold caches).
# The window is the trace's last stretch (requests 3800-3949), where its prefixes are reused
# most (54% of block references seen before within the window; the first 400 requests reuse 5%).
#   env: FROM=3800 REQUESTS=150 TIME_SCALE=3 TOKENS_PER_BLOCK=16 MAX_PROMPT=2048 THREADS=1 POLICIES="round-robin least-outstanding power-of-two aibrix sglang continuum"
#        OUT=docs/replay/live  DATA=../shared/data
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/.build/release/continuum"
FROM=${FROM:-3800}; REQUESTS=${REQUESTS:-150}; TIME_SCALE=${TIME_SCALE:-3}; THREADS=${THREADS:-1}
TOKENS_PER_BLOCK=${TOKENS_PER_BLOCK:-16}; MAX_PROMPT=${MAX_PROMPT:-2048}
POLICIES=${POLICIES:-"round-robin least-outstanding power-of-two aibrix sglang continuum"}
OUT=${OUT:-$ROOT/docs/replay/live}; DATA=${DATA:-$ROOT/../shared/data}
MODEL=${CONTINUUM_MODELS:-$HOME/.cache/continuum/models}/SmolLM2-135M-Instruct.Q4_1.gguf
[ -x "$BIN" ] || swift build -c release --product continuum --package-path "$ROOT" >/dev/null
[ -f "$MODEL" ] || "$ROOT/scripts/fetch-model.sh" smollm2
WORK=$(mktemp -d /tmp/replay-live.XXXXXX)
PIDS=()
stop_all() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; for p in "${PIDS[@]:-}"; do wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap 'stop_all; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 200); do curl -fs -o /dev/null "http://127.0.0.1:$1/health" && return 0; sleep 0.1; done; echo "error: server on :$1 did not start"; exit 1; }
mkdir -p "$OUT"
for policy in $POLICIES; do
  echo "== $policy"
  ports=(); backends=""
  for i in 1 2 3; do
    p=$(free_port); ports+=("$p")
    "$BIN" serve -m "$MODEL" --model-name smollm2 --port "$p" -t "$THREADS" --ctx-size 4096 --parallel 8 --no-ledger \
      > "$WORK/replica$i.log" 2>&1 & PIDS+=($!)
    backends="$backends  r$i: {type: openai, tier: edge, base_url: \"http://127.0.0.1:$p/v1\", model: smollm2}\n"
  done
  for p in "${ports[@]}"; do wait_up "$p"; done
  gp=$(free_port)
  printf "backends:\n$backends""models:\n  pair: {backends: [r1, r2, r3], routing: $policy, tokenizer: \"$MODEL\", prefill_tokens_per_second: 550}\n" > "$WORK/gateway.yaml"
  "$BIN" serve --config "$WORK/gateway.yaml" --port "$gp" --ledger "$WORK/ledger-$policy.sqlite" > "$WORK/gateway-$policy.log" 2>&1 & PIDS+=($!)
  wait_up "$gp"; sleep 1
  "$BIN" replay --data "$DATA" --trace mooncake --from "$FROM" --requests "$REQUESTS" --tokens-per-block "$TOKENS_PER_BLOCK" \
    --max-prompt "$MAX_PROMPT" --live "http://127.0.0.1:$gp/v1" --model pair \
    --label "$policy" --time-scale "$TIME_SCALE" --out "$OUT" | tail -1
  stop_all
done
python3 - "$OUT" $POLICIES <<'PY'
import csv, sys, os
out, policies = sys.argv[1], sys.argv[2:]
rows = []
for p in policies:
    with open(os.path.join(out, p + ".csv")) as f:
        rows += list(csv.DictReader(f))
with open(os.path.join(out, "results.csv"), "w") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys())); w.writeheader(); w.writerows(rows)
for p in policies:
    for ext in (".csv", ".svg"): os.remove(os.path.join(out, p + ext))
lines = ["| policy | requests | failed | TTFT mean | TTFT p50 | TTFT p99 | hit rate | prefill imbalance |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
for r in rows:
    lines.append(f"| {r['policy']} | {r['requests']} | {r['rejected']} | {float(r['mean_ttft_s']):.3f} s | {float(r['p50_ttft_s']):.3f} s | "
                 f"{float(r['p99_ttft_s']):.3f} s | {100*float(r['hit_rate']):.1f}% | {float(r['load_imbalance']):.2f} |")
open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")
W, H, L, B, T = 760, 360, 70, 60, 40
mx = max(float(r["p99_ttft_s"]) for r in rows) * 1.1 or 1
slot = (W - L - 20) / len(rows)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>',
       f'<text x="{W/2}" y="20" font-size="14" text-anchor="middle">Live replay: TTFT mean (blue) and p99 (red) per policy, 3 replicas</text>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/><line x1="{L}" y1="{H-B}" x2="{W-20}" y2="{H-B}" stroke="black"/>']
for k in range(5):
    v = mx * k / 4; y = H - B - (H - B - T) * k / 4
    svg.append(f'<line x1="{L-4}" y1="{y:.1f}" x2="{W-20}" y2="{y:.1f}" stroke="#ddd"/><text x="{L-6}" y="{y+4:.1f}" font-size="10" text-anchor="end">{v:.2f} s</text>')
for i, r in enumerate(rows):
    x = L + i * slot + slot * 0.15; bw = slot * 0.32
    for j, (key, c) in enumerate((("mean_ttft_s", "#4e79a7"), ("p99_ttft_s", "#e15759"))):
        v = float(r[key]); bh = (H - B - T) * v / mx
        svg.append(f'<rect x="{x+j*bw:.1f}" y="{H-B-bh:.1f}" width="{bw-2:.1f}" height="{bh:.1f}" fill="{c}"/>')
    svg.append(f'<text x="{x+bw:.1f}" y="{H-B+16}" font-size="11" text-anchor="middle">{r["policy"]}</text>')
    svg.append(f'<text x="{x+bw:.1f}" y="{H-B+30}" font-size="10" text-anchor="middle" fill="#555">hit {100*float(r["hit_rate"]):.0f}%</text>')
svg.append("</svg>")
open(os.path.join(out, "ttft.svg"), "w").write("\n".join(svg) + "\n")
print(open(os.path.join(out, "results.md")).read())
PY
