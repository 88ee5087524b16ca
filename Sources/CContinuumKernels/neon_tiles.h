// NEON matmul tiles, included twice by neon.c: CK_NEON_DOT 1 (SDOT, compiled for the
// dot-product extension) and 0 (plain NEON). Not a public header.
#if defined(__aarch64__) && defined(CK_NEON_DOT)

#undef NSFX
#undef DOT16
#if CK_NEON_DOT
#define NSFX(name) name##_dot
/// acc (4 x int32) += 16 int8 products, 4 consecutive ones into each lane.
#if defined(CK_NEON_SDOT_ASM)
#define DOT16(acc, a, b) ck_sdot_asm((acc), (a), (b))
#else
#define DOT16(acc, a, b) vdotq_s32((acc), (a), (b))
#endif
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("dotprod"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")  /* FEAT_DotProd implies Armv8.2 */
#endif
#else
#define NSFX(name) name##_nodot
/// acc (4 x int32) += 16 int8 products: lane pairs (i, i + 8) in int16 (|w·a| <= 128·127, so a
/// pair fits), then pairwise into int32. Other lanes than SDOT, same block totals.
#define DOT16(acc, a, b) vpadalq_s16((acc), vmlal_high_s8(vmull_s8(vget_low_s8(a), vget_low_s8(b)), (a), (b)))
#endif

// ================================================================ legacy pairs
// Two ck_lq pairs (4 blocks, 128 elements) per step: each block's int32 sum reduced exactly
// ([B0 B1 B2 B3] by two pairwise adds), zero point added as an integer, then one float FMA per
// 4 blocks: acc lane k holds blocks 4m + k (m = 0, 1, ...). Block order never depends on n.

/// Block sums of one pair: *s0 block 0 (4 partial lanes), *s1 block 1.
INL void NSFX(pair_ints)(int T, const int8x16_t v[4], const int8_t *q, int32x4_t *s0, int32x4_t *s1) {
    const int32x4_t z = vdupq_n_s32(0);
    int8x16_t q0 = vld1q_s8(q), q1 = vld1q_s8(q + 16), q2 = vld1q_s8(q + 32), q3 = vld1q_s8(q + 48);
    if (T == T_Q8_0) {
        *s0 = DOT16(DOT16(z, v[0], q0), v[1], q1);
        *s1 = DOT16(DOT16(z, v[2], q2), v[3], q3);
    } else {
        *s0 = DOT16(DOT16(z, v[0], q0), v[2], q2);
        *s1 = DOT16(DOT16(z, v[1], q1), v[3], q3);
    }
}

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block; reference: dot_legacy_reference.
INL void NSFX(legacy_tile)(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq,
                           size_t arow, int nb, float *y, size_t ldy) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1, hasCorr = T == T_Q4_0 || T == T_Q5_0;
    const int bb = ck_legacy_block_bytes(T), np = (nb + 1) / 2;
    const int32x4_t zi = vdupq_n_s32(0);
    const float32x2_t zf = vdup_n_f32(0);
    float32x4_t acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = vdupq_n_f32(0);
    for (int p = 0; p < np; p += 2) {
        const int two = p + 1 < np;  // the second pair of the step exists
        CK_UNROLL
        for (int r = 0; r < MR; r++) {
            const uint8_t *k0 = w + (size_t)r * wrow + (size_t)(2 * p) * bb;
            const uint8_t *k1 = 2 * p + 1 < nb ? k0 + bb : k0;  // odd last block: zero activations
            const uint8_t *k2 = two ? k0 + 2 * bb : k0, *k3 = 2 * p + 3 < nb ? k0 + 3 * bb : k2;
            __builtin_prefetch(k0 + (NC == 1 ? 2048 : 768));
            int8x16_t va[4], vb[4];
            unpack_pair(T, k0, k1, va);
            if (two) unpack_pair(T, k2, k3, vb);
            float dws[4] = {ld_f16(k0), ld_f16(k1), two ? ld_f16(k2) : 0.0f, two ? ld_f16(k3) : 0.0f};
            float32x4_t dw = vld1q_f32(dws), mw = vdupq_n_f32(0);
            if (hasMin) {
                float ms[4] = {ld_f16(k0 + 2), ld_f16(k1 + 2), two ? ld_f16(k2 + 2) : 0.0f, two ? ld_f16(k3 + 2) : 0.0f};
                mw = vld1q_f32(ms);
            }
            CK_UNROLL
            for (int c = 0; c < NC; c++) {
                const ck_lq *x = (const ck_lq *)(aq + (size_t)c * arow) + p;
                int32x4_t s0, s1, s2 = zi, s3 = zi;
                NSFX(pair_ints)(T, va, x->q, &s0, &s1);
                if (two) NSFX(pair_ints)(T, vb, x[1].q, &s2, &s3);
                int32x4_t s = vpaddq_s32(vpaddq_s32(s0, s1), vpaddq_s32(s2, s3));  // [B0 B1 B2 B3]
                if (hasCorr) s = vaddq_s32(s, vcombine_s32(vld1_s32(x->corr), two ? vld1_s32(x[1].corr) : vdup_n_s32(0)));
                float32x4_t xd = vcombine_f32(vld1_f32(x->d), two ? vld1_f32(x[1].d) : zf);
                acc[r][c] = vfmaq_f32(acc[r][c], vcvtq_f32_s32(s), vmulq_f32(dw, xd));
                if (hasMin) acc[r][c] = vfmaq_f32(acc[r][c], mw, vcombine_f32(vld1_f32(x->ds), two ? vld1_f32(x[1].ds) : zf));
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = vaddvq_f32(acc[r][c]);
}

// ================================================================ k-quants
// Per 256-block and (row, activation row): exact int32 isum (and imin), then the reference's
// float terms as explicit FMAs, blocks summed in order. Every float add here is an explicit
// fmaf / vfmaq: an implicit one could be contracted differently in each inlined tile shape
// (GCC's default -ffp-contract=fast does), and a row's bits would depend on its tile.

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block; reference: dot_kquant_reference.
INL void NSFX(kquant_tile)(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq,
                           size_t arow, int nsb, float *y, size_t ldy) {
    const int bb = T == T_Q4_K ? 144 : T == T_Q5_K ? 176 : 210;
    const int32x4_t z = vdupq_n_s32(0);
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(0x03), x10 = vdupq_n_u8(0x10);
    float acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = 0;
    for (int b = 0; b < nsb; b++) {
        CK_UNROLL
        for (int r = 0; r < MR; r++) {
            const uint8_t *blk = w + (size_t)r * wrow + (size_t)b * bb;
            __builtin_prefetch(blk + (NC == 1 ? 2048 : 768));
            __builtin_prefetch(blk + (NC == 1 ? 2048 : 768) + 64);
            __builtin_prefetch(blk + (NC == 1 ? 2048 : 768) + 128);
            if (bb > 192) __builtin_prefetch(blk + (NC == 1 ? 2048 : 768) + 192);
            int32x4_t is[4];
            for (int c = 0; c < NC; c++) is[c] = z;
            if (T == T_Q6_K) {
                const uint8_t *ql = blk, *qh = blk + 128;
                const int8_t *sc = (const int8_t *)(blk + 192);
                const int8x16_t m32 = vdupq_n_s8(32);
                for (int h = 0; h < 2; h++) {
                    uint8x16_t L0 = vld1q_u8(ql + 64 * h), L1 = vld1q_u8(ql + 64 * h + 16);
                    uint8x16_t L2 = vld1q_u8(ql + 64 * h + 32), L3 = vld1q_u8(ql + 64 * h + 48);
                    uint8x16_t H0 = vld1q_u8(qh + 32 * h), H1 = vld1q_u8(qh + 32 * h + 16);
                    // u - 32 in [-32, 31]: Σ sc·Σ(u-32)q = Σ sc·(Σuq - 32·bsum), the reference's ints
                    int8x16_t u[8];
                    u[0] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(L0, m4), vshlq_n_u8(vandq_u8(H0, m3), 4))), m32);
                    u[1] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(L1, m4), vshlq_n_u8(vandq_u8(H1, m3), 4))), m32);
                    u[2] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(L2, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(H0, 2), m3), 4))), m32);
                    u[3] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(L3, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(H1, 2), m3), 4))), m32);
                    u[4] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(L0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(H0, 4), m3), 4))), m32);
                    u[5] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(L1, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(H1, 4), m3), 4))), m32);
                    u[6] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(L2, 4), vshlq_n_u8(vshrq_n_u8(H0, 6), 4))), m32);
                    u[7] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(L3, 4), vshlq_n_u8(vshrq_n_u8(H1, 6), 4))), m32);
                    CK_UNROLL
            for (int c = 0; c < NC; c++) {
                        const int8_t *xq = ((const ck_kq *)(aq + (size_t)c * arow) + b)->q + 128 * h;
                        for (int i = 0; i < 8; i++)
                            is[c] = vmlaq_n_s32(is[c], DOT16(z, u[i], vld1q_s8(xq + 16 * i)), sc[8 * h + i]);
                    }
                }
                float d = ld_f16(blk + 208);
                CK_UNROLL
            for (int c = 0; c < NC; c++) {
                    const ck_kq *x = (const ck_kq *)(aq + (size_t)c * arow) + b;
                    float dd = d * x->d;
                    acc[r][c] = fmaf(dd, (float)vaddvq_s32(is[c]), acc[r][c]);
                }
            } else {
                const int five = T == T_Q5_K;
                uint8_t sc[8], m[8];
                ck_scales_k4(blk + 4, sc, m);
                float d = ld_f16(blk), dmin = ld_f16(blk + 2);
                const uint8_t *qh = blk + 16, *qs = blk + (five ? 48 : 16);
                uint8x16_t QH0 = vdupq_n_u8(0), QH1 = QH0;
                if (five) { QH0 = vld1q_u8(qh); QH1 = vld1q_u8(qh + 16); }
                for (int g = 0; g < 4; g++) {
                    uint8x16_t q0 = vld1q_u8(qs + 32 * g), q1 = vld1q_u8(qs + 32 * g + 16);
                    uint8x16_t l0 = vandq_u8(q0, m4), l1 = vandq_u8(q1, m4), h0 = vshrq_n_u8(q0, 4), h1 = vshrq_n_u8(q1, 4);
                    if (five) {
                        uint8x16_t bl = vdupq_n_u8((uint8_t)(1u << (2 * g))), bh = vdupq_n_u8((uint8_t)(2u << (2 * g)));
                        l0 = vorrq_u8(l0, vandq_u8(vtstq_u8(QH0, bl), x10));
                        l1 = vorrq_u8(l1, vandq_u8(vtstq_u8(QH1, bl), x10));
                        h0 = vorrq_u8(h0, vandq_u8(vtstq_u8(QH0, bh), x10));
                        h1 = vorrq_u8(h1, vandq_u8(vtstq_u8(QH1, bh), x10));
                    }
                    int8x16_t L0 = vreinterpretq_s8_u8(l0), L1 = vreinterpretq_s8_u8(l1);
                    int8x16_t H0 = vreinterpretq_s8_u8(h0), H1 = vreinterpretq_s8_u8(h1);
                    CK_UNROLL
            for (int c = 0; c < NC; c++) {
                        const int8_t *xq = ((const ck_kq *)(aq + (size_t)c * arow) + b)->q + 64 * g;
                        int32x4_t dl = DOT16(DOT16(z, L0, vld1q_s8(xq)), L1, vld1q_s8(xq + 16));
                        int32x4_t dh = DOT16(DOT16(z, H0, vld1q_s8(xq + 32)), H1, vld1q_s8(xq + 48));
                        is[c] = vmlaq_n_s32(vmlaq_n_s32(is[c], dl, sc[2 * g]), dh, sc[2 * g + 1]);
                    }
                }
                int16x8_t m16 = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(m)));
                CK_UNROLL
            for (int c = 0; c < NC; c++) {
                    const ck_kq *x = (const ck_kq *)(aq + (size_t)c * arow) + b;
                    int16x8_t bs = vld1q_s16(x->bsum);
                    int imin = vaddvq_s32(vmlal_high_s16(vmull_s16(vget_low_s16(m16), vget_low_s16(bs)), m16, bs));
                    float dd = d * x->d, dm = dmin * x->d;
                    acc[r][c] = fmaf(-dm, (float)imin, fmaf(dd, (float)vaddvq_s32(is[c]), acc[r][c]));
                }
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = acc[r][c];
}

// ================================================================ float weights

/// Tile: W rows (MR, cols) f32/f16/bf16 @ X rows (NC, cols) float -> Y (NC, MR) block.
INL void NSFX(float_tile)(int T, int MR, int NC, const uint8_t *w, size_t wrow, const float *x, int cols, float *y, size_t ldy) {
    float32x4_t acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = vdupq_n_f32(0);
    for (int k = 0; k < cols; k += 4) {
        int n = cols - k >= 4 ? 4 : cols - k;
        float32x4_t xv[4];
        for (int c = 0; c < NC; c++) xv[c] = load_x4(x + (size_t)c * cols + k, n);
        CK_UNROLL
        for (int r = 0; r < MR; r++) {
            float32x4_t wv = load_w4(T, w + (size_t)r * wrow, k, n);
            for (int c = 0; c < NC; c++) acc[r][c] = vfmaq_f32(acc[r][c], wv, xv[c]);
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = vaddvq_f32(acc[r][c]);
}

// ================================================================ driver

#undef NBODY
#undef NFNS
#define NBODY(T, MR, NC)                                                                              \
    do {                                                                                              \
        const uint8_t *w = a->w + (size_t)r * a->wrow;                                                \
        float *y = a->y + (size_t)c * a->rows + r;                                                    \
        if (ck_is_legacy(T)) NSFX(legacy_tile)(T, MR, NC, w, a->wrow, a->aq + (size_t)c * a->arow, a->arow, a->cols / 32, y, a->rows); \
        else if (ck_is_kquant(T)) NSFX(kquant_tile)(T, MR, NC, w, a->wrow, a->aq + (size_t)c * a->arow, a->arow, a->cols / 256, y, a->rows); \
        else NSFX(float_tile)(T, MR, NC, w, a->wrow, a->x + (size_t)c * a->cols, a->cols, y, a->rows); \
    } while (0)
// (quantized types never run the 2 x 4 and 4 x 1 shapes, see the driver; they are built 1 x 4
// and 1 x 1 there only to keep the code small)
#define NFNS(NAME, T)                                                                                 \
    static void NSFX(NAME##_24)(const ck_gemm_args *a, int r, int c) { NBODY(T, ck_is_float(T) ? 2 : 1, 4); } \
    static void NSFX(NAME##_21)(const ck_gemm_args *a, int r, int c) { NBODY(T, 2, 1); }              \
    static void NSFX(NAME##_14)(const ck_gemm_args *a, int r, int c) { NBODY(T, 1, 4); }              \
    static void NSFX(NAME##_11)(const ck_gemm_args *a, int r, int c) { NBODY(T, 1, 1); }              \
    static void NSFX(NAME##_41)(const ck_gemm_args *a, int r, int c) { NBODY(T, ck_is_float(T) ? 4 : 1, 1); }
NFNS(n_q4_0, T_Q4_0)
NFNS(n_q4_1, T_Q4_1)
NFNS(n_q5_0, T_Q5_0)
NFNS(n_q5_1, T_Q5_1)
NFNS(n_q8_0, T_Q8_0)
NFNS(n_q4_K, T_Q4_K)
NFNS(n_q5_K, T_Q5_K)
NFNS(n_q6_K, T_Q6_K)
NFNS(n_f32, T_F32)
NFNS(n_f16, T_F16)
NFNS(n_bf16, T_BF16)

#undef NSET
#define NSET(N) t24 = NSFX(N##_24); t21 = NSFX(N##_21); t14 = NSFX(N##_14); t11 = NSFX(N##_11); t41 = NSFX(N##_41)

/// Y (n, rows)[c0..c1, r0..r1] = X (n, cols) · W (rows, cols)ᵀ; every (row, activation row)
/// computed by the same sequence whatever tile holds it.
static void NSFX(ck_gemm_neon)(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    void (*t24)(const ck_gemm_args *, int, int), (*t21)(const ck_gemm_args *, int, int);
    void (*t14)(const ck_gemm_args *, int, int), (*t11)(const ck_gemm_args *, int, int);
    void (*t41)(const ck_gemm_args *, int, int);
    switch (a->type) {
    case T_Q4_0: NSET(n_q4_0); break;
    case T_Q4_1: NSET(n_q4_1); break;
    case T_Q5_0: NSET(n_q5_0); break;
    case T_Q5_1: NSET(n_q5_1); break;
    case T_Q8_0: NSET(n_q8_0); break;
    case T_Q4_K: NSET(n_q4_K); break;
    case T_Q5_K: NSET(n_q5_K); break;
    case T_Q6_K: NSET(n_q6_K); break;
    case T_F32: NSET(n_f32); break;
    case T_F16: NSET(n_f16); break;
    case T_BF16: NSET(n_bf16); break;
    default: ck_gemm_reference(a, r0, r1, c0, c1); return;
    }
    // Quantized weights: a tile reuses each unpacked weight vector for its NC activation rows,
    // but reloads the activations per weight row, so MR = 1 (no accumulator spills at NC = 4);
    // float weights reuse both (2 x 4). Matvec: 2 (quantized) or 4 (float) weight rows side by side.
    const int quant = !ck_is_float(a->type), mr = quant ? 1 : 2;
    if (c1 - c0 == 1) {
        int r = r0;
        if (quant) for (; r + 2 <= r1; r += 2) t21(a, r, c0);
        else for (; r + 4 <= r1; r += 4) t41(a, r, c0);
        for (; r < r1; r++) t11(a, r, c0);
        return;
    }
    enum { CH = 64 };  // activation rows per pass (their quantized rows stay in L1/L2)
    for (int cc = c0; cc < c1; cc += CH) {
        int ce = cc + CH < c1 ? cc + CH : c1;
        int r = r0;
        for (; mr == 2 && r + 2 <= r1; r += 2) {
            int c = cc;
            for (; c + 4 <= ce; c += 4) t24(a, r, c);
            for (; c < ce; c++) t21(a, r, c);
        }
        for (; r < r1; r++) {
            int c = cc;
            for (; c + 4 <= ce; c += 4) t14(a, r, c);
            for (; c < ce; c++) t11(a, r, c);
        }
    }
}

#if CK_NEON_DOT
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

#endif
