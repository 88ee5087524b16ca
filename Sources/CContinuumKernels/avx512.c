// AVX-512 (F, BW, VL, DQ, VNNI) kernels. Selected at run time by ck_cpu_isa(); every function in
// this file carries the target attribute, so the file builds without -m flags.
//
// Integer core: weights unpacked to unsigned bytes u, activations signed bytes q, vpdpbusd
// (u8 x s8 -> i32) accumulates 4 products per lane; per-block float scales are applied once per
// block (legacy) or once per 256-block (k-quants, sub-block scales applied in int with vpdpwssd).
#include "common.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c,bmi2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c,bmi2")
#endif

#define INL static inline __attribute__((always_inline))
#define F16(p) _cvtsh_ss(rd16(p))  /* F16C */

// ================================================================ activation quantization

/// 16 floats -> 16 int8 (x * id rounded to nearest even) stored at dst; returns the int32 lanes.
INL __m512i quant16(const float *x, __m512 id, int8_t *dst) {
    __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x), id));
    _mm_storeu_si128((__m128i *)dst, _mm512_cvtsepi32_epi8(q));
    return q;
}

INL float absmax(const float *x, int n) {
    __m512 m = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
    return _mm512_reduce_max_ps(m);
}

void ck_quant_act_avx512(int type, const float *x, int cols, uint8_t *dst) {
    if (ck_is_legacy(type)) {
        int nb = cols / 32, off = ck_legacy_offset(type), nat = type == T_Q8_0;
        ck_lq *out = (ck_lq *)dst;
        for (int p = 0; p < (nb + 1) / 2; p++) {
            ck_lq *o = &out[p];
            if (2 * p + 1 >= nb) memset(o, 0, sizeof(*o));
            for (int j = 0; j < 2 && 2 * p + j < nb; j++) {
                const float *v = x + 32 * (2 * p + j);
                ck_act_scale sc = ck_scale32(absmax(v, 32));
                __m512 id = _mm512_set1_ps(sc.id);
                __m512i s0 = quant16(v, id, o->q + (nat ? 32 * j : 16 * j));
                __m512i s1 = quant16(v + 16, id, o->q + (nat ? 32 * j + 16 : 16 * j + 32));
                int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
                o->d[j] = sc.d;
                o->ds[j] = f16_round(sc.d_raw * (float)sum);
                o->corr[j] = -off * sum;
            }
        }
    } else if (ck_is_kquant(type)) {
        ck_kq *out = (ck_kq *)dst;
        int q6 = type == T_Q6_K;
        for (int b = 0; b < cols / 256; b++) {
            ck_kq *o = &out[b];
            const float *v = x + 256 * b;
            ck_act_scale sc = ck_scale256(absmax(v, 256));
            __m512 id = _mm512_set1_ps(sc.id);
            o->d = sc.d;
            for (int s = 0; s < 16; s++) {
                int sum = _mm512_reduce_add_epi32(quant16(v + 16 * s, id, o->q + 16 * s));
                if (q6) o->bsum[s] = (int16_t)sum;
                else if (s & 1) o->bsum[s / 2] = (int16_t)(o->bsum[s / 2] + sum);
                else o->bsum[s / 2] = (int16_t)sum;
            }
            if (!q6) memset(o->bsum + 8, 0, 16);
        }
    }
}

// ================================================================ legacy formats (32-blocks)
// One pair of blocks (64 weights) per zmm. Lane l (int32, 4 bytes) belongs to block blk(l):
// nibble formats [b0 lo | b1 lo | b0 hi | b1 hi] -> blk = (l >> 2) & 1; q8_0 [b0 | b1] -> l >> 3.

INL __m512i lane_block_idx(int T, int add, int mul) {
    return T == T_Q8_0 ? _mm512_setr_epi32(add, add, add, add, add, add, add, add,
                                           add + mul, add + mul, add + mul, add + mul, add + mul, add + mul, add + mul, add + mul)
                       : _mm512_setr_epi32(add, add, add, add, add + mul, add + mul, add + mul, add + mul,
                                           add, add, add, add, add + mul, add + mul, add + mul, add + mul);
}
/// Lanes that carry a block's sum correction (the first lane of each block).
INL __mmask16 first_lanes(int T) { return T == T_Q8_0 ? 0x0101 : 0x0011; }

/// Unpacks blocks b0, b1 (b1 may equal b0 for an odd tail; its activation half is zero) into
/// u (64 unsigned bytes in pair order) and per-lane scale dw, min mw (zero without a min).
INL void unpack_pair(int T, const uint8_t *b0, const uint8_t *b1, __m512i *u, __m512 *dw, __m512 *mw) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1;
    // halves [d0, m0, d1, m1] -> floats
    uint64_t h = (uint64_t)rd16(b0) | ((uint64_t)rd16(b1) << 32);
    if (hasMin) h |= ((uint64_t)rd16(b0 + 2) << 16) | ((uint64_t)rd16(b1 + 2) << 48);
    __m512 dm = _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi64_si128((long long)h)));
    *dw = _mm512_permutexvar_ps(lane_block_idx(T, 0, 2), dm);
    *mw = hasMin ? _mm512_permutexvar_ps(lane_block_idx(T, 1, 2), dm) : _mm512_setzero_ps();
    if (T == T_Q8_0) {
        __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b0 + 2))),
                                       _mm256_loadu_si256((const __m256i *)(b1 + 2)), 1);
        *u = _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
        return;
    }
    const int qo = T == T_Q4_0 ? 2 : T == T_Q4_1 ? 4 : T == T_Q5_0 ? 6 : 8;
    __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(b0 + qo))),
                                        _mm_loadu_si128((const __m128i *)(b1 + qo)), 1);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
    __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    if (T == T_Q5_0 || T == T_Q5_1) {
        uint32_t h0 = rd32(b0 + qo - 4), h1 = rd32(b1 + qo - 4);
        uint64_t k = (uint64_t)(h0 & 0xFFFF) | ((uint64_t)(h1 & 0xFFFF) << 16) |
                     ((uint64_t)(h0 >> 16) << 32) | ((uint64_t)(h1 >> 16) << 48);
        v = _mm512_mask_add_epi8(v, _cvtu64_mask64(k), v, _mm512_set1_epi8(16));
    }
    *u = v;
}

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block, Y[c, r] at y[c*ldy + r];
/// reference: dot_legacy_reference (matmul.c).
INL void legacy_tile(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq,
                     size_t arow, int nb, float *y, size_t ldy) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1;
    const int bb = ck_legacy_block_bytes(T);
    const __m512i idxD = lane_block_idx(T, 0, 1), idxS = lane_block_idx(T, 2, 1);
    const __mmask16 kf = first_lanes(T);
    __m512 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = _mm512_setzero_ps();
    for (int p = 0; p < (nb + 1) / 2; p++) {
        const int two = 2 * p + 1 < nb;
        __m512 dv[4], sv[4];
        __m512i ci[4];
        for (int c = 0; c < NC; c++) {
            const ck_lq *x = (const ck_lq *)(aq + (size_t)c * arow) + p;
            __m512 ds = _mm512_castps128_ps512(_mm_loadu_ps(x->d));  // d0 d1 ds0 ds1
            dv[c] = _mm512_permutexvar_ps(idxD, ds);
            if (hasMin) sv[c] = _mm512_maskz_permutexvar_ps(kf, idxS, ds);
            else ci[c] = _mm512_maskz_permutexvar_epi32(kf, idxD, _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)x->corr)));
        }
        for (int r = 0; r < MR; r++) {
            const uint8_t *b0 = w + (size_t)r * wrow + (size_t)(2 * p) * bb;
            _mm_prefetch((const char *)b0 + (NC == 1 ? 3072 : 512), _MM_HINT_T0);
            __m512i u;
            __m512 dw, mw;
            unpack_pair(T, b0, two ? b0 + bb : b0, &u, &dw, &mw);
            for (int c = 0; c < NC; c++) {
                const ck_lq *x = (const ck_lq *)(aq + (size_t)c * arow) + p;
                __m512i q = _mm512_loadu_si512(x->q);
                __m512i i = _mm512_dpbusd_epi32(hasMin ? _mm512_setzero_si512() : ci[c], u, q);
                acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(dw, dv[c]), acc[r][c]);
                if (hasMin) acc[r][c] = _mm512_fmadd_ps(mw, sv[c], acc[r][c]);
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = _mm512_reduce_add_ps(acc[r][c]);
}

// ================================================================ k-quants (256-blocks)

INL __m512i sub_idx(int first, int n) {  // lanes: `first` repeated 16/n times, then first+1, ...
    int v[16];
    for (int l = 0; l < 16; l++) v[l] = first + l / (16 / n);
    return _mm512_loadu_si512(v);
}

/// Unpacks one k-quant block into 4 zmm of unsigned values (elements 64g..64g+63, natural order),
/// 4 int32 scale vectors (high 16 bits zero, for vpdpwssd), and the float factors.
typedef struct { __m512i u[4], sc[4]; __m256i m16; float d, dmin; } kunpacked;

INL void unpack_k(int T, const uint8_t *blk, kunpacked *k) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    if (T == T_Q6_K) {
        const uint8_t *ql = blk, *qh = blk + 128;
        const __m512i m30 = _mm512_set1_epi8(0x30);
        const __m512i shA = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
        const __m512i shB = _mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1);
        for (int h = 0; h < 2; h++) {
            __m512i Q = _mm512_loadu_si512(ql + 64 * h);
            __m512i H = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qh + 32 * h)));
            k->u[2 * h] = _mm512_or_si512(_mm512_and_si512(Q, m4), _mm512_and_si512(_mm512_sllv_epi16(H, shA), m30));
            k->u[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(Q, 4), m4),
                                              _mm512_and_si512(_mm512_srlv_epi16(H, shB), m30));
        }
        __m128i s8 = _mm_loadu_si128((const __m128i *)(blk + 192));
        __m512i s32 = _mm512_and_si512(_mm512_cvtepi8_epi32(s8), _mm512_set1_epi32(0xFFFF));
        for (int j = 0; j < 4; j++) k->sc[j] = _mm512_permutexvar_epi32(sub_idx(4 * j, 4), s32);
        k->m16 = _mm256_cvtepi8_epi16(s8);  // q6_K: the scales, for the -32 offset correction
        k->d = F16(blk + 208);
        k->dmin = 0;
        return;
    }
    const int five = T == T_Q5_K;
    // 12 packed bytes -> [sc0..sc7 | m0..m7] (see ck_scales_k4); the 16-byte load stays in the block
    const __m128i raw = _mm_loadu_si128((const __m128i *)(blk + 4));
    const __m128i lo6 = _mm_and_si128(raw, _mm_set1_epi8(63));
    const __m128i top2 = _mm_and_si128(_mm_srli_epi16(raw, 2), _mm_set1_epi8(0x30));  // (q >> 6) << 4
    const __m128i nlo = _mm_and_si128(raw, _mm_set1_epi8(0x0F));
    const __m128i nhi = _mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0F));
    const char Z = (char)0x80;
    __m128i scm = _mm_or_si128(
        _mm_or_si128(_mm_shuffle_epi8(lo6, _mm_setr_epi8(0, 1, 2, 3, Z, Z, Z, Z, 4, 5, 6, 7, Z, Z, Z, Z)),
                     _mm_shuffle_epi8(nlo, _mm_setr_epi8(Z, Z, Z, Z, 8, 9, 10, 11, Z, Z, Z, Z, Z, Z, Z, Z))),
        _mm_or_si128(_mm_shuffle_epi8(top2, _mm_setr_epi8(Z, Z, Z, Z, 0, 1, 2, 3, Z, Z, Z, Z, 4, 5, 6, 7)),
                     _mm_shuffle_epi8(nhi, _mm_setr_epi8(Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, 8, 9, 10, 11))));
    k->d = F16(blk);
    k->dmin = F16(blk + 2);
    const uint8_t *qh = blk + 16, *qs = blk + (five ? 48 : 16);
    const __m512i sh = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
    __m512i QH = five ? _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)qh)) : _mm512_setzero_si512();
    for (int g = 0; g < 4; g++) {
        __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * g)));
        v = _mm512_and_si512(_mm512_srlv_epi16(v, sh), m4);
        if (five) {
            __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8((char)(1 << (2 * g))), _mm256_set1_epi8((char)(1 << (2 * g + 1))), 1);
            v = _mm512_mask_add_epi8(v, _mm512_test_epi8_mask(QH, bit), v, _mm512_set1_epi8(16));
        }
        k->u[g] = v;
    }
    __m512i s32 = _mm512_cvtepu8_epi32(scm);
    for (int g = 0; g < 4; g++) k->sc[g] = _mm512_permutexvar_epi32(sub_idx(2 * g, 2), s32);
    k->m16 = _mm256_castsi128_si256(_mm_cvtepu8_epi16(_mm_srli_si128(scm, 8)));
}

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block; reference: dot_kquant_reference.
INL void kquant_tile(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq,
                     size_t arow, int nsb, float *y, size_t ldy) {
    const int bb = T == T_Q4_K ? 144 : T == T_Q5_K ? 176 : 210;
    __m512 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = _mm512_setzero_ps();
    for (int b = 0; b < nsb; b++) {
        for (int r = 0; r < MR; r++) {
            kunpacked k;
            const uint8_t *blk = w + (size_t)r * wrow + (size_t)b * bb;
            // ~3 KB ahead: far enough for DRAM latency when streaming one row at a time
            const char *pf = (const char *)blk + (NC == 1 ? 3072 : 4 * bb);
            _mm_prefetch(pf, _MM_HINT_T0);
            _mm_prefetch(pf + 64, _MM_HINT_T0);
            _mm_prefetch(pf + 128, _MM_HINT_T0);
            if (bb > 192) _mm_prefetch(pf + 192, _MM_HINT_T0);
            unpack_k(T, blk, &k);
            for (int c = 0; c < NC; c++) {
                const ck_kq *x = (const ck_kq *)(aq + (size_t)c * arow) + b;
                __m512i s = _mm512_setzero_si512();
                for (int g = 0; g < 4; g++) {
                    __m512i t = _mm512_dpbusd_epi32(_mm512_setzero_si512(), k.u[g], _mm512_loadu_si512(x->q + 64 * g));
                    s = _mm512_dpwssd_epi32(s, t, k.sc[g]);
                }
                if (T == T_Q6_K) {
                    __m256i corr = _mm256_madd_epi16(k.m16, _mm256_loadu_si256((const __m256i *)x->bsum));
                    s = _mm512_sub_epi32(s, _mm512_zextsi256_si512(_mm256_slli_epi32(corr, 5)));
                    acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(k.d * x->d), acc[r][c]);
                } else {
                    __m128i mi = _mm_madd_epi16(_mm256_castsi256_si128(k.m16), _mm_loadu_si128((const __m128i *)x->bsum));
                    acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(k.d * x->d), acc[r][c]);
                    acc[r][c] = _mm512_fmadd_ps(_mm512_zextps128_ps512(_mm_cvtepi32_ps(mi)), _mm512_set1_ps(-k.dmin * x->d), acc[r][c]);
                }
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = _mm512_reduce_add_ps(acc[r][c]);
}

// ================================================================ float weights (f32, f16, bf16)

INL __m512 load_w16(int T, const uint8_t *w, int k, __mmask16 m) {
    if (T == T_F32) return _mm512_maskz_loadu_ps(m, (const float *)w + k);
    __m256i h = _mm256_maskz_loadu_epi16(m, (const uint16_t *)w + k);
    if (T == T_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/// Tile: W rows (MR, cols) f32/f16/bf16 @ X rows (NC, cols) float -> Y (NC, MR) block.
/// Every element, in any tile shape (so a row's result does not depend on the batch), is summed
/// as the matvec's 4 fma chains: chain j takes the 16-column steps j, j+4, ... of the 64-column
/// part, chain 0 then the tail; y = reduce_add((a0 + a1) + (a2 + a3)). The matvec (1 x 1) runs
/// the 4 chains interleaved; larger tiles run them one pass each over blocks of 512 columns.
INL void float_tile(int T, int MR, int NC, const uint8_t *w, size_t wrow, const float *x, int cols,
                    float *y, size_t ldy) {
    const int main = cols & ~63, es = T == T_F32 ? 4 : 2;
    if (MR == 1 && NC == 1) {  // matvec row: 4 independent chains, prefetch ahead of the stream
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int k = 0;
        for (; k < main; k += 64) {
            _mm_prefetch((const char *)w + (size_t)k * es + 3072, _MM_HINT_T0);
            _mm_prefetch((const char *)w + (size_t)k * es + 3072 + 64, _MM_HINT_T0);
            if (es == 4) {
                _mm_prefetch((const char *)w + (size_t)k * es + 3072 + 128, _MM_HINT_T0);
                _mm_prefetch((const char *)w + (size_t)k * es + 3072 + 192, _MM_HINT_T0);
            }
            a0 = _mm512_fmadd_ps(load_w16(T, w, k, 0xFFFF), _mm512_loadu_ps(x + k), a0);
            a1 = _mm512_fmadd_ps(load_w16(T, w, k + 16, 0xFFFF), _mm512_loadu_ps(x + k + 16), a1);
            a2 = _mm512_fmadd_ps(load_w16(T, w, k + 32, 0xFFFF), _mm512_loadu_ps(x + k + 32), a2);
            a3 = _mm512_fmadd_ps(load_w16(T, w, k + 48, 0xFFFF), _mm512_loadu_ps(x + k + 48), a3);
        }
        for (; k < cols; k += 16) {
            __mmask16 m = cols - k >= 16 ? 0xFFFF : (__mmask16)((1u << (cols - k)) - 1);
            a0 = _mm512_fmadd_ps(load_w16(T, w, k, m), _mm512_maskz_loadu_ps(m, x + k), a0);
        }
        y[0] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
        return;
    }
    // chain j of element (r, c) in part[j][r][c], one pass per chain over each block of KB columns
    enum { KB = 512 };
    __m512 part[4][4][4], acc[4][4];
    for (int j = 0; j < 4; j++)
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NC; c++) part[j][r][c] = _mm512_setzero_ps();
    for (int k0 = 0; k0 < main; k0 += KB) {
        const int k1 = k0 + KB < main ? k0 + KB : main;
        for (int j = 0; j < 4; j++) {
            for (int r = 0; r < MR; r++)
                for (int c = 0; c < NC; c++) acc[r][c] = part[j][r][c];
            for (int k = k0 + 16 * j; k < k1; k += 64) {
                for (int r = 0; r < MR; r++) {
                    __m512 wv = load_w16(T, w + (size_t)r * wrow, k, 0xFFFF);
                    for (int c = 0; c < NC; c++) acc[r][c] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + (size_t)c * cols + k), acc[r][c]);
                }
            }
            for (int r = 0; r < MR; r++)
                for (int c = 0; c < NC; c++) part[j][r][c] = acc[r][c];
        }
    }
    for (int k = main; k < cols; k += 16) {  // tail: chain 0
        __mmask16 m = cols - k >= 16 ? 0xFFFF : (__mmask16)((1u << (cols - k)) - 1);
        for (int r = 0; r < MR; r++) {
            __m512 wv = load_w16(T, w + (size_t)r * wrow, k, m);
            for (int c = 0; c < NC; c++)
                part[0][r][c] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x + (size_t)c * cols + k), part[0][r][c]);
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++)
            y[(size_t)c * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(part[0][r][c], part[1][r][c]),
                                                                        _mm512_add_ps(part[2][r][c], part[3][r][c])));
}

// ================================================================ tiling driver

enum { CHUNK = 64 };  // activation rows per pass: keeps their quantized blocks in L1/L2

#define TILE_FNS(NAME, T)                                                                              \
    static void NAME##_44(const ck_gemm_args *a, int r, int c) { TILE_BODY(T, 4, 4); }                 \
    static void NAME##_41(const ck_gemm_args *a, int r, int c) { TILE_BODY(T, 4, 1); }                 \
    static void NAME##_14(const ck_gemm_args *a, int r, int c) { TILE_BODY(T, 1, 4); }                 \
    static void NAME##_11(const ck_gemm_args *a, int r, int c) { TILE_BODY(T, 1, 1); }

#define TILE_BODY(T, MR, NC)                                                                          \
    do {                                                                                              \
        const uint8_t *w = a->w + (size_t)r * a->wrow;                                                \
        float *y = a->y + (size_t)c * a->rows + r;                                                    \
        if (ck_is_legacy(T)) legacy_tile(T, MR, NC, w, a->wrow, a->aq + (size_t)c * a->arow, a->arow, a->cols / 32, y, a->rows); \
        else if (ck_is_kquant(T)) kquant_tile(T, MR, NC, w, a->wrow, a->aq + (size_t)c * a->arow, a->arow, a->cols / 256, y, a->rows); \
        else float_tile(T, MR, NC, w, a->wrow, a->x + (size_t)c * a->cols, a->cols, y, a->rows);    \
    } while (0)

TILE_FNS(q4_0, T_Q4_0)
TILE_FNS(q4_1, T_Q4_1)
TILE_FNS(q5_0, T_Q5_0)
TILE_FNS(q5_1, T_Q5_1)
TILE_FNS(q8_0, T_Q8_0)
TILE_FNS(q4_K, T_Q4_K)
TILE_FNS(q5_K, T_Q5_K)
TILE_FNS(q6_K, T_Q6_K)
TILE_FNS(f32, T_F32)
TILE_FNS(f16, T_F16)
TILE_FNS(bf16, T_BF16)

typedef void (*tile_fn)(const ck_gemm_args *, int, int);
typedef struct { tile_fn t44, t41, t14, t11; } tile_set;

#define SET(NAME) (tile_set){ NAME##_44, NAME##_41, NAME##_14, NAME##_11 }

/// Y (n, rows)[c0..c1, r0..r1] = X (n, cols) · W (rows, cols)ᵀ; reference: ck_gemm_reference.
void ck_gemm_avx512(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    tile_set s;
    switch (a->type) {
    case T_Q4_0: s = SET(q4_0); break;
    case T_Q4_1: s = SET(q4_1); break;
    case T_Q5_0: s = SET(q5_0); break;
    case T_Q5_1: s = SET(q5_1); break;
    case T_Q8_0: s = SET(q8_0); break;
    case T_Q4_K: s = SET(q4_K); break;
    case T_Q5_K: s = SET(q5_K); break;
    case T_Q6_K: s = SET(q6_K); break;
    case T_F32: s = SET(f32); break;
    case T_F16: s = SET(f16); break;
    case T_BF16: s = SET(bf16); break;
    default: return;
    }
    if (c1 - c0 == 1) {  // matvec: one row at a time streams memory sequentially
        for (int r = r0; r < r1; r++) s.t11(a, r, c0);
        return;
    }
    for (int cc = c0; cc < c1; cc += CHUNK) {
        int ce = cc + CHUNK < c1 ? cc + CHUNK : c1;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            int c = cc;
            for (; c + 4 <= ce; c += 4) s.t44(a, r, c);
            for (; c < ce; c++) s.t41(a, r, c);
        }
        for (; r < r1; r++) {
            int c = cc;
            for (; c + 4 <= ce; c += 4) s.t14(a, r, c);
            for (; c < ce; c++) s.t11(a, r, c);
        }
    }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // not x86-64: never selected by ck_cpu_isa()

void ck_gemm_avx512(const ck_gemm_args *a, int r0, int r1, int c0, int c1) { ck_gemm_reference(a, r0, r1, c0, c1); }
void ck_quant_act_avx512(int type, const float *x, int cols, uint8_t *dst) { ck_quant_act_reference(type, x, cols, dst); }

#endif
