/* channels.c - a stateful graph with one channel per SIMD lane.
 *
 * Filters and oscillators carry a dependency from one sample to the next, so a single
 * channel cannot be vectorised across samples. Across channels it can: each lane of an
 * rj_vd runs its own channel, and one state struct (of vectors) serves RJ_VD_WIDTH channels.
 * Buffers are (channels, n) row-major; each sample of a group's channels is moved from their
 * rows into a vector, computed, and moved back (see RJ_TILE_IN below). State is computed in
 * double; every other value in the graph's dtype, in the low RJ_VD_WIDTH lanes of its vector
 * type (an rj_vf for float32: see rj_vd_widen), so each rounds as in a kernel without state.
 * A group of one channel (a mono signal, or the last of an odd count) runs the same snippets
 * on scalars instead, on lane 0, with the same results.
 * State slots are copied into locals around the loop so they stay in registers.
 */
#include <string.h>
${includes}
#include "rj_samples.h"
#include "rj_transpose.h"

${prelude}

${state}
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
/* How rj_channel_lanes' loop over the m samples i + j of a block (j < m) reaches them. P is the
 * vector type (rj_vf or rj_vd); a tile holds an input's or an output's block. With RJ_BLOCK > 1
 * (rj_transpose.h says where) a block moves between the rows and a tile at once, by a transpose
 * in registers, and the loop reads and writes the tiles. Otherwise a block is one sample, which
 * the loop gathers from the rows and scatters back lane by lane, as it does masks (numpy bools).
 * row[l] is where lane l's channel starts. Lanes past the last channel repeat it (their values
 * are never stored), so no lane needs a test; each scatter stores the last lane first, so that
 * the last channel's own values land last in its row. */
#define RJ_LANE_MOVES(P, T, M)                                                             \
    static inline P P##_gather(const T *src, const int64_t row[RJ_VD_WIDTH])              \
    {                                                                                      \
        P v = {0};   /* unrolled, so the lanes are inserted in registers */                \
        _Pragma("GCC unroll 16") for (int l = 0; l < RJ_VD_WIDTH; l++) v[l] = src[row[l]]; \
        return v;                                                                          \
    }                                                                                      \
    static inline void P##_scatter(T *dst, const int64_t row[RJ_VD_WIDTH], P v)           \
    {                                                                                      \
        _Pragma("GCC unroll 16") for (int l = RJ_VD_WIDTH - 1; l >= 0; l--) dst[row[l]] = v[l]; \
    }                                                                                      \
    static inline void P##_scatter_mask(uint8_t *dst, const int64_t row[RJ_VD_WIDTH], M m) \
    {                                                                                      \
        _Pragma("GCC unroll 16") for (int l = RJ_VD_WIDTH - 1; l >= 0; l--)                \
            dst[row[l]] = (uint8_t)(m[l] != 0);                                            \
    }
RJ_LANE_MOVES(rj_vf, float, rj_mf)
RJ_LANE_MOVES(rj_vd, double, rj_md)
#if RJ_BLOCK > 1
#  define RJ_TILE_IN(P, tile, src) P##_tile_load((tile), (src) + i, row, m)
#  define RJ_LANE_IN(P, tile, src) P##_from_lanes((tile)[j])
#  define RJ_LANE_OUT(P, tile, dst, v) ((tile)[j] = P##_to_lanes(v))
#  define RJ_TILE_OUT(P, dst, tile) P##_tile_store((dst) + i, row, (tile), m)
#else
#  define RJ_TILE_IN(P, tile, src) ((void)0)
#  define RJ_LANE_IN(P, tile, src) P##_gather((src) + i + j, row)
#  define RJ_LANE_OUT(P, tile, dst, v) P##_scatter((dst) + i + j, row, (v))
#  define RJ_TILE_OUT(P, dst, tile) ((void)0)
#endif
#define RJ_LANE_OUT_MASK(P, dst, mask) P##_scatter_mask((dst) + i + j, row, (mask))

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
    for (int64_t i = 0; i < n; i += RJ_BLOCK) {
        const int m = n - i < RJ_BLOCK ? (int)(n - i) : RJ_BLOCK;   /* samples in the block */
${tiles_in}
        for (int j = 0; j < m; j++) {
${body}
        }
${tiles_out}
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
