/* block.c - a stateless graph over n samples: a vector main loop, then a scalar tail.
 *
 * Buffers arrive in rj_call order: the graph's inputs, then its outputs, all n long.
 * The scalar tail runs the same snippets on simd.h's scalar twins, which round exactly
 * like one vector lane, so where a sample falls (body or tail) never changes its value.
 */
${includes}

${prelude}

RJ_EXPORT int rj_entry(rj_call *call)
{
    const int64_t n = call->len[${first_output}];
    for (int b = 0; b < ${buffers}; b++)
        if (call->len[b] != n) return RJ_ERR_LENGTH;
${checks}
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
