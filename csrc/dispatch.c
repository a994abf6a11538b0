/* dispatch.c - resin_jit.runtime._dispatch: the hot path from Python into a compiled kernel.
 *
 * A Caller wraps one library's rj_entry. Its argspec says what each positional argument is;
 * calling it takes buffer pointers straight from the arguments, checks element type,
 * contiguity, alignment, writability and overlap, and calls the entry. Arguments that do not
 * fit (lists, other dtypes, strided views, keywords, errors) go to a Python slow path that
 * converts them or raises a clear error. Graph kernels use the richer Kernel type instead
 * (dispatch_kernel.c); Callers serve the VSA operations, scalar functions and the slices of a
 * call split across threads.
 *
 * argspec letters (see dispatch.h for the buffer letters):
 *   x  a Python float (to call->num)     n  a Python int (to call->inum)
 * ret: 'v' None, 'i' call->ret_int as int, 'f' call->ret_float as float.
 */
#include "dispatch.h"   /* first: it includes Python.h */
#include <structmember.h>
#include <stddef.h>
#include <string.h>

extern PyTypeObject rj_KernelType;   /* dispatch_kernel.c */

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
    unsigned long long calls; /* how often the entry ran: a hit counter that costs Python nothing */
} Caller;

static PyObject *call_slow(Caller *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (self->slow_path == Py_None) {
        PyErr_SetString(PyExc_TypeError, "resin_jit: arguments do not fit this kernel's signature");
        return NULL;
    }
    return PyObject_Vectorcall(self->slow_path, args, nargsf, kwnames);
}

/* The fast path. Returns 1 and sets *result when it ran the kernel, 0 when the arguments
 * need the slow path, -1 on a raised error. */
static int try_fast(Caller *self, PyObject *const *args, Py_ssize_t nargs, PyObject **result)
{
    rj_call call;
    rj_arg arrays[RJ_MAX_ARGS];
    char kinds[RJ_MAX_ARGS];
    int narrays = 0, nnum = 0, ninum = 0, ok = 1;
    int64_t total = 0;

    if (nargs != self->nargs) return 0;
    for (Py_ssize_t i = 0; i < nargs && ok; i++) {
        char letter = self->argspec[i];
        PyObject *obj = args[i];
        if (rj_is_buffer_letter(letter)) {
            if (!rj_take_array(obj, letter, &arrays[narrays])) { ok = 0; break; }
            call.ptr[narrays] = arrays[narrays].ptr;
            call.len[narrays] = arrays[narrays].len;
            call.rows[narrays] = arrays[narrays].ndim == 2 ? arrays[narrays].shape[0] : 1;
            kinds[narrays] = letter;
            total += arrays[narrays].len;
            narrays++;
        } else if (letter == 'x') {
            double value;
            /* the type first: a float or an exact int converts without running Python code,
             * which could free the arrays taken so far (they are borrowed) */
            if (!(PyFloat_Check(obj) || PyLong_CheckExact(obj)) || !rj_take_number(obj, &value)) ok = 0;
            else call.num[nnum++] = value;
        } else if (letter == 'n') {
            int overflow = 0;
            if (!PyLong_CheckExact(obj)) { ok = 0; break; }
            call.inum[ninum++] = PyLong_AsLongLongAndOverflow(obj, &overflow);
            if (overflow) ok = 0;
        }
    }
    if (ok && rj_partly_overlap(arrays, kinds, narrays)) ok = 0;
    if (!ok) {
        rj_release(arrays, narrays);
        return 0;
    }
    for (Py_ssize_t i = 0; i < self->nbound; i++) {
        call.ptr[narrays + i] = self->bound_views[i].buf;
        call.len[narrays + i] = self->bound_views[i].len / self->bound_views[i].itemsize;
        call.rows[narrays + i] = 1;
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
    rj_release(arrays, narrays);
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
        int ran = try_fast(self, args, PyVectorcall_NARGS(nargsf), &result);
        if (ran != 0) return result;
    }
    return call_slow(self, args, nargsf, kwnames);
}

/* invoke(*args): the fast path only, for a slow path that has already converted its arguments. */
static PyObject *caller_invoke(PyObject *callable, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *result = NULL;
    int ran = try_fast((Caller *)callable, args, nargs, &result);
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
    static char *names[] = {"entry", "argspec", "ret", "slow_path", "bound", "keepalive", "nogil_above", NULL};
    unsigned long long entry;
    const char *argspec, *ret;
    PyObject *slow_path, *bound, *keepalive;
    Py_ssize_t nogil_above = 1 << 16;
    if (self->entry != NULL) {   /* a call may be running its entry without the GIL: nothing it reads may change */
        PyErr_SetString(PyExc_TypeError, "resin_jit: a Caller is set up once; make a new one");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "KssOO!O|n", names, &entry, &argspec, &ret, &slow_path,
                                     &PyTuple_Type, &bound, &keepalive, &nogil_above))
        return -1;
    Py_ssize_t nargs = (Py_ssize_t)strlen(argspec), nbuffers = 0;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        if (!rj_is_buffer_letter(argspec[i]) && argspec[i] != 'x' && argspec[i] != 'n') {
            PyErr_Format(PyExc_ValueError, "unknown argspec letter %c", argspec[i]);
            return -1;
        }
        nbuffers += rj_is_buffer_letter(argspec[i]);
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

static PyObject *set_numpy(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;   /* METH_FASTCALL's signature */
    if (nargs != 4 || !PyType_Check(args[0]) || !PyCallable_Check(args[1]) || !PyType_Check(args[2])
        || !PyType_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "set_numpy takes numpy.ndarray, numpy.empty, numpy.floating, numpy.integer");
        return NULL;
    }
    Py_XSETREF(rj_ndarray_type, (PyTypeObject *)Py_NewRef(args[0]));
    Py_XSETREF(rj_numpy_empty, Py_NewRef(args[1]));
    Py_XSETREF(rj_numpy_floating, Py_NewRef(args[2]));
    Py_XSETREF(rj_numpy_integer, Py_NewRef(args[3]));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"set_numpy", (PyCFunction)(void (*)(void))set_numpy, METH_FASTCALL,
     "set_numpy(ndarray, empty, floating, integer): the numpy objects the fast paths read and make."},
    {"after_fork", rj_after_fork, METH_NOARGS,
     "In a forked child: kernels take new locks (a thread that held one did not come along)."},
    {"cpu_registers", rj_cpu_registers, METH_NOARGS,
     "x86: a dict of CPUID leaf 1 ECX/EDX, leaf 7 EBX, XCR0 and (macOS) hw.optional.avx512f; else None."},
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
    .tp_name = "resin_jit.runtime._dispatch.Caller",
    .tp_basicsize = sizeof(Caller),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Calls a compiled library's rj_entry with buffers taken straight from its arguments.",
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
    PyModuleDef_HEAD_INIT, "resin_jit.runtime._dispatch", "The call path from Python into compiled resin_jit kernels.", -1,
    module_methods, NULL, NULL, NULL, NULL,   /* no slots, traverse, clear or free */
};

PyMODINIT_FUNC PyInit__dispatch(void)
{
    if (PyType_Ready(&CallerType) < 0 || PyType_Ready(&rj_KernelType) < 0) return NULL;
    PyObject *module = PyModule_Create(&dispatch_module);
    if (module == NULL) return NULL;
    if (PyModule_AddObjectRef(module, "Caller", (PyObject *)&CallerType) < 0
        || PyModule_AddObjectRef(module, "Kernel", (PyObject *)&rj_KernelType) < 0
        || PyModule_AddIntConstant(module, "MAX_ARGS", RJ_MAX_ARGS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
