/* dispatch.h - what the parts of resin_jit.runtime._dispatch share: taking arguments apart.
 *
 * The extension is the hot path from Python into compiled kernels. Two callable types use
 * these helpers: Caller (dispatch.c), which passes buffers to any entry by an argspec, and
 * Kernel (dispatch_kernel.c), the base of resin_jit.Kernel, which knows a graph kernel's
 * inputs, outputs and state and handles every call form itself.
 */
#ifndef RJ_DISPATCH_H
#define RJ_DISPATCH_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include "rj_abi.h"

/* Set once by set_numpy(): numpy.ndarray (read directly, see rj_take_array), numpy.empty (to
 * allocate outputs), numpy.floating and numpy.integer (scalars that convert to a float). */
extern PyTypeObject *rj_ndarray_type;
extern PyObject *rj_numpy_empty;
extern PyObject *rj_numpy_floating;
extern PyObject *rj_numpy_integer;

/* One array argument, as the kernel will see it. */
typedef struct {
    void *ptr;
    int64_t len;               /* elements */
    int ndim;                  /* 0 (a 0-d array, or a number the dispatcher stored itself), 1 or 2 */
    Py_ssize_t shape[2];
    Py_ssize_t itemsize;
    int held;                  /* 1: view holds a buffer to release */
    Py_buffer view;
} rj_arg;

/* letter: f/F float32, d/D float64, b/B int8, u/U uint64, q/Q int64, i/I int32, m/M bool (a mask);
 * upper case = written. */
int rj_is_buffer_letter(char letter);

/* 1 and *arg filled when obj is a C-contiguous, aligned array of at most 2 dimensions of the letter's type
 * (writable for an upper-case letter); 0 when it is not (nothing to release then). */
int rj_take_array(PyObject *obj, char letter, rj_arg *arg);
/* numpy's type code of an exact numpy array ('f', 'd', ...), 0 for anything else. */
char rj_array_type(PyObject *obj);

void rj_release(rj_arg *args, int n);

/* 1 if two of the args overlap in memory, one of them written (kinds[i] upper case), other than
 * by being the very same buffer: elementwise kernels may work in place, never half in place. */
int rj_partly_overlap(const rj_arg *args, const char *kinds, int n);

/* _dispatch.after_fork(): called in a forked child (os.register_at_fork); see dispatch_lock.c. */
PyObject *rj_after_fork(PyObject *module, PyObject *unused);

/* _dispatch.cpu_registers(): the x86 CPUID and XCR0 words host detection decodes, or None; see dispatch_cpu.c. */
PyObject *rj_cpu_registers(PyObject *module, PyObject *unused);

/* 1 and *value set for a Python float or int or a numpy float or integer; 0 for anything else. */
int rj_take_number(PyObject *obj, double *value);

#endif /* RJ_DISPATCH_H */
