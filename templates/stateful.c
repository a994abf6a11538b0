/* stateful.c - a graph with state, run sample by sample, one state struct per channel.
 *
 * The state lives in a buffer owned by the Python kernel object (the last bound buffer),
 * so it persists between calls: feeding a signal block by block equals one call on the
 * whole signal. A 2-D buffer of shape (channels, n) runs each channel on its own state.
 * Reductions (csrc/rj_reduce.h) fold each sample's value and are finished after the channel's
 * loop, into a per-channel output (one value per channel); each value goes where templates/reduce.c's
 * vector loop puts it, so a reduction gives the same bits here as in a graph without state.
 */
#include <string.h>
${includes}
#include "rj_reduce.h"
#include "rj_samples.h"

${prelude}

${state}

RJ_EXPORT int rj_entry(rj_call *call)
{
    /* the buffers of channels x n samples (inputs, per-sample outputs), and of one value per channel */
    static const int per_sample[] = ${per_sample}, per_row[] = ${per_row};
    int64_t channels, n;
    const int shape = rj_rows_shape(call, per_sample, sizeof per_sample / sizeof *per_sample, per_row, ${n_per_row},
                                    &channels, &n);
    if (shape != RJ_OK) return shape;
${checks}
${empty_check}
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
