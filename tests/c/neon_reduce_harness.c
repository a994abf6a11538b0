/* neon_reduce_harness.c - runs one generated reduction kernel (templates/reduce.c) of one input and
 * only per-row outputs on stdin/stdout, for testing the NEON tier under qemu-aarch64. Built with
 * -DRJ_T=float or double, -DRJ_VALUES=k (outputs of that type) and -DRJ_INDEXES=j (int64 outputs
 * after them). Reads rows and n (int64 each) then rows x n inputs; writes each output's row values. */
#include <stdio.h>
#include <stdlib.h>
#include "rj_abi.h"

int rj_entry(rj_call *call);

int main(void)
{
    int64_t rows, n;
    if (fread(&rows, sizeof rows, 1, stdin) != 1 || fread(&n, sizeof n, 1, stdin) != 1 || rows < 1 || n < 0)
        return 2;
    RJ_T *x = malloc(sizeof(RJ_T) * (size_t)(rows * n + 1));
    RJ_T *values = malloc(sizeof(RJ_T) * (size_t)(rows * RJ_VALUES + 1));
    int64_t *indexes = malloc(sizeof(int64_t) * (size_t)(rows * RJ_INDEXES + 1));
    if (!x || !values || !indexes || fread(x, sizeof(RJ_T), (size_t)(rows * n), stdin) != (size_t)(rows * n))
        return 2;
    rj_call call = {0};
    call.ptr[0] = x, call.len[0] = rows * n, call.rows[0] = rows;
    for (int k = 0; k < RJ_VALUES + RJ_INDEXES; k++) {
        call.ptr[1 + k] = k < RJ_VALUES ? (void *)(values + k * rows) : (void *)(indexes + (k - RJ_VALUES) * rows);
        call.len[1 + k] = rows, call.rows[1 + k] = 1;
    }
    if (rj_entry(&call) != RJ_OK) return 3;
    fwrite(values, sizeof(RJ_T), (size_t)(rows * RJ_VALUES), stdout);
    fwrite(indexes, sizeof(int64_t), (size_t)(rows * RJ_INDEXES), stdout);
    return 0;
}
