/* vmath_check.c - accuracy and twin-identity check of csrc/vmath.h on one tier.
 *
 * Build with the tier's flags, e.g.
 *   gcc -O2 -std=gnu11 -fno-math-errno -ffp-contract=off -Icsrc -mavx2 -mfma -DRJ_ISA_AVX2 \
 *       tests/c/vmath_check.c -o vmath_check -lm
 *
 *   vmath_check [q]                  the battery (tests/test_vmath_c.py): exit 0 if it passes
 *   vmath_check f NAME LO HI STRIDE  every STRIDE-th float in [LO, HI] (and [-HI, -LO]): max ULP
 *   vmath_check d NAME LO HI N       N random doubles in [LO, HI]: max relative error
 *   vmath_check h [STRIDE]           a hash of the results for every STRIDE-th float bit pattern
 *                                    (1009) per function: tiers that round alike (FMA or not)
 *                                    must print the same hashes
 *
 * Float results are compared with libm's double result (ULP of the float nearest to it), double
 * results with libm's long double one. Every value is computed both ways, by the vector
 * function (all lanes) and by its scalar twin, and the two must agree bit for bit.
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
    double worst;      /* float: ULP; double: relative error (with a 1e-300 floor on |ref|) */
    double worst_x, worst_y;
    long twin_mismatch, count;
} stats;

static double ulp_err(float got, double ref)
{
    float r32 = (float)ref;
    if (isnan(got) && isnan(ref)) return 0;
    if (got == r32) return 0;                      /* includes matching infinities */
    if (isnan(got) || isnan(ref) || isinf(got)) return INFINITY;
    int e;
    frexp(fabs((double)r32), &e);
    double spacing = ldexp(1.0, e - 24);
    if (spacing < 0x1p-149) spacing = 0x1p-149;
    return fabs((double)got - ref) / spacing;
}

static double rel_err(double got, long double ref)
{
    if (isnan(got) && isnan((double)ref)) return 0;
    if ((long double)got == ref) return 0;
    if (isnan(got) || isnan((double)ref) || isinf(got)) return INFINITY;
    long double d = fabsl((long double)got - ref), a = fabsl(ref);
    return (double)(d / (a > 1e-300L ? a : 1e-300L));
}

static int same_bits_f(float a, float b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, 4) == 0; }
static int same_bits_d(double a, double b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, 8) == 0; }

static void note(stats *s, double err, double x, double y)
{
    s->count++;
    if (err > s->worst || (isnan(err) && !isnan(s->worst))) { s->worst = err; s->worst_x = x; s->worst_y = y; }
}

/* One lane-full of values (X: f or d, of type T, W per vector) through the vector function,
 * each also through its twin, compared bit for bit, and the error against REF in type RT. */
#define UNARY(X, T, W, ERR, RT, NAME, REF)                                                        \
    static void X##_##NAME(const T *x, int n, stats *s)                                           \
    {                                                                                             \
        for (int i = 0; i < n; i += W) {                                                          \
            T in[W], out[W];                                                                      \
            for (int l = 0; l < W; l++) in[l] = x[i + l < n ? i + l : n - 1];                     \
            rj_v##X##_store(out, rj_v##X##_##NAME(rj_v##X##_load(in)));                           \
            for (int l = 0; l < W && i + l < n; l++) {                                            \
                if (!same_bits_##X(out[l], rj_##X##_##NAME(in[l]))) s->twin_mismatch++;          \
                note(s, ERR(out[l], REF((RT)in[l])), in[l], 0);                                   \
            }                                                                                     \
        }                                                                                         \
    }
#define FLOAT_UNARY(NAME, REF) UNARY(f, float, VF_W, ulp_err, double, NAME, REF)
#define DOUBLE_UNARY(NAME, REF) UNARY(d, double, VD_W, rel_err, long double, NAME, REF)
FLOAT_UNARY(sin, sin) FLOAT_UNARY(cos, cos) FLOAT_UNARY(tan, tan)
FLOAT_UNARY(exp, exp) FLOAT_UNARY(log, log) FLOAT_UNARY(tanh, tanh)
DOUBLE_UNARY(sin, sinl) DOUBLE_UNARY(cos, cosl) DOUBLE_UNARY(tan, tanl)
DOUBLE_UNARY(exp, expl) DOUBLE_UNARY(log, logl) DOUBLE_UNARY(tanh, tanhl)

static void f_pow(const float *x, const float *y, int n, stats *s)
{
    for (int i = 0; i < n; i += VF_W) {
        float a[VF_W], b[VF_W], out[VF_W];
        for (int l = 0; l < VF_W; l++) { a[l] = x[i + l < n ? i + l : n - 1]; b[l] = y[i + l < n ? i + l : n - 1]; }
        rj_vf_store(out, rj_vf_pow(rj_vf_load(a), rj_vf_load(b)));
        for (int l = 0; l < VF_W && i + l < n; l++) {
            if (!same_bits_f(out[l], rj_f_pow(a[l], b[l]))) s->twin_mismatch++;
            note(s, ulp_err(out[l], pow((double)a[l], (double)b[l])), a[l], b[l]);
        }
    }
}

static void d_pow(const double *x, const double *y, int n, stats *s)
{
    for (int i = 0; i < n; i += VD_W) {
        double a[VD_W], b[VD_W], out[VD_W];
        for (int l = 0; l < VD_W; l++) { a[l] = x[i + l < n ? i + l : n - 1]; b[l] = y[i + l < n ? i + l : n - 1]; }
        rj_vd_store(out, rj_vd_pow(rj_vd_load(a), rj_vd_load(b)));
        for (int l = 0; l < VD_W && i + l < n; l++) {
            if (!same_bits_d(out[l], rj_d_pow(a[l], b[l]))) s->twin_mismatch++;
            note(s, rel_err(out[l], powl((long double)a[l], (long double)b[l])), a[l], b[l]);
        }
    }
}

typedef void (*f_unary)(const float *, int, stats *);
typedef void (*d_unary)(const double *, int, stats *);
static const struct { const char *name; f_unary f; d_unary d; } FUNCS[] = {
    {"sin", f_sin, d_sin}, {"cos", f_cos, d_cos}, {"tan", f_tan, d_tan},
    {"exp", f_exp, d_exp}, {"log", f_log, d_log}, {"tanh", f_tanh, d_tanh},
};
static int find(const char *name)
{
    for (int i = 0; i < (int)(sizeof FUNCS / sizeof FUNCS[0]); i++)
        if (!strcmp(FUNCS[i].name, name)) return i;
    fprintf(stderr, "unknown function %s\n", name);
    exit(2);
}

/* Every stride-th float in [lo, hi] with 0 <= lo, and its negative, in chunks. */
static stats sweep_float(f_unary fn, float lo, float hi, uint32_t stride)
{
    enum { CHUNK = 4096 };
    static float buf[CHUNK];
    stats s = {0};
    uint32_t a, b;
    memcpy(&a, &lo, 4);
    memcpy(&b, &hi, 4);
    for (int sign = 0; sign < 2; sign++) {
        int n = 0;
        for (uint64_t u = a; u <= b; u += stride) {
            uint32_t bits = (uint32_t)u | (sign ? 0x80000000u : 0);
            memcpy(&buf[n++], &bits, 4);
            if (n == CHUNK) { fn(buf, n, &s); n = 0; }
        }
        if (n) fn(buf, n, &s);
    }
    return s;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double uniform(double lo, double hi)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (double)(rng_state >> 11) * 0x1p-53;
}

static stats random_double(d_unary fn, double lo, double hi, long n)
{
    stats s = {0};
    double buf[1024];
    for (long done = 0; done < n; done += 1024) {
        for (int i = 0; i < 1024; i++)
            buf[i] = lo > 0 ? exp(uniform(log(lo), log(hi))) : uniform(lo, hi);
        fn(buf, 1024, &s);
    }
    return s;
}

static stats pow_battery(int dbl, long n)
{
    stats s = {0};
    for (long done = 0; done < n; done += 1024) {
        double x[1024], y[1024];
        float xf[1024], yf[1024];
        for (int i = 0; i < 1024; i++) {
            x[i] = exp(uniform(log(1e-3), log(1e3)));
            y[i] = uniform(-12, 12);
            if (i % 8 == 0) y[i] = floor(y[i]);       /* integer powers too */
            xf[i] = (float)x[i];
            yf[i] = (float)y[i];
        }
        if (dbl) d_pow(x, y, 1024, &s); else f_pow(xf, yf, 1024, &s);
    }
    return s;
}

static int report(const char *what, stats s, double limit)
{
    int ok = s.worst <= limit && s.twin_mismatch == 0;
    printf("%-4s %-28s worst %-10.3g at x=%-14.9g y=%-10.6g twin mismatches %ld of %ld\n",
           ok ? "ok" : "FAIL", what, s.worst, s.worst_x, s.worst_y, s.twin_mismatch, s.count);
    return ok;
}

/* Special values: expected results, and the twin must match the vector lanes. */
static int specials(void)
{
    const float inf = INFINITY, nan = NAN;
    static const float xs[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, -1e-45f, 1.0f, -1.0f,
                               88.7f, 89.0f, -104.0f, -87.5f, 1e38f, -1e38f, 3.4028235e38f, 1.1754942e-38f};
    int ok = 1;
    stats s = {0};
    for (int i = 0; i < (int)(sizeof FUNCS / sizeof FUNCS[0]); i++) FUNCS[i].f(xs, (int)(sizeof xs / sizeof xs[0]), &s);
    /* huge arguments: no accuracy promised, but no NaN and sin, cos within [-1, 1] */
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        float x = xs[i];
        if (isfinite(x) && (isnan(rj_f_sin(x)) || fabsf(rj_f_sin(x)) > 1 || fabsf(rj_f_cos(x)) > 1 || isnan(rj_f_tan(x)))) {
            printf("FAIL sin/cos/tan(%g) = %g %g %g\n", x, rj_f_sin(x), rj_f_cos(x), rj_f_tan(x));
            ok = 0;
        }
    }
    struct { float got, want; const char *what; } cases[] = {
        {rj_f_exp(-inf), 0, "exp(-inf)"}, {rj_f_exp(inf), inf, "exp(inf)"}, {rj_f_exp(89.0f), inf, "exp(89)"},
        {rj_f_exp(-104.0f), 0, "exp(-104)"}, {rj_f_exp(-100.0f), 3.7200760e-44f, "exp(-100) denormal"},
        {rj_f_log(0.0f), -inf, "log(0)"}, {rj_f_log(-0.0f), -inf, "log(-0)"}, {rj_f_log(inf), inf, "log(inf)"},
        {rj_f_log(1.0f), 0, "log(1)"}, {rj_f_tanh(inf), 1, "tanh(inf)"}, {rj_f_tanh(-inf), -1, "tanh(-inf)"},
        {rj_f_tanh(1e-30f), 1e-30f, "tanh(1e-30)"}, {rj_f_sin(-0.0f), -0.0f, "sin(-0)"},
        {rj_f_pow(nan, 0), 1, "pow(nan, 0)"}, {rj_f_pow(1, nan), 1, "pow(1, nan)"}, {rj_f_pow(0, -1), inf, "pow(0, -1)"},
        {rj_f_pow(-0.0f, -1), -inf, "pow(-0, -1)"}, {rj_f_pow(-0.0f, -2), inf, "pow(-0, -2)"},
        {rj_f_pow(-2, 2), 4, "pow(-2, 2)"}, {rj_f_pow(-2, 3), -8, "pow(-2, 3)"}, {rj_f_pow(4, 0.5f), 2, "pow(4, .5)"},
        {rj_f_pow(-1, inf), 1, "pow(-1, inf)"}, {rj_f_pow(-inf, 3), -inf, "pow(-inf, 3)"}, {rj_f_pow(-inf, 0.5f), inf, "pow(-inf, .5)"},
        {rj_f_pow(-inf, -3), -0.0f, "pow(-inf, -3)"}, {rj_f_pow(0.5f, inf), 0, "pow(.5, inf)"}, {rj_f_pow(0.5f, -inf), inf, "pow(.5, -inf)"},
        {rj_f_pow(10, 40), inf, "pow(10, 40)"}, {rj_f_pow(10, -50), 0, "pow(10, -50)"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!same_bits_f(cases[i].got, cases[i].want)) {
            printf("FAIL %s = %g, want %g\n", cases[i].what, cases[i].got, cases[i].want);
            ok = 0;
        }
    if (!isnan(rj_f_pow(-2, 0.5f)) || !isnan(rj_f_log(-1)) || !isnan(rj_f_sin(inf)) || !isnan(rj_f_exp(nan))
        || !isnan(rj_f_pow(nan, 1)) || !isnan(rj_d_log(-1e-300)) || !isnan(rj_d_cos(-INFINITY))) {
        printf("FAIL a NaN case\n");
        ok = 0;
    }
    /* the special values through the vector pow too, against the twin */
    stats ps = {0};
    static const float px[] = {0, -0.0f, 1, -1, 2, -2, INFINITY, -INFINITY, NAN, 0.5f, -0.5f, 1e-45f};
    enum { NP = sizeof px / sizeof px[0] };
    float a[NP * NP], b[NP * NP];
    for (int i = 0; i < NP; i++) for (int j = 0; j < NP; j++) { a[i * NP + j] = px[i]; b[i * NP + j] = px[j] * 1.5f; }
    f_pow(a, b, NP * NP, &ps);
    for (int i = 0; i < NP; i++) for (int j = 0; j < NP; j++) { a[i * NP + j] = px[i]; b[i * NP + j] = px[j]; }
    f_pow(a, b, NP * NP, &ps);
    if (ps.twin_mismatch || s.twin_mismatch || ps.worst > 1 || !ok) {
        printf("FAIL specials: twin mismatches %ld, pow worst %g ULP at %g^%g\n", s.twin_mismatch + ps.twin_mismatch,
               ps.worst, ps.worst_x, ps.worst_y);
        return 0;
    }
    printf("ok   special values\n");
    return 1;
}

/* FNV-1a over the result bits (NaNs as one pattern), of floats and of doubles made from them. */
static uint64_t hash_bits(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
    return h;
}
#define WRAP(NAME) static rj_vf wf_##NAME(rj_vf x) { return rj_vf_##NAME(x); } \
                   static rj_vd wd_##NAME(rj_vd x) { return rj_vd_##NAME(x); }
WRAP(sin) WRAP(cos) WRAP(tan) WRAP(exp) WRAP(log) WRAP(tanh)
static rj_vf wf_pow(rj_vf x) { return rj_vf_pow(x, x * 0.25f); }
static rj_vd wd_pow(rj_vd x) { return rj_vd_pow(x, x * 0.25); }
static void hashes(uint64_t stride)
{
    static const struct { const char *name; rj_vf (*f)(rj_vf); rj_vd (*d)(rj_vd); } W[] = {
        {"sin", wf_sin, wd_sin}, {"cos", wf_cos, wd_cos}, {"tan", wf_tan, wd_tan}, {"exp", wf_exp, wd_exp},
        {"log", wf_log, wd_log}, {"tanh", wf_tanh, wd_tanh}, {"pow", wf_pow, wd_pow},
    };
    enum { N = 4096 };
    static float x[N], y[N];
    static double xd[N], yd[N];
    for (int i = 0; i < (int)(sizeof W / sizeof W[0]); i++) {
        uint64_t hf = 0xcbf29ce484222325ull, hd = hf;
        for (uint64_t u = 0; u < (1ull << 32); u += stride * N) {
            for (int j = 0; j < N; j++) {
                uint32_t b = (uint32_t)(u + stride * (uint64_t)j);
                memcpy(&x[j], &b, 4);
                uint64_t bd = ((uint64_t)b << 32) | (b * 2654435761u);
                memcpy(&xd[j], &bd, 8);
            }
            for (int j = 0; j < N; j += VF_W) rj_vf_store(y + j, W[i].f(rj_vf_load(x + j)));
            for (int j = 0; j < N; j += VD_W) rj_vd_store(yd + j, W[i].d(rj_vd_load(xd + j)));
            for (int j = 0; j < N; j++) {
                if (isnan(y[j])) y[j] = NAN;
                if (isnan(yd[j])) yd[j] = NAN;
            }
            hf = hash_bits(hf, y, sizeof y);
            hd = hash_bits(hd, yd, sizeof yd);
        }
        printf("%-5s float %016llx double %016llx\n", W[i].name, (unsigned long long)hf, (unsigned long long)hd);
    }
}

int main(int argc, char **argv)
{
    if (argc == 6 && argv[1][0] == 'f') {
        stats s = sweep_float(FUNCS[find(argv[2])].f, strtof(argv[3], 0), strtof(argv[4], 0), (uint32_t)atol(argv[5]));
        return !report(argv[2], s, 1e300);
    }
    if (argc == 6 && argv[1][0] == 'd') {
        stats s = strcmp(argv[2], "pow") ? random_double(FUNCS[find(argv[2])].d, atof(argv[3]), atof(argv[4]), atol(argv[5]))
                                         : pow_battery(1, atol(argv[5]));
        return !report(argv[2], s, 1e300);
    }
    if (argc >= 2 && argv[1][0] == 'h') {
        hashes(argc == 3 ? (uint64_t)atol(argv[2]) : 1009);
        return 0;
    }
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "q"))) {
        fprintf(stderr, "usage: %s [q | h | f|d NAME LO HI STRIDE|N]\n", argv[0]);
        return 2;
    }
    /* The battery: float over the stated ranges (a stride through all floats there, so tiny,
     * denormal and huge arguments alike), double by random samples. The limits are the
     * accuracy vmath.h states, a little above the worst measured over every float. "q" (for
     * slow emulators) takes a 7 times coarser stride and 7 times fewer samples. */
    const uint32_t k = argc == 2 && argv[1][0] == 'q' ? 7 : 1;
    const long n = 100000 / k;
    printf("tier %s\n", RJ_ISA_NAME);
    int ok = 1;
    ok &= report("float sin |x|<=1e4", sweep_float(f_sin, 0, 1e4f, 997 * k), 3);
    ok &= report("float cos |x|<=1e4", sweep_float(f_cos, 0, 1e4f, 997 * k), 3);
    ok &= report("float tan |x|<=1e3", sweep_float(f_tan, 0, 1e3f, 997 * k), 4);
    ok &= report("float exp all", sweep_float(f_exp, 0, INFINITY, 499 * k), 1.5);
    ok &= report("float log x>0", sweep_float(f_log, 0, INFINITY, 499 * k), 1.5);
    ok &= report("float tanh all", sweep_float(f_tanh, 0, INFINITY, 499 * k), 3);
    ok &= report("float pow x,y in ranges", pow_battery(0, n), 1);
    ok &= report("double sin |x|<=1e4", random_double(d_sin, -1e4, 1e4, n), 1e-15);
    ok &= report("double sin [0,2pi)", random_double(d_sin, 0, 6.283185307179586, n), 1e-15);
    ok &= report("double cos |x|<=1e4", random_double(d_cos, -1e4, 1e4, n), 1e-15);
    ok &= report("double tan |x|<=1e3", random_double(d_tan, -1e3, 1e3, n), 1e-15);
    ok &= report("double exp |x|<=700", random_double(d_exp, -700, 700, n), 1e-15);
    ok &= report("double log [1e-300,1e300]", random_double(d_log, 1e-300, 1e300, n), 1e-15);
    ok &= report("double log [0.5,2]", random_double(d_log, 0.5, 2, n), 1e-15);
    ok &= report("double tanh |x|<=20", random_double(d_tanh, -20, 20, n), 1e-15);
    ok &= report("double pow x,y in ranges", pow_battery(1, n), 1e-13);
    ok &= specials();
    printf("%s\n", ok ? "PASS" : "FAIL");
    return !ok;
}
