/* channels.c - a stateful graph with one channel per SIMD lane.
 *
 * Filters and oscillators carry a dependency from one sample to the next, so a single
 * channel cannot be vectorised across samples. Across channels it can: each lane of an
 * rj_vd runs its own channel, and one state struct (of vectors) serves RJ_VD_WIDTH channels.
 * Buffers are (channels, n) row-major; a group's samples are gathered into a lane array,
 * computed in double precision, and scattered back.
 */
#include <string.h>
${includes}

${prelude}

typedef struct rj_state {
${state_fields}
} rj_state;

RJ_EXPORT int64_t rj_state_size(void) { return (int64_t)sizeof(rj_state); }

RJ_EXPORT int64_t rj_state_lanes(void) { return RJ_VD_WIDTH; }

RJ_EXPORT void rj_state_init(rj_state *S)
{
    memset(S, 0, sizeof *S);
${state_init}
}

RJ_EXPORT int rj_entry(rj_call *call)
{
    const int64_t channels = call->rows[${first_output}];
    const int64_t total = call->len[${first_output}];
    if (channels < 1 || total % channels != 0) return RJ_ERR_ARGUMENT;
    const int64_t n = total / channels;
    const int64_t groups = (channels + RJ_VD_WIDTH - 1) / RJ_VD_WIDTH;
    for (int b = 0; b < ${buffers}; b++)
        if (call->len[b] != total || call->rows[b] != channels) return RJ_ERR_LENGTH;
${checks}
    if (call->len[${state_buffer}] != groups * (int64_t)sizeof(rj_state)) return RJ_ERR_ARGUMENT;
    rj_state *states = (rj_state *)call->ptr[${state_buffer}];
${bind}
${hoisted}
    for (int64_t g = 0; g < groups; g++) {
        rj_state *S = &states[g];
        const int lanes = (int)(channels - g * RJ_VD_WIDTH < RJ_VD_WIDTH ? channels - g * RJ_VD_WIDTH : RJ_VD_WIDTH);
        double lane[RJ_VD_WIDTH] = {0};
        for (int64_t i = 0; i < n; i++) {
${body}
        }
    }
    return RJ_OK;
}
