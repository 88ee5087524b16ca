// Paged causal attention with online softmax (one pass over the keys; no score buffer).
// One task = one (query token, kv head): the query heads that share the kv head walk the
// keys together, so each K and V row is loaded once per group.
#include "ck_paged_attention.h"
#include "exp512.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { MAX_GROUP = 16, MAX_HEAD_DIM = 256 };

static inline long slot_of(const ck_paged_attention_args *a, int i, int j) {
    const int32_t *t = a->tables + a->table_offsets[i];
    return (long)t[j / a->block_size] * a->block_size + j % a->block_size;
}

/// Reference: q (hd,) against keys 0...last of query i, kv head g; heads h0..h0+group-1.
static void task_reference(const ck_paged_attention_args *a, int i, int g) {
    int hd = a->head_dim, group = a->heads / a->kv_heads, last = a->positions[i];
    for (int hh = 0; hh < group; hh++) {
        int h = g * group + hh;
        const float *q = a->q + (long)i * a->q_stride + (long)h * hd;
        float *out = a->out + (long)i * a->out_stride + (long)h * hd;
        float m = -INFINITY, s = 0, acc[1024];  // head_dim ≤ 1024 is checked at model load
        for (int d = 0; d < hd; d++) acc[d] = 0;
        for (int j = 0; j <= last; j++) {
            long slot = slot_of(a, i, j);
            const float *k = a->k + slot * a->kv_stride + (long)g * hd;
            const float *v = a->v + slot * a->kv_stride + (long)g * hd;
            float x = 0;
            for (int d = 0; d < hd; d++) x += q[d] * k[d];
            x *= a->scale;
            if (x > m) {
                float c = expf(m - x);  // m = -inf the first time: c = 0
                for (int d = 0; d < hd; d++) acc[d] *= c;
                s *= c;
                m = x;
            }
            float p = expf(x - m);
            s += p;
            for (int d = 0; d < hd; d++) acc[d] += p * v[d];
        }
        for (int d = 0; d < hd; d++) out[d] = acc[d] / s;
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PA512 __attribute__((target("avx512f,avx512dq,fma")))

PA512 static inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

/// AVX-512 for head_dim a multiple of 16 (≤ MAX_HEAD_DIM) and group ≤ MAX_GROUP. Keys are
/// taken 16 positions at a time: 16 scores per head, one vector exp, one rescale of the
/// accumulator per chunk (online softmax by chunks). The order of operations for a query
/// depends only on that query, never on the rest of the batch.
PA512 static void task_avx512(const ck_paged_attention_args *a, int i, int g) {
    int hd = a->head_dim, group = a->heads / a->kv_heads, last = a->positions[i], vecs = hd / 16;
    __m512 acc[MAX_GROUP][MAX_HEAD_DIM / 16];
    float m[MAX_GROUP], s[MAX_GROUP];
    const float *q[MAX_GROUP];
    for (int hh = 0; hh < group; hh++) {
        q[hh] = a->q + (long)i * a->q_stride + (long)(g * group + hh) * hd;
        m[hh] = -INFINITY;
        s[hh] = 0;
        for (int d = 0; d < vecs; d++) acc[hh][d] = _mm512_setzero_ps();
    }
    const int32_t *table = a->tables + a->table_offsets[i];
    const float *kp[16], *vp[16];
    float sc[16] __attribute__((aligned(64))), pv[16] __attribute__((aligned(64)));
    for (int j0 = 0; j0 <= last; j0 += 16) {
        int cnt = last + 1 - j0 < 16 ? last + 1 - j0 : 16;
        __mmask16 live = cnt == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cnt) - 1);
        for (int t = 0; t < cnt; t++) {
            int j = j0 + t;
            long slot = (long)table[j / a->block_size] * a->block_size + j % a->block_size;
            kp[t] = a->k + slot * a->kv_stride + (long)g * hd;
            vp[t] = a->v + slot * a->kv_stride + (long)g * hd;
        }
        for (int hh = 0; hh < group; hh++) {
            for (int t = 0; t < cnt; t++) {
                __m512 dot = _mm512_setzero_ps();
                for (int d = 0; d < vecs; d++)
                    dot = _mm512_fmadd_ps(_mm512_loadu_ps(q[hh] + 16 * d), _mm512_loadu_ps(kp[t] + 16 * d), dot);
                sc[t] = hsum512(dot) * a->scale;
            }
            __m512 x = _mm512_mask_load_ps(_mm512_set1_ps(-INFINITY), live, sc);
            float cmax = _mm512_reduce_max_ps(x);
            if (cmax > m[hh]) {
                float c = expf(m[hh] - cmax);  // m = -inf the first time: c = 0
                __m512 vc = _mm512_set1_ps(c);
                for (int d = 0; d < vecs; d++) acc[hh][d] = _mm512_mul_ps(acc[hh][d], vc);
                s[hh] *= c;
                m[hh] = cmax;
            }
            __m512 p = ck_exp512(_mm512_sub_ps(x, _mm512_set1_ps(m[hh])));
            s[hh] += _mm512_reduce_add_ps(p);
            _mm512_store_ps(pv, p);
            for (int t = 0; t < cnt; t++) {
                __m512 w = _mm512_set1_ps(pv[t]);
                for (int d = 0; d < vecs; d++) acc[hh][d] = _mm512_fmadd_ps(w, _mm512_loadu_ps(vp[t] + 16 * d), acc[hh][d]);
            }
        }
    }
    for (int hh = 0; hh < group; hh++) {
        float *out = a->out + (long)i * a->out_stride + (long)(g * group + hh) * hd;
        __m512 inv = _mm512_set1_ps(1.0f / s[hh]);
        for (int d = 0; d < vecs; d++) _mm512_storeu_ps(out + 16 * d, _mm512_mul_ps(acc[hh][d], inv));
    }
}
#endif

typedef struct { const ck_paged_attention_args *a; int fast; } job;

static void run_index(void *ctx, int index, int ith) {
    (void)ith;
    const job *j = (const job *)ctx;
    int i = index / j->a->kv_heads, g = index % j->a->kv_heads;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (j->fast) { task_avx512(j->a, i, g); return; }
#endif
    task_reference(j->a, i, g);
}

void ck_paged_attention(ck_pool *pool, int isa, const ck_paged_attention_args *a) {
    int vbmi;
    isa = ck_resolve_isa(isa, &vbmi);
    int group = a->heads / a->kv_heads;
    job j = {a, isa == CK_ISA_AVX512 && a->head_dim % 16 == 0 &&
                    a->head_dim <= MAX_HEAD_DIM && group <= MAX_GROUP};
    ck_pool_for(pool, a->n * a->kv_heads, run_index, &j);
}
