/* reduce.c - a stateless graph with reductions over the samples (sum, mean, min, ...).
 *
 * One pass over each row (a channel; a 1-D call is one row) computes the per-sample outputs and
 * folds the values to reduce (csrc/rj_reduce.h), in blocks of RJ_SUM_BLOCK vectors; after the row,
 * the reductions are finished and the expressions of reduced values computed, one value per row.
 * A light loop is unrolled (assemble.py's _light): its vectors still fold one after the other, in
 * the order of their samples, so the unrolling changes no reduction's value.
 * A graph whose reductions are all argmin/argmax (their indices do not depend on which loop saw
 * which sample) first runs, one by one, the samples before its first input's next vector-aligned
 * element (rj_samples.h's rj_head_to_align): loads that straddle two cache lines cost a third of
 * the time of a loop that does little but load. Other reductions start at sample 0: the lane each
 * sample goes to decides a sum's rounding, and must not depend on where the array lies.
 * A graph that does not vectorise runs every sample in the second loop, whose folds put each value
 * where the vector loop would have (rj_reduce.h), so its reductions give the same bits.
 * Buffers arrive in rj_call order: inputs and per-sample outputs hold rows x n elements, each
 * per-channel output one element per row.
 */
${includes}
#include "rj_reduce.h"
#include "rj_samples.h"

${prelude}

RJ_EXPORT int rj_entry(rj_call *call)
{
    /* the buffers of rows x n samples (inputs, per-sample outputs), and of one value per row */
    static const int per_sample[] = ${per_sample}, per_row[] = ${per_row};
    if (call->rows[per_sample[0]] == 0 && call->len[per_sample[0]] == 0) return RJ_OK;   /* no channels */
    int64_t rows, n;
    const int shape = rj_rows_shape(call, per_sample, sizeof per_sample / sizeof *per_sample, per_row, ${n_per_row},
                                    &rows, &n);
    if (shape != RJ_OK) return shape;
${checks}
${empty_check}
    for (int64_t r = 0; r < rows; r++) {
${bind}
${hoisted}
${init}
        int64_t i = 0;
        for (const int64_t head = ${head}; i < head; i++) {
${scalar_body}
        }
        while (i + ${lanes} <= n) {
            const int64_t whole = i + (n - i) / ${lanes} * ${lanes};
            const int64_t stop = whole - i > RJ_SUM_BLOCK * ${lanes} ? i + RJ_SUM_BLOCK * ${lanes} : whole;
${unroll}
            for (; i < stop; i += ${lanes}) {
${vector_body}
            }
${fold}
        }
        for (; i < n; i++) {
${scalar_body}
        }
${finish}
    }
    return RJ_OK;
}
