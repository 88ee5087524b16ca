// The nibble formats (q4_0 q4_1 q5_0 q5_1) with activations in the decode layout
// (16-block groups): the matvec W (rows, cols) @ x (cols,) -> y (rows,) (AVX-512 VBMI kernel and
// its scalar reference) and the batched tiles Y (n, rows) = X (n, cols) · Wᵀ that sum every
// element in the matvec's order, so a row's result does not depend on the batch.
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
// Loop unrolling in the register tiles is spelled out (SwiftPM builds -O2).
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#define NOUNROLL _Pragma("clang loop unroll(disable)")
#else
#define UNROLL _Pragma("GCC unroll 16")
#define NOUNROLL _Pragma("GCC unroll 1")
#endif

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

// Every output element, for any n, is summed in one fixed order (batch invariance): per 16-block
// group the exact int dots z of its blocks (lane ck_decode_lane), then
//   acc = fma(float(z + corr), dw * d, acc)  [no min]   or   acc = fma(mw, ds, fma(float(z), dw * d, acc))
// over the groups in order, then _mm512_reduce_add_ps(acc). The matvec (row_dot) and the batched
// tiles (group_tile) share unit_unpack / unit_dot / reduce_units / group_acc, so they cannot
// drift apart.

/// Unit j of a group (blocks b..b+3, b = g0 + 4j) of a row: unsigned nibbles (plus the q5 high
/// bit) in *lo / *hi (elements e < 16 / e >= 16 of block L in bytes 16L..16L+15); ORs the blocks'
/// [d | m] halves into dword lanes 4L + j of *d. Returns 0, touching nothing, for a unit past the
/// row. fast: the unit is whole and not the row's last, so no bounds checks or masks. pf: prefetch
/// distance in bytes.
INL int unit_unpack(int T, int fast, const uint8_t *w, int b, int j, const row_masks *M, __m512i iq, __m512i ih,
                    __m512i idm_j, int pf, __m512i *lo, __m512i *hi, __m512i *d) {
    const int bb = T == T_Q4_0 ? 18 : T == T_Q4_1 ? 20 : T == T_Q5_0 ? 22 : 24;
    const int five = T == T_Q5_0 || T == T_Q5_1;
    const __m512i m4 = _mm512_set1_epi8(0x0F), c16 = _mm512_set1_epi8(16);
    if (!fast && b >= M->nb) return 0;
    const uint8_t *base = w + (size_t)b * bb;
    __m512i R0, R1;
    if (fast || b < M->lastUnit) {
        R0 = _mm512_loadu_si512(base);
        R1 = _mm512_maskz_loadu_epi8(M->k1full, base + 64);
    } else {
        R0 = _mm512_maskz_loadu_epi8(M->k0last, base);
        R1 = _mm512_maskz_loadu_epi8(M->k1last, base + 64);
    }
    _mm_prefetch((const char *)base + pf, _MM_HINT_T0);
    _mm_prefetch((const char *)base + pf + 64, _MM_HINT_T0);
    __m512i Q = _mm512_permutex2var_epi8(R0, iq, R1);
    __m512i l = _mm512_and_si512(Q, m4), h = _mm512_and_si512(_mm512_srli_epi16(Q, 4), m4);
    if (five) {
        __m128i H = _mm512_castsi512_si128(_mm512_permutex2var_epi8(R0, ih, R1));
        l = _mm512_mask_add_epi8(l, _cvtu64_mask64((uint64_t)_mm_cvtsi128_si64(H)), l, c16);
        h = _mm512_mask_add_epi8(h, _cvtu64_mask64((uint64_t)_mm_extract_epi64(H, 1)), h, c16);
    }
    *d = _mm512_or_si512(*d, _mm512_maskz_permutex2var_epi8((__mmask64)0x000F000F000F000Full << (4 * j), R0, idm_j, R1));
    *lo = l;
    *hi = h;
    return 1;
}

/// Int dots of a unit's 4 blocks with its 128 activation bytes qu: 4 dwords per block.
INL __m512i unit_dot(__m512i lo, __m512i hi, const int8_t *qu) {
    __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512(qu));
    return _mm512_dpbusd_epi32(s, hi, _mm512_loadu_si512(qu + 64));
}

/// 4 dwords per block -> 1: lane 4L + j = block L of unit j (block 4j + L of the group). Exact:
/// each dword <= 8 * 31 * 127 fits the 16-bit packing.
INL __m512i reduce_units(const __m512i *v) {
    const __m512i ones = _mm512_set1_epi16(1);
    __m512i x01 = _mm512_madd_epi16(_mm512_packs_epi32(v[0], v[1]), ones);
    __m512i x23 = _mm512_madd_epi16(_mm512_packs_epi32(v[2], v[3]), ones);
    return _mm512_add_epi32(
        _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(x01), _mm512_castsi512_ps(x23), _MM_SHUFFLE(2, 0, 2, 0))),
        _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(x01), _mm512_castsi512_ps(x23), _MM_SHUFFLE(3, 1, 3, 1))));
}

INL __m512 half_lo(__m512i dm) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm)); }
INL __m512 half_hi(__m512i dm) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16))); }

/// The float step of one group (see the order above): z its exact int dots, dm the weight's
/// [d | m] halves in the same lanes.
INL __m512 group_acc(int T, __m512i z, __m512i dm, const ck_dgroup *gr, __m512 acc) {
    const int hasMin = T == T_Q4_1 || T == T_Q5_1;
    if (!hasMin) z = _mm512_add_epi32(z, _mm512_loadu_si512(gr->corr));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(z), _mm512_mul_ps(half_lo(dm), _mm512_loadu_ps(gr->d)), acc);
    if (hasMin) acc = _mm512_fmadd_ps(half_hi(dm), _mm512_loadu_ps(gr->ds), acc);
    return acc;
}

/// One group of 16 blocks of a row against the activation quants q (the row's, from block 0):
/// returns the int dots (lane 4L + j = block g0 + 4j + L) and their [d | m] halves in *dm.
INL __m512i group_dots(int T, int fast, const uint8_t *w, int g0, const row_masks *M, const int8_t *q,
                       __m512i iq, __m512i ih, const __m512i *idm, __m512i *dm) {
    __m512i v[4], d = _mm512_setzero_si512();
    UNROLL for (int j = 0; j < 4; j++) {
        const int b = g0 + 4 * j;
        __m512i lo, hi;
        v[j] = unit_unpack(T, fast, w, b, j, M, iq, ih, idm[j], PREFETCH, &lo, &hi, &d)
                   ? unit_dot(lo, hi, q + (size_t)b * 32) : _mm512_setzero_si512();
    }
    *dm = d;
    return reduce_units(v);
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

/// W (rows, cols) @ x (cols,) -> y (rows,) for rows r0..r1; reference: ck_matvec_decode_reference.
void ck_matvec_decode_vbmi(const ck_gemm_args *a, int r0, int r1) {
    switch (a->type) {
    case T_Q4_0: decode_q4_0(a, r0, r1); break;
    case T_Q4_1: decode_q4_1(a, r0, r1); break;
    case T_Q5_0: decode_q5_0(a, r0, r1); break;
    case T_Q5_1: decode_q5_1(a, r0, r1); break;
    }
}

// ================================================================ prefill: group tiles
// n > 1 in the decode layout (one per activation row): each unpacked weight group serves NC
// activation rows, and each element is summed exactly as the matvec sums it.

/// Tile: W rows (MR, cols) @ X rows (NC, cols) -> Y (NC, MR) block, Y[c, r] at y[c*ldy + r];
/// per element the order of row_dot. One weight row at a time against the NC activation rows
/// (which stay in L1), each group unpacked once. Reference: ck_matvec_decode_reference.
INL void group_tile(int T, int MR, int NC, const uint8_t *w, size_t wrow, const uint8_t *aq, size_t arow,
                    const row_masks *M, float *y, size_t ldy, __m512i iq, __m512i ih, const __m512i *idm) {
    const int nb = M->nb, ng = (nb + 15) / 16;
    const size_t meta = (size_t)ng * 512;
    NOUNROLL for (int r = 0; r < MR; r++) {
        const uint8_t *wr = w + (size_t)r * wrow;
        __m512 acc[4];
        UNROLL for (int c = 0; c < NC; c++) acc[c] = _mm512_setzero_ps();
        for (int g = 0; g < ng; g++) {
            const int g0 = 16 * g, fast = g0 + 12 < M->lastUnit;
            __m512i lo[4], hi[4], dm = _mm512_setzero_si512();
            int nu = 0;
            UNROLL for (int j = 0; j < 4; j++) {
                if (fast) unit_unpack(T, 1, wr, g0 + 4 * j, j, M, iq, ih, idm[j], PREFETCH, &lo[j], &hi[j], &dm);
                else if (unit_unpack(T, 0, wr, g0 + 4 * j, j, M, iq, ih, idm[j], PREFETCH, &lo[j], &hi[j], &dm)) nu = j + 1;
            }
            UNROLL for (int c = 0; c < NC; c++) {
                const uint8_t *x = aq + (size_t)c * arow;
                const int8_t *qg = (const int8_t *)x + (size_t)g * 512;
                __m512i v[4];
                UNROLL for (int j = 0; j < 4; j++)
                    v[j] = fast || j < nu ? unit_dot(lo[j], hi[j], qg + 128 * j) : _mm512_setzero_si512();
                acc[c] = group_acc(T, reduce_units(v), dm, (const ck_dgroup *)(x + meta) + g, acc[c]);
            }
        }
        UNROLL for (int c = 0; c < NC; c++) y[(size_t)c * ldy + r] = _mm512_reduce_add_ps(acc[c]);
    }
}

typedef struct { row_masks M; __m512i iq, ih, idm[4]; } group_ctx;

#define GROUP_FN(NAME, T, MR, NC)                                                                   \
    static void NAME(const ck_gemm_args *a, const group_ctx *u, int r, int c) {                     \
        group_tile(T, MR, NC, a->w + (size_t)r * a->wrow, a->wrow, a->aq + (size_t)c * a->arow, a->arow, \
                   &u->M, a->y + (size_t)c * a->rows + r, a->rows, u->iq, u->ih, u->idm);            \
    }
#define GROUP_SET(NAME, T) GROUP_FN(NAME##_44, T, 4, 4) GROUP_FN(NAME##_41, T, 4, 1) GROUP_FN(NAME##_14, T, 1, 4) GROUP_FN(NAME##_11, T, 1, 1)
GROUP_SET(g_q4_0, T_Q4_0)
GROUP_SET(g_q4_1, T_Q4_1)
GROUP_SET(g_q5_0, T_Q5_0)
GROUP_SET(g_q5_1, T_Q5_1)

typedef void (*group_fn)(const ck_gemm_args *, const group_ctx *, int, int);

/// Y (n, rows)[c0..c1, r0..r1] = X (n, cols) · W (rows, cols)ᵀ with X in the decode layout;
/// reference: ck_matvec_decode_reference (per activation row).
void ck_gemm_decode_vbmi(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    group_fn t44, t41, t14, t11;
    switch (a->type) {
    case T_Q4_0: t44 = g_q4_0_44; t41 = g_q4_0_41; t14 = g_q4_0_14; t11 = g_q4_0_11; break;
    case T_Q4_1: t44 = g_q4_1_44; t41 = g_q4_1_41; t14 = g_q4_1_14; t11 = g_q4_1_11; break;
    case T_Q5_0: t44 = g_q5_0_44; t41 = g_q5_0_41; t14 = g_q5_0_14; t11 = g_q5_0_11; break;
    case T_Q5_1: t44 = g_q5_1_44; t41 = g_q5_1_41; t14 = g_q5_1_14; t11 = g_q5_1_11; break;
    default: return;
    }
    const int bb = ck_legacy_block_bytes(a->type);
    const int qo = a->type == T_Q4_0 ? 2 : a->type == T_Q4_1 ? 4 : a->type == T_Q5_0 ? 6 : 8;
    group_ctx u;
    u.M = make_masks(a->cols / 32, bb);
    u.iq = qs_index(bb, qo);
    u.ih = qh_index(bb, qo - 4);
    dm_index(bb, u.idm);
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
void ck_gemm_decode_vbmi(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    for (int c = c0; c < c1; c++) {
        ck_gemm_args b = *a;
        b.aq = a->aq + (size_t)c * a->arow;
        b.y = a->y + (size_t)c * a->rows;
        b.n = 1;
        ck_matvec_decode_reference(&b, r0, r1);
    }
}
#endif
