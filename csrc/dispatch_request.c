/* dispatch_request.c - a kernel call's arguments sorted into inputs, outputs and n=, held. */
#include "dispatch_kernel.h"   /* first: it includes Python.h */
#include <string.h>

int rj_from_kwnames(rj_keywords *kw, PyObject *kwnames, PyObject *const *values)
{
    kw->count = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (kw->count > RJ_MAX_ARGS) return 0;
    for (Py_ssize_t k = 0; k < kw->count; k++) {
        kw->names[k] = PyTuple_GET_ITEM(kwnames, k);
        kw->values[k] = values[k];
    }
    return 1;
}

int rj_from_dict(rj_keywords *kw, PyObject *kwargs)
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

/* Keywords: the inputs by name, out=, threads=None or 1, n= (kernels without inputs). 0 if the
 * call is one for the slow path (an unknown keyword, an input given twice, threads=4, ...). A call's out=None makes
 * every output, as no out= does; a None among the outputs fails rj_take_array: the slow path
 * makes that one. */
static int sort_keywords(Kernel *self, rj_request *req, const rj_keywords *kw, int process)
{
    for (Py_ssize_t k = 0; k < kw->count; k++) {
        PyObject *name = kw->names[k], *value = kw->values[k];
        int i = input_index(self, name);
        if (i >= 0) {
            if (req->inputs[i] != NULL) return 0;
            req->inputs[i] = value;
        } else if (PyUnicode_CompareWithASCIIString(name, "out") == 0) {
            if (!process && value == Py_None) continue;
            if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
                if (PySequence_Fast_GET_SIZE(value) != self->n_out) return 0;
                for (int j = 0; j < self->n_out; j++) req->outputs[j] = PySequence_Fast_GET_ITEM(value, j);
            } else {
                if (self->n_out != 1) return 0;
                req->outputs[0] = value;
            }
            req->have_outputs = 1;
        } else if (PyUnicode_CompareWithASCIIString(name, "threads") == 0) {
            /* None: by size, as without it; 1 (an int, not True): on this thread. Anything else
             * (more threads, or a value to refuse) is the slow path's. */
            if (value == Py_None) continue;
            if (!PyLong_CheckExact(value)) return 0;
            int overflow = 0;
            if (PyLong_AsLongAndOverflow(value, &overflow) != 1 || overflow) return 0;
            req->one_thread = 1;
        } else if (!process && self->n_in == 0 && PyUnicode_CompareWithASCIIString(name, "n") == 0) {
            req->n = value;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Positional arguments fill the inputs not given by name, in order; process() then takes its
 * outputs positionally unless out= gave them. 0 if the call is one for the slow path (a kernel
 * without inputs given neither n= nor out=, or both: the slow path checks they agree). */
int rj_sort_arguments(Kernel *self, rj_request *req, PyObject *const *args, Py_ssize_t nargs,
                          const rj_keywords *kw, int process)
{
    for (int i = 0; i < self->n_in; i++) req->inputs[i] = NULL;
    req->have_outputs = 0;
    req->n = NULL;
    req->n_in = self->n_in;
    req->n_out = self->n_out;
    req->process = process;
    req->one_thread = 0;
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
    return a == nargs && (process || self->n_in > 0 || (req->n != NULL) != req->have_outputs);
}
