// Float vector ops used per token (attention dot/axpy, norms, activations): AVX-512 with a
// scalar fallback, chosen by ck_cpu_isa(). The scalar loops are the reference.
#include "ckernels.h"
#include "common.h"

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
/// exp(x) for x in float range: 2^(x log2 e) = 2^k * p(f), degree-6 polynomial on [-0.5, 0.5]
/// (relative error ~2e-7); -inf and x < -104 give exactly 0.
AVX512 static inline __m512 exp_512(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f)), _mm512_set1_ps(-110.0f));  // scalef underflows to exactly 0
    __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
    __m512 k = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_sub_ps(t, k);  // [-0.5, 0.5]
    __m512 p = _mm512_set1_ps(1.535336188319500e-4f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.339887440266574e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.618437357674640e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550332471162809e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.402264791363012e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931472028550421e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
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
        __m512 e = exp_512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv));
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
        __m512 e = exp_512(_mm512_sub_ps(_mm512_setzero_ps(), gv));
        __m512 silu = _mm512_div_ps(gv, _mm512_add_ps(one, e));
        _mm512_mask_storeu_ps(g + i, k, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(k, u + i)));
    }
}
#define HAVE512 (ck_cpu_isa() == CK_ISA_AVX512)
#else
#define HAVE512 0
#define dot_512 dot_ref
#define axpy_512 axpy_ref
#define scale_mul_512 scale_mul_ref
#define max_512 max_ref
#define exp_sum_512 exp_sum_ref
#define scale_512 scale_ref
#define swiglu_512 swiglu_ref
#endif

// ---------------------------------------------------------------- public

float ck_dot_f32(const float *a, const float *b, int n) { return HAVE512 ? dot_512(a, b, n) : dot_ref(a, b, n); }

void ck_axpy_f32(float alpha, const float *x, float *y, int n) {
    if (HAVE512) axpy_512(alpha, x, y, n);
    else axpy_ref(alpha, x, y, n);
}

void ck_rmsnorm_f32(const float *x, const float *w, int n, float eps, float *out) {
    float ss = HAVE512 ? dot_512(x, x, n) : sumsq_ref(x, n);
    float s = 1.0f / sqrtf(ss / (float)n + eps);
    if (HAVE512) scale_mul_512(x, w, s, out, n);
    else scale_mul_ref(x, w, s, out, n);
}

void ck_softmax_f32(float *x, int n) {
    if (n <= 0) return;
    float m = HAVE512 ? max_512(x, n) : max_ref(x, n);
    float s = HAVE512 ? exp_sum_512(x, m, n) : exp_sum_ref(x, m, n);
    if (HAVE512) scale_512(x, 1.0f / s, n);
    else scale_ref(x, 1.0f / s, n);
}

void ck_swiglu_f32(float *gate, const float *up, int n) {
    if (HAVE512) swiglu_512(gate, up, n);
    else swiglu_ref(gate, up, n);
}
