/* vsa_record.h - records of levels (ID-level encoding) straight to packed rows.
 *
 * Included by vsa_batch.h after vsa_batch_packed.h (whose bit-sliced counters it uses).
 * Entry (buffers in rj_call order):
 *   rj_packed_record_rows   index (n * f int64: row r's value index for each of f features),
 *                           keys (f packed rows), values (the codebook's packed rows), out (n rows).
 *       Out row r = the bundle (sign of the sum, ties 0) of bind(key j, values[index[r, j]]) over
 *       the features j: per position, the count of +1 products against the count of -1 products.
 *       An index outside the values' rows is RJ_ERR_ARGUMENT (the Python side checks it first).
 * Rows are encoded a block at a time, and within a block one group of words at a time across its
 * rows, so the keys' and values' words of that group stay in L1 while the block's rows pass.
 * When every key and value trit is +-1 (the codebooks' default), a product is -1 exactly where the
 * positive planes differ: one plane is counted, the sum is f - 2 * (count of differing bits).
 */
#ifndef RJ_VSA_RECORD_H
#define RJ_VSA_RECORD_H

#define RJ_RECORD_BLOCK 32       /* rows encoded per pass over the groups of words */
#define RJ_RECORD_STAGE 1024     /* +-1 keys and values staged for a group of words: up to this many */
#define RJ_RECORD_AT 4096        /* value indices of a block of rows looked up at once (+-1 rows) */

/* Whether every trit of n packed rows is +1 or -1 (no zeros): the planes complement each other within RJ_DIM. */
static inline int rj_rows_dense_pm(const uint64_t *rows, int64_t n)
{
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *p = rows + r * RJ_PACKED_LEN, *m = p + RJ_WORDS;
        for (int64_t w = 0; w < RJ_WORDS; w++) {
            const int64_t used = RJ_DIM - 64 * w >= 64 ? 64 : RJ_DIM - 64 * w;
            const uint64_t all = used == 64 ? ~(uint64_t)0 : ((uint64_t)1 << used) - 1;
            if ((p[w] | m[w]) != all) return 0;
        }
    }
    return 1;
}

RJ_INLINE rj_pq rj_group_at(const uint64_t *p, int64_t n)
{
    return n == RJ_PQ_WORDS ? rj_pq_load(p) : rj_pq_load_part(p, n);
}

/* Bit-sliced counts c[0 .. bits) (plane i of weight 1 << i) plus eight inputs: carry-save adders
 * into the ones, twos and fours planes (Harley-Seal), whose carries out count in eights. Always
 * inlined with a constant `bits`, the planes live in registers. */
RJ_INLINE void rj_tally8(rj_pq *c, int bits, const rj_pq *x)
{
    rj_pq twos_a, twos_b, fours_a, fours_b, eights;
    c[0] = rj_csa(&twos_a, c[0], x[0], x[1]);
    c[0] = rj_csa(&twos_b, c[0], x[2], x[3]);
    c[1] = rj_csa(&fours_a, c[1], twos_a, twos_b);
    c[0] = rj_csa(&twos_a, c[0], x[4], x[5]);
    c[0] = rj_csa(&twos_b, c[0], x[6], x[7]);
    c[1] = rj_csa(&fours_b, c[1], twos_a, twos_b);
    c[2] = rj_csa(&eights, c[2], fours_a, fours_b);
    _Pragma("GCC unroll 8") for (int b = 3; b < bits; b++) {
        const rj_pq carry = c[b] & eights;
        c[b] ^= eights;
        eights = carry;
    }
}

/* c (bits planes) plus one input, rippling the carries. */
RJ_INLINE void rj_tally1(rj_pq *c, int bits, rj_pq x)
{
    _Pragma("GCC unroll 8") for (int b = 0; b < bits; b++) {
        const rj_pq carry = c[b] & x;
        c[b] ^= x;
        x = carry;
    }
}

/* Where count a > count b (both bits planes), compared from the top plane. */
RJ_INLINE rj_pq rj_count_greater(const rj_pq *a, const rj_pq *b, int bits)
{
    rj_pq gt = (rj_pq){0}, eq = ~(rj_pq){0};
    _Pragma("GCC unroll 8") for (int i = bits - 1; i >= 0; i--) {
        gt |= eq & a[i] & ~b[i];
        eq &= ~(a[i] ^ b[i]);
    }
    return gt;
}

/* Where count c (bits planes) > t (0 <= t < 1 << bits). */
RJ_INLINE rj_pq rj_count_above(const rj_pq *c, int bits, int64_t t)
{
    rj_pq gt = (rj_pq){0}, eq = ~(rj_pq){0};
    _Pragma("GCC unroll 8") for (int i = bits - 1; i >= 0; i--) {
        if ((t >> i) & 1) {
            eq &= c[i];
        } else {
            gt |= eq & c[i];
            eq &= ~c[i];
        }
    }
    return gt;
}

/* Row `ix` (f value indices) at one group of n words from word w, in general trits: the counts
 * of +1 and -1 products compared. */
RJ_INLINE void rj_record_group(const int64_t *ix, int64_t f, const uint64_t *keys, const uint64_t *values,
                               int bits, int64_t w, int64_t n, uint64_t *out)
{
    rj_pq cp[64], cn[64], p[8], m[8];
    _Pragma("GCC unroll 8") for (int i = 0; i < bits; i++) cp[i] = cn[i] = (rj_pq){0};
    for (int64_t j = 0; j < f; j += 8) {
        const int take = f - j < 8 ? (int)(f - j) : 8;
        _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++) {
            if (i < take) {
                const uint64_t *k = keys + (j + i) * RJ_PACKED_LEN + w, *v = values + ix[j + i] * RJ_PACKED_LEN + w;
                const rj_pq kp = rj_group_at(k, n), kn = rj_group_at(k + RJ_WORDS, n);
                const rj_pq vp = rj_group_at(v, n), vn = rj_group_at(v + RJ_WORDS, n);
                p[i] = (kp & vp) | (kn & vn);
                m[i] = (kp & vn) | (kn & vp);
            } else {
                p[i] = m[i] = (rj_pq){0};
            }
        }
        rj_tally8(cp, bits, p);
        rj_tally8(cn, bits, m);
    }
    rj_store_planes(out, w, rj_count_greater(cp, cn, bits), rj_count_greater(cn, cp, bits), n);
}

/* c (bits planes, bits >= 5) plus sixteen inputs: a carry-save tree into the ones, twos, fours
 * and eights planes, whose carry out counts in sixteens. */
RJ_INLINE void rj_tally16(rj_pq *c, int bits, const rj_pq *x)
{
    rj_pq twos_a, twos_b, fours_a, fours_b, eights_a, eights_b, sixteens;
    c[0] = rj_csa(&twos_a, c[0], x[0], x[1]);
    c[0] = rj_csa(&twos_b, c[0], x[2], x[3]);
    c[1] = rj_csa(&fours_a, c[1], twos_a, twos_b);
    c[0] = rj_csa(&twos_a, c[0], x[4], x[5]);
    c[0] = rj_csa(&twos_b, c[0], x[6], x[7]);
    c[1] = rj_csa(&fours_b, c[1], twos_a, twos_b);
    c[2] = rj_csa(&eights_a, c[2], fours_a, fours_b);
    c[0] = rj_csa(&twos_a, c[0], x[8], x[9]);
    c[0] = rj_csa(&twos_b, c[0], x[10], x[11]);
    c[1] = rj_csa(&fours_a, c[1], twos_a, twos_b);
    c[0] = rj_csa(&twos_a, c[0], x[12], x[13]);
    c[0] = rj_csa(&twos_b, c[0], x[14], x[15]);
    c[1] = rj_csa(&fours_b, c[1], twos_a, twos_b);
    c[2] = rj_csa(&eights_b, c[2], fours_a, fours_b);
    c[3] = rj_csa(&sixteens, c[3], eights_a, eights_b);
    _Pragma("GCC unroll 8") for (int b = 4; b < bits; b++) {
        const rj_pq carry = c[b] & sixteens;
        c[b] ^= sixteens;
        sixteens = carry;
    }
}

/* The same for +-1 keys and values: d differing bits of the positive planes are the -1 products,
 * so the sum is f - 2d: +1 where d < f / 2 (not d > ceil(f / 2) - 1), -1 where d > floor(f / 2).
 * stage: one group of words of the keys' positive planes (f), then of the values'; at[j]: where
 * feature j's value is in it. */
RJ_INLINE void rj_record_group_pm(const rj_pq *stage, const uint16_t *at, int64_t f, int bits, rj_pq valid,
                                  rj_pq *pos, rj_pq *neg)
{
    rj_pq c[64], d[16];
    _Pragma("GCC unroll 8") for (int i = 0; i < bits; i++) c[i] = (rj_pq){0};
    int64_t j = 0;
    for (; j + 16 <= f; j += 16) {
        _Pragma("GCC unroll 16") for (int i = 0; i < 16; i++) d[i] = stage[j + i] ^ stage[at[j + i]];
        rj_tally16(c, bits, d);
    }
    for (; j < f; j++) rj_tally1(c, bits, stage[j] ^ stage[at[j]]);
    *pos = ~rj_count_above(c, bits, (f + 1) / 2 - 1) & valid;
    *neg = rj_count_above(c, bits, f / 2);
}

/* The bits of RJ_DIM among the group of words from w (bits past the dimension clear). */
static inline rj_pq rj_valid_bits(int64_t w)
{
    uint64_t words[RJ_PQ_WORDS];
    for (int i = 0; i < RJ_PQ_WORDS; i++) {
        const int64_t used = RJ_DIM - 64 * (w + i);
        words[i] = used >= 64 ? ~(uint64_t)0 : used > 0 ? ((uint64_t)1 << used) - 1 : 0;
    }
    return rj_pq_load(words);
}

/* Rows 0 .. n, a block of rows at a time, one group of words at a time across the block. */
RJ_INLINE void rj_record_block(const int64_t *index, int64_t n, int64_t f, const uint64_t *keys, const uint64_t *values,
                               int bits, uint64_t *out)
{
    for (int64_t r0 = 0; r0 < n; r0 += RJ_RECORD_BLOCK) {
        const int64_t r1 = n - r0 < RJ_RECORD_BLOCK ? n : r0 + RJ_RECORD_BLOCK;
        for (int64_t w = 0; w < RJ_WORDS; w += RJ_PQ_WORDS) {
            const int64_t nw = RJ_WORDS - w < RJ_PQ_WORDS ? RJ_WORDS - w : RJ_PQ_WORDS;
            for (int64_t r = r0; r < r1; r++) {
                if (nw == RJ_PQ_WORDS)   /* whole groups: a constant width */
                    rj_record_group(index + r * f, f, keys, values, bits, w, RJ_PQ_WORDS, out + r * RJ_PACKED_LEN);
                else
                    rj_record_group(index + r * f, f, keys, values, bits, w, nw, out + r * RJ_PACKED_LEN);
            }
        }
    }
}

/* The same for +-1 keys and values (f + levels <= RJ_RECORD_STAGE): for each block of rows, a
 * group of words of every key and value is copied to an aligned stage, which the block's rows
 * then read (in L1, no load split across cache lines). */
RJ_INLINE void rj_record_block_pm(const int64_t *index, int64_t n, int64_t f, int64_t levels, const uint64_t *keys,
                                  const uint64_t *values, int bits, uint64_t *out)
{
    rj_pq stage[RJ_RECORD_STAGE] __attribute__((aligned(64)));
    uint16_t at[RJ_RECORD_AT];
    const int64_t block = RJ_RECORD_AT / f < RJ_RECORD_BLOCK ? RJ_RECORD_AT / f : RJ_RECORD_BLOCK;
    for (int64_t r0 = 0; r0 < n; r0 += block) {
        const int64_t r1 = n - r0 < block ? n : r0 + block;
        for (int64_t i = 0; i < (r1 - r0) * f; i++) at[i] = (uint16_t)(f + index[r0 * f + i]);
        for (int64_t w = 0; w < RJ_WORDS; w += RJ_PQ_WORDS) {
            const int64_t nw = RJ_WORDS - w < RJ_PQ_WORDS ? RJ_WORDS - w : RJ_PQ_WORDS;
            for (int64_t j = 0; j < f + levels; j++)
                stage[j] = rj_group_at((j < f ? keys + j * RJ_PACKED_LEN : values + (j - f) * RJ_PACKED_LEN) + w, nw);
            const rj_pq valid = rj_valid_bits(w);
            for (int64_t r = r0; r < r1; r++) {
                rj_pq pos, neg;
                rj_record_group_pm(stage, at + (r - r0) * f, f, bits, valid, &pos, &neg);
                rj_store_planes(out + r * RJ_PACKED_LEN, w, pos, neg, nw);
            }
        }
    }
}

static inline int rj_packed_record_rows(rj_call *call)
{
    const int64_t f = call->rows[1], levels = call->rows[2], n = call->rows[3];
    if (f < 1 || call->len[0] != n * f || call->len[1] != f * RJ_PACKED_LEN || call->len[2] != levels * RJ_PACKED_LEN
        || call->len[3] != n * RJ_PACKED_LEN)
        return RJ_ERR_LENGTH;
    const int64_t *index = (const int64_t *)call->ptr[0];
    const uint64_t *keys = (const uint64_t *)call->ptr[1], *values = (const uint64_t *)call->ptr[2];
    uint64_t *out = (uint64_t *)call->ptr[3];
    if (!rj_rows_ok(keys, f) || !rj_rows_ok(values, levels)) return RJ_ERR_LENGTH;
    for (int64_t i = 0; i < n * f; i++)
        if (index[i] < 0 || index[i] >= levels) return RJ_ERR_ARGUMENT;
    const int pm = f + levels <= RJ_RECORD_STAGE && rj_rows_dense_pm(keys, f) && rj_rows_dense_pm(values, levels);
    int bits = 4;
    while (bits < 62 && ((int64_t)1 << bits) <= f) bits++;   /* counts up to f fit */
    if (bits < 7) bits = 7;
    /* up to 127 (255) features: the counters' width a constant, so they stay in registers */
    if (pm && bits == 7)
        rj_record_block_pm(index, n, f, levels, keys, values, 7, out);
    else if (pm)
        rj_record_block_pm(index, n, f, levels, keys, values, bits, out);   /* at most 10 bits */
    else if (bits == 7)
        rj_record_block(index, n, f, keys, values, 7, out);
    else if (bits == 8)
        rj_record_block(index, n, f, keys, values, 8, out);
    else
        rj_record_block(index, n, f, keys, values, bits, out);
    for (int64_t r = 0; r < n; r++) out[r * RJ_PACKED_LEN + 2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    return RJ_OK;
}

#endif /* RJ_VSA_RECORD_H */
