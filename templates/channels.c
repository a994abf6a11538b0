/* channels.c - a stateful graph with one channel per SIMD lane.
 *
 * Filters and oscillators carry a dependency from one sample to the next, so a single
 * channel cannot be vectorised across samples. Across channels it can: each lane of an
 * rj_vd runs its own channel, and one state struct (of vectors) serves RJ_VD_WIDTH channels.
 * Buffers are (channels, n) row-major. Each sample of a group is gathered from its rows
 * into a vector lane by lane (unrolled, so the lanes are inserted in registers: going through
 * memory would stall every vector load on the scalar stores just before it), computed, and
 * scattered back. State is computed in double; every other value in the graph's dtype, in the
 * low RJ_VD_WIDTH lanes of its vector type (an rj_vf for float32: see rj_vd_widen), so each
 * rounds as in a kernel without state. The recurrence's latency, not these moves, sets the
 * pace. A group of one channel (a mono signal, or the last of an odd count) runs the same
 * snippets on scalars instead, on lane 0, with the same results.
 * State slots are copied into locals around the loop so they stay in registers.
 */
#include <string.h>
${includes}
#include "rj_samples.h"

${prelude}

${state}
/* Sample i of every channel of group g into the low lanes of v. Lanes past the last channel
 * repeat it (their values are never stored), so no lane needs a test in the loop. */
#define RJ_GATHER(v, src)                                                                  \
    do {                                                                                   \
        _Pragma("GCC unroll 16") for (int l = 0; l < RJ_VD_WIDTH; l++)                     \
            (v)[l] = (src)[row[l] + i];                                                    \
    } while (0)

/* Lane by lane back into the rows of the group's channels (a mask as numpy bools). The last
 * lane first: lanes past the last channel share its row, and its own value must land last. */
#define RJ_SCATTER(dst, v)                                                                 \
    do {                                                                                   \
        _Pragma("GCC unroll 16") for (int l = RJ_VD_WIDTH - 1; l >= 0; l--)                \
            (dst)[row[l] + i] = (v)[l];                                                    \
    } while (0)
#define RJ_SCATTER_MASK(dst, m)                                                            \
    do {                                                                                   \
        _Pragma("GCC unroll 16") for (int l = RJ_VD_WIDTH - 1; l >= 0; l--)                \
            (dst)[row[l] + i] = (uint8_t)((m)[l] != 0);                                    \
    } while (0)

/* A group of one channel (a mono signal, or the last of an odd count): the snippets on scalars,
 * on lane 0 of the group's state. */
static __attribute__((noinline)) void rj_one_channel(rj_call *call, rj_state *S, int64_t g, int64_t n)
{
${bind}
${load_one}
    for (int64_t i = 0; i < n; i++) {
${body_one}
    }
${store_one}
}

#if RJ_VD_WIDTH > 1  /* the scalar tier has one lane: every group is one channel */
/* Whether any lane of a mask is set: some channel's inputs of a derived value changed
 * (JitContext.changed), so the group computes the value again. */
static inline int rj_any_lane(rj_md m)
{
    int any = 0;
    for (int l = 0; l < RJ_VD_WIDTH; l++) any |= m[l] != 0;
    return any;
}

/* A group of 2 to RJ_VD_WIDTH channels, one per lane. (Each loop is a function of its own so
 * that the other cannot change how its registers are allocated, and so its speed.) */
static __attribute__((noinline)) void rj_channel_lanes(rj_call *call, rj_state *S, int64_t g, int64_t n, int lanes)
{
    int64_t row[RJ_VD_WIDTH];   /* where lane l's channel starts in a (channels, n) buffer */
    for (int l = 0; l < RJ_VD_WIDTH; l++) row[l] = (g * RJ_VD_WIDTH + (l < lanes ? l : lanes - 1)) * n;
${bind}
${hoisted}
${load_vector}
    for (int64_t i = 0; i < n; i++) {
${body}
    }
${store_vector}
}
#endif

RJ_EXPORT int rj_entry(rj_call *call)
{
    int64_t channels, n;
    const int shape = rj_channel_shape(call, ${first_output}, ${buffers}, &channels, &n);
    if (shape != RJ_OK) return shape;
    const int64_t groups = (channels + RJ_VD_WIDTH - 1) / RJ_VD_WIDTH;
${checks}
    if (call->len[${state_buffer}] != groups * (int64_t)sizeof(rj_state)) return RJ_ERR_ARGUMENT;
    rj_state *states = (rj_state *)call->ptr[${state_buffer}];
    for (int64_t g = 0; g < groups; g++) {
#if RJ_VD_WIDTH > 1
        const int lanes = (int)(channels - g * RJ_VD_WIDTH < RJ_VD_WIDTH ? channels - g * RJ_VD_WIDTH : RJ_VD_WIDTH);
        if (lanes > 1) {
            rj_channel_lanes(call, &states[g], g, n, lanes);
            continue;
        }
#endif
        rj_one_channel(call, &states[g], g, n);
    }
    return RJ_OK;
}
