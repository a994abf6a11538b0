/* vsa_harness.c - runs generated VSA kernels on stdin/stdout, for testing the NEON tier under
 * qemu-aarch64. The kernels are compiled with -Drj_entry=rj_entry_<n>; vsa_entries.h (written by
 * the test) lists them as RJ_ENTRIES(X) X(0) X(1) ...
 *
 * Requests, little-endian, until EOF: int32 entry, int32 buffer count, then per buffer int32
 * element size, int64 length (elements), int64 rows, the bytes; then int32 integer-argument count and
 * the int64 arguments (call.inum). Reply per request: int32 status,
 * int64 ret_int, float64 ret_float, then every buffer's bytes again (outputs included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rj_abi.h"
#include "vsa_entries.h"

#define DECLARE(n) int rj_entry_##n(rj_call *call);
RJ_ENTRIES(DECLARE)
#define POINTER(n) rj_entry_##n,
static rj_entry_fn entries[] = {RJ_ENTRIES(POINTER)};

int main(void)
{
    int32_t entry, count;
    while (fread(&entry, 4, 1, stdin) == 1) {
        if (fread(&count, 4, 1, stdin) != 1 || entry < 0 || entry >= (int32_t)(sizeof entries / sizeof *entries)
            || count < 0 || count > RJ_MAX_ARGS)
            return 2;
        rj_call call;
        memset(&call, 0, sizeof call);
        int32_t size[RJ_MAX_ARGS];
        for (int32_t i = 0; i < count; i++) {
            if (fread(&size[i], 4, 1, stdin) != 1 || fread(&call.len[i], 8, 1, stdin) != 1
                || fread(&call.rows[i], 8, 1, stdin) != 1)
                return 2;
            size_t bytes = (size_t)call.len[i] * (size_t)size[i];
            call.ptr[i] = malloc(bytes + 64);
            if (!call.ptr[i] || fread(call.ptr[i], 1, bytes, stdin) != bytes) return 2;
        }
        int32_t ints;
        if (fread(&ints, 4, 1, stdin) != 1 || ints < 0 || ints > RJ_MAX_ARGS
            || fread(call.inum, 8, (size_t)ints, stdin) != (size_t)ints)
            return 2;
        int32_t status = entries[entry](&call);
        fwrite(&status, 4, 1, stdout);
        fwrite(&call.ret_int, 8, 1, stdout);
        fwrite(&call.ret_float, 8, 1, stdout);
        for (int32_t i = 0; i < count; i++) {
            fwrite(call.ptr[i], (size_t)size[i], (size_t)call.len[i], stdout);
            free(call.ptr[i]);
        }
    }
    return 0;
}
