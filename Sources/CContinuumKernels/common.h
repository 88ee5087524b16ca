// Internal to CContinuumKernels: format ids, activation block layouts, small helpers.
#ifndef CK_COMMON_H
#define CK_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum {
    T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8,
    T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14, T_BF16 = 30,
};

static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static inline float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1F, m = h & 0x3FF, bits;
    if (e == 0) {
        float v = (float)m * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    bits = e == 31 ? (sign | 0x7F800000u | (m << 13)) : (sign | ((e + 112) << 23) | (m << 13));
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
/// Float -> binary16 bits, round to nearest even (the bit trick of Maratyszcza's FP16).
static inline uint16_t f32_to_f16(float f) {
    const float to_inf = 0x1.0p+112f, to_zero = 0x1.0p-110f;
    float base = (fabsf(f) * to_inf) * to_zero;
    uint32_t w, bias, bits;
    memcpy(&w, &f, 4);
    uint32_t shl1 = w + w, sign = w & 0x80000000u;
    bias = shl1 & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    uint32_t bb = (bias >> 1) + 0x07800000u;
    float bf;
    memcpy(&bf, &bb, 4);
    base = bf + base;
    memcpy(&bits, &base, 4);
    uint32_t nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
    return (uint16_t)((sign >> 16) | (shl1 > 0xFF000000u ? 0x7E00u : nonsign));
}
static inline float bf16_to_f32(uint16_t h) { uint32_t b = (uint32_t)h << 16; float f; memcpy(&f, &b, 4); return f; }

static inline float f16_round(float f) { return f16_to_f32(f32_to_f16(f)); }

/// Activation scales exactly as llama.cpp's x86 quantizers make them, so products match its:
/// 32-blocks (q8_0 / q8_1): q = round(x * 127/amax), d = f16(amax/127), ds = f16(amax/127 * Σq).
/// 256-blocks (q8_K): q = round(x * 127/amax), d = 1 / (127/amax) in float.
typedef struct { float d, d_raw, id; } ck_act_scale;
static inline ck_act_scale ck_scale32(float amax) {
    ck_act_scale s;
    s.d_raw = amax / 127.0f;
    s.d = f16_round(s.d_raw);
    s.id = amax != 0 ? 127.0f / amax : 0.0f;
    return s;
}
static inline ck_act_scale ck_scale256(float amax) {
    ck_act_scale s;
    s.id = amax != 0 ? 127.0f / amax : 0.0f;
    s.d = s.d_raw = amax != 0 ? 1.0f / s.id : 0.0f;
    return s;
}

// ---------------------------------------------------------------- activation layouts
// Activations X (n, cols) are quantized once per matmul, one layout per weight family.
//
// Legacy 32-blocks (q4_0 q4_1 q5_0 q5_1 q8_0): blocks taken in pairs (64 elements). q holds
// the pair in the order the weight unpacker produces (see ck_lq_pos); an odd last block is
// paired with zeros. Block j (0, 1) of the pair: x ≈ d[j] * q, sum = Σq,
// ds[j] = d[j] * sum, corr[j] = -offset(type) * sum (folds the weight's zero point).
typedef struct { int8_t q[64]; float d[2]; float ds[2]; int32_t corr[2]; int32_t pad[2]; } ck_lq;  // 96 B
// k-quants (q4_K q5_K q6_K): 256 elements, natural order, x ≈ d * q; bsum = sums of 32 (q4_K,
// q5_K: bsum[0..7]) or of 16 (q6_K: bsum[0..15]).
typedef struct { int8_t q[256]; int16_t bsum[16]; float d; int32_t pad[7]; } ck_kq;  // 320 B

static inline int ck_is_legacy(int t) { return t == T_Q4_0 || t == T_Q4_1 || t == T_Q5_0 || t == T_Q5_1 || t == T_Q8_0; }
static inline int ck_is_kquant(int t) { return t == T_Q4_K || t == T_Q5_K || t == T_Q6_K; }
static inline int ck_is_float(int t) { return t == T_F32 || t == T_F16 || t == T_BF16; }

/// Weight zero point folded into corr: q4_0 stores q+8, q5_0 q+16, q8_0 is read as (q ^ 0x80) = q+128.
static inline int ck_legacy_offset(int t) { return t == T_Q4_0 ? 8 : t == T_Q5_0 ? 16 : t == T_Q8_0 ? 128 : 0; }
static inline int ck_legacy_block_bytes(int t) {
    return t == T_Q4_0 ? 18 : t == T_Q4_1 ? 20 : t == T_Q5_0 ? 22 : t == T_Q5_1 ? 24 : 34;
}

/// Position in ck_lq.q of element e (0..31) of block j (0,1) of a pair.
/// Nibble formats: [b0 0..15 | b1 0..15 | b0 16..31 | b1 16..31]; q8_0: [b0 | b1].
static inline int ck_lq_pos(int t, int j, int e) {
    if (t == T_Q8_0) return 32 * j + e;
    return (e & 15) + 16 * j + 32 * (e >> 4);
}

/// Unpacks the 12-byte 6-bit scales/mins of a q4_K/q5_K block into sc[8], m[8].
static inline void ck_scales_k4(const uint8_t *q, uint8_t *sc, uint8_t *m) {
    for (int j = 0; j < 4; j++) {
        sc[j] = q[j] & 63;
        m[j] = q[j + 4] & 63;
        sc[j + 4] = (q[j + 8] & 0xF) | ((q[j] >> 6) << 4);
        m[j + 4] = (q[j + 8] >> 4) | ((q[j + 4] >> 6) << 4);
    }
}

#endif

// ---------------------------------------------------------------- per-ISA entry points
typedef struct {
    int type;
    const uint8_t *w;   // W (rows, cols) blocks
    size_t wrow;        // bytes per weight row
    int rows, cols;
    const uint8_t *aq;  // quantized X (n rows of arow bytes), or NULL for float weights
    size_t arow;
    const float *x;     // X (n, cols) float
    int n;
    float *y;           // Y (n, rows)
} ck_gemm_args;

/// Y[c, r] for r in [r0, r1), c in [c0, c1).
void ck_gemm_reference(const ck_gemm_args *a, int r0, int r1, int c0, int c1);
void ck_gemm_avx512(const ck_gemm_args *a, int r0, int r1, int c0, int c1);
void ck_gemm_avx2(const ck_gemm_args *a, int r0, int r1, int c0, int c1);
/// ARM NEON (neon.c); dot: use the dot-product extension (SDOT), only if ck_neon_has_dotprod().
void ck_gemm_neon(const ck_gemm_args *a, int r0, int r1, int c0, int c1, int dot);
int ck_neon_has_dotprod(void);
/// One activation row x (cols,) -> the layout for weight type `type` at dst.
void ck_quant_act_reference(int type, const float *x, int cols, uint8_t *dst);
void ck_quant_act_avx512(int type, const float *x, int cols, uint8_t *dst);
void ck_quant_act_avx2(int type, const float *x, int cols, uint8_t *dst);
size_t ck_act_row_bytes(int type, int cols);

// ---------------------------------------------------------------- decode layout
// For q4_0 q4_1 q5_0 q5_1 on the VBMI path (every n: the batched tiles sum each element in the
// matvec's order) and the scalar matvec. (q8_0 uses ck_lq pairs for every n: its pair tile
// streams as fast as a 16-block group kernel, is faster on short rows and in batches.)
// Blocks go in groups of 16; each group has 512 bytes of quants then, after all groups' quants,
// a ck_dgroup per group.
// Units of 4 blocks, unit u (128 bytes) = [A: element e < 16 of block 4u+L at 16L+e |
// B: element 16+e at 64+16L+e].
// ck_dgroup: d[16], ds[16] (d*sum), corr[16] (-offset*sum, int32) at the lane the kernel's
// horizontal reduction leaves each block in (ck_decode_lane). Padding is zero.
typedef struct { float d[16]; float ds[16]; int32_t corr[16]; } ck_dgroup;  // 192 B
static inline int ck_decode_groups(int cols) { return (cols / 32 + 15) / 16; }
static inline size_t ck_decode_row_bytes(int cols) {
    return (size_t)ck_decode_groups(cols) * (512 + sizeof(ck_dgroup));
}
static inline int ck_decode_supported(int t) { return t == T_Q4_0 || t == T_Q4_1 || t == T_Q5_0 || t == T_Q5_1; }
/// Lane of block i (0..15) of a group after the reduction.
static inline int ck_decode_lane(int t, int i) { (void)t; return 4 * (i % 4) + i / 4; }
/// Position in the group's 512 quant bytes of element e of block i.
static inline int ck_decode_pos(int t, int i, int e) {
    (void)t;
    return 128 * (i / 4) + (e < 16 ? 16 * (i % 4) + e : 64 + 16 * (i % 4) + e - 16);
}
int ck_has_vbmi(void);
// NEON float ops (neon.c, aarch64 only); floatops.c holds the scalar references.
float ck_neon_dot_f32(const float *a, const float *b, int n);
void ck_neon_axpy_f32(float alpha, const float *x, float *y, int n);
void ck_neon_scale_mul_f32(const float *x, const float *w, float s, float *out, int n);
float ck_neon_max_f32(const float *x, int n);
float ck_neon_exp_sum_f32(float *x, float mx, int n);
void ck_neon_scale_f32(float *x, float sc, int n);
void ck_neon_swiglu_f32(float *g, const float *u, int n);
void ck_quant_act_decode_reference(int type, const float *x, int cols, uint8_t *dst);        // scalar reference
void ck_quant_act_decode_avx512(int type, const float *x, int cols, uint8_t *dst);
void ck_matvec_decode_vbmi(const ck_gemm_args *a, int r0, int r1);
void ck_matvec_decode_reference(const ck_gemm_args *a, int r0, int r1);
/// Y (n, rows)[c0..c1, r0..r1] from X in the decode layout, bitwise equal to ck_matvec_decode_vbmi
/// on each activation row alone.
void ck_gemm_decode_vbmi(const ck_gemm_args *a, int r0, int r1, int c0, int c1);

