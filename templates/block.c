/* block.c - a stateless graph over n samples: a vector main loop, then a scalar tail.
 *
 * Buffers arrive in rj_call order: the graph's inputs, then its outputs, then the bound
 * buffers (parameters, function pointers). rj_run_samples (csrc/rj_samples.h) checks the
 * lengths and expands inputs given as one element, so the body sees n-long buffers only.
 * The scalar tail runs the same snippets on simd.h's scalar twins, which round exactly
 * like one vector lane, so where a sample falls (body or tail) never changes its value.
 */
${includes}
#include "rj_samples.h"

${prelude}

static int rj_body(rj_call *call, int64_t n)
{
${bind}
${hoisted}
    int64_t i = 0;
    for (; i + ${lanes} <= n; i += ${lanes}) {
${vector_body}
    }
    for (; i < n; i++) {
${scalar_body}
    }
    return RJ_OK;
}

RJ_EXPORT int rj_entry(rj_call *call)
{
${checks}
    static const uint8_t sizes[] = ${sizes};   /* bytes per element of each input and output */
    return rj_run_samples(call, ${inputs}, ${buffers}, call->len[${first_output}], sizes, rj_body);
}
