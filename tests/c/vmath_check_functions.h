/* vmath_check_functions.h (part of vmath_check.c) - the functions under test: every function
 * csrc/vmath_functions.h declares, out of line, with its references, its bounds and its ranges.
 */
/* ---- the functions under test, and their references --------------------------------------- */

/* Every function csrc/vmath_functions.h declares, with its REFERENCE: libm's REFERENCE for float
 * results (computed in double) and REFERENCEl for double ones, or these where libm has none or
 * long double is not precise enough */
static double ref_sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x; }
static long double ref_signl(long double x) { return x > 0 ? 1.0L : x < 0 ? -1.0L : x == 0 ? 0.0L : x; }
static double ref_nextafter(double x, double y) { return nextafterf((float)x, (float)y); }
static long double ref_nextafterl(long double x, long double y) { return nextafter((double)x, (double)y); }
static double ref_pow(double x, double y) { return pow(x, y); }
/* pow's reference: x87's powl is off by up to 2^-64 |y log2 x| relative, a third of an ULP of a
 * double at the ends of the range; quad precision where GCC has it (AArch64's powl is quad) */
#if defined(__x86_64__) && !defined(__clang__)
#  include <quadmath.h>
static long double ref_powl(long double x, long double y) { return (long double)powq((__float128)x, (__float128)y); }
#else
static long double ref_powl(long double x, long double y) { return powl(x, y); }
#endif

typedef rj_vf (*vf1)(rj_vf);
typedef float (*f1)(float);
typedef double (*r1)(double);
typedef rj_vd (*vd1)(rj_vd);
typedef double (*d1)(double);
typedef long double (*rl1)(long double);
typedef rj_vf (*vf2)(rj_vf, rj_vf);
typedef float (*f2)(float, float);
typedef double (*r2)(double, double);
typedef rj_vd (*vd2)(rj_vd, rj_vd);
typedef double (*d2)(double, double);
typedef long double (*rl2)(long double, long double);

/* out-of-line wrappers: the header's functions are always_inline */
#define WRAP1(NAME, ...)                                                                           \
    static rj_vf wvf_##NAME(rj_vf x) { return rj_vf_##NAME(x); }                                  \
    static float wf_##NAME(float x) { return rj_f_##NAME(x); }                                    \
    static rj_vd wvd_##NAME(rj_vd x) { return rj_vd_##NAME(x); }                                  \
    static double wd_##NAME(double x) { return rj_d_##NAME(x); }
#define WRAP2(NAME, ...)                                                                           \
    static rj_vf wvf_##NAME(rj_vf x, rj_vf y) { return rj_vf_##NAME(x, y); }                      \
    static float wf_##NAME(float x, float y) { return rj_f_##NAME(x, y); }                        \
    static rj_vd wvd_##NAME(rj_vd x, rj_vd y) { return rj_vd_##NAME(x, y); }                      \
    static double wd_##NAME(double x, double y) { return rj_d_##NAME(x, y); }
/* x^K, and its references pow(x, K) and powl(x, K) */
#define WRAP_POWER(NAME, K, ...)                                                                   \
    static rj_vf wvf_##NAME(rj_vf x) { return rj_vf_powi(x, K); }                                 \
    static float wf_##NAME(float x) { return rj_f_powi(x, K); }                                   \
    static rj_vd wvd_##NAME(rj_vd x) { return rj_vd_powi(x, K); }                                 \
    static double wd_##NAME(double x) { return rj_d_powi(x, K); }                                 \
    static double ref_##NAME(double x) { return pow(x, K); }                                      \
    static long double ref_##NAME##l(long double x) { return powl(x, K); }
#define RJ_VM_UNARY WRAP1
#define RJ_VM_TYPED_UNARY WRAP1
#define RJ_VM_BINARY WRAP2
#define RJ_VM_TYPED_BINARY WRAP2
#define RJ_VM_POWER WRAP_POWER
#include "vmath_functions.h"

#define FN1(NAME, NUMPY, REF, ...) {#NAME, wvf_##NAME, wf_##NAME, REF, wvd_##NAME, wd_##NAME, REF##l},
#define FN_POWER(NAME, ...) FN1(NAME, power, ref_##NAME, 0)
static const struct unary {
    const char *name;
    vf1 vf; f1 f; r1 fref;
    vd1 vd; d1 d; rl1 dref;
} UNARY[] = {
#define RJ_VM_UNARY FN1
#define RJ_VM_TYPED_UNARY FN1
#define RJ_VM_POWER FN_POWER
#include "vmath_functions.h"
};
#define FN2(NAME, NUMPY, REF, ...) {#NAME, wvf_##NAME, wf_##NAME, REF, wvd_##NAME, wd_##NAME, REF##l},
static const struct binary {
    const char *name;
    vf2 vf; f2 f; r2 fref;
    vd2 vd; d2 d; rl2 dref;
} BINARY[] = {
#define RJ_VM_BINARY FN2
#define RJ_VM_TYPED_BINARY FN2
#include "vmath_functions.h"
};
enum { N_UNARY = sizeof UNARY / sizeof UNARY[0], N_BINARY = sizeof BINARY / sizeof BINARY[0] };

static const struct unary *find_unary(const char *name)
{
    for (int i = 0; i < N_UNARY; i++)
        if (!strcmp(UNARY[i].name, name)) return &UNARY[i];
    return NULL;
}
static const struct binary *find_binary(const char *name)
{
    for (int i = 0; i < N_BINARY; i++)
        if (!strcmp(BINARY[i].name, name)) return &BINARY[i];
    return NULL;
}

/* ---- bounds and ranges ------------------------------------------------------------------- */

/* The bounds the battery holds each function to, in ULP: the accuracy vmath_functions.h declares
 * (and README.md states; tests/test_vmath_bounds.py checks that the two agree) at the level this
 * battery is built at (-DRJ_VM_LEVEL=RJ_VM_LEVEL_HALF, _ONE or _FOUR; vmath.h's default, ONE,
 * without). A function row gives the HALF level's bounds, a RJ_VM_LEVEL_BOUNDS row another
 * level's; an exact function has only its row (exact at every level). */
static const struct bound { const char *name; int level; double f_fma, f, d_fma, d; } BOUNDS[] = {
#define BOUND(NAME, NUMPY, REF, F_FMA, F, D_FMA, D, ...) {#NAME, RJ_VM_LEVEL_HALF, F_FMA, F, D_FMA, D},
#define BOUND_POWER(NAME, K, F_FMA, F, D_FMA, D) {#NAME, RJ_VM_LEVEL_HALF, F_FMA, F, D_FMA, D},
#define BOUND_LEVEL(NAME, LEVEL, F_FMA, F, D_FMA, D) {#NAME, RJ_VM_LEVEL_##LEVEL, F_FMA, F, D_FMA, D},
#define RJ_VM_UNARY BOUND
#define RJ_VM_BINARY BOUND
#define RJ_VM_TYPED_UNARY BOUND
#define RJ_VM_TYPED_BINARY BOUND
#define RJ_VM_POWER BOUND_POWER
#define RJ_VM_LEVEL_BOUNDS BOUND_LEVEL
#include "vmath_functions.h"
};
enum { N_BOUNDS = sizeof BOUNDS / sizeof BOUNDS[0] };

#if RJ_VM_LEVEL == RJ_VM_LEVEL_HALF
#  define LEVEL_NAME "HALF"
#elif RJ_VM_LEVEL == RJ_VM_LEVEL_ONE
#  define LEVEL_NAME "ONE"
#else
#  define LEVEL_NAME "FOUR"
#endif

static double column(const struct bound *b, int dbl)
{
    return dbl ? (RJ_HAS_FMA ? b->d_fma : b->d) : (RJ_HAS_FMA ? b->f_fma : b->f);
}

/* a function's row at this level: its RJ_VM_LEVEL_BOUNDS row for RJ_VM_LEVEL, else its own row */
static const struct bound *bound_row(const char *name)
{
    const struct bound *own = NULL;
    for (int i = 0; i < N_BOUNDS; i++) {
        if (strcmp(BOUNDS[i].name, name)) continue;
        if (BOUNDS[i].level == RJ_VM_LEVEL) return &BOUNDS[i];
        if (BOUNDS[i].level == RJ_VM_LEVEL_HALF) own = &BOUNDS[i];
    }
    if (own) return own;
    fprintf(stderr, "no bound for %s\n", name);
    exit(2);
}

/* a function's bound; "special" (special values through every function): the largest */
static double bound_of(const char *name, int dbl)
{
    if (strcmp(name, "special")) return column(bound_row(name), dbl);
    double largest = 0;
    for (int i = 0; i < N_BOUNDS; i++)
        if (BOUNDS[i].level == RJ_VM_LEVEL_HALF && column(bound_row(BOUNDS[i].name), dbl) > largest)
            largest = column(bound_row(BOUNDS[i].name), dbl);
    return largest;
}

/* the double ranges each unary function is sampled on: {lo, hi, both signs} */
static const struct range { const char *name; double lo, hi; int both; } RANGES[] = {
#define RJ_VM_RANGE(NAME, LO, HI, BOTH) {#NAME, LO, HI, BOTH},
#include "vmath_functions.h"
};

/* the binary functions' double and float pair ranges: {x lo, x hi, y lo, y hi, random signs} */
static const struct range2 { const char *name; double xlo, xhi, ylo, yhi; int signs; } RANGES2[] = {
#define RJ_VM_RANGE2(NAME, XLO, XHI, YLO, YHI, SIGNS) {#NAME, XLO, XHI, YLO, YHI, SIGNS},
#include "vmath_functions.h"
};
