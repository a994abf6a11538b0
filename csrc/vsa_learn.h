/* vsa_learn.h - the Classifier's training steps on packed rows (resin_jit/vsa/learn_ops.py).
 *
 * Included by vsa_batch.h after vsa_record.h (whose bit-sliced tallies it uses); vsa_dots.h keeps
 * the samples' dots up to date, vsa_retrain.h runs the retraining passes on these steps.
 * Entries (buffers in rj_call order, then the integer arguments):
 *   rj_packed_class_add   rows (n packed rows), plus (n int64 labels, each < classes), minus (n labels
 *                         or none), acc (classes * RJ_DIM int32); inum weight. acc[plus[r]] += weight *
 *                         the trits of row r, and acc[minus[r]] -= the same (a retraining pass's
 *                         updates in one call).
 *                         The caller sees that no sum passes int32 (the Python side checks first).
 *   rj_class_quantise     acc (classes * RJ_DIM int32), which (m int64 class indices), model (classes
 *                         packed rows), norms (classes int64); inum k.
 *                         For each listed class: cut = the k-th smallest |acc| of its row (0 for
 *                         k = 0), trits +1 where acc > cut, -1 where acc < -cut, else 0, packed into
 *                         its model row; its norm the count of non-zero trits, at least 1.
 * A class's rows are counted a chunk of up to 255 at a time in bit-sliced byte counts per group of
 * words (carry-save adders), then added to its accumulator a byte of positions at a time: a chunk
 * of one row too (adding a row's bytes one by one took 40 times as long a row on AVX-512).
 */
#ifndef RJ_VSA_LEARN_H
#define RJ_VSA_LEARN_H

#define RJ_LEARN_CHUNK 255   /* rows counted in 8 bit planes before they are added in */

typedef uint8_t rj_v8u __attribute__((vector_size(8)));
typedef int32_t rj_v8i __attribute__((vector_size(32)));

/* The 8 bytes of a word widened to int32: vpmovzxbd on AVX2 and AVX-512 (GCC 12 makes
 * __builtin_convertvector a byte at a time; clang has no such builtin and one instruction). */
static inline rj_v8i rj_widen8(uint64_t bytes)
{
#if (defined(RJ_ISA_AVX2) || defined(RJ_ISA_AVX512)) && RJ_HAS_BUILTIN(__builtin_ia32_pmovzxbd256)
    typedef char rj_v16c_ __attribute__((vector_size(16)));
    rj_v16c_ v = {0};
    memcpy(&v, &bytes, 8);
    return (rj_v8i)__builtin_ia32_pmovzxbd256(v);
#else
    rj_v8u v;
    memcpy(&v, &bytes, 8);
    return __builtin_convertvector(v, rj_v8i);
#endif
}

/* a[0 .. n) += weight * (byte j of up - byte j of un), 8 at once when n is 8. */
static inline void rj_add_bytes(int32_t *a, uint64_t up, uint64_t un, int64_t n, int32_t weight)
{
    if (n == 8) {
        rj_v8i x;
        memcpy(&x, a, sizeof x);
        x += (rj_widen8(up) - rj_widen8(un)) * weight;
        memcpy(a, &x, sizeof x);
        return;
    }
    for (int64_t j = 0; j < n; j++) a[j] += weight * ((int32_t)((up >> (8 * j)) & 0xff) - (int32_t)((un >> (8 * j)) & 0xff));
}

/* RJ_MASK_BYTES: AVX-512BW makes a 64-bit mask 64 bytes (0 or -1) in one instruction, so the 64
 * counts of a word's 8 bit planes are 8 of them, ANDed and ORed (not 128 table lookups). */
#if defined(RJ_ISA_AVX512) && RJ_HAS_BUILTIN(__builtin_ia32_cvtmask2b512)
#  define RJ_MASK_BYTES 1
typedef char rj_v64c __attribute__((vector_size(64)));
typedef uint8_t rj_v16u8 __attribute__((vector_size(16)));
typedef int32_t rj_v16i __attribute__((vector_size(64)));

/* The 64 counts, a byte each, of the 8 bit planes c[i * RJ_PQ_WORDS + w]. */
static inline rj_v64c rj_count_bytes(const uint64_t *c, int64_t w)
{
    rj_v64c bytes = {0};
    _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++)
        bytes |= (rj_v64c)__builtin_ia32_cvtmask2b512(c[i * RJ_PQ_WORDS + w]) & (char)(1 << i);
    return bytes;
}

/* 16 bytes widened to int32 (vpmovzxbd): GCC 12 makes __builtin_convertvector a byte at a time. */
#  if RJ_HAS_BUILTIN(__builtin_ia32_pmovzxbd512_mask)
typedef char rj_v16c __attribute__((vector_size(16)));
#    define RJ_WIDEN16(x) ((rj_v16i)__builtin_ia32_pmovzxbd512_mask((rj_v16c)(x), (rj_v16i){0}, (unsigned short)0xffff))
#  else
#    define RJ_WIDEN16(x) __builtin_convertvector((x), rj_v16i)
#  endif

/* acc[0 .. 64) += weight * (p - m), the counts a byte each. */
static inline void rj_add_count_bytes(int32_t *acc, rj_v64c p, rj_v64c m, int32_t weight)
{
    rj_v16u8 pq[4], mq[4];
    memcpy(pq, &p, sizeof pq);
    memcpy(mq, &m, sizeof mq);
    _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) {
        rj_v16i x;
        memcpy(&x, acc + 16 * q, sizeof x);
        x += (RJ_WIDEN16(pq[q]) - RJ_WIDEN16(mq[q])) * weight;
        memcpy(acc + 16 * q, &x, sizeof x);
    }
}
#else
#  define RJ_MASK_BYTES 0
#endif

/* acc[0 .. min(64 * nw, limit)) += weight * (counts of the +1 planes - counts of the -1 planes), the
 * counts in 8 bit planes cp / cn per group of words (plane i of word w at [i * RJ_PQ_WORDS + w]). */
static inline void rj_add_counts(int32_t *acc, const uint64_t *cp, const uint64_t *cn, int64_t nw, int64_t limit,
                                 int32_t weight, const uint64_t *spread)
{
    for (int64_t w = 0; w < nw; w++) {
#if RJ_MASK_BYTES
        if (64 * w + 64 <= limit) {
            rj_add_count_bytes(acc + 64 * w, rj_count_bytes(cp, w), rj_count_bytes(cn, w), weight);
            continue;
        }
#endif
        for (int byte = 0; byte < 8 && 64 * w + 8 * byte < limit; byte++) {
            uint64_t up = 0, un = 0;   /* 8 positions' counts, one byte each (each below 256) */
            for (int i = 0; i < 8; i++) {
                up |= spread[(cp[i * RJ_PQ_WORDS + w] >> (8 * byte)) & 0xff] << i;
                un |= spread[(cn[i * RJ_PQ_WORDS + w] >> (8 * byte)) & 0xff] << i;
            }
            const int64_t stop = limit - 64 * w - 8 * byte < 8 ? limit - 64 * w - 8 * byte : 8;
            rj_add_bytes(acc + 64 * w + 8 * byte, up, un, stop, weight);
        }
    }
}

/* acc += weight * the trits of the `count` rows listed in `which` (count <= RJ_LEARN_CHUNK); an entry
 * -1 - r stands for row r negated (its planes swapped). */
static void rj_add_chunk(int32_t *acc, const uint64_t *rows, const int64_t *which, int64_t count, int32_t weight,
                         const uint64_t *spread)
{
    for (int64_t w = 0; w < RJ_WORDS; w += RJ_PQ_WORDS) {
        const int64_t nw = RJ_WORDS - w < RJ_PQ_WORDS ? RJ_WORDS - w : RJ_PQ_WORDS;
        rj_pq cp[8], cn[8], p[8], m[8];
        _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++) cp[i] = cn[i] = (rj_pq){0};
        for (int64_t i = 0; i < count; i += 8) {
            _Pragma("GCC unroll 8") for (int j = 0; j < 8; j++) {
                if (i + j < count) {
                    const int64_t r = which[i + j] < 0 ? -1 - which[i + j] : which[i + j];
                    const uint64_t *row = rows + r * RJ_PACKED_LEN + w;
                    const rj_pq plus = rj_group_at(row, nw), minus = rj_group_at(row + RJ_WORDS, nw);
                    p[j] = which[i + j] < 0 ? minus : plus;
                    m[j] = which[i + j] < 0 ? plus : minus;
                } else {
                    p[j] = m[j] = (rj_pq){0};
                }
            }
            rj_tally8(cp, 8, p);
            rj_tally8(cn, 8, m);
        }
        uint64_t wp[8 * RJ_PQ_WORDS], wn[8 * RJ_PQ_WORDS];
        memcpy(wp, cp, sizeof wp);
        memcpy(wn, cn, sizeof wn);
        rj_add_counts(acc + 64 * w, wp, wn, nw, RJ_DIM - 64 * w, weight, spread);
    }
}

/* acc[plus[r]] += weight * the trits of row r, and acc[minus[r]] -= the same (minus may be 0), for
 * the m rows r listed in sel (sel 0: rows 0 .. m), a class at a time, in chunks. */
static void rj_class_add_rows(int32_t *acc, int64_t classes, const uint64_t *rows, const int64_t *sel, int64_t m,
                              const int64_t *plus, const int64_t *minus, int32_t weight, const uint64_t *spread)
{
    for (int64_t k = 0; k < classes; k++) {
        int64_t which[RJ_LEARN_CHUNK], count = 0;
        for (int64_t i = 0; i < m; i++) {
            const int64_t r = sel ? sel[i] : i;
            for (int side = 0; side < (minus ? 2 : 1); side++) {
                if ((side ? minus : plus)[r] != k) continue;
                which[count++] = side ? -1 - r : r;
                if (count == RJ_LEARN_CHUNK) {
                    rj_add_chunk(acc + k * RJ_DIM, rows, which, count, weight, spread);
                    count = 0;
                }
            }
        }
        if (count) rj_add_chunk(acc + k * RJ_DIM, rows, which, count, weight, spread);
    }
}

static inline int rj_packed_class_add(rj_call *call)
{
    const int64_t n = call->rows[0], classes = call->len[3] / RJ_DIM;
    if (call->len[0] != n * RJ_PACKED_LEN || call->len[1] != n || (call->len[2] != n && call->len[2] != 0)
        || call->len[3] % RJ_DIM)
        return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    const int64_t *plus = (const int64_t *)call->ptr[1], *minus = call->len[2] ? (const int64_t *)call->ptr[2] : 0;
    int32_t *acc = (int32_t *)call->ptr[3];
    const int64_t weight = call->inum[0];
    if (!rj_rows_ok(rows, n) || weight < -INT32_MAX || weight > INT32_MAX) return RJ_ERR_LENGTH;
    for (int64_t r = 0; r < n; r++)
        if (plus[r] < 0 || plus[r] >= classes || (minus && (minus[r] < 0 || minus[r] >= classes))) return RJ_ERR_ARGUMENT;
    uint64_t spread[256];
    rj_spread_table(spread);
    rj_class_add_rows(acc, classes, rows, 0, n, plus, minus, (int32_t)weight, spread);
    return RJ_OK;
}

/* The magnitudes of RJ_LANES sums, biased by 2**31 so that signed comparisons order them as unsigned
 * ones (INT32_MIN's magnitude is 2**31). */
static inline rj_vi rj_biased_magnitudes(const int32_t *a)
{
    rj_vi x;
    memcpy(&x, a, sizeof x);
    const rj_vi sign = x >> 31;
    return (rj_vi)((rj_vui)(x ^ sign) - (rj_vui)sign ^ 0x80000000u);   /* unsigned: INT32_MIN's wraps to 2**31 */
}

static inline uint32_t rj_magnitude(int32_t x) { return x < 0 ? 0u - (uint32_t)x : (uint32_t)x; }

/* How many of the RJ_DIM sums have a magnitude <= m. */
static int64_t rj_count_within(const int32_t *a, uint32_t m)
{
    const rj_vi limit = (rj_vi){0} + (int32_t)(m ^ 0x80000000u);
    rj_vi count = {0};
    int64_t j = 0, total = 0;
    for (; j + RJ_LANES <= RJ_DIM; j += RJ_LANES) count -= (rj_vi)(rj_biased_magnitudes(a + j) <= limit);
    for (int l = 0; l < RJ_LANES; l++) total += count[l];
    for (; j < RJ_DIM; j++) total += rj_magnitude(a[j]) <= m;
    return total;
}

/* RJ_KTH_SHORT: up to this dimension a row whose magnitudes fit int16 is bisected on an int16 copy
 * of them on the stack: twice the lanes a count, and no magnitude made again each pass. */
#define RJ_KTH_SHORT 16384
typedef int16_t rj_vs __attribute__((vector_size(RJ_VB_WIDTH)));
#  define RJ_SHORT_LANES (RJ_VB_WIDTH / 2)

/* rj_kth_magnitude for hi, the largest magnitude, at most INT16_MAX. The copy's tail up to a whole
 * vector holds INT16_MAX, above every m counted (m < hi). */
static int64_t rj_kth_short(const int32_t *a, int64_t k, uint32_t hi)
{
    enum { LEN = RJ_DIM <= RJ_KTH_SHORT ? (RJ_DIM + RJ_SHORT_LANES - 1) / RJ_SHORT_LANES * RJ_SHORT_LANES : 1,
           USED = RJ_DIM <= RJ_KTH_SHORT ? RJ_DIM : 0 };   /* (called only up to RJ_KTH_SHORT) */
    int16_t mags[LEN] __attribute__((aligned(64)));
    for (int64_t j = 0; j < USED; j++) mags[j] = (int16_t)rj_magnitude(a[j]);
    for (int64_t j = USED; j < LEN; j++) mags[j] = INT16_MAX;
    uint32_t lo = 0;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        const rj_vs limit = (rj_vs){0} + (int16_t)mid;
        rj_vs count = {0};   /* per lane at most LEN / lanes <= 4096 */
        int64_t total = 0;
        for (int64_t j = 0; j < LEN; j += RJ_SHORT_LANES) {
            rj_vs m;
            memcpy(&m, mags + j, sizeof m);
            count -= (rj_vs)(m <= limit);
        }
        for (int l = 0; l < RJ_SHORT_LANES; l++) total += count[l];
        if (total >= k) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* The k-th smallest (1 <= k <= RJ_DIM) magnitude of a row of RJ_DIM int32 sums: the least m with at
 * least k magnitudes <= m, by bisection between 0 and the largest (a counting pass per step). */
static int64_t rj_kth_magnitude(const int32_t *a, int64_t k)
{
    rj_vi topv = (rj_vi){0} + INT32_MIN;   /* biased: the least magnitude, 0 */
    int64_t j = 0;
    for (; j + RJ_LANES <= RJ_DIM; j += RJ_LANES) {
        const rj_vi m = rj_biased_magnitudes(a + j), more = (rj_vi)(m > topv);
        topv = (topv & ~more) | (m & more);
    }
    uint32_t lo = 0, hi = 0;
    for (int l = 0; l < RJ_LANES; l++) hi = ((uint32_t)topv[l] ^ 0x80000000u) > hi ? (uint32_t)topv[l] ^ 0x80000000u : hi;
    for (; j < RJ_DIM; j++) hi = rj_magnitude(a[j]) > hi ? rj_magnitude(a[j]) : hi;
    if (RJ_DIM <= RJ_KTH_SHORT && hi <= INT16_MAX) return rj_kth_short(a, k, hi);
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (rj_count_within(a, mid) >= k) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* row's planes: +1 where a > cut, -1 where a < -cut (cut <= 2**31: a magnitude of int32 sums). On
 * AVX2 and AVX-512 whole words from comparisons of eight sums at once and their sign masks. */
static void rj_pack_signs(const int32_t *a, int64_t cut, uint64_t *row)
{
    int64_t w = 0;
#if defined(RJ_VSA_X86_AVX2) && RJ_HAS_BUILTIN(__builtin_ia32_movmskps256)
    typedef float rj_v8f_ __attribute__((vector_size(32)));
    const int32_t c = (int32_t)(cut < INT32_MAX ? cut : INT32_MAX);
    for (; cut <= INT32_MAX && 64 * w + 64 <= RJ_DIM; w++) {   /* (a cut of 2**31 leaves every trit 0) */
        uint64_t p = 0, q = 0;
        _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++) {
            rj_v8i x;
            memcpy(&x, a + 64 * w + 8 * i, sizeof x);
            p |= (uint64_t)(uint32_t)__builtin_ia32_movmskps256((rj_v8f_)(x > c)) << (8 * i);
            q |= (uint64_t)(uint32_t)__builtin_ia32_movmskps256((rj_v8f_)(x < -c)) << (8 * i);
        }
        row[w] = p;
        row[RJ_WORDS + w] = q;
    }
#endif
    for (; w < RJ_WORDS; w++) {
        uint64_t p = 0, q = 0;
        const int64_t stop = RJ_DIM - 64 * w < 64 ? RJ_DIM - 64 * w : 64;
        for (int64_t b = 0; b < stop; b++) {
            const int64_t x = a[64 * w + b];
            p |= (uint64_t)(x > cut) << b;
            q |= (uint64_t)(x < -cut) << b;
        }
        row[w] = p;
        row[RJ_WORDS + w] = q;
    }
}

/* A class's sums (RJ_DIM) as trits into its packed row: 0 for the k smallest magnitudes (ties at
 * the cut all 0), else the sign; its norm (the count of non-zero trits, at least 1). */
static int64_t rj_quantise_class(const int32_t *a, int64_t k, uint64_t *row)
{
    rj_pack_signs(a, k > 0 ? rj_kth_magnitude(a, k) : 0, row);
    int64_t nonzero = 0;
    for (int64_t w = 0; w < 2 * RJ_WORDS; w++) nonzero += rj_popcount64(row[w]);
    row[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    return nonzero > 1 ? nonzero : 1;
}

static inline int rj_class_quantise(rj_call *call)
{
    const int64_t classes = call->len[0] / RJ_DIM, m = call->len[1], k = call->inum[0];
    if (call->len[0] % RJ_DIM || call->len[2] != classes * RJ_PACKED_LEN || call->len[3] != classes || k < 0
        || k > RJ_DIM)
        return RJ_ERR_LENGTH;
    const int32_t *acc = (const int32_t *)call->ptr[0];
    const int64_t *which = (const int64_t *)call->ptr[1];
    uint64_t *model = (uint64_t *)call->ptr[2];
    int64_t *norms = (int64_t *)call->ptr[3];
    for (int64_t i = 0; i < m; i++)
        if (which[i] < 0 || which[i] >= classes) return RJ_ERR_ARGUMENT;
    for (int64_t i = 0; i < m; i++)
        norms[which[i]] = rj_quantise_class(acc + which[i] * RJ_DIM, k, model + which[i] * RJ_PACKED_LEN);
    return RJ_OK;
}

#endif /* RJ_VSA_LEARN_H */
