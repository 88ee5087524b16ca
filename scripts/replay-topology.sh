#!/usr/bin/env bash
# `continuum replay --live` across the three-host topology (scripts/netns-topology.sh), and the
# simulator on the same slice: a short Mooncake slice, scaled down, sent from the device to its
# gateway, which spreads it round-robin over an edge host (2.5 ms each way) and a cloud host
# (20 ms each way, LOSS of its chunks one RTO late) through Tests/topology/delay_proxy.py.
# Runs, each from cold caches (hosts restarted):
#   links     the topology as configured
#   no-delay  the same hosts and proxies with no delay and no loss (what the links cost)
#   simulated `continuum replay --scaled` with 2 replicas of cpu-smollm2 at SPEED (no links)
#   simulated-links  the same with the links' round trips (--link-ms 5,40; loss not modelled)
# Prints TTFT p50 / p90 / p99 for each. `continuum replay` reports mean, p50 and p99; the live
# runs' p90 is read from the device gateway's ledger (ttft_ms, measured at the gateway), and
# the simulator's p90 is not reported by `continuum replay` (shown as n/a).
#   env: FROM=3800 REQUESTS=40 TIME_SCALE=8 TOKENS_PER_BLOCK=16 MAX_PROMPT=128 SPEED=0.5 LOSS=0.01
#        RTO_MS=200 DATA=../shared/data  OUT=<folder for the CSVs> (default: a temporary one)
# Needs root (network namespaces). Stops everything it started and removes the topology.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/.build/release/continuum"
TOPO="$ROOT/scripts/netns-topology.sh"
PROXY="$ROOT/Tests/topology/delay_proxy.py"
PY=$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3 )
FROM=${FROM:-3800}; REQUESTS=${REQUESTS:-40}; TIME_SCALE=${TIME_SCALE:-8}; TOKENS_PER_BLOCK=${TOKENS_PER_BLOCK:-16}
MAX_PROMPT=${MAX_PROMPT:-128}; SPEED=${SPEED:-0.5}; LOSS=${LOSS:-0.01}; RTO_MS=${RTO_MS:-200}
DATA=${DATA:-$ROOT/../shared/data}
MODEL=${CONTINUUM_MODELS:-$HOME/.cache/continuum/models}/SmolLM2-135M-Instruct.Q4_1.gguf
[ -x "$BIN" ] || swift build -c release --product continuum --package-path "$ROOT" >/dev/null
[ -f "$MODEL" ] || "$ROOT/scripts/fetch-model.sh" smollm2
WORK=$(mktemp -d /tmp/replay-topology.XXXXXX)
OUT=${OUT:-$WORK/out}; mkdir -p "$OUT"
PIDS=()
stop_all() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
             for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap 'stop_all; "$TOPO" down; rm -rf "$WORK"' EXIT
"$TOPO" up

wait_up() {  # URL, asked from the device
  for _ in $(seq 1 300); do "$TOPO" exec device curl -fs -o /dev/null --max-time 1 "$1/health" && return 0; sleep 0.2; done
  echo "error: $1 did not start"; exit 1
}

# run_live LABEL EDGE_DELAY_MS CLOUD_DELAY_MS CLOUD_LOSS: fresh hosts, proxies and gateway, one live replay.
run_live() {
  local label=$1
  for h in edge:10.77.1.2 cloud:10.77.2.2; do
    "$TOPO" exec "${h%%:*}" "$BIN" serve -m "$MODEL" --model-name smollm2 --host "${h#*:}" --port 8080 -t 1 --ctx-size 2048 \
      --no-ledger > "$WORK/$label-${h%%:*}.log" 2>&1 & PIDS+=($!)
  done
  "$TOPO" exec device "$PY" "$PROXY" serve --listen 127.0.0.1:9001 --upstream 10.77.1.2:8080 --delay-ms "$2" \
    > "$WORK/$label-proxy-edge.log" 2>&1 & PIDS+=($!)
  "$TOPO" exec device "$PY" "$PROXY" serve --listen 127.0.0.1:9002 --upstream 10.77.2.2:8080 --delay-ms "$3" \
    --loss "$4" --rto-ms "$RTO_MS" > "$WORK/$label-proxy-cloud.log" 2>&1 & PIDS+=($!)
  wait_up http://10.77.1.2:8080; wait_up http://10.77.2.2:8080
  cat > "$WORK/gateway.yaml" <<EOF
backends:
  edge: {type: openai, tier: edge, base_url: "http://127.0.0.1:9001/v1", model: smollm2}
  cloud: {type: openai, tier: cloud, base_url: "http://127.0.0.1:9002/v1", model: smollm2}
models:
  pair: {backends: [edge, cloud], tokenizer: "$MODEL"}   # the replay sends token ids: read them for personal data
EOF
  "$TOPO" exec device "$BIN" serve --config "$WORK/gateway.yaml" --host 10.77.0.2 --port 8080 \
    --ledger "$WORK/$label-gateway.sqlite" > "$WORK/$label-gateway.log" 2>&1 & PIDS+=($!)
  wait_up http://10.77.0.2:8080; sleep 1
  echo "== $label: edge ${2} ms, cloud ${3} ms each way, cloud loss $4" >&2
  "$TOPO" exec device "$BIN" replay --data "$DATA" --trace mooncake --from "$FROM" --requests "$REQUESTS" \
    --tokens-per-block "$TOKENS_PER_BLOCK" --max-prompt "$MAX_PROMPT" --time-scale "$TIME_SCALE" \
    --live http://10.77.0.2:8080/v1 --model pair --label "$label" --out "$OUT" >/dev/null \
    || echo "warning: some requests of the $label run failed (see above)" >&2
  sleep 1  # ledger rows are written off the request path
  stop_all
}

run_live links 2.5 20 "$LOSS"
run_live no-delay 0 0 0
echo "== simulated: 2 replicas, cpu-smollm2 at ${SPEED}x" >&2
"$BIN" replay --data "$DATA" --trace mooncake --from "$FROM" --requests "$REQUESTS" --tokens-per-block "$TOKENS_PER_BLOCK" \
  --max-prompt "$MAX_PROMPT" --time-scale "$TIME_SCALE" --scaled --replicas 2 --profile cpu-smollm2 --speed "$SPEED" \
  --policies round-robin --out "$OUT/sim" >/dev/null
"$BIN" replay --data "$DATA" --trace mooncake --from "$FROM" --requests "$REQUESTS" --tokens-per-block "$TOKENS_PER_BLOCK" \
  --max-prompt "$MAX_PROMPT" --time-scale "$TIME_SCALE" --scaled --replicas 2 --profile cpu-smollm2 --speed "$SPEED" \
  --policies round-robin --link-ms 5,40 --out "$OUT/sim-links" >/dev/null

"$PY" - "$OUT" "$WORK" <<'PY'
import csv, sqlite3, sys
out, work = sys.argv[1], sys.argv[2]
def rank(xs, p):  # nearest rank, as continuum replay computes its percentiles
    xs = sorted(xs); return xs[min(len(xs) - 1, max(0, -(-len(xs) * p // 100) - 1))] if xs else float("nan")
rows = []
for label in ("links", "no-delay"):
    r = next(csv.DictReader(open(f"{out}/{label}.csv")))
    con = sqlite3.connect(f"{work}/{label}-gateway.sqlite")
    ttft = [t / 1000 for (t,) in con.execute("SELECT ttft_ms FROM requests WHERE status = 'ok' AND ttft_ms IS NOT NULL")]
    rows.append((label, r["requests"], r["rejected"], float(r["p50_ttft_s"]), rank(ttft, 90), float(r["p99_ttft_s"]),
                 float(r["mean_ttft_s"]), rank(ttft, 50)))
for label, folder in (("simulated", "sim"), ("simulated-links", "sim-links")):
    r = next(csv.DictReader(open(f"{out}/{folder}/results.csv")))
    rows.append((label, r["requests"], r["rejected"], float(r["p50_ttft_s"]), None, float(r["p99_ttft_s"]), float(r["mean_ttft_s"]), None))
ms = lambda v: "n/a" if v is None else f"{v * 1000:.0f} ms"
print("| run | requests | failed | TTFT p50 | TTFT p90 (gateway ledger) | TTFT p99 | TTFT mean | gateway-ledger p50 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for label, n, failed, p50, p90, p99, mean, lp50 in rows:
    print(f"| {label} | {n} | {failed} | {ms(p50)} | {ms(p90)} | {ms(p99)} | {ms(mean)} | {ms(lp50)} |")
for label in ("links", "no-delay"):  # the link shows most plainly as the gap between the two hosts
    con = sqlite3.connect(f"{work}/{label}-gateway.sqlite")
    per = {b: rank([t / 1000 for (t,) in con.execute("SELECT ttft_ms FROM requests WHERE status = 'ok' AND backend = ? "
                                                     "AND ttft_ms IS NOT NULL", (b,))], 50) for b in ("edge", "cloud")}
    print(f"\n{label}: gateway-ledger TTFT p50 by host: edge {ms(per['edge'])}, cloud {ms(per['cloud'])}", end="")
print()
links, nodelay, sim, simlinks = rows
if int(links[2]) or int(nodelay[2]):
    print(f"\nwarning: failed requests (links {links[2]}, no-delay {nodelay[2]}); TTFTs are over the answered ones")
    if int(links[2]) == int(links[1]) or int(nodelay[2]) == int(nodelay[1]):
        sys.exit(1)
print(f"\nlinks - no-delay: p50 {ms(links[3] - nodelay[3])}, p99 {ms(links[5] - nodelay[5])}, mean {ms(links[6] - nodelay[6])}")
print(f"simulated-links - simulated: p50 {ms(simlinks[3] - sim[3])}, p99 {ms(simlinks[5] - sim[5])}, mean {ms(simlinks[6] - sim[6])}")
print(f"links - simulated: p50 {ms(links[3] - sim[3])}, p99 {ms(links[5] - sim[5])}, mean {ms(links[6] - sim[6])}")
PY
