// Kernel correctness test in C, for any architecture: every SIMD path this CPU can run (aarch64:
// neon, neon-nodot; x86: avx2, avx512, avx512-novbmi) against the scalar reference, through the
// public entry points (ck_matmul and the float ops), so the dispatch is checked too.
//
//   matmul: each weight format, several shapes (rows and cols not multiples of the tiles, odd
//           legacy block counts), n = 1, 3, 8, 70, against ck_gemm_reference on the same
//           quantized activations (nmse < 1e-10, as Tests/ContinuumKernelsTests/MatmulTests);
//   batch invariance: a row's result has the same bits alone (n = 1) as in a batch of 3, 8 or
//           70, on 1 or 2 threads; on aarch64 the SDOT and plain NEON paths give the same bits;
//   float ops: dot, axpy, rmsnorm, softmax, swiglu against the portable path.
//
// Usage: kernel_tests [path...]   paths by CONTINUUM_ISA name; default: every path the CPU
// supports, plus "auto" (what CONTINUUM_ISA / detection picks). kernel_tests --isa-only: only
// the detection and path-choice checks. Environment (checked when set):
//   EXPECT_ISA=name   ck_active_isa_choice() must be this path (checks run-time detection);
//   EXPECT_ENV_STATUS=n   ck_isa_environment_status() must be n (default 0; -2: CONTINUUM_ISA
//                     names a path this CPU lacks, which must be refused).
// Exit status: 0 all passed, 1 some check failed (each failure printed).
#include "ckernels.h"
#include "common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int checks, failures;
#define FAIL(...) do { failures++; if (failures <= 60) { printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static float frand(void) { return (float)(rnd() >> 8) / 16777216.0f * 2.0f - 1.0f; }  // [-1, 1)

static const char *isa_name(int isa) {
    switch (isa) {
    case CK_ISA_AUTO: return "auto";
    case CK_ISA_SCALAR: return "portable";
    case CK_ISA_AVX2: return "avx2";
    case CK_ISA_AVX512: return "avx512";
    case CK_ISA_AVX512_NO_VBMI: return "avx512-novbmi";
    case CK_ISA_NEON: return "neon";
    case CK_ISA_NEON_NODOT: return "neon-nodot";
    }
    return "?";
}
static const char *type_name(int t) {
    switch (t) {
    case T_F32: return "f32"; case T_F16: return "f16"; case T_BF16: return "bf16";
    case T_Q4_0: return "q4_0"; case T_Q4_1: return "q4_1"; case T_Q5_0: return "q5_0";
    case T_Q5_1: return "q5_1"; case T_Q8_0: return "q8_0"; case T_Q4_K: return "q4_K";
    case T_Q5_K: return "q5_K"; case T_Q6_K: return "q6_K";
    }
    return "?";
}

static size_t block_bytes(int t) {
    switch (t) {
    case T_Q4_K: return 144; case T_Q5_K: return 176; case T_Q6_K: return 210;
    default: return ck_is_legacy(t) ? (size_t)ck_legacy_block_bytes(t) : 0;
    }
}
static int block_elems(int t) { return ck_is_kquant(t) ? 256 : ck_is_legacy(t) ? 32 : 1; }
static size_t row_bytes(int t, int cols) {
    if (t == T_F32) return 4 * (size_t)cols;
    if (t == T_F16 || t == T_BF16) return 2 * (size_t)cols;
    return (size_t)(cols / block_elems(t)) * block_bytes(t);
}

/// Random weights: random quant bytes, sane f16 scales (d, and m / dmin where the format has them).
static uint8_t *make_weights(int t, int rows, int cols) {
    size_t n = row_bytes(t, cols) * rows;
    uint8_t *w = malloc(n + 64);
    for (size_t i = 0; i < n; i++) w[i] = (uint8_t)rnd();
    if (t == T_F32) {
        for (size_t i = 0; i < n / 4; i++) { float f = frand(); memcpy(w + 4 * i, &f, 4); }
    } else if (t == T_F16) {
        for (size_t i = 0; i < n / 2; i++) { uint16_t h = f32_to_f16(frand()); memcpy(w + 2 * i, &h, 2); }
    } else if (t == T_BF16) {
        for (size_t i = 0; i < n / 2; i++) { float f = frand(); uint32_t b; memcpy(&b, &f, 4); uint16_t h = (uint16_t)(b >> 16); memcpy(w + 2 * i, &h, 2); }
    } else {
        size_t bb = block_bytes(t), nb = n / bb;
        int offs[2], no = 0;
        if (t == T_Q6_K) offs[no++] = 208;
        else {
            offs[no++] = 0;
            if (t == T_Q4_1 || t == T_Q5_1 || t == T_Q4_K || t == T_Q5_K) offs[no++] = 2;
        }
        for (size_t b = 0; b < nb; b++)
            for (int k = 0; k < no; k++) {
                uint16_t h = f32_to_f16(frand() * 0.02f);
                memcpy(w + b * bb + offs[k], &h, 2);
            }
    }
    return w;
}

static int same_bits(float a, float b) { return memcmp(&a, &b, 4) == 0; }

enum { NMAX = 70 };

/// One weight format and shape on every path in isas[]; returns the outputs of the n = 70 run
/// per path in out[p] (for cross-path comparisons).
static void test_matmul(ck_pool *pool2, int t, int rows, int cols, const int *isas, int nisa, float **out) {
    uint8_t *w = make_weights(t, rows, cols);
    float *x = malloc(sizeof(float) * NMAX * cols);
    for (int i = 0; i < NMAX * cols; i++) x[i] = frand() * (float)(1 + (i / 32) % 7);  // varied block magnitudes
    if (NMAX * cols > 40) x[37] = 0;  // an exact zero

    // reference: same activation quantizer, scalar gemm
    size_t arow = ck_act_row_bytes(t, cols);
    size_t sb = ck_matmul_scratch_bytes((uint32_t)t, cols, NMAX);
    void *scratch = NULL;
    if (posix_memalign(&scratch, 64, sb ? sb : 64)) abort();
    uint8_t *aq = NULL;
    if (arow && posix_memalign((void **)&aq, 64, arow * NMAX)) abort();
    for (int c = 0; c < NMAX && arow; c++) ck_quant_act_reference(t, x + (size_t)c * cols, cols, aq + arow * c);
    float *ref = malloc(sizeof(float) * NMAX * rows);
    ck_gemm_args g = {t, w, row_bytes(t, cols), rows, cols, aq, arow, x, NMAX, ref};
    ck_gemm_reference(&g, 0, rows, 0, NMAX);

    float *alone = malloc(sizeof(float) * NMAX * rows), *y = malloc(sizeof(float) * NMAX * rows);
    for (int p = 0; p < nisa; p++) {
        int isa = isas[p];
        // accuracy against the reference
        const int ns[] = {1, 3, 8, NMAX};
        for (int k = 0; k < 4; k++) {
            int n = ns[k];
            for (int i = 0; i < n * rows; i++) y[i] = NAN;
            ck_matmul(NULL, isa, (uint32_t)t, w, rows, cols, x, n, y, scratch);
            double num = 0, den = 0, amax = 0, emax = 0;
            int nan = 0;
            for (int i = 0; i < n * rows; i++) {
                double d = (double)y[i] - ref[i];
                if (y[i] != y[i]) nan++;
                num += d * d;
                den += (double)ref[i] * ref[i];
                if (fabs(ref[i]) > amax) amax = fabs(ref[i]);
                if (fabs(d) > emax) emax = fabs(d);
            }
            double e = den == 0 ? num : num / den;
            checks++;
            if (nan || !(e < 1e-10) || !(emax <= 1e-5 * amax + 1e-30))
                FAIL("%s %s rows=%d cols=%d n=%d: nmse %.3g, max error %.3g of max %.3g, %d NaN",
                     type_name(t), isa_name(isa), rows, cols, n, e, emax, amax, nan);
        }
        // batch invariance: each activation row alone, one thread
        for (int c = 0; c < NMAX; c++) ck_matmul(NULL, isa, (uint32_t)t, w, rows, cols, x + (size_t)c * cols, 1, alone + (size_t)c * rows, scratch);
        for (int th = 1; th <= 2; th++) {
            const int bs[] = {1, 3, 8, NMAX};
            for (int k = 0; k < 4; k++) {
                int n = bs[k], first = n == 1 ? NMAX - 1 : 0;
                for (int i = 0; i < n * rows; i++) y[i] = NAN;
                ck_matmul(th == 2 ? pool2 : NULL, isa, (uint32_t)t, w, rows, cols, x + (size_t)first * cols, n, y, scratch);
                int bad = 0, bi = -1;
                for (int i = 0; i < n * rows; i++)
                    if (!same_bits(y[i], alone[(size_t)first * rows + i])) { if (bi < 0) bi = i; bad++; }
                checks++;
                if (bad)
                    FAIL("%s %s rows=%d cols=%d n=%d threads=%d: %d results differ from the row alone, first row %d col %d: %.9g vs %.9g",
                         type_name(t), isa_name(isa), rows, cols, n, th, bad, first + bi / rows, bi % rows,
                         y[bi], alone[(size_t)first * rows + bi]);
                if (n == NMAX && th == 1 && out) memcpy(out[p], y, sizeof(float) * NMAX * rows);
            }
        }
    }
    free(w); free(x); free(scratch); free(aq); free(ref); free(alone); free(y);
}

// ---------------------------------------------------------------- float ops

static float rel_err(float a, float b) { float d = fabsf(a - b), m = fabsf(b) > 1 ? fabsf(b) : 1; return d / m; }

static void test_floatops(int isa) {
    static float a[1003], b[1003], y1[1003], y2[1003];
    for (int i = 0; i < 1003; i++) { a[i] = frand() * 20.0f; b[i] = frand() * 0.5f; }
    a[5] = -INFINITY;
    a[6] = -1000.0f;
    const int sizes[] = {1, 3, 4, 7, 8, 17, 64, 1003};
    for (int si = 0; si < 8; si++) {
        int n = sizes[si], nn = n < 996 ? n : 996;
        const float *aa = a + 7;  // finite part for dot / axpy / rmsnorm
        const char *nm = isa_name(isa);
        float r1, r2;
        ck_set_isa(CK_ISA_SCALAR); r2 = ck_dot_f32(aa, b, nn);
        ck_set_isa(isa); r1 = ck_dot_f32(aa, b, nn);
        checks++;
        if (rel_err(r1, r2) > 1e-4f) FAIL("dot %s n=%d: %.9g vs %.9g", nm, nn, r1, r2);

        memcpy(y1, b, sizeof(float) * nn); memcpy(y2, b, sizeof(float) * nn);
        ck_set_isa(CK_ISA_SCALAR); ck_axpy_f32(0.3f, aa, y2, nn);
        ck_set_isa(isa); ck_axpy_f32(0.3f, aa, y1, nn);
        checks++;
        for (int i = 0; i < nn; i++) if (rel_err(y1[i], y2[i]) > 1e-6f) { FAIL("axpy %s n=%d at %d: %.9g vs %.9g", nm, nn, i, y1[i], y2[i]); break; }

        ck_set_isa(CK_ISA_SCALAR); ck_rmsnorm_f32(aa, b, nn, 1e-6f, y2);
        ck_set_isa(isa); ck_rmsnorm_f32(aa, b, nn, 1e-6f, y1);
        checks++;
        for (int i = 0; i < nn; i++) if (rel_err(y1[i], y2[i]) > 1e-5f) { FAIL("rmsnorm %s n=%d at %d: %.9g vs %.9g", nm, nn, i, y1[i], y2[i]); break; }
        memcpy(y1, aa, sizeof(float) * nn);  // in place (out aliases x)
        ck_rmsnorm_f32(y1, b, nn, 1e-6f, y1);
        checks++;
        for (int i = 0; i < nn; i++) if (rel_err(y1[i], y2[i]) > 1e-5f) { FAIL("rmsnorm in place %s n=%d at %d", nm, nn, i); break; }

        memcpy(y1, a, sizeof(float) * n); memcpy(y2, a, sizeof(float) * n);
        ck_set_isa(CK_ISA_SCALAR); ck_softmax_f32(y2, n);
        ck_set_isa(isa); ck_softmax_f32(y1, n);
        checks++;
        float sum = 0;
        for (int i = 0; i < n; i++) sum += y1[i];
        if (fabsf(sum - 1.0f) > 1e-4f) FAIL("softmax %s n=%d: sums to %.9g", nm, n, sum);
        for (int i = 0; i < n; i++)
            if (!(fabsf(y1[i] - y2[i]) <= 1e-5f * (y2[i] > 1e-3f ? y2[i] : 1e-3f))) { FAIL("softmax %s n=%d at %d: %.9g vs %.9g", nm, n, i, y1[i], y2[i]); break; }

        memcpy(y1, a, sizeof(float) * n); memcpy(y2, a, sizeof(float) * n);
        if (n > 5) y1[5] = y2[5] = -100.0f;  // keep silu away from -inf * 0
        ck_set_isa(CK_ISA_SCALAR); ck_swiglu_f32(y2, b, n);
        ck_set_isa(isa); ck_swiglu_f32(y1, b, n);
        checks++;
        for (int i = 0; i < n; i++) if (rel_err(y1[i], y2[i]) > 1e-5f) { FAIL("swiglu %s n=%d at %d: %.9g vs %.9g", nm, n, i, y1[i], y2[i]); break; }
    }
    // extremes: softmax / swiglu stay finite
    float big[6] = {88.0f, -88.0f, 0.0f, 50.0f, -INFINITY, 87.0f}, up[6] = {1, 1, 1, 1, 1, 1};
    ck_set_isa(isa);
    ck_softmax_f32(big, 6);
    checks++;
    for (int i = 0; i < 6; i++) if (!(big[i] >= 0 && big[i] <= 1)) { FAIL("softmax %s extremes: %g at %d", isa_name(isa), big[i], i); break; }
    float g[6] = {88.0f, -88.0f, 0.0f, 50.0f, -200.0f, 87.0f};
    ck_swiglu_f32(g, up, 6);
    checks++;
    for (int i = 0; i < 6; i++) if (!(g[i] == g[i]) || isinf(g[i])) { FAIL("swiglu %s extremes: %g at %d", isa_name(isa), g[i], i); break; }
    ck_set_isa(CK_ISA_AUTO);
}

int main(int argc, char **argv) {
    clock_t t0 = clock();
    int isas[8], nisa = 0;
    // environment first (reads CONTINUUM_ISA), so ck_set_isa below does not hide it
    int env = ck_isa_environment_status();
    int choice = ck_active_isa_choice();
    printf("cpu path %s, active %s", isa_name(ck_cpu_isa()), isa_name(choice));
    if (ck_isa_environment()) printf(" (CONTINUUM_ISA=%s)", ck_isa_environment());
    printf("\n");
    const char *expect_env = getenv("EXPECT_ENV_STATUS");  // e.g. -2: CONTINUUM_ISA names a path this CPU lacks
    int want_env = expect_env ? atoi(expect_env) : 0;
    checks++;
    if (env != want_env) FAIL("CONTINUUM_ISA=%s: status %d, expected %d", ck_isa_environment(), env, want_env);
    const char *expect = getenv("EXPECT_ISA");
    if (expect) {
        checks++;
        if (ck_isa_parse(expect) != choice) FAIL("EXPECT_ISA=%s but the active path is %s", expect, isa_name(choice));
    }
#if defined(__aarch64__)
    // detection and refusal: SDOT only where the CPU has it, neon-nodot and portable always
    checks++;
    if (ck_set_isa(CK_ISA_NEON_NODOT) != 0 || ck_set_isa(CK_ISA_SCALAR) != 0) FAIL("neon-nodot / portable refused");
    checks++;
    if ((ck_set_isa(CK_ISA_NEON) == 0) != (ck_neon_has_dotprod() != 0)) FAIL("neon accepted %d, dotprod %d", ck_set_isa(CK_ISA_NEON) == 0, ck_neon_has_dotprod());
    checks++;
    if (ck_set_isa(CK_ISA_AVX2) != -2) FAIL("avx2 not refused on aarch64");
    checks++;
    if (ck_isa_parse("neon") != CK_ISA_NEON || ck_isa_parse("neon-nodot") != CK_ISA_NEON_NODOT) FAIL("ck_isa_parse neon names");
    { int v; checks++; if (ck_resolve_isa(CK_ISA_AVX512, &v) != ck_cpu_isa()) FAIL("an x86 path on aarch64 does not resolve to the CPU's best"); }
#else
    checks++;
    if (ck_set_isa(CK_ISA_NEON) != -2 || ck_set_isa(CK_ISA_NEON_NODOT) != -2) FAIL("neon paths not refused on this CPU");
#endif
    // restore what the environment chose
    ck_set_isa(ck_isa_environment() ? ck_isa_parse(ck_isa_environment()) : CK_ISA_AUTO);
    if (env != 0) ck_set_isa(CK_ISA_AUTO);

    if (argc > 1 && !strcmp(argv[1], "--isa-only")) {  // the detection / choice checks above only
        printf("%d checks, %d failed\n", checks, failures);
        return failures ? 1 : 0;
    }
    if (argc > 1) {
        for (int i = 1; i < argc && nisa < 8; i++) {
            int isa = ck_isa_parse(argv[i]);
            if (isa == -2) { printf("unknown path %s\n", argv[i]); return 2; }
            isas[nisa++] = isa;
        }
    } else {
        const int all[] = {CK_ISA_NEON, CK_ISA_NEON_NODOT, CK_ISA_AVX512, CK_ISA_AVX512_NO_VBMI, CK_ISA_AVX2};
        int keep = ck_active_isa_choice();
        for (int i = 0; i < 5; i++) if (ck_set_isa(all[i]) == 0) isas[nisa++] = all[i];
        ck_set_isa(keep);
        isas[nisa++] = CK_ISA_AUTO;
    }
    printf("paths:");
    for (int i = 0; i < nisa; i++) printf(" %s", isa_name(isas[i]));
    printf("\n");

    ck_pool *pool2 = ck_pool_create(2);
    const int types[] = {T_Q4_0, T_Q4_1, T_Q5_0, T_Q5_1, T_Q8_0, T_Q4_K, T_Q5_K, T_Q6_K, T_F32, T_F16, T_BF16};
    for (int ti = 0; ti < 11; ti++) {
        int t = types[ti];
        int shapes[5][2], ns = 0;
        if (ck_is_legacy(t)) {
            int s[5][2] = {{1, 32}, {5, 160}, {37, 864}, {16, 96}, {9, 4864}};
            memcpy(shapes, s, sizeof s); ns = 5;
        } else if (ck_is_kquant(t)) {
            int s[3][2] = {{1, 256}, {5, 768}, {37, 1536}};
            memcpy(shapes, s, sizeof s); ns = 3;
        } else {
            int s[4][2] = {{1, 7}, {5, 100}, {37, 1003}, {16, 64}};
            memcpy(shapes, s, sizeof s); ns = 4;
        }
        int before = failures;
        for (int si = 0; si < ns; si++) {
            int rows = shapes[si][0], cols = shapes[si][1];
            float *out[8];
            for (int p = 0; p < nisa; p++) out[p] = malloc(sizeof(float) * NMAX * rows);
            test_matmul(pool2, t, rows, cols, isas, nisa, out);
#if defined(__aarch64__)
            // SDOT and plain NEON: the same exact block sums, so the same bits
            int pd = -1, pn = -1;
            for (int p = 0; p < nisa; p++) {
                if (isas[p] == CK_ISA_NEON) pd = p;
                if (isas[p] == CK_ISA_NEON_NODOT) pn = p;
            }
            if (pd >= 0 && pn >= 0) {
                int bad = 0;
                for (int i = 0; i < NMAX * rows; i++) bad += !same_bits(out[pd][i], out[pn][i]);
                checks++;
                if (bad) FAIL("%s rows=%d cols=%d: neon and neon-nodot differ in %d results", type_name(t), rows, cols, bad);
            }
#endif
            for (int p = 0; p < nisa; p++) free(out[p]);
        }
        printf("matmul %-5s %s\n", type_name(t), failures == before ? "ok" : "FAILED");
    }
    for (int p = 0; p < nisa; p++) test_floatops(isas[p] == CK_ISA_AUTO ? ck_active_isa_choice() : isas[p]);
    printf("float ops %s\n", failures ? "(see above)" : "ok");
    ck_pool_destroy(pool2);
    printf("%d checks, %d failed (%.1f s CPU)\n", checks, failures, (double)(clock() - t0) / CLOCKS_PER_SEC);
    return failures ? 1 : 0;
}
