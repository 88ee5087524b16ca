// Spin-then-sleep thread pool: ~1 µs dispatch while workers are hot.
#define _GNU_SOURCE
#include "ckernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax(void) {}
#endif

struct ck_worker { ck_pool *pool; int index; pthread_t thread; };

struct ck_pool {
    int n;
    _Alignas(64) atomic_uint generation;   // bumped once per task
    _Alignas(64) _Atomic uint64_t join;    // (generation << 32) | CLOSED | workers that joined
    _Alignas(64) atomic_int done;          // joined workers that finished
    _Alignas(64) atomic_int sleepers;      // workers blocked on cv
    atomic_int stop;
    ck_task_fn fn;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ck_worker *workers;
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum { SPIN_NS = 2000000 };

/// Set while this thread runs a pool task (worker or caller), to catch nested use.
static _Thread_local int in_task;
int ck_pool_in_task(void) { return in_task; }
#define CLOSED ((uint64_t)1 << 31)

static void *worker_main(void *arg) {
    struct ck_worker *w = arg;
    ck_pool *p = w->pool;
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        uint64_t start = 0;
        unsigned spins = 0;
        while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen) {
            if (atomic_load_explicit(&p->stop, memory_order_relaxed)) return NULL;
            cpu_relax();
            if ((++spins & 1023) != 0) continue;
            uint64_t t = now_ns();
            if (start == 0) { start = t; continue; }
            if (t - start < SPIN_NS) continue;
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);  // seq_cst: pairs with the load in ck_pool_run
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
            start = 0;
        }
        seen = g;
        if (atomic_load_explicit(&p->stop, memory_order_relaxed)) return NULL;
        // join this generation unless it is stale or already closed (optional runs only close)
        uint64_t v = atomic_load(&p->join);
        int joined = 0;
        while ((unsigned)(v >> 32) == g && !(v & CLOSED)) {
            if (atomic_compare_exchange_weak(&p->join, &v, v + 1)) { joined = 1; break; }
        }
        if (!joined) continue;
        in_task = 1;
        p->fn(p->ctx, w->index, p->n);
        in_task = 0;
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    }
}

ck_pool *ck_pool_create(int nthreads) {
    if (nthreads < 1) nthreads = 1;
    ck_pool *p = calloc(1, sizeof(ck_pool));
    if (!p) return NULL;
    p->n = nthreads;
    atomic_init(&p->generation, 0);
    atomic_init(&p->join, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->workers = calloc((size_t)nthreads, sizeof(struct ck_worker));
    for (int i = 1; i < nthreads; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0) {
            p->n = i;  // run with fewer threads
            break;
        }
    }
    return p;
}

int ck_pool_threads(const ck_pool *p) { return p->n; }

static void wake_sleepers(ck_pool *p) {
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

static void run(ck_pool *p, ck_task_fn fn, void *ctx, int optional) {
    if (p->n == 1 || in_task) {  // nested use runs inline on this thread
        int outer = in_task;
        in_task = 1;
        fn(ctx, 0, 1);
        in_task = outer;
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    unsigned g = atomic_load_explicit(&p->generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->join, (uint64_t)g << 32, memory_order_relaxed);
    atomic_store(&p->generation, g);  // seq_cst: publishes fn/ctx/join; pairs with sleepers
    wake_sleepers(p);
    in_task = 1;
    fn(ctx, 0, p->n);
    in_task = 0;
    int expect = p->n - 1;
    if (optional) expect = (int)(atomic_fetch_or(&p->join, CLOSED) & (CLOSED - 1));
    unsigned spins = 0;
    while (atomic_load_explicit(&p->done, memory_order_acquire) < expect) {
        cpu_relax();
        if (++spins > 4096) sched_yield();  // a worker may be descheduled on a busy machine
    }
}

void ck_pool_run(ck_pool *p, ck_task_fn fn, void *ctx) { run(p, fn, ctx, 0); }
void ck_pool_run_dynamic(ck_pool *p, ck_task_fn fn, void *ctx) { run(p, fn, ctx, 1); }

void ck_pool_destroy(ck_pool *p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    atomic_fetch_add(&p->generation, 1);  // workers wake, see stop, exit
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++) pthread_join(p->workers[i].thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->workers);
    free(p);
}

typedef struct { ck_index_fn fn; void *ctx; int count; atomic_int next; } for_job;

static void for_task(void *ctx, int ith, int nth) {
    (void)nth;
    for_job *j = ctx;
    for (;;) {
        int i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (i >= j->count) return;
        j->fn(j->ctx, i, ith);
    }
}

void ck_pool_for(ck_pool *p, int count, ck_index_fn fn, void *ctx) {
    for_job j = { fn, ctx, count, 0 };
    atomic_init(&j.next, 0);
    if (count <= 1 || p->n == 1) for_task(&j, 0, 1);
    else run(p, for_task, &j, 1);
}
