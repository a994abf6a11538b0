/* neon_channels_harness.c - runs one generated stateful kernel of two inputs and three outputs
 * on stdin/stdout, for testing channel kernels on the NEON tier under qemu-aarch64: reads
 * channels and n (int64), then the inputs x and y (channels * n float32 each, row by row),
 * writes the three outputs the same way. The state starts as rj_state_init leaves it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rj_abi.h"

int rj_entry(rj_call *call);
int64_t rj_state_size(void);
int64_t rj_state_lanes(void);
void rj_state_init(void *S);

enum { INPUTS = 2, OUTPUTS = 3 };

int main(void)
{
    int64_t shape[2];
    if (fread(shape, sizeof shape[0], 2, stdin) != 2 || shape[0] < 1 || shape[1] < 0) return 2;
    const int64_t channels = shape[0], total = shape[0] * shape[1];
    rj_call call;
    memset(&call, 0, sizeof call);
    for (int k = 0; k < INPUTS + OUTPUTS; k++) {
        float *buf = malloc(sizeof(float) * (size_t)(total + 1));
        if (!buf || (k < INPUTS && fread(buf, sizeof(float), (size_t)total, stdin) != (size_t)total)) return 2;
        call.ptr[k] = buf; call.len[k] = total; call.rows[k] = channels;
    }
    const int64_t size = rj_state_size(), groups = (channels + rj_state_lanes() - 1) / rj_state_lanes();
    char *state = aligned_alloc(64, (size_t)((groups * size + 63) / 64 * 64));
    if (!state) return 2;
    for (int64_t g = 0; g < groups; g++) rj_state_init(state + g * size);
    call.ptr[INPUTS + OUTPUTS] = state; call.len[INPUTS + OUTPUTS] = groups * size; call.rows[INPUTS + OUTPUTS] = 1;
    if (rj_entry(&call) != RJ_OK) return 3;
    for (int k = INPUTS; k < INPUTS + OUTPUTS; k++) fwrite(call.ptr[k], sizeof(float), (size_t)total, stdout);
    return 0;
}
