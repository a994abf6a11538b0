/* rj_samples.h - how a graph kernel walks its samples (and a stateful one its channels).
 *
 * Every output holds n elements; an input holds n, or exactly one, which stands for every
 * sample (a scalar the caller passed, as numpy broadcasts it). The kernel body only ever
 * reads inputs of n elements: when some input is a single element, the samples run in
 * chunks of RJ_CHUNK, and each such input is expanded into a chunk-sized buffer on the
 * stack first. Chunking changes no value: samples are independent of each other.
 */
#ifndef RJ_SAMPLES_H
#define RJ_SAMPLES_H

#include <string.h>
#include "rj_abi.h"
#include "simd.h"

#define RJ_CHUNK 512   /* samples per chunk: small enough for the stack, large enough to amortise */

typedef int (*rj_body_fn)(rj_call *call, int64_t n);

/* `count` copies of the `size`-byte element at `value` into dst: one, then doubling copies of
 * what is there, so log2(count) memcpy calls rather than one an element. */
static inline void rj_fill(unsigned char *dst, const void *value, size_t size, int64_t count)
{
    const size_t total = size * (size_t)count;
    size_t have = size;
    memcpy(dst, value, size);
    while (have < total) {
        const size_t more = have < total - have ? have : total - have;
        memcpy(dst + have, dst, more);
        have += more;
    }
}

/* A vector loop over at least this many vectors starts at its first output's next vector-aligned
 * element (rj_head_to_align): fewer, and the samples run one by one to get there cost more than
 * the stores that straddle two cache lines cost the loop. */
#define RJ_ALIGN_MIN_VECTORS 256

/* How many of n samples to run one by one before an output p of `size`-byte elements reaches
 * a multiple of `lanes` elements from an address 0 modulo lanes x size: then every vector store
 * to p is aligned to its width, and none splits across two cache lines. 0 for a short loop or
 * one element a vector; less than `lanes` always (an address not a multiple of the element
 * size, which no alignment helps, gives some count below `lanes`, correct as any other). */
static inline int64_t rj_head_to_align(const void *p, size_t size, int64_t lanes, int64_t n)
{
    if (lanes <= 1 || n < RJ_ALIGN_MIN_VECTORS * lanes) return 0;
    return (int64_t)((((uintptr_t)0 - (uintptr_t)p) / size) % (uintptr_t)lanes);
}

/* A graph of long bodies (vector-math calls) runs its last, partial vector as a vector, on every
 * tier: AVX-512's masked loads and stores touch only the lanes asked for (the lanes past the buffer
 * load +0.0 and fault on no page); elsewhere the lanes go through a copy on the stack
 * (simd.h's load_partial / store_partial). The lanes past n are computed and never stored. Each
 * lane stored is what the same lane of a whole vector gives, which is what a scalar loop would give
 * (simd.h's twins are lane 0 of the vector functions), so a sample's value does not change: one
 * vector instead of up to 15 samples each as dear as a vector, and no scalar loop to compile
 * (templates/block.c leaves it out: half the build of a kernel of vector math).
 * left: the samples from p on, at least 1; a whole vector's load or store when it is RJ_VX_WIDTH or more. */
#define RJ_LONG_BODY_END(n, lanes) (n)
#if defined(RJ_ISA_AVX512)
#  define RJ_LANES_MASK(left, T) ((T)((1u << (left)) - 1u))   /* the first `left` lanes, left < lanes */
RJ_INLINE rj_vf rj_vf_load_upto(const float *p, int64_t left)
{
    if (left >= RJ_VF_WIDTH) return rj_vf_load(p);
    return __builtin_ia32_loadups512_mask(p, (rj_vf){0}, RJ_LANES_MASK(left, unsigned short));
}
RJ_INLINE rj_vd rj_vd_load_upto(const double *p, int64_t left)
{
    if (left >= RJ_VD_WIDTH) return rj_vd_load(p);
    return __builtin_ia32_loadupd512_mask(p, (rj_vd){0}, RJ_LANES_MASK(left, unsigned char));
}
RJ_INLINE void rj_vf_store_upto(float *p, rj_vf v, int64_t left)
{
    if (left >= RJ_VF_WIDTH) rj_vf_store(p, v);
    else __builtin_ia32_storeups512_mask(p, v, RJ_LANES_MASK(left, unsigned short));
}
RJ_INLINE void rj_vd_store_upto(double *p, rj_vd v, int64_t left)
{
    if (left >= RJ_VD_WIDTH) rj_vd_store(p, v);
    else __builtin_ia32_storeupd512_mask(p, v, RJ_LANES_MASK(left, unsigned char));
}
#else
RJ_INLINE rj_vf rj_vf_load_upto(const float *p, int64_t left)
{
    return left >= RJ_VF_WIDTH ? rj_vf_load(p) : rj_vf_load_partial(p, left);
}
RJ_INLINE rj_vd rj_vd_load_upto(const double *p, int64_t left)
{
    return left >= RJ_VD_WIDTH ? rj_vd_load(p) : rj_vd_load_partial(p, left);
}
RJ_INLINE void rj_vf_store_upto(float *p, rj_vf v, int64_t left)
{
    if (left >= RJ_VF_WIDTH) rj_vf_store(p, v);
    else rj_vf_store_partial(p, v, left);
}
RJ_INLINE void rj_vd_store_upto(double *p, rj_vd v, int64_t left)
{
    if (left >= RJ_VD_WIDTH) rj_vd_store(p, v);
    else rj_vd_store_partial(p, v, left);
}
#endif
/* masks as numpy bools: the lanes' bytes through a copy on the stack, only `left` of them stored */
#define RJ_STORE_BOOL_UPTO(M, W)                                                                  \
    RJ_INLINE void rj_##M##_store_bool_upto(uint8_t *p, rj_##M m, int64_t left)                   \
    {                                                                                             \
        if (left >= W) {                                                                          \
            rj_##M##_store_bool(p, m);                                                            \
            return;                                                                               \
        }                                                                                         \
        uint8_t lanes[W];                                                                         \
        rj_##M##_store_bool(lanes, m);                                                            \
        memcpy(p, lanes, (size_t)left);                                                           \
    }
RJ_STORE_BOOL_UPTO(mf, RJ_VF_WIDTH)
RJ_STORE_BOOL_UPTO(md, RJ_VD_WIDTH)
#undef RJ_STORE_BOOL_UPTO

/* Run `body` over the n samples of `call`'s first `buffers` buffers (inputs first), whose
 * elements are sizes[b] bytes each. */
static inline int rj_run_samples(rj_call *call, int n_in, int buffers, int64_t n, const uint8_t *sizes,
                                 rj_body_fn body)
{
    int broadcast = 0;
    for (int b = 0; b < buffers; b++) {
        if (call->len[b] == n) continue;
        if (b >= n_in || call->len[b] != 1) return RJ_ERR_LENGTH;
        broadcast++;
    }
    if (broadcast == 0 || n <= 1) return body(call, n);

    _Alignas(64) unsigned char expanded[broadcast][RJ_CHUNK * 8];   /* 8: the widest element */
    const int64_t filled = n < RJ_CHUNK ? n : RJ_CHUNK;   /* no chunk is longer than the first */
    rj_call chunk = *call;
    for (int b = 0, e = 0; b < n_in; b++) {
        if (call->len[b] != 1) continue;
        rj_fill(expanded[e], call->ptr[b], sizes[b], filled);
        chunk.ptr[b] = expanded[e++];
    }
    for (int64_t start = 0; start < n; start += RJ_CHUNK) {
        const int64_t m = n - start < RJ_CHUNK ? n - start : RJ_CHUNK;
        for (int b = 0; b < buffers; b++) {
            chunk.len[b] = m;
            if (call->len[b] != 1) chunk.ptr[b] = (unsigned char *)call->ptr[b] + start * sizes[b];
        }
        const int status = body(&chunk, m);
        if (status != RJ_OK) return status;
    }
    return RJ_OK;
}

/* The (channels, n) shape of a stateful kernel's call: every one of its first `buffers` buffers
 * holds channels x n elements, channels being the first output's rows. Sets both; RJ_OK, or
 * what is wrong. */
static inline int rj_channel_shape(const rj_call *call, int first_output, int buffers, int64_t *channels, int64_t *n)
{
    *channels = call->rows[first_output];
    const int64_t total = call->len[first_output];
    if (*channels < 1 || total % *channels != 0) return RJ_ERR_ARGUMENT;
    *n = total / *channels;
    for (int b = 0; b < buffers; b++)
        if (call->len[b] != total || call->rows[b] != *channels) return RJ_ERR_LENGTH;
    return RJ_OK;
}

/* The same for a kernel whose buffers `per_sample` hold rows x n samples and `per_row` (count
 * n_per_row) one value per row: the per-channel outputs of reductions. */
static inline int rj_rows_shape(const rj_call *call, const int *per_sample, int n_per_sample, const int *per_row,
                                int n_per_row, int64_t *rows, int64_t *n)
{
    *rows = call->rows[per_sample[0]];
    const int64_t total = call->len[per_sample[0]];
    if (*rows < 1 || total % *rows != 0) return RJ_ERR_ARGUMENT;
    *n = total / *rows;
    for (int k = 0; k < n_per_sample; k++)
        if (call->len[per_sample[k]] != total || call->rows[per_sample[k]] != *rows) return RJ_ERR_LENGTH;
    for (int k = 0; k < n_per_row; k++)
        if (call->len[per_row[k]] != *rows) return RJ_ERR_LENGTH;
    return RJ_OK;
}

#endif /* RJ_SAMPLES_H */
