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

/* What a kernel's calls run: its entry and the buffers appended to every call. A rebinding (the
 * state remade for a new channel count, a reset) swaps in a new one; a call holds a reference to
 * the one it took from before it reads the bound buffers until its entry has returned, so neither
 * a rebinding from another thread (while the entry runs without the GIL) nor one from Python code
 * the call ran frees the library or a buffer under it. Its count changes only with the GIL held. */
typedef struct {
    Py_ssize_t refs;            /* the kernel's one, and one per call that runs the entry */
    rj_entry_fn entry;          /* NULL: every call takes the slow path (numpy backend, py_node callbacks) */
    Py_ssize_t state_rows;      /* the channel count the bound state was made for */
    PyObject *bound;            /* tuple of buffers appended to every call: parameters, pointers, state */
    Py_buffer views[RJ_MAX_BOUND];
    int64_t lens[RJ_MAX_BOUND]; /* each one's element count */
    int nbound;
    PyObject *keepalive;        /* the loaded library: must outlive every call of its entry */
} rj_binding;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    /* The plan: set by the first _bind, and every later one must bring the same (dispatch_bind.c),
     * so a call may read these at any time, whatever Python code ran since it began. */
    int n_in, n_out;
    char letter;                /* the inputs': 'f' float32 or 'd' float64 */
    char out_letters[RJ_MAX_ARGS];   /* each output's buffer letter, upper case (dispatch.h): 'F' or 'D'
                                        (the inputs' type), 'M' a mask as numpy bools, 'Q' an int64 index */
    char out_rows[RJ_MAX_ARGS]; /* each output's shape: 's' the samples', 'r' one per row (a reduction) */
    int reduces;                /* some output is one per row: the entry runs even over no samples */
    int stateful;
    int broadcast;              /* inputs may be numbers (one-element buffers the kernel broadcasts) */
    PyObject *names;            /* tuple of the inputs' names, in positional order */
    PyObject *out_dtypes;       /* tuple: each output's numpy dtype, for allocating it; NULL: no plan yet */
    /* What each binding sets anew. */
    rj_binding *binding;        /* NULL until bound */
    int fast;                   /* calls may take the fast path */
    int one_d;                  /* arrays must be 1-D (CompiledSimdBlock) */
    Py_ssize_t nogil_above;     /* release the GIL for calls of more samples than this */
    Py_ssize_t threads_from;    /* calls of this many samples or more go to the slow path, which splits
                                   them across threads; 0: never */
    PyThread_type_lock lock;    /* stateful kernels: one call at a time */
    unsigned long owner;        /* the thread that holds the lock, 0 when none */
    unsigned long lock_forks;   /* rj_forks when the lock was made */
    unsigned long long fast_calls, slow_calls;
    /* A kernel compiled without a dtype follows its inputs' (runtime/following.py): this one runs
     * float32 arrays, its sibling (set from Python on first use) float64 ones; calls of numbers
     * alone, or of arrays of neither, go to the slow path, which decides as numpy promotes. */
    int follows;
    PyObject *sibling;          /* a Kernel of the other dtype, or NULL */
} Kernel;

/* ---- the lock (dispatch_lock.c) ---------------------------------------------------------------- */

/* Take a stateful kernel's lock (waiting without the GIL); 0, or -1 with an error (a call from
 * inside its own call). A stateless kernel has none: 0 at once. */
int rj_kernel_acquire(Kernel *self);
/* Give it back, if this thread holds it. */
void rj_kernel_release(Kernel *self);
/* A new lock for a stateful kernel (at its first bind): 0, or -1 with MemoryError. */
int rj_kernel_new_lock(Kernel *self);

/* ---- arguments (dispatch_request.c) ------------------------------------------------------------ */

/* What one call asks for, once its arguments are sorted. Every object in it is held (rj_hold). */
typedef struct {
    PyObject *inputs[RJ_MAX_ARGS];
    PyObject *outputs[RJ_MAX_ARGS];
    int have_outputs;           /* out= (or process()'s positional outputs) gave them */
    int process;                /* process() returns None; a call its outputs, given or made */
    int one_thread;             /* threads=1: this thread, however many samples */
    PyObject *n;                /* n= of a kernel without inputs, or NULL */
    int n_in, n_out;            /* as sorted: the kernel's, which no later binding changes */
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

/* The sorted objects are borrowed: out= items from a list that Python code can change while the
 * call runs (a numpy scalar's __float__ during conversion, another thread while this one waits
 * for the lock). A reference to each, for the whole call, keeps every array the entry reads or
 * writes alive (and numpy will not resize an array referenced from elsewhere). Inline: they run
 * on every call, for every argument. */
static inline void rj_hold(const rj_request *req)
{
    for (int i = 0; i < req->n_in; i++) Py_INCREF(req->inputs[i]);
    for (int j = 0; req->have_outputs && j < req->n_out; j++) Py_INCREF(req->outputs[j]);
    Py_XINCREF(req->n);
}

static inline void rj_let_go(const rj_request *req)
{
    for (int i = 0; i < req->n_in; i++) Py_DECREF(req->inputs[i]);
    for (int j = 0; req->have_outputs && j < req->n_out; j++) Py_DECREF(req->outputs[j]);
    Py_XDECREF(req->n);
}

/* ---- binding (dispatch_bind.c) ----------------------------------------------------------------- */

/* _bind(binding): set up the calls from a runtime.kernel.CallBinding. */
PyObject *rj_kernel_bind(PyObject *op, PyObject *binding);

/* The kernel's binding, held for one call (NULL when it has none); give it back with
 * rj_binding_drop, which may run Python code (the last reference to a buffer or library). */
static inline rj_binding *rj_binding_take(Kernel *self)
{
    rj_binding *b = self->binding;
    if (b != NULL) b->refs++;
    return b;
}

void rj_binding_drop(rj_binding *b);

#endif /* RJ_DISPATCH_KERNEL_H */
