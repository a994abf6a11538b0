/* neon_harness.c - runs one generated block kernel on stdin/stdout, for testing the NEON tier
 * under qemu-aarch64: reads n (int64) then n float32 inputs, writes n float32 outputs. */
#include <stdio.h>
#include <stdlib.h>
#include "rj_abi.h"

int rj_entry(rj_call *call);

int main(void)
{
    int64_t n;
    if (fread(&n, sizeof n, 1, stdin) != 1 || n < 0) return 2;
    float *x = malloc(sizeof(float) * (size_t)(n + 1)), *y = malloc(sizeof(float) * (size_t)(n + 1));
    if (!x || !y || fread(x, sizeof(float), (size_t)n, stdin) != (size_t)n) return 2;
    rj_call call = {0};
    call.ptr[0] = x; call.len[0] = n; call.rows[0] = 1;
    call.ptr[1] = y; call.len[1] = n; call.rows[1] = 1;
    if (rj_entry(&call) != RJ_OK) return 3;
    fwrite(y, sizeof(float), (size_t)n, stdout);
    return 0;
}
