/* dispatch_kernel.c - resin_jit.runtime._dispatch.Kernel: every call form of a graph kernel, in C.
 *
 * resin_jit.Kernel subclasses this type. A call in the common case goes from Python straight
 * into the kernel's entry, with no Python frame in between:
 *
 *   kernel(x, y)  kernel(x=xs, y=ys)  kernel(n=1024)         outputs allocated here
 *   kernel(x, out=y)  kernel(x, out=(y0, y1))               the outputs given, returned
 *   kernel.process(x, y, out0)  kernel.process(x, out=y)  kernel.process(x, out=[y0, y1])
 *   any of these with threads=1 or threads=None
 *
 * when every array is a numpy array (or buffer) of the kernel's dtype, C-contiguous and aligned,
 * all of one shape, and every other input a Python or numpy number (broadcast: the entry takes
 * it as a one-element buffer, see csrc/rj_samples.h). Anything else (conversion, broadcasting
 * arrays, a new channel count for the state, threads > 1, a mistake to explain) goes to the Python
 * methods _call_slow / _process_slow with the original arguments, which keep every rule and
 * message of the API. The slow path runs the entry through _run, under the same lock.
 *
 * A stateful kernel has one state, so its calls are serialised by a lock: the fast path takes
 * it around the entry, the slow path with _acquire() / _release().
 *
 * Python code may run in the middle of a call (a numpy scalar subclass's __float__, another
 * thread while this one waits for the lock or runs the entry without the GIL) and rebind the
 * kernel. The plan cannot change (dispatch_bind.c), and what a binding changes the call reads
 * from the rj_binding it holds from just before it fills the rj_call until its entry returns.
 */
#include "dispatch_kernel.h"   /* first: it includes Python.h */
#include <structmember.h>
#include <stddef.h>
#include <string.h>

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

/* Output j of a call whose samples have `shape`; zero_d: the inputs were all numbers or 0-d arrays
 * (one sample), so a per-sample output is 0-d, as numpy gives. */
static PyObject *new_output(Kernel *self, int j, const rj_arg *shape, int zero_d)
{
    PyObject *dtype = Py_NewRef(PyTuple_GET_ITEM(self->out_dtypes, j));   /* held: numpy.empty runs Python code */
    PyObject *dims = self->out_rows[j] == 'r' ? (shape->ndim == 2 ? Py_BuildValue("(n)", shape->shape[0])
                                                                   : PyTuple_New(0))
                   : zero_d ? PyTuple_New(0)
                   : shape->ndim == 2 ? Py_BuildValue("(nn)", shape->shape[0], shape->shape[1])
                                      : PyLong_FromSsize_t(shape->shape[0]);
    PyObject *array = NULL;
    if (dims != NULL) {
        PyObject *args[2] = {dims, dtype};
        array = PyObject_Vectorcall(rj_numpy_empty, args, 2, NULL);
        Py_DECREF(dims);
    }
    Py_DECREF(dtype);
    return array;
}

/* The shape every array of the call has, when there is no array to take it from. */
static int shape_without_arrays(const rj_request *req, rj_arg *shape)
{
    memset(shape, 0, sizeof *shape);
    shape->ndim = 1;
    shape->shape[1] = 1;
    if (req->n_in > 0) {   /* only numbers: one sample, as numpy's broadcast of scalars gives */
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

/* What the call returns: None from process(), else the outputs (given by out=, or made here),
 * one array or a tuple, as numpy's ufuncs return them. */
static PyObject *results(const rj_request *req, PyObject **made)
{
    if (req->process) Py_RETURN_NONE;
    PyObject *const *outputs = req->have_outputs ? req->outputs : made;
    if (req->n_out == 1) return Py_NewRef(outputs[0]);
    PyObject *tuple = PyTuple_New(req->n_out);
    for (int j = 0; tuple != NULL && j < req->n_out; j++) PyTuple_SET_ITEM(tuple, j, Py_NewRef(outputs[j]));
    return tuple;
}

/* The entry, without the GIL when release is set. */
static int call_entry(const rj_binding *binding, rj_call *call, int release)
{
    int ran;
    if (release) {
        Py_BEGIN_ALLOW_THREADS
        ran = binding->entry(call);
        Py_END_ALLOW_THREADS
    } else {
        ran = binding->entry(call);
    }
    return ran;
}

static void fill_call(const rj_binding *binding, rj_call *call, const rj_arg *args, int n_buf)
{
    for (int b = 0; b < n_buf; b++) {
        call->ptr[b] = args[b].ptr;
        call->len[b] = args[b].len;
        call->rows[b] = args[b].ndim == 2 ? args[b].shape[0] : 1;
    }
    for (int k = 0; k < binding->nbound; k++) {   /* n_buf + nbound <= RJ_MAX_ARGS: checked at every binding */
        call->ptr[n_buf + k] = binding->views[k].buf;
        call->len[n_buf + k] = binding->lens[k];
        call->rows[n_buf + k] = 1;
    }
}

/* Input obj as a number (stored in *number, the kernel's element type): 1, or 0 if it is none. */
static int take_number(Kernel *self, PyObject *obj, rj_arg *arg, void *number)
{
    double value;
    /* a kernel that follows its inputs takes numpy's float64 scalars (strongly typed, NEP 50) on
     * its float64 side only */
    if (self->follows && self->letter == 'f' && PyFloat_Check(obj) && !PyFloat_CheckExact(obj)) return 0;
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

static int all_unmoved(const rj_request *req, const rj_arg *args, const char *kinds, const int *numbers)
{
    for (int i = 0; i < req->n_in; i++)
        if (!numbers[i] && !unmoved(req->inputs[i], kinds[i], &args[i])) return 0;
    for (int j = 0; req->have_outputs && j < req->n_out; j++)
        if (!unmoved(req->outputs[j], kinds[req->n_in + j], &args[req->n_in + j])) return 0;
    return 1;
}

/* Run the request. Returns 1 with *result set when it ran, 0 when it belongs to the slow path,
 * -1 on an error. For process() the result is None, else the output(s). */
static int try_fast(Kernel *self, const rj_request *req, PyObject **result)
{
    rj_arg args[RJ_MAX_ARGS];
    char kinds[RJ_MAX_ARGS];
    double numbers[RJ_MAX_ARGS];
    PyObject *made[RJ_MAX_ARGS] = {NULL};
    const int n_in = req->n_in, n_out = req->n_out, n_buf = n_in + n_out;
    const rj_arg *shape = NULL;
    rj_arg implicit;
    int status = 0, scalars = 0, is_number[RJ_MAX_ARGS];

    if (!self->fast) return 0;
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
    const int zero_d = shape == NULL && n_in > 0;   /* numbers and 0-d arrays only */
    if (shape == NULL) {
        if (!shape_without_arrays(req, &implicit)) goto done;
        shape = &implicit;
    }
    for (int i = 0; i < n_in; i++)
        if (args[i].ndim > 0 && !same_shape(&args[i], shape)) goto done;
    for (int j = 0; req->have_outputs && j < n_out; j++)
        if (!output_fits(self, j, &args[n_in + j], shape)) goto done;
    const int64_t total = (int64_t)shape->shape[0] * shape->shape[1];
    const Py_ssize_t rows = shape->ndim == 2 ? shape->shape[0] : 1;
    const Py_ssize_t per_row = shape->ndim == 2 ? shape->shape[1] : shape->shape[0];
    /* threads: a call this large splits, in the slow path, unless threads=1 or it cannot split (one
     * row of a kernel that reduces or keeps state runs its samples in order) */
    const int splits = self->threads_from > 0 && total >= self->threads_from && !req->one_thread
                       && !((self->reduces || self->stateful) && rows == 1);
    if ((self->one_d && shape->ndim != 1) || (self->stateful && rows != self->binding->state_rows)
        || (self->reduces && per_row == 0)   /* rows of no samples: the slow path knows which reductions have no value */
        || (scalars && !self->broadcast && total != 1) || splits)
        goto done;

    for (int j = 0; !req->have_outputs && j < n_out; j++) {
        made[j] = new_output(self, j, shape, zero_d);
        if (made[j] == NULL || !rj_take_array(made[j], kinds[n_in + j], &args[n_in + j])) {
            status = -1;
            goto done;
        }
    }
    if (rj_partly_overlap(args, kinds, n_buf)) goto done;

    if (rj_kernel_acquire(self) < 0) {
        status = -1;
        goto done;
    }
    /* What the entry runs with, held until it returns. The kernel rebound (its state remade, or
     * without native code now), or an array resized, while we waited (or while outputs were made):
     * the slow path. */
    rj_binding *binding = rj_binding_take(self);
    if (binding == NULL || binding->entry == NULL || !self->fast || (self->stateful && rows != binding->state_rows)
        || !all_unmoved(req, args, kinds, is_number)) {
        rj_kernel_release(self);
        if (binding != NULL) rj_binding_drop(binding);
        goto done;
    }
    rj_call call;
    fill_call(binding, &call, args, n_buf);
    const int ran = total > 0 || self->reduces ? call_entry(binding, &call, total > self->nogil_above)
                                               : RJ_OK;   /* a sum of none is 0 */
    rj_kernel_release(self);
    rj_binding_drop(binding);
    if (ran == RJ_OK) {   /* anything else was checked above, so is not expected: the slow path explains */
        self->fast_calls++;
        *result = results(req, made);
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

/* Whether some input has a dtype (a numpy array or scalar): Python numbers alone do not choose a
 * following kernel's dtype, and are float64 to it, as to numpy (NEP 50). */
static int any_typed(const rj_request *req)
{
    for (int i = 0; i < req->n_in; i++) {
        PyObject *obj = req->inputs[i];
        if ((rj_ndarray_type != NULL && PyObject_TypeCheck(obj, rj_ndarray_type))
            || (rj_numpy_floating != NULL && PyObject_TypeCheck(obj, (PyTypeObject *)rj_numpy_floating))
            || (rj_numpy_integer != NULL && PyObject_TypeCheck(obj, (PyTypeObject *)rj_numpy_integer)))
            return 1;
    }
    return 0;
}

/* Whether the call's first array input has the sibling's dtype: then the sibling is tried first,
 * and a float64 call costs a following kernel no failed attempt. */
static int sibling_first(const Kernel *self, const Kernel *sibling, const rj_request *req)
{
    for (int i = 0; i < req->n_in; i++) {
        const char type = rj_array_type(req->inputs[i]);
        if (type != 0) return type == sibling->letter && type != self->letter;
    }
    return 0;
}

static PyObject *dispatch(Kernel *self, PyObject *const *args, Py_ssize_t nargs, const rj_keywords *kw,
                          int process)
{
    rj_request req;
    PyObject *result = NULL;
    if (!rj_sort_arguments(self, &req, args, nargs, kw, process)) return NULL;   /* NULL, no error: slow */
    rj_hold(&req);
    /* A following kernel (runtime/following.py) runs what its arrays' dtype says: float32 here,
     * float64 in its sibling, numbers alone there too (unless outputs given say which); the slow
     * path decides anything else. */
    int ran = 0;
    if (self->sibling == NULL) {
        if (!(self->follows && req.n_in > 0 && !req.have_outputs && !any_typed(&req))) ran = try_fast(self, &req, &result);
    } else {
        Kernel *sibling = (Kernel *)Py_NewRef(self->sibling);
        Kernel *first = self, *second = sibling;
        if (req.n_in > 0 && !req.have_outputs && !any_typed(&req)) first = NULL;   /* numbers alone: float64 */
        else if (sibling_first(self, sibling, &req)) first = sibling, second = self;
        if (first != NULL) ran = try_fast(first, &req, &result);
        if (ran == 0) ran = try_fast(second, &req, &result);
        Py_DECREF(sibling);
    }
    rj_let_go(&req);
    return ran > 0 ? result : NULL;
}

/* kernel(*inputs, **named): tp_call, as CPython calls an instance of a Python subclass. */
static PyObject *kernel_call(PyObject *op, PyObject *args, PyObject *kwargs)
{
    Kernel *self = (Kernel *)op;
    rj_keywords kw;
    if (rj_from_dict(&kw, kwargs)) {
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
    rj_keywords kw;
    if (rj_from_kwnames(&kw, kwnames, args + PyVectorcall_NARGS(nargsf))) {
        PyObject *result = dispatch(self, args, PyVectorcall_NARGS(nargsf), &kw, 0);
        if (result != NULL || PyErr_Occurred()) return result;
    }
    return slow_call(self, "_call_slow", args, nargsf, kwnames);
}

static PyObject *kernel_process(PyObject *op, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Kernel *self = (Kernel *)op;
    rj_keywords kw;
    if (rj_from_kwnames(&kw, kwnames, args + nargs)) {
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
    if (self->stateful && self->owner != PyThread_get_thread_ident()) {
        PyErr_SetString(PyExc_RuntimeError, "resin_jit: _run of a stateful kernel without its lock");
        return NULL;
    }
    rj_binding *binding = rj_binding_take(self);   /* held until the entry returns, whatever rebinds the kernel */
    int taken = 0, fits = binding != NULL && binding->entry != NULL && nargs == n_buf;
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
        fill_call(binding, &call, arrays, n_buf);
        /* without the GIL whatever the size: threads=N's chunks come this way (runtime/kernel.py's
         * _run_threaded) and run at once only so, and the slow path costs more than the release */
        ran = total > 0 || self->reduces ? call_entry(binding, &call, 1) : RJ_OK;
    }
    rj_release(arrays, taken);
    if (binding != NULL) rj_binding_drop(binding);
    if (ran != RJ_OK) {
        PyErr_SetString(PyExc_ValueError, "resin_jit: converted arguments still do not fit the kernel");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *kernel_acquire(PyObject *op, PyObject *unused)
{
    (void)unused;   /* METH_NOARGS's signature */
    return rj_kernel_acquire((Kernel *)op) < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *kernel_release(PyObject *op, PyObject *unused)
{
    (void)unused;   /* METH_NOARGS's signature */
    Kernel *self = (Kernel *)op;
    if (self->lock != NULL && self->owner != PyThread_get_thread_ident()) {
        PyErr_SetString(PyExc_RuntimeError, "resin_jit: releasing a kernel lock this thread does not hold");
        return NULL;
    }
    rj_kernel_release(self);
    Py_RETURN_NONE;
}

static int kernel_traverse(Kernel *self, visitproc visit, void *arg)
{
    Py_VISIT(self->names);
    Py_VISIT(self->out_dtypes);
    Py_VISIT(self->sibling);
    if (self->binding != NULL) {
        Py_VISIT(self->binding->bound);
        Py_VISIT(self->binding->keepalive);
    }
    return 0;
}

/* The garbage collector's, for a kernel no call holds (so none is in flight). The names stay: a
 * tuple of str holds nothing that could lead back here, and the call path reads it unchecked. */
static int kernel_clear(Kernel *self)
{
    rj_binding *binding = self->binding;
    self->binding = NULL;
    self->fast = 0;
    Py_CLEAR(self->out_dtypes);
    Py_CLEAR(self->sibling);
    if (binding != NULL) rj_binding_drop(binding);
    return 0;
}

static void kernel_dealloc(Kernel *self)
{
    PyObject_GC_UnTrack(self);
    kernel_clear(self);
    Py_CLEAR(self->names);
    if (self->lock != NULL) PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);   /* a Python subclass's dealloc drops the type */
}

static PyObject *kernel_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    (void)args;   /* tp_new's signature: the arguments are _bind's, later */
    (void)kwargs;
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
    {"_bind", rj_kernel_bind, METH_O, "Set up the fast path."},
    {"_acquire", kernel_acquire, METH_NOARGS, "Take a stateful kernel's lock (waits without the GIL)."},
    {"_release", kernel_release, METH_NOARGS, "Give the lock back."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef kernel_members[] = {
    {"_fast_calls", T_ULONGLONG, offsetof(Kernel, fast_calls), READONLY, "Calls run straight from C."},
    {"_slow_calls", T_ULONGLONG, offsetof(Kernel, slow_calls), READONLY, "Calls handed to the Python slow path."},
    {"_follows", T_INT, offsetof(Kernel, follows), 0, "1: the kernel follows its inputs' dtype (numbers alone: slow path)."},
    {NULL, 0, 0, 0, NULL},
};

extern PyTypeObject rj_KernelType;   /* defined below */

static PyObject *kernel_get_sibling(PyObject *op, void *unused)
{
    (void)unused;
    Kernel *self = (Kernel *)op;
    return Py_NewRef(self->sibling != NULL ? self->sibling : Py_None);
}

/* Only a bound Kernel of the same inputs and outputs: the call's arguments, sorted against this
 * kernel's names, go to it unchanged. */
static int kernel_set_sibling(PyObject *op, PyObject *value, void *unused)
{
    (void)unused;
    Kernel *self = (Kernel *)op;
    if (value == NULL || value == Py_None) {
        Py_CLEAR(self->sibling);
        return 0;
    }
    Kernel *other = (Kernel *)value;
    if (!PyObject_TypeCheck(value, &rj_KernelType) || other == self || other->out_dtypes == NULL
        || self->out_dtypes == NULL || other->n_in != self->n_in || other->n_out != self->n_out
        || PyObject_RichCompareBool(other->names, self->names, Py_EQ) != 1) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "a kernel's sibling is a bound Kernel of the same inputs and outputs");
        return -1;
    }
    Py_XSETREF(self->sibling, Py_NewRef(value));
    return 0;
}

static PyGetSetDef kernel_getset[] = {
    {"_sibling", kernel_get_sibling, kernel_set_sibling, "The kernel of the other dtype calls may take, or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject rj_KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "resin_jit.runtime._dispatch.Kernel",
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
    .tp_getset = kernel_getset,
};
