/* vmath_nans.c - the NaN bits of csrc/simd.h and csrc/vmath.h on one tier, vector lanes and scalar
 * twins alike (tests/test_vmath_nans_c.py builds it for every tier, NEON under qemu):
 *
 *   - a domain error gives the NaN this machine's invalid operations make (0/0 computed here at
 *     run time, so the reference is the hardware's, not the header's RJ_VM_DEFAULT_NAN);
 *   - a NaN argument comes out quietened, sign and payload kept; of two, the first's (nextafter:
 *     y's), and so in + and * of two NaNs, in every lane and in the twin.
 *
 * Prints each mismatch, then PASS or FAIL (exit status 0 or 1).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "simd.h"
#include "vmath.h"

static int failures;

static uint64_t bits_d(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static uint32_t bits_f(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static double from_d(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }
static float from_f(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

/* the hardware's NaN of an invalid operation; arguments pass through opaque() so that no compiler
 * folds a function of constants (clang folds 0.0 / 0.0 to its own NaN) */
static volatile double zero_d = 0.0;
static volatile float zero_f = 0.0f;
static volatile double opaque_slot;
static double opaque(double x) { opaque_slot = x; return opaque_slot; }

static void expect_d(const char *what, double x, double y, double got, uint64_t want)
{
    if (bits_d(got) != want) {
        printf("FAIL double %s(%a, %a): %016llx, want %016llx\n", what, x, y, (unsigned long long)bits_d(got),
               (unsigned long long)want);
        failures++;
    }
}

static void expect_f(const char *what, float x, float y, float got, uint32_t want)
{
    if (bits_f(got) != want) {
        printf("FAIL float %s(%a, %a): %08x, want %08x\n", what, x, y, (unsigned)bits_f(got), (unsigned)want);
        failures++;
    }
}

/* each function once, out of line (the header's are always_inline), as a table entry */
typedef struct {
    const char *name;
    rj_vd (*vd)(rj_vd, rj_vd); double (*d)(double, double);
    rj_vf (*vf)(rj_vf, rj_vf); float (*f)(float, float);
} fn2;
#define WRAP1(NAME)                                                                                \
    static rj_vd wvd_##NAME(rj_vd x, rj_vd y) { (void)y; return rj_vd_##NAME(x); }                 \
    static double wd_##NAME(double x, double y) { (void)y; return rj_d_##NAME(x); }                \
    static rj_vf wvf_##NAME(rj_vf x, rj_vf y) { (void)y; return rj_vf_##NAME(x); }                 \
    static float wf_##NAME(float x, float y) { (void)y; return rj_f_##NAME(x); }                   \
    static const fn2 NAME##_ = {#NAME, wvd_##NAME, wd_##NAME, wvf_##NAME, wf_##NAME};
#define WRAP2(NAME)                                                                                \
    static rj_vd wvd_##NAME(rj_vd x, rj_vd y) { return rj_vd_##NAME(x, y); }                       \
    static double wd_##NAME(double x, double y) { return rj_d_##NAME(x, y); }                      \
    static rj_vf wvf_##NAME(rj_vf x, rj_vf y) { return rj_vf_##NAME(x, y); }                       \
    static float wf_##NAME(float x, float y) { return rj_f_##NAME(x, y); }                         \
    static const fn2 NAME##_ = {#NAME, wvd_##NAME, wd_##NAME, wvf_##NAME, wf_##NAME};

/* the functions a NaN goes through as itself: every unary function csrc/vmath_functions.h
 * declares with an algorithm of its own (RJ_VM_UNARY), and the rounding functions */
#define RJ_VM_UNARY(NAME, ...) WRAP1(NAME)
#include "vmath_functions.h"
WRAP1(trunc) WRAP1(ceil) WRAP1(round)
static const fn2 *const UNARY[] = {
#define RJ_VM_UNARY(NAME, ...) &NAME##_,
#include "vmath_functions.h"
    &trunc_, &ceil_, &round_,
};
/* and those that give the first of two NaNs: the binary ones (RJ_VM_BINARY), simd.h's arithmetic
 * and numpy's % and // */
#define RJ_VM_BINARY(NAME, ...) WRAP2(NAME)
#include "vmath_functions.h"
WRAP2(add) WRAP2(sub) WRAP2(mul) WRAP2(div) WRAP2(min) WRAP2(max) WRAP2(remainder) WRAP2(floor_divide)
WRAP2(nextafter)
static const fn2 *const BINARY_FIRST[] = {
#define RJ_VM_BINARY(NAME, ...) &NAME##_,
#include "vmath_functions.h"
    &add_, &sub_, &mul_, &div_, &min_, &max_, &remainder_, &floor_divide_,
};
enum { N_UNARY = sizeof UNARY / sizeof UNARY[0], N_BINARY_FIRST = sizeof BINARY_FIRST / sizeof BINARY_FIRST[0] };

/* every lane of the vector function and the twin, for one pair of arguments (y unused by unary
 * functions) */
static void check(const fn2 *fn, double x, double y, uint64_t want_d, uint32_t want_f)
{
    x = opaque(x);
    y = opaque(y);
    const float xf = (float)x, yf = (float)y;
    double vd[RJ_VD_WIDTH];
    float vf[RJ_VF_WIDTH];
    rj_vd_store(vd, fn->vd(rj_vd_set1(x), rj_vd_set1(y)));
    rj_vf_store(vf, fn->vf(rj_vf_set1(xf), rj_vf_set1(yf)));
    for (int l = 0; l < RJ_VD_WIDTH; l++) expect_d(fn->name, x, y, vd[l], want_d);
    for (int l = 0; l < RJ_VF_WIDTH; l++) expect_f(fn->name, xf, yf, vf[l], want_f);
    expect_d(fn->name, x, y, fn->d(x, y), want_d);
    expect_f(fn->name, xf, yf, fn->f(xf, yf), want_f);
}
#define CHECK1(NAME, X, WANT_D, WANT_F) check(&NAME##_, X, 0.0, WANT_D, WANT_F)
#define CHECK2(NAME, X, Y, WANT_D, WANT_F) check(&NAME##_, X, Y, WANT_D, WANT_F)

int main(void)
{
    const uint64_t invalid_d = bits_d(zero_d / zero_d);
    const uint32_t invalid_f = bits_f(zero_f / zero_f);
    /* quiet NaNs of both signs, with payloads (a float's payload is the top of a double's) */
    const uint64_t nan_d[] = {0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff8123400000000ull,
                              0xfffc432100000000ull};
    enum { N_NAN = sizeof nan_d / sizeof nan_d[0] };

    /* domain errors */
    const double minus_one = -1.0, two = 2.0, inf = __builtin_inf();
    CHECK1(log, minus_one, invalid_d, invalid_f);
    CHECK1(log2, -inf, invalid_d, invalid_f);
    CHECK1(log10, minus_one, invalid_d, invalid_f);
    CHECK1(log1p, -two, invalid_d, invalid_f);
    CHECK1(arcsin, two, invalid_d, invalid_f);
    CHECK1(arcsin, inf, invalid_d, invalid_f);
    CHECK1(arccos, -two, invalid_d, invalid_f);
    CHECK1(arccosh, 0.5, invalid_d, invalid_f);
    CHECK1(arctanh, two, invalid_d, invalid_f);
    CHECK1(arctanh, -inf, invalid_d, invalid_f);
    CHECK1(sin, inf, invalid_d, invalid_f);
    CHECK1(cos, -inf, invalid_d, invalid_f);
    CHECK1(tan, inf, invalid_d, invalid_f);
    CHECK2(fmod, inf, 1.0, invalid_d, invalid_f);
    CHECK2(fmod, 1.0, 0.0, invalid_d, invalid_f);
    CHECK2(remainder, inf, inf, invalid_d, invalid_f);
    CHECK2(floor_divide, 0.0, 0.0, invalid_d, invalid_f);
    CHECK2(pow, -8.0, 0.5, invalid_d, invalid_f);

    /* a NaN argument: itself; two: the first (nextafter: y's) */
    for (int i = 0; i < N_NAN; i++) {
        const double a = from_d(nan_d[i]);
        const uint32_t af = bits_f((float)a);
        for (int f = 0; f < N_UNARY; f++) check(UNARY[f], a, 0.0, nan_d[i], af);
        for (int j = 0; j < N_NAN; j++) {
            const double b = from_d(nan_d[j]);
            for (int f = 0; f < N_BINARY_FIRST; f++) check(BINARY_FIRST[f], a, b, nan_d[i], af);
            CHECK2(nextafter, a, b, nan_d[j], bits_f((float)b));
        }
        for (int f = 0; f < N_BINARY_FIRST; f++) {      /* a NaN and a number: the NaN, from either side */
            check(BINARY_FIRST[f], a, 1.5, nan_d[i], af);
            check(BINARY_FIRST[f], 1.5, a, nan_d[i], af);
        }
    }
    (void)from_f;
    printf("tier %s: %s\n", RJ_ISA_NAME, failures ? "FAIL" : "PASS");
    return failures != 0;
}
