/* dispatch_bind.c - what a kernel's calls bind from: its plan (resin_jit/front/plan.py) and the
 * buffers its object owns, handed over as one runtime.kernel.CallBinding and read here by name.
 * Called when a kernel is made, and again whenever its state buffer is remade (with the lock
 * held). An entry of 0 means no native code (the numpy backend); fast false sends every call to
 * the slow path (py_node callbacks: their errors are collected in Python). */
#include "dispatch_kernel.h"   /* first: it includes Python.h */
#include <string.h>

void rj_release_bound(Kernel *self)
{
    for (int k = 0; k < self->nbound; k++) PyBuffer_Release(&self->bound_views[k]);
    self->nbound = 0;
}

/* Inputs all 'f' or all 'd'; each output a number of that type in upper case (written), or a
 * buffer letter of another type (an output kind of its own: 'M' numpy bools, 'Q' int64, ...). */
static int letters_fit(const char *letters, int n_in)
{
    char number = n_in > 0 ? letters[0] : 0;
    for (int b = 0; letters[b]; b++) {
        const char c = letters[b];
        if (b < n_in ? c != number || (c != 'f' && c != 'd')
                     : !(c >= 'A' && c <= 'Z') || !rj_is_buffer_letter(c)
                       || ((c == 'F' || c == 'D') && number && (c | 0x20) != number))
            return 0;
    }
    return 1;
}

/* ---- reading a field by name ------------------------------------------------------------------ */

static PyObject *field(PyObject *obj, const char *name)
{
    return PyObject_GetAttrString(obj, name);   /* a new reference, or NULL with AttributeError */
}

static int flag_field(PyObject *obj, const char *name, int *out)
{
    PyObject *value = field(obj, name);
    if (value == NULL) return -1;
    *out = PyObject_IsTrue(value);
    Py_DECREF(value);
    return *out < 0 ? -1 : 0;
}

static int size_field(PyObject *obj, const char *name, Py_ssize_t *out)
{
    PyObject *value = field(obj, name);
    if (value == NULL) return -1;
    *out = PyLong_AsSsize_t(value);
    Py_DECREF(value);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* An ASCII str field copied into buf (at most size - 1 characters). */
static int text_field(PyObject *obj, const char *name, char *buf, size_t size)
{
    PyObject *value = field(obj, name);
    if (value == NULL) return -1;
    Py_ssize_t length;
    const char *text = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &length) : NULL;
    int ok = text != NULL && (size_t)length < size;
    if (ok) memcpy(buf, text, (size_t)length + 1);
    else if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "resin_jit: a kernel's %s does not fit the call ABI", name);
    Py_DECREF(value);
    return ok ? 0 : -1;
}

static PyObject *tuple_field(PyObject *obj, const char *name)
{
    PyObject *value = field(obj, name);
    if (value != NULL && !PyTuple_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "resin_jit: a kernel's %s must be a tuple", name);
        Py_CLEAR(value);
    }
    return value;
}

/* ---- the binding --------------------------------------------------------------------------------- */

/* What one binding says, read in full before anything of the kernel changes. */
typedef struct {
    unsigned long long entry;
    char letters[RJ_MAX_ARGS + 1], out_rows[RJ_MAX_ARGS + 1];
    int one_d, stateful, broadcast, fast;
    Py_ssize_t state_rows, nogil_above, threads_from;
    PyObject *names, *out_dtypes, *bound, *keepalive;   /* new references */
} binding_fields;

static void drop_fields(binding_fields *f)
{
    Py_CLEAR(f->names);
    Py_CLEAR(f->out_dtypes);
    Py_CLEAR(f->bound);
    Py_CLEAR(f->keepalive);
}

static int read_fields(PyObject *binding, binding_fields *f)
{
    PyObject *plan = field(binding, "plan"), *entry = NULL;
    int status = plan == NULL ? -1 : 0;
    if (status == 0 && (entry = field(binding, "entry")) != NULL) {
        f->entry = PyLong_AsUnsignedLongLong(entry);
        status = f->entry == (unsigned long long)-1 && PyErr_Occurred() ? -1 : 0;
    } else {
        status = -1;
    }
    if (status == 0)
        status = text_field(plan, "letters", f->letters, sizeof f->letters) < 0
                 || text_field(plan, "out_rows", f->out_rows, sizeof f->out_rows) < 0
                 || flag_field(plan, "stateful", &f->stateful) < 0 || flag_field(plan, "broadcast", &f->broadcast) < 0
                 || flag_field(binding, "one_d", &f->one_d) < 0 || flag_field(binding, "fast", &f->fast) < 0
                 || size_field(binding, "state_rows", &f->state_rows) < 0
                 || size_field(binding, "nogil_above", &f->nogil_above) < 0
                 || size_field(binding, "threads_from", &f->threads_from) < 0
                 || (f->names = tuple_field(plan, "names")) == NULL
                 || (f->out_dtypes = tuple_field(plan, "output_dtypes")) == NULL
                 || (f->bound = tuple_field(binding, "bound")) == NULL
                 || (f->keepalive = field(binding, "keepalive")) == NULL ? -1 : 0;
    Py_XDECREF(entry);
    Py_XDECREF(plan);
    return status;
}

/* The fields agree with each other and with the call ABI (rj_abi.h). */
static int fields_fit(const binding_fields *f)
{
    const Py_ssize_t n_in = PyTuple_GET_SIZE(f->names), n_out = (Py_ssize_t)strlen(f->out_rows);
    if (n_out < 1 || n_in + n_out + PyTuple_GET_SIZE(f->bound) > RJ_MAX_ARGS
        || PyTuple_GET_SIZE(f->bound) > RJ_MAX_BOUND || (Py_ssize_t)strlen(f->letters) != n_in + n_out
        || PyTuple_GET_SIZE(f->out_dtypes) != n_out || strspn(f->out_rows, "sr") != (size_t)n_out
        || !letters_fit(f->letters, (int)n_in)) {
        PyErr_SetString(PyExc_ValueError, "resin_jit: a kernel's buffers do not fit the call ABI");
        return 0;
    }
    for (Py_ssize_t i = 0; i < n_in; i++) {
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(f->names, i))) {
            PyErr_SetString(PyExc_TypeError, "resin_jit: input names must be str");
            return 0;
        }
    }
    return 1;
}

/* Views of the bound buffers (writable, contiguous), all or none. */
static int view_bound(PyObject *bound, Py_buffer *views)
{
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(bound); k++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(bound, k), &views[k], PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
            for (Py_ssize_t j = 0; j < k; j++) PyBuffer_Release(&views[j]);
            return -1;
        }
    }
    return 0;
}

static void set_fields(Kernel *self, binding_fields *f, Py_buffer *views)
{
    const int n_in = (int)PyTuple_GET_SIZE(f->names), n_out = (int)strlen(f->out_rows);
    rj_release_bound(self);
    memcpy(self->bound_views, views, sizeof(Py_buffer) * (size_t)PyTuple_GET_SIZE(f->bound));
    self->nbound = (int)PyTuple_GET_SIZE(f->bound);
    self->entry = (rj_entry_fn)(uintptr_t)f->entry;
    self->n_in = n_in;
    self->n_out = n_out;
    self->letter = n_in > 0 ? f->letters[0] : 'd';   /* without inputs it never reads a number */
    memcpy(self->out_letters, f->letters + n_in, (size_t)n_out);
    memcpy(self->out_rows, f->out_rows, (size_t)n_out);
    self->reduces = strchr(f->out_rows, 'r') != NULL;
    self->broadcast = f->broadcast;
    self->one_d = f->one_d;
    self->stateful = f->stateful;
    self->fast = f->fast && f->entry != 0;
    self->state_rows = f->state_rows;
    self->nogil_above = f->nogil_above;
    self->threads_from = f->threads_from;
    Py_XSETREF(self->names, f->names);          /* the references move into the kernel */
    Py_XSETREF(self->out_dtypes, f->out_dtypes);
    Py_XSETREF(self->bound, f->bound);
    Py_XSETREF(self->keepalive, f->keepalive);
    f->names = f->out_dtypes = f->bound = f->keepalive = NULL;
}

PyObject *rj_kernel_bind(PyObject *op, PyObject *binding)
{
    Kernel *self = (Kernel *)op;
    binding_fields f = {0};
    Py_buffer views[RJ_MAX_BOUND];
    if (read_fields(binding, &f) < 0 || !fields_fit(&f) || view_bound(f.bound, views) < 0) {
        drop_fields(&f);
        return NULL;
    }
    if (f.stateful && self->lock == NULL && rj_kernel_new_lock(self) < 0) {
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(f.bound); j++) PyBuffer_Release(&views[j]);
        drop_fields(&f);
        return NULL;
    }
    set_fields(self, &f, views);
    Py_RETURN_NONE;
}
