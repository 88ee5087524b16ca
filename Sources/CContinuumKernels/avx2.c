// AVX2 (+FMA, F16C) kernels for CPUs without AVX-512: same activation layouts as the AVX-512
// tiles (ck_lq pairs, ck_kq blocks), products with vpmaddubsw (u8 x s8 -> i16 pairs, which
// cannot overflow for 4-, 5- and 6-bit weights; q8_0 uses |w| x sign(a, w)).
#include "ckernels.h"
#include "common.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif
#define INL static inline __attribute__((always_inline))
#define F16(p) _cvtsh_ss(rd16(p))  /* F16C */

INL float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// 32-bit mask -> 32 bytes, 0xFF where the bit is set.
INL __m256i bits_to_bytes(uint32_t m) {
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)m), shuf);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);
}

// ================================================================ activation quantization
// Bit-identical to ck_quant_act_reference: the same amax (max is exact in any order; max_ps(v, m)
// keeps m when v is NaN, as fmaxf does), the same scales (ck_scale32 / ck_scale256), q = x * id
// rounded to nearest even (cvtps_epi32 under the default MXCSR, as nearbyintf), and integer sums.

INL float absmax8(const float *x, int n) {  // n: multiple of 8
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), m);
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

INL int hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// x (32,) * id -> 32 int8 in natural order; s16[0], s16[1] = sums of elements 0..15, 16..31.
INL __m256i quant32(const float *x, __m256 id, int *s16) {
    __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
    __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), id));
    __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), id));
    __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), id));
    s16[0] = hsum_i32(_mm256_add_epi32(q0, q1));
    s16[1] = hsum_i32(_mm256_add_epi32(q2, q3));
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/// AVX2 activation quantizer; reference: ck_quant_act_reference (bit-identical output).
void ck_quant_act_avx2(int type, const float *x, int cols, uint8_t *dst) {
    if (ck_is_legacy(type)) {
        int nb = cols / 32, off = ck_legacy_offset(type), nat = type == T_Q8_0;
        ck_lq *out = (ck_lq *)dst;
        for (int p = 0; p < (nb + 1) / 2; p++) {
            ck_lq *o = &out[p];
            if (2 * p + 1 >= nb) memset(o, 0, sizeof(*o));
            o->pad[0] = o->pad[1] = 0;
            for (int j = 0; j < 2 && 2 * p + j < nb; j++) {
                const float *v = x + 32 * (2 * p + j);
                ck_act_scale sc = ck_scale32(absmax8(v, 32));
                int s16[2];
                __m256i q = quant32(v, _mm256_set1_ps(sc.id), s16);
                if (nat) _mm256_storeu_si256((__m256i *)(o->q + 32 * j), q);
                else {
                    _mm_storeu_si128((__m128i *)(o->q + 16 * j), _mm256_castsi256_si128(q));
                    _mm_storeu_si128((__m128i *)(o->q + 32 + 16 * j), _mm256_extracti128_si256(q, 1));
                }
                int sum = s16[0] + s16[1];
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
            ck_act_scale sc = ck_scale256(absmax8(v, 256));
            __m256 id = _mm256_set1_ps(sc.id);
            memset(o->bsum, 0, sizeof(o->bsum));
            memset(o->pad, 0, sizeof(o->pad));
            o->d = sc.d;
            for (int g = 0; g < 8; g++) {
                int s16[2];
                _mm256_storeu_si256((__m256i *)(o->q + 32 * g), quant32(v + 32 * g, id, s16));
                if (q6) { o->bsum[2 * g] = (int16_t)s16[0]; o->bsum[2 * g + 1] = (int16_t)s16[1]; }
                else o->bsum[g] = (int16_t)(s16[0] + s16[1]);
            }
        }
    }
}

/// Compares ck_quant_act_avx2 with ck_quant_act_reference byte for byte (if the CPU has AVX2):
/// every activation type, odd block counts, zero blocks, exact halves (ties); returns mismatches.
int ck_quant_act_selftest_avx2(void) {
    if (ck_cpu_isa() < CK_ISA_AVX2) return 0;
    enum { MAXC = 1536 };
    static const int types[] = {T_Q4_0, T_Q4_1, T_Q5_0, T_Q5_1, T_Q8_0, T_Q4_K, T_Q5_K, T_Q6_K};
    static const int colss[] = {32, 96, 256, 768, 1536};
    float x[MAXC];
    _Alignas(64) uint8_t a[MAXC / 64 * 96 + 512], b[MAXC / 64 * 96 + 512];
    uint32_t st = 777;
    int bad = 0;
    for (int trial = 0; trial < 4; trial++) {
        for (int i = 0; i < MAXC; i++) {
            st = st * 1664525u + 1013904223u;
            float v = ((float)(st >> 8) / 16777216.0f - 0.5f) * (trial == 3 ? 1e-3f : 8.0f);
            if (trial == 1) v = (float)((int)(st >> 24) - 128) * 0.5f;      // halves: rounding ties
            if (trial == 2 && (i / 32) % 3 == 1) v = 0;                    // all-zero blocks
            x[i] = v;
        }
        for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++)
            for (size_t ci = 0; ci < sizeof(colss) / sizeof(colss[0]); ci++) {
                int t = types[ti], cols = colss[ci];
                if (ck_is_kquant(t) && cols % 256) continue;
                size_t nbytes = ck_is_legacy(t) ? (size_t)((cols / 32 + 1) / 2) * sizeof(ck_lq) : (size_t)(cols / 256) * sizeof(ck_kq);
                memset(a, 0xAB, sizeof(a));
                memset(b, 0xCD, sizeof(b));
                ck_quant_act_reference(t, x, cols, a);
                ck_quant_act_avx2(t, x, cols, b);
                if (memcmp(a, b, nbytes)) bad++;
            }
    }
    return bad;
}

// ================================================================ legacy pairs
// Nibble formats: ua = [b0 e0..15 | b1 e0..15], ub = [b0 e16..31 | b1 e16..31] (the ck_lq order);
// after the products int lanes 0-3 are block 0, lanes 4-7 block 1. q8_0: ua = b0, ub = b1, signed.

INL void unpack_pair2(int T, const uint8_t *b0, const uint8_t *b1, __m256i *ua, __m256i *ub, __m256 *dw, __m256 *mw) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1;
    float d0 = F16(b0), d1 = F16(b1);
    if (T == T_Q8_0) {
        *dw = _mm256_set_m128(_mm_set1_ps(d1), _mm_set1_ps(d0));
        *ua = _mm256_loadu_si256((const __m256i *)(b0 + 2));
        *ub = _mm256_loadu_si256((const __m256i *)(b1 + 2));
        *mw = _mm256_setzero_ps();
        return;
    }
    if (hasMin) {
        // [d0 m0 d1 m1] in one conversion; mw = [m0 m1 ...] (lanes 0 and 1 meet ds0, ds1 of the
        // activation's min vector, whose other lanes are zero)
        __m256 dm = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_set_epi32(0, 0, (int)rd32(b1), (int)rd32(b0))));
        *dw = _mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2));
        *mw = _mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(1, 3, 1, 3, 1, 3, 1, 3));
    } else {
        *dw = _mm256_set_m128(_mm_set1_ps(d1), _mm_set1_ps(d0));
        *mw = _mm256_setzero_ps();
    }
    const int qo = T == T_Q4_0 ? 2 : T == T_Q4_1 ? 4 : T == T_Q5_0 ? 6 : 8;
    __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(b0 + qo))),
                                        _mm_loadu_si128((const __m128i *)(b1 + qo)), 1);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
    if (T == T_Q5_0 || T == T_Q5_1) {
        uint32_t h0 = rd32(b0 + qo - 4), h1 = rd32(b1 + qo - 4);
        const __m256i c16 = _mm256_set1_epi8(16);
        lo = _mm256_or_si256(lo, _mm256_and_si256(bits_to_bytes((h0 & 0xFFFF) | (h1 << 16)), c16));
        hi = _mm256_or_si256(hi, _mm256_and_si256(bits_to_bytes((h0 >> 16) | (h1 & 0xFFFF0000u)), c16));
    }
    *ua = lo;
    *ub = hi;
}

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block; reference: dot_legacy_reference.
INL void legacy_tile2(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq,
                      size_t arow, int nb, float *y, size_t ldy) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1;
    const int bb = ck_legacy_block_bytes(T);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = _mm256_setzero_ps();
    for (int p = 0; p < (nb + 1) / 2; p++) {
        const int two = 2 * p + 1 < nb;
        __m256 dv[4], sv[4];
        __m256i ci[4];
        for (int c = 0; c < NC; c++) {
            const ck_lq *x = (const ck_lq *)(aq + (size_t)c * arow) + p;
            dv[c] = _mm256_set_m128(_mm_set1_ps(x->d[1]), _mm_set1_ps(x->d[0]));
            if (hasMin) sv[c] = _mm256_zextps128_ps256(_mm_castpd_ps(_mm_load_sd((const double *)x->ds)));  // [ds0 ds1 0 ...]
            else ci[c] = _mm256_setr_epi32(x->corr[0], 0, 0, 0, x->corr[1], 0, 0, 0);
        }
        for (int r = 0; r < MR; r++) {
            const uint8_t *b0 = w + (size_t)r * wrow + (size_t)(2 * p) * bb;
            _mm_prefetch((const char *)b0 + (NC == 1 ? 3072 : 1024), _MM_HINT_T0);
            __m256i ua, ub;
            __m256 dw, mw;
            unpack_pair2(T, b0, two ? b0 + bb : b0, &ua, &ub, &dw, &mw);
            for (int c = 0; c < NC; c++) {
                const ck_lq *x = (const ck_lq *)(aq + (size_t)c * arow) + p;
                __m256i qa = _mm256_loadu_si256((const __m256i *)x->q), qb = _mm256_loadu_si256((const __m256i *)(x->q + 32));
                if (T == T_Q8_0) {
                    __m256i ia = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(ua, ua), _mm256_sign_epi8(qa, ua)), ones);
                    __m256i ib = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(ub, ub), _mm256_sign_epi8(qb, ub)), ones);
                    // ia: block 0 in all lanes, ib: block 1 (dw lane 0 = d0, lane 4 = d1)
                    float d0 = _mm256_cvtss_f32(dw), d1 = _mm_cvtss_f32(_mm256_extractf128_ps(dw, 1));
                    acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ia), _mm256_set1_ps(x->d[0] * d0), acc[r][c]);
                    acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ib), _mm256_set1_ps(x->d[1] * d1), acc[r][c]);
                    continue;
                }
                __m256i s16 = _mm256_add_epi16(_mm256_maddubs_epi16(ua, qa), _mm256_maddubs_epi16(ub, qb));
                __m256i i = _mm256_madd_epi16(s16, ones);
                if (hasMin) {
                    acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(dw, dv[c]), acc[r][c]);
                    acc[r][c] = _mm256_fmadd_ps(mw, sv[c], acc[r][c]);
                } else {
                    i = _mm256_add_epi32(i, ci[c]);
                    acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(dw, dv[c]), acc[r][c]);
                }
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = hsum8(acc[r][c]);
}

// ================================================================ k-quants

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block; reference: dot_kquant_reference.
INL void kquant_tile2(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq,
                      size_t arow, int nsb, float *y, size_t ldy) {
    const int bb = T == T_Q4_K ? 144 : T == T_Q5_K ? 176 : 210;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    __m256 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = _mm256_setzero_ps();
    for (int b = 0; b < nsb; b++) {
        for (int r = 0; r < MR; r++) {
            const uint8_t *blk = w + (size_t)r * wrow + (size_t)b * bb;
            const char *pf = (const char *)blk + (NC == 1 ? 3072 : 1024);
            _mm_prefetch(pf, _MM_HINT_T0);
            _mm_prefetch(pf + 64, _MM_HINT_T0);
            _mm_prefetch(pf + 128, _MM_HINT_T0);
            if (bb > 192) _mm_prefetch(pf + 192, _MM_HINT_T0);
            __m256i u[8], sc[8];  // 8 x 32 weights, int16 scale vectors
            __m128i m16 = _mm_setzero_si128();
            __m256i sc16 = _mm256_setzero_si256();
            float d, dmin = 0;
            if (T == T_Q6_K) {
                const uint8_t *ql = blk, *qh = blk + 128;
                for (int h = 0; h < 2; h++) {
                    __m256i Q0 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h));
                    __m256i Q1 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h + 32));
                    __m256i H = _mm256_loadu_si256((const __m256i *)(qh + 32 * h));
                    u[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(Q0, m4), _mm256_and_si256(_mm256_slli_epi16(H, 4), m30));
                    u[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(Q1, m4), _mm256_and_si256(_mm256_slli_epi16(H, 2), m30));
                    u[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(Q0, 4), m4), _mm256_and_si256(H, m30));
                    u[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(Q1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(H, 2), m30));
                }
                const int8_t *s = (const int8_t *)(blk + 192);
                for (int j = 0; j < 8; j++)
                    sc[j] = _mm256_set_m128i(_mm_set1_epi16(s[2 * j + 1]), _mm_set1_epi16(s[2 * j]));
                sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)s));
                d = F16(blk + 208);
            } else {
                const int five = T == T_Q5_K;
                uint8_t s[8], m[8];
                ck_scales_k4(blk + 4, s, m);
                d = F16(blk);
                dmin = F16(blk + 2);
                const uint8_t *qh = blk + 16, *qs = blk + (five ? 48 : 16);
                __m256i H = five ? _mm256_loadu_si256((const __m256i *)qh) : _mm256_setzero_si256();
                for (int g = 0; g < 4; g++) {
                    __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * g));
                    __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                    if (five) {
                        __m256i b1 = _mm256_set1_epi8((char)(1 << (2 * g))), b2 = _mm256_set1_epi8((char)(1 << (2 * g + 1)));
                        lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(H, b1), b1), _mm256_set1_epi8(16)));
                        hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(H, b2), b2), _mm256_set1_epi8(16)));
                    }
                    u[2 * g] = lo;
                    u[2 * g + 1] = hi;
                }
                for (int j = 0; j < 8; j++) sc[j] = _mm256_set1_epi16(s[j]);
                uint64_t m64;
                memcpy(&m64, m, 8);
                m16 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)m64));
            }
            for (int c = 0; c < NC; c++) {
                const ck_kq *x = (const ck_kq *)(aq + (size_t)c * arow) + b;
                __m256i s = _mm256_setzero_si256();
                for (int j = 0; j < 8; j++) {
                    __m256i p = _mm256_maddubs_epi16(u[j], _mm256_loadu_si256((const __m256i *)(x->q + 32 * j)));
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(p, sc[j]));
                }
                if (T == T_Q6_K) {
                    __m256i corr = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)x->bsum));
                    s = _mm256_sub_epi32(s, _mm256_slli_epi32(corr, 5));
                    acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(d * x->d), acc[r][c]);
                } else {
                    __m128i mi = _mm_madd_epi16(m16, _mm_loadu_si128((const __m128i *)x->bsum));
                    acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(d * x->d), acc[r][c]);
                    acc[r][c] = _mm256_fmadd_ps(_mm256_zextps128_ps256(_mm_cvtepi32_ps(mi)), _mm256_set1_ps(-dmin * x->d), acc[r][c]);
                }
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = hsum8(acc[r][c]);
}

// ================================================================ float weights

INL __m256 load_w8(int T, const uint8_t *w, int k, int n) {
    if (n == 8) {
        if (T == T_F32) return _mm256_loadu_ps((const float *)w + k);
        __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + k));
        if (T == T_F16) return _mm256_cvtph_ps(h);
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    float t[8] = {0};
    for (int i = 0; i < n; i++) {
        if (T == T_F32) memcpy(&t[i], w + 4 * (size_t)(k + i), 4);
        else if (T == T_F16) t[i] = f16_to_f32(rd16(w + 2 * (size_t)(k + i)));
        else t[i] = bf16_to_f32(rd16(w + 2 * (size_t)(k + i)));
    }
    return _mm256_loadu_ps(t);
}

INL __m256 load_x8(const float *x, int n) {
    if (n == 8) return _mm256_loadu_ps(x);
    float t[8] = {0};
    memcpy(t, x, (size_t)n * 4);
    return _mm256_loadu_ps(t);
}

/// Tile: W rows (MR, cols) f32/f16/bf16 @ X rows (NC, cols) float -> Y (NC, MR) block.
INL void float_tile2(int T, int MR, int NC, const uint8_t *w, size_t wrow, const float *x, int cols, float *y, size_t ldy) {
    __m256 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = _mm256_setzero_ps();
    for (int k = 0; k < cols; k += 8) {
        int n = cols - k >= 8 ? 8 : cols - k;
        for (int r = 0; r < MR; r++) {
            __m256 wv = load_w8(T, w + (size_t)r * wrow, k, n);
            for (int c = 0; c < NC; c++) acc[r][c] = _mm256_fmadd_ps(wv, load_x8(x + (size_t)c * cols + k, n), acc[r][c]);
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = hsum8(acc[r][c]);
}

// ================================================================ driver

#define BODY2(T, MR, NC)                                                                              \
    do {                                                                                              \
        const uint8_t *w = a->w + (size_t)r * a->wrow;                                                \
        float *y = a->y + (size_t)c * a->rows + r;                                                    \
        if (ck_is_legacy(T)) legacy_tile2(T, MR, NC, w, a->wrow, a->aq + (size_t)c * a->arow, a->arow, a->cols / 32, y, a->rows); \
        else if (ck_is_kquant(T)) kquant_tile2(T, MR, NC, w, a->wrow, a->aq + (size_t)c * a->arow, a->arow, a->cols / 256, y, a->rows); \
        else float_tile2(T, MR, NC, w, a->wrow, a->x + (size_t)c * a->cols, a->cols, y, a->rows);   \
    } while (0)
#define FNS2(NAME, T)                                                                                 \
    static void NAME##_24(const ck_gemm_args *a, int r, int c) { BODY2(T, 2, 4); }                    \
    static void NAME##_21(const ck_gemm_args *a, int r, int c) { BODY2(T, 2, 1); }                    \
    static void NAME##_14(const ck_gemm_args *a, int r, int c) { BODY2(T, 1, 4); }                    \
    static void NAME##_11(const ck_gemm_args *a, int r, int c) { BODY2(T, 1, 1); }                    \
    static void NAME##_41(const ck_gemm_args *a, int r, int c) { BODY2(T, 4, 1); }
FNS2(a2_q4_0, T_Q4_0)
FNS2(a2_q4_1, T_Q4_1)
FNS2(a2_q5_0, T_Q5_0)
FNS2(a2_q5_1, T_Q5_1)
FNS2(a2_q8_0, T_Q8_0)
FNS2(a2_q4_K, T_Q4_K)
FNS2(a2_q5_K, T_Q5_K)
FNS2(a2_q6_K, T_Q6_K)
FNS2(a2_f32, T_F32)
FNS2(a2_f16, T_F16)
FNS2(a2_bf16, T_BF16)

typedef void (*tile2_fn)(const ck_gemm_args *, int, int);
#define SET2(N) t24 = N##_24; t21 = N##_21; t14 = N##_14; t11 = N##_11; t41 = N##_41

/// Y (n, rows)[c0..c1, r0..r1] = X (n, cols) · W (rows, cols)ᵀ; reference: ck_gemm_reference.
void ck_gemm_avx2(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    tile2_fn t24, t21, t14, t11, t41;
    switch (a->type) {
    case T_Q4_0: SET2(a2_q4_0); break;
    case T_Q4_1: SET2(a2_q4_1); break;
    case T_Q5_0: SET2(a2_q5_0); break;
    case T_Q5_1: SET2(a2_q5_1); break;
    case T_Q8_0: SET2(a2_q8_0); break;
    case T_Q4_K: SET2(a2_q4_K); break;
    case T_Q5_K: SET2(a2_q5_K); break;
    case T_Q6_K: SET2(a2_q6_K); break;
    case T_F32: SET2(a2_f32); break;
    case T_F16: SET2(a2_f16); break;
    case T_BF16: SET2(a2_bf16); break;
    default: return;
    }
    if (c1 - c0 == 1 && !ck_is_float(a->type)) {
        // matvec: 4 rows at a time, four independent accumulation chains (one row left the
        // core waiting on its fmadd chain); each row sums exactly as in the batched tiles
        int r = r0;
        for (; r + 4 <= r1; r += 4) t41(a, r, c0);
        for (; r + 2 <= r1; r += 2) t21(a, r, c0);
        for (; r < r1; r++) t11(a, r, c0);
        return;
    }
    enum { CH = 64 };
    for (int cc = c0; cc < c1; cc += CH) {
        int ce = cc + CH < c1 ? cc + CH : c1;
        int r = r0;
        for (; r + 2 <= r1; r += 2) {
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

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else
void ck_gemm_avx2(const ck_gemm_args *a, int r0, int r1, int c0, int c1) { ck_gemm_reference(a, r0, r1, c0, c1); }
void ck_quant_act_avx2(int type, const float *x, int cols, uint8_t *dst) { ck_quant_act_reference(type, x, cols, dst); }
int ck_quant_act_selftest_avx2(void) { return 0; }
#endif
