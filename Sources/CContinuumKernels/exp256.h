// Internal to CContinuumKernels: the AVX2 exponential shared by the float ops and attention.
#ifndef CK_EXP256_H
#define CK_EXP256_H
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/// exp(x): same polynomial as ck_exp512; x < -87.3 (and -inf) give 0.
__attribute__((target("avx2,fma"))) static inline __m256 ck_exp256(__m256 x) {
    __m256 zero = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f)), _mm256_set1_ps(-87.3f));
    __m256 t = _mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f));
    __m256 k = _mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 f = _mm256_sub_ps(t, k);
    __m256 p = _mm256_set1_ps(1.535336188319500e-4f);
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.339887440266574e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.618437357674640e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.550332471162809e-2f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.402264791363012e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.931472028550421e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
    // 2^k as two factors 2^min(k,127) * 2^max(k-127,0) so k = 128 (x near 88.7) stays finite
    __m256i ki = _mm256_cvtps_epi32(k);
    __m256 two_k = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_min_epi32(ki, _mm256_set1_epi32(127)), _mm256_set1_epi32(127)), 23));
    __m256 r = _mm256_mul_ps(p, two_k);
    r = _mm256_mul_ps(r, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_max_epi32(_mm256_sub_epi32(ki, _mm256_set1_epi32(127)), _mm256_setzero_si256()), _mm256_set1_epi32(127)), 23)));
    return _mm256_andnot_ps(zero, r);
}
#endif
#endif
