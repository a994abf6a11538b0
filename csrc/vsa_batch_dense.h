/* vsa_batch_dense.h - the batch entries on dense rows (int8 trits).
 *
 * Included by vsa_batch.h, which says what the entries take and defines the weighted sums they
 * share (rj_sum_block), after vsa_dense.h. */
#ifndef RJ_VSA_BATCH_DENSE_H
#define RJ_VSA_BATCH_DENSE_H

/* ---- dense batches ---------------------------------------------------------------------------- */

typedef uint8_t rj_vu __attribute__((vector_size(RJ_VB_WIDTH)));

/* Lanes that hold no trit (anything but -1, 0, 1): -1 there. */
static inline rj_vb rj_not_trits(rj_vb v) { return (rj_vb)((rj_vu)v + 1 > 2); }   /* unsigned: 127 + 1 wraps */
static inline int rj_not_trit(int8_t x) { return (uint8_t)(x + 1) > 2; }
static inline int rj_any_lane(rj_vb v)
{
    int64_t any = 0;
    for (int l = 0; l < RJ_VB_WIDTH; l++) any |= v[l];
    return any != 0;
}

/* out may be a or b (bind(A, B, out=A)): the trits after the last whole vector are multiplied one
 * by one (a last vector overlapping the one before it would read trits already written). */
RJ_INLINE int rj_bind_row(const int8_t *a, const int8_t *b, int8_t *out, rj_vb *bad)
{
    int scalar_bad = 0;
    for (int64_t i = 0; i + RJ_VB_WIDTH <= RJ_DIM; i += RJ_VB_WIDTH) {
        const rj_vb x = rj_vb_load(a + i), y = rj_vb_load(b + i);
        *bad |= rj_not_trits(x) | rj_not_trits(y);
        rj_vb_store(out + i, rj_vb_mul(x, y));
    }
    for (int64_t i = RJ_NV * RJ_VB_WIDTH; i < RJ_DIM; i++) {
        scalar_bad |= rj_not_trit(a[i]) | rj_not_trit(b[i]);
        out[i] = (int8_t)(a[i] * b[i]);
    }
    return scalar_bad;
}

static inline int rj_dense_bind_rows(rj_call *call)
{
    const int64_t n = call->rows[2], ra = call->rows[0], rb = call->rows[1];
    if (call->len[2] != n * RJ_DIM || call->len[0] != ra * RJ_DIM || call->len[1] != rb * RJ_DIM
        || (ra != n && ra != 1) || (rb != n && rb != 1))
        return RJ_ERR_LENGTH;
    const int8_t *a = (const int8_t *)call->ptr[0], *b = (const int8_t *)call->ptr[1];
    const int64_t sa = rj_row_step(ra, RJ_DIM), sb = rj_row_step(rb, RJ_DIM);
    int8_t *out = (int8_t *)call->ptr[2];
    rj_vb bad = {0};
    int scalar_bad = 0;
    for (int64_t r = 0; r < n; r++) scalar_bad |= rj_bind_row(a + r * sa, b + r * sb, out + r * RJ_DIM, &bad);
    return scalar_bad || rj_any_lane(bad) ? RJ_ERR_ARGUMENT : RJ_OK;
}

/* n trits from src to dst, checked. */
static inline int rj_copy_trits(int8_t *dst, const int8_t *src, int64_t n, rj_vb *bad)
{
    int64_t i = 0;
    int scalar_bad = 0;
    for (; i + RJ_VB_WIDTH <= n; i += RJ_VB_WIDTH) {
        const rj_vb v = rj_vb_load(src + i);
        *bad |= rj_not_trits(v);
        rj_vb_store(dst + i, v);
    }
    for (; i < n; i++) {
        scalar_bad |= rj_not_trit(src[i]);
        dst[i] = src[i];
    }
    return scalar_bad;
}

static inline int rj_dense_permute_rows(rj_call *call)
{
    const int64_t n = call->rows[0], shift = call->inum[0];
    if (call->len[0] != n * RJ_DIM || call->len[1] != n * RJ_DIM || shift < 0 || shift >= RJ_DIM)
        return RJ_ERR_LENGTH;
    const int8_t *in = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    rj_vb bad = {0};
    int scalar_bad = 0;
    for (int64_t r = 0; r < n; r++) {   /* out[(i + shift) mod RJ_DIM] = in[i]: two runs */
        const int8_t *v = in + r * RJ_DIM;
        int8_t *o = out + r * RJ_DIM;
        scalar_bad |= rj_copy_trits(o + shift, v, RJ_DIM - shift, &bad);
        scalar_bad |= rj_copy_trits(o, v + RJ_DIM - shift, shift, &bad);
    }
    return scalar_bad || rj_any_lane(bad) ? RJ_ERR_ARGUMENT : RJ_OK;
}

/* A dense row's trits, checked, in place; a row holding a byte that is no trit (the call fails)
 * is summed as zeros from tmp, so that no sum can overflow on the way. */
static const int8_t *rj_fetch_dense(const void *rows, int64_t r, int64_t c, int64_t n, int8_t *tmp, int *bad)
{
    const int8_t *t = (const int8_t *)rows + r * RJ_DIM + c;
    rj_vb b = {0};
    int scalar_bad = 0;
    int64_t j = 0;
    for (; j + RJ_VB_WIDTH <= n; j += RJ_VB_WIDTH) b |= rj_not_trits(rj_vb_load(t + j));
    for (; j < n; j++) scalar_bad |= rj_not_trit(t[j]);
    if (!scalar_bad && !rj_any_lane(b)) return t;
    *bad = 1;
    memset(tmp, 0, (size_t)n);
    return tmp;
}

static inline int rj_dense_bundle_rows(rj_call *call)
{
    int64_t g;
    if (!rj_bundle_shape_ok(call, RJ_DIM, &g) || call->inum[2] > RJ_DIM) return RJ_ERR_LENGTH;
    const int64_t k = call->inum[0], lo = call->inum[1], hi = call->inum[2];
    const int64_t *iw = call->len[1] ? (const int64_t *)call->ptr[1] : 0;
    const double *fw = call->len[2] ? (const double *)call->ptr[2] : 0;
    const int small = iw ? rj_small_weights(iw, k) : 1;
    int bad = 0;
    for (int64_t j = 0; j < g; j++) {
        const int8_t *rows = (const int8_t *)call->ptr[0] + j * k * RJ_DIM;
        int8_t *out = (int8_t *)call->ptr[3] + j * RJ_DIM;
        for (int64_t c = lo; c < hi; c += RJ_BLOCK) {
            const int64_t n = hi - c < RJ_BLOCK ? hi - c : RJ_BLOCK;
            rj_sum_block(rj_fetch_dense, rows, k, c, n, iw, small, fw, (int)call->inum[3], call->num[0], out + c,
                         &bad);
        }
    }
    return bad ? RJ_ERR_ARGUMENT : RJ_OK;
}

#endif /* RJ_VSA_BATCH_DENSE_H */
