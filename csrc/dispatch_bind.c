/* dispatch_bind.c - what a kernel's calls bind from: its plan (resin_jit/front/plan.py) and the
 * buffers its object owns, handed over as one runtime.kernel.CallBinding and read here by name
 * ("letters", "out_rows", "names", "output_dtypes", "stateful", "broadcast" of the plan; "entry",
 * "bound", "keepalive", "state_rows", "one_d", "fast", "nogil_above", "threads_from" of the binding).
 * Called when a kernel is made, and again whenever its state buffer is remade or reset (with the
 * lock held) or its thread settings change. An entry of 0 means no native code (the numpy
 * backend); fast false sends every call to the slow path (py_node callbacks: their errors are
 * collected in Python).
 *
 * The plan is bound once: a later binding must bring the same one (a kernel object keeps its plan
 * for life), and only the entry, the bound buffers and the settings change. So the call path may
 * read the plan's fields at any time, even after running Python code (a number's __float__) that
 * rebinds the kernel; the rest it reads from the rj_binding it holds for the call.
 *
 * Every function here that can fail returns 0, or -1 with an exception set (new_binding: NULL
 * with one); letters_fit is a plain test.
 */
#include "dispatch_kernel.h"   /* first: it includes Python.h */
#include <string.h>

void rj_binding_drop(rj_binding *b)
{
    if (--b->refs > 0) return;
    /* What follows may run Python code (the last reference to a buffer or the library), which can
     * no longer reach b. */
    for (int k = 0; k < b->nbound; k++) PyBuffer_Release(&b->views[k]);
    Py_XDECREF(b->bound);
    Py_XDECREF(b->keepalive);
    PyMem_Free(b);
}

/* Inputs all 'f' or all 'd'; each output a number of the kernel's one type in upper case
 * (written), or a buffer letter of another type (an output kind of its own: 'M' numpy bools,
 * 'Q' int64, ...). The type is the inputs', or without inputs the first number output's. */
static int letters_fit(const char *letters, int n_in)
{
    char number = 0;
    for (int b = 0; letters[b]; b++) {
        const char c = letters[b], as_input = (char)(c | 0x20);
        const int is_number = b < n_in ? c == 'f' || c == 'd' : c == 'F' || c == 'D';
        if (b < n_in ? !is_number : !(c >= 'A' && c <= 'Z') || !rj_is_buffer_letter(c)) return 0;
        if (is_number && number != 0 && as_input != number) return 0;
        if (is_number) number = as_input;
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

/* An int field from 0 to `most`. whose: "plan" or "binding", for the messages. */
static int count_field(PyObject *obj, const char *whose, const char *name, unsigned long long most,
                       unsigned long long *out)
{
    PyObject *value = field(obj, name);
    if (value == NULL) return -1;
    if (!PyLong_Check(value)) {
        PyErr_Format(PyExc_TypeError, "resin_jit: a kernel %s's %s must be an int, not %.100s", whose, name,
                     Py_TYPE(value)->tp_name);
        Py_DECREF(value);
        return -1;
    }
    int overflow = 0, error = 0;
    const long long as_signed = PyLong_AsLongLongAndOverflow(value, &overflow);   /* no Python code: an int */
    unsigned long long as_unsigned = 0;
    if (overflow > 0) {   /* beyond a long long: perhaps an address in the upper half */
        as_unsigned = PyLong_AsUnsignedLongLong(value);
        error = PyErr_Occurred() != NULL;
        PyErr_Clear();
    }
    const int fits = overflow == 0 ? as_signed >= 0 && (unsigned long long)as_signed <= most
                                   : overflow > 0 && !error && as_unsigned <= most;
    *out = overflow == 0 ? (unsigned long long)as_signed : as_unsigned;
    if (!fits)
        PyErr_Format(PyExc_OverflowError, "resin_jit: a kernel %s's %s must be an int from 0 to %llu, not %R", whose,
                     name, most, value);
    Py_DECREF(value);
    return fits ? 0 : -1;
}

static int size_field(PyObject *obj, const char *whose, const char *name, Py_ssize_t *out)
{
    unsigned long long value;
    if (count_field(obj, whose, name, (unsigned long long)PY_SSIZE_T_MAX, &value) < 0) return -1;
    *out = (Py_ssize_t)value;
    return 0;
}

/* An ASCII str field copied into buf (at most size - 1 characters). */
static int text_field(PyObject *obj, const char *whose, const char *name, char *buf, size_t size)
{
    PyObject *value = field(obj, name);
    if (value == NULL) return -1;
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "resin_jit: a kernel %s's %s must be a str, not %.100s", whose, name,
                     Py_TYPE(value)->tp_name);
        Py_DECREF(value);
        return -1;
    }
    Py_ssize_t length = 0;
    const char *text = PyUnicode_IS_ASCII(value) ? PyUnicode_AsUTF8AndSize(value, &length) : NULL;
    const int fits = text != NULL && (size_t)length < size && strlen(text) == (size_t)length;
    if (fits) memcpy(buf, text, (size_t)length + 1);
    PyErr_Clear();
    if (!fits)
        PyErr_Format(PyExc_ValueError, "resin_jit: a kernel %s's %s %.60R does not fit the call ABI "
                     "(ASCII letters, at most %d)", whose, name, value, (int)size - 1);
    Py_DECREF(value);
    return fits ? 0 : -1;
}

static PyObject *tuple_field(PyObject *obj, const char *whose, const char *name)
{
    PyObject *value = field(obj, name);
    if (value != NULL && !PyTuple_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "resin_jit: a kernel %s's %s must be a tuple, not %.100s", whose, name,
                     Py_TYPE(value)->tp_name);
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

static int read_plan(PyObject *plan, binding_fields *f)
{
    const char *p = "plan";
    return text_field(plan, p, "letters", f->letters, sizeof f->letters) < 0
           || text_field(plan, p, "out_rows", f->out_rows, sizeof f->out_rows) < 0
           || flag_field(plan, "stateful", &f->stateful) < 0 || flag_field(plan, "broadcast", &f->broadcast) < 0
           || (f->names = tuple_field(plan, p, "names")) == NULL
           || (f->out_dtypes = tuple_field(plan, p, "output_dtypes")) == NULL ? -1 : 0;
}

static int read_fields(PyObject *binding, binding_fields *f)
{
    const char *b = "binding";
    PyObject *plan = field(binding, "plan");
    const int status = plan == NULL || read_plan(plan, f) < 0
                       || count_field(binding, b, "entry", (unsigned long long)UINTPTR_MAX, &f->entry) < 0
                       || flag_field(binding, "one_d", &f->one_d) < 0 || flag_field(binding, "fast", &f->fast) < 0
                       || size_field(binding, b, "state_rows", &f->state_rows) < 0
                       || size_field(binding, b, "nogil_above", &f->nogil_above) < 0
                       || size_field(binding, b, "threads_from", &f->threads_from) < 0
                       || (f->bound = tuple_field(binding, b, "bound")) == NULL
                       || (f->keepalive = field(binding, "keepalive")) == NULL ? -1 : 0;
    Py_XDECREF(plan);
    return status;
}

/* The fields agree with each other and with the call ABI (rj_abi.h). */
static int check_fields(const binding_fields *f)
{
    const Py_ssize_t n_in = PyTuple_GET_SIZE(f->names), n_out = (Py_ssize_t)strlen(f->out_rows);
    const Py_ssize_t n_bound = PyTuple_GET_SIZE(f->bound);
    if (n_out < 1 || n_in + n_out + n_bound > RJ_MAX_ARGS || n_bound > RJ_MAX_BOUND
        || (Py_ssize_t)strlen(f->letters) != n_in + n_out || PyTuple_GET_SIZE(f->out_dtypes) != n_out
        || strspn(f->out_rows, "sr") != (size_t)n_out || !letters_fit(f->letters, (int)n_in)) {
        PyErr_Format(PyExc_ValueError, "resin_jit: a kernel's buffers do not fit the call ABI (letters '%s', "
                     "out_rows '%s', %zd names, %zd output_dtypes, %zd bound)", f->letters, f->out_rows, n_in,
                     PyTuple_GET_SIZE(f->out_dtypes), n_bound);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n_in; i++) {
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(f->names, i))) {
            PyErr_SetString(PyExc_TypeError, "resin_jit: a kernel plan's names must be str");
            return -1;
        }
    }
    return 0;
}

/* The entry and bound buffers as an rj_binding (the references move into it), with views of the
 * buffers (writable, contiguous); NULL with an error. May run Python code (a buffer export). */
static rj_binding *new_binding(binding_fields *f)
{
    rj_binding *b = PyMem_Calloc(1, sizeof *b);
    if (b == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    b->refs = 1;
    b->entry = (rj_entry_fn)(uintptr_t)f->entry;
    b->state_rows = f->state_rows;
    b->bound = f->bound;
    b->keepalive = f->keepalive;
    f->bound = f->keepalive = NULL;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(b->bound); k++) {
        Py_buffer *view = &b->views[k];
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(b->bound, k), view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
            rj_binding_drop(b);
            return NULL;
        }
        b->nbound = (int)k + 1;
        if (view->itemsize <= 0 || view->len % view->itemsize != 0) {
            PyErr_SetString(PyExc_ValueError, "resin_jit: a kernel binding's bound buffers must hold whole items");
            rj_binding_drop(b);
            return NULL;
        }
        b->lens[k] = (int64_t)(view->len / view->itemsize);
    }
    return b;
}

static int same_plan_error(void)
{
    PyErr_SetString(PyExc_ValueError, "resin_jit: a kernel's plan is bound once: a later binding must bring the "
                    "same inputs and outputs (names, letters, out_rows, output_dtypes, stateful, broadcast)");
    return -1;
}

/* A later binding brings the plan the kernel has. May run Python code (a dtype's ==), which
 * cannot change the plan (it is the kernel's for life). */
static int check_same_plan(Kernel *self, const binding_fields *f)
{
    const int n_in = self->n_in, n_out = self->n_out;
    if (PyTuple_GET_SIZE(f->names) != n_in || (int)strlen(f->out_rows) != n_out
        || memcmp(f->out_rows, self->out_rows, (size_t)n_out) != 0
        || memcmp(f->letters + n_in, self->out_letters, (size_t)n_out) != 0
        || (n_in > 0 && f->letters[0] != self->letter)   /* letters_fit: the inputs' are all one */
        || f->stateful != self->stateful || f->broadcast != self->broadcast)
        return same_plan_error();
    for (int i = 0; i < n_in; i++) {
        PyObject *mine = PyTuple_GET_ITEM(self->names, i), *theirs = PyTuple_GET_ITEM(f->names, i);
        if (mine != theirs && PyUnicode_Compare(mine, theirs) != 0) return same_plan_error();   /* both exact str */
    }
    PyObject *dtypes = Py_NewRef(self->out_dtypes);
    int same = 1;
    for (int j = 0; same == 1 && j < n_out; j++) {
        PyObject *a = PyTuple_GET_ITEM(dtypes, j), *b = PyTuple_GET_ITEM(f->out_dtypes, j);
        same = a == b ? 1 : PyObject_RichCompareBool(a, b, Py_EQ);
    }
    Py_DECREF(dtypes);
    return same == 1 ? 0 : same < 0 ? -1 : same_plan_error();
}

/* The first binding: the kernel takes its plan (the references move into it). No Python code. */
static int set_plan(Kernel *self, binding_fields *f)
{
    const int n_in = (int)PyTuple_GET_SIZE(f->names), n_out = (int)strlen(f->out_rows);
    if (f->stateful && self->lock == NULL && rj_kernel_new_lock(self) < 0) return -1;
    self->n_in = n_in;
    self->n_out = n_out;
    self->letter = n_in > 0 ? f->letters[0] : 'd';   /* without inputs it never reads a number */
    memcpy(self->out_letters, f->letters + n_in, (size_t)n_out);
    memcpy(self->out_rows, f->out_rows, (size_t)n_out);
    self->reduces = strchr(f->out_rows, 'r') != NULL;
    self->stateful = f->stateful;
    self->broadcast = f->broadcast;
    PyObject *old_names = self->names;   /* kernel_new's empty tuple (or those of a kernel the collector cleared) */
    self->names = f->names;
    self->out_dtypes = f->out_dtypes;
    f->names = f->out_dtypes = NULL;
    Py_XDECREF(old_names);
    return 0;
}

PyObject *rj_kernel_bind(PyObject *op, PyObject *arg)
{
    Kernel *self = (Kernel *)op;
    binding_fields f = {0};
    rj_binding *fresh = NULL;
    int status = read_fields(arg, &f) < 0 || check_fields(&f) < 0 || (fresh = new_binding(&f)) == NULL ? -1 : 0;
    if (status == 0)   /* has it a plan? Nothing runs Python code from this test to set_plan's end */
        status = self->out_dtypes != NULL ? check_same_plan(self, &f) : set_plan(self, &f);
    if (status == 0) {
        rj_binding *old = self->binding;
        self->binding = fresh;
        fresh = NULL;
        self->fast = f.fast && f.entry != 0;
        self->one_d = f.one_d;
        self->nogil_above = f.nogil_above;
        self->threads_from = f.threads_from;
        if (old != NULL) rj_binding_drop(old);   /* may run Python code: the kernel is whole again */
    }
    if (fresh != NULL) rj_binding_drop(fresh);
    drop_fields(&f);
    return status == 0 ? Py_NewRef(Py_None) : NULL;
}
