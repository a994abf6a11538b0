/* vsa_dots.h - the samples' dots with the class vectors kept up to date as a retraining pass
 * changes a few of a class's trits (resin_jit/vsa/learn_ops.py; vsa_retrain.h).
 *
 * Included by vsa_batch.h after vsa_learn.h (whose byte counts it adds in).
 * Entries (buffers in rj_call order):
 *   rj_packed_transpose   rows (n packed rows), cols (RJ_DIM * 2 * ceil(n / 64) words): bit i % 64 of
 *                         word (2 * j + plane) * ceil(n / 64) + i / 64 is row i's bit j of that plane
 *                         (positive 0, negative 1): the rows' trits by position, a position's words
 *                         side by side.
 *   rj_dots_update        cols (as above, of n rows), old (k packed rows), new (k packed rows), which
 *                         (k int64 class indices), dots (n * classes float64, exact integers),
 *                         scratch (n int32): for each t, dots[:, which[t]] += the dots of the rows
 *                         with new[t] - old[t], position by position where the two differ (far less
 *                         work than the class's dots computed again).
 *   rj_class_dots         rows (n packed rows), model (classes packed rows), dots (n * classes float64),
 *                         status (1 int64); inum allow. dots[r, c] = the dot of row r with class c,
 *                         by AVX-512 VPOPCNTDQ where the kernel is built for AVX-512 by a compiler
 *                         that has it, the CPU has it (CPUID, asked at run time) and allow is 1,
 *                         else a word at a time; status[0] = 1 if VPOPCNTDQ counted them. With no
 *                         rows it only answers whether it would (the Python side asks once).
 */
#ifndef RJ_VSA_DOTS_H
#define RJ_VSA_DOTS_H

/* One step of a 64 x 64 bit transpose (recursive block swaps) on 8 of its rows x[0 .. 8), in each
 * lane: x[i] and x[i + s] (i with bit s clear) swap the bits of the blocks that cross the diagonal
 * (m: the low `shift` bits of every 2 * shift). */
RJ_INLINE void rj_swap8(rj_pq *x, int s, int shift, uint64_t m)
{
    _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++)
        if (!(i & s)) {
            const rj_pq t = ((x[i] >> shift) ^ x[i + s]) & m;
            x[i] ^= t << shift;
            x[i + s] ^= t;
        }
}

/* cols from n packed rows: a block of 64 rows' words w .. w + RJ_PQ_WORDS of a plane (a word a lane)
 * transposed at a time, for every block of rows before the next words (the columns of those
 * positions stay in cache as they are written). The transpose's six steps (which commute) in two
 * halves that each hold 8 of its 64 rows in registers: the three within every 8 rows as they are
 * loaded, the three across them before they are stored. */
static void rj_transpose_rows(const uint64_t *rows, int64_t n, uint64_t *cols)
{
    const int64_t qw = (n + 63) / 64;
    rj_pq block[64], x[8];
    for (int64_t w = 0; w < RJ_WORDS; w += RJ_PQ_WORDS) {
        const int64_t nw = RJ_WORDS - w < RJ_PQ_WORDS ? RJ_WORDS - w : RJ_PQ_WORDS;
        for (int64_t q = 0; q < qw; q++)
            for (int64_t plane = 0; plane < 2; plane++) {
                const uint64_t *from = rows + 64 * q * RJ_PACKED_LEN + plane * RJ_WORDS + w;
                for (int64_t g = 0; g < 64; g += 8) {
                    _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++)
                        x[i] = 64 * q + g + i < n ? rj_group_at(from + (g + i) * RJ_PACKED_LEN, nw) : (rj_pq){0};
                    rj_swap8(x, 4, 4, 0x0f0f0f0f0f0f0f0full);
                    rj_swap8(x, 2, 2, 0x3333333333333333ull);
                    rj_swap8(x, 1, 1, 0x5555555555555555ull);
                    memcpy(block + g, x, sizeof x);
                }
                for (int64_t k = 0; k < 8; k++) {
                    _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++) x[i] = block[k + 8 * i];
                    rj_swap8(x, 4, 32, 0x00000000ffffffffull);
                    rj_swap8(x, 2, 16, 0x0000ffff0000ffffull);
                    rj_swap8(x, 1, 8, 0x00ff00ff00ff00ffull);
                    uint64_t words[8 * RJ_PQ_WORDS];   /* x[i] lane l: rows 64q .. 64q + 63 at bit 64(w + l) + k + 8i */
                    memcpy(words, x, sizeof words);
                    for (int64_t l = 0; l < nw; l++)
                        _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++) {
                            const int64_t j = 64 * (w + l) + k + 8 * i;
                            if (j < RJ_DIM) cols[(2 * j + plane) * qw + q] = words[i * RJ_PQ_WORDS + l];
                        }
                }
            }
    }
}

static inline int rj_packed_transpose(rj_call *call)
{
    const int64_t n = call->rows[0], qw = (n + 63) / 64;
    if (call->len[0] != n * RJ_PACKED_LEN || call->len[1] != 2 * RJ_DIM * qw) return RJ_ERR_LENGTH;
    if (!rj_rows_ok((const uint64_t *)call->ptr[0], n)) return RJ_ERR_LENGTH;
    rj_transpose_rows((const uint64_t *)call->ptr[0], n, (uint64_t *)call->ptr[1]);
    return RJ_OK;
}

#define RJ_DELTA_CHUNK 248   /* columns counted in 8 bit planes (up to 255) before they are added in */

/* d[0 .. rows) += the count of the m columns plus[i] minus that of the columns minus[i] (each qw
 * words), a group of words at a time: eight columns at a time through carry-save adders into 8 bit
 * planes, then added to d a byte of rows at a time. */
static void rj_tally_columns(const uint64_t *const *plus, const uint64_t *const *minus, int64_t m, int64_t qw,
                             int64_t rows, int32_t *d, const uint64_t *spread)
{
    for (int64_t g = 0; g < qw; g += RJ_PQ_WORDS) {
        const int64_t nw = qw - g < RJ_PQ_WORDS ? qw - g : RJ_PQ_WORDS;
        rj_pq cp[8], cn[8], p[8], q[8];
        _Pragma("GCC unroll 8") for (int i = 0; i < 8; i++) cp[i] = cn[i] = (rj_pq){0};
        for (int64_t i = 0; i < m; i += 8) {
            _Pragma("GCC unroll 8") for (int j = 0; j < 8; j++) {
                p[j] = i + j < m ? rj_group_at(plus[i + j] + g, nw) : (rj_pq){0};
                q[j] = i + j < m ? rj_group_at(minus[i + j] + g, nw) : (rj_pq){0};
            }
            rj_tally8(cp, 8, p);
            rj_tally8(cn, 8, q);
        }
        uint64_t wp[8 * RJ_PQ_WORDS], wn[8 * RJ_PQ_WORDS];
        memcpy(wp, cp, sizeof wp);
        memcpy(wn, cn, sizeof wn);
        rj_add_counts(d + 64 * g, wp, wn, nw, rows - 64 * g, 1, spread);
    }
}

/* d[0 .. rows) = the dots of the rows (cols) with new - old (packed rows): the column of each
 * position where they differ counted with the sign of the change (twice for a change of 2). */
static void rj_delta_dots(const uint64_t *cols, int64_t rows, const uint64_t *o, const uint64_t *x, int32_t *d,
                          const uint64_t *spread)
{
    const int64_t qw = (rows + 63) / 64;
    const uint64_t *plus[RJ_DELTA_CHUNK + 1], *minus[RJ_DELTA_CHUNK + 1];
    int64_t m = 0;
    memset(d, 0, (size_t)rows * sizeof *d);
    for (int64_t w = 0; w < RJ_WORDS; w++) {
        uint64_t differ = (o[w] ^ x[w]) | (o[RJ_WORDS + w] ^ x[RJ_WORDS + w]);
        while (differ) {
            const int b = __builtin_ctzll(differ);
            differ &= differ - 1;
            const int delta = (int)((x[w] >> b) & 1) - (int)((x[RJ_WORDS + w] >> b) & 1)
                              - (int)((o[w] >> b) & 1) + (int)((o[RJ_WORDS + w] >> b) & 1);
            const uint64_t *column = cols + 2 * (64 * w + b) * qw;   /* its positive plane, then its negative */
            for (int twice = 0; twice < (delta == 2 || delta == -2 ? 2 : 1); twice++, m++) {
                plus[m] = delta > 0 ? column : column + qw;
                minus[m] = delta > 0 ? column + qw : column;
            }
            if (m >= RJ_DELTA_CHUNK - 1) {
                rj_tally_columns(plus, minus, m, qw, rows, d, spread);
                m = 0;
            }
        }
    }
    if (m) rj_tally_columns(plus, minus, m, qw, rows, d, spread);
}

/* dots[:, which[t]] += the dots of the rows with new[t] - old[t], for each of k changes. */
static void rj_update_dots(const uint64_t *cols, int64_t rows, int64_t classes, const uint64_t *old,
                           const uint64_t *new_, const int64_t *which, int64_t k, double *dots, int32_t *d,
                           const uint64_t *spread)
{
    for (int64_t t = 0; t < k; t++) {
        rj_delta_dots(cols, rows, old + t * RJ_PACKED_LEN, new_ + t * RJ_PACKED_LEN, d, spread);
        for (int64_t i = 0; i < rows; i++) dots[i * classes + which[t]] += (double)d[i];
    }
}

static inline int rj_dots_update(rj_call *call)
{
    const int64_t k = call->len[3], rows = call->rows[4], qw = (rows + 63) / 64;
    const int64_t classes = rows ? call->len[4] / rows : 0;
    if (call->len[0] != 2 * RJ_DIM * qw || call->len[1] != k * RJ_PACKED_LEN || call->len[2] != k * RJ_PACKED_LEN
        || call->len[4] != rows * classes || call->len[5] != rows)
        return RJ_ERR_LENGTH;
    const uint64_t *old = (const uint64_t *)call->ptr[1], *new_ = (const uint64_t *)call->ptr[2];
    const int64_t *which = (const int64_t *)call->ptr[3];
    if (!rj_rows_ok(old, k) || !rj_rows_ok(new_, k)) return RJ_ERR_LENGTH;
    for (int64_t t = 0; t < k; t++)
        if (which[t] < 0 || which[t] >= classes) return RJ_ERR_ARGUMENT;
    uint64_t spread[256];
    rj_spread_table(spread);
    rj_update_dots((const uint64_t *)call->ptr[0], rows, classes, old, new_, which, k, (double *)call->ptr[4],
                   (int32_t *)call->ptr[5], spread);
    return RJ_OK;
}

/* ---- every row's dots with every class vector --------------------------------------------------- */

/* RJ_VPOPCNTDQ: the AVX-512 tier's kernels can count eight words at once with VPOPCNTDQ, an
 * extension some AVX-512 CPUs lack (Skylake-X, Cascade Lake): its function is compiled for it by a
 * target attribute and called only when CPUID says the CPU has it. GCC answers __has_builtin for
 * its builtin only where the target is on: a pragma region turns it on for these functions. */
#if defined(RJ_ISA_AVX512) && defined(__GNUC__) && !defined(__clang__)
#  pragma GCC push_options
#  pragma GCC target("avx512vpopcntdq")
#  define RJ_VPOPCNT_REGION 1
#endif
#if defined(RJ_ISA_AVX512) && (RJ_HAS_BUILTIN(__builtin_ia32_vpopcountq_v8di) || RJ_HAS_BUILTIN(__builtin_ia32_vpopcntq_512))
#  define RJ_VPOPCNTDQ 1
typedef uint64_t rj_v8q __attribute__((vector_size(64)));
typedef long long rj_v8ll __attribute__((vector_size(64)));
#  if RJ_HAS_BUILTIN(__builtin_ia32_vpopcountq_v8di)
#    define RJ_POPCNT8(x) ((rj_v8q)__builtin_ia32_vpopcountq_v8di((rj_v8ll)(x)))
#  else
#    define RJ_POPCNT8(x) ((rj_v8q)__builtin_ia32_vpopcntq_512((rj_v8ll)(x)))
#  endif

/* CPUID leaf 7, ECX bit 14 (the AVX-512 tier runs only where leaf 7 and the ZMM state are there). */
static int rj_cpu_has_vpopcntdq(void)
{
    unsigned int a = 7, b, c = 0, d;
    __asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return (int)((c >> 14) & 1);
}

#  define RJ_DOT_CLASSES 8   /* classes counted together, their totals in registers */

/* Eight words of a plane from word w (w + 8 <= RJ_WORDS; RJ_WORDS >= 8). */
__attribute__((target("avx512vpopcntdq"))) static inline rj_v8q rj_load8(const uint64_t *plane, int64_t w)
{
    rj_v8q v;
    memcpy(&v, plane + w, sizeof v);
    return v;
}

/* Row x's dots with m <= RJ_DOT_CLASSES class rows from y into out: eight words at a time (the row's
 * loaded once for all of them), the last eight overlapping the ones before with the words counted
 * already masked off (planes of fewer than eight words: a word at a time). */
__attribute__((target("avx512vpopcntdq"))) static inline void rj_row_dots8(const uint64_t *x, const uint64_t *y,
                                                                           int64_t m, double *out)
{
    rj_v8q total[RJ_DOT_CLASSES] = {{0}};
    for (int64_t w = 0; w < RJ_WORDS; w += 8) {
        const int64_t at = w + 8 <= RJ_WORDS ? w : RJ_WORDS - 8;
        const rj_v8q keep = w + 8 <= RJ_WORDS ? ~(rj_v8q){0} : (rj_v8q)((rj_v8q){0, 1, 2, 3, 4, 5, 6, 7} >= (uint64_t)(w - at));
        const rj_v8q xp = rj_load8(x, at) & keep, xn = rj_load8(x + RJ_WORDS, at) & keep;
        _Pragma("GCC unroll 8") for (int c = 0; c < RJ_DOT_CLASSES; c++)
            if (c < m) {
                const uint64_t *row = y + c * RJ_PACKED_LEN;
                const rj_v8q yp = rj_load8(row, at), yn = rj_load8(row + RJ_WORDS, at);
                total[c] += RJ_POPCNT8((xp & yp) | (xn & yn)) - RJ_POPCNT8((xp & yn) | (xn & yp));
            }
    }
    for (int64_t c = 0; c < m; c++) {
        int64_t dot = 0;
        for (int l = 0; l < 8; l++) dot += (int64_t)total[c][l];
        out[c] = (double)dot;
    }
}

__attribute__((target("avx512vpopcntdq"))) static void rj_class_dots_vpopcnt(const uint64_t *rows, int64_t n,
                                                                               const uint64_t *model, int64_t classes,
                                                                               double *dots)
{
    for (int64_t r = 0; r < n; r++)
        for (int64_t c = 0; c < classes; c += RJ_DOT_CLASSES)
            rj_row_dots8(rows + r * RJ_PACKED_LEN, model + c * RJ_PACKED_LEN,
                         classes - c < RJ_DOT_CLASSES ? classes - c : RJ_DOT_CLASSES, dots + r * classes + c);
}
#else
#  define RJ_VPOPCNTDQ 0
#endif
#if defined(RJ_VPOPCNT_REGION)
#  pragma GCC pop_options
#endif

/* The same a word at a time. */
static void rj_class_dots_words(const uint64_t *rows, int64_t n, const uint64_t *model, int64_t classes, double *dots)
{
    for (int64_t r = 0; r < n; r++)
        for (int64_t c = 0; c < classes; c++) {
            const uint64_t *x = rows + r * RJ_PACKED_LEN, *y = model + c * RJ_PACKED_LEN;
            int64_t dot = 0;
            for (int64_t w = 0; w < RJ_WORDS; w++)
                dot += rj_popcount64((x[w] & y[w]) | (x[RJ_WORDS + w] & y[RJ_WORDS + w]))
                       - rj_popcount64((x[w] & y[RJ_WORDS + w]) | (x[RJ_WORDS + w] & y[w]));
            dots[r * classes + c] = (double)dot;
        }
}

static inline int rj_class_dots(rj_call *call)
{
    const int64_t n = call->rows[0], classes = call->rows[1];
    if (call->len[0] != n * RJ_PACKED_LEN || call->len[1] != classes * RJ_PACKED_LEN || call->len[2] != n * classes
        || call->len[3] != 1 || (call->inum[0] != 0 && call->inum[0] != 1))
        return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0], *model = (const uint64_t *)call->ptr[1];
    if (!rj_rows_ok(rows, n) || !rj_rows_ok(model, classes)) return RJ_ERR_LENGTH;
    int64_t *status = (int64_t *)call->ptr[3];
    status[0] = 0;
#if RJ_VPOPCNTDQ
    if (call->inum[0] && RJ_WORDS >= 8 && rj_cpu_has_vpopcntdq()) {
        rj_class_dots_vpopcnt(rows, n, model, classes, (double *)call->ptr[2]);
        status[0] = 1;
        return RJ_OK;
    }
#endif
    rj_class_dots_words(rows, n, model, classes, (double *)call->ptr[2]);
    return RJ_OK;
}

#endif /* RJ_VSA_DOTS_H */
