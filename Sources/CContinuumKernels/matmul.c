// Matmul driver: activation quantization, work split over the pool, ISA dispatch; and the
// portable scalar C path (the reference for the SIMD kernels).
#include "ckernels.h"
#include "common.h"
#include <stdatomic.h>

// ---------------------------------------------------------------- dispatch

static int resolve_isa(int isa, int *vbmi) { return ck_resolve_isa(isa, vbmi); }

// ---------------------------------------------------------------- activation quantization

size_t ck_act_row_bytes(int type, int cols) {
    size_t b;
    if (ck_is_legacy(type)) b = (size_t)((cols / 32 + 1) / 2) * sizeof(ck_lq);
    else if (ck_is_kquant(type)) b = (size_t)(cols / 256) * sizeof(ck_kq);
    else return 0;
    if (ck_decode_supported(type) && ck_decode_row_bytes(cols) > b) b = ck_decode_row_bytes(cols);
    return (b + 63) & ~(size_t)63;
}

/// x (32,) -> q (32,) with x ≈ d q; returns the scales, writes sum of q.
static ck_act_scale quant_block32(const float *x, int8_t *q, int *sum) {
    float amax = 0;
    for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i]));
    ck_act_scale sc = ck_scale32(amax);
    int s = 0;
    for (int i = 0; i < 32; i++) {
        int v = (int)nearbyintf(x[i] * sc.id);
        q[i] = (int8_t)v;
        s += v;
    }
    *sum = s;
    return sc;
}

/// Scalar reference: x (cols,) -> one activation row in the layout for weight type `type`.
void ck_quant_act_reference(int type, const float *x, int cols, uint8_t *dst) {
    if (ck_is_legacy(type)) {
        int nb = cols / 32, off = ck_legacy_offset(type);
        ck_lq *out = (ck_lq *)dst;
        for (int p = 0; p < (nb + 1) / 2; p++) {
            ck_lq *o = &out[p];
            memset(o, 0, sizeof(*o));
            for (int j = 0; j < 2 && 2 * p + j < nb; j++) {
                int8_t q[32];
                int sum;
                ck_act_scale sc = quant_block32(x + 32 * (2 * p + j), q, &sum);
                for (int e = 0; e < 32; e++) o->q[ck_lq_pos(type, j, e)] = q[e];
                o->d[j] = sc.d;
                o->ds[j] = f16_round(sc.d_raw * (float)sum);
                o->corr[j] = -off * sum;
            }
        }
    } else if (ck_is_kquant(type)) {
        ck_kq *out = (ck_kq *)dst;
        for (int b = 0; b < cols / 256; b++) {
            ck_kq *o = &out[b];
            const float *v = x + 256 * b;
            memset(o, 0, sizeof(*o));
            float amax = 0;
            for (int i = 0; i < 256; i++) amax = fmaxf(amax, fabsf(v[i]));
            ck_act_scale sc = ck_scale256(amax);
            o->d = sc.d;
            int group = type == T_Q6_K ? 16 : 32;
            for (int i = 0; i < 256; i++) {
                int q = (int)nearbyintf(v[i] * sc.id);
                o->q[i] = (int8_t)q;
                o->bsum[i / group] += (int16_t)q;
            }
        }
    }
}

// ---------------------------------------------------------------- scalar gemm (reference)

/// Legacy block b of a weight row: natural-order unsigned values u[32] (w = dw*(u - offset) + mw).
static void unpack_legacy(int t, const uint8_t *b, uint8_t *u, float *dw, float *mw) {
    *dw = f16_to_f32(rd16(b));
    *mw = 0;
    switch (t) {
    case T_Q4_0:
        for (int j = 0; j < 16; j++) { u[j] = b[2 + j] & 0xF; u[j + 16] = b[2 + j] >> 4; }
        break;
    case T_Q4_1:
        *mw = f16_to_f32(rd16(b + 2));
        for (int j = 0; j < 16; j++) { u[j] = b[4 + j] & 0xF; u[j + 16] = b[4 + j] >> 4; }
        break;
    case T_Q5_0:
    case T_Q5_1: {
        int o = t == T_Q5_1 ? 4 : 2;
        if (t == T_Q5_1) *mw = f16_to_f32(rd16(b + 2));
        uint32_t qh = rd32(b + o);
        for (int j = 0; j < 16; j++) {
            u[j] = (b[o + 4 + j] & 0xF) | (((qh >> j) & 1) << 4);
            u[j + 16] = (b[o + 4 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
        }
        break;
    }
    case T_Q8_0:
        for (int j = 0; j < 32; j++) u[j] = (uint8_t)(b[2 + j] ^ 0x80);
        break;
    }
}

/// Reference: w (cols,) · x (cols,) for a legacy weight row and one quantized activation row.
/// Blocks summed in order with the same expression as ck_matvec_decode_reference, which the scalar
/// path uses for n = 1, so a row's result does not depend on n.
static float dot_legacy_reference(int t, const uint8_t *w, const ck_lq *a, int cols) {
    int nb = cols / 32, bb = ck_legacy_block_bytes(t);
    float acc = 0;
    for (int b = 0; b < nb; b++) {
        const ck_lq *p = &a[b / 2];
        int j = b & 1;
        uint8_t u[32];
        float dw, mw;
        unpack_legacy(t, w + (size_t)b * bb, u, &dw, &mw);
        int s = p->corr[j];
        for (int e = 0; e < 32; e++) s += (int)u[e] * p->q[ck_lq_pos(t, j, e)];
        acc += dw * p->d[j] * (float)s + mw * p->ds[j];
    }
    return acc;
}

/// Reference: w (cols,) · x (cols,) for a k-quant weight row and one quantized activation row.
static float dot_kquant_reference(int t, const uint8_t *w, const ck_kq *a, int cols) {
    float acc = 0;
    for (int b = 0; b < cols / 256; b++) {
        const ck_kq *x = &a[b];
        if (t == T_Q6_K) {
            const uint8_t *blk = w + (size_t)b * 210, *ql = blk, *qh = blk + 128;
            const int8_t *sc = (const int8_t *)(blk + 192);
            float d = f16_to_f32(rd16(blk + 208));
            uint8_t u[256];
            for (int h = 0; h < 2; h++)
                for (int l = 0; l < 32; l++) {
                    uint8_t H = qh[32 * h + l];
                    u[128 * h + l] = (ql[64 * h + l] & 0xF) | ((H & 3) << 4);
                    u[128 * h + l + 32] = (ql[64 * h + l + 32] & 0xF) | (((H >> 2) & 3) << 4);
                    u[128 * h + l + 64] = (ql[64 * h + l] >> 4) | (((H >> 4) & 3) << 4);
                    u[128 * h + l + 96] = (ql[64 * h + l + 32] >> 4) | (((H >> 6) & 3) << 4);
                }
            int isum = 0;
            for (int s = 0; s < 16; s++) {
                int dot = 0;
                for (int l = 0; l < 16; l++) dot += (int)u[16 * s + l] * x->q[16 * s + l];
                isum += sc[s] * (dot - 32 * x->bsum[s]);
            }
            acc += d * x->d * (float)isum;
        } else {
            int five = t == T_Q5_K;
            const uint8_t *blk = w + (size_t)b * (five ? 176 : 144);
            float d = f16_to_f32(rd16(blk)), dmin = f16_to_f32(rd16(blk + 2));
            uint8_t sc[8], m[8];
            ck_scales_k4(blk + 4, sc, m);
            const uint8_t *qh = blk + 16, *qs = blk + (five ? 48 : 16);
            int isum = 0, imin = 0;
            for (int g = 0; g < 4; g++) {
                int dlo = 0, dhi = 0;
                for (int l = 0; l < 32; l++) {
                    int lo = qs[32 * g + l] & 0xF, hi = qs[32 * g + l] >> 4;
                    if (five) {
                        lo |= ((qh[l] >> (2 * g)) & 1) << 4;
                        hi |= ((qh[l] >> (2 * g + 1)) & 1) << 4;
                    }
                    dlo += lo * x->q[64 * g + l];
                    dhi += hi * x->q[64 * g + 32 + l];
                }
                isum += sc[2 * g] * dlo + sc[2 * g + 1] * dhi;
                imin += m[2 * g] * x->bsum[2 * g] + m[2 * g + 1] * x->bsum[2 * g + 1];
            }
            acc += d * x->d * (float)isum - dmin * x->d * (float)imin;
        }
    }
    return acc;
}

static float load_float_weight(int t, const uint8_t *w, int k) {
    if (t == T_F32) { float f; memcpy(&f, w + 4 * (size_t)k, 4); return f; }
    if (t == T_F16) return f16_to_f32(rd16(w + 2 * (size_t)k));
    return bf16_to_f32(rd16(w + 2 * (size_t)k));
}

/// Scalar reference: Y (n, rows)[c, r] = W (rows, cols)[r] · X (n, cols)[c] for r in [r0, r1),
/// c in [c0, c1).
void ck_gemm_reference(const ck_gemm_args *a, int r0, int r1, int c0, int c1) {
    for (int r = r0; r < r1; r++) {
        const uint8_t *w = a->w + (size_t)r * a->wrow;
        for (int c = c0; c < c1; c++) {
            float v;
            if (ck_is_legacy(a->type)) v = dot_legacy_reference(a->type, w, (const ck_lq *)(a->aq + (size_t)c * a->arow), a->cols);
            else if (ck_is_kquant(a->type)) v = dot_kquant_reference(a->type, w, (const ck_kq *)(a->aq + (size_t)c * a->arow), a->cols);
            else {
                const float *x = a->x + (size_t)c * a->cols;
                v = 0;
                for (int k = 0; k < a->cols; k++) v += load_float_weight(a->type, w, k) * x[k];
            }
            a->y[(size_t)c * a->rows + r] = v;
        }
    }
}

// ---------------------------------------------------------------- driver

enum { MAXQ = 16 };
typedef struct { _Alignas(64) atomic_int next; int end; } chunk_queue;
/// One matmul call. Weight-row chunks sit in one queue per thread (contiguous rows, so each
/// thread streams memory in order); a thread drains its own queue, then helps the others.
typedef struct {
    ck_gemm_args g;
    int isa, decode, chunk, nchunks, nq;
    atomic_int next;  // activation rows (quantization)
    chunk_queue q[MAXQ];
} job;

/// Quantizes activation rows, 8 at a time, claimed dynamically.
static void quant_task(void *ctx, int ith, int nth) {
    (void)ith; (void)nth;
    job *j = ctx;
    const ck_gemm_args *a = &j->g;
    for (;;) {
        int c0 = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed) * 8;
        if (c0 >= a->n) return;
        int c1 = c0 + 8 < a->n ? c0 + 8 : a->n;
        for (int c = c0; c < c1; c++) {
            uint8_t *dst = (uint8_t *)a->aq + (size_t)c * a->arow;
            const float *x = a->x + (size_t)c * a->cols;
            if (j->decode && j->isa == CK_ISA_SCALAR) ck_quant_act_decode_reference(a->type, x, a->cols, dst);
            else if (j->decode) ck_quant_act_decode_avx512(a->type, x, a->cols, dst);
            else if (j->isa == CK_ISA_AVX512) ck_quant_act_avx512(a->type, x, a->cols, dst);
            else if (j->isa == CK_ISA_AVX2) ck_quant_act_avx2(a->type, x, a->cols, dst);
            else ck_quant_act_reference(a->type, x, a->cols, dst);
        }
    }
}

/// Computes chunks of weight rows (all n activation rows each), claimed dynamically.
/// Y rows [r0, r1) for all n activation rows, on the job's code path.
static void gemm_rows(const job *j, int r0, int r1) {
    const ck_gemm_args *a = &j->g;
#if defined(__aarch64__)
    if (j->isa == CK_ISA_NEON || j->isa == CK_ISA_NEON_NODOT) {  // ck_lq / ck_kq layouts, every n
        ck_gemm_neon(a, r0, r1, 0, a->n, j->isa == CK_ISA_NEON);
        return;
    }
#endif
    if (j->decode && j->isa == CK_ISA_SCALAR) ck_matvec_decode_reference(a, r0, r1);
    else if (j->decode && a->n == 1) ck_matvec_decode_vbmi(a, r0, r1);
    else if (j->decode) ck_gemm_decode_vbmi(a, r0, r1, 0, a->n);
    else if (j->isa == CK_ISA_AVX512) ck_gemm_avx512(a, r0, r1, 0, a->n);
    else if (j->isa == CK_ISA_AVX2) ck_gemm_avx2(a, r0, r1, 0, a->n);
    else ck_gemm_reference(a, r0, r1, 0, a->n);
}

/// Drains this thread's chunk queue, then the others'.
static void gemm_task(void *ctx, int ith, int nth) {
    (void)nth;
    job *j = ctx;
    for (int k = 0; k < j->nq; k++) {
        chunk_queue *q = &j->q[(ith + k) % j->nq];
        for (;;) {
            int i = atomic_fetch_add_explicit(&q->next, 1, memory_order_relaxed);
            if (i >= q->end) break;
            int r0 = i * j->chunk, r1 = r0 + j->chunk < j->g.rows ? r0 + j->chunk : j->g.rows;
            gemm_rows(j, r0, r1);
        }
    }
}

size_t ck_matmul_scratch_bytes(uint32_t type, int cols, int n) {
    return ck_act_row_bytes((int)type, cols) * (size_t)n;
}

static size_t weight_row_bytes(int t, int cols) {
    switch (t) {
    case T_F32: return 4 * (size_t)cols;
    case T_F16: case T_BF16: return 2 * (size_t)cols;
    case T_Q4_K: return (size_t)cols / 256 * 144;
    case T_Q5_K: return (size_t)cols / 256 * 176;
    case T_Q6_K: return (size_t)cols / 256 * 210;
    default: return ck_is_legacy(t) ? (size_t)cols / 32 * ck_legacy_block_bytes(t) : 0;
    }
}

int ck_matmul(ck_pool *pool, int isa, uint32_t type, const void *w, int rows, int cols,
              const float *x, int n, float *y, void *scratch) {
    int t = (int)type;
    if (!ck_is_legacy(t) && !ck_is_kquant(t) && !ck_is_float(t)) return -1;
    job j;
    int vbmi;
    j.isa = resolve_isa(isa, &vbmi);
    // nibble formats: the decode layout (16-block groups). With VBMI for every n (the batched
    // tiles sum each element in the matvec's order, so rows do not depend on n); the scalar
    // matvec uses it too, summing in the same block order as the scalar gemm.
    j.decode = ck_decode_supported(t) && ((n == 1 && j.isa == CK_ISA_SCALAR) || (j.isa == CK_ISA_AVX512 && vbmi));
    j.g.type = t;
    j.g.w = w;
    j.g.wrow = weight_row_bytes(t, cols);
    j.g.rows = rows;
    j.g.cols = cols;
    j.g.x = x;
    j.g.n = n;
    j.g.y = y;
    j.g.arow = ck_act_row_bytes(t, cols);
    j.g.aq = j.g.arow ? scratch : NULL;
    int nth = pool ? ck_pool_threads(pool) : 1;
    if (j.g.aq) {
        atomic_init(&j.next, 0);
        if (n <= 8 || nth == 1) quant_task(&j, 0, 1);
        else ck_pool_run_dynamic(pool, quant_task, &j);
    }
    // chunks of weight rows: a few per thread so a slow thread does not hold up the rest,
    // multiples of 4 (the register tile), at least 16 rows for decode
    // (prefill: 16 per thread, so a descheduled thread holds up little; each chunk re-reads X)
    int per = n == 1 ? 4 : 16;
    int chunk = (rows + per * nth - 1) / (per * nth);
    if (chunk < 16) chunk = 16;
    chunk = (chunk + 3) & ~3;
    if (chunk < 4) chunk = 4;
    j.chunk = chunk;
    j.nchunks = (rows + chunk - 1) / chunk;
    j.nq = nth < MAXQ ? nth : 1;
    if (j.nq > j.nchunks) j.nq = j.nchunks;
    for (int k = 0; k < j.nq; k++) {
        atomic_init(&j.q[k].next, (int)((long)j.nchunks * k / j.nq));
        j.q[k].end = (int)((long)j.nchunks * (k + 1) / j.nq);
    }
    if (nth > 1 && j.nchunks > 1) ck_pool_run_dynamic(pool, gemm_task, &j);
    else gemm_task(&j, 0, 1);
    return 0;
}

// ---------------------------------------------------------------- dequantize

void ck_dequantize_row(uint32_t type, const void *src, float *dst, int cols) {
    int t = (int)type;
    const uint8_t *s = src;
    if (ck_is_float(t)) {
        for (int k = 0; k < cols; k++) dst[k] = load_float_weight(t, s, k);
    } else if (ck_is_legacy(t)) {
        int bb = ck_legacy_block_bytes(t);
        for (int b = 0; b < cols / 32; b++) {
            uint8_t u[32];
            float dw, mw;
            unpack_legacy(t, s + (size_t)b * bb, u, &dw, &mw);
            int off = ck_legacy_offset(t);
            for (int e = 0; e < 32; e++) dst[32 * b + e] = dw * (float)((int)u[e] - off) + mw;
        }
    } else if (t == T_Q6_K) {
        for (int b = 0; b < cols / 256; b++) {
            const uint8_t *blk = s + (size_t)b * 210, *ql = blk, *qh = blk + 128;
            const int8_t *sc = (const int8_t *)(blk + 192);
            float d = f16_to_f32(rd16(blk + 208));
            float *y = dst + 256 * b;
            for (int h = 0; h < 2; h++)
                for (int l = 0; l < 32; l++) {
                    uint8_t H = qh[32 * h + l];
                    int is = 8 * h + l / 16;
                    y[128 * h + l] = d * sc[is] * (float)(((ql[64 * h + l] & 0xF) | ((H & 3) << 4)) - 32);
                    y[128 * h + l + 32] = d * sc[is + 2] * (float)(((ql[64 * h + l + 32] & 0xF) | (((H >> 2) & 3) << 4)) - 32);
                    y[128 * h + l + 64] = d * sc[is + 4] * (float)(((ql[64 * h + l] >> 4) | (((H >> 4) & 3) << 4)) - 32);
                    y[128 * h + l + 96] = d * sc[is + 6] * (float)(((ql[64 * h + l + 32] >> 4) | (((H >> 6) & 3) << 4)) - 32);
                }
        }
    } else if (ck_is_kquant(t)) {
        int five = t == T_Q5_K;
        for (int b = 0; b < cols / 256; b++) {
            const uint8_t *blk = s + (size_t)b * (five ? 176 : 144);
            float d = f16_to_f32(rd16(blk)), dmin = f16_to_f32(rd16(blk + 2));
            uint8_t sc[8], m[8];
            ck_scales_k4(blk + 4, sc, m);
            const uint8_t *qh = blk + 16, *qs = blk + (five ? 48 : 16);
            float *y = dst + 256 * b;
            for (int g = 0; g < 4; g++)
                for (int l = 0; l < 32; l++) {
                    int lo = qs[32 * g + l] & 0xF, hi = qs[32 * g + l] >> 4;
                    if (five) {
                        lo |= ((qh[l] >> (2 * g)) & 1) << 4;
                        hi |= ((qh[l] >> (2 * g + 1)) & 1) << 4;
                    }
                    y[64 * g + l] = d * sc[2 * g] * (float)lo - dmin * m[2 * g];
                    y[64 * g + 32 + l] = d * sc[2 * g + 1] * (float)hi - dmin * m[2 * g + 1];
                }
        }
    }
}
