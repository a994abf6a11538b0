/* vsa_retrain.h - the Classifier's retraining passes in one call (resin_jit/vsa/learn_ops.py's
 * retrain, which Classifier.fit calls), built on the steps of vsa_learn.h and vsa_dots.h.
 *
 * Included by vsa_batch.h after vsa_dots.h.
 * Entry (buffers in rj_call order, then the integer arguments):
 *   rj_class_retrain   rows (n packed rows), labels (n int64, each < classes), acc (classes * RJ_DIM
 *                      int32), model (classes packed rows, acc quantised), norms (classes int64),
 *                      dots (n * classes float64: the rows' dots with the model), cols (RJ_DIM * 2 *
 *                      ceil(n / 64) words), work (2 * n + 2 * classes int64), old (classes packed
 *                      rows), d (n int32), root (classes float64): scratch; status (2 int64); inum
 *                      epochs, lr, k.
 *     Up to `epochs` passes, each as Classifier's: the class of every row is the one of highest
 *     dots / sqrt(norms) (the first of equals, in float64 as numpy divides); if none is wrong, stop.
 *     Else acc[label] += lr * row and acc[predicted] -= lr * row for every wrong row, the classes
 *     named quantised again (rj_quantise_class with cut rank k), and, unless it was the last pass,
 *     the dots brought up to date from the trits that changed (cols made on first use).
 *     status[0] = the passes that changed the model; status[1] = 1 where a pass stopped before its
 *     updates because a sum could pass int32 (the largest |acc| + lr * its wrong rows >= 2**31).
 */
#ifndef RJ_VSA_RETRAIN_H
#define RJ_VSA_RETRAIN_H

/* The largest |a| of n int32 sums, as an int64 (2**31 for INT32_MIN). */
static int64_t rj_largest_magnitude(const int32_t *a, int64_t n)
{
    uint32_t top = 0;
    for (int64_t i = 0; i < n; i++) top = rj_magnitude(a[i]) > top ? rj_magnitude(a[i]) : top;
    return (int64_t)top;
}

/* predicted[i] = the class of highest dots[i, c] / root[c] (the first of equals); the rows whose
 * label differs listed in wrong; their count. */
static int64_t rj_wrong_rows(const double *dots, int64_t n, int64_t classes, const double *root,
                             const int64_t *labels, int64_t *predicted, int64_t *wrong)
{
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        const double *row = dots + i * classes;
        int64_t best = 0;
        double top = row[0] / root[0];
        for (int64_t c = 1; c < classes; c++) {
            const double score = row[c] / root[c];
            if (score > top) {
                top = score;
                best = c;
            }
        }
        predicted[i] = best;
        if (best != labels[i]) wrong[count++] = i;
    }
    return count;
}

/* The classes that wrong rows' labels or predictions name, in order, into changed; their count. */
static int64_t rj_changed_classes(const int64_t *wrong, int64_t m, const int64_t *labels, const int64_t *predicted,
                                  int64_t classes, int64_t *named, int64_t *changed)
{
    int64_t count = 0;
    for (int64_t c = 0; c < classes; c++) named[c] = 0;
    for (int64_t i = 0; i < m; i++) named[labels[wrong[i]]] = named[predicted[wrong[i]]] = 1;
    for (int64_t c = 0; c < classes; c++)
        if (named[c]) changed[count++] = c;
    return count;
}

static inline int rj_class_retrain(rj_call *call)
{
    const int64_t n = call->rows[0], classes = call->len[4], qw = (n + 63) / 64;
    const int64_t epochs = call->inum[0], lr = call->inum[1], k = call->inum[2];
    if (n < 1 || classes < 1 || call->len[0] != n * RJ_PACKED_LEN || call->len[1] != n
        || call->len[2] != classes * RJ_DIM || call->len[3] != classes * RJ_PACKED_LEN || call->len[5] != n * classes
        || call->len[6] != RJ_DIM * 2 * qw || call->len[7] != 2 * n + 2 * classes
        || call->len[8] != classes * RJ_PACKED_LEN || call->len[9] != n || call->len[10] != classes
        || call->len[11] != 2)
        return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    const int64_t *labels = (const int64_t *)call->ptr[1];
    int32_t *acc = (int32_t *)call->ptr[2];
    uint64_t *model = (uint64_t *)call->ptr[3], *cols = (uint64_t *)call->ptr[6], *old = (uint64_t *)call->ptr[8];
    int64_t *norms = (int64_t *)call->ptr[4], *work = (int64_t *)call->ptr[7], *status = (int64_t *)call->ptr[11];
    double *dots = (double *)call->ptr[5], *root = (double *)call->ptr[10];
    int32_t *delta = (int32_t *)call->ptr[9];
    if (!rj_rows_ok(rows, n) || !rj_rows_ok(model, classes) || epochs < 0 || lr < 1 || lr > INT32_MAX || k < 0
        || k > RJ_DIM)
        return RJ_ERR_LENGTH;
    for (int64_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= classes) return RJ_ERR_ARGUMENT;
    for (int64_t c = 0; c < classes; c++)
        if (norms[c] < 1) return RJ_ERR_ARGUMENT;
    int64_t *predicted = work, *wrong = work + n, *named = work + 2 * n, *changed = named + classes;
    uint64_t spread[256];
    rj_spread_table(spread);
    int64_t largest = rj_largest_magnitude(acc, classes * RJ_DIM), transposed = 0;
    status[0] = status[1] = 0;
    for (int64_t epoch = 0; epoch < epochs; epoch++) {
        for (int64_t c = 0; c < classes; c++) root[c] = __builtin_sqrt((double)norms[c]);
        const int64_t m = rj_wrong_rows(dots, n, classes, root, labels, predicted, wrong);
        if (m == 0) break;
        if (largest + m * lr >= ((int64_t)1 << 31)) {   /* a bound: the exact largest decides */
            largest = rj_largest_magnitude(acc, classes * RJ_DIM);
            if (largest + m * lr >= ((int64_t)1 << 31)) {
                status[1] = 1;
                break;
            }
        }
        largest += m * lr;
        rj_class_add_rows(acc, classes, rows, wrong, m, labels, predicted, (int32_t)lr, spread);
        const int64_t t = rj_changed_classes(wrong, m, labels, predicted, classes, named, changed);
        for (int64_t i = 0; i < t; i++) {
            memcpy(old + i * RJ_PACKED_LEN, model + changed[i] * RJ_PACKED_LEN, RJ_PACKED_LEN * sizeof *old);
            norms[changed[i]] = rj_quantise_class(acc + changed[i] * RJ_DIM, k, model + changed[i] * RJ_PACKED_LEN);
        }
        status[0]++;
        if (epoch + 1 == epochs) break;
        if (!transposed) rj_transpose_rows(rows, n, cols);
        transposed = 1;
        for (int64_t i = 0; i < t; i++) {
            rj_delta_dots(cols, n, old + i * RJ_PACKED_LEN, model + changed[i] * RJ_PACKED_LEN, delta, spread);
            for (int64_t r = 0; r < n; r++) dots[r * classes + changed[i]] += (double)delta[r];
        }
    }
    return RJ_OK;
}

#endif /* RJ_VSA_RETRAIN_H */
