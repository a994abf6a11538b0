/* dispatch_kernel.c - resin_jit._dispatch.Kernel: every call form of a graph kernel, in C.
 *
 * resin_jit.Kernel subclasses this type. A call in the common case goes from Python straight
 * into the kernel's entry, with no Python frame in between:
 *
 *   kernel(x, y)  kernel(x=xs, y=ys)  kernel(n=1024)         outputs allocated here
 *   kernel.process(x, y, out0)  kernel.process(x, out=y)  kernel.process(x, out=[y0, y1])
 *
 * when every array is a numpy array (or buffer) of the kernel's dtype, C-contiguous and aligned,
 * all of one shape, and every other input a Python or numpy number (broadcast: the entry takes
 * it as a one-element buffer, see csrc/rj_samples.h). Anything else (conversion, broadcasting
 * arrays, a new channel count for the state, threads, a mistake to explain) goes to the Python
 * methods _call_slow / _process_slow with the original arguments, which keep every rule and
 * message of the API. The slow path runs the entry through _run, under the same lock.
 *
 * A stateful kernel has one state, so its calls are serialised by a lock: the fast path takes
 * it around the entry, the slow path with _acquire() / _release().
 */
#include "dispatch.h"   /* first: it includes Python.h */
#include <structmember.h>
#include <stddef.h>
#include <string.h>

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

/* ---- the lock -------------------------------------------------------------------------------- */

/* How many times this process is a forked child (rj_after_fork, registered with
 * os.register_at_fork). Only the forking thread comes along into a child: a lock another thread
 * held at the fork would never be released there, so a kernel made before the fork takes a new
 * lock on its first call in the child. (The old one is left allocated: freeing a lock that is
 * held is undefined.) */
static unsigned long rj_forks = 0;
static unsigned long rj_forking_thread = 0;   /* in a child: the one thread that came along */

PyObject *rj_after_fork(PyObject *module, PyObject *unused)
{
    rj_forks++;
    rj_forking_thread = PyThread_get_thread_ident();
    Py_RETURN_NONE;
}

static int renew_lock_after_fork(Kernel *self)
{
    if (self->lock_forks == rj_forks) return 0;
    self->lock_forks = rj_forks;
    /* The thread that forked while it held the lock still does. (Another thread's identity can
     * be that of a parent's thread that held it: a new thread may reuse its stack.) */
    if (self->owner != 0 && self->owner == rj_forking_thread) return 0;
    PyThread_type_lock fresh = PyThread_allocate_lock();
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->lock = fresh;
    self->owner = 0;
    return 0;
}

static int acquire(Kernel *self)
{
    if (self->lock == NULL) return 0;
    unsigned long me = PyThread_get_thread_ident();
    if (renew_lock_after_fork(self) < 0) return -1;
    if (self->owner == me) {
        PyErr_SetString(PyExc_RuntimeError,
                        "a stateful kernel was called again from inside its own call (e.g. from a py_node)");
        return -1;
    }
    if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
    self->owner = me;
    return 0;
}

static void release(Kernel *self)
{
    if (self->lock == NULL) return;
    self->owner = 0;
    PyThread_release_lock(self->lock);
}

/* ---- arguments ------------------------------------------------------------------------------- */

/* What one call asks for, once its arguments are sorted. Every object in it is held (see hold()). */
typedef struct {
    PyObject *inputs[RJ_MAX_ARGS];
    PyObject *outputs[RJ_MAX_ARGS];
    int have_outputs;
    PyObject *n;                /* n= of a kernel without inputs, or NULL */
    int n_in, n_out;            /* as sorted: the kernel may be rebound while the call runs */
} request;

/* Keyword arguments as two arrays, whether they came as a vectorcall's names or a dict. */
typedef struct {
    PyObject *names[RJ_MAX_ARGS];
    PyObject *values[RJ_MAX_ARGS];
    Py_ssize_t count;
} keywords;

static int from_kwnames(keywords *kw, PyObject *kwnames, PyObject *const *values)
{
    kw->count = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (kw->count > RJ_MAX_ARGS) return 0;
    for (Py_ssize_t k = 0; k < kw->count; k++) {
        kw->names[k] = PyTuple_GET_ITEM(kwnames, k);
        kw->values[k] = values[k];
    }
    return 1;
}

static int from_dict(keywords *kw, PyObject *kwargs)
{
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    kw->count = 0;
    if (kwargs == NULL) return 1;
    if (PyDict_GET_SIZE(kwargs) > RJ_MAX_ARGS) return 0;
    while (PyDict_Next(kwargs, &pos, &name, &value)) {
        if (!PyUnicode_Check(name)) return 0;
        kw->names[kw->count] = name;
        kw->values[kw->count++] = value;
    }
    return 1;
}

static int input_index(Kernel *self, PyObject *name)
{
    Py_ssize_t count = PyTuple_GET_SIZE(self->names);
    for (Py_ssize_t i = 0; i < count; i++)
        if (PyTuple_GET_ITEM(self->names, i) == name) return (int)i;   /* interned: the usual case */
    for (Py_ssize_t i = 0; i < count; i++)
        if (PyUnicode_Compare(PyTuple_GET_ITEM(self->names, i), name) == 0) return (int)i;
    PyErr_Clear();
    return -1;
}

/* Keywords: the inputs by name, out= (process), n= (kernels without inputs). 0 if the call is
 * one for the slow path (an unknown keyword, an input given twice, threads=, ...). */
static int sort_keywords(Kernel *self, request *req, const keywords *kw, int process)
{
    for (Py_ssize_t k = 0; k < kw->count; k++) {
        PyObject *name = kw->names[k], *value = kw->values[k];
        int i = input_index(self, name);
        if (i >= 0) {
            if (req->inputs[i] != NULL) return 0;
            req->inputs[i] = value;
        } else if (process && PyUnicode_CompareWithASCIIString(name, "out") == 0) {
            if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
                if (PySequence_Fast_GET_SIZE(value) != self->n_out) return 0;
                for (int j = 0; j < self->n_out; j++) req->outputs[j] = PySequence_Fast_GET_ITEM(value, j);
            } else {
                if (self->n_out != 1) return 0;
                req->outputs[0] = value;
            }
            req->have_outputs = 1;
        } else if (!process && self->n_in == 0 && PyUnicode_CompareWithASCIIString(name, "n") == 0) {
            req->n = value;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Positional arguments fill the inputs not given by name, in order; process() then takes its
 * outputs positionally unless out= gave them. 0 if the call is one for the slow path. */
static int sort_arguments(Kernel *self, request *req, PyObject *const *args, Py_ssize_t nargs,
                          const keywords *kw, int process)
{
    for (int i = 0; i < self->n_in; i++) req->inputs[i] = NULL;
    req->have_outputs = 0;
    req->n = NULL;
    req->n_in = self->n_in;
    req->n_out = self->n_out;
    if (!sort_keywords(self, req, kw, process)) return 0;
    Py_ssize_t a = 0;
    for (int i = 0; i < self->n_in; i++) {
        if (req->inputs[i] != NULL) continue;
        if (a == nargs) return 0;
        req->inputs[i] = args[a++];
    }
    if (process && !req->have_outputs) {
        if (nargs - a != self->n_out) return 0;
        for (int j = 0; j < self->n_out; j++) req->outputs[j] = args[a++];
        req->have_outputs = 1;
    }
    return a == nargs && (process || self->n_in > 0 || req->n != NULL);
}

/* The sorted objects are borrowed: out= items from a list that Python code can change while the
 * call runs (a numpy scalar's __float__ during conversion, another thread while this one waits
 * for the lock). A reference to each, for the whole call, keeps every array the entry reads or
 * writes alive (and numpy will not resize an array referenced from elsewhere). */
static void hold(request *req)
{
    for (int i = 0; i < req->n_in; i++) Py_INCREF(req->inputs[i]);
    for (int j = 0; req->have_outputs && j < req->n_out; j++) Py_INCREF(req->outputs[j]);
    Py_XINCREF(req->n);
}

static void let_go(request *req)
{
    for (int i = 0; i < req->n_in; i++) Py_DECREF(req->inputs[i]);
    for (int j = 0; req->have_outputs && j < req->n_out; j++) Py_DECREF(req->outputs[j]);
    Py_XDECREF(req->n);
}

/* ---- the fast path ------------------------------------------------------------------------- */

static int same_shape(const rj_arg *a, const rj_arg *b)
{
    return a->ndim == b->ndim && a->shape[0] == b->shape[0] && a->shape[1] == b->shape[1];
}

/* Output j's shape where the samples have `shape`: the same, or one value per row. */
static int output_fits(const Kernel *self, int j, const rj_arg *out, const rj_arg *shape)
{
    if (self->out_rows[j] == 's') return same_shape(out, shape);
    return shape->ndim == 2 ? out->ndim == 1 && out->shape[0] == shape->shape[0] : out->ndim == 0;
}

static PyObject *new_output(Kernel *self, int j, const rj_arg *shape)
{
    PyObject *dims = self->out_rows[j] == 'r' ? (shape->ndim == 2 ? Py_BuildValue("(n)", shape->shape[0])
                                                                   : PyTuple_New(0))
                   : shape->ndim == 2 ? Py_BuildValue("(nn)", shape->shape[0], shape->shape[1])
                                      : PyLong_FromSsize_t(shape->shape[0]);
    if (dims == NULL) return NULL;
    PyObject *args[2] = {dims, PyTuple_GET_ITEM(self->out_dtypes, j)};
    PyObject *array = PyObject_Vectorcall(rj_numpy_empty, args, 2, NULL);
    Py_DECREF(dims);
    return array;
}

/* The shape every array of the call has, when there is no array to take it from. */
static int shape_without_arrays(Kernel *self, const request *req, rj_arg *shape)
{
    memset(shape, 0, sizeof *shape);
    shape->ndim = 1;
    shape->shape[1] = 1;
    if (self->n_in > 0) {   /* only numbers: one sample, as numpy's broadcast of scalars gives */
        shape->shape[0] = 1;
        return 1;
    }
    int overflow = 0;
    if (req->n == NULL || !PyLong_CheckExact(req->n)) return 0;
    long long n = PyLong_AsLongLongAndOverflow(req->n, &overflow);
    if (overflow || n < 0) return 0;
    shape->shape[0] = (Py_ssize_t)n;
    return 1;
}

static PyObject *results(Kernel *self, const request *req, PyObject **made)
{
    if (req->have_outputs) Py_RETURN_NONE;
    if (self->n_out == 1) return Py_NewRef(made[0]);
    PyObject *tuple = PyTuple_New(self->n_out);
    for (int j = 0; tuple != NULL && j < self->n_out; j++) PyTuple_SET_ITEM(tuple, j, Py_NewRef(made[j]));
    return tuple;
}

static int call_entry(Kernel *self, rj_call *call, int64_t total)
{
    int ran;
    if (total > self->nogil_above) {
        Py_BEGIN_ALLOW_THREADS
        ran = self->entry(call);
        Py_END_ALLOW_THREADS
    } else {
        ran = self->entry(call);
    }
    return ran;
}

static void fill_call(Kernel *self, rj_call *call, const rj_arg *args, int n_buf)
{
    for (int b = 0; b < n_buf; b++) {
        call->ptr[b] = args[b].ptr;
        call->len[b] = args[b].len;
        call->rows[b] = args[b].ndim == 2 ? args[b].shape[0] : 1;
    }
    for (int k = 0; k < self->nbound; k++) {
        call->ptr[n_buf + k] = self->bound_views[k].buf;
        call->len[n_buf + k] = self->bound_views[k].len / self->bound_views[k].itemsize;
        call->rows[n_buf + k] = 1;
    }
}

/* Input obj as a number (stored in *number, the kernel's element type): 1, or 0 if it is none. */
static int take_number(Kernel *self, PyObject *obj, rj_arg *arg, void *number)
{
    double value;
    if (!rj_take_number(obj, &value)) return 0;
    if (self->letter == 'f') *(float *)number = (float)value;
    else *(double *)number = value;
    arg->ptr = number;
    arg->len = 1;
    arg->ndim = 0;
    arg->itemsize = self->letter == 'f' ? 4 : 8;
    return 1;
}

/* Whether a numpy array read straight from its object (not pinned by a buffer export) still has
 * the data and shape taken from it: Python code that ran since (another thread while this one
 * waited for the lock) may have resized it. */
static int unmoved(PyObject *obj, char letter, const rj_arg *taken)
{
    rj_arg now;
    if (taken->held || Py_TYPE(obj) != rj_ndarray_type) return 1;
    return rj_take_array(obj, letter, &now) && now.ptr == taken->ptr && now.ndim == taken->ndim
           && now.shape[0] == taken->shape[0] && now.shape[1] == taken->shape[1];
}

static int all_unmoved(Kernel *self, const request *req, const rj_arg *args, const char *kinds,
                       const int *numbers)
{
    for (int i = 0; i < req->n_in; i++)
        if (!numbers[i] && !unmoved(req->inputs[i], kinds[i], &args[i])) return 0;
    for (int j = 0; req->have_outputs && j < req->n_out; j++)
        if (!unmoved(req->outputs[j], kinds[req->n_in + j], &args[req->n_in + j])) return 0;
    return 1;
}

/* Run the request. Returns 1 with *result set when it ran, 0 when it belongs to the slow path,
 * -1 on an error. For process() the result is None, else the new output(s). */
static int try_fast(Kernel *self, const request *req, PyObject **result)
{
    rj_arg args[RJ_MAX_ARGS];
    char kinds[RJ_MAX_ARGS];
    double numbers[RJ_MAX_ARGS];
    PyObject *made[RJ_MAX_ARGS] = {NULL};
    const int n_in = req->n_in, n_out = req->n_out, n_buf = n_in + n_out;
    const rj_arg *shape = NULL;
    rj_arg implicit;
    int status = 0, scalars = 0, is_number[RJ_MAX_ARGS];

    if (!self->fast || n_buf + self->nbound > RJ_MAX_ARGS) return 0;
    for (int b = 0; b < n_buf; b++) {
        args[b].held = 0;
        args[b].ndim = 0;
        kinds[b] = b < n_in ? self->letter : self->out_letters[b - n_in];
    }
    /* Numbers first: converting one may run Python code (a numpy scalar subclass's __float__),
     * which must not run while an array's data pointer is in hand. */
    for (int i = 0; i < n_in; i++) {
        is_number[i] = take_number(self, req->inputs[i], &args[i], &numbers[i]);
        scalars += is_number[i];
    }
    for (int j = 0; req->have_outputs && j < n_out; j++)
        if (!rj_take_array(req->outputs[j], kinds[n_in + j], &args[n_in + j])) goto done;
    for (int i = 0; i < n_in; i++) {
        if (is_number[i]) continue;
        if (!rj_take_array(req->inputs[i], kinds[i], &args[i])) goto done;
        scalars += args[i].ndim == 0;   /* a 0-d array broadcasts as a number does */
    }

    /* the samples' shape: that of the first per-sample output given, else of the first input array */
    for (int j = 0; req->have_outputs && j < n_out && shape == NULL; j++)
        if (self->out_rows[j] == 's') shape = &args[n_in + j];
    for (int i = 0; i < n_in && shape == NULL; i++)
        if (args[i].ndim > 0) shape = &args[i];
    if (shape == NULL) {
        if (!shape_without_arrays(self, req, &implicit)) goto done;
        shape = &implicit;
    }
    for (int i = 0; i < n_in; i++)
        if (args[i].ndim > 0 && !same_shape(&args[i], shape)) goto done;
    for (int j = 0; req->have_outputs && j < n_out; j++)
        if (!output_fits(self, j, &args[n_in + j], shape)) goto done;
    const int64_t total = (int64_t)shape->shape[0] * shape->shape[1];
    const Py_ssize_t rows = shape->ndim == 2 ? shape->shape[0] : 1;
    const Py_ssize_t per_row = shape->ndim == 2 ? shape->shape[1] : shape->shape[0];
    if ((self->one_d && shape->ndim != 1) || (self->stateful && rows != self->state_rows)
        || (self->reduces && per_row == 0)   /* rows of no samples: the slow path knows which reductions have no value */
        || (scalars && !self->broadcast && total != 1) || (self->threads_from > 0 && total >= self->threads_from))
        goto done;

    for (int j = 0; !req->have_outputs && j < n_out; j++) {
        made[j] = new_output(self, j, shape);
        if (made[j] == NULL || !rj_take_array(made[j], kinds[n_in + j], &args[n_in + j])) {
            status = -1;
            goto done;
        }
    }
    if (rj_partly_overlap(args, kinds, n_buf)) goto done;

    if (acquire(self) < 0) {
        status = -1;
        goto done;
    }
    /* the state remade, or an array resized, while we waited (or while outputs were made) */
    if ((self->stateful && rows != self->state_rows) || !all_unmoved(self, req, args, kinds, is_number)) {
        release(self);
        goto done;
    }
    rj_call call;
    fill_call(self, &call, args, n_buf);
    const int ran = total > 0 || self->reduces ? call_entry(self, &call, total) : RJ_OK;   /* a sum of none is 0 */
    release(self);
    if (ran == RJ_OK) {   /* anything else was checked above, so is not expected: the slow path explains */
        self->fast_calls++;
        *result = results(self, req, made);
        status = *result != NULL ? 1 : -1;
    }
done:
    rj_release(args, n_buf);
    for (int j = 0; j < n_out; j++) Py_XDECREF(made[j]);
    return status;
}

/* ---- the Python-facing methods --------------------------------------------------------------- */

static PyObject *slow_call(Kernel *self, const char *method, PyObject *const *args, size_t nargsf,
                           PyObject *kwnames)
{
    self->slow_calls++;
    PyObject *bound = PyObject_GetAttrString((PyObject *)self, method);
    if (bound == NULL) return NULL;
    PyObject *result = PyObject_Vectorcall(bound, args, nargsf, kwnames);
    Py_DECREF(bound);
    return result;
}

static PyObject *dispatch(Kernel *self, PyObject *const *args, Py_ssize_t nargs, const keywords *kw,
                          int process)
{
    request req;
    PyObject *result = NULL;
    if (!sort_arguments(self, &req, args, nargs, kw, process)) return NULL;   /* NULL, no error: slow */
    hold(&req);
    int ran = try_fast(self, &req, &result);
    let_go(&req);
    return ran > 0 ? result : NULL;
}

/* kernel(*inputs, **named): tp_call, as CPython calls an instance of a Python subclass. */
static PyObject *kernel_call(PyObject *op, PyObject *args, PyObject *kwargs)
{
    Kernel *self = (Kernel *)op;
    keywords kw;
    if (from_dict(&kw, kwargs)) {
        PyObject *result = dispatch(self, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args), &kw, 0);
        if (result != NULL || PyErr_Occurred()) return result;
    }
    self->slow_calls++;
    PyObject *slow = PyObject_GetAttrString(op, "_call_slow");
    if (slow == NULL) return NULL;
    PyObject *result = PyObject_Call(slow, args, kwargs);
    Py_DECREF(slow);
    return result;
}

/* The same through vectorcall, where the Python version passes it on to subclasses (3.12+). */
static PyObject *kernel_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Kernel *self = (Kernel *)op;
    keywords kw;
    if (from_kwnames(&kw, kwnames, args + PyVectorcall_NARGS(nargsf))) {
        PyObject *result = dispatch(self, args, PyVectorcall_NARGS(nargsf), &kw, 0);
        if (result != NULL || PyErr_Occurred()) return result;
    }
    return slow_call(self, "_call_slow", args, nargsf, kwnames);
}

static PyObject *kernel_process(PyObject *op, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Kernel *self = (Kernel *)op;
    keywords kw;
    if (from_kwnames(&kw, kwnames, args + nargs)) {
        PyObject *result = dispatch(self, args, nargs, &kw, 1);
        if (result != NULL || PyErr_Occurred()) return result;
    }
    return slow_call(self, "_process_slow", args, (size_t)nargs, kwnames);
}

/* _run(*inputs, *outputs): the slow path's call of the entry, on arrays it has made to fit (and
 * with the lock held, for a stateful kernel). Never falls back. */
static PyObject *kernel_run(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    Kernel *self = (Kernel *)op;
    const int n_buf = self->n_in + self->n_out;
    rj_arg arrays[RJ_MAX_ARGS];
    char kinds[RJ_MAX_ARGS];
    int taken = 0, fits = self->entry != NULL && nargs == n_buf && n_buf + self->nbound <= RJ_MAX_ARGS;
    if (self->stateful && self->owner != PyThread_get_thread_ident()) {
        PyErr_SetString(PyExc_RuntimeError, "resin_jit: _run of a stateful kernel without its lock");
        return NULL;
    }
    while (fits && taken < n_buf) {
        kinds[taken] = taken < self->n_in ? self->letter : self->out_letters[taken - self->n_in];
        fits = rj_take_array(args[taken], kinds[taken], &arrays[taken]);
        taken += fits;
    }
    int first = self->n_in > 0 ? 0 : -1;   /* the buffer that has the samples' shape */
    for (int j = 0; first < 0 && j < self->n_out; j++)
        if (self->out_rows[j] == 's') first = self->n_in + j;
    fits = fits && first >= 0;
    for (int b = 0; fits && b < n_buf; b++)
        fits = b < self->n_in ? same_shape(&arrays[b], &arrays[first])
                              : output_fits(self, b - self->n_in, &arrays[b], &arrays[first]);
    if (fits && rj_partly_overlap(arrays, kinds, n_buf)) fits = 0;
    int ran = RJ_ERR_ARGUMENT;
    if (fits) {
        const int64_t total = arrays[first].len;
        rj_call call;
        fill_call(self, &call, arrays, n_buf);
        ran = total > 0 || self->reduces ? call_entry(self, &call, total) : RJ_OK;
    }
    rj_release(arrays, taken);
    if (ran != RJ_OK) {
        PyErr_SetString(PyExc_ValueError, "resin_jit: converted arguments still do not fit the kernel");
        return NULL;
    }
    Py_RETURN_NONE;
}

static void release_bound(Kernel *self)
{
    for (int k = 0; k < self->nbound; k++) PyBuffer_Release(&self->bound_views[k]);
    self->nbound = 0;
}

/* _bind(entry, n_in, n_out, letters, out_rows, names, out_dtypes, bound, keepalive, state_rows, one_d, stateful,
 *       broadcast, fast,
 *       nogil_above, threads_from): set up the calls. entry 0 means no native code (the numpy
 * backend); fast false sends every call to the slow path (py_node callbacks: their errors are
 * collected in Python). Called again when the state is remade, with the lock held. */
/* Inputs all 'f' or all 'd'; outputs 'M' (a mask), 'Q' (an index) or a number of the same type. */
static int letters_fit(const char *letters, int n_in)
{
    char number = 0;   /* the one number type: 'f' or 'd' */
    for (int b = 0; letters[b]; b++) {
        const char c = b < n_in ? letters[b] : (char)(letters[b] | 0x20);
        if (b >= n_in && (letters[b] == 'M' || letters[b] == 'Q')) continue;   /* bools, indices */
        if ((c != 'f' && c != 'd') || (b >= n_in && letters[b] == c) || (number && c != number)) return 0;
        number = c;
    }
    return 1;
}

static PyObject *kernel_bind(PyObject *op, PyObject *args)
{
    Kernel *self = (Kernel *)op;
    unsigned long long entry;
    int n_in, n_out, one_d, stateful, broadcast, fast;
    const char *letters, *out_rows;
    PyObject *names, *out_dtypes, *bound, *keepalive;
    Py_ssize_t state_rows, nogil_above, threads_from;
    if (!PyArg_ParseTuple(args, "KiissO!O!O!Onppppnn", &entry, &n_in, &n_out, &letters, &out_rows, &PyTuple_Type,
                          &names, &PyTuple_Type, &out_dtypes,
                          &PyTuple_Type, &bound, &keepalive, &state_rows, &one_d, &stateful, &broadcast, &fast, &nogil_above,
                          &threads_from))
        return NULL;
    if (n_in < 0 || n_out < 1 || n_in + n_out + PyTuple_GET_SIZE(bound) > RJ_MAX_ARGS
        || PyTuple_GET_SIZE(names) != n_in || PyTuple_GET_SIZE(bound) > RJ_MAX_BOUND
        || (Py_ssize_t)strlen(letters) != (Py_ssize_t)n_in + n_out || PyTuple_GET_SIZE(out_dtypes) != n_out
        || (Py_ssize_t)strlen(out_rows) != n_out || strspn(out_rows, "sr") != strlen(out_rows)
        || !letters_fit(letters, n_in)) {
        PyErr_SetString(PyExc_ValueError, "resin_jit: a kernel's buffers do not fit the call ABI");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n_in; i++) {
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(names, i))) {
            PyErr_SetString(PyExc_TypeError, "resin_jit: input names must be str");
            return NULL;
        }
    }
    Py_buffer views[RJ_MAX_BOUND];
    Py_ssize_t nbound = PyTuple_GET_SIZE(bound);
    for (Py_ssize_t k = 0; k < nbound; k++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(bound, k), &views[k], PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
            for (Py_ssize_t j = 0; j < k; j++) PyBuffer_Release(&views[j]);
            return NULL;
        }
    }
    if (stateful && self->lock == NULL) {
        if ((self->lock = PyThread_allocate_lock()) == NULL) {
            for (Py_ssize_t j = 0; j < nbound; j++) PyBuffer_Release(&views[j]);
            return PyErr_NoMemory();
        }
        self->lock_forks = rj_forks;
    }
    release_bound(self);
    memcpy(self->bound_views, views, sizeof(Py_buffer) * (size_t)nbound);
    self->nbound = (int)nbound;
    self->entry = (rj_entry_fn)(uintptr_t)entry;
    self->n_in = n_in;
    self->n_out = n_out;
    self->letter = n_in > 0 ? letters[0] : 'd';   /* without inputs it never reads a number */
    memcpy(self->out_letters, letters + n_in, (size_t)n_out);
    memcpy(self->out_rows, out_rows, (size_t)n_out);
    self->reduces = strchr(out_rows, 'r') != NULL;
    self->broadcast = broadcast;
    self->one_d = one_d;
    self->stateful = stateful;
    self->fast = fast && entry != 0;
    self->state_rows = state_rows;
    self->nogil_above = nogil_above;
    self->threads_from = threads_from;
    Py_XSETREF(self->names, Py_NewRef(names));
    Py_XSETREF(self->out_dtypes, Py_NewRef(out_dtypes));
    Py_XSETREF(self->bound, Py_NewRef(bound));
    Py_XSETREF(self->keepalive, Py_NewRef(keepalive));
    Py_RETURN_NONE;
}

static PyObject *kernel_acquire(PyObject *op, PyObject *unused)
{
    return acquire((Kernel *)op) < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *kernel_release(PyObject *op, PyObject *unused)
{
    Kernel *self = (Kernel *)op;
    if (self->lock != NULL && self->owner != PyThread_get_thread_ident()) {
        PyErr_SetString(PyExc_RuntimeError, "resin_jit: releasing a kernel lock this thread does not hold");
        return NULL;
    }
    release(self);
    Py_RETURN_NONE;
}

static int kernel_traverse(Kernel *self, visitproc visit, void *arg)
{
    Py_VISIT(self->names);
    Py_VISIT(self->out_dtypes);
    Py_VISIT(self->bound);
    Py_VISIT(self->keepalive);
    return 0;
}

static int kernel_clear(Kernel *self)
{
    release_bound(self);
    self->entry = NULL;
    Py_CLEAR(self->names);
    Py_CLEAR(self->out_dtypes);
    Py_CLEAR(self->bound);
    Py_CLEAR(self->keepalive);
    return 0;
}

static void kernel_dealloc(Kernel *self)
{
    PyObject_GC_UnTrack(self);
    kernel_clear(self);
    if (self->lock != NULL) PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);   /* a Python subclass's dealloc drops the type */
}

static PyObject *kernel_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    Kernel *self = (Kernel *)type->tp_alloc(type, 0);   /* zeroed: no entry, every call is slow */
    if (self == NULL) return NULL;
    self->vectorcall = kernel_vectorcall;
    self->names = PyTuple_New(0);
    if (self->names == NULL) Py_CLEAR(self);
    return (PyObject *)self;
}

static PyMethodDef kernel_methods[] = {
    {"process", (PyCFunction)(void (*)(void))kernel_process, METH_FASTCALL | METH_KEYWORDS,
     "process(*inputs, *outputs) or process(*inputs, out=...): write the outputs into arrays you own."},
    {"_run", (PyCFunction)(void (*)(void))kernel_run, METH_FASTCALL, "Run the entry on arrays that fit."},
    {"_bind", kernel_bind, METH_VARARGS, "Set up the fast path."},
    {"_acquire", kernel_acquire, METH_NOARGS, "Take a stateful kernel's lock (waits without the GIL)."},
    {"_release", kernel_release, METH_NOARGS, "Give the lock back."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef kernel_members[] = {
    {"_fast_calls", T_ULONGLONG, offsetof(Kernel, fast_calls), READONLY, "Calls run straight from C."},
    {"_slow_calls", T_ULONGLONG, offsetof(Kernel, slow_calls), READONLY, "Calls handed to the Python slow path."},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject rj_KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "resin_jit._dispatch.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "The C half of resin_jit.Kernel: every call form, straight into the compiled entry.",
    .tp_new = kernel_new,
    .tp_dealloc = (destructor)kernel_dealloc,
    .tp_traverse = (traverseproc)kernel_traverse,
    .tp_clear = (inquiry)kernel_clear,
    .tp_call = kernel_call,
    .tp_vectorcall_offset = offsetof(Kernel, vectorcall),
    .tp_methods = kernel_methods,
    .tp_members = kernel_members,
};
