// Matvec (n = 1) for the nibble formats with 16-block groups: AVX-512 VBMI kernel and its scalar
// reference. W (rows, cols) @ x (cols,) -> y (rows,).
#include "ckernels.h"
#include "common.h"

/// Scalar reference: x (cols,) -> decode layout (see common.h).
void ck_quant_act_decode_reference(int type, const float *x, int cols, uint8_t *dst) {
    int nb = cols / 32, off = ck_legacy_offset(type), ng = ck_decode_groups(cols);
    memset(dst, 0, ck_decode_row_bytes(cols));
    int8_t *q = (int8_t *)dst;
    ck_dgroup *g = (ck_dgroup *)(dst + (size_t)ng * 512);
    for (int b = 0; b < nb; b++) {
        const float *v = x + 32 * b;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(v[i]));
        ck_act_scale sc = ck_scale32(amax);
        int sum = 0;
        for (int e = 0; e < 32; e++) {
            int qi = (int)nearbyintf(v[e] * sc.id);
            sum += qi;
            q[512 * (b / 16) + ck_decode_pos(type, b % 16, e)] = (int8_t)qi;
        }
        int lane = ck_decode_lane(type, b % 16);
        g[b / 16].d[lane] = sc.d;
        g[b / 16].ds[lane] = f16_round(sc.d_raw * (float)sum);
        g[b / 16].corr[lane] = -off * sum;
    }
}

static void unpack_block(int t, const uint8_t *b, uint8_t *u, float *dw, float *mw) {
    if (t == T_Q8_0) {
        *dw = f16_to_f32(rd16(b));
        *mw = 0;
        for (int j = 0; j < 32; j++) u[j] = (uint8_t)(b[2 + j] ^ 0x80);
        return;
    }
    int o = t == T_Q4_0 ? 2 : t == T_Q4_1 ? 4 : t == T_Q5_0 ? 6 : 8;
    int five = t == T_Q5_0 || t == T_Q5_1;
    *dw = f16_to_f32(rd16(b));
    *mw = (t == T_Q4_1 || t == T_Q5_1) ? f16_to_f32(rd16(b + 2)) : 0;
    uint32_t qh = five ? rd32(b + o - 4) : 0;
    for (int j = 0; j < 16; j++) {
        u[j] = (b[o + j] & 0xF) | (((qh >> j) & 1) << 4);
        u[j + 16] = (b[o + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    }
}

/// Scalar reference of the decode kernel: W (rows, cols) @ x (cols,) -> y (rows,) for rows r0..r1.
void ck_matvec_decode_reference(const ck_gemm_args *a, int r0, int r1) {
    int t = a->type, nb = a->cols / 32, bb = ck_legacy_block_bytes(t), ng = ck_decode_groups(a->cols);
    const int8_t *q = (const int8_t *)a->aq;
    const ck_dgroup *g = (const ck_dgroup *)(a->aq + (size_t)ng * 512);
    for (int r = r0; r < r1; r++) {
        const uint8_t *w = a->w + (size_t)r * a->wrow;
        float acc = 0;
        for (int b = 0; b < nb; b++) {
            uint8_t u[32];
            float dw, mw;
            unpack_block(t, w + (size_t)b * bb, u, &dw, &mw);
            int lane = ck_decode_lane(t, b % 16);
            const ck_dgroup *G = &g[b / 16];
            int s = G->corr[lane];
            for (int e = 0; e < 32; e++) s += (int)u[e] * q[512 * (b / 16) + ck_decode_pos(t, b % 16, e)];
            acc += dw * G->d[lane] * (float)s + mw * G->ds[lane];
        }
        a->y[r] = acc;
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int ck_has_vbmi(void) {
    static int v = -1;
    if (v < 0) { __builtin_cpu_init(); v = __builtin_cpu_supports("avx512vbmi") ? 1 : 0; }
    return v;
}

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,fma,f16c")
#endif
#define INL static inline __attribute__((always_inline))

void ck_quant_act_decode_avx512(int type, const float *x, int cols, uint8_t *dst) {
    int nb = cols / 32, off = ck_legacy_offset(type), ng = ck_decode_groups(cols);
    int8_t *q = (int8_t *)dst;
    ck_dgroup *g = (ck_dgroup *)(dst + (size_t)ng * 512);
    if (nb % 16) memset(dst, 0, ck_decode_row_bytes(cols));  // zero the padding
    for (int b = 0; b < nb; b++) {
        const float *v = x + 32 * b;
        __m512 x0 = _mm512_loadu_ps(v), x1 = _mm512_loadu_ps(v + 16);
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
        ck_act_scale sc = ck_scale32(amax);
        __m512 id = _mm512_set1_ps(sc.id);
        __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, id)), q1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, id));
        int8_t *qg = q + 512 * (b / 16);
        _mm_storeu_si128((__m128i *)(qg + ck_decode_pos(type, b % 16, 0)), _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)(qg + ck_decode_pos(type, b % 16, 16)), _mm512_cvtsepi32_epi8(q1));
        int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        int lane = ck_decode_lane(type, b % 16);
        g[b / 16].d[lane] = sc.d;
        g[b / 16].ds[lane] = f16_round(sc.d_raw * (float)sum);
        g[b / 16].corr[lane] = -off * sum;
    }
}

/// Permutation indices (into 128 bytes from the unit's first block) for the 4 blocks' nibbles
/// and, for q5, their high-bit words arranged as two 64-bit masks.
INL __m512i qs_index(int bb, int qo) {
    uint8_t idx[64];
    for (int i = 0; i < 64; i++) idx[i] = (uint8_t)((i / 16) * bb + qo + i % 16);
    return _mm512_loadu_si512(idx);
}
INL __m512i qh_index(int bb, int ho) {
    uint8_t idx[64] = {0};
    for (int L = 0; L < 4; L++)
        for (int t = 0; t < 2; t++) {
            idx[2 * L + t] = (uint8_t)(L * bb + ho + t);
            idx[8 + 2 * L + t] = (uint8_t)(L * bb + ho + 2 + t);
        }
    return _mm512_loadu_si512(idx);
}

/// Masks for one row, identical for every row: full units read 4*bb bytes; the last unit and
/// group may be partial.
typedef struct { __mmask64 k1full, k0last, k1last; __mmask16 kvlast; int nb, lastUnit, lastGroup; } row_masks;

INL row_masks make_masks(int nb, int bb) {
    row_masks m;
    m.nb = nb;
    m.k1full = ((__mmask64)1 << (4 * bb - 64)) - 1;
    m.lastUnit = (nb - 1) / 4 * 4;
    size_t left = (size_t)(nb - m.lastUnit) * bb;
    m.k0last = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
    m.k1last = left > 64 ? (((__mmask64)1 << (left - 64)) - 1) : 0;
    m.lastGroup = (nb - 1) / 16 * 16;
    int valid = nb - m.lastGroup;
    m.kvlast = 0;
    for (int l = 0; l < 16; l++) if (4 * (l % 4) + l / 4 < valid) m.kvlast |= (__mmask16)(1u << l);
    return m;
}

#ifndef PREFETCH
#define PREFETCH 3072  // bytes ahead in the weight stream
#endif

/// One group of 16 blocks (4 units) of a row: returns the int dots (lane 4L + j = block
/// g0 + 4j + L) and their [d | m] half pairs in the same lanes. fast: every unit is whole and
/// not the row's last, so no bounds checks or masks.
INL __m512i group_dots(int T, int fast, const uint8_t *w, int g0, const row_masks *M, const int8_t *q,
                       __m512i iq, __m512i ih, const __m512i *idm, __m512i *dm) {
    const int bb = T == T_Q4_0 ? 18 : T == T_Q4_1 ? 20 : T == T_Q5_0 ? 22 : 24;
    const int five = T == T_Q5_0 || T == T_Q5_1;
    const __m512i m4 = _mm512_set1_epi8(0x0F), ones = _mm512_set1_epi16(1), c16 = _mm512_set1_epi8(16);
    __m512i v[4];
    __m512i d = _mm512_setzero_si512();
    for (int j = 0; j < 4; j++) {
        int b = g0 + 4 * j;
        if (!fast && b >= M->nb) { v[j] = _mm512_setzero_si512(); continue; }
        const uint8_t *base = w + (size_t)b * bb;
        __m512i R0, R1;
        if (fast || b < M->lastUnit) {
            R0 = _mm512_loadu_si512(base);
            R1 = _mm512_maskz_loadu_epi8(M->k1full, base + 64);
        } else {
            R0 = _mm512_maskz_loadu_epi8(M->k0last, base);
            R1 = _mm512_maskz_loadu_epi8(M->k1last, base + 64);
        }
        _mm_prefetch((const char *)base + PREFETCH, _MM_HINT_T0);
        _mm_prefetch((const char *)base + PREFETCH + 64, _MM_HINT_T0);
        __m512i Q = _mm512_permutex2var_epi8(R0, iq, R1);
        __m512i lo = _mm512_and_si512(Q, m4), hi = _mm512_and_si512(_mm512_srli_epi16(Q, 4), m4);
        if (five) {
            __m128i H = _mm512_castsi512_si128(_mm512_permutex2var_epi8(R0, ih, R1));
            lo = _mm512_mask_add_epi8(lo, _cvtu64_mask64((uint64_t)_mm_cvtsi128_si64(H)), lo, c16);
            hi = _mm512_mask_add_epi8(hi, _cvtu64_mask64((uint64_t)_mm_extract_epi64(H, 1)), hi, c16);
        }
        // this unit's 4 [d | m] dwords into lanes 4L + j
        d = _mm512_or_si512(d, _mm512_maskz_permutex2var_epi8((__mmask64)0x000F000F000F000Full << (4 * j), R0, idm[j], R1));
        const int8_t *qa = q + (size_t)b * 32;  // unit b/4 of 128 bytes
        __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512(qa));
        v[j] = _mm512_dpbusd_epi32(s, hi, _mm512_loadu_si512(qa + 64));
    }
    *dm = d;
    // 4 dwords per block -> 1
    __m512i x01 = _mm512_madd_epi16(_mm512_packs_epi32(v[0], v[1]), ones);
    __m512i x23 = _mm512_madd_epi16(_mm512_packs_epi32(v[2], v[3]), ones);
    return _mm512_add_epi32(
        _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(x01), _mm512_castsi512_ps(x23), _MM_SHUFFLE(2, 0, 2, 0))),
        _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(x01), _mm512_castsi512_ps(x23), _MM_SHUFFLE(3, 1, 3, 1))));
}

INL __m512 group_acc(int T, __m512i z, __m512i dm, const ck_dgroup *gr, __m512 acc) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1;
    __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm));
    if (!hasMin) z = _mm512_add_epi32(z, _mm512_loadu_si512(gr->corr));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(z), _mm512_mul_ps(dw, _mm512_loadu_ps(gr->d)), acc);
    if (hasMin) {
        __m512 mw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16)));
        acc = _mm512_fmadd_ps(mw, _mm512_loadu_ps(gr->ds), acc);
    }
    return acc;
}

/// w (cols,) · x (cols,) for one weight row, Σ over groups of 16 blocks;
/// reference: ck_matvec_decode_reference.
INL float row_dot(int T, const uint8_t *w, const row_masks *M, const int8_t *q, const ck_dgroup *G,
                  __m512i iq, __m512i ih, const __m512i *idm) {
    __m512 acc = _mm512_setzero_ps();
    int g0 = 0;
    for (; g0 + 12 < M->lastUnit; g0 += 16) {
        __m512i dm, z = group_dots(T, 1, w, g0, M, q, iq, ih, idm, &dm);
        acc = group_acc(T, z, dm, &G[g0 / 16], acc);
    }
    for (; g0 < M->nb; g0 += 16) {
        __m512i dm, z = group_dots(T, 0, w, g0, M, q, iq, ih, idm, &dm);
        acc = group_acc(T, z, dm, &G[g0 / 16], acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/// Byte indices moving the 4-byte [d | m] head of block L of a unit to dword lane 4L + j.
INL void dm_index(int bb, __m512i *idm) {
    for (int j = 0; j < 4; j++) {
        uint8_t idx[64] = {0};
        for (int L = 0; L < 4; L++)
            for (int t = 0; t < 4; t++) idx[4 * (4 * L + j) + t] = (uint8_t)(L * bb + t);
        idm[j] = _mm512_loadu_si512(idx);
    }
}

#define DECODE_FN(NAME, T)                                                                          \
    static void NAME(const ck_gemm_args *a, int r0, int r1) {                                       \
        const int bb = ck_legacy_block_bytes(T);                                                    \
        const int qo = T == T_Q4_0 ? 2 : T == T_Q4_1 ? 4 : T == T_Q5_0 ? 6 : 8;                     \
        const __m512i iq = qs_index(bb, qo), ih = qh_index(bb, qo - 4);                             \
        __m512i idm[4];                                                                             \
        dm_index(bb, idm);                                                                          \
        const row_masks M = make_masks(a->cols / 32, bb);                                           \
        const int8_t *q = (const int8_t *)a->aq;                                                    \
        const ck_dgroup *G = (const ck_dgroup *)(a->aq + (size_t)ck_decode_groups(a->cols) * 512);  \
        for (int r = r0; r < r1; r++)                                                               \
            a->y[r] = row_dot(T, a->w + (size_t)r * a->wrow, &M, q, G, iq, ih, idm);               \
    }
DECODE_FN(decode_q4_0, T_Q4_0)
DECODE_FN(decode_q4_1, T_Q4_1)
DECODE_FN(decode_q5_0, T_Q5_0)
DECODE_FN(decode_q5_1, T_Q5_1)

/// q8_0 w (cols,) · x (cols,): pairs of blocks per zmm (weights read as q ^ 0x80), 16-block groups
/// reduced in 32 bits (products of up to 255 * 127 do not fit the 16-bit packing).
INL float row_dot_q8(const uint8_t *w, int nb, const int8_t *q, const ck_dgroup *G, __m512i gidx) {
    const __m512i x80 = _mm512_set1_epi8((char)0x80);
    __m512 acc = _mm512_setzero_ps();
    for (int g0 = 0; g0 < nb; g0 += 16) {
        __m512i v[8];
        for (int p = 0; p < 8; p++) {
            int b = g0 + 2 * p;
            if (b >= nb) { v[p] = _mm512_setzero_si512(); continue; }
            const uint8_t *b0 = w + (size_t)b * 34;
            _mm_prefetch((const char *)b0 + PREFETCH, _MM_HINT_T0);
            __m256i hi = b + 1 < nb ? _mm256_loadu_si256((const __m256i *)(b0 + 36)) : _mm256_setzero_si256();
            __m512i u = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b0 + 2))), hi, 1), x80);
            v[p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, _mm512_loadu_si512(q + (size_t)b * 32));
        }
        __m512i s1[4];
        for (int k = 0; k < 4; k++)
            s1[k] = _mm512_add_epi32(_mm512_unpacklo_epi64(v[2 * k], v[2 * k + 1]), _mm512_unpackhi_epi64(v[2 * k], v[2 * k + 1]));
        __m512 w2[2];
        for (int m = 0; m < 2; m++) {
            __m512 a = _mm512_castsi512_ps(s1[2 * m]), b = _mm512_castsi512_ps(s1[2 * m + 1]);
            w2[m] = _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))),
                                                         _mm512_castps_si512(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)))));
        }
        __m512i z = _mm512_add_epi32(_mm512_castps_si512(_mm512_shuffle_f32x4(w2[0], w2[1], 0x88)),
                                     _mm512_castps_si512(_mm512_shuffle_f32x4(w2[0], w2[1], 0xDD)));
        const ck_dgroup *gr = &G[g0 / 16];
        __mmask16 kv = 0xFFFF;
        if (nb - g0 < 16) {
            kv = 0;
            for (int i = 0; i < nb - g0; i++) kv |= (__mmask16)(1u << ck_decode_lane(T_Q8_0, i));
        }
        __m512i dm = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), kv, gidx, w + (size_t)g0 * 34, 1);
        __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm));
        z = _mm512_add_epi32(z, _mm512_loadu_si512(gr->corr));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(z), _mm512_mul_ps(dw, _mm512_loadu_ps(gr->d)), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

static void decode_q8_0(const ck_gemm_args *a, int r0, int r1) {
    int gi[16];
    for (int i = 0; i < 16; i++) gi[ck_decode_lane(T_Q8_0, i)] = i * 34;
    const __m512i gidx = _mm512_loadu_si512(gi);
    int nb = a->cols / 32;
    const int8_t *q = (const int8_t *)a->aq;
    const ck_dgroup *G = (const ck_dgroup *)(a->aq + (size_t)ck_decode_groups(a->cols) * 512);
    for (int r = r0; r < r1; r++) a->y[r] = row_dot_q8(a->w + (size_t)r * a->wrow, nb, q, G, gidx);
}

/// W (rows, cols) @ x (cols,) -> y (rows,) for rows r0..r1; reference: ck_matvec_decode_reference.
void ck_matvec_decode_vbmi(const ck_gemm_args *a, int r0, int r1) {
    switch (a->type) {
    case T_Q8_0: decode_q8_0(a, r0, r1); break;
    case T_Q4_0: decode_q4_0(a, r0, r1); break;
    case T_Q4_1: decode_q4_1(a, r0, r1); break;
    case T_Q5_0: decode_q5_0(a, r0, r1); break;
    case T_Q5_1: decode_q5_1(a, r0, r1); break;
    }
}

// ================================================================ prefill: unit tiles

void ck_quant_act_units_avx512(int type, const float *x, int cols, uint8_t *dst) {
    int nb = cols / 32, off = ck_legacy_offset(type), nu = ck_units(cols);
    int8_t *q = (int8_t *)dst;
    ck_umeta *meta = (ck_umeta *)(dst + (size_t)nu * 128);
    if (nb % 4) {  // zero the padding of the last unit
        memset(q + (size_t)(nu - 1) * 128, 0, 128);
        memset(&meta[nu - 1], 0, sizeof(ck_umeta));
    }
    for (int b = 0; b < nb; b++) {
        const float *v = x + 32 * b;
        __m512 x0 = _mm512_loadu_ps(v), x1 = _mm512_loadu_ps(v + 16);
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
        ck_act_scale sc = ck_scale32(amax);
        __m512 id = _mm512_set1_ps(sc.id);
        __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, id)), q1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, id));
        int u = b / 4, L = b % 4;
        _mm_storeu_si128((__m128i *)(q + 128 * u + 16 * L), _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)(q + 128 * u + 64 + 16 * L), _mm512_cvtsepi32_epi8(q1));
        int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        meta[u].d[L] = sc.d;
        meta[u].corr[L] = -off * sum;
        meta[u].ds[L] = f16_round(sc.d_raw * (float)sum);
    }
}

/// Byte indices putting the f16 at byte offset fo of each of 4 blocks into 4 consecutive words.
INL __m512i half_index(int bb, int fo) {
    uint8_t idx[64] = {0};
    for (int k = 0; k < 16; k++) {
        idx[2 * k] = (uint8_t)((k / 4) * bb + fo);
        idx[2 * k + 1] = (uint8_t)((k / 4) * bb + fo + 1);
    }
    return _mm512_loadu_si512(idx);
}

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block, one unit (4 blocks) at a
/// time; lanes 4L..4L+3 are block L. Reference: ck_gemm_reference (same integer products).
INL void unit_tile(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq, size_t arow,
                   const row_masks *M, float *y, size_t ldy, __m512i iq, __m512i ih, __m512i idd, __m512i idm) {
    const int bb = T == T_Q4_0 ? 18 : T == T_Q4_1 ? 20 : T == T_Q5_0 ? 22 : 24;
    const int five = T == T_Q5_0 || T == T_Q5_1, hasMin = T == T_Q4_1 || T == T_Q5_1;
    const __m512i m4 = _mm512_set1_epi8(0x0F), c16 = _mm512_set1_epi8(16);
    const __m512i rep4 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const int nb = M->nb, nu = (nb + 3) / 4;
    const size_t metaOff = (size_t)nu * 128;
    __m512 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) acc[r][c] = _mm512_setzero_ps();
    for (int u = 0; u < nu; u++) {
        __m512 da[4], ds[4];
        __m512i ci[4];
        for (int c = 0; c < NC; c++) {
            const ck_umeta *m = (const ck_umeta *)(aq + (size_t)c * arow + metaOff) + u;
            da[c] = _mm512_permutexvar_ps(rep4, _mm512_castps128_ps512(_mm_loadu_ps(m->d)));
            if (hasMin) ds[c] = _mm512_maskz_permutexvar_ps(0x1111, rep4, _mm512_castps128_ps512(_mm_loadu_ps(m->ds)));
            else ci[c] = _mm512_maskz_permutexvar_epi32(0x1111, rep4, _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)m->corr)));
        }
        const int b = 4 * u;
        for (int r = 0; r < MR; r++) {
            const uint8_t *base = w + (size_t)r * wrow + (size_t)b * bb;
            __m512i R0, R1;
            if (b < M->lastUnit) {
                R0 = _mm512_loadu_si512(base);
                R1 = _mm512_maskz_loadu_epi8(M->k1full, base + 64);
            } else {
                R0 = _mm512_maskz_loadu_epi8(M->k0last, base);
                R1 = _mm512_maskz_loadu_epi8(M->k1last, base + 64);
            }
            _mm_prefetch((const char *)base + 4 * bb * 4, _MM_HINT_T0);
            __m512i Q = _mm512_permutex2var_epi8(R0, iq, R1);
            __m512i lo = _mm512_and_si512(Q, m4), hi = _mm512_and_si512(_mm512_srli_epi16(Q, 4), m4);
            if (five) {
                __m128i H = _mm512_castsi512_si128(_mm512_permutex2var_epi8(R0, ih, R1));
                lo = _mm512_mask_add_epi8(lo, _cvtu64_mask64((uint64_t)_mm_cvtsi128_si64(H)), lo, c16);
                hi = _mm512_mask_add_epi8(hi, _cvtu64_mask64((uint64_t)_mm_extract_epi64(H, 1)), hi, c16);
            }
            __m512 dw = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutex2var_epi8(R0, idd, R1)));
            __m512 mw = hasMin ? _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutex2var_epi8(R0, idm, R1))) : dw;
            for (int c = 0; c < NC; c++) {
                const int8_t *qa = (const int8_t *)(aq + (size_t)c * arow) + (size_t)u * 128;
                __m512i i = _mm512_dpbusd_epi32(hasMin ? _mm512_setzero_si512() : ci[c], lo, _mm512_loadu_si512(qa));
                i = _mm512_dpbusd_epi32(i, hi, _mm512_loadu_si512(qa + 64));
                acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(dw, da[c]), acc[r][c]);
                if (hasMin) acc[r][c] = _mm512_fmadd_ps(mw, ds[c], acc[r][c]);
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = _mm512_reduce_add_ps(acc[r][c]);
}

typedef struct { row_masks M; __m512i iq, ih, idd, idm; } unit_ctx;

#define UNIT_FN(NAME, T, MR, NC)                                                                    \
    static void NAME(const ck_gemm_args *a, const unit_ctx *u, int r, int c) {                      \
        unit_tile(T, MR, NC, a->w + (size_t)r * a->wrow, a->wrow, a->aq + (size_t)c * a->arow, a->arow, \
                  &u->M, a->y + (size_t)c * a->rows + r, a->rows, u->iq, u->ih, u->idd, u->idm);     \
    }
#define UNIT_SET(NAME, T) UNIT_FN(NAME##_44, T, 4, 4) UNIT_FN(NAME##_41, T, 4, 1) UNIT_FN(NAME##_14, T, 1, 4) UNIT_FN(NAME##_11, T, 1, 1)
UNIT_SET(u_q4_0, T_Q4_0)
UNIT_SET(u_q4_1, T_Q4_1)
UNIT_SET(u_q5_0, T_Q5_0)
UNIT_SET(u_q5_1, T_Q5_1)

typedef void (*unit_fn)(const ck_gemm_args *, const unit_ctx *, int, int);

/// Y (n, rows)[c0..c1, r0..r1] = X (n, cols) · W (rows, cols)ᵀ; reference: ck_gemm_reference.
void ck_gemm_units_vbmi(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    unit_fn t44, t41, t14, t11;
    switch (a->type) {
    case T_Q4_0: t44 = u_q4_0_44; t41 = u_q4_0_41; t14 = u_q4_0_14; t11 = u_q4_0_11; break;
    case T_Q4_1: t44 = u_q4_1_44; t41 = u_q4_1_41; t14 = u_q4_1_14; t11 = u_q4_1_11; break;
    case T_Q5_0: t44 = u_q5_0_44; t41 = u_q5_0_41; t14 = u_q5_0_14; t11 = u_q5_0_11; break;
    case T_Q5_1: t44 = u_q5_1_44; t41 = u_q5_1_41; t14 = u_q5_1_14; t11 = u_q5_1_11; break;
    default: return;
    }
    const int bb = ck_legacy_block_bytes(a->type);
    const int qo = a->type == T_Q4_0 ? 2 : a->type == T_Q4_1 ? 4 : a->type == T_Q5_0 ? 6 : 8;
    unit_ctx u;
    u.M = make_masks(a->cols / 32, bb);
    u.iq = qs_index(bb, qo);
    u.ih = qh_index(bb, qo - 4);
    u.idd = half_index(bb, 0);
    u.idm = half_index(bb, 2);
    enum { CH = 64 };  // activation rows per pass
    for (int cc = c0; cc < c1; cc += CH) {
        int ce = cc + CH < c1 ? cc + CH : c1;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            int c = cc;
            for (; c + 4 <= ce; c += 4) t44(a, &u, r, c);
            for (; c < ce; c++) t41(a, &u, r, c);
        }
        for (; r < r1; r++) {
            int c = cc;
            for (; c + 4 <= ce; c += 4) t14(a, &u, r, c);
            for (; c < ce; c++) t11(a, &u, r, c);
        }
    }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else
int ck_has_vbmi(void) { return 0; }
void ck_quant_act_decode_avx512(int type, const float *x, int cols, uint8_t *dst) { ck_quant_act_decode_reference(type, x, cols, dst); }
void ck_matvec_decode_vbmi(const ck_gemm_args *a, int r0, int r1) { ck_matvec_decode_reference(a, r0, r1); }
void ck_quant_act_units_avx512(int type, const float *x, int cols, uint8_t *dst) { (void)type; (void)x; (void)cols; (void)dst; }
void ck_gemm_units_vbmi(const ck_gemm_args *a, int r0, int r1, int c0, int c1) { (void)a; (void)r0; (void)r1; (void)c0; (void)c1; }
#endif
