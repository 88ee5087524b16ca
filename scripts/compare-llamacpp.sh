#!/usr/bin/env bash
# Side-by-side speed of llama.cpp (llama-bench) and Continuum (`continuum bench`) on this machine.
#
# Usage: scripts/compare-llamacpp.sh [--out FILE.md] [--json FILE.json] [--threads 1,2]
#                                    [--reps 3] [-p 512] [-n 128] [--models "smollm2 qwen2.5"]
#                                    [--no-continuum] [--no-build] [--continuum PATH]
#                                    [--wait-idle SECONDS] [--isa native|avx2|avx512]
#   For each model (smollm2 always, fetched if missing; qwen2.5 and gemma3 only if already in
#   the cache; --models "gemma3" for Gemma 3 270M alone)
#   and each thread count, runs
#     llama-bench -m M -p 512 -n 128 -t T -r 3 -o json
#   and once per model
#     .build/release/continuum bench --model M -p 512 -n 128 -t 1,2 --json
#   (built with `swift build -c release --product continuum` unless --no-build; --continuum PATH
#   or CONTINUUM_BIN use another binary and build nothing), then prints a
#   markdown table  model | threads | test | llama.cpp t/s | continuum t/s | ratio  (ratio =
#   continuum / llama.cpp, both the median of the repetitions) with machine info, date, git
#   commit and llama.cpp version. --out also writes the report to FILE; --json writes all raw
#   results. -p and -n take comma-separated lists (-p 512,2048).
#   --isa native (default): llama.cpp built with GGML_NATIVE=ON, Continuum on its default path
#   (CONTINUUM_ISA as set in the environment, else the best this CPU has). --isa avx2: llama.cpp
#   built for AVX2/FMA/F16C only (scripts/build-llamacpp.sh --isa avx2, in LLAMACPP_DIR/bin-avx2)
#   and Continuum with CONTINUUM_ISA=avx2. --isa avx512: the native llama.cpp and
#   CONTINUUM_ISA=avx512. The report names the kernel path both ran.
#   When the Continuum CLI is missing or fails, its column says n/a and the reason
#   is printed.
#   LLAMACPP_DIR (default ~/.cache/continuum/llama.cpp) is where scripts/build-llamacpp.sh
#   builds llama.cpp (it is run when llama-bench is missing); CONTINUUM_MODELS is the model cache.
# Other jobs on the machine make these numbers noisy (with 2 threads on 2 busy cores llama.cpp's
# spinning threads can lose 10x or more): the share of CPU time used by other processes just
# before each run is recorded with the results, and --wait-idle SECONDS waits up to SECONDS
# before each run for the machine to be idle (< 10% busy over 2 s).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="" ; json_out="" ; threads="1,2" ; reps=3 ; np=512 ; ng=128
models="smollm2 qwen2.5" ; use_continuum=1 ; build_continuum=1
cont="${CONTINUUM_BIN:-}" ; wait_idle=0 ; isa=native
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --json) json_out="$2"; shift 2 ;;
    --threads|-t) threads="$2"; shift 2 ;;
    --reps|-r) reps="$2"; shift 2 ;;
    -p) np="$2"; shift 2 ;;
    -n) ng="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --no-continuum) use_continuum=0; shift ;;
    --no-build) build_continuum=0; shift ;;
    --wait-idle) wait_idle="$2"; shift 2 ;;
    --isa) isa="$2"; shift 2 ;;
    --continuum) cont="$2"; build_continuum=0; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cache="${CONTINUUM_MODELS:-$HOME/.cache/continuum/models}"
lcdir="${LLAMACPP_DIR:-$HOME/.cache/continuum/llama.cpp}"
work="$(mktemp -d /tmp/compare-llamacpp.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# --- kernel paths ------------------------------------------------------------------------
case "$isa" in
  native) lc_isa=native; lc_bin="$lcdir/bin"; cont_isa="${CONTINUUM_ISA:-}" ;;
  avx512) lc_isa=native; lc_bin="$lcdir/bin"; cont_isa=avx512 ;;
  avx2)   lc_isa=avx2;   lc_bin="$lcdir/bin-avx2"; cont_isa=avx2 ;;
  *) echo "error: --isa must be native, avx2 or avx512 (got '$isa')" >&2; exit 2 ;;
esac
if [[ -n "$cont_isa" ]]; then export CONTINUUM_ISA="$cont_isa"; else unset CONTINUUM_ISA; fi

# --- llama.cpp ---------------------------------------------------------------------------
bench="$lc_bin/llama-bench"
if [[ ! -x "$bench" ]]; then
  echo "llama-bench not found in $lc_bin; building it (several minutes)..." >&2
  bin="$("$here/build-llamacpp.sh" --isa "$lc_isa")"
  bench="$bin/llama-bench"
fi
lc_build="$(cd "$(dirname "$(readlink -f "$bench")")/.." && pwd)"
lc_flags=""
if [[ -f "$lc_build/CMakeCache.txt" ]]; then
  lc_flags="$(grep -E '^GGML_(NATIVE|AVX|AVX2|AVX512|AVX_VNNI|FMA|F16C)(_[A-Z0-9]+)?:BOOL=' "$lc_build/CMakeCache.txt" | sed 's/:BOOL=/=/' | tr '\n' ' ')"
fi
lc_path="$lc_isa build ($lc_build${lc_flags:+; $lc_flags})"
lc_version="$("$bench" --version 2>&1 || true)"
lc_version="$(grep -m1 -i '^version' <<<"$lc_version" || echo unknown)"

# --- models ------------------------------------------------------------------------------
declare -a names=() paths=()
for m in $models; do
  case "$m" in
    smollm2) p="$("$here/fetch-model.sh" smollm2)" ;;
    qwen2.5)
      p="$cache/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
      if [[ ! -f "$p" ]]; then echo "note: $p not present; qwen2.5 skipped (scripts/fetch-model.sh qwen2.5 fetches it)" >&2; continue; fi ;;
    gemma3)
      p="$cache/gemma-3-270m-q4_k_m.gguf"
      if [[ ! -f "$p" ]]; then echo "note: $p not present; gemma3 skipped (scripts/fetch-model.sh gemma3 fetches it)" >&2; continue; fi ;;
    *) if [[ -f "$m" ]]; then p="$m"; else echo "error: unknown model '$m'" >&2; exit 2; fi ;;
  esac
  names+=("$(basename "$p" .gguf)"); paths+=("$p")
done

# --- Continuum ---------------------------------------------------------------------------
if [[ -n "$cont" ]]; then build_continuum=0; else cont="$repo/.build/release/continuum"; fi
cont_note=""
if [[ $use_continuum -eq 1 ]]; then
  if [[ $build_continuum -eq 1 && -f "$repo/Package.swift" ]]; then
    if command -v swift >/dev/null; then
      echo "building continuum (swift build -c release --product continuum)..." >&2
      if ! (cd "$repo" && swift build -c release --product continuum) >"$work/swift-build.log" 2>&1; then
        cont_note="swift build -c release --product continuum failed: $(grep -m1 -E 'error' "$work/swift-build.log" || tail -n1 "$work/swift-build.log")"
      fi
    else
      cont_note="swift is not installed"
    fi
  fi
  if [[ -z "$cont_note" && ! -x "$cont" ]]; then cont_note="$cont does not exist (the continuum CLI is not built yet)"; fi
else
  cont_note="skipped (--no-continuum)"
fi
[[ -n "$cont_note" ]] && echo "note: Continuum column will be n/a: $cont_note" >&2

# Percentage of all CPU time that was busy over a 2 s window (from /proc/stat).
cpu_busy() {
  local a b
  a=($(head -n1 /proc/stat)); sleep 2; b=($(head -n1 /proc/stat))
  local total=0 idle i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$(( (b[4] - a[4]) + (b[5] - a[5]) ))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
busy_notes=""
hz="$(getconf CLK_TCK)"; ncpu="$(nproc)"
before_run() {  # $1 = label
  local busy waited=0
  busy="$(cpu_busy)"
  while [[ $busy -ge 10 && $waited -lt $wait_idle ]]; do
    sleep 8; waited=$((waited + 10)); busy="$(cpu_busy)"
  done
  run_label="$1"; run_busy_before="$busy"
  stat_before=($(head -n1 /proc/stat))
}
# Runs "$@" (redirections are the caller's); records the share of the machine's CPU time that
# others took while it ran: busy time from /proc/stat (user, nice, system, irq, softirq) minus
# the command's own user+sys, and separately the time the hypervisor gave to other VMs (steal).
timed_run() {
  local TIMEFORMAT='%R %U %S' t rc=0 a b i busy=0 steal others
  a=("${stat_before[@]}")
  exec 3>&2
  { time "$@" 2>&3 3>&- ; } 2>"$work/time" || rc=$?
  exec 3>&-
  b=($(head -n1 /proc/stat))
  for i in 1 2 3 6 7; do busy=$((busy + b[i] - a[i])); done
  steal=$((b[8] - a[8]))
  t=($(tail -n1 "$work/time"))
  others="$(python3 -c '
import sys
r, u, s, busy, steal, hz, n = map(float, sys.argv[1:])
cap = max(r * n, 1e-9)
if r < 2:
    print("an unknown share (run too short to measure)"); sys.exit()
print(f"{min(100, max(0, round(100 * (busy / hz - u - s) / cap)))}% (processes), {round(100 * steal / hz / cap)}% (hypervisor steal)")
' "${t[0]:-1}" "${t[1]:-0}" "${t[2]:-0}" "$busy" "$steal" "$hz" "$ncpu" 2>/dev/null || echo "?")"
  busy_notes+="$run_label: ${run_busy_before}% busy just before; others took ${others} of the CPU time during the run (${t[0]:-?} s)"$'\n'
  return $rc
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!paths[@]}"; do
  p="${paths[$i]}"
  for t in ${threads//,/ }; do
    before_run "llama-bench ${names[$i]} -t $t"
    echo "llama-bench ${names[$i]} -t $t ..." >&2
    if ! timed_run "$bench" -m "$p" -p "$np" -n "$ng" -t "$t" -r "$reps" -o json >"$work/lc-$i-$t.json" 2>"$work/lc-$i-$t.err"; then
      echo "error: llama-bench failed for $p -t $t:" >&2; tail -n 5 "$work/lc-$i-$t.err" >&2; exit 1
    fi
  done
  if [[ -z "$cont_note" ]]; then
    before_run "continuum bench ${names[$i]} -t $threads"
    echo "continuum bench ${names[$i]} -t $threads ..." >&2
    rc=0
    SWIFT_BACKTRACE=enable=no timed_run "$cont" bench --model "$p" -p "$np" -n "$ng" -t "$threads" -r "$reps" --json \
      >"$work/ct-$i.json" 2>"$work/ct-$i.err" || rc=$?
    if [[ $rc -ne 0 ]] || ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list)' "$work/ct-$i.json" 2>/dev/null; then
      why="$(grep -m1 -iE 'error|usage|unknown' "$work/ct-$i.err" || tail -n1 "$work/ct-$i.err" || true)"
      [[ $rc -eq 0 ]] && why="its output is not a JSON array: $(head -c 200 "$work/ct-$i.json")"
      cont_note="\`continuum bench\` failed for ${names[$i]} (exit $rc): ${why:-no message}; not run for the remaining models"
      echo "warning: $cont_note" >&2
      echo "[]" >"$work/ct-$i.json"
    fi
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$repo" status --porcelain 2>/dev/null)" ]]; then commit="$commit (dirty)"; fi
export CPU_MODEL="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
export CPU_COUNT="$(nproc)" CORES="$(lscpu | sed -n 's/^Core(s) per socket:[[:space:]]*//p' | head -n1)"
export SOCKETS="$(lscpu | sed -n 's/^Socket(s):[[:space:]]*//p' | head -n1)"
export MEM="$(free -g | awk '/^Mem:/{print $2" GiB"}')"
export DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" COMMIT="$commit" LC_VERSION="$lc_version"
export LOAD="$load_before -> $load_after" CONT_NOTE="$cont_note" NP="$np" NG="$ng" REPS="$reps"
export LC_PATH="$lc_path" CONT_ISA_ASKED="${cont_isa:-default (auto)}"
export THREADS="$threads" WORK="$work" NAMES="$(printf '%s\n' "${names[@]}")"
export JSON_OUT="$json_out" KERNEL="$(uname -r)" BUSY_NOTES="$busy_notes"
[[ -n "$json_out" ]] && mkdir -p "$(dirname "$json_out")"
[[ -n "$out" ]] && mkdir -p "$(dirname "$out")"

python3 - >"$work/report.md" <<'PY'
import glob, json, os, statistics
E = os.environ
work, names = E["WORK"], E["NAMES"].split("\n") if E["NAMES"] else []
threads = [int(t) for t in E["THREADS"].split(",") if t]
nps = [int(v) for v in E["NP"].split(",") if v]
ngs = [int(v) for v in E["NG"].split(",") if v]
rows, raw = [], {"llama.cpp": {}, "continuum": {}}

def fmt(x):
    return "n/a" if x is None else f"{x:.2f}"

for i, name in enumerate(names):
    cont = []
    p = os.path.join(work, f"ct-{i}.json")
    if os.path.exists(p):
        try:
            cont = json.load(open(p))
        except ValueError:
            cont = []
        raw["continuum"][name] = cont
    for t in threads:
        lc = json.load(open(os.path.join(work, f"lc-{i}-{t}.json")))
        raw["llama.cpp"].setdefault(name, []).extend(lc)
        for test, n_p, n_g in [(f"pp{v}", v, 0) for v in nps if v] + [(f"tg{v}", 0, v) for v in ngs if v]:
            r = next((r for r in lc if r["n_prompt"] == n_p and r["n_gen"] == n_g and r["n_threads"] == t), None)
            lc_med = statistics.median(r["samples_ts"]) if r else None
            lc_sd = r["stddev_ts"] if r else None
            c = next((c for c in cont if c.get("test") == test and int(c.get("threads", -1)) == t), None)
            c_med = c.get("tokens_per_second_median") if c else None
            if c and c_med is None and c.get("tokens_per_second_samples"):
                c_med = statistics.median(c["tokens_per_second_samples"])
            ratio = f"{c_med / lc_med:.2f}" if c_med and lc_med else "n/a"
            lc_cell = "n/a" if lc_med is None else f"{lc_med:.2f} ± {lc_sd:.2f}"
            rows.append(f"| {name} | {t} | {test} | {lc_cell} | {fmt(c_med)} | {ratio} |")

print(f"# Continuum vs llama.cpp, {E['DATE']}")
print()
print(f"- machine: {E['CPU_MODEL']}, {E['CPU_COUNT']} CPUs ({E['SOCKETS']} socket x {E['CORES']} cores), {E['MEM']}, Linux {E['KERNEL']}")
print(f"- load average (1/5/15 min) before -> after: {E['LOAD']} (other jobs on the machine make numbers noisy)")
print(f"- continuum commit: {E['COMMIT']}")
print(f"- llama.cpp: {E['LC_VERSION']} (llama-bench, {E['REPS']} repetitions + warm-up, defaults otherwise)")
cont_paths = sorted({str(c.get("isa")) for v in raw["continuum"].values() for c in v if isinstance(c, dict) and c.get("isa")})
print(f"- kernel paths: llama.cpp {E['LC_PATH']}; continuum CONTINUUM_ISA={E['CONT_ISA_ASKED']}, ran: {', '.join(cont_paths) or 'n/a'}")
if E["CONT_NOTE"]:
    print(f"- continuum: n/a — {E['CONT_NOTE']}")
print()
print("t/s = tokens per second, median of the repetitions (llama.cpp: ± its standard deviation); "
      "ratio = continuum / llama.cpp (>1 means Continuum is faster).")
print()
print("| model | threads | test | llama.cpp t/s | continuum t/s | ratio |")
print("|---|---:|---|---:|---:|---:|")
print("\n".join(rows))
if E.get("BUSY_NOTES", "").strip():
    print()
    print("Disturbance by other processes (a run they disturbed is not comparable):")
    for line in E["BUSY_NOTES"].strip().split("\n"):
        print(f"- {line}")
if E.get("JSON_OUT"):
    with open(E["JSON_OUT"], "w") as f:
        json.dump(raw, f, indent=1)
PY

cat "$work/report.md"
if [[ -n "$out" ]]; then
  cp "$work/report.md" "$out"
  echo "report written to $out" >&2
fi
