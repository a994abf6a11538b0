/* vsa_batch_packed.h - the batch entries on packed rows (two bit planes and a guard).
 *
 * Included by vsa_batch.h, which says what the entries take and defines the weighted sums they
 * share (rj_sum_block), after vsa_packed.h. */
#ifndef RJ_VSA_BATCH_PACKED_H
#define RJ_VSA_BATCH_PACKED_H

/* ---- packed batches --------------------------------------------------------------------------- */

static inline int rj_packed_bind_rows(rj_call *call)
{
    const int64_t n = call->rows[2], ra = call->rows[0], rb = call->rows[1];
    if (call->len[2] != n * RJ_PACKED_LEN || call->len[0] != ra * RJ_PACKED_LEN
        || call->len[1] != rb * RJ_PACKED_LEN || (ra != n && ra != 1) || (rb != n && rb != 1))
        return RJ_ERR_LENGTH;
    const uint64_t *a = (const uint64_t *)call->ptr[0], *b = (const uint64_t *)call->ptr[1];
    if (!rj_rows_ok(a, ra) || !rj_rows_ok(b, rb)) return RJ_ERR_LENGTH;
    const int64_t sa = rj_row_step(ra, RJ_PACKED_LEN), sb = rj_row_step(rb, RJ_PACKED_LEN);
    uint64_t *out = (uint64_t *)call->ptr[2];
    for (int64_t r = 0; r < n; r++) rj_bind_packed(a + r * sa, b + r * sb, out + r * RJ_PACKED_LEN);
    return RJ_OK;
}

/* The 64 bits of a plane from bit 64 * i + e on (0 <= e < 64, i >= -1), zeros outside the plane. */
static inline uint64_t rj_funnel(const uint64_t *plane, int64_t i, int e)
{
    const uint64_t lo = i >= 0 && i < RJ_WORDS ? plane[i] : 0, hi = i + 1 < RJ_WORDS ? plane[i + 1] : 0;
    return e ? (lo >> e) | (hi << (64 - e)) : lo;
}

/* out[w] = (or |=) the plane's 64 bits from bit 64 * (w + off) + e on, for w in [lo, hi). */
static inline void rj_funnel_words(const uint64_t *in, uint64_t *out, int64_t lo, int64_t hi, int64_t off, int e,
                                   int or_in)
{
    int64_t w = lo;
    for (; w < hi && w + off < 0; w++) out[w] = (or_in ? out[w] : 0) | rj_funnel(in, w + off, e);
    for (; w + RJ_PQ_WORDS <= hi && w + off + RJ_PQ_WORDS < RJ_WORDS; w += RJ_PQ_WORDS) {   /* whole groups */
        const rj_pq x = rj_pq_load(in + w + off), next = rj_pq_load(in + w + off + 1);
        const rj_pq v = e ? (x >> e) | (next << (64 - e)) : x;
        rj_pq_store(out + w, or_in ? rj_pq_load(out + w) | v : v);
    }
    for (; w < hi; w++) out[w] = (or_in ? out[w] : 0) | rj_funnel(in, w + off, e);
}

/* One plane rotated by a shift known at run time: out bit j = in bit (j + s) mod RJ_DIM, with
 * s = RJ_DIM - shift. The in bits from s on land from out bit 0 (a funnel shift of whole words,
 * over the out words before d = RJ_DIM - s; the plane's zero padding fills in after them), those
 * before s from out bit d (another, ORed in; what lands past RJ_DIM is masked off the last word). */
static void rj_rotate_words(const uint64_t *in, uint64_t *out, int64_t shift)
{
    const int64_t s = (RJ_DIM - shift) % RJ_DIM, d = RJ_DIM - s, first = (d + 63) >> 6;
    rj_funnel_words(in, out, 0, first, s >> 6, (int)(s & 63), 0);
    for (int64_t w = first; w < RJ_WORDS; w++) out[w] = 0;
    const int e = (int)((64 - (d & 63)) & 63);   /* out word w takes in bits from 64w - d = 64 * i + e on */
    rj_funnel_words(in, out, d >> 6, RJ_WORDS, (64 * (d >> 6) - d - e) / 64 - (d >> 6), e, 1);
    if (RJ_DIM % 64) out[RJ_WORDS - 1] &= ((uint64_t)1 << (RJ_DIM % 64)) - 1;
}

static inline int rj_packed_permute_rows(rj_call *call)
{
    const int64_t n = call->rows[0], shift = call->inum[0];
    if (call->len[0] != n * RJ_PACKED_LEN || call->len[1] != n * RJ_PACKED_LEN || shift < 0 || shift >= RJ_DIM)
        return RJ_ERR_LENGTH;
    const uint64_t *in = (const uint64_t *)call->ptr[0];
    if (!rj_rows_ok(in, n)) return RJ_ERR_LENGTH;
    uint64_t *out = (uint64_t *)call->ptr[1];
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *v = in + r * RJ_PACKED_LEN;
        uint64_t *o = out + r * RJ_PACKED_LEN;
        rj_rotate_words(v, o, shift);
        rj_rotate_words(v + RJ_WORDS, o + RJ_WORDS, shift);
        o[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    }
    return RJ_OK;
}

/* ---- the plain majority of packed rows: bit-sliced counts through carry-save adders ---------- */

/* c (bit planes c[0 .. bits), weight 1 << b) += x, rippling the carries. */
static inline void rj_count_add(rj_pq *c, int bits, rj_pq x)
{
    for (int b = 0; b < bits; b++) {
        const rj_pq carry = c[b] & x;
        c[b] ^= x;
        x = carry;
    }
}

/* The counts of the set bits of rows' words at one group of positions: ones, twos and fours
 * planes fed by carry-save adders (Harley-Seal), eight rows at a time, whose carries out of the
 * fours count in eights. count[0 .. 3) are the ones, twos and fours, count[3 ..] the eights. */
struct rj_counter { rj_pq count[64]; int bits; };

RJ_INLINE void rj_counter_add8(struct rj_counter *t, const rj_pq *x)
{
    rj_pq twos_a, twos_b, fours_a, fours_b, eights;
    t->count[0] = rj_csa(&twos_a, t->count[0], x[0], x[1]);
    t->count[0] = rj_csa(&twos_b, t->count[0], x[2], x[3]);
    t->count[1] = rj_csa(&fours_a, t->count[1], twos_a, twos_b);
    t->count[0] = rj_csa(&twos_a, t->count[0], x[4], x[5]);
    t->count[0] = rj_csa(&twos_b, t->count[0], x[6], x[7]);
    t->count[1] = rj_csa(&fours_b, t->count[1], twos_a, twos_b);
    t->count[2] = rj_csa(&eights, t->count[2], fours_a, fours_b);
    rj_count_add(t->count + 3, t->bits - 3, eights);
}

/* Where count a > count b + t, both counts bit-sliced in `bits` planes, 0 <= t < 1 << bits: b + t
 * made in bits + 1 planes (a ripple-carry add of the constant), then compared from the top bit. */
static inline rj_pq rj_exceeds(const rj_pq *a, const rj_pq *b, int bits, int64_t t)
{
    rj_pq sum[64], carry = (rj_pq){0}, gt = (rj_pq){0}, eq = ~(rj_pq){0};
    for (int i = 0; i <= bits; i++) {
        const rj_pq bi = i < bits ? b[i] : (rj_pq){0}, ti = ((t >> i) & 1) ? ~(rj_pq){0} : (rj_pq){0};
        sum[i] = bi ^ ti ^ carry;
        carry = (bi & ti) | (carry & (bi ^ ti));
    }
    for (int i = bits; i >= 0; i--) {
        const rj_pq ai = i < bits ? a[i] : (rj_pq){0};
        gt |= eq & ai & ~sum[i];
        eq &= ~(ai ^ sum[i]);
    }
    return gt;
}

/* acc (acc_bits planes) += x (x_bits planes) << shift, bit-sliced, rippling the carries. */
static inline void rj_add_shifted(rj_pq *acc, int acc_bits, const rj_pq *x, int x_bits, int shift)
{
    rj_pq carry = (rj_pq){0};
    for (int i = shift; i < acc_bits; i++) {
        const rj_pq xi = i - shift < x_bits ? x[i - shift] : (rj_pq){0};
        const rj_pq sum = acc[i] ^ xi ^ carry;
        carry = (acc[i] & xi) | (carry & (acc[i] ^ xi));
        acc[i] = sum;
    }
}

/* The weighted counts of +1s (pos) and -1s (neg) at one group of positions, bits planes each: for
 * each bit b of the weights' magnitudes, the rows whose weight has it are counted through
 * carry-save adders (a negative weight's row with its planes swapped), the count added in at
 * weight 1 << b. No weights: every row once. */
static void rj_weighted_counts(const uint64_t *rows, int64_t k, const int64_t *iw, int wbits, int bits, int64_t w,
                               int64_t n, rj_pq *pos, rj_pq *neg)
{
    for (int b = 0; b < bits; b++) pos[b] = neg[b] = (rj_pq){0};
    for (int b = 0; b < wbits; b++) {
        struct rj_counter cp, cn;
        cp.bits = cn.bits = bits - b > 4 ? bits - b : 4;   /* the rows with bit b number below 1 << (bits - b) */
        for (int i = 0; i < cp.bits; i++) cp.count[i] = cn.count[i] = (rj_pq){0};
        rj_pq p[8], m[8];
        int held = 0;
        for (int64_t r = 0; r < k; r++) {
            const int64_t weight = iw ? iw[r] : 1;
            if (!(((weight < 0 ? -weight : weight) >> b) & 1)) continue;
            const uint64_t *row = rows + r * RJ_PACKED_LEN + w, *plus = row, *minus = row + RJ_WORDS;
            if (weight < 0) {
                plus = minus;
                minus = row;
            }
            p[held] = n == RJ_PQ_WORDS ? rj_pq_load(plus) : rj_pq_load_part(plus, n);
            m[held] = n == RJ_PQ_WORDS ? rj_pq_load(minus) : rj_pq_load_part(minus, n);
            if (++held == 8) {
                rj_counter_add8(&cp, p);
                rj_counter_add8(&cn, m);
                held = 0;
            }
        }
        for (int j = 0; j < held; j++) {
            rj_count_add(cp.count, cp.bits, p[j]);
            rj_count_add(cn.count, cn.bits, m[j]);
        }
        rj_add_shifted(pos, bits, cp.count, cp.bits, b);
        rj_add_shifted(neg, bits, cn.count, cn.bits, b);
    }
}

/* Whether the weights (none: all 1) total below 1 << 60 in magnitude: then the bit-sliced counts
 * hold them, and *wbits and *bits say how many bits the largest and the total take. */
static inline int rj_sliced_weights(const int64_t *iw, int64_t k, int *wbits, int *bits, int64_t *total)
{
    int64_t top = 0;
    *total = 0;
    for (int64_t r = 0; r < k; r++) {
        if (iw && iw[r] == INT64_MIN) return 0;   /* no magnitude as an int64 */
        const int64_t m = iw ? (iw[r] < 0 ? -iw[r] : iw[r]) : 1;
        if (m >= ((int64_t)1 << 60) || (*total += m) >= ((int64_t)1 << 60)) return 0;
        top |= m;
    }
    for (*wbits = 0; top >> *wbits; ++*wbits) {}
    for (*bits = 4; ((int64_t)1 << *bits) <= *total; ++*bits) {}
    return 1;
}

/* out's words [lo, hi) of each plane: +1 where the weighted count of +1s exceeds that of -1s by
 * over t, -1 where the other way round, else 0. */
static void rj_majority_words(const uint64_t *rows, int64_t k, const int64_t *iw, uint64_t *out, int64_t lo,
                              int64_t hi, int64_t t)
{
    int wbits = 0, bits = 4;
    int64_t total = 0;
    rj_sliced_weights(iw, k, &wbits, &bits, &total);
    const int64_t limit = t < total ? t : total;   /* a margin of the whole weight is never exceeded */
    for (int64_t w = lo; w < hi; w += RJ_PQ_WORDS) {
        const int64_t n = hi - w < RJ_PQ_WORDS ? hi - w : RJ_PQ_WORDS;
        rj_pq pos[64], neg[64];
        rj_weighted_counts(rows, k, iw, wbits, bits, w, n, pos, neg);
        const rj_pq gt = rj_exceeds(pos, neg, bits, limit);
        const rj_pq lt = rj_exceeds(neg, pos, bits, limit);
        rj_store_planes(out, w, gt, lt, n);
    }
}

#define RJ_BLOCK_WORDS (RJ_BLOCK / 64)

/* bit i of a byte → byte i of a word (0 or 1), for every byte value */
static inline void rj_spread_table(uint64_t *table)
{
    for (uint64_t x = 0; x < 256; x++) {
        uint64_t s = (x | (x << 28)) & 0x0000000F0000000Full;
        s = (s | (s << 14)) & 0x0003000300030003ull;
        table[x] = (s | (s << 7)) & 0x0101010101010101ull;
    }
}

/* A packed row's trits in words c / 64 .. (c + n) / 64 of its planes, one int8 each, into tmp;
 * `rows` is the spread table followed by the batch's address (rj_unpack_source). */
struct rj_unpack_source { uint64_t spread[256]; const uint64_t *rows; };

static const int8_t *rj_fetch_packed(const void *source, int64_t r, int64_t c, int64_t n, int8_t *tmp, int *bad)
{
    (void)bad;
    const struct rj_unpack_source *s = (const struct rj_unpack_source *)source;
    const uint8_t *p = (const uint8_t *)(s->rows + r * RJ_PACKED_LEN + c / 64);
    const uint8_t *m = (const uint8_t *)(s->rows + r * RJ_PACKED_LEN + RJ_WORDS + c / 64);
    int64_t i = 0;
#if defined(RJ_VSA_X86_AVX2)   /* 32 trits at a time: each byte of bits to 8 bytes by pshufb, tested bit by bit */
    typedef uint32_t rj_vw __attribute__((vector_size(32)));
    const rj_vc spread = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,    /* within each 128-bit half */
                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
    const rj_vu8 bit = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                        1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    for (; i + 4 <= (n + 7) / 8; i += 4) {
        uint32_t pw, mw;
        memcpy(&pw, p + i, 4);
        memcpy(&mw, m + i, 4);
        const rj_vu8 pb = (rj_vu8)__builtin_ia32_pshufb256((rj_vc)((rj_vw){0} + pw), spread);
        const rj_vu8 mb = (rj_vu8)__builtin_ia32_pshufb256((rj_vc)((rj_vw){0} + mw), spread);
        const rj_vb t = (rj_vb)(((pb & bit) == bit) & 1) | (rj_vb)((mb & bit) == bit);
        memcpy(tmp + 8 * i, &t, sizeof t);
    }
#endif
    for (; i < (n + 7) / 8; i++) {   /* little-endian words: byte i holds trits 8i .. 8i + 7 */
        const uint64_t t = s->spread[p[i]] | (s->spread[m[i]] * 0xff);
        memcpy(tmp + 8 * i, &t, 8);
    }
    return tmp;
}

/* Trits t (one per int8) back to nw words of each plane of out from word w. */
static inline void rj_pack_block(const int8_t *t, int64_t w, int64_t nw, uint64_t *out)
{
    for (int64_t i = 0; i < nw; i++) {
        uint64_t p = 0, m = 0;
        for (int b = 0; b < 64; b++) {
            p |= (uint64_t)(t[64 * i + b] > 0) << b;
            m |= (uint64_t)(t[64 * i + b] < 0) << b;
        }
        out[w + i] = p;
        out[RJ_WORDS + w + i] = m;
    }
}

static inline int rj_packed_bundle_rows(rj_call *call)
{
    int64_t g;
    if (!rj_bundle_shape_ok(call, RJ_PACKED_LEN, &g) || call->inum[2] > RJ_WORDS) return RJ_ERR_LENGTH;
    const int64_t k = call->inum[0], lo = call->inum[1], hi = call->inum[2];
    const int64_t *iw = call->len[1] ? (const int64_t *)call->ptr[1] : 0;
    const double *fw = call->len[2] ? (const double *)call->ptr[2] : 0;
    int wbits = 0, bits = 4;
    int64_t total = 0;
    const int small = iw ? rj_small_weights(iw, k) : 1, sliced = !fw && rj_sliced_weights(iw, k, &wbits, &bits, &total);
    if (!rj_rows_ok((const uint64_t *)call->ptr[0], g * k)) return RJ_ERR_LENGTH;
    struct rj_unpack_source source;
    if (!sliced) rj_spread_table(source.spread);
    int bad = 0;
    for (int64_t j = 0; j < g; j++) {
        const uint64_t *rows = (const uint64_t *)call->ptr[0] + j * k * RJ_PACKED_LEN;
        uint64_t *out = (uint64_t *)call->ptr[3] + j * RJ_PACKED_LEN;
        if (lo == 0) out[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
        if (sliced) {   /* int weights of moderate size, or none: bit-sliced counts */
            rj_majority_words(rows, k, iw, out, lo, hi, rj_threshold_floor(call->num[0]));
            continue;
        }
        source.rows = rows;
        for (int64_t w = lo; w < hi; w += RJ_BLOCK_WORDS) {
            const int64_t nw = hi - w < RJ_BLOCK_WORDS ? hi - w : RJ_BLOCK_WORDS;
            int8_t trits[RJ_BLOCK];
            rj_sum_block(rj_fetch_packed, &source, k, 64 * w, 64 * nw, iw, small, fw, (int)call->inum[3],
                         call->num[0], trits, &bad);
            rj_pack_block(trits, w, nw, out);
        }
    }
    return RJ_OK;
}

#endif /* RJ_VSA_BATCH_PACKED_H */
