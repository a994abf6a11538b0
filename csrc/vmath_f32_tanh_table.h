/* vmath_f32_tanh_table.h (vmath_f32_exp.h's) - float tanh's intervals: b and the coefficients
 * c0..c7 of tanh(b + y) ~ c0 + y (c1 + y (c2 + ... + y c7)) on each interval of |x|, fitted by
 * minimax (linear programming on 2000 points of each interval, each coefficient rounded to float
 * before the next is refitted: relative error below 2^-27.4 everywhere, 2^-29 but on [4, 6)).
 * Interval i >= 1 is the half octave of |x| from bits 0x3d400000 + i 2^22: [0.0625, 0.09375),
 * [0.09375, 0.125), ..., [6, 8), [8, 12) (tanh rounds to 1 from 9.01 on); interval 0 is
 * [0, 0.0625) with b = 0, c1 = 0 and c0 taken as y itself. b is a float near the interval's middle
 * (|x| - b is exact, Sterbenz) whose tanh is within 2^-9 ULP of the float c0. Interval i sits at
 * position (i + 5) mod 16: the low four bits of |x|'s bits shifted right by 22.
 */
#ifndef RJ_VMATH_F32_TANH_TABLE_H
#define RJ_VMATH_F32_TANH_TABLE_H
static const float rj_vm_tanhf_table[9][16] __attribute__((aligned(64))) = {
    {   /* b */
        0x1.3fff66p+1f, 0x1.bfff5cp+1f, 0x1.40019ap+2f, 0x1.bfe3bp+2f,
        0x1.154ap+3f, 0.0f, 0x1.3fff84p-4f, 0x1.bffecp-4f,
        0x1.3fffap-3f, 0x1.bffed4p-3f, 0x1.3fff52p-2f, 0x1.c000cep-2f,
        0x1.3ffe2ep-1f, 0x1.c0003ep-1f, 0x1.400036p+0f, 0x1.bfff9p+0f,
    },
    {   /* c0 */
        0x1.f92572p-1f, 0x1.ff112ap-1f, 0x1.fff41ap-1f, 0x1.ffffc8p-1f,
        0x1.fffffep-1f, 0.0f, 0x1.3f5942p-4f, 0x1.be379cp-4f,
        0x1.3d6b6ap-3f, 0x1.b8fbe6p-3f, 0x1.35f8ecp-2f, 0x1.a5734ap-2f,
        0x1.1bf33cp-1f, 0x1.68667p-1f, 0x1.b2525ap-1f, 0x1.e1fbep-1f,
    },
    {   /* c1 */
        0x1.b3b3f4p-6f, 0x1.dd3c94p-9f, 0x1.7cb844p-13f, 0x1.bff64p-19f,
        0x1.fe666p-24f, 0.0f, 0x1.fce34p-1f, 0x1.f9ec74p-1f,
        0x1.f3b366p-1f, 0x1.e842eap-1f, 0x1.d115a4p-1f, 0x1.a94574p-1f,
        0x1.62862ap-1f, 0x1.024fdep-1f, 0x1.1f24acp-2f, 0x1.d22e22p-4f,
    },
    {   /* c2 */
        -0x1.adde52p-6f, -0x1.dc5eccp-9f, -0x1.7cf0cp-13f, -0x1.c016ep-19f,
        -0x1.ff688cp-24f, -0x1.cd7756p-39f, -0x1.3d699cp-4f, -0x1.b8eca8p-4f,
        -0x1.35cba4p-3f, -0x1.a489dap-3f, -0x1.1991a8p-2f, -0x1.5e0f66p-2f,
        -0x1.893b24p-2f, -0x1.6ba7aap-2f, -0x1.e7288ep-3f, -0x1.b6d9a4p-4f,
    },
    {   /* c3 */
        0x1.16e054p-6f, 0x1.3c6c02p-9f, 0x1.fbda6ap-14f, 0x1.2acb22p-19f,
        0x1.5b4f4ap-24f, -0x1.555556p-2f, -0x1.4c4e2p-2f, -0x1.44f036p-2f,
        -0x1.350744p-2f, -0x1.1877e4p-2f, -0x1.c194e2p-3f, -0x1.16f61p-3f,
        -0x1.247c26p-6f, 0x1.4f15ccp-4f, 0x1.bba47ap-4f, 0x1.01ba8ep-4f,
    },
    {   /* c4 */
        -0x1.07d0cap-7f, -0x1.39f2a8p-10f, -0x1.f58becp-15f, -0x1.27ef48p-20f,
        -0x1.56515cp-25f, 0x1.38faeap-20f, 0x1.18678ap-4f, 0x1.4644ap-4f,
        0x1.9429bcp-4f, 0x1.062284p-3f, 0x1.43bf8ep-3f, 0x1.5c52ap-3f,
        0x1.1a62ecp-3f, 0x1.f1f5d6p-5f, -0x1.9c62p-7f, -0x1.8166c2p-6f,
    },
    {   /* c5 */
        0x1.77159p-9f, 0x1.ef04b4p-12f, 0x1.910576p-16f, 0x1.d93378p-22f,
        0x1.c61b1p-27f, 0x1.10f8f8p-3f, -0x1.588886p+2f, -0x1.25d7dep+1f,
        -0x1.0d0e4ap-4f, 0x1.1c5768p-1f, 0x1.e3e486p-6f, 0x1.df0eaap-7f,
        -0x1.b72cbap-5f, -0x1.e24992p-5f, -0x1.3ad068p-6f, 0x1.e4ecacp-9f,
    },
    {   /* c6 */
        -0x1.6e8baep-11f, -0x1.49537cp-13f, -0x1.34fb08p-17f, -0x1.697d3ap-23f,
        -0x1.5a205p-29f, 0x1.86349cp-11f, -0x1.b737f4p+5f, -0x1.c40a7cp+4f,
        -0x1.2c996cp+0f, -0x1.ccb51ep-2f, -0x1.15ee1ep-4f, -0x1.381a74p-4f,
        -0x1.7bffb2p-6f, 0x1.b53c4p-7f, 0x1.ee76fp-7f, 0x1.10a26p-9f,
    },
    {   /* c7 */
        0x1.f0024ap-15f, 0x1.5f0ca2p-15f, 0x1.5f1b66p-19f, 0x1.9cb02ep-25f,
        0x1.bdf43ap-33f, -0x1.dc5d46p-5f, 0x1.6e4afcp+13f, 0x1.420d06p+12f,
        0x1.6aea6ap+6f, -0x1.11568p+8f, 0x1.256744p+1f, -0x1.80ad8cp+1f,
        -0x1.7ed416p-6f, 0x1.87dec4p-7f, -0x1.1d9bfcp-8f, -0x1.044f12p-9f,
    },
};
#endif
