// Causal attention over an F16 KV cache (paged or contiguous), online softmax: one pass over
// the keys, no score buffer. One task = one (query token, kv head): the query heads that share
// the kv head walk the keys together, so each K and V row is read (and widened to f32) once
// per group. Keys and values are IEEE binary16, rounded once when they are written
// (ck_f32_to_f16_row), so every path reads the same numbers.
//
// Paths: the scalar reference (one key at a time), AVX2+FMA+F16C (blocks of 8 keys) and
// AVX-512 (blocks of 16 keys). A block's keys are widened into a small f32 tile shared by the
// group's heads; each head takes the block's scores as one vector, one vector exp and at most
// one rescale of its accumulator per block. The order of operations for a query depends only
// on that query (its length and its own keys), never on the rest of the batch or the threads.
#include "ck_paged_attention.h"
#include "common.h"
#include "exp256.h"
#include "exp512.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { MAX_GROUP = 16, MAX_HEAD_DIM = 256 };

void ck_f32_to_f16_row(const float *x, uint16_t *y, long n) {
    for (long i = 0; i < n; i++) y[i] = f32_to_f16(x[i]);
}

void ck_f16_to_f32_row(const uint16_t *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = f16_to_f32(x[i]);
}

/// What one task reads: G query heads (rows hd floats apart from q, written to out likewise)
/// against positions first..<len of one kv head (first > 0 only under a sliding window), whose position j lives at row
/// slot(j) = table ? table[j / bs] * bs + j % bs : j of k and v (rows kvs halves apart).
typedef struct {
    const float *q;
    float *out;
    const uint16_t *k, *v;
    const int32_t *table;
    long kvs;
    int G, hd, len, bs;
    int first;
    float scale;
} att_task;

static inline long task_slot(const att_task *t, int j) {
    return t->table ? (long)t->table[j / t->bs] * t->bs + j % t->bs : (long)j;
}

/// Rows of positions j0 ..< j0 + cnt: one division per block of keys (they usually share a
/// KV block), not one per key.
static inline void block_rows(const att_task *t, int j0, int cnt, const uint16_t **kp, const uint16_t **vp) {
    long s0 = j0;
    int consecutive = 1;
    if (t->table) {
        int b = j0 / t->bs, off = j0 - b * t->bs;
        consecutive = off + cnt <= t->bs;
        s0 = (long)t->table[b] * t->bs + off;
    }
    for (int i = 0; i < cnt; i++) {
        long slot = consecutive ? s0 + i : task_slot(t, j0 + i);
        kp[i] = t->k + slot * t->kvs;
        vp[i] = t->v + slot * t->kvs;
    }
}

/// Reference: one key at a time (online softmax per key), the group's heads walking the keys
/// together so each K and V row is widened once.
static void core_reference(const att_task *t) {
    enum { MAX_REF_DIM = 1024 };  // head_dim ≤ 1024 is checked at model load
    const int hd = t->hd, G = t->G;
    float kf[MAX_REF_DIM], vf[MAX_REF_DIM], m[MAX_GROUP], s[MAX_GROUP];
    float acc[MAX_GROUP * MAX_REF_DIM];  // 64 KiB of stack
    for (int hh = 0; hh < G; hh++) {
        m[hh] = -INFINITY;
        s[hh] = 0;
        for (int d = 0; d < hd; d++) acc[hh * hd + d] = 0;
    }
    for (int j = t->first; j < t->len; j++) {
        long slot = task_slot(t, j);
        const uint16_t *k = t->k + slot * t->kvs, *v = t->v + slot * t->kvs;
        for (int d = 0; d < hd; d++) kf[d] = f16_to_f32(k[d]);
        for (int d = 0; d < hd; d++) vf[d] = f16_to_f32(v[d]);
        for (int hh = 0; hh < G; hh++) {
            const float *q = t->q + (long)hh * hd;
            float *a = acc + hh * hd;
            float x = 0;
            for (int d = 0; d < hd; d++) x += q[d] * kf[d];
            x *= t->scale;
            if (x > m[hh]) {
                float c = expf(m[hh] - x);  // m = -inf the first time: c = 0
                for (int d = 0; d < hd; d++) a[d] *= c;
                s[hh] *= c;
                m[hh] = x;
            }
            float p = expf(x - m[hh]);
            s[hh] += p;
            for (int d = 0; d < hd; d++) a[d] += p * vf[d];
        }
    }
    for (int hh = 0; hh < G; hh++) {
        float *out = t->out + (long)hh * hd;
        for (int d = 0; d < hd; d++) out[d] = acc[hh * hd + d] / s[hh];
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PA2 __attribute__((target("avx2,fma,f16c")))
#define PA2I __attribute__((target("avx2,fma,f16c"), always_inline)) static inline
#define PA512 __attribute__((target("avx512f,avx512dq,avx512vl,fma,f16c")))
#define PA512I __attribute__((target("avx512f,avx512dq,avx512vl,fma,f16c"), always_inline)) static inline

// ---------------------------------------------------------------- AVX2 (+FMA, F16C)

PA2I float hmax256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

PA2I float hsum256(__m256 v) {
    __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/// Lane t = the horizontal sum of a[t].
PA2I __m256 reduce8x8(const __m256 a[8]) {
    __m256 h0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    __m256 h4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20), _mm256_permute2f128_ps(h0123, h4567, 0x31));
}

/// o[0..8*NB) += Σ_t<cnt p[t] · vc[t*hd ..], NB vectors kept in registers.
PA2I void pv_avx2(float *o, const float *vc, int hd, const float *p, int cnt, const int NB) {
    __m256 acc[8];
    for (int i = 0; i < NB; i++) acc[i] = _mm256_load_ps(o + 8 * i);
    for (int t = 0; t < cnt; t++) {
        __m256 w = _mm256_broadcast_ss(p + t);
        for (int i = 0; i < NB; i++) acc[i] = _mm256_fmadd_ps(w, _mm256_load_ps(vc + (long)t * hd + 8 * i), acc[i]);
    }
    for (int i = 0; i < NB; i++) _mm256_store_ps(o + 8 * i, acc[i]);
}

PA2 static void core_avx2(const att_task *tk) {
    enum { C = 8 };
    const int hd = tk->hd, vecs = hd / 8, G = tk->G, len = tk->len;
    float kc[C * MAX_HEAD_DIM] __attribute__((aligned(32)));
    float vc[C * MAX_HEAD_DIM] __attribute__((aligned(32)));
    float o[MAX_GROUP * MAX_HEAD_DIM] __attribute__((aligned(32)));
    float p[C] __attribute__((aligned(32)));
    float m[MAX_GROUP];
    __m256 ssum[MAX_GROUP];
    for (int hh = 0; hh < G; hh++) {
        m[hh] = -INFINITY;
        ssum[hh] = _mm256_setzero_ps();
        for (int d = 0; d < vecs; d++) _mm256_store_ps(o + hh * hd + 8 * d, _mm256_setzero_ps());
    }
    const __m256 lane = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), ninf = _mm256_set1_ps(-INFINITY);
    const __m256 vscale = _mm256_set1_ps(tk->scale);
    for (int j0 = tk->first; j0 < len; j0 += C) {
        const int cnt = len - j0 < C ? len - j0 : C;
        // widen the block's K and V rows once for the whole group
        const uint16_t *kp[C], *vp[C];
        block_rows(tk, j0, cnt, kp, vp);
        for (int t = 0; t < cnt; t++) {
            const uint16_t *kr = kp[t], *vr = vp[t];
            for (int d = 0; d < vecs; d++) {
                _mm256_store_ps(kc + t * hd + 8 * d, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kr + 8 * d))));
                _mm256_store_ps(vc + t * hd + 8 * d, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vr + 8 * d))));
            }
        }
        for (int t = cnt; t < C; t++)
            for (int d = 0; d < vecs; d++) _mm256_store_ps(kc + t * hd + 8 * d, _mm256_setzero_ps());
        const __m256 live = _mm256_cmp_ps(lane, _mm256_set1_ps((float)cnt), _CMP_LT_OQ);
        for (int hh = 0; hh < G; hh++) {
            const float *qh = tk->q + (long)hh * hd;
            __m256 a[C];
            for (int t = 0; t < C; t++) a[t] = _mm256_setzero_ps();
            for (int d = 0; d < vecs; d++) {
                __m256 qd = _mm256_loadu_ps(qh + 8 * d);
                for (int t = 0; t < C; t++) a[t] = _mm256_fmadd_ps(qd, _mm256_load_ps(kc + t * hd + 8 * d), a[t]);
            }
            __m256 x = _mm256_blendv_ps(ninf, _mm256_mul_ps(reduce8x8(a), vscale), live);
            float cmax = hmax256(x);
            float *oh = o + hh * hd;
            if (cmax > m[hh]) {
                if (m[hh] != -INFINITY) {
                    __m256 c = _mm256_set1_ps(expf(m[hh] - cmax));
                    for (int d = 0; d < vecs; d++) _mm256_store_ps(oh + 8 * d, _mm256_mul_ps(_mm256_load_ps(oh + 8 * d), c));
                    ssum[hh] = _mm256_mul_ps(ssum[hh], c);
                }
                m[hh] = cmax;
            }
            __m256 e = ck_exp256(_mm256_sub_ps(x, _mm256_set1_ps(m[hh])));
            ssum[hh] = _mm256_add_ps(ssum[hh], e);
            _mm256_store_ps(p, e);
            int d = 0;
            for (; d + 8 <= vecs; d += 8) pv_avx2(oh + 8 * d, vc + 8 * d, hd, p, cnt, 8);
            for (; d + 4 <= vecs; d += 4) pv_avx2(oh + 8 * d, vc + 8 * d, hd, p, cnt, 4);
            for (; d < vecs; d++) pv_avx2(oh + 8 * d, vc + 8 * d, hd, p, cnt, 1);
        }
    }
    for (int hh = 0; hh < G; hh++) {
        float *out = tk->out + (long)hh * hd;
        __m256 inv = _mm256_set1_ps(1.0f / hsum256(ssum[hh]));
        for (int d = 0; d < vecs; d++) _mm256_storeu_ps(out + 8 * d, _mm256_mul_ps(_mm256_load_ps(o + hh * hd + 8 * d), inv));
    }
}

// ---------------------------------------------------------------- AVX-512

PA512I void pv_512(float *o, const float *vc, int hd, const float *p, int cnt, const int NB) {
    __m512 acc[8];
    for (int i = 0; i < NB; i++) acc[i] = _mm512_load_ps(o + 16 * i);
    for (int t = 0; t < cnt; t++) {
        __m512 w = _mm512_set1_ps(p[t]);
        for (int i = 0; i < NB; i++) acc[i] = _mm512_fmadd_ps(w, _mm512_load_ps(vc + (long)t * hd + 16 * i), acc[i]);
    }
    for (int i = 0; i < NB; i++) _mm512_store_ps(o + 16 * i, acc[i]);
}

PA512I __m256 fold512(__m512 a) { return _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1)); }

PA512 static void core_avx512(const att_task *tk) {
    enum { C = 16 };
    const int hd = tk->hd, vecs = hd / 16, G = tk->G, len = tk->len;
    float kc[C * MAX_HEAD_DIM] __attribute__((aligned(64)));
    float vc[C * MAX_HEAD_DIM] __attribute__((aligned(64)));
    float o[MAX_GROUP * MAX_HEAD_DIM] __attribute__((aligned(64)));
    float p[C] __attribute__((aligned(64)));
    float m[MAX_GROUP];
    __m512 ssum[MAX_GROUP];
    for (int hh = 0; hh < G; hh++) {
        m[hh] = -INFINITY;
        ssum[hh] = _mm512_setzero_ps();
        for (int d = 0; d < vecs; d++) _mm512_store_ps(o + hh * hd + 16 * d, _mm512_setzero_ps());
    }
    const __m512 vscale = _mm512_set1_ps(tk->scale), ninf = _mm512_set1_ps(-INFINITY);
    for (int j0 = tk->first; j0 < len; j0 += C) {
        const int cnt = len - j0 < C ? len - j0 : C;
        const __mmask16 live = cnt == C ? (__mmask16)0xFFFF : (__mmask16)((1u << cnt) - 1);
        const uint16_t *kp[C], *vp[C];
        block_rows(tk, j0, cnt, kp, vp);
        for (int t = 0; t < cnt; t++) {
            const uint16_t *kr = kp[t], *vr = vp[t];
            for (int d = 0; d < vecs; d++) {
                _mm512_store_ps(kc + t * hd + 16 * d, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(kr + 16 * d))));
                _mm512_store_ps(vc + t * hd + 16 * d, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vr + 16 * d))));
            }
        }
        for (int t = cnt; t < C; t++)
            for (int d = 0; d < vecs; d++) _mm512_store_ps(kc + t * hd + 16 * d, _mm512_setzero_ps());
        for (int hh = 0; hh < G; hh++) {
            const float *qh = tk->q + (long)hh * hd;
            __m512 a[C];
            for (int t = 0; t < C; t++) a[t] = _mm512_setzero_ps();
            for (int d = 0; d < vecs; d++) {
                __m512 qd = _mm512_loadu_ps(qh + 16 * d);
                for (int t = 0; t < C; t++) a[t] = _mm512_fmadd_ps(qd, _mm512_load_ps(kc + t * hd + 16 * d), a[t]);
            }
            __m256 b[C];
            for (int t = 0; t < C; t++) b[t] = fold512(a[t]);
            __m512 x = _mm512_insertf32x8(_mm512_castps256_ps512(reduce8x8(b)), reduce8x8(b + 8), 1);
            x = _mm512_mask_mul_ps(ninf, live, x, vscale);
            float cmax = _mm512_reduce_max_ps(x);
            float *oh = o + hh * hd;
            if (cmax > m[hh]) {
                if (m[hh] != -INFINITY) {
                    __m512 c = _mm512_set1_ps(expf(m[hh] - cmax));
                    for (int d = 0; d < vecs; d++) _mm512_store_ps(oh + 16 * d, _mm512_mul_ps(_mm512_load_ps(oh + 16 * d), c));
                    ssum[hh] = _mm512_mul_ps(ssum[hh], c);
                }
                m[hh] = cmax;
            }
            __m512 e = ck_exp512(_mm512_sub_ps(x, _mm512_set1_ps(m[hh])));
            ssum[hh] = _mm512_add_ps(ssum[hh], e);
            _mm512_store_ps(p, e);
            int d = 0;
            for (; d + 8 <= vecs; d += 8) pv_512(oh + 16 * d, vc + 16 * d, hd, p, cnt, 8);
            for (; d + 4 <= vecs; d += 4) pv_512(oh + 16 * d, vc + 16 * d, hd, p, cnt, 4);
            for (; d < vecs; d++) pv_512(oh + 16 * d, vc + 16 * d, hd, p, cnt, 1);
        }
    }
    for (int hh = 0; hh < G; hh++) {
        float *out = tk->out + (long)hh * hd;
        __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(ssum[hh]));
        for (int d = 0; d < vecs; d++) _mm512_storeu_ps(out + 16 * d, _mm512_mul_ps(_mm512_load_ps(o + hh * hd + 16 * d), inv));
    }
}
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

enum { PATH_REFERENCE = 0, PATH_AVX2 = 1, PATH_AVX512 = 2 };

static int choose_path(int isa, int head_dim) {
    int vbmi;
    isa = ck_resolve_isa(isa, &vbmi);
    if (head_dim > MAX_HEAD_DIM) return PATH_REFERENCE;
#if HAVE_X86
    if ((isa == CK_ISA_AVX512 || isa == CK_ISA_AVX512_NO_VBMI) && head_dim % 16 == 0) return PATH_AVX512;
    if (isa >= CK_ISA_AVX2 && head_dim % 8 == 0) return PATH_AVX2;
#endif
    return PATH_REFERENCE;
}

/// Runs heads [h0, h1) of a kv head's group (t.q, t.out at the group's first head) in tasks
/// of at most MAX_GROUP heads. A head's arithmetic does not depend on which other heads share
/// its task (they only share the widened K/V rows), so how a group is split never changes a
/// result.
static void run_heads(att_task t, int h0, int h1, int path) {
    const float *q = t.q;
    float *out = t.out;
    for (int h = h0; h < h1; h += MAX_GROUP) {
        t.G = h1 - h < MAX_GROUP ? h1 - h : MAX_GROUP;
        t.q = q + (long)h * t.hd;
        t.out = out + (long)h * t.hd;
#if HAVE_X86
        if (path == PATH_AVX512) { core_avx512(&t); continue; }
        if (path == PATH_AVX2) { core_avx2(&t); continue; }
#endif
        (void)path;
        core_reference(&t);
    }
}

/// Work items: (query, kv head, part of its group). Groups are split only when there are too
/// few (query, kv head) pairs to keep the threads busy (decode of one sequence).
typedef struct { int path, parts, part_heads, group; } att_plan;

static att_plan plan(int isa, int head_dim, int n, int heads, int kv_heads, int threads) {
    att_plan p;
    p.path = choose_path(isa, head_dim);
    p.group = heads / kv_heads;
    p.parts = 1;
    while (threads > 1 && p.parts < p.group && n * kv_heads * p.parts < 2 * threads) p.parts++;
    p.part_heads = (p.group + p.parts - 1) / p.parts;
    p.parts = (p.group + p.part_heads - 1) / p.part_heads;
    return p;
}

typedef struct { const ck_paged_attention_args *a; att_plan p; int window; } paged_job;

static void paged_index(void *ctx, int index, int ith) {
    (void)ith;
    const paged_job *j = (const paged_job *)ctx;
    const ck_paged_attention_args *a = j->a;
    const int parts = j->p.parts, group = j->p.group, hd = a->head_dim;
    // the last queries of the batch first: in a prefill they are the longest, so the pool ends evenly
    index = a->n * a->kv_heads * parts - 1 - index;
    int part = index % parts, pair = index / parts, i = pair / a->kv_heads, g = pair % a->kv_heads;
    att_task t = {
        .q = a->q + (long)i * a->q_stride + (long)g * group * hd,
        .out = a->out + (long)i * a->out_stride + (long)g * group * hd,
        .k = a->k + (long)g * hd, .v = a->v + (long)g * hd,
        .table = a->tables + a->table_offsets[i], .kvs = a->kv_stride,
        .G = group, .hd = hd, .len = a->positions[i] + 1, .bs = a->block_size, .scale = a->scale,
    };
    // sliding window: position p attends to p - window + 1 ... p (llama.cpp masks p - j >= window)
    if (j->window > 0 && t.len > j->window) t.first = t.len - j->window;
    int h0 = part * j->p.part_heads, h1 = h0 + j->p.part_heads < group ? h0 + j->p.part_heads : group;
    run_heads(t, h0, h1, j->p.path);
}

void ck_paged_attention(ck_pool *pool, int isa, const ck_paged_attention_args *a) {
    ck_paged_attention_window(pool, isa, a, 0);
}

void ck_paged_attention_window(ck_pool *pool, int isa, const ck_paged_attention_args *a, int window) {
    paged_job j = {a, plan(isa, a->head_dim, a->n, a->heads, a->kv_heads, pool ? ck_pool_threads(pool) : 1), window};
    int count = a->n * a->kv_heads * j.p.parts;
    if (!pool) { for (int w = 0; w < count; w++) paged_index(&j, w, 0); return; }
    ck_pool_for(pool, count, paged_index, &j);
}

typedef struct { const ck_attention_args *a; att_plan p; } contiguous_job;

static void contiguous_index(void *ctx, int index, int ith) {
    (void)ith;
    const contiguous_job *j = (const contiguous_job *)ctx;
    const ck_attention_args *a = j->a;
    const int parts = j->p.parts, group = j->p.group, hd = a->head_dim;
    // the longest queries first: they are the most work, so the pool ends evenly
    index = a->n * a->kv_heads * parts - 1 - index;
    int part = index % parts, pair = index / parts, i = pair / a->kv_heads, g = pair % a->kv_heads;
    att_task t = {
        .q = a->q + (long)i * a->q_stride + (long)g * group * hd,
        .out = a->out + (long)i * a->out_stride + (long)g * group * hd,
        .k = a->k + (long)g * hd, .v = a->v + (long)g * hd,
        .table = NULL, .kvs = a->kv_stride,
        .G = group, .hd = hd, .len = a->start + i + 1, .bs = 1, .scale = a->scale,
    };
    int h0 = part * j->p.part_heads, h1 = h0 + j->p.part_heads < group ? h0 + j->p.part_heads : group;
    run_heads(t, h0, h1, j->p.path);
}

void ck_attention(ck_pool *pool, int isa, const ck_attention_args *a) {
    contiguous_job j = {a, plan(isa, a->head_dim, a->n, a->heads, a->kv_heads, pool ? ck_pool_threads(pool) : 1)};
    int count = a->n * a->kv_heads * j.p.parts;
    if (!pool) { for (int w = 0; w < count; w++) contiguous_index(&j, w, 0); return; }
    ck_pool_for(pool, count, contiguous_index, &j);
}
