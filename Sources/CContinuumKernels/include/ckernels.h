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
// Not reentrant: one ck_pool_run at a time, never from inside a task.
typedef void (*ck_task_fn)(void *ctx, int ith, int nth);
typedef struct ck_pool ck_pool;

ck_pool *ck_pool_create(int nthreads);
void ck_pool_destroy(ck_pool *pool);
int ck_pool_threads(const ck_pool *pool);
/// Runs fn(ctx, ith, nth) for ith in 0..<nth (ith 0 on the caller) and returns when all finished.
void ck_pool_run(ck_pool *pool, ck_task_fn fn, void *ctx);

// ---------------------------------------------------------------- libm for Swift (no Foundation)
static inline float ck_expf(float x) { return expf(x); }
static inline double ck_cos(double x) { return cos(x); }
static inline double ck_sin(double x) { return sin(x); }
static inline double ck_pow(double x, double y) { return pow(x, y); }

#ifdef __cplusplus
}
#endif
#endif
