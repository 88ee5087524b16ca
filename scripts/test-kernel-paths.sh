#!/usr/bin/env bash
# Runs the kernel, golden-vector and batch-invariance tests once under every kernel path this
# CPU supports besides the one the main test run used (CONTINUUM_ISA=avx512-novbmi, avx2,
# portable on an AVX-512 machine), from the release build `make test` made: one build, every path.
#
# Usage: scripts/test-kernel-paths.sh [--paths "avx2 portable"]
#   The list of paths comes from `continuum bench --list-isa` unless --paths is given.
#   The portable (scalar) path is about 25x slower than the SIMD ones, so under it the golden
#   test runs for SmolLM2 only and the engine's batch-invariance test (17 min there) is left
#   out; the kernel tests, batch invariance of every kernel included, still cover every format.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
paths=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --paths) paths="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bin=.build/release/continuum
if [[ -z "$paths" ]]; then
  [[ -x "$bin" ]] || swift build -c release --product continuum
  # the first path listed is the best one, which the main test run already covered
  paths="$("$bin" bench --list-isa | tail -n +2 | tr '\n' ' ')"
fi
common="ContinuumKernelsTests"
failed=()
for p in $paths; do
  if [[ "$p" == portable ]]; then filter="$common|GoldenGenerationTests/smolLM2MatchesLlamaCpp"
  else filter="$common|ContinuumEngineTests.BatchInvarianceTests|GoldenGenerationTests"; fi
  echo "== kernel path $p: $filter" >&2
  start=$SECONDS
  if CONTINUUM_ISA="$p" swift test -c release --skip-build --filter "$filter" >".build/test-isa-$p.log" 2>&1; then
    echo "   passed in $((SECONDS - start)) s ($(grep -Eo 'Test run with [0-9]+ tests' ".build/test-isa-$p.log" | tail -n1))" >&2
  else
    echo "   FAILED under CONTINUUM_ISA=$p (log: .build/test-isa-$p.log):" >&2
    grep -E "✘|error:|Expectation failed" ".build/test-isa-$p.log" | head -n 20 >&2 || tail -n 20 ".build/test-isa-$p.log" >&2
    failed+=("$p")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then echo "kernel paths failing: ${failed[*]}" >&2; exit 1; fi
echo "every kernel path passed: ${paths:-none besides the best}" >&2
