// Which kernel path runs: what the CPU supports (detected once) and what the process chose
// (CONTINUUM_ISA, or ck_set_isa), so every path can be tested and measured on one machine.
#include "ckernels.h"
#include "common.h"
#include <stdlib.h>
#include <string.h>

static int detect_isa(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return CK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return CK_ISA_AVX2;
#elif defined(__aarch64__)
    return ck_neon_has_dotprod() ? CK_ISA_NEON : CK_ISA_NEON_NODOT;  // NEON is baseline on aarch64
#endif
    return CK_ISA_SCALAR;
}

int ck_cpu_isa(void) {
    static int isa = -2;  // benign race: every thread computes the same value
    if (isa == -2) isa = detect_isa();
    return isa;
}

/// Level of an ISA for "does the CPU have it" (AVX-512 without VBMI needs AVX-512).
static int level(int isa) { return isa == CK_ISA_AVX512_NO_VBMI ? CK_ISA_AVX512 : isa; }

/// Whether this CPU can run an explicit path.
static int supported(int isa) {
#if defined(__aarch64__)
    (void)level;
    return isa == CK_ISA_SCALAR || isa == CK_ISA_NEON_NODOT || (isa == CK_ISA_NEON && ck_cpu_isa() == CK_ISA_NEON);
#else
    return isa != CK_ISA_NEON && isa != CK_ISA_NEON_NODOT && level(isa) <= ck_cpu_isa();
#endif
}

int ck_isa_parse(const char *name) {
    if (!name) return -2;
    if (!strcmp(name, "auto") || !strcmp(name, "best") || !strcmp(name, "")) return CK_ISA_AUTO;
    if (!strcmp(name, "portable") || !strcmp(name, "scalar")) return CK_ISA_SCALAR;
    if (!strcmp(name, "avx2")) return CK_ISA_AVX2;
    if (!strcmp(name, "avx512")) return CK_ISA_AVX512;
    if (!strcmp(name, "avx512-novbmi")) return CK_ISA_AVX512_NO_VBMI;
    if (!strcmp(name, "neon")) return CK_ISA_NEON;
    if (!strcmp(name, "neon-nodot")) return CK_ISA_NEON_NODOT;
    return -2;
}

// -3: not yet read from the environment; otherwise the chosen ISA (CK_ISA_AUTO = detected).
static int chosen = -3;
static int env_status = 0;  // 0 fine, -1 unknown name, -2 not supported by this CPU

int ck_set_isa(int isa) {
    if (isa != CK_ISA_AUTO && (isa < CK_ISA_SCALAR || isa > CK_ISA_NEON_NODOT)) return -1;
    if (isa != CK_ISA_AUTO && !supported(isa)) return -2;
    chosen = isa;
    return 0;
}

const char *ck_isa_environment(void) { return getenv("CONTINUUM_ISA"); }

static void read_environment(void) {
    const char *name = getenv("CONTINUUM_ISA");
    chosen = CK_ISA_AUTO;
    if (!name) return;
    int isa = ck_isa_parse(name);
    if (isa == -2) { env_status = -1; return; }
    if (ck_set_isa(isa) != 0) env_status = -2;
}

int ck_isa_environment_status(void) {
    if (chosen == -3) read_environment();
    return env_status;
}

int ck_active_isa(void) {
    if (chosen == -3) read_environment();  // benign race: same value on every thread
    int isa = chosen == CK_ISA_AUTO ? ck_cpu_isa() : chosen;
    if (isa == CK_ISA_NEON_NODOT) return CK_ISA_NEON;
    return isa == CK_ISA_AVX512_NO_VBMI ? CK_ISA_AVX512 : isa;
}

int ck_active_vbmi(void) {
    if (chosen == -3) read_environment();
    return chosen == CK_ISA_AVX512_NO_VBMI ? 0 : ck_has_vbmi();
}

int ck_active_isa_choice(void) {
    if (chosen == -3) read_environment();
    return chosen == CK_ISA_AUTO ? (ck_cpu_isa() == CK_ISA_AVX512 && !ck_has_vbmi() ? CK_ISA_AVX512_NO_VBMI : ck_cpu_isa())
                                 : chosen;
}

int ck_resolve_isa(int isa, int *vbmi) {
#if defined(__aarch64__)
    // the exact NEON variant; an explicit path this CPU lacks (x86 ones, SDOT without the
    // extension) falls back to the best available, the portable path stays portable
    *vbmi = 0;
    if (isa < 0) isa = ck_active_isa_choice();
    if (isa == CK_ISA_SCALAR) return CK_ISA_SCALAR;
    return isa == CK_ISA_NEON_NODOT ? CK_ISA_NEON_NODOT : ck_cpu_isa();
#endif
    int best = ck_cpu_isa();
    if (isa < 0) {
        *vbmi = ck_active_vbmi();
        isa = ck_active_isa();
    } else {
        *vbmi = isa == CK_ISA_AVX512_NO_VBMI ? 0 : ck_has_vbmi();
        if (isa == CK_ISA_AVX512_NO_VBMI) isa = CK_ISA_AVX512;
        if (isa > best) isa = best;
    }
#if !(defined(__x86_64__) || defined(__i386__))
    isa = CK_ISA_SCALAR;
#endif
    return isa;
}
