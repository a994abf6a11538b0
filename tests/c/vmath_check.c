/* vmath_check.c - accuracy, special values and twin identity of csrc/vmath.h on one tier: every
 * function csrc/vmath_functions.h declares, held to its declared bounds on its declared ranges
 * (vmath_check_functions.h; NAME below is a row's name: sin, pow, pow3, pow_m2, ...).
 *
 * Build with the tier's flags and the accuracy level (RJ_VM_LEVEL_HALF, _ONE or _FOUR; vmath.h's
 * default, ONE, without), e.g.
 *   gcc -O2 -std=gnu11 -fno-math-errno -ffp-contract=off -Icsrc -mavx2 -mfma -DRJ_ISA_AVX2 \
 *       -DRJ_VM_LEVEL=RJ_VM_LEVEL_FOUR tests/c/vmath_check.c -o vmath_check -lm -lquadmath
 *
 *   vmath_check [q]                  the battery (tests/test_vmath_c.py): exit 0 if it passes
 *   vmath_check m N                  the battery's double and pair samples only, N of each: the
 *                                    worst errors, to measure the bounds
 *   vmath_check w STRIDE N           each function's worst error in float (every STRIDE-th float
 *                                    bit pattern; binary: random ones and its ranges) and in
 *                                    double (N samples of each of its ranges): a level's bounds
 *                                    (tests/support/vmath_battery.py)
 *   vmath_check f NAME [STRIDE]      every STRIDE-th float bit pattern (1: all 2^32) through a
 *                                    unary function: worst ULP
 *   vmath_check d NAME LO HI N       N random doubles in [LO, HI] (log-uniform if LO > 0):
 *                                    worst ULP
 *   vmath_check h [STRIDE]           a hash of every function's results for every STRIDE-th
 *                                    float bit pattern (and doubles made from them): tiers that
 *                                    round alike (FMA or not) must print the same hashes
 *   vmath_check z [STRIDE]           the same with MXCSR's DAZ set (x86: a process whose library set
 *                                    it): a denormal input is a zero to every tier, vgetexp too
 *
 * Errors are in ULP of the correctly rounded result: float results against libm's double
 * result, double results against libm's long double one (pow's in quad precision). A zero of
 * the wrong sign, a NaN for a number or a number for a NaN is an infinite error. Every value is
 * computed both ways, by the vector function (all lanes) and by its scalar twin, and the two must
 * agree bit for bit, a NaN's sign and payload too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "simd.h"
#include "vmath.h"

#define VF_W RJ_VF_WIDTH
#define VD_W RJ_VD_WIDTH

typedef struct {
    double worst;              /* ULP */
    double worst_x, worst_y;
    long twin_mismatch, count;
} stats;

static double ulp_of(long double r, int mant, int min_exp)
{
    int e;
    frexpl(fabsl(r), &e);
    if (e - 1 < min_exp) e = min_exp + 1;
    return ldexp(1.0, e - 1 - mant);
}

/* |got - ref| in ULP of ref rounded to the format (mant bits after the point, min_exp the
 * exponent of the smallest normal) */
static double ulp_err(long double got, long double ref, long double rounded, int mant, int min_exp)
{
    if (isnan(got) && isnan(ref)) return 0;
    if (isnan(got) || isnan(ref)) return INFINITY;
    if (got == rounded && signbit(got) == signbit(rounded)) return 0;
    if (isinf(got) || isinf(rounded) || (got == 0 && rounded == 0)) return INFINITY;
    return (double)(fabsl(got - ref) / ulp_of(rounded, mant, min_exp));
}
static double ulp_f(float got, double ref) { return ulp_err(got, ref, (float)ref, 23, -126); }
static double ulp_d(double got, long double ref) { return ulp_err(got, ref, (double)ref, 52, -1022); }

/* a lane and its twin agree on every bit, a NaN's sign and payload too */
static int same_bits_f(float a, float b) { return memcmp(&a, &b, 4) == 0; }
static int same_bits_d(double a, double b) { return memcmp(&a, &b, 8) == 0; }

static void note(stats *s, double err, double x, double y)
{
    s->count++;
    if (err > s->worst || (isnan(err) && !isnan(s->worst))) { s->worst = err; s->worst_x = x; s->worst_y = y; }
}

#include "vmath_check_functions.h"

/* ---- running values through a function: all lanes of the vector, each lane's twin ---------- */

static void run_f1(const struct unary *u, const float *x, int n, stats *s)
{
    for (int i = 0; i < n; i += VF_W) {
        float in[VF_W], out[VF_W];
        for (int l = 0; l < VF_W; l++) in[l] = x[i + l < n ? i + l : n - 1];
        rj_vf_store(out, u->vf(rj_vf_load(in)));
        for (int l = 0; l < VF_W && i + l < n; l++) {
            if (!same_bits_f(out[l], u->f(in[l]))) s->twin_mismatch++;
            note(s, ulp_f(out[l], u->fref(in[l])), in[l], 0);
        }
    }
}

static void run_d1(const struct unary *u, const double *x, int n, stats *s)
{
    for (int i = 0; i < n; i += VD_W) {
        double in[VD_W], out[VD_W];
        for (int l = 0; l < VD_W; l++) in[l] = x[i + l < n ? i + l : n - 1];
        rj_vd_store(out, u->vd(rj_vd_load(in)));
        for (int l = 0; l < VD_W && i + l < n; l++) {
            if (!same_bits_d(out[l], u->d(in[l]))) s->twin_mismatch++;
            note(s, ulp_d(out[l], u->dref(in[l])), in[l], 0);
        }
    }
}

static void run_f2(const struct binary *b, const float *x, const float *y, int n, stats *s)
{
    for (int i = 0; i < n; i += VF_W) {
        float a[VF_W], c[VF_W], out[VF_W];
        for (int l = 0; l < VF_W; l++) { a[l] = x[i + l < n ? i + l : n - 1]; c[l] = y[i + l < n ? i + l : n - 1]; }
        rj_vf_store(out, b->vf(rj_vf_load(a), rj_vf_load(c)));
        for (int l = 0; l < VF_W && i + l < n; l++) {
            if (!same_bits_f(out[l], b->f(a[l], c[l]))) s->twin_mismatch++;
            note(s, ulp_f(out[l], b->fref(a[l], c[l])), a[l], c[l]);
        }
    }
}

static void run_d2(const struct binary *b, const double *x, const double *y, int n, stats *s)
{
    for (int i = 0; i < n; i += VD_W) {
        double a[VD_W], c[VD_W], out[VD_W];
        for (int l = 0; l < VD_W; l++) { a[l] = x[i + l < n ? i + l : n - 1]; c[l] = y[i + l < n ? i + l : n - 1]; }
        rj_vd_store(out, b->vd(rj_vd_load(a), rj_vd_load(c)));
        for (int l = 0; l < VD_W && i + l < n; l++) {
            if (!same_bits_d(out[l], b->d(a[l], c[l]))) s->twin_mismatch++;
            note(s, ulp_d(out[l], b->dref(a[l], c[l])), a[l], c[l]);
        }
    }
}

/* ---- inputs ------------------------------------------------------------------------------- */

/* every stride-th float bit pattern (both signs), in chunks */
static stats sweep_float(const struct unary *u, uint64_t stride)
{
    enum { CHUNK = 4096 };
    static float buf[CHUNK];
    stats s = {0};
    int n = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += stride) {
        const uint32_t bits = (uint32_t)b;
        memcpy(&buf[n++], &bits, 4);
        if (n == CHUNK) { run_f1(u, buf, n, &s); n = 0; }
    }
    if (n) run_f1(u, buf, n, &s);
    return s;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return rng_state;
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * (double)(next_random() >> 11) * 0x1p-53; }
/* log-uniform in [lo, hi] for lo > 0, with a random sign if lo < 0 is asked as -lo */
static double sample(double lo, double hi)
{
    if (lo > 0) return exp(uniform(log(lo), log(hi)));
    if (lo < 0 && hi < 0) return -exp(uniform(log(-hi), log(-lo)));
    return uniform(lo, hi);
}
static double signed_sample(double lo, double hi) { return (next_random() >> 63 ? -1 : 1) * sample(lo, hi); }

static stats random_double(const struct unary *u, double lo, double hi, long n, int both_signs)
{
    stats s = {0};
    double buf[1024];
    for (long done = 0; done < n; done += 1024) {
        for (int i = 0; i < 1024; i++) buf[i] = both_signs ? signed_sample(lo, hi) : sample(lo, hi);
        run_d1(u, buf, 1024, &s);
    }
    return s;
}

/* pairs: x from [xlo, xhi], y from [ylo, yhi], each log-uniform when its lo > 0, random signs
 * when asked; floats are the pairs rounded to float */
static stats random_pairs(const struct binary *b, int dbl, double xlo, double xhi, double ylo, double yhi,
                          int signs, long n)
{
    stats s = {0};
    for (long done = 0; done < n; done += 1024) {
        double x[1024], y[1024];
        float xf[1024], yf[1024];
        for (int i = 0; i < 1024; i++) {
            x[i] = signs ? signed_sample(xlo, xhi) : sample(xlo, xhi);
            y[i] = signs ? signed_sample(ylo, yhi) : sample(ylo, yhi);
            xf[i] = (float)x[i];
            yf[i] = (float)y[i];
        }
        if (dbl) run_d2(b, x, y, 1024, &s); else run_f2(b, xf, yf, 1024, &s);
    }
    return s;
}

/* pow with integer exponents and |y log x| spread over the whole range */
static stats pow_battery(int dbl, long n)
{
    const struct binary *b = find_binary("pow");
    stats s = {0};
    for (long done = 0; done < n; done += 1024) {
        double x[1024], y[1024];
        float xf[1024], yf[1024];
        for (int i = 0; i < 1024; i++) {
            x[i] = sample(1e-3, 1e3);
            y[i] = uniform(-12, 12);
            if (i % 8 == 0) y[i] = floor(y[i]);           /* integer powers too */
            if (i % 8 == 1) {                             /* any |y log x| up to 700 */
                x[i] = sample(1e-300, 1e300);
                y[i] = uniform(-700, 700) / log(x[i]);
            }
            if (i % 8 == 2) x[i] = -floor(uniform(1, 100)), y[i] = floor(uniform(-20, 20));
            if (i % 8 == 3) {                             /* results down among the denormals */
                x[i] = sample(1e-300, 1e300);
                y[i] = uniform(-745, -700) / log(x[i]);
            }
            xf[i] = (float)x[i];
            yf[i] = (float)y[i];
        }
        if (dbl) run_d2(b, x, y, 1024, &s); else run_f2(b, xf, yf, 1024, &s);
    }
    return s;
}

/* random float bit patterns for both operands: every range and special value */
static stats random_float_bits(const struct binary *b, long n)
{
    stats s = {0};
    for (long done = 0; done < n; done += 1024) {
        float x[1024], y[1024];
        for (int i = 0; i < 1024; i++) {
            const uint64_t r = next_random();
            const uint32_t bx = (uint32_t)(r >> 32), by = (uint32_t)r;
            memcpy(&x[i], &bx, 4);
            memcpy(&y[i], &by, 4);
        }
        run_f2(b, x, y, 1024, &s);
    }
    return s;
}

/* ---- the battery -------------------------------------------------------------------------- */

static int report(const char *what, stats s, double limit)
{
    const int ok = s.worst <= limit && s.twin_mismatch == 0;
    printf("%-4s %-36s worst %-8.6g ULP at x=%-15.9g y=%-11.6g twin mismatches %ld of %ld\n",
           ok ? "ok" : "FAIL", what, s.worst, s.worst_x, s.worst_y, s.twin_mismatch, s.count);
    return ok;
}

static const double SPECIAL_D[] = {
    0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, -2.5, 0.25, 4.9e-324, -4.9e-324,
    1e-310, -1e-310, 1e-45, 1.2e-38, 2.2250738585072014e-308, 1e-300, -1e-300, 1e-20, 1e-8, 3.0, 10.0, 22.0, 40.0,
    88.7, 89.0, -87.5, -104.0, 700.0, 709.78, 710.0, 710.4758600739439, 711.0, -708.4, -745.1, -746.0, 1e6, 1.6e6,
    3.3e6, 3.4e38, 1e300, 1.7976931348623157e308, -1.7976931348623157e308, 0x1p52, 0x1p53 + 2, 4503599627370495.5,
    1.0000000000000002, 0.9999999999999999, -0.9999999999999999, 1.5707963267948966, 3.141592653589793,
};
enum { N_SPECIAL = sizeof SPECIAL_D / sizeof SPECIAL_D[0] };

/* Special values through every function (and every pair through every binary one): NaN, inf
 * and zeros exactly as libm (an infinite error otherwise), the rest within the function's bound. */
static int specials(double limit_f, double limit_d)
{
    float xf[N_SPECIAL * N_SPECIAL], yf[N_SPECIAL * N_SPECIAL];
    double xd[N_SPECIAL * N_SPECIAL], yd[N_SPECIAL * N_SPECIAL];
    for (int i = 0; i < N_SPECIAL; i++)
        for (int j = 0; j < N_SPECIAL; j++) {
            xd[i * N_SPECIAL + j] = SPECIAL_D[i];
            yd[i * N_SPECIAL + j] = SPECIAL_D[j];
            xf[i * N_SPECIAL + j] = (float)SPECIAL_D[i];
            yf[i * N_SPECIAL + j] = (float)SPECIAL_D[j];
        }
    int ok = 1;
    char what[64];
    for (int i = 0; i < N_UNARY; i++) {
        stats sf = {0}, sd = {0};
        run_f1(&UNARY[i], xf, N_SPECIAL * N_SPECIAL, &sf);
        run_d1(&UNARY[i], xd, N_SPECIAL * N_SPECIAL, &sd);
        snprintf(what, sizeof what, "%s special values float", UNARY[i].name);
        ok &= sf.worst <= limit_f && sf.twin_mismatch == 0 ? 1 : report(what, sf, limit_f);
        snprintf(what, sizeof what, "%s special values double", UNARY[i].name);
        ok &= sd.worst <= limit_d && sd.twin_mismatch == 0 ? 1 : report(what, sd, limit_d);
    }
    for (int i = 0; i < N_BINARY; i++) {
        stats sf = {0}, sd = {0};
        run_f2(&BINARY[i], xf, yf, N_SPECIAL * N_SPECIAL, &sf);
        run_d2(&BINARY[i], xd, yd, N_SPECIAL * N_SPECIAL, &sd);
        snprintf(what, sizeof what, "%s special values float", BINARY[i].name);
        ok &= sf.worst <= limit_f && sf.twin_mismatch == 0 ? 1 : report(what, sf, limit_f);
        snprintf(what, sizeof what, "%s special values double", BINARY[i].name);
        ok &= sd.worst <= limit_d && sd.twin_mismatch == 0 ? 1 : report(what, sd, limit_d);
    }
    if (ok) printf("ok   special values\n");
    return ok;
}

/* ---- hashes ------------------------------------------------------------------------------- */

/* FNV-1a over the result bits (NaNs as one pattern) */
static uint64_t hash_bits(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
    return h;
}

static void hashes(uint64_t stride)
{
    enum { N = 4096 };
    static float x[N], y[N], x2[N];
    static double xd[N], yd[N], xd2[N];
    for (int f = 0; f < N_UNARY + N_BINARY; f++) {
        const struct unary *u = f < N_UNARY ? &UNARY[f] : NULL;
        const struct binary *b = f < N_UNARY ? NULL : &BINARY[f - N_UNARY];
        uint64_t hf = 0xcbf29ce484222325ull, hd = hf;
        for (uint64_t base = 0; base < (1ull << 32); base += stride * N) {
            for (int j = 0; j < N; j++) {
                const uint32_t bits = (uint32_t)(base + stride * (uint64_t)j), bits2 = bits * 2654435761u;
                memcpy(&x[j], &bits, 4);
                memcpy(&x2[j], &bits2, 4);
                const uint64_t bd = ((uint64_t)bits << 32) | bits2, bd2 = bd * 0x9e3779b97f4a7c15ull;
                memcpy(&xd[j], &bd, 8);
                memcpy(&xd2[j], &bd2, 8);
            }
            for (int j = 0; j < N; j += VF_W)
                rj_vf_store(y + j, u ? u->vf(rj_vf_load(x + j)) : b->vf(rj_vf_load(x + j), rj_vf_load(x2 + j)));
            for (int j = 0; j < N; j += VD_W)
                rj_vd_store(yd + j, u ? u->vd(rj_vd_load(xd + j)) : b->vd(rj_vd_load(xd + j), rj_vd_load(xd2 + j)));
            for (int j = 0; j < N; j++) {
                if (isnan(y[j])) y[j] = NAN;
                if (isnan(yd[j])) yd[j] = NAN;
            }
            hf = hash_bits(hf, y, sizeof y);
            hd = hash_bits(hd, yd, sizeof yd);
        }
        printf("%-9s float %016llx double %016llx\n", u ? u->name : b->name, (unsigned long long)hf,
               (unsigned long long)hd);
    }
}

/* ---- the worst error of each function, for its bounds ------------------------------------- */

static stats worse(stats a, stats b) { return b.worst > a.worst || isnan(b.worst) ? b : a; }

/* Each function's worst error in float (unary: every stride-th float bit pattern; binary: random
 * bit patterns and its ranges) and in double (its ranges, n samples each), one line a function:
 *   worst NAME float ULP double ULP
 * (tests/support/vmath_battery.py turns two tiers' lines into the level's bound rows) */
static int measure_worst(uint64_t stride, long n)
{
    int ok = 1;
    for (int i = 0; i < N_UNARY; i++) {
        stats sd = {0};
        for (unsigned r = 0; r < sizeof RANGES / sizeof RANGES[0]; r++)
            if (!strcmp(RANGES[r].name, UNARY[i].name))
                sd = worse(sd, random_double(&UNARY[i], RANGES[r].lo, RANGES[r].hi, n, RANGES[r].both));
        const stats sf = sweep_float(&UNARY[i], stride);
        ok &= !sf.twin_mismatch && !sd.twin_mismatch;
        printf("worst %s float %.6g double %.6g\n", UNARY[i].name, sf.worst, sd.worst);
    }
    for (int i = 0; i < N_BINARY; i++) {
        const struct binary *b = &BINARY[i];
        stats sf = random_float_bits(b, 4 * n), sd = {0};
        for (unsigned r = 0; r < sizeof RANGES2 / sizeof RANGES2[0]; r++) {
            const struct range2 *q = &RANGES2[r];
            if (strcmp(q->name, b->name)) continue;
            sf = worse(sf, random_pairs(b, 0, q->xlo, q->xhi, q->ylo, q->yhi, q->signs, n));
            sd = worse(sd, random_pairs(b, 1, q->xlo, q->xhi, q->ylo, q->yhi, q->signs, n));
        }
        if (!strcmp(b->name, "pow")) sf = worse(sf, pow_battery(0, n)), sd = worse(sd, pow_battery(1, n));
        ok &= !sf.twin_mismatch && !sd.twin_mismatch;
        printf("worst %s float %.6g double %.6g\n", b->name, sf.worst, sd.worst);
    }
    if (!ok) printf("FAIL: twin mismatches\n");
    return !ok;
}

/* ---- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc >= 3 && argv[1][0] == 'f') {
        const struct unary *u = find_unary(argv[2]);
        if (!u) { fprintf(stderr, "unknown function %s\n", argv[2]); return 2; }
        return !report(argv[2], sweep_float(u, argc > 3 ? (uint64_t)atoll(argv[3]) : 1), 1e300);
    }
    if (argc == 6 && argv[1][0] == 'd') {
        const struct unary *u = find_unary(argv[2]);
        if (!u) { fprintf(stderr, "unknown function %s\n", argv[2]); return 2; }
        return !report(argv[2], random_double(u, atof(argv[3]), atof(argv[4]), atol(argv[5]), 0), 1e300);
    }
    if (argc == 4 && argv[1][0] == 'w') {
        printf("tier %s level %s\n", RJ_ISA_NAME, LEVEL_NAME);
        return measure_worst((uint64_t)atoll(argv[2]), atol(argv[3]));
    }
    if (argc >= 2 && (argv[1][0] == 'h' || argv[1][0] == 'z')) {
#if defined(__x86_64__) || defined(__i386__)
        if (argv[1][0] == 'z') __builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() | 0x40);   /* DAZ */
#endif
        hashes(argc == 3 ? (uint64_t)atol(argv[2]) : 1009);
        return 0;
    }
    const int measure = argc == 3 && argv[1][0] == 'm';
    if (!measure && (argc > 2 || (argc == 2 && strcmp(argv[1], "q")))) {
        fprintf(stderr, "usage: %s [q | m N | w STRIDE N | h|z [STRIDE] | f NAME [STRIDE] | d NAME LO HI N]\n", argv[0]);
        return 2;
    }
    /* "q" (for slow emulators) takes a 7 times coarser stride and 7 times fewer samples; "m N" runs
     * only the double and pair samples, N of each (to measure the bounds) */
    const uint64_t k = argc == 2 ? 7 : 1;
    const long n = measure ? atol(argv[2]) : 20000 / (long)k;
    char what[96];
    printf("tier %s level %s\n", RJ_ISA_NAME, LEVEL_NAME);
    int ok = 1;
    for (int i = 0; i < N_UNARY && !measure; i++) {
        snprintf(what, sizeof what, "float %s, every %llu-th float", UNARY[i].name, (unsigned long long)(4099 * k));
        ok &= report(what, sweep_float(&UNARY[i], 4099 * k), bound_of(UNARY[i].name, 0));
    }
    for (unsigned i = 0; i < sizeof RANGES / sizeof RANGES[0]; i++) {
        const struct range *r = &RANGES[i];
        snprintf(what, sizeof what, "double %s [%.3g, %.3g]%s", r->name, r->lo, r->hi, r->both ? " +-" : "");
        ok &= report(what, random_double(find_unary(r->name), r->lo, r->hi, n, r->both), bound_of(r->name, 1));
    }
    for (int i = 0; i < N_BINARY; i++) {
        snprintf(what, sizeof what, "float %s, random bit patterns", BINARY[i].name);
        ok &= report(what, random_float_bits(&BINARY[i], 4 * n), bound_of(BINARY[i].name, 0));
    }
    for (unsigned i = 0; i < sizeof RANGES2 / sizeof RANGES2[0]; i++) {
        const struct range2 *r = &RANGES2[i];
        for (int dbl = 0; dbl < 2; dbl++) {
            snprintf(what, sizeof what, "%s %s [%.3g, %.3g] x [%.3g, %.3g]", dbl ? "double" : "float", r->name,
                     r->xlo, r->xhi, r->ylo, r->yhi);
            ok &= report(what, random_pairs(find_binary(r->name), dbl, r->xlo, r->xhi, r->ylo, r->yhi, r->signs, n),
                         bound_of(r->name, dbl));
        }
    }
    ok &= report("float pow, x and y in ranges", pow_battery(0, n), bound_of("pow", 0));
    ok &= report("double pow, x and y in ranges", pow_battery(1, n), bound_of("pow", 1));
    if (!measure) ok &= specials(bound_of("special", 0), bound_of("special", 1));
    printf("%s\n", ok ? "PASS" : "FAIL");
    return !ok;
}
