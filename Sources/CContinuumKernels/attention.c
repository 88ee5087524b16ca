// Causal attention over an f32 KV cache: scores = K q * scale, softmax, out = Σ p V.
// One (query, head) pair per work item, claimed dynamically across the pool.
#include "ckernels.h"
#include "common.h"
#include <stdatomic.h>

size_t ck_attention_scratch_floats(int nthreads, int start, int n) {
    size_t len = (size_t)(start + n + 15) & ~(size_t)15;
    return (size_t)nthreads * len * 4;  // room for 4 heads' scores
}

/// Scalar reference for one (query, head): q (d,), K/V rows t (d,) at stride kvs, len positions.
static void head_reference(const float *q, const float *k, const float *v, long kvs, int len, int d,
                        float scale, float *s, float *out) {
    float m = -INFINITY;
    for (int t = 0; t < len; t++) {
        float acc = 0;
        for (int j = 0; j < d; j++) acc += q[j] * k[(size_t)t * kvs + j];
        s[t] = acc * scale;
        m = s[t] > m ? s[t] : m;
    }
    float sum = 0;
    for (int t = 0; t < len; t++) { s[t] = expf(s[t] - m); sum += s[t]; }
    for (int j = 0; j < d; j++) out[j] = 0;
    for (int t = 0; t < len; t++)
        for (int j = 0; j < d; j++) out[j] += s[t] * v[(size_t)t * kvs + j];
    float inv = 1.0f / sum;
    for (int j = 0; j < d; j++) out[j] *= inv;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define A512 __attribute__((target("avx512f,avx512dq,fma")))

A512 static inline __m512 exp512(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f)), _mm512_set1_ps(-110.0f));
    __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
    __m512 k = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_sub_ps(t, k);
    __m512 p = _mm512_set1_ps(1.535336188319500e-4f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.339887440266574e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.618437357674640e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550332471162809e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.402264791363012e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931472028550421e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

/// Same as head_reference, d a multiple of 16 and at most 256.
A512 static void head_512(const float *q, const float *k, const float *v, long kvs, int len, int d,
                          float scale, float *s, float *out) {
    const int nv = d / 16;
    __m512 qv[16];
    for (int j = 0; j < nv; j++) qv[j] = _mm512_loadu_ps(q + 16 * j);
    // scores, 4 positions at a time; the four horizontal sums share their shuffles
    __m512 mx = _mm512_set1_ps(-INFINITY);
    int t = 0;
    for (; t + 4 <= len; t += 4) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        const float *k0 = k + (size_t)t * kvs;
        for (int j = 0; j < nv; j++) {
            a0 = _mm512_fmadd_ps(qv[j], _mm512_loadu_ps(k0 + 16 * j), a0);
            a1 = _mm512_fmadd_ps(qv[j], _mm512_loadu_ps(k0 + kvs + 16 * j), a1);
            a2 = _mm512_fmadd_ps(qv[j], _mm512_loadu_ps(k0 + 2 * kvs + 16 * j), a2);
            a3 = _mm512_fmadd_ps(qv[j], _mm512_loadu_ps(k0 + 3 * kvs + 16 * j), a3);
        }
        // 4 x 16 -> 4: fold 512 -> 256 -> 128 and transpose-add
        __m256 b0 = _mm256_add_ps(_mm512_castps512_ps256(a0), _mm512_extractf32x8_ps(a0, 1));
        __m256 b1 = _mm256_add_ps(_mm512_castps512_ps256(a1), _mm512_extractf32x8_ps(a1, 1));
        __m256 b2 = _mm256_add_ps(_mm512_castps512_ps256(a2), _mm512_extractf32x8_ps(a2, 1));
        __m256 b3 = _mm256_add_ps(_mm512_castps512_ps256(a3), _mm512_extractf32x8_ps(a3, 1));
        __m256 h01 = _mm256_hadd_ps(b0, b1), h23 = _mm256_hadd_ps(b2, b3);
        __m256 h = _mm256_hadd_ps(h01, h23);  // [s0 s1 s2 s3 | s0' s1' s2' s3'] halves
        __m128 r = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        r = _mm_mul_ps(r, _mm_set1_ps(scale));
        _mm_storeu_ps(s + t, r);
    }
    for (; t < len; t++) {
        __m512 a = _mm512_setzero_ps();
        for (int j = 0; j < nv; j++) a = _mm512_fmadd_ps(qv[j], _mm512_loadu_ps(k + (size_t)t * kvs + 16 * j), a);
        s[t] = _mm512_reduce_add_ps(a) * scale;
    }
    for (t = 0; t < len; t += 16) {
        __mmask16 m = len - t >= 16 ? 0xFFFF : (__mmask16)((1u << (len - t)) - 1);
        mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, s + t));
    }
    __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(mx)), sum = _mm512_setzero_ps();
    for (t = 0; t < len; t += 16) {
        __mmask16 m = len - t >= 16 ? 0xFFFF : (__mmask16)((1u << (len - t)) - 1);
        __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + t), mv)));
        _mm512_mask_storeu_ps(s + t, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    // out = Σ p V / Σ p, accumulated in registers
    __m512 o[16];
    for (int j = 0; j < nv; j++) o[j] = _mm512_setzero_ps();
    for (t = 0; t < len; t++) {
        __m512 p = _mm512_set1_ps(s[t]);
        const float *vr = v + (size_t)t * kvs;
        for (int j = 0; j < nv; j++) o[j] = _mm512_fmadd_ps(p, _mm512_loadu_ps(vr + 16 * j), o[j]);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (int j = 0; j < nv; j++) _mm512_storeu_ps(out + 16 * j, _mm512_mul_ps(o[j], inv));
}
/// H (<= 4) query heads sharing one kv head, head_dim 64: each K and V row is loaded once for
/// all of them. q rows d floats apart; s holds H rows of `len` scores.
A512 static void heads4_512(int H, const float *q, const float *k, const float *v, long kvs, int len,
                            float scale, float *s, size_t sstride, float *out) {
    enum { NV = 4 };
    __m512 qv[4][NV];
    for (int h = 0; h < 4; h++)
        for (int j = 0; j < NV; j++) qv[h][j] = h < H ? _mm512_loadu_ps(q + 64 * h + 16 * j) : _mm512_setzero_ps();
    const __m128 sc = _mm_set1_ps(scale);
    for (int t = 0; t < len; t++) {
        const float *kr = k + (size_t)t * kvs;
        __m512 kv0 = _mm512_loadu_ps(kr), kv1 = _mm512_loadu_ps(kr + 16), kv2 = _mm512_loadu_ps(kr + 32), kv3 = _mm512_loadu_ps(kr + 48);
        __m256 b[4];
        for (int h = 0; h < 4; h++) {
            __m512 a = _mm512_mul_ps(qv[h][0], kv0);
            a = _mm512_fmadd_ps(qv[h][1], kv1, a);
            a = _mm512_fmadd_ps(qv[h][2], kv2, a);
            a = _mm512_fmadd_ps(qv[h][3], kv3, a);
            b[h] = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
        }
        __m256 hh = _mm256_hadd_ps(_mm256_hadd_ps(b[0], b[1]), _mm256_hadd_ps(b[2], b[3]));
        __m128 r = _mm_mul_ps(_mm_add_ps(_mm256_castps256_ps128(hh), _mm256_extractf128_ps(hh, 1)), sc);
        float rs[4];
        _mm_storeu_ps(rs, r);
        for (int h = 0; h < H; h++) s[h * sstride + t] = rs[h];
    }
    float inv[4];
    for (int h = 0; h < H; h++) {
        float *sh = s + h * sstride;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (int t = 0; t < len; t += 16) {
            __mmask16 m = len - t >= 16 ? 0xFFFF : (__mmask16)((1u << (len - t)) - 1);
            mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, sh + t));
        }
        __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(mx)), sum = _mm512_setzero_ps();
        for (int t = 0; t < len; t += 16) {
            __mmask16 m = len - t >= 16 ? 0xFFFF : (__mmask16)((1u << (len - t)) - 1);
            __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, sh + t), mv)));
            _mm512_mask_storeu_ps(sh + t, m, e);
            sum = _mm512_add_ps(sum, e);
        }
        inv[h] = 1.0f / _mm512_reduce_add_ps(sum);
    }
    __m512 o[4][NV];
    for (int h = 0; h < 4; h++)
        for (int j = 0; j < NV; j++) o[h][j] = _mm512_setzero_ps();
    for (int t = 0; t < len; t++) {
        const float *vr = v + (size_t)t * kvs;
        __m512 v0 = _mm512_loadu_ps(vr), v1 = _mm512_loadu_ps(vr + 16), v2 = _mm512_loadu_ps(vr + 32), v3 = _mm512_loadu_ps(vr + 48);
        for (int h = 0; h < H; h++) {
            __m512 p = _mm512_set1_ps(s[h * sstride + t]);
            o[h][0] = _mm512_fmadd_ps(p, v0, o[h][0]);
            o[h][1] = _mm512_fmadd_ps(p, v1, o[h][1]);
            o[h][2] = _mm512_fmadd_ps(p, v2, o[h][2]);
            o[h][3] = _mm512_fmadd_ps(p, v3, o[h][3]);
        }
    }
    for (int h = 0; h < H; h++) {
        __m512 iv = _mm512_set1_ps(inv[h]);
        for (int j = 0; j < NV; j++) _mm512_storeu_ps(out + 64 * h + 16 * j, _mm512_mul_ps(o[h][j], iv));
    }
}
#define HAVE_512 1
#else
#define HAVE_512 0
#endif

typedef struct { const ck_attention_args *a; float *scratch; size_t per; int simd, multi; atomic_int next; } att_job;

static void att_task(void *ctx, int ith, int nth) {
    (void)nth;
    att_job *j = ctx;
    const ck_attention_args *a = j->a;
    float *s = j->scratch + (size_t)ith * j->per;
    int group = a->heads / a->kv_heads, total = a->n * a->heads;
#if HAVE_512
    if (j->multi) {  // items: (query, kv head, block of up to 4 of its query heads)
        int blocks = (group + 3) / 4, items = a->n * a->kv_heads * blocks;
        for (;;) {
            int w = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
            if (w >= items) return;
            int i = w / (a->kv_heads * blocks), rem = w % (a->kv_heads * blocks), g = rem / blocks, hb = rem % blocks;
            int h0 = g * group + 4 * hb, H = group - 4 * hb < 4 ? group - 4 * hb : 4;
            heads4_512(H, a->q + (size_t)i * a->q_stride + (size_t)h0 * 64, a->k + (size_t)g * 64, a->v + (size_t)g * 64,
                       a->kv_stride, a->start + i + 1, a->scale, s, j->per / 4,
                       a->out + (size_t)i * a->out_stride + (size_t)h0 * 64);
        }
    }
#endif
    for (;;) {
        int w = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (w >= total) return;
        int i = w / a->heads, h = w % a->heads, g = h / group;
        const float *q = a->q + (size_t)i * a->q_stride + (size_t)h * a->head_dim;
        const float *k = a->k + (size_t)g * a->head_dim, *v = a->v + (size_t)g * a->head_dim;
        float *out = a->out + (size_t)i * a->out_stride + (size_t)h * a->head_dim;
        int len = a->start + i + 1;
#if HAVE_512
        if (j->simd) { head_512(q, k, v, a->kv_stride, len, a->head_dim, a->scale, s, out); continue; }
#endif
        head_reference(q, k, v, a->kv_stride, len, a->head_dim, a->scale, s, out);
    }
}

void ck_attention(ck_pool *pool, int isa, const ck_attention_args *a, float *scratch) {
    int nth = pool ? ck_pool_threads(pool) : 1;
    att_job j;
    j.a = a;
    j.scratch = scratch;
    j.per = ck_attention_scratch_floats(1, a->start, a->n);
    int vbmi;
    isa = ck_resolve_isa(isa, &vbmi);
    j.simd = isa == CK_ISA_AVX512 &&
             a->head_dim % 16 == 0 && a->head_dim <= 256;
    j.multi = j.simd && a->head_dim == 64;
    atomic_init(&j.next, 0);
    // work is claimed dynamically and each thread uses its own scratch slot, so workers that have
    // not started when the caller runs out of work may skip
    if (nth > 1 && a->n * a->heads > 1) ck_pool_run_dynamic(pool, att_task, &j);
    else att_task(&j, 0, 1);
}
