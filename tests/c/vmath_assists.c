/* vmath_assists.c - no vector-math function makes a denormal or underflows on ordinary inputs.
 *
 * Intel cores take a microcode assist (~100 cycles) for every operation that has a denormal
 * operand or gives a denormal result, so a function that computes a branch it throws away (a
 * select of two routes) must not let that branch wander into denormals for ordinary arguments:
 * float64 exp once did, for every x in (0.1, 3), and ran four times dearer there than on
 * (-700, 700). The hardware keeps sticky flags, so this needs no timing: every function of
 * vmath_functions.h runs over ordinary arguments (x, y in [0.1, 3] and [-3, -0.1], where every
 * result is normal or a domain error's NaN), float and double, all lanes, and then neither
 * MXCSR's denormal-operand flag (DE) nor the underflow flag may be set.
 *
 *   gcc -O2 -std=gnu11 -fno-math-errno -ffp-contract=off -Icsrc TIER_FLAGS -DRJ_VM_LEVEL=L \
 *       tests/c/vmath_assists.c -o vmath_assists -lm
 *   vmath_assists       prints one line per function that raised a flag; exit 1 if any did
 */
#include <fenv.h>
#include <stdio.h>
#include "simd.h"
#include "vmath.h"

#define DENORMAL_OPERAND 0x2u   /* MXCSR.DE */
#define UNDERFLOW 0x10u         /* MXCSR.UE */
#define SAMPLES 4096

static unsigned flags_now(void) { return __builtin_ia32_stmxcsr() & (DENORMAL_OPERAND | UNDERFLOW); }
static void flags_clear(void) { __builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() & ~(DENORMAL_OPERAND | UNDERFLOW)); }

static float xf[SAMPLES], yf[SAMPLES];
static double xd[SAMPLES], yd[SAMPLES];
static float out_f[SAMPLES];
static double out_d[SAMPLES];
static int failures;

static void report(const char *name, const char *type)
{
    const unsigned f = flags_now();
    if (f) {
        printf("%s %s:%s%s\n", type, name, f & DENORMAL_OPERAND ? " denormal operand" : "",
               f & UNDERFLOW ? " underflow" : "");
        failures++;
    }
    flags_clear();
}

#define RUN1(NAME)                                                                               \
    for (int i = 0; i + RJ_VF_WIDTH <= SAMPLES; i += RJ_VF_WIDTH)                                \
        rj_vf_store(out_f + i, rj_vf_##NAME(rj_vf_load(xf + i)));                                            \
    report(#NAME, "float");                                                                     \
    for (int i = 0; i + RJ_VD_WIDTH <= SAMPLES; i += RJ_VD_WIDTH)                                \
        rj_vd_store(out_d + i, rj_vd_##NAME(rj_vd_load(xd + i)));                                            \
    report(#NAME, "double");
#define RUN2(NAME)                                                                               \
    for (int i = 0; i + RJ_VF_WIDTH <= SAMPLES; i += RJ_VF_WIDTH)                                \
        rj_vf_store(out_f + i, rj_vf_##NAME(rj_vf_load(xf + i), rj_vf_load(yf + i)));                        \
    report(#NAME, "float");                                                                     \
    for (int i = 0; i + RJ_VD_WIDTH <= SAMPLES; i += RJ_VD_WIDTH)                                \
        rj_vd_store(out_d + i, rj_vd_##NAME(rj_vd_load(xd + i), rj_vd_load(yd + i)));                        \
    report(#NAME, "double");
#define RJ_VM_UNARY(NAME, ...) RUN1(NAME)
#define RJ_VM_BINARY(NAME, ...) RUN2(NAME)
#define RJ_VM_TYPED_UNARY(NAME, ...) RUN1(NAME)
#define RJ_VM_TYPED_BINARY(NAME, ...) RUN2(NAME)

int main(void)
{
    for (int i = 0; i < SAMPLES; i++) {   /* both signs, magnitudes spread over [0.1, 3] */
        const double m = 0.1 + 2.9 * (double)((i * 2654435761u) % SAMPLES) / SAMPLES;
        xd[i] = i % 2 ? -m : m;
        yd[i] = (i / 2) % 2 ? -(3.1 - m) : 3.1 - m;
        xf[i] = (float)xd[i];
        yf[i] = (float)yd[i];
    }
    flags_clear();
#include "vmath_functions.h"
    double check = 0;   /* the results are used: a compiler may not drop the calls */
    for (int i = 0; i < SAMPLES; i++) check += (double)out_f[i] + out_d[i];
    printf(failures ? "FAIL %g\n" : "PASS %g\n", check);
    return failures != 0;
}
