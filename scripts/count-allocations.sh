#!/usr/bin/env bash
# Counts heap allocations per generated token: runs `continuum generate` (greedy) for two
# lengths under an LD_PRELOAD shim that counts malloc/calloc/realloc/posix_memalign/
# aligned_alloc calls, and prints the difference per extra token. The decode loop should
# allocate nothing; what remains is per-token text (String) and the caller's printing.
# Usage: scripts/count-allocations.sh [model.gguf]   (default: the default model)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/continuum
[[ -x $bin ]] || swift build -c release --product continuum
model="${1:-$(scripts/fetch-model.sh smollm2)}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cat > "$work/count.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
static atomic_long calls;
static void *(*real_malloc)(size_t), *(*real_calloc)(size_t, size_t), *(*real_realloc)(void *, size_t);
static int (*real_pm)(void **, size_t, size_t);
static void *(*real_aa)(size_t, size_t);
static char boot[1 << 16]; static size_t boot_used;
static void *boot_alloc(size_t n) { void *p = boot + boot_used; boot_used += (n + 15) & ~15UL; return p; }
void *malloc(size_t n) { if (!real_malloc) { real_malloc = dlsym(RTLD_NEXT, "malloc"); if (!real_malloc) return boot_alloc(n); } calls++; return real_malloc(n); }
void *calloc(size_t a, size_t b) { if (!real_calloc) { real_calloc = dlsym(RTLD_NEXT, "calloc"); if (!real_calloc) return boot_alloc(a * b); } calls++; return real_calloc(a, b); }
void *realloc(void *p, size_t n) { if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc"); calls++; return real_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) { if (!real_pm) real_pm = dlsym(RTLD_NEXT, "posix_memalign"); calls++; return real_pm(p, a, n); }
void *aligned_alloc(size_t a, size_t n) { if (!real_aa) real_aa = dlsym(RTLD_NEXT, "aligned_alloc"); calls++; return real_aa(a, n); }
void free(void *p) { static void (*real_free)(void *); if ((char *)p >= boot && (char *)p < boot + sizeof boot) return; if (!real_free) real_free = dlsym(RTLD_NEXT, "free"); real_free(p); }
__attribute__((destructor)) static void report(void) { fprintf(stderr, "ALLOCATIONS %ld\n", (long)calls); }
C
cc -O2 -shared -fPIC -o "$work/count.so" "$work/count.c" -ldl
count() {
  # Default sampling chain (top-k, top-p, min-p, temperature) with a seed, and a stop string
  # that never matches, so every per-token path runs.
  LD_PRELOAD="$work/count.so" "$bin" generate -m "$model" --seed 7 --stop "@@never@@" --repeat-penalty 1.1 \
    -p "Write a long story about a dragon who learns to code." --chat -n "$1" -t 1 --verbose 2>"$work/err" >/dev/null
  grep -q "$1 generated" "$work/err" || { echo "error: the run of $1 tokens ended early: $(tail -n 1 "$work/err")" >&2; exit 1; }
  sed -n 's/^ALLOCATIONS //p' "$work/err"
}
short=100; long=400
a=$(count $short); b=$(count $long)
echo "allocations: $a for $short tokens, $b for $long tokens"
awk -v a="$a" -v b="$b" -v s="$short" -v l="$long" 'BEGIN { printf "allocations per generated token: %.2f\n", (b - a) / (l - s) }'
