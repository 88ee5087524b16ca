// ARM NEON (aarch64) kernels: quantized matmul tiles on the same activation layouts as the x86
// paths (ck_lq pairs, ck_kq blocks), float-weight tiles with FMA, and the float vector ops.
// Two builds of the tiles (neon_tiles.h): with the dot-product extension (vdotq_s32, SDOT: 4
// int8 products summed into each int32 lane) and plain NEON (vmull_s8 + vpadalq_s16) for CPUs
// without it (Cortex-A53/A55 r0, A72, A73). The dot-product one is compiled for that extension
// whatever the build flags and only runs when the CPU reports it (getauxval / sysctl).
//
// Exactness: every block's integer dot product is exact (the weight zero point folded in as an
// integer, as in the scalar reference), so the dot-product and plain builds give the same bits,
// and the float sum of a row depends only on the row and its activation row, never on the tile
// shape, the batch size n or the thread count (batch invariance). Against the scalar reference
// only the float rounding of the block sums differs (legacy formats: 4 lanes, one per block mod 4).
#include "ckernels.h"
#include "common.h"

#if defined(__aarch64__) && (defined(__clang__) || defined(__GNUC__))
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif

int ck_neon_has_dotprod(void) {
#if defined(__linux__)
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
    int v = 0;
    size_t len = sizeof v;
    if (sysctlbyname("hw.optional.arm.FEAT_DotProd", &v, &len, NULL, 0) != 0) return 0;
    return v != 0;
#elif defined(__ARM_FEATURE_DOTPROD)
    return 1;
#else
    return 0;
#endif
}

#define INL static inline __attribute__((always_inline))
/// Fully unrolls a register-tile loop (rows MR, activation rows NC: constants in each tile), so
/// the accumulators stay in registers.
#define CK_UNROLL _Pragma("GCC unroll 4")

INL float ld_f16(const uint8_t *p) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(rd16(p)))), 0);
}

/// 16 bits of h -> 16 bytes, 0x10 where the bit is set (q5 high bits).
INL uint8x16_t bits16_x10(uint32_t h) {
    static const uint8_t sel[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t v = vcombine_u8(vdup_n_u8((uint8_t)h), vdup_n_u8((uint8_t)(h >> 8)));
    return vandq_u8(vtstq_u8(v, vld1q_u8(sel)), vdupq_n_u8(0x10));
}

/// A pair of legacy blocks -> v[4], v[k] multiplied with ck_lq.q[16k .. 16k+15].
/// Nibble formats: [b0 e0..15 | b1 e0..15 | b0 e16..31 | b1 e16..31] unsigned (zero point in
/// corr); q8_0: [b0 | b1] signed (its zero point needs no correction).
INL void unpack_pair(int T, const uint8_t *b0, const uint8_t *b1, int8x16_t v[4]) {
    if (T == T_Q8_0) {
        v[0] = vld1q_s8((const int8_t *)b0 + 2);
        v[1] = vld1q_s8((const int8_t *)b0 + 18);
        v[2] = vld1q_s8((const int8_t *)b1 + 2);
        v[3] = vld1q_s8((const int8_t *)b1 + 18);
        return;
    }
    const int qo = T == T_Q4_0 ? 2 : T == T_Q4_1 ? 4 : T == T_Q5_0 ? 6 : 8;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    uint8x16_t q0 = vld1q_u8(b0 + qo), q1 = vld1q_u8(b1 + qo);
    uint8x16_t l0 = vandq_u8(q0, m4), l1 = vandq_u8(q1, m4), h0 = vshrq_n_u8(q0, 4), h1 = vshrq_n_u8(q1, 4);
    if (T == T_Q5_0 || T == T_Q5_1) {
        uint32_t x0 = rd32(b0 + qo - 4), x1 = rd32(b1 + qo - 4);
        l0 = vorrq_u8(l0, bits16_x10(x0 & 0xFFFF));
        h0 = vorrq_u8(h0, bits16_x10(x0 >> 16));
        l1 = vorrq_u8(l1, bits16_x10(x1 & 0xFFFF));
        h1 = vorrq_u8(h1, bits16_x10(x1 >> 16));
    }
    v[0] = vreinterpretq_s8_u8(l0);
    v[1] = vreinterpretq_s8_u8(l1);
    v[2] = vreinterpretq_s8_u8(h0);
    v[3] = vreinterpretq_s8_u8(h1);
}

/// Float weights: 4 values at element k (n < 4: the rest zero).
INL float32x4_t load_w4(int T, const uint8_t *w, int k, int n) {
    if (n == 4) {
        if (T == T_F32) return vreinterpretq_f32_u8(vld1q_u8(w + 4 * (size_t)k));
        uint16x4_t h = vreinterpret_u16_u8(vld1_u8(w + 2 * (size_t)k));
        if (T == T_F16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
        return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
    }
    float t[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        if (T == T_F32) memcpy(&t[i], w + 4 * (size_t)(k + i), 4);
        else if (T == T_F16) t[i] = f16_to_f32(rd16(w + 2 * (size_t)(k + i)));
        else t[i] = bf16_to_f32(rd16(w + 2 * (size_t)(k + i)));
    }
    return vld1q_f32(t);
}

INL float32x4_t load_x4(const float *x, int n) {
    if (n == 4) return vld1q_f32(x);
    float t[4] = {0, 0, 0, 0};
    memcpy(t, x, (size_t)n * 4);
    return vld1q_f32(t);
}

// vdotq_s32 in a function built for the extension (target attribute) needs GCC >= 10 or a
// clang whose arm_neon.h declares it per function (LLVM 17; Apple clang 16); older clangs
// declare it only when the whole file is built with +dotprod. There SDOT is written in asm.
#if !defined(__ARM_FEATURE_DOTPROD) && defined(__clang__) && \
    ((defined(__apple_build_version__) && __clang_major__ < 16) || (!defined(__apple_build_version__) && __clang_major__ < 17))
#define CK_NEON_SDOT_ASM 1
#endif
#if defined(CK_NEON_SDOT_ASM)
INL int32x4_t ck_sdot_asm(int32x4_t acc, int8x16_t a, int8x16_t b) {
    __asm__(".arch_extension dotprod\n\tsdot %0.4s, %1.16b, %2.16b" : "+w"(acc) : "w"(a), "w"(b));
    return acc;
}
#endif

// The tiles twice: with the dot-product extension, then plain NEON.
#define CK_NEON_DOT 1
#include "neon_tiles.h"
#undef CK_NEON_DOT
#define CK_NEON_DOT 0
#include "neon_tiles.h"
#undef CK_NEON_DOT

/// Y (n, rows)[c0..c1, r0..r1] = X (n, cols) · W (rows, cols)ᵀ; reference: ck_gemm_reference.
/// dot: use SDOT (only when the CPU has it).
void ck_gemm_neon(const ck_gemm_args *a, int r0, int r1, int c0, int c1, int dot) {
    if (dot) ck_gemm_neon_dot(a, r0, r1, c0, c1);
    else ck_gemm_neon_nodot(a, r0, r1, c0, c1);
}

// ================================================================ float vector ops
// Same shapes as the AVX2 ones in floatops.c (the scalar loops there are the reference).

INL float32x4_t mask_tail(float32x4_t v, int n) {  // lanes >= n set to 0 (n in 1..4)
    static const uint32_t idx[4] = {0, 1, 2, 3};
    uint32x4_t m = vcltq_u32(vld1q_u32(idx), vdupq_n_u32((uint32_t)n));
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), m));
}

float ck_neon_dot_f32(const float *a, const float *b, int n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    float r = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) r += a[i] * b[i];
    return r;
}

void ck_neon_axpy_f32(float alpha, const float *x, float *y, int n) {
    float32x4_t av = vdupq_n_f32(alpha);
    int i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), av, vld1q_f32(x + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}

void ck_neon_scale_mul_f32(const float *x, const float *w, float s, float *out, int n) {  // out = x*s*w
    float32x4_t sv = vdupq_n_f32(s);
    int i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(out + i, vmulq_f32(vmulq_f32(vld1q_f32(x + i), sv), vld1q_f32(w + i)));
    for (; i < n; i++) out[i] = x[i] * s * w[i];
}

float ck_neon_max_f32(const float *x, int n) {
    float32x4_t m = vdupq_n_f32(-INFINITY);
    int i = 0;
    for (; i + 4 <= n; i += 4) m = vmaxq_f32(m, vld1q_f32(x + i));
    float r = vmaxvq_f32(m);
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}

/// exp(x): the polynomial of ck_exp512 / exp_256; x < -87.3 (and -inf) give 0.
INL float32x4_t exp_neon(float32x4_t x) {
    uint32x4_t zero = vcltq_f32(x, vdupq_n_f32(-87.3f));
    x = vmaxq_f32(vminq_f32(x, vdupq_n_f32(88.3762626647949f)), vdupq_n_f32(-87.3f));
    float32x4_t t = vmulq_f32(x, vdupq_n_f32(1.44269504088896341f));
    float32x4_t k = vrndnq_f32(t);
    float32x4_t f = vsubq_f32(t, k);
    float32x4_t p = vdupq_n_f32(1.535336188319500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.339887440266574e-3f), p, f);
    p = vfmaq_f32(vdupq_n_f32(9.618437357674640e-3f), p, f);
    p = vfmaq_f32(vdupq_n_f32(5.550332471162809e-2f), p, f);
    p = vfmaq_f32(vdupq_n_f32(2.402264791363012e-1f), p, f);
    p = vfmaq_f32(vdupq_n_f32(6.931472028550421e-1f), p, f);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, f);
    // 2^k as 2^min(k,127) * 2^max(k-127,0) so k = 128 stays finite
    int32x4_t ki = vcvtq_s32_f32(k), b127 = vdupq_n_s32(127);
    float32x4_t t1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vminq_s32(ki, b127), b127), 23));
    float32x4_t t2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vmaxq_s32(vsubq_s32(ki, b127), vdupq_n_s32(0)), b127), 23));
    float32x4_t r = vmulq_f32(vmulq_f32(p, t1), t2);
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(r), zero));
}

float ck_neon_exp_sum_f32(float *x, float mx, int n) {  // x = exp(x - mx), returns Σ
    float32x4_t s = vdupq_n_f32(0), mv = vdupq_n_f32(mx);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t e = exp_neon(vsubq_f32(vld1q_f32(x + i), mv));
        vst1q_f32(x + i, e);
        s = vaddq_f32(s, e);
    }
    if (i < n) {
        float t[4] = {0, 0, 0, 0};
        memcpy(t, x + i, (size_t)(n - i) * 4);
        float32x4_t e = mask_tail(exp_neon(vsubq_f32(vld1q_f32(t), mv)), n - i);
        vst1q_f32(t, e);
        memcpy(x + i, t, (size_t)(n - i) * 4);
        s = vaddq_f32(s, e);
    }
    return vaddvq_f32(s);
}

void ck_neon_scale_f32(float *x, float sc, int n) {
    float32x4_t s = vdupq_n_f32(sc);
    int i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(x + i, vmulq_f32(vld1q_f32(x + i), s));
    for (; i < n; i++) x[i] *= sc;
}

void ck_neon_swiglu_f32(float *g, const float *u, int n) {  // g = silu(g) * u
    float32x4_t one = vdupq_n_f32(1.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t gv = vld1q_f32(g + i);
        float32x4_t silu = vdivq_f32(gv, vaddq_f32(one, exp_neon(vnegq_f32(gv))));
        vst1q_f32(g + i, vmulq_f32(silu, vld1q_f32(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

#else
// Not aarch64: nothing runs these (the dispatch calls sit in __aarch64__ blocks); defined so
// the symbols exist everywhere.
int ck_neon_has_dotprod(void) { return 0; }
void ck_gemm_neon(const ck_gemm_args *a, int r0, int r1, int c0, int c1, int dot) {
    (void)dot;
    ck_gemm_reference(a, r0, r1, c0, c1);
}
#endif
