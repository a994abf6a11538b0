/* dispatch.c - resin_jit._dispatch: the hot path from Python into a compiled kernel.
 *
 * A Caller wraps one kernel's rj_entry.  Its argspec says what each positional
 * argument is; calling it takes buffer pointers straight from the arguments
 * (buffer protocol), checks element type, contiguity, alignment, writability
 * and overlap, and calls the entry.  Arguments that do not fit (lists, other
 * dtypes, strided views, keywords, errors) go to a Python slow path that
 * converts them or raises a clear error.  Nothing here is per-kernel Python.
 *
 * argspec letters (lower case read-only buffer, upper case writable buffer):
 *   f/F float32   d/D float64   b/B int8   u/U uint64   q/Q int64
 *   x  a Python float (to call->num)     n  a Python int (to call->inum)
 * ret: 'v' None, 'i' call->ret_int as int, 'f' call->ret_float as float.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stddef.h>
#include <string.h>
#include "rj_abi.h"

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    rj_entry_fn entry;
    char argspec[RJ_MAX_ARGS + 1];
    Py_ssize_t nargs;
    char ret;
    PyObject *slow_path;      /* called with the original arguments when the fast path cannot take them */
    PyObject *bound;          /* tuple of writable buffers appended after the call's buffers (state, params) */
    Py_buffer bound_views[RJ_MAX_ARGS];
    Py_ssize_t nbound;
    PyObject *keepalive;      /* the loaded library: must outlive every call of its entry */
    Py_ssize_t nogil_above;   /* release the GIL when the buffers hold more elements than this */
    Py_ssize_t slow_above;    /* calls with more elements go to the slow path (it splits them across
                                 threads); negative: never */
    unsigned long long calls; /* how often the entry ran: a hit counter that costs Python nothing */
} Caller;

static int is_buffer_letter(char c) { return strchr("fFdDbBuUqQ", c) != NULL; }

/* numpy arrays are read straight from their object, without the buffer protocol (which costs
 * about 40 ns an argument). These are the leading fields of numpy's PyArrayObject and
 * PyArray_Descr, identical in numpy 1.x and 2.x; the flags are numpy's public constants.
 * Anything else, subclasses included, goes through the buffer protocol. */
typedef struct {
    PyObject_HEAD
    char *data;
    int nd;
    Py_ssize_t *dimensions;
    Py_ssize_t *strides;
    PyObject *base;
    PyObject *descr;
    int flags;
} rj_ndarray;

typedef struct {
    PyObject_HEAD
    PyTypeObject *typeobj;
    char kind;
    char type;
    char byteorder;
} rj_descr;

#define RJ_NPY_C_CONTIGUOUS 0x0001
#define RJ_NPY_ALIGNED 0x0100
#define RJ_NPY_WRITEABLE 0x0400

static PyTypeObject *ndarray_type = NULL;   /* set once by set_array_type(numpy.ndarray) */

/* numpy reports native types as plain letters; accept the explicit native-order prefixes too. */
static int format_matches(const char *format, char letter)
{
    if (format == NULL) return letter == 'b' || letter == 'B';
    if (*format == '@' || *format == '=') format++;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    else if (*format == '<') format++;
#endif
    if (format[0] == '\0' || format[1] != '\0') return 0;
    switch (letter | 0x20) {
    case 'f': return format[0] == 'f';
    case 'd': return format[0] == 'd';
    case 'b': return format[0] == 'b';
    case 'u': return format[0] == 'Q' || (sizeof(long) == 8 && format[0] == 'L');
    case 'q': return format[0] == 'q' || (sizeof(long) == 8 && format[0] == 'l');
    }
    return 0;
}

static Py_ssize_t itemsize_of(char letter)
{
    switch (letter | 0x20) {
    case 'f': return 4;
    case 'b': return 1;
    default: return 8;
    }
}

static int type_char_matches(char type, char letter)
{
    switch (letter | 0x20) {
    case 'f': return type == 'f';
    case 'd': return type == 'd';
    case 'b': return type == 'b';
    case 'u': return type == 'Q' || (sizeof(long) == 8 && type == 'L');
    case 'q': return type == 'q' || (sizeof(long) == 8 && type == 'l');
    }
    return 0;
}

/* 1 if obj is a plain ndarray that fits (then ptr/len/rows are set), 0 if it is an ndarray
 * that does not fit, -1 if it is not an exact ndarray. */
static int take_ndarray(PyObject *obj, char letter, rj_call *call, int slot)
{
    if (ndarray_type == NULL || Py_TYPE(obj) != ndarray_type) return -1;
    const rj_ndarray *arr = (const rj_ndarray *)obj;
    const rj_descr *descr = (const rj_descr *)arr->descr;
    int need = RJ_NPY_C_CONTIGUOUS | RJ_NPY_ALIGNED | (letter >= 'A' && letter <= 'Z' ? RJ_NPY_WRITEABLE : 0);
    if ((arr->flags & need) != need || arr->nd < 1 || arr->nd > 2 || !type_char_matches(descr->type, letter))
        return 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (descr->byteorder == '>') return 0;
#else
    if (descr->byteorder == '<') return 0;
#endif
    int64_t count = arr->dimensions[0] * (arr->nd == 2 ? arr->dimensions[1] : 1);
    call->ptr[slot] = arr->data;
    call->len[slot] = count;
    call->rows[slot] = arr->nd == 2 ? arr->dimensions[0] : 1;
    return 1;
}

static int take_buffer(PyObject *obj, char letter, Py_buffer *view, rj_call *call, int slot)
{
    int writable = letter >= 'A' && letter <= 'Z';
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t size = itemsize_of(letter);
    if (view->itemsize != size || view->ndim < 1 || view->ndim > 2
        || !format_matches(view->format, letter) || ((uintptr_t)view->buf % (uintptr_t)size) != 0) {
        PyBuffer_Release(view);
        return -1;
    }
    call->ptr[slot] = view->buf;
    call->len[slot] = view->len / size;
    call->rows[slot] = view->ndim == 2 ? view->shape[0] : 1;
    return 0;
}

/* Elementwise kernels may write in place (same start), never into a partly overlapping buffer. */
static int overlaps(const Py_buffer *views, const char *kinds, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!(kinds[i] >= 'A' && kinds[i] <= 'Z') || views[i].len == 0) continue;
        const char *a = views[i].buf, *a_end = a + views[i].len;
        for (Py_ssize_t j = 0; j < n; j++) {
            if (j == i || views[j].len == 0) continue;
            const char *b = views[j].buf, *b_end = b + views[j].len;
            if (a < b_end && b < a_end && !(a == b && a_end == b_end)) return 1;
        }
    }
    return 0;
}

static PyObject *call_slow(Caller *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (self->slow_path == Py_None) {
        PyErr_SetString(PyExc_TypeError, "resin_jit: arguments do not fit this kernel's signature");
        return NULL;
    }
    return PyObject_Vectorcall(self->slow_path, args, nargsf, kwnames);
}

/* The fast path.  Returns 1 and sets *result when it ran the kernel, 0 when the
 * arguments need the slow path, -1 on a raised error. */
static int try_fast(Caller *self, PyObject *const *args, Py_ssize_t nargs, PyObject **result, int direct)
{
    rj_call call;
    Py_buffer views[RJ_MAX_ARGS];
    char kinds[RJ_MAX_ARGS];
    char held[RJ_MAX_ARGS];   /* 1 where views[i] holds a buffer to release */
    Py_ssize_t nviews = 0, nnum = 0, ninum = 0, total = 0;
    int ok = 1;

    if (nargs != self->nargs) return 0;
    for (Py_ssize_t i = 0; i < nargs && ok; i++) {
        char letter = self->argspec[i];
        PyObject *obj = args[i];
        if (is_buffer_letter(letter)) {
            int direct = take_ndarray(obj, letter, &call, (int)nviews);
            if (direct == 0) { ok = 0; break; }
            held[nviews] = direct < 0;
            if (direct < 0 && take_buffer(obj, letter, &views[nviews], &call, (int)nviews) < 0) { ok = 0; break; }
            if (direct > 0) {   /* what overlaps() needs to know of it */
                views[nviews].buf = call.ptr[nviews];
                views[nviews].len = call.len[nviews] * itemsize_of(letter);
            }
            kinds[nviews] = letter;
            total += call.len[nviews];
            nviews++;
        } else if (letter == 'x') {
            if (PyFloat_CheckExact(obj)) call.num[nnum++] = PyFloat_AS_DOUBLE(obj);
            else if (PyLong_CheckExact(obj)) {
                call.num[nnum++] = PyLong_AsDouble(obj);
                if (PyErr_Occurred()) { PyErr_Clear(); ok = 0; }
            } else ok = 0;
        } else if (letter == 'n') {
            if (!PyLong_CheckExact(obj)) { ok = 0; break; }
            int overflow = 0;
            call.inum[ninum++] = PyLong_AsLongLongAndOverflow(obj, &overflow);
            if (overflow) ok = 0;
        }
    }
    if (ok && overlaps(views, kinds, nviews)) ok = 0;
    if (ok && !direct && self->slow_above >= 0 && total > self->slow_above) ok = 0;
    if (!ok) {
        for (Py_ssize_t i = 0; i < nviews; i++) if (held[i]) PyBuffer_Release(&views[i]);
        return 0;
    }
    for (Py_ssize_t i = 0; i < self->nbound; i++) {
        call.ptr[nviews + i] = self->bound_views[i].buf;
        call.len[nviews + i] = self->bound_views[i].len / self->bound_views[i].itemsize;
        call.rows[nviews + i] = 1;
    }

    int status;
    self->calls++;
    if (total > self->nogil_above) {
        Py_BEGIN_ALLOW_THREADS
        status = self->entry(&call);
        Py_END_ALLOW_THREADS
    } else {
        status = self->entry(&call);
    }
    for (Py_ssize_t i = 0; i < nviews; i++) if (held[i]) PyBuffer_Release(&views[i]);
    if (status != RJ_OK) return 0;   /* the slow path explains, e.g. lengths that disagree */

    switch (self->ret) {
    case 'i': *result = PyLong_FromLongLong(call.ret_int); break;
    case 'f': *result = PyFloat_FromDouble(call.ret_float); break;
    default: *result = Py_NewRef(Py_None);
    }
    return *result ? 1 : -1;
}

static PyObject *caller_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Caller *self = (Caller *)callable;
    PyObject *result = NULL;
    if (kwnames == NULL || PyTuple_GET_SIZE(kwnames) == 0) {
        int ran = try_fast(self, args, PyVectorcall_NARGS(nargsf), &result, 0);
        if (ran != 0) return result;
    }
    return call_slow(self, args, nargsf, kwnames);
}

/* invoke(*args): the fast path only, for a slow path that has already converted its arguments. */
static PyObject *caller_invoke(PyObject *callable, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *result = NULL;
    int ran = try_fast((Caller *)callable, args, nargs, &result, 1);
    if (ran == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "resin_jit: converted arguments still do not fit the kernel (lengths or types)");
        return NULL;
    }
    return result;
}

static void release_bound(Caller *self)
{
    for (Py_ssize_t i = 0; i < self->nbound; i++) PyBuffer_Release(&self->bound_views[i]);
    self->nbound = 0;
}

static int caller_init(Caller *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"entry", "argspec", "ret", "slow_path", "bound", "keepalive", "nogil_above",
                            "slow_above", NULL};
    unsigned long long entry;
    const char *argspec, *ret;
    PyObject *slow_path, *bound, *keepalive;
    Py_ssize_t nogil_above = 1 << 16, slow_above = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "KssOO!O|nn", names, &entry, &argspec, &ret, &slow_path,
                                     &PyTuple_Type, &bound, &keepalive, &nogil_above, &slow_above))
        return -1;
    Py_ssize_t nargs = (Py_ssize_t)strlen(argspec), nbuffers = 0;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        if (!is_buffer_letter(argspec[i]) && argspec[i] != 'x' && argspec[i] != 'n') {
            PyErr_Format(PyExc_ValueError, "unknown argspec letter %c", argspec[i]);
            return -1;
        }
        nbuffers += is_buffer_letter(argspec[i]);
    }
    if (entry == 0 || nargs > RJ_MAX_ARGS || nbuffers + PyTuple_GET_SIZE(bound) > RJ_MAX_ARGS
        || strlen(ret) != 1 || strchr("vif", ret[0]) == NULL) {
        PyErr_SetString(PyExc_ValueError, "invalid Caller: null entry, too many arguments or bad ret");
        return -1;
    }
    release_bound(self);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(bound); i++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(bound, i), &self->bound_views[i],
                               PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
            release_bound(self);
            return -1;
        }
        self->nbound = i + 1;
    }
    self->entry = (rj_entry_fn)(uintptr_t)entry;
    memcpy(self->argspec, argspec, (size_t)nargs + 1);
    self->nargs = nargs;
    self->ret = ret[0];
    Py_XSETREF(self->slow_path, Py_NewRef(slow_path));
    Py_XSETREF(self->bound, Py_NewRef(bound));
    Py_XSETREF(self->keepalive, Py_NewRef(keepalive));
    self->nogil_above = nogil_above;
    self->slow_above = slow_above;
    self->vectorcall = caller_vectorcall;
    return 0;
}

static int caller_traverse(Caller *self, visitproc visit, void *arg)
{
    Py_VISIT(self->slow_path);
    Py_VISIT(self->bound);
    Py_VISIT(self->keepalive);
    return 0;
}

static int caller_clear(Caller *self)
{
    release_bound(self);
    Py_CLEAR(self->slow_path);
    Py_CLEAR(self->bound);
    Py_CLEAR(self->keepalive);
    return 0;
}

static void caller_dealloc(Caller *self)
{
    PyObject_GC_UnTrack(self);
    caller_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *caller_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return PyVectorcall_Call(self, args, kwargs);
}

static PyObject *set_array_type(PyObject *module, PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "set_array_type takes numpy.ndarray");
        return NULL;
    }
    Py_XSETREF(ndarray_type, (PyTypeObject *)Py_NewRef(type));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"set_array_type", set_array_type, METH_O, "Read arrays of this exact type (numpy.ndarray) directly."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef caller_methods[] = {
    {"invoke", (PyCFunction)(void (*)(void))caller_invoke, METH_FASTCALL,
     "Run the kernel on arguments that already fit; never falls back."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef caller_members[] = {
    {"calls", T_ULONGLONG, offsetof(Caller, calls), READONLY, "How many times the kernel ran."},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject CallerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "resin_jit._dispatch.Caller",
    .tp_basicsize = sizeof(Caller),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Calls a compiled kernel's rj_entry with buffers taken straight from its arguments.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)caller_init,
    .tp_dealloc = (destructor)caller_dealloc,
    .tp_traverse = (traverseproc)caller_traverse,
    .tp_clear = (inquiry)caller_clear,
    .tp_call = caller_call,
    .tp_vectorcall_offset = offsetof(Caller, vectorcall),
    .tp_methods = caller_methods,
    .tp_members = caller_members,
};

static struct PyModuleDef dispatch_module = {
    PyModuleDef_HEAD_INIT, "_dispatch", "The call path from Python into compiled resin_jit kernels.", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__dispatch(void)
{
    if (PyType_Ready(&CallerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&dispatch_module);
    if (module == NULL) return NULL;
    if (PyModule_AddObjectRef(module, "Caller", (PyObject *)&CallerType) < 0
        || PyModule_AddIntConstant(module, "MAX_ARGS", RJ_MAX_ARGS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
