/* stateful.c - a graph with state, run sample by sample, one state struct per channel.
 *
 * The state lives in a buffer owned by the Python kernel object (the last bound buffer),
 * so it persists between calls: feeding a signal block by block equals one call on the
 * whole signal. A 2-D buffer of shape (channels, n) runs each channel on its own state.
 */
#include <string.h>
${includes}

${prelude}

typedef struct rj_state {
${state_fields}
} rj_state;

RJ_EXPORT int64_t rj_state_size(void) { return (int64_t)sizeof(rj_state); }

/* One state struct serves this many channels (here one: channels run one after another). */
RJ_EXPORT int64_t rj_state_lanes(void) { return 1; }

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
    for (int b = 0; b < ${buffers}; b++)
        if (call->len[b] != total || call->rows[b] != channels) return RJ_ERR_LENGTH;
${checks}
    if (call->len[${state_buffer}] != channels * (int64_t)sizeof(rj_state)) return RJ_ERR_ARGUMENT;
    rj_state *states = (rj_state *)call->ptr[${state_buffer}];
    for (int64_t ch = 0; ch < channels; ch++) {
        rj_state *S = &states[ch];
${bind}
${hoisted}
        for (int64_t i = 0; i < n; i++) {
${scalar_body}
        }
${store_state}
    }
    return RJ_OK;
}
