// CContinuumKernels: innermost loops in C, chosen at run time by CPU features.
// Public surface used by the Swift target ContinuumKernels only.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------- thread pool
// A fixed pool of (nthreads - 1) workers plus the calling thread (index 0).
// Workers spin for ~2 ms after each task, then sleep on a condition variable.
// One caller at a time; a run started from inside a task executes inline on that thread.
typedef void (*ck_task_fn)(void *ctx, int ith, int nth);
typedef struct ck_pool ck_pool;

ck_pool *ck_pool_create(int nthreads);
void ck_pool_destroy(ck_pool *pool);
int ck_pool_threads(const ck_pool *pool);
/// Runs fn(ctx, ith, nth) for ith in 0..<nth (ith 0 on the caller) and returns when all finished.
void ck_pool_run(ck_pool *pool, ck_task_fn fn, void *ctx);
/// Like ck_pool_run, but workers that have not started when the caller finishes its own call
/// skip this task (so a descheduled worker never stalls it): fn must share work dynamically
/// (e.g. an atomic chunk counter), never by thread index.
void ck_pool_run_dynamic(ck_pool *pool, ck_task_fn fn, void *ctx);
/// 1 while the calling thread is running a pool task (then pool runs execute inline).
int ck_pool_in_task(void);
typedef void (*ck_index_fn)(void *ctx, int index, int ith);
/// Calls fn(ctx, index, thread) for every index in 0..<count, indices claimed one at a time by
/// whichever threads are running (workers that have not started may skip; see ck_pool_run_dynamic).
void ck_pool_for(ck_pool *pool, int count, ck_index_fn fn, void *ctx);

// ---------------------------------------------------------------- quantized matmul
// Type ids are ggml_type ids (f32 0, f16 1, q4_0 2, q4_1 3, q5_0 6, q5_1 7, q8_0 8, q4_K 12,
// q5_K 13, q6_K 14, bf16 30).
// Instruction sets: CK_ISA_AUTO picks the best the CPU supports (detected once).
// CK_ISA_AVX512_NO_VBMI: the AVX-512 VNNI kernels without the VBMI ones (CPUs such as Cascade
// Lake), selectable on any AVX-512 CPU so tests cover that path.
// CK_ISA_NEON: aarch64 NEON with the dot-product extension (SDOT); CK_ISA_NEON_NODOT: the same
// kernels with plain NEON products (CPUs without it, and selectable on any aarch64 CPU for tests).
enum { CK_ISA_AUTO = -1, CK_ISA_SCALAR = 0, CK_ISA_AVX2 = 1, CK_ISA_AVX512 = 2, CK_ISA_AVX512_NO_VBMI = 3,
       CK_ISA_NEON = 4, CK_ISA_NEON_NODOT = 5 };
/// Best instruction set this CPU supports (CK_ISA_SCALAR / _AVX2 / _AVX512; on aarch64 _NEON, or
/// _NEON_NODOT without the dot-product extension).
int ck_cpu_isa(void);
/// The instruction set CK_ISA_AUTO means in this process: CONTINUUM_ISA (auto, avx512,
/// avx512-novbmi, avx2, portable) read at first use, or ck_set_isa, else ck_cpu_isa().
/// Returns CK_ISA_SCALAR / _AVX2 / _AVX512 / _NEON (AVX-512 without VBMI reports _AVX512, NEON
/// without the dot product _NEON).
int ck_active_isa(void);
/// The choice itself, including CK_ISA_AVX512_NO_VBMI.
int ck_active_isa_choice(void);
/// 1 when the active AVX-512 path may use VBMI.
int ck_active_vbmi(void);
/// Forces the path every CK_ISA_AUTO call takes. Returns 0, -1 for an unknown value, -2 when
/// this CPU lacks the instruction set (nothing changes then).
int ck_set_isa(int isa);
/// CK_ISA_* for a name (auto/best, avx512, avx512-novbmi, avx2, neon, neon-nodot, portable/scalar),
/// -2 if unknown.
int ck_isa_parse(const char *name);
/// What reading CONTINUUM_ISA found: 0 fine or unset, -1 unknown name, -2 not supported here
/// (the detected path is used then; callers that can should refuse to start).
int ck_isa_environment_status(void);
/// The value of CONTINUUM_ISA, or NULL.
const char *ck_isa_environment(void);
/// An explicit isa capped at what the CPU has, or CK_ISA_AUTO resolved to the active one;
/// *vbmi says whether AVX-512 VBMI kernels may run.
int ck_resolve_isa(int isa, int *vbmi);
/// Bytes of scratch ck_matmul needs for X (n, cols) against a weight of this type (0 for floats).
size_t ck_matmul_scratch_bytes(uint32_t type, int cols, int n);
/// Y (n, rows) = X (n, cols) · Wᵀ, W (rows, cols) in ggml blocks, rows split across the pool.
/// scratch: ck_matmul_scratch_bytes(type, cols, n) bytes, 64-byte aligned. Returns 0, or -1 if
/// the type is unknown.
int ck_matmul(ck_pool *pool, int isa, uint32_t type, const void *w, int rows, int cols,
              const float *x, int n, float *y, void *scratch);
/// Dequantizes `cols` elements of one row (any supported type) into dst.
void ck_dequantize_row(uint32_t type, const void *src, float *dst, int cols);

// ---------------------------------------------------------------- float vector ops
float ck_dot_f32(const float *a, const float *b, int n);                 // Σ a·b
void ck_axpy_f32(float alpha, const float *x, float *y, int n);           // y += alpha·x
void ck_rmsnorm_f32(const float *x, const float *w, int n, float eps, float *out);  // out may alias x
void ck_softmax_f32(float *x, int n);                                     // in place
void ck_swiglu_f32(float *gate, const float *up, int n);                  // gate = silu(gate)·up
void ck_geglu_f32(float *gate, const float *up, int n);                   // gate = gelu_tanh(gate)·up
void ck_geglu_reference_f32(float *gate, const float *up, int n);         // the scalar reference of ck_geglu_f32
/// Compares the AVX2 float ops with the scalar reference (if the CPU has AVX2); returns failures.
int ck_floatops_selftest_avx2(void);
/// Compares the AVX2 activation quantizer with the scalar reference byte for byte; returns mismatches.
int ck_quant_act_selftest_avx2(void);

// ---------------------------------------------------------------- attention
/// Causal attention for n query positions over an F16 (IEEE binary16) KV cache: query i sits at
/// position start + i and attends to key positions 0...start+i. Head h reads kv head
/// h / (heads / kv_heads). Element strides: q + i*q_stride + h*head_dim (floats),
/// k/v + t*kv_stride + g*head_dim (halves), out + i*out_stride + h*head_dim (floats).
typedef struct {
    const float *q;
    const uint16_t *k, *v;
    float *out;
    int n, start, heads, kv_heads, head_dim;
    long q_stride, kv_stride, out_stride;
    float scale;
} ck_attention_args;
/// Runs over the pool ((query, kv head) items shared dynamically, the longest first); the
/// paths and their order of operations are those of ck_paged_attention. isa as for ck_matmul.
void ck_attention(ck_pool *pool, int isa, const ck_attention_args *a);
/// y = x rounded to binary16 (nearest even), the one rounding every KV write goes through, so
/// every kernel path reads the same keys and values.
void ck_f32_to_f16_row(const float *x, uint16_t *y, long n);
/// y = x widened (exact).
void ck_f16_to_f32_row(const uint16_t *x, float *y, long n);

// ---------------------------------------------------------------- libm for Swift (no Foundation)
static inline float ck_expf(float x) { return expf(x); }
static inline double ck_cos(double x) { return cos(x); }
static inline double ck_sin(double x) { return sin(x); }
static inline float ck_cosf(float x) { return cosf(x); }
static inline float ck_powf(float x, float y) { return powf(x, y); }
static inline float ck_sinf(float x) { return sinf(x); }
static inline double ck_pow(double x, double y) { return pow(x, y); }

#ifdef __cplusplus
}
#endif
#endif
