/* simd_selftest.c - checks csrc/simd.h on the tier it is compiled for.
 *
 *   gcc -O2 -fno-math-errno -DRJ_ISA_AVX2 -mavx2 -mfma -I csrc tests/c/simd_selftest.c -lm
 *
 * Every operation runs over every combination of a table of edge values (signed zeros,
 * denormals, infinities, NaNs, huge values, values on either side of the point where every
 * float is an integer...), three ways:
 *
 *   vector   rj_vf_* / rj_vd_* over whole vectors, the input combinations spread over the lanes
 *   twin     the scalar twin rj_f_* / rj_d_* on each combination
 *   ref      plain C and libm (floorf, sqrtf; sqrt and, when the tier fuses, fma checked or computed
 *            exactly in 113 bits), written independently
 *
 * The vector lane must equal the twin bit for bit (a kernel's vector loop and scalar tail must
 * agree), and the twin must equal the reference (any NaN matches any NaN; the sign of a zero
 * counts). Prints one line per mismatch (the first 40), then "N passed, M failed"; exits 1 on
 * any mismatch.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/mman.h>
#endif

#include "simd.h"

static long passed, failed;

/* Reference library calls go through volatile pointers so the compiler cannot replace them
 * with the very instruction under test. */
static float (*volatile libm_floorf)(float) = floorf;
static double (*volatile libm_floor)(double) = floor;
static float (*volatile libm_sqrtf)(float) = sqrtf;
static double (*volatile libm_sqrt)(double) = sqrt;

static float f_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double d_bits(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static const float F_EDGE[] = {
    0.0f, -0.0f, 0x1p-149f, -0x1p-149f, 1e-40f, -1e-40f, 0x1.fffffcp-127f, FLT_MIN, -FLT_MIN,
    1e-7f, -1e-7f, 0.25f, 0.49999997f, -0.49999997f, 0.5f, -0.5f, 1.0f, -1.0f, 1.5f, -1.5f,
    2.5f, -2.5f, 3.0f, -3.0f, 123456.79f, -123456.79f, 4194304.5f, -4194304.5f,
    8388607.5f, -8388607.5f, 8388608.0f, -8388608.0f, 8388609.0f, -8388609.0f, 16777216.0f,
    1e38f, -1e38f, FLT_MAX, -FLT_MAX, INFINITY, -INFINITY,
    0, 0, 0, 0, /* NaNs, filled in by main: quiet, negative quiet, with payload, signalling */
};
static const double D_EDGE[] = {
    0.0, -0.0, 0x1p-1074, -0x1p-1074, 1e-310, -1e-310, DBL_MIN, -DBL_MIN, 0x1p-149, 1e-40,
    1e-16, -1e-16, 0.25, 0.49999999999999994, -0.49999999999999994, 0.5, -0.5, 1.0, -1.0,
    1.5, -1.5, 2.5, -2.5, 3.0, -3.0, 123456.789, -123456.789, 8388607.5, 8388608.5, -8388608.5,
    2251799813685248.5, -2251799813685248.5, 4503599627370495.5, -4503599627370495.5,
    4503599627370496.0, -4503599627370496.0, 4503599627370497.0, -4503599627370497.0,
    9007199254740992.0, 1e38, -1e38, 3.4028234663852886e38, 1e308, -1e308, DBL_MAX, -DBL_MAX,
    INFINITY, -INFINITY,
    0, 0, 0, 0, /* NaNs, filled in by main */
};
#define F_COUNT ((int)(sizeof F_EDGE / sizeof F_EDGE[0]))
#define D_COUNT ((int)(sizeof D_EDGE / sizeof D_EDGE[0]))
static float f_edge[F_COUNT];
static double d_edge[D_COUNT];

/* ---- one operation, three ways ----------------------------------------------------------- */

/* Each way of computing an operation fills out[0..n) from a[], b[], c[]. Value results are
 * elements (float or double); mask results are int64 per element: the lane's bits sign-
 * extended (-1 or 0 on a vector tier, the twin's 0/1 turned into the same, the scalar tier's
 * own 0/1 kept as it is). */
typedef void way_fn(const void *a, const void *b, const void *c, void *out, int n);

struct op {
    const char *name;
    int arity;       /* how many of a, b, c it reads */
    int mask_result; /* out holds int64 masks rather than elements */
    way_fn *vector, *twin, *ref;
};

/* What a true mask lane holds on this tier. */
#define TRUE_LANE (RJ_VECTOR_BYTES ? -1 : 1)
#if RJ_VECTOR_BYTES
#  define LANE(m, l) ((int64_t)(m)[l])
#else
#  define LANE(m, l) ((int64_t)(m))
#endif

/* Per element type X (f or d): T_X the element, W_X the vector width. */
#define T_f float
#define T_d double
#define W_f RJ_VF_WIDTH
#define W_d RJ_VD_WIDTH

/* vector way of "rj_vX_NAME(a, b, c)" with EXPR using a, b, c and P = rj_vX */
#define VECTOR_WAY(X, NAME, EXPR)                                                                  \
    static void vector_##X##_##NAME(const void *pa, const void *pb, const void *pc, void *out, int n) \
    {                                                                                             \
        for (int i = 0; i < n; i += W_##X) {                                                      \
            rj_v##X a = rj_v##X##_load((const T_##X *)pa + i), b = rj_v##X##_load((const T_##X *)pb + i); \
            rj_v##X c = rj_v##X##_load((const T_##X *)pc + i);                                    \
            (void)a; (void)b; (void)c;                                                            \
            rj_v##X##_store((T_##X *)out + i, EXPR);                                              \
        }                                                                                         \
    }
#define VECTOR_MASK_WAY(X, NAME, EXPR)                                                             \
    static void vector_##X##_##NAME(const void *pa, const void *pb, const void *pc, void *out, int n) \
    {                                                                                             \
        for (int i = 0; i < n; i += W_##X) {                                                      \
            rj_v##X a = rj_v##X##_load((const T_##X *)pa + i), b = rj_v##X##_load((const T_##X *)pb + i); \
            (void)pc;                                                                             \
            rj_m##X m = EXPR;                                                                     \
            for (int l = 0; l < W_##X; l++) ((int64_t *)out)[i + l] = LANE(m, l);                 \
        }                                                                                         \
    }
/* twin or reference way: EXPR on scalars a, b, c, element by element */
#define SCALAR_WAY(WAY, X, NAME, EXPR)                                                             \
    static void WAY##_##X##_##NAME(const void *pa, const void *pb, const void *pc, void *out, int n) \
    {                                                                                             \
        for (int i = 0; i < n; i++) {                                                             \
            T_##X a = ((const T_##X *)pa)[i], b = ((const T_##X *)pb)[i], c = ((const T_##X *)pc)[i]; \
            (void)a; (void)b; (void)c;                                                            \
            ((T_##X *)out)[i] = EXPR;                                                             \
        }                                                                                         \
    }
/* (a scalar mask must be 0 or 1: anything else becomes INT64_MIN, which matches nothing) */
#define SCALAR_MASK_WAY(WAY, X, NAME, EXPR)                                                        \
    static void WAY##_##X##_##NAME(const void *pa, const void *pb, const void *pc, void *out, int n) \
    {                                                                                             \
        for (int i = 0; i < n; i++) {                                                             \
            T_##X a = ((const T_##X *)pa)[i], b = ((const T_##X *)pb)[i];                         \
            (void)pc;                                                                             \
            int64_t m = (EXPR);                                                                   \
            ((int64_t *)out)[i] = m == 0 ? 0 : m == 1 ? TRUE_LANE : INT64_MIN;                    \
        }                                                                                         \
    }

/* An operation: its vector expression (on rj_vX values a, b, c), twin expression (on
 * scalars) and reference expression, made into three way_fn. */
#define OP(X, NAME, ARITY, VEXPR, SEXPR, REXPR)                                                    \
    VECTOR_WAY(X, NAME, VEXPR) SCALAR_WAY(twin, X, NAME, SEXPR) SCALAR_WAY(ref, X, NAME, REXPR)
#define MASK_OP(X, NAME, ARITY, VEXPR, SEXPR, REXPR)                                               \
    VECTOR_MASK_WAY(X, NAME, VEXPR) SCALAR_MASK_WAY(twin, X, NAME, SEXPR) SCALAR_MASK_WAY(ref, X, NAME, REXPR)
#define ENTRY(X, NAME, ARITY, MASK) {#NAME, ARITY, MASK, vector_##X##_##NAME, twin_##X##_##NAME, ref_##X##_##NAME},

/* References: NaN-aware min/max written out as the documented rule (NaN if either is NaN,
 * else the smaller; on a tie, which only +-0 can make with different bits, the first). */
static float ref_minf(float a, float b) { return isnan(a) || isnan(b) ? NAN : a == b ? b : a < b ? a : b; }
static float ref_maxf(float a, float b) { return isnan(a) || isnan(b) ? NAN : a == b ? b : a > b ? a : b; }
static double ref_min(double a, double b) { return isnan(a) || isnan(b) ? NAN : a == b ? b : a < b ? a : b; }
static double ref_max(double a, double b) { return isnan(a) || isnan(b) ? NAN : a == b ? b : a > b ? a : b; }
/* A format of 113 significant bits where the compiler has one: the references below compute in
 * it, so as not to depend on the C library (MinGW-w64's fmaf and fma are not correctly rounded,
 * and its sqrt rounds the x87's 64-bit result a second time) nor on the instruction under test. */
#if LDBL_MANT_DIG >= 113
typedef long double wide;   /* AArch64's long double is IEEE binary128 */
#  define HAVE_WIDE 1
#elif defined(__SIZEOF_FLOAT128__)
typedef __float128 wide;
#  define HAVE_WIDE 1
#endif

#if HAVE_WIDE
/* sqrt correctly rounded: the library's value moved to the neighbour whose midpoint with it has
 * a square (exact in 113 bits) on x's side, while there is one. */
static double d_step(double y, int up) { uint64_t u; memcpy(&u, &y, 8); u += up ? 1 : -1; return d_bits(u); }
static double ref_sqrt(double x)
{
    double y = libm_sqrt(x);
    if (!(x > 0) || x == INFINITY) return y;
    for (;;) {
        const wide above = ((wide)y + d_step(y, 1)) / 2, below = ((wide)y + d_step(y, 0)) / 2;
        if ((wide)x > above * above) y = d_step(y, 1);
        else if ((wide)x < below * below) y = d_step(y, 0);
        else return y;
    }
}
#else
#  define ref_sqrt libm_sqrt
#endif

#if RJ_HAS_FMA && HAVE_WIDE
/* Fused: the product exact in the wide format, the sum rounded to odd there (TwoSum gives what
 * rounding lost, and a lossy sum whose last bit is even steps one unit toward it); one more
 * rounding, to float or double, is then correct, as round-to-odd with two bits to spare makes it. */
static wide sum_rounded_to_odd(wide p, wide c)
{
    volatile wide s = p + c;
    if (s - s != 0) return s;   /* an infinity or a NaN */
    const wide back = s - p, lost = (p - (s - back)) + (c - back);
    uint64_t bits[2];           /* little-endian: bits[0] ends in the significand's last bit */
    wide odd = s;
    memcpy(bits, &odd, sizeof bits);
    if (lost != 0 && !(bits[0] & 1)) {
        const int away = (lost > 0) == (s > 0);   /* one unit up in magnitude, or down */
        if (away) bits[1] += ++bits[0] == 0;
        else bits[1] -= bits[0]-- == 0;
        memcpy(&odd, bits, sizeof bits);
    }
    return odd;
}
static float ref_fmaf(float a, float b, float c) { return (float)sum_rounded_to_odd((wide)a * b, c); }
static double ref_fma(double a, double b, double c) { return (double)sum_rounded_to_odd((wide)a * b, c); }
#  define REF_FMAF ref_fmaf
#  define REF_FMA ref_fma
#elif RJ_HAS_FMA
static float (*volatile libm_fmaf)(float, float, float) = fmaf;
static double (*volatile libm_fma)(double, double, double) = fma;
#  define REF_FMAF libm_fmaf
#  define REF_FMA libm_fma
#else
/* Not fused: round the product, then the sum (volatile keeps the compiler from fusing). */
static float ref_mul_addf(float a, float b, float c) { volatile float p = a * b; return p + c; }
static double ref_mul_add(double a, double b, double c) { volatile double p = a * b; return p + c; }
#  define REF_FMAF ref_mul_addf
#  define REF_FMA ref_mul_add
#endif

/* The operations for one element type X (f or d), given the references to check them by.
 * OPM / MOPM make either the functions (OP, MASK_OP) or the table rows (ROW, MASK_ROW). */
#define ALL_OPS(OPM, MOPM, X, REF_FLOOR, REF_SQRT, REF_FMA_, REF_MIN, REF_MAX, ABS)                 \
    OPM(X, add, 2, rj_v##X##_add(a, b), rj_##X##_add(a, b), a + b)                                \
    OPM(X, sub, 2, rj_v##X##_sub(a, b), rj_##X##_sub(a, b), a - b)                                \
    OPM(X, mul, 2, rj_v##X##_mul(a, b), rj_##X##_mul(a, b), a * b)                                \
    OPM(X, div, 2, rj_v##X##_div(a, b), rj_##X##_div(a, b), a / b)                                \
    OPM(X, fma, 3, rj_v##X##_fma(a, b, c), rj_##X##_fma(a, b, c), REF_FMA_(a, b, c))              \
    OPM(X, min, 2, rj_v##X##_min(a, b), rj_##X##_min(a, b), REF_MIN(a, b))                        \
    OPM(X, max, 2, rj_v##X##_max(a, b), rj_##X##_max(a, b), REF_MAX(a, b))                        \
    OPM(X, abs, 1, rj_v##X##_abs(a), rj_##X##_abs(a), ABS(a))                                     \
    OPM(X, neg, 1, rj_v##X##_neg(a), rj_##X##_neg(a), -a)                                         \
    OPM(X, sqrt, 1, rj_v##X##_sqrt(a), rj_##X##_sqrt(a), REF_SQRT(a))                             \
    OPM(X, floor, 1, rj_v##X##_floor(a), rj_##X##_floor(a), REF_FLOOR(a))                         \
    MOPM(X, lt, 2, rj_v##X##_lt(a, b), rj_##X##_lt(a, b), !isnan(a) && !isnan(b) && a < b)        \
    MOPM(X, le, 2, rj_v##X##_le(a, b), rj_##X##_le(a, b), !isnan(a) && !isnan(b) && a <= b)       \
    MOPM(X, gt, 2, rj_v##X##_gt(a, b), rj_##X##_gt(a, b), !isnan(a) && !isnan(b) && a > b)        \
    MOPM(X, ge, 2, rj_v##X##_ge(a, b), rj_##X##_ge(a, b), !isnan(a) && !isnan(b) && a >= b)       \
    MOPM(X, eq, 2, rj_v##X##_eq(a, b), rj_##X##_eq(a, b), !isnan(a) && !isnan(b) && a == b)       \
    MOPM(X, ne, 2, rj_v##X##_ne(a, b), rj_##X##_ne(a, b), isnan(a) || isnan(b) || a != b)         \
    MOPM(X, and_le_ge, 2, rj_m##X##_and(rj_v##X##_le(a, b), rj_v##X##_ge(a, b)),                  \
         rj_m##X##s_and(rj_##X##_le(a, b), rj_##X##_ge(a, b)), a <= b && a >= b)                  \
    MOPM(X, or_lt_gt, 2, rj_m##X##_or(rj_v##X##_lt(a, b), rj_v##X##_gt(a, b)),                    \
         rj_m##X##s_or(rj_##X##_lt(a, b), rj_##X##_gt(a, b)), a < b || a > b)                     \
    MOPM(X, not_eq, 2, rj_m##X##_not(rj_v##X##_eq(a, b)), rj_m##X##s_not(rj_##X##_eq(a, b)), !(a == b)) \
    OPM(X, select_lt, 2, rj_v##X##_select(rj_v##X##_lt(a, b), a, b),                              \
        rj_##X##_select(rj_##X##_lt(a, b), a, b), a < b ? a : b)                                  \
    OPM(X, select_ne, 3, rj_v##X##_select(rj_v##X##_ne(a, b), c, a),                              \
        rj_##X##_select(rj_##X##_ne(a, b), c, a), a != b ? c : a)                                 \
    OPM(X, from_mask_le, 2, rj_v##X##_from_mask(rj_v##X##_le(a, b)),                              \
        rj_##X##_from_mask(rj_##X##_le(a, b)), a <= b ? 1 : 0)                                    \
    OPM(X, from_mask_ne, 2, rj_v##X##_from_mask(rj_v##X##_ne(a, b)),                              \
        rj_##X##_from_mask(rj_##X##_ne(a, b)), a != b ? 1 : 0)

/* the table rows, in the same order */
#define ROW(X, NAME, ARITY, V, S, R) ENTRY(X, NAME, ARITY, 0)
#define MASK_ROW(X, NAME, ARITY, V, S, R) ENTRY(X, NAME, ARITY, 1)

ALL_OPS(OP, MASK_OP, f, libm_floorf, libm_sqrtf, REF_FMAF, ref_minf, ref_maxf, fabsf)
ALL_OPS(OP, MASK_OP, d, libm_floor, ref_sqrt, REF_FMA, ref_min, ref_max, fabs)
static const struct op F_OPS[] = {ALL_OPS(ROW, MASK_ROW, f, , , , , , )};
static const struct op D_OPS[] = {ALL_OPS(ROW, MASK_ROW, d, , , , , , )};

/* ---- checking ---------------------------------------------------------------------------- */

static void show(char *buf, size_t size, const void *p, int elem)
{
    if (elem == 4) {
        float f; uint32_t u; memcpy(&f, p, 4); memcpy(&u, p, 4);
        snprintf(buf, size, "%.9g [0x%08" PRIx32 "]", f, u);
    } else {
        double d; uint64_t u; memcpy(&d, p, 8); memcpy(&u, p, 8);
        snprintf(buf, size, "%.17g [0x%016" PRIx64 "]", d, u);
    }
}

static int is_nan(const void *p, int elem)
{
    if (elem == 4) { float f; memcpy(&f, p, 4); return f != f; }
    double d; memcpy(&d, p, 8); return d != d;
}

static void report(const char *type, const char *op, const char *what, const void *args[3], int arity,
                   int elem, const void *got, const void *want, int mask_result)
{
    if (++failed > 40) return;
    char text[3][64], g[64], w[64];
    for (int k = 0; k < arity; k++) show(text[k], sizeof text[k], args[k], elem);
    if (mask_result) {
        snprintf(g, sizeof g, "mask %" PRId64, *(const int64_t *)got);
        snprintf(w, sizeof w, "mask %" PRId64, *(const int64_t *)want);
    } else {
        show(g, sizeof g, got, elem);
        show(w, sizeof w, want, elem);
    }
    printf("FAIL %s rj_%s_%s(%s%s%s%s%s): %s gives %s\n", RJ_ISA_NAME, type, op, text[0],
           arity > 1 ? ", " : "", arity > 1 ? text[1] : "", arity > 2 ? ", " : "", arity > 2 ? text[2] : "",
           what, g);
    printf("     expected %s\n", w);
}

/* Runs every op of a table over all combinations of the edge values. */
static void check_ops(const char *type, const struct op *ops, int n_ops, const void *edge, int n_edge,
                      int elem, int width)
{
    int combos = n_edge * n_edge * n_edge;
    int n = (combos + width - 1) / width * width; /* whole vectors: repeat the first combinations */
    char *a = malloc((size_t)n * elem), *b = malloc((size_t)n * elem), *c = malloc((size_t)n * elem);
    char *vec = malloc((size_t)n * 8), *twin = malloc((size_t)n * 8), *ref = malloc((size_t)n * 8);
    if (!a || !b || !c || !vec || !twin || !ref) { puts("out of memory"); exit(2); }
    for (int i = 0; i < n; i++) {
        int k = i % combos;
        memcpy(a + (size_t)i * elem, (const char *)edge + (size_t)(k % n_edge) * elem, elem);
        memcpy(b + (size_t)i * elem, (const char *)edge + (size_t)(k / n_edge % n_edge) * elem, elem);
        memcpy(c + (size_t)i * elem, (const char *)edge + (size_t)(k / n_edge / n_edge) * elem, elem);
    }
    for (int o = 0; o < n_ops; o++) {
        const struct op *op = &ops[o];
        /* unary and binary ops need only the combinations where the unused inputs are the first */
        int count = op->arity == 1 ? n_edge : op->arity == 2 ? n_edge * n_edge : combos;
        int m = (count + width - 1) / width * width;
        int size = op->mask_result ? 8 : elem;
        op->vector(a, b, c, vec, m);
        op->twin(a, b, c, twin, m);
        op->ref(a, b, c, ref, m);
        for (int i = 0; i < count; i++) {
            const void *args[3] = {a + (size_t)i * elem, b + (size_t)i * elem, c + (size_t)i * elem};
            const char *v = vec + (size_t)i * size, *t = twin + (size_t)i * size, *r = ref + (size_t)i * size;
            int ok = 1, nan_args = 0;
            for (int k = 0; k < op->arity; k++) nan_args += is_nan(args[k], elem);
            /* Where two NaNs meet in add, mul or fma, which one's sign and payload comes out
             * depends on the operand order the compiler picked for the commutative instruction,
             * and it may pick differently in the vector and scalar code: any NaN is right. */
            int commutes = !strcmp(op->name, "add") || !strcmp(op->name, "mul") || !strcmp(op->name, "fma");
            int either_nan = commutes && nan_args >= 2 && is_nan(v, elem) && is_nan(t, elem);
            if (memcmp(v, t, size) != 0 && !either_nan) {
                report(type, op->name, "vector lane vs scalar twin: vector", args, op->arity, elem, v, t, op->mask_result);
                ok = 0;
            }
            int same = memcmp(t, r, size) == 0 || (!op->mask_result && is_nan(t, elem) && is_nan(r, elem));
            if (!same) {
                report(type, op->name, "scalar twin vs reference: twin", args, op->arity, elem, t, r, op->mask_result);
                ok = 0;
            }
            passed += ok;
        }
    }
    free(a); free(b); free(c); free(vec); free(twin); free(ref);
}

/* ---- loads and stores -------------------------------------------------------------------- */

#define EXPECT(cond, ...)                                                                         \
    do {                                                                                          \
        if (cond) passed++;                                                                       \
        else if (++failed <= 40) { printf("FAIL %s ", RJ_ISA_NAME); printf(__VA_ARGS__); putchar('\n'); } \
    } while (0)

/* Partial loads must not read past p[n - 1] and partial stores must not write there: the data
 * ends right before a page that may not be touched at all, so an overrun faults, and the fault
 * handler names the operation that was running. */
static const char *volatile running = "";

static void on_fault(int sig)
{
    (void)sig;
    static const char head[] = "FAIL memory fault (touched memory past the last lane it may) in ";
    if (write(1, head, sizeof head - 1) < 0 || write(1, running, strlen(running)) < 0 || write(1, "\n", 1) < 0) _exit(3);
    _exit(3);
}

#define CHECK_MEMORY(X, EDGE, COUNT)                                                              \
    static void check_memory_##X(char *page_end)                                                  \
    {                                                                                             \
        enum { W = W_##X };                                                                       \
        for (int off = 0; off < 3; off++) { /* unaligned addresses too */                        \
            T_##X buf[2 * W + 3], back[2 * W + 3];                                                \
            for (int l = 0; l < 2 * W + 3; l++) buf[l] = EDGE[(l * 7 + off) % COUNT];             \
            rj_v##X v = rj_v##X##_load(buf + off);                                                \
            memset(back, 0x55, sizeof back);                                                      \
            rj_v##X##_store(back + off, v);                                                       \
            EXPECT(memcmp(back + off, buf + off, sizeof(T_##X) * W) == 0, #X " load/store at offset %d", off); \
            const unsigned char *bytes = (const unsigned char *)back;                             \
            int untouched = 1;                                                                    \
            for (size_t j = 0; j < sizeof back; j++)                                              \
                if ((j < off * sizeof(T_##X) || j >= (off + W) * sizeof(T_##X)) && bytes[j] != 0x55) untouched = 0; \
            EXPECT(untouched, #X " store at offset %d wrote outside the vector", off);            \
        }                                                                                         \
        for (int k = 0; k < COUNT; k++) {                                                         \
            rj_v##X v = rj_v##X##_set1(EDGE[k]);                                                  \
            T_##X lanes[W];                                                                       \
            rj_v##X##_store(lanes, v);                                                            \
            for (int l = 0; l < W; l++)                                                           \
                EXPECT(memcmp(&lanes[l], &EDGE[k], sizeof(T_##X)) == 0, #X " set1(%g) lane %d", (double)EDGE[k], l); \
        }                                                                                         \
        for (int64_t n = 0; n < W; n++) {                                                         \
            T_##X *src = (T_##X *)page_end - n;                                                   \
            for (int64_t l = 0; l < n; l++) src[l] = EDGE[(l + 2) % COUNT];                       \
            T_##X lanes[W];                                                                       \
            running = "rj_v" #X "_load_partial";                                                  \
            atomic_signal_fence(memory_order_seq_cst);                                            \
            rj_v##X##_store(lanes, rj_v##X##_load_partial(src, n));                               \
            for (int l = 0; l < W; l++) {                                                         \
                T_##X want = l < n ? src[l] : (T_##X)0;                                           \
                EXPECT(memcmp(&lanes[l], &want, sizeof want) == 0, #X " load_partial(n=%d) lane %d", (int)n, l); \
            }                                                                                     \
            rj_v##X full = rj_v##X##_load(lanes);                                                 \
            for (int64_t l = 0; l < n; l++) src[l] = 7;                                           \
            running = "rj_v" #X "_store_partial";                                                 \
            atomic_signal_fence(memory_order_seq_cst);                                            \
            rj_v##X##_store_partial(src, rj_v##X##_neg(full), n);                                 \
            for (int64_t l = 0; l < n; l++) {                                                     \
                T_##X want = -lanes[l];                                                           \
                EXPECT(memcmp(&src[l], &want, sizeof want) == 0, #X " store_partial(n=%d) lane %d", (int)n, (int)l); \
            }                                                                                     \
            T_##X guard[W + 1];                                                                   \
            for (int l = 0; l <= W; l++) guard[l] = 7;                                            \
            rj_v##X##_store_partial(guard, full, n);                                              \
            EXPECT(guard[n] == 7, #X " store_partial(n=%d) wrote lane %d", (int)n, (int)n);       \
        }                                                                                         \
    }
CHECK_MEMORY(f, f_edge, F_COUNT)
CHECK_MEMORY(d, d_edge, D_COUNT)

/* ---- a kernel as the templates write one ------------------------------------------------- */

/* A vector main loop and a scalar tail over the same expression, inlined as in a real kernel:
 * every element must come out the same whether it fell in the body or the tail. */
#define CHECK_KERNEL(X, EDGE, COUNT)                                                              \
    static void check_kernel_##X(void)                                                            \
    {                                                                                             \
        enum { N = 3 * COUNT };                                                                   \
        T_##X x[N], body[N], tail[N];                                                             \
        for (int i = 0; i < N; i++) x[i] = EDGE[(i * 5) % COUNT];                                 \
        const rj_v##X k = rj_v##X##_set1((T_##X)0.75), lo = rj_v##X##_set1((T_##X)-3.0);          \
        int i = 0;                                                                                \
        for (; i + W_##X <= N; i += W_##X) {                                                      \
            rj_v##X v = rj_v##X##_load(x + i);                                                    \
            rj_v##X y = rj_v##X##_fma(rj_v##X##_floor(v), k, rj_v##X##_sqrt(rj_v##X##_abs(v)));   \
            y = rj_v##X##_select(rj_v##X##_lt(v, lo), rj_v##X##_max(y, v), rj_v##X##_min(y, lo)); \
            rj_v##X##_store(body + i, y);                                                         \
        }                                                                                         \
        for (int j = 0; j < N; j++) {                                                             \
            T_##X v = x[j];                                                                       \
            T_##X y = rj_##X##_fma(rj_##X##_floor(v), (T_##X)0.75, rj_##X##_sqrt(rj_##X##_abs(v))); \
            tail[j] = rj_##X##_select(rj_##X##_lt(v, (T_##X)-3.0), rj_##X##_max(y, v), rj_##X##_min(y, (T_##X)-3.0)); \
        }                                                                                         \
        for (int j = 0; j < i; j++)                                                               \
            EXPECT(memcmp(&body[j], &tail[j], sizeof body[j]) == 0,                               \
                   #X " kernel body %.17g vs tail %.17g at x = %.17g", (double)body[j], (double)tail[j], (double)x[j]); \
    }
CHECK_KERNEL(f, f_edge, F_COUNT)
CHECK_KERNEL(d, d_edge, D_COUNT)

/* ---- between float values and double state (channel kernels) --------------------------- */

/* rj_vd_widen: lane l of the double vector is lane l of the float one, exactly. rj_vf_narrow:
 * lane l < RJ_VD_WIDTH is the double rounded as C's (float) conversion rounds it (any NaN for a
 * NaN), the lanes above are +0.0. Every edge value passes through every lane. */
static void check_conversions(void)
{
    for (int k = 0; k < F_COUNT; k++) {
        float in[RJ_VF_WIDTH];
        double out[RJ_VD_WIDTH];
        for (int l = 0; l < RJ_VF_WIDTH; l++) in[l] = f_edge[(k + l) % F_COUNT];
        rj_vd_store(out, rj_vd_widen(rj_vf_load(in)));
        for (int l = 0; l < RJ_VD_WIDTH; l++) {
            double want = (double)in[l];
            EXPECT(memcmp(&out[l], &want, sizeof want) == 0 || (isnan(out[l]) && isnan(want)),
                   "rj_vd_widen(%.9g) lane %d gives %.17g", (double)in[l], l, out[l]);
        }
    }
    for (int k = 0; k < D_COUNT; k++) {
        double in[RJ_VD_WIDTH];
        float out[RJ_VF_WIDTH];
        for (int l = 0; l < RJ_VD_WIDTH; l++) in[l] = d_edge[(k + l) % D_COUNT];
        rj_vf_store(out, rj_vf_narrow(rj_vd_load(in)));
        for (int l = 0; l < RJ_VF_WIDTH; l++) {
            float want = l < RJ_VD_WIDTH ? (float)in[l] : 0.0f;
            EXPECT(memcmp(&out[l], &want, sizeof want) == 0 || (isnan(out[l]) && isnan(want)),
                   "rj_vf_narrow(%.17g) lane %d gives %.9g", l < RJ_VD_WIDTH ? in[l] : 0.0, l, (double)out[l]);
        }
    }
}

/* Two pages, the second inaccessible, so that a load or store past the end of the first faults;
 * the first page, or NULL if they cannot be had. */
static char *page_before_a_guard(size_t *page)
{
#if defined(_WIN32)
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    *page = info.dwPageSize;
    char *map = VirtualAlloc(NULL, 2 * *page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD was;
    return map && VirtualProtect(map + *page, *page, PAGE_NOACCESS, &was) ? map : NULL;
#else
    *page = (size_t)sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 2 * *page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return map != MAP_FAILED && mprotect(map + *page, *page, PROT_NONE) == 0 ? map : NULL;
#endif
}

int main(void)
{
    memcpy(f_edge, F_EDGE, sizeof F_EDGE);
    f_edge[F_COUNT - 4] = f_bits(0x7fc00000u);   /* quiet NaN */
    f_edge[F_COUNT - 3] = f_bits(0xffc00000u);   /* negative quiet NaN: x86's "default NaN" */
    f_edge[F_COUNT - 2] = f_bits(0x7fc12345u);   /* NaN with a payload */
    f_edge[F_COUNT - 1] = f_bits(0x7fa00000u);   /* signalling NaN */
    memcpy(d_edge, D_EDGE, sizeof D_EDGE);
    d_edge[D_COUNT - 4] = d_bits(0x7ff8000000000000u);
    d_edge[D_COUNT - 3] = d_bits(0xfff8000000000000u);
    d_edge[D_COUNT - 2] = d_bits(0x7ff8000000012345u);
    d_edge[D_COUNT - 1] = d_bits(0x7ff4000000000000u);

    printf("simd.h self-test: tier %s, RJ_VF_WIDTH %d, RJ_VD_WIDTH %d, RJ_HAS_FMA %d\n", RJ_ISA_NAME,
           (int)RJ_VF_WIDTH, (int)RJ_VD_WIDTH, (int)RJ_HAS_FMA);
    EXPECT(sizeof(rj_vf) == sizeof(float) * RJ_VF_WIDTH && sizeof(rj_vd) == sizeof(double) * RJ_VD_WIDTH,
           "vector sizes do not match the widths");

    check_ops("vf", F_OPS, (int)(sizeof F_OPS / sizeof F_OPS[0]), f_edge, F_COUNT, 4, RJ_VF_WIDTH);
    check_ops("vd", D_OPS, (int)(sizeof D_OPS / sizeof D_OPS[0]), d_edge, D_COUNT, 8, RJ_VD_WIDTH);

    size_t page;
    char *map = page_before_a_guard(&page);
    if (!map) { puts("no guard page"); return 2; }
    signal(SIGSEGV, on_fault);   /* Windows: MinGW's C runtime turns an access violation into SIGSEGV */
#ifdef SIGBUS
    signal(SIGBUS, on_fault);
#endif
    check_memory_f(map + page);
    check_memory_d(map + page);
    check_kernel_f();
    check_kernel_d();
    check_conversions();

    if (failed > 40) printf("... and %ld more\n", failed - 40);
    printf("%ld passed, %ld failed\n", passed, failed);
    return failed != 0;
}
