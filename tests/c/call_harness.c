/* call_harness.c - calls generated kernels on requests read from stdin, for running kernels built
 * for a platform this machine can only emulate (Windows x86-64 under wine, Linux AArch64 under
 * qemu; tests/support/crossrun.py writes the requests and reads the replies). The same calls go
 * to the same kernel loaded by resin_jit natively, and the replies must be the same bytes.
 *
 * Where the kernels come from:
 *   built with -DRJ_LINKED_ENTRIES: linked in, each kernel's object with its symbols renamed
 *     rj_entry_<n>, rj_state_size_<n>, ...; call_entries.h (written by the test)
 *     lists them: RJ_ENTRIES(X) X(0) X(1) ..., and RJ_STATEFUL(X) the stateful ones.
 *   otherwise: one shared library per command-line argument, whose exported rj_entry (and, if
 *     stateful, rj_state_size, rj_state_lanes and rj_state_init) are looked up by name (Windows: LoadLibraryW
 *     and GetProcAddress; elsewhere dlopen and dlsym). Exit 4 names a library that does not
 *     load or does not export rj_entry.
 *
 * Requests, little-endian, until EOF: int32 entry, int32 buffer count, int32 number count; per
 * buffer: int32 element size, int32 offset, int64 length (elements), int64 rows, then its bytes;
 * then the numbers (float64 each, into rj_call.num). A buffer starts `offset` bytes past a
 * 64-byte boundary (a misaligned view). A buffer of element size 0 is the kernel's state, kept
 * here between calls of the entry, as resin_jit keeps it: its length is the channel count (one
 * state struct serves rj_state_lanes() channels), no bytes follow, and offset 1 starts it afresh
 * (rj_state_init on each struct), 0 goes on from the entry's last call.
 * Reply per request: int32 status, int64 ret_int, float64 ret_float, then every buffer as the call
 * left it (outputs and the state too): int64 byte count, the bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rj_abi.h"

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#elif !defined(RJ_LINKED_ENTRIES)
#include <dlfcn.h>
#endif

typedef struct {
    rj_entry_fn entry;
    int64_t (*state_size)(void);     /* NULL: a kernel without state */
    int64_t (*state_lanes)(void);    /* channels a state struct serves */
    void (*state_init)(void *S);
    unsigned char *state;            /* its state structs, kept between calls: `groups` of them, */
    void *state_block;               /* 64-byte aligned (as resin_jit's) in this allocation */
    int64_t channels, groups;
} kernel;

#ifdef RJ_LINKED_ENTRIES
#include "call_entries.h"
#define DECLARE(n) int rj_entry_##n(rj_call *call);
RJ_ENTRIES(DECLARE)
#define DECLARE_STATE(n) int64_t rj_state_size_##n(void); int64_t rj_state_lanes_##n(void); \
                         void rj_state_init_##n(void *S);
RJ_STATEFUL(DECLARE_STATE)

static int load_kernels(int argc, char **argv, kernel **kernels)
{
    (void)argc, (void)argv;
#define COUNT(n) + 1
    static kernel linked[0 RJ_ENTRIES(COUNT)];
#define ENTRY(n) linked[n].entry = rj_entry_##n;
    RJ_ENTRIES(ENTRY)
#define STATE(n) linked[n].state_size = rj_state_size_##n, linked[n].state_lanes = rj_state_lanes_##n, \
                 linked[n].state_init = rj_state_init_##n;
    RJ_STATEFUL(STATE)
    *kernels = linked;
    return (int)(sizeof linked / sizeof *linked);
}
#else
typedef void (*any_fn)(void);

static any_fn symbol(void *library, const char *name)
{
#if defined(_WIN32)
    return (any_fn)GetProcAddress((HMODULE)library, name);
#else
    return (any_fn)dlsym(library, name);
#endif
}

static void *open_library(const char *path)
{
#if defined(_WIN32)
    wchar_t wide[1024];   /* the wide-character call, as a program taking any path must use */
    if (!MultiByteToWideChar(CP_ACP, 0, path, -1, wide, (int)(sizeof wide / sizeof *wide))) return NULL;
    return LoadLibraryW(wide);
#else
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
#endif
}

static int load_kernels(int argc, char **argv, kernel **kernels)
{
    *kernels = calloc((size_t)argc, sizeof **kernels);
    if (!*kernels) return -1;
    for (int i = 1; i < argc; i++) {
        kernel *k = &(*kernels)[i - 1];
        void *library = open_library(argv[i]);
        if (!library || !(k->entry = (rj_entry_fn)symbol(library, "rj_entry"))) {
            fprintf(stderr, "no rj_entry from %s\n", argv[i]);
            return -1;
        }
        k->state_size = (int64_t (*)(void))symbol(library, "rj_state_size");
        k->state_lanes = (int64_t (*)(void))symbol(library, "rj_state_lanes");
        k->state_init = (void (*)(void *))symbol(library, "rj_state_init");
    }
    return argc - 1;
}
#endif

static int read_exactly(void *to, size_t bytes)
{
    return fread(to, 1, bytes, stdin) == bytes;
}

/* The kernel's state for a call over `channels` channels: afresh if asked, or if the count
 * changed (as resin_jit makes a new state for a new channel count). NULL if it has none. */
static unsigned char *state_for(kernel *k, int64_t channels, int afresh)
{
    if (!k->state_size || !k->state_lanes || !k->state_init || channels < 1) return NULL;
    const int64_t size = k->state_size(), groups = (channels + k->state_lanes() - 1) / k->state_lanes();
    if (afresh || channels != k->channels || !k->state) {
        free(k->state_block);
        if (!(k->state_block = malloc((size_t)(groups * size) + 64))) return NULL;
        k->state = (unsigned char *)k->state_block + (64 - (uintptr_t)k->state_block % 64) % 64;
        k->channels = channels, k->groups = groups;
        for (int64_t g = 0; g < groups; g++) k->state_init(k->state + g * size);
    }
    return k->state;
}

/* One request: its buffers placed at their offsets past a 64-byte boundary, the entry called,
 * the reply written. 0 at EOF before a request, -1 on a malformed one, else 1. */
static int serve(kernel *kernels, int count)
{
    int32_t head[3], size[RJ_MAX_ARGS];
    void *block[RJ_MAX_ARGS] = {0};
    if (fread(head, 4, 3, stdin) != 3) return 0;
    if (head[0] < 0 || head[0] >= count || head[1] < 0 || head[1] > RJ_MAX_ARGS || head[2] < 0 || head[2] > RJ_MAX_ARGS)
        return -1;
    kernel *k = &kernels[head[0]];
    rj_call call;
    memset(&call, 0, sizeof call);
    for (int32_t i = 0; i < head[1]; i++) {
        int32_t offset;
        if (!read_exactly(&size[i], 4) || !read_exactly(&offset, 4) || !read_exactly(&call.len[i], 8)
            || !read_exactly(&call.rows[i], 8) || size[i] < 0 || offset < 0 || offset >= 64 || call.len[i] < 0)
            return -1;
        if (size[i] == 0) {   /* the kernel's state, in bytes */
            if (!(call.ptr[i] = state_for(k, call.len[i], offset))) return -1;
            size[i] = 1, call.len[i] = k->groups * k->state_size();
            continue;
        }
        const size_t bytes = (size_t)call.len[i] * (size_t)size[i];
        block[i] = malloc(bytes + 128);
        if (!block[i]) return -1;
        call.ptr[i] = (char *)block[i] + (64 - (uintptr_t)block[i] % 64) + (size_t)offset;
        if (!read_exactly(call.ptr[i], bytes)) return -1;
    }
    if (!read_exactly(call.num, sizeof(double) * (size_t)head[2])) return -1;
    const int32_t status = k->entry(&call);
    fwrite(&status, 4, 1, stdout);
    fwrite(&call.ret_int, 8, 1, stdout);
    fwrite(&call.ret_float, 8, 1, stdout);
    for (int32_t i = 0; i < head[1]; i++) {
        const int64_t bytes = call.len[i] * size[i];
        fwrite(&bytes, 8, 1, stdout);
        fwrite(call.ptr[i], 1, (size_t)bytes, stdout);
        free(block[i]);
    }
    return 1;
}

int main(int argc, char **argv)
{
#if defined(_WIN32)
    _setmode(_fileno(stdin), _O_BINARY);    /* else a 0x1a byte ends the input, and 0x0a gains a 0x0d */
    _setmode(_fileno(stdout), _O_BINARY);
#endif
    kernel *kernels;
    const int count = load_kernels(argc, argv, &kernels);
    if (count < 0) return 4;
    int served;
    while ((served = serve(kernels, count)) == 1) {}
    return served < 0 ? 2 : 0;
}
