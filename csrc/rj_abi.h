/* rj_abi.h - the one calling convention between Python and every compiled kernel.
 *
 * Every generated library exports `int rj_entry(rj_call *call)`.  The dispatcher
 * (csrc/dispatch.c, a CPython extension) fills an rj_call from the Python
 * arguments without any per-kernel Python code, calls the entry, and turns the
 * result back into Python objects.  Keeping one fixed signature means a kernel
 * library needs no Python.h (fast to compile) and the call path stays in C.
 */
#ifndef RJ_ABI_H
#define RJ_ABI_H

#include <stdint.h>

#define RJ_ABI_VERSION 2   /* resin_jit/front/abi.py mirrors these (tests/test_abi.py holds them equal); a change here is a new version */
#define RJ_MAX_ARGS 32

/* Status codes an entry returns.  Anything but RJ_OK sends the call to the
 * kernel's Python slow path, which converts the arguments or explains the problem. */
#define RJ_OK            0
#define RJ_ERR_LENGTH    1   /* buffers whose lengths do not agree */
#define RJ_ERR_ARGUMENT  2   /* any other argument the kernel cannot take */

/* One call. A graph kernel's buffers come in this order (resin_jit/front/plan.py): its inputs,
 * its outputs, then the buffers the kernel object binds to every call: runtime parameters
 * (double), function pointers (uint64_t), state. An input may be a single element, which
 * stands for every sample (see rj_samples.h). */
typedef struct rj_call {
    void   *ptr[RJ_MAX_ARGS];   /* buffer arguments in call order, then the bound buffers */
    int64_t len[RJ_MAX_ARGS];   /* element count of each buffer */
    int64_t rows[RJ_MAX_ARGS];  /* first dimension of a 2-D buffer, 1 for a 1-D buffer */
    double  num[RJ_MAX_ARGS];   /* float arguments in call order */
    int64_t inum[RJ_MAX_ARGS];  /* integer arguments in call order */
    int64_t ret_int;            /* result of kernels that return an integer */
    double  ret_float;          /* result of kernels that return a float */
} rj_call;

typedef int (*rj_entry_fn)(rj_call *call);

#if defined(_WIN32)
#define RJ_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)   /* gcc, clang, zig: kernels build with -fvisibility=hidden */
#define RJ_EXPORT __attribute__((visibility("default")))
#else
#define RJ_EXPORT
#endif

#endif /* RJ_ABI_H */
