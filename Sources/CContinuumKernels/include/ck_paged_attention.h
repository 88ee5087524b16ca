#ifndef CK_PAGED_ATTENTION_H
#define CK_PAGED_ATTENTION_H
// Causal attention over a paged KV cache, for a batch whose tokens may belong to different
// sequences (continuous batching). Position j of a token's sequence lives in KV slot
// tables[table_offset + j / block_size] * block_size + j % block_size.
#include <stdint.h>
#include "ckernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const float *q;                // (n, heads*head_dim), rows q_stride floats apart
    const uint16_t *k, *v;         // (slots, kv_heads*head_dim) binary16, rows kv_stride halves apart
    float *out;                    // (n, heads*head_dim), rows out_stride floats apart
    const int32_t *positions;      // (n,) query i attends to its positions 0...positions[i]
    const int32_t *table_offsets;  // (n,) where query i's block table starts in `tables`
    const int32_t *tables;         // block ids
    int n, heads, kv_heads, head_dim, block_size;
    long q_stride, kv_stride, out_stride;
    float scale;
} ck_paged_attention_args;

/// out = softmax(q·Kᵀ·scale)·V per (query, head), (query, kv head) pairs spread over the
/// pool. `isa` as for ck_matmul (CK_ISA_SCALAR forces the reference path; AVX2 needs
/// head_dim % 8 == 0, AVX-512 head_dim % 16 == 0, both head_dim <= 256, else the reference).
void ck_paged_attention(ck_pool *pool, int isa, const ck_paged_attention_args *a);

/// As ck_paged_attention with a sliding window (Gemma 3's local layers): the query at position
/// p attends to positions max(0, p - window + 1) ... p only. window <= 0 means no window (the
/// same arithmetic as ck_paged_attention).
void ck_paged_attention_window(ck_pool *pool, int isa, const ck_paged_attention_args *a, int window);

#ifdef __cplusplus
}
#endif
#endif
