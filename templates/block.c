/* block.c - a stateless graph over n samples: a vector main loop, then a scalar tail.
 *
 * Buffers arrive in rj_call order: the graph's inputs, then its outputs, then the bound
 * buffers (parameters, function pointers). rj_run_samples (csrc/rj_samples.h) checks the
 * lengths and expands inputs given as one element, so the body sees n-long buffers only.
 * The scalar loop runs the same snippets on simd.h's scalar twins, which round exactly
 * like one vector lane, so where a sample falls (body or scalar loop) never changes its value.
 */
${includes}
#include "rj_samples.h"

${prelude}

static int rj_body(rj_call *call, int64_t n)
{
${bind}
${hoisted}
    /* The scalar loop runs twice: first over the samples before the first output's next
     * vector-aligned element (a light graph on a long buffer: rj_head_to_align), so that no vector
     * store straddles two cache lines, then over the tail after the last whole vector (a graph of
     * long bodies has neither loop: its last vector runs partial, rj_samples.h's _upto). Every
     * sample is read into a local before its outputs are stored, and each vector covers samples no
     * other vector does, so an output that is an input (out=x) gives numpy's values in any loop. */
    int64_t i = 0, stop = ${head};
    for (;;) {
#if ${scalar_loop}
        for (; i < stop; i++) {
${scalar_body}
        }
#else
        (void)stop;   /* a long body's last, partial vector runs as a vector: no sample is left over */
#endif
        if (i >= n) return RJ_OK;   /* (past n: a last, partial vector ran) */
${unroll}
        for (; ${vector_while}; i += ${lanes}) {
${vector_body}
        }
        stop = n;
    }
}

RJ_EXPORT int rj_entry(rj_call *call)
{
${checks}
    static const uint8_t sizes[] = ${sizes};   /* bytes per element of each input and output */
    return rj_run_samples(call, ${inputs}, ${buffers}, call->len[${first_output}], sizes, rj_body);
}
