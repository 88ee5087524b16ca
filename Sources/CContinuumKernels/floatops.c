// Float vector ops used per token (attention dot/axpy, norms, activations): AVX-512 with a
// scalar fallback, chosen by ck_active_isa(). The scalar loops are the reference.
#include "ckernels.h"
#include "common.h"
#include "exp256.h"
#include "exp512.h"

// ---------------------------------------------------------------- scalar reference

static float dot_ref(const float *a, const float *b, int n) {   // Σ a·b, a (n,) b (n,)
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) { s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]; }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}
static void axpy_ref(float alpha, const float *x, float *y, int n) {  // y (n,) += alpha x (n,)
    for (int i = 0; i < n; i++) y[i] += alpha * x[i];
}
static float sumsq_ref(const float *x, int n) { return dot_ref(x, x, n); }
static void scale_mul_ref(const float *x, const float *w, float s, float *out, int n) {  // out = x*s*w
    for (int i = 0; i < n; i++) out[i] = x[i] * s * w[i];
}
static float max_ref(const float *x, int n) {
    float m = -INFINITY;
    for (int i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}
static float exp_sum_ref(float *x, float m, int n) {  // x = exp(x - m), returns Σ
    float s = 0;
    for (int i = 0; i < n; i++) { x[i] = expf(x[i] - m); s += x[i]; }
    return s;
}
static void scale_ref(float *x, float s, int n) { for (int i = 0; i < n; i++) x[i] *= s; }
static void swiglu_ref(float *g, const float *u, int n) {  // g (n,) = silu(g) * u (n,)
    for (int i = 0; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
// g (n,) = gelu(g) * u (n,), GELU's tanh approximation (Gemma's GeGLU) in its sigmoid form:
// 0.5·x·(1 + tanh(y)) = x / (1 + exp(-2y)), y = sqrt(2/pi)·(x + 0.044715·x³). llama.cpp computes
// the same function (ggml_gelu_f32) through a table of binary16 inputs; this keeps f32.
static inline float gelu_arg2(float x) { return -2.0f * 0.7978845608028654f * x * (1.0f + 0.044715f * x * x); }
static void geglu_ref(float *g, const float *u, int n) {
    for (int i = 0; i < n; i++) g[i] = g[i] / (1.0f + expf(gelu_arg2(g[i]))) * u[i];
}

// ---------------------------------------------------------------- AVX-512
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f,avx512dq,fma")))

AVX512 static float dot_512(const float *a, const float *b, int n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}
AVX512 static void axpy_512(float alpha, const float *x, float *y, int n) {
    __m512 a = _mm512_set1_ps(alpha);
    for (int i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}
AVX512 static void scale_mul_512(const float *x, const float *w, float s, float *out, int n) {
    __m512 sv = _mm512_set1_ps(s);
    for (int i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), sv), _mm512_maskz_loadu_ps(m, w + i)));
    }
}
AVX512 static float max_512(const float *x, int n) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        m = _mm512_mask_max_ps(m, k, m, _mm512_maskz_loadu_ps(k, x + i));
    }
    return _mm512_reduce_max_ps(m);
}
AVX512 static float exp_sum_512(float *x, float mx, int n) {
    __m512 s = _mm512_setzero_ps(), mv = _mm512_set1_ps(mx);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 e = ck_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv));
        e = _mm512_maskz_mov_ps(k, e);
        _mm512_mask_storeu_ps(x + i, k, e);
        s = _mm512_add_ps(s, e);
    }
    return _mm512_reduce_add_ps(s);
}
AVX512 static void scale_512(float *x, float sc, int n) {
    __m512 s = _mm512_set1_ps(sc);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), s));
    }
}
AVX512 static void swiglu_512(float *g, const float *u, int n) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 gv = _mm512_maskz_loadu_ps(k, g + i);
        __m512 e = ck_exp512(_mm512_sub_ps(_mm512_setzero_ps(), gv));
        __m512 silu = _mm512_div_ps(gv, _mm512_add_ps(one, e));
        _mm512_mask_storeu_ps(g + i, k, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(k, u + i)));
    }
}
AVX512 static void geglu_512(float *g, const float *u, int n) {
    const __m512 one = _mm512_set1_ps(1.0f), a = _mm512_set1_ps(0.044715f);
    const __m512 c = _mm512_set1_ps(-2.0f * 0.7978845608028654f);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 x = _mm512_maskz_loadu_ps(k, g + i);
        // same association as geglu_ref: ((c·x)·(1 + (a·x)·x))
        __m512 arg = _mm512_mul_ps(_mm512_mul_ps(c, x), _mm512_add_ps(one, _mm512_mul_ps(_mm512_mul_ps(a, x), x)));
        __m512 gelu = _mm512_div_ps(x, _mm512_add_ps(one, ck_exp512(arg)));
        _mm512_mask_storeu_ps(g + i, k, _mm512_mul_ps(gelu, _mm512_maskz_loadu_ps(k, u + i)));
    }
}
#define HAVE512 (ck_active_isa() == CK_ISA_AVX512)

// ---------------------------------------------------------------- AVX2 (+FMA)
#define AVX2F __attribute__((target("avx2,fma")))

AVX2F static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
AVX2F static float dot_256(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    float r = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) r += a[i] * b[i];
    return r;
}
AVX2F static void axpy_256(float alpha, const float *x, float *y, int n) {
    __m256 a = _mm256_set1_ps(alpha);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}
AVX2F static void scale_mul_256(const float *x, const float *w, float s, float *out, int n) {
    __m256 sv = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), sv), _mm256_loadu_ps(w + i)));
    for (; i < n; i++) out[i] = x[i] * s * w[i];
}
AVX2F static float exp_sum_256(float *x, float mx, int n) {
    __m256 s = _mm256_setzero_ps(), mv = _mm256_set1_ps(mx);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = ck_exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        s = _mm256_add_ps(s, e);
    }
    float r = hsum256(s);
    for (; i < n; i++) { x[i] = expf(x[i] - mx); r += x[i]; }
    return r;
}
AVX2F static void swiglu_256(float *g, const float *u, int n) {
    __m256 one = _mm256_set1_ps(1.0f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i);
        __m256 silu = _mm256_div_ps(gv, _mm256_add_ps(one, ck_exp256(_mm256_sub_ps(_mm256_setzero_ps(), gv))));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(silu, _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
AVX2F static void geglu_256(float *g, const float *u, int n) {
    const __m256 one = _mm256_set1_ps(1.0f), a = _mm256_set1_ps(0.044715f);
    const __m256 c = _mm256_set1_ps(-2.0f * 0.7978845608028654f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(g + i);
        __m256 arg = _mm256_mul_ps(_mm256_mul_ps(c, x), _mm256_add_ps(one, _mm256_mul_ps(_mm256_mul_ps(a, x), x)));
        __m256 gelu = _mm256_div_ps(x, _mm256_add_ps(one, ck_exp256(arg)));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(gelu, _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(gelu_arg2(g[i]))) * u[i];
}
#define HAVE256 (ck_active_isa() == CK_ISA_AVX2)
#else
#define HAVE256 0
#define dot_256 dot_ref
#define axpy_256 axpy_ref
#define scale_mul_256 scale_mul_ref
#define exp_sum_256 exp_sum_ref
#define swiglu_256 swiglu_ref
#define geglu_256 geglu_ref
#define geglu_512 geglu_ref
#define HAVE512 0
#define dot_512 dot_ref
#define axpy_512 axpy_ref
#define scale_mul_512 scale_mul_ref
#define max_512 max_ref
#define exp_sum_512 exp_sum_ref
#define scale_512 scale_ref
#define swiglu_512 swiglu_ref
#endif

// ---------------------------------------------------------------- NEON (neon.c)
#if defined(__aarch64__) && (defined(__clang__) || defined(__GNUC__))
#define HAVENEON (ck_active_isa() == CK_ISA_NEON)
#else
#define HAVENEON 0
#define ck_neon_dot_f32 dot_ref
#define ck_neon_axpy_f32 axpy_ref
#define ck_neon_scale_mul_f32 scale_mul_ref
#define ck_neon_max_f32 max_ref
#define ck_neon_exp_sum_f32 exp_sum_ref
#define ck_neon_scale_f32 scale_ref
#define ck_neon_swiglu_f32 swiglu_ref
#endif

// ---------------------------------------------------------------- public

float ck_dot_f32(const float *a, const float *b, int n) {
    if (HAVENEON) return ck_neon_dot_f32(a, b, n);
    return HAVE512 ? dot_512(a, b, n) : HAVE256 ? dot_256(a, b, n) : dot_ref(a, b, n);
}

void ck_axpy_f32(float alpha, const float *x, float *y, int n) {
    if (HAVENEON) ck_neon_axpy_f32(alpha, x, y, n);
    else if (HAVE512) axpy_512(alpha, x, y, n);
    else if (HAVE256) axpy_256(alpha, x, y, n);
    else axpy_ref(alpha, x, y, n);
}

void ck_rmsnorm_f32(const float *x, const float *w, int n, float eps, float *out) {
    float ss = HAVENEON ? ck_neon_dot_f32(x, x, n) : HAVE512 ? dot_512(x, x, n) : HAVE256 ? dot_256(x, x, n) : sumsq_ref(x, n);
    float s = 1.0f / sqrtf(ss / (float)n + eps);
    if (HAVENEON) ck_neon_scale_mul_f32(x, w, s, out, n);
    else if (HAVE512) scale_mul_512(x, w, s, out, n);
    else if (HAVE256) scale_mul_256(x, w, s, out, n);
    else scale_mul_ref(x, w, s, out, n);
}

void ck_softmax_f32(float *x, int n) {
    if (n <= 0) return;
    if (HAVENEON) {
        float m = ck_neon_max_f32(x, n);
        ck_neon_scale_f32(x, 1.0f / ck_neon_exp_sum_f32(x, m, n), n);
        return;
    }
    float m = HAVE512 ? max_512(x, n) : max_ref(x, n);
    float s = HAVE512 ? exp_sum_512(x, m, n) : HAVE256 ? exp_sum_256(x, m, n) : exp_sum_ref(x, m, n);
    if (HAVE512) scale_512(x, 1.0f / s, n);
    else scale_ref(x, 1.0f / s, n);
}

void ck_geglu_f32(float *gate, const float *up, int n) {
    // NEON has no fast path yet: the reference
    if (HAVE512) geglu_512(gate, up, n);
    else if (HAVE256) geglu_256(gate, up, n);
    else geglu_ref(gate, up, n);
}

void ck_geglu_reference_f32(float *gate, const float *up, int n) { geglu_ref(gate, up, n); }

void ck_swiglu_f32(float *gate, const float *up, int n) {
    if (HAVENEON) ck_neon_swiglu_f32(gate, up, n);
    else if (HAVE512) swiglu_512(gate, up, n);
    else if (HAVE256) swiglu_256(gate, up, n);
    else swiglu_ref(gate, up, n);
}

// ---------------------------------------------------------------- self test of the AVX2 variants
// (the dispatcher never picks them on an AVX-512 CPU, so tests call this)

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
static float rel_err(float a, float b) { float d = fabsf(a - b), m = fabsf(b) > 1 ? fabsf(b) : 1; return d / m; }
#endif

int ck_floatops_selftest_avx2(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (ck_cpu_isa() < CK_ISA_AVX2) return 0;
    int bad = 0;
    float a[1003], b[1003], y1[1003], y2[1003];
    uint32_t st = 12345;
    for (int i = 0; i < 1003; i++) {
        st = st * 1664525u + 1013904223u;
        a[i] = ((float)(st >> 8) / 16777216.0f - 0.5f) * 40.0f;  // [-20, 20): exercises exp
        st = st * 1664525u + 1013904223u;
        b[i] = (float)(st >> 8) / 16777216.0f - 0.5f;
    }
    a[5] = -INFINITY;
    a[6] = -1000.0f;
    int sizes[] = {1, 7, 8, 17, 64, 1003};
    for (int si = 0; si < 6; si++) {
        int n = sizes[si];
        const float *aa = a + 7;  // finite part for dot/axpy/norm
        int nn = n < 996 ? n : 996;
        if (rel_err(dot_256(aa, b, nn), dot_ref(aa, b, nn)) > 1e-4f) bad++;
        memcpy(y1, b, sizeof(float) * nn); memcpy(y2, b, sizeof(float) * nn);
        axpy_256(0.3f, aa, y1, nn); axpy_ref(0.3f, aa, y2, nn);
        for (int i = 0; i < nn; i++) if (rel_err(y1[i], y2[i]) > 1e-6f) { bad++; break; }
        scale_mul_256(aa, b, 0.7f, y1, nn); scale_mul_ref(aa, b, 0.7f, y2, nn);
        for (int i = 0; i < nn; i++) if (rel_err(y1[i], y2[i]) > 1e-6f) { bad++; break; }
        memcpy(y1, a, sizeof(float) * n); memcpy(y2, a, sizeof(float) * n);
        float m = max_ref(a, n);
        float s1 = exp_sum_256(y1, m, n), s2 = exp_sum_ref(y2, m, n);
        if (rel_err(s1, s2) > 1e-5f) bad++;
        for (int i = 0; i < n; i++) if (fabsf(y1[i] - y2[i]) > 1e-6f * (y2[i] > 1 ? y2[i] : 1)) { bad++; break; }
        memcpy(y1, a, sizeof(float) * n); memcpy(y2, a, sizeof(float) * n);
        y1[5] = y2[5] = -100.0f;  // keep silu away from -inf * 0
        swiglu_256(y1, b, n); swiglu_ref(y2, b, n);
        for (int i = 0; i < n; i++) if (rel_err(y1[i], y2[i]) > 1e-5f) { bad++; break; }
        memcpy(y1, a, sizeof(float) * n); memcpy(y2, a, sizeof(float) * n);
        y1[5] = y2[5] = -100.0f;
        geglu_256(y1, b, n); geglu_ref(y2, b, n);
        for (int i = 0; i < n; i++) if (rel_err(y1[i], y2[i]) > 1e-5f) { bad++; break; }
    }
    return bad;
#else
    return 0;
#endif
}
