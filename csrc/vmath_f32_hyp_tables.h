/* vmath_f32_hyp_tables.h (vmath_f32_exp.h's) - float tanh's, sinh's and cosh's intervals. tanh's:
 * b and the coefficients c0..c7 of tanh(b + y) ~ c0 + y (c1 + y (c2 + ... + y c7)) on each
 * interval of |x|, fitted by minimax (linear programming on 2000 points of each interval, each
 * coefficient rounded to float before the next is refitted: relative error below 2^-27.4
 * everywhere, 2^-29 but on [4, 6)).
 * Interval i >= 1 is the half octave of |x| from bits 0x3d400000 + i 2^22: [0.0625, 0.09375),
 * [0.09375, 0.125), ..., [6, 8), [8, 12) (tanh rounds to 1 from 9.01 on); interval 0 is
 * [0, 0.0625) with b = 0, c1 = 0 and c0 taken as y itself. b is a float near the interval's middle
 * (|x| - b is exact, Sterbenz) whose tanh is within 2^-9 ULP of the float c0. Interval i sits at
 * position (i + 5) mod 16: the low four bits of |x|'s bits shifted right by 22.
 */
#ifndef RJ_VMATH_F32_HYP_TABLES_H
#define RJ_VMATH_F32_HYP_TABLES_H
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

/* sinh's and cosh's below 8, as tanh's (relative error below 2^-28.9): interval i is [i/2, (i + 1)/2),
 * at position i (the top four mantissa bits of |x| + 8); b near its middle, whose sinh (cosh) is
 * within 2^-9 ULP of the float c0; interval 0 has b = 0 and c1 = 0, and c0 = y for sinh, 1 for cosh */
static const float rj_vm_sinhf_table[9][16] __attribute__((aligned(64))) = {
    {   /* b */
        0.0f, 0x1.7ffeep-1f, 0x1.3fffcep+0f, 0x1.bfff3p+0f,
        0x1.1fff14p+1f, 0x1.5ffea2p+1f, 0x1.a00024p+1f, 0x1.dffeccp+1f,
        0x1.0ffed6p+2f, 0x1.2ffff4p+2f, 0x1.4ffe1ap+2f, 0x1.700048p+2f,
        0x1.9000eap+2f, 0x1.afffa8p+2f, 0x1.d00342p+2f, 0x1.f00026p+2f,
    },
    {   /* c0 */
        0.0f, 0x1.a5053ep-1f, 0x1.9a17p+0f, 0x1.652b18p+1f,
        0x1.2c39e4p+2f, 0x1.f27f6p+2f, 0x1.9c06dep+3f, 0x1.53f7dp+4f,
        0x1.18583cp+5f, 0x1.ce4d1cp+5f, 0x1.7d13fp+6f, 0x1.3a316p+7f,
        0x1.030518p+8f, 0x1.ab0514p+8f, 0x1.601896p+9f, 0x1.2232fap+10f,
    },
    {   /* c1 */
        0.0f, 0x1.4b6fe6p+0f, 0x1.e36f7p+0f, 0x1.7b6964p+1f,
        0x1.32f8ccp+2f, 0x1.f696dp+2f, 0x1.9d4482p+3f, 0x1.545826p+4f,
        0x1.187574p+5f, 0x1.ce5ed4p+5f, 0x1.7d195p+6f, 0x1.3a3302p+7f,
        0x1.030596p+8f, 0x1.ab056p+8f, 0x1.6018aep+9f, 0x1.223302p+10f,
    },
    {   /* c2 */
        -0x1.7584dp-31f, 0x1.a50538p-2f, 0x1.9a1704p-1f, 0x1.652b1ap+0f,
        0x1.2c39e4p+1f, 0x1.f27f62p+1f, 0x1.9c06dep+2f, 0x1.53f7d2p+3f,
        0x1.18583cp+4f, 0x1.ce4d1cp+4f, 0x1.7d13fp+5f, 0x1.3a316p+6f,
        0x1.03051ap+7f, 0x1.ab0514p+7f, 0x1.601896p+8f, 0x1.2232fap+9f,
    },
    {   /* c3 */
        0x1.555558p-3f, 0x1.b9ecf6p-3f, 0x1.4248dcp-2f, 0x1.f9e046p-2f,
        0x1.994ee4p-1f, 0x1.4f0f5ep+0f, 0x1.138132p+1f, 0x1.c5c752p+1f,
        0x1.75ee7cp+2f, 0x1.343f3p+3f, 0x1.fc20dap+3f, 0x1.a2eb78p+4f,
        0x1.595edp+5f, 0x1.1cafaap+6f, 0x1.d5736ep+6f, 0x1.82eb1p+7f,
    },
    {   /* c4 */
        -0x1.05868ap-22f, 0x1.18b9fep-5f, 0x1.115d4ep-4f, 0x1.dc323ap-4f,
        0x1.90503ap-3f, 0x1.4c5208p-2f, 0x1.12ad64p-1f, 0x1.c54088p-1f,
        0x1.75c822p+0f, 0x1.3432fep+1f, 0x1.fc19cap+1f, 0x1.a2e93cp+2f,
        0x1.59572p+3f, 0x1.1caf76p+4f, 0x1.d57346p+4f, 0x1.82eb18p+5f,
    },
    {   /* c5 */
        0x1.111d06p-7f, 0x1.5d51c8p-7f, 0x1.046222p-6f, 0x1.9796b2p-6f,
        0x1.4177bp-5f, 0x1.0bbbd2p-4f, 0x1.bfadf2p-4f, 0x1.719842p-3f,
        0x1.31b766p-2f, 0x1.ed5436p-2f, 0x1.98372ep-1f, 0x1.553a58p+0f,
        0x1.10459p+1f, 0x1.c224e4p+1f, 0x1.7ce29ap+2f, 0x1.3c646p+3f,
    },
    {   /* c6 */
        -0x1.0e52ccp-18f, 0x1.182d1ep-10f, 0x1.2fd1b4p-9f, 0x1.042336p-8f,
        0x1.a3e586p-8f, 0x1.66ee2ep-7f, 0x1.29d6fp-6f, 0x1.f60c8ap-6f,
        0x1.965f62p-5f, 0x1.49f33p-4f, 0x1.102588p-3f, 0x1.c74ee4p-3f,
        0x1.76f14cp-2f, 0x1.2c8218p-1f, 0x1.fc3df6p-1f, 0x1.a5e33p+0f,
    },
    {   /* c7 */
        0x1.a9f3cap-13f, 0x1.52bb58p-10f, -0x1.dc2698p-11f, -0x1.d1a8e8p-11f,
        0x1.daebd6p-8f, 0x1.2619bcp-9f, -0x1.879feap-7f, -0x1.789e42p-6f,
        -0x1.8f598ep-5f, 0x1.51ce02p-7f, -0x1.55c0aep-7f, -0x1.65cb7ap-3f,
        0x1.5752a8p-2f, 0x1.c848ep-2f, -0x1.2867ep-1f, -0x1.9f9162p+0f,
    },
};
static const float rj_vm_coshf_table[9][16] __attribute__((aligned(64))) = {
    {   /* b */
        0.0f, 0x1.7fff9cp-1f, 0x1.4000a4p+0f, 0x1.bffed6p+0f,
        0x1.200084p+1f, 0x1.5ffe1ep+1f, 0x1.a00056p+1f, 0x1.dfffacp+1f,
        0x1.100058p+2f, 0x1.300124p+2f, 0x1.50008p+2f, 0x1.6ffdeep+2f,
        0x1.8ffe8ap+2f, 0x1.b00012p+2f, 0x1.d0028p+2f, 0x1.efffp+2f,
    },
    {   /* c0 */
        0x1p+0f, 0x1.4b7034p+0f, 0x1.e370c6p+0f, 0x1.7b68e6p+1f,
        0x1.32fc2cp+2f, 0x1.f694cep+2f, 0x1.9d4522p+3f, 0x1.545a78p+4f,
        0x1.187c0ep+5f, 0x1.ce6768p+5f, 0x1.7d2798p+6f, 0x1.3a2776p+7f,
        0x1.02fbfap+8f, 0x1.ab0824p+8f, 0x1.601482p+9f, 0x1.222dccp+10f,
    },
    {   /* c1 */
        0.0f, 0x1.a50632p-1f, 0x1.9a1894p+0f, 0x1.652a92p+1f,
        0x1.2c3d56p+2f, 0x1.f27d5ap+2f, 0x1.9c078p+3f, 0x1.53fa24p+4f,
        0x1.185ed8p+5f, 0x1.ce55bp+5f, 0x1.7d2238p+6f, 0x1.3a25d4p+7f,
        0x1.02fb7cp+8f, 0x1.ab07d8p+8f, 0x1.60146ap+9f, 0x1.222dc4p+10f,
    },
    {   /* c2 */
        0x1p-1f, 0x1.4b7036p-1f, 0x1.e370c8p-1f, 0x1.7b68e6p+0f,
        0x1.32fc2ap+1f, 0x1.f694dp+1f, 0x1.9d4526p+2f, 0x1.545a7ap+3f,
        0x1.187c1p+4f, 0x1.ce6768p+4f, 0x1.7d2796p+5f, 0x1.3a2774p+6f,
        0x1.02fbfcp+7f, 0x1.ab0826p+7f, 0x1.60147ep+8f, 0x1.222dcap+9f,
    },
    {   /* c3 */
        0x1.6b6698p-24f, 0x1.18adaep-3f, 0x1.1165f6p-2f, 0x1.dc3b22p-2f,
        0x1.9053d8p-1f, 0x1.4c5306p+0f, 0x1.12aeaap+1f, 0x1.c54c24p+1f,
        0x1.75d24ap+2f, 0x1.3439c6p+3f, 0x1.fc2f32p+3f, 0x1.a2dff8p+4f,
        0x1.594d64p+5f, 0x1.1cae88p+6f, 0x1.d5732ap+6f, 0x1.82eb34p+7f,
    },
    {   /* c4 */
        0x1.555246p-5f, 0x1.b9e448p-5f, 0x1.42482ep-4f, 0x1.f9e2dp-4f,
        0x1.995814p-3f, 0x1.4f0a7ep-2f, 0x1.137c6cp-1f, 0x1.c5c5dap-1f,
        0x1.75f3bap+0f, 0x1.34459ep+1f, 0x1.fc3bf2p+1f, 0x1.a2e7aap+2f,
        0x1.59479ep+3f, 0x1.1cab98p+4f, 0x1.d57f2ap+4f, 0x1.82f08ep+5f,
    },
    {   /* c5 */
        0x1.3dddap-17f, 0x1.c5331cp-8f, 0x1.b483ap-7f, 0x1.7874c4p-6f,
        0x1.3c8048p-5f, 0x1.0adc52p-4f, 0x1.bb0a62p-4f, 0x1.6d19e4p-3f,
        0x1.2dd15ep-2f, 0x1.eab5cep-2f, 0x1.93b562p-1f, 0x1.49ce1ep+0f,
        0x1.17bf08p+1f, 0x1.cc87ep+1f, 0x1.72e2cap+2f, 0x1.2efee2p+3f,
    },
    {   /* c6 */
        0x1.6469aep-10f, 0x1.e232c6p-10f, 0x1.5c74dap-9f, 0x1.0bf1fp-8f,
        0x1.a7e71cp-8f, 0x1.6b166ep-7f, 0x1.3115e6p-6f, 0x1.f1eab8p-6f,
        0x1.9aa4eep-5f, 0x1.47826cp-4f, 0x1.0990e8p-3f, 0x1.b0900cp-3f,
        0x1.7ed8a2p-2f, 0x1.37e85ep-1f, 0x1.de3dd2p-1f, 0x1.8d367p+0f,
    },
    {   /* c7 */
        0x1.6c44b8p-15f, -0x1.8066d4p-12f, 0x1.27d7ap-11f, 0x1.83b306p-9f,
        0x1.38e486p-8f, -0x1.079416p-11f, -0x1.28cb18p-8f, -0x1.74879ep-8f,
        -0x1.016756p-6f, 0x1.069fap-5f, 0x1.0a4064p-4f, 0x1.a63f3cp-3f,
        -0x1.6b93c2p-3f, -0x1.fb87e8p-3f, 0x1.7bb56cp-1f, 0x1.f7e05ep+0f,
    },
};
#endif
