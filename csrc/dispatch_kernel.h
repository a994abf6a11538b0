/* dispatch_kernel.h - what the parts of resin_jit.runtime._dispatch.Kernel share.
 *
 * The Kernel type is in four files: dispatch_kernel.c (the fast path, the Python-facing methods,
 * the type), dispatch_request.c (sorting a call's arguments), dispatch_lock.c (a stateful
 * kernel's lock, renewed in a forked child) and dispatch_bind.c (what a call binds from: the
 * kernel's plan and the buffers its object owns).
 */
#ifndef RJ_DISPATCH_KERNEL_H
#define RJ_DISPATCH_KERNEL_H

#include "dispatch.h"

#define RJ_MAX_BOUND 4   /* bound buffers: parameters, function pointers, state (and one spare) */

#define RJ_MAX_BOUND 4

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    rj_entry_fn entry;          /* NULL: every call takes the slow path (numpy backend, py_node callbacks) */
    int n_in, n_out;
    char letter;                /* the inputs': 'f' float32 or 'd' float64 */
    char out_letters[RJ_MAX_ARGS];   /* each output's: 'F', 'D', or 'M' (a mask, as numpy bools) */
    int one_d;                  /* arrays must be 1-D (CompiledSimdBlock) */
    int broadcast;              /* inputs may be numbers (one-element buffers the kernel broadcasts) */
    char out_rows[RJ_MAX_ARGS]; /* each output's shape: 's' the samples', 'r' one per row (a reduction) */
    int reduces;                /* some output is one per row: the entry runs even over no samples */
    int stateful;
    int fast;                   /* calls may take the fast path */
    Py_ssize_t state_rows;      /* the channel count the bound state was made for */
    Py_ssize_t nogil_above;     /* release the GIL for calls of more samples than this */
    Py_ssize_t threads_from;    /* calls of this many samples or more go to the slow path, which splits
                                   them across threads; 0: never */
    PyObject *names;            /* tuple of the inputs' names, in positional order */
    PyObject *out_dtypes;       /* tuple: each output's numpy dtype, for allocating it */
    PyObject *bound;            /* tuple of buffers appended to every call: parameters, pointers, state */
    Py_buffer bound_views[RJ_MAX_BOUND];
    int nbound;
    PyObject *keepalive;        /* the loaded library: must outlive every call of its entry */
    PyThread_type_lock lock;    /* stateful kernels: one call at a time */
    unsigned long owner;        /* the thread that holds the lock, 0 when none */
    unsigned long lock_forks;   /* rj_forks when the lock was made */
    unsigned long long fast_calls, slow_calls;
} Kernel;

/* ---- the lock (dispatch_lock.c) ---------------------------------------------------------------- */

/* Take a stateful kernel's lock (waiting without the GIL); 0, or -1 with an error (a call from
 * inside its own call). A stateless kernel has none: 0 at once. */
int rj_kernel_acquire(Kernel *self);
void rj_kernel_release(Kernel *self);
/* A new lock for a stateful kernel (at its first bind): 0, or -1 with MemoryError. */
int rj_kernel_new_lock(Kernel *self);

/* ---- arguments (dispatch_request.c) ------------------------------------------------------------ */

/* What one call asks for, once its arguments are sorted. Every object in it is held (rj_hold). */
typedef struct {
    PyObject *inputs[RJ_MAX_ARGS];
    PyObject *outputs[RJ_MAX_ARGS];
    int have_outputs;
    PyObject *n;                /* n= of a kernel without inputs, or NULL */
    int n_in, n_out;            /* as sorted: the kernel may be rebound while the call runs */
} rj_request;

/* Keyword arguments as two arrays, whether they came as a vectorcall's names or a dict. */
typedef struct {
    PyObject *names[RJ_MAX_ARGS];
    PyObject *values[RJ_MAX_ARGS];
    Py_ssize_t count;
} rj_keywords;

int rj_from_kwnames(rj_keywords *kw, PyObject *kwnames, PyObject *const *values);
int rj_from_dict(rj_keywords *kw, PyObject *kwargs);
/* Sort positional and keyword arguments into inputs, outputs (process) and n=; 0 if the call is
 * one for the slow path (no error set). */
int rj_sort_arguments(Kernel *self, rj_request *req, PyObject *const *args, Py_ssize_t nargs,
                      const rj_keywords *kw, int process);
void rj_hold(rj_request *req);
void rj_let_go(rj_request *req);

/* ---- binding (dispatch_bind.c) ----------------------------------------------------------------- */

/* _bind(binding): set up the calls from a runtime.kernel.CallBinding. */
PyObject *rj_kernel_bind(PyObject *op, PyObject *binding);
void rj_release_bound(Kernel *self);

#endif /* RJ_DISPATCH_KERNEL_H */
