#!/usr/bin/env bash
# Gateway overhead: continuum serve vs nginx proxy_pass vs LiteLLM proxy, all in front of
# the same stub upstream, wrk at concurrency 1 and 32, streaming and not, through the
# reference harness in ../shared/bench/gateway (it installs nginx, wrk and LiteLLM itself).
# Continuum runs with auth on (the harness's bearer key imported into a fresh ledger),
# routing and the ledger on. Report: $GWBENCH_DIR/RESULTS.md (default /tmp/gwbench).
#   env: DUR RUNS CONCS ... as run-all.sh takes them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${GATEWAY_HARNESS:-$ROOT/../shared/bench/gateway}
[ -x "$HARNESS/run-all.sh" ] || { echo "error: no gateway harness at $HARNESS (set GATEWAY_HARNESS)"; exit 1; }
B=${GWBENCH_DIR:-/tmp/gwbench}; export GWBENCH_DIR=$B
mkdir -p "$B"
swift build -c release --product continuum --package-path "$ROOT" >/dev/null
BIN="$ROOT/.build/release/continuum"
# The harness sends LiteLLM's master key to every target; continuum imports it as its one API key.
source "$HARNESS/conf/litellm.env"
LEDGER="$B/continuum-ledger.sqlite"
rm -f "$LEDGER" "$LEDGER"-wal "$LEDGER"-shm
GW_SECRET="$LITELLM_MASTER_KEY" "$BIN" keys create bench --secret-env GW_SECRET --ledger "$LEDGER"
export CONTINUUM_CMD="$BIN serve --config $ROOT/bench/gateway-stub.yaml --ledger $LEDGER"
bash "$HARNESS/run-all.sh"
echo "report: $B/RESULTS.md"
