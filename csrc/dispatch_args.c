/* dispatch_args.c - reading arrays and numbers out of Python arguments, without Python code. */
#include "dispatch.h"   /* first: it includes Python.h */
#include <string.h>

PyTypeObject *rj_ndarray_type = NULL;
PyObject *rj_numpy_empty = NULL;
PyObject *rj_numpy_floating = NULL;
PyObject *rj_numpy_integer = NULL;

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

/* The byte order an array's descr may name that is not this machine's, from Python's pyport.h,
 * which every compiler reads. (Not from GCC's __BYTE_ORDER__: MSVC has none, and a test of it
 * took '>' arrays for native ones there.) */
#if PY_LITTLE_ENDIAN
#  define RJ_FOREIGN_ORDER '>'
#  define RJ_NATIVE_ORDER '<'
#else
#  define RJ_FOREIGN_ORDER '<'
#  define RJ_NATIVE_ORDER '>'
#endif

int rj_is_buffer_letter(char letter) { return letter != '\0' && strchr("fFdDbBuUqQmMiI", letter) != NULL; }

static int is_written(char letter) { return letter >= 'A' && letter <= 'Z'; }

static Py_ssize_t itemsize_of(char letter)
{
    switch (letter | 0x20) {
    case 'f': case 'i': return 4;
    case 'b': case 'm': return 1;
    default: return 8;
    }
}

/* numpy's one-letter type codes (long is 64-bit on LP64 platforms). */
static int type_char_matches(char type, char letter)
{
    switch (letter | 0x20) {
    case 'f': return type == 'f';
    case 'd': return type == 'd';
    case 'b': return type == 'b';
    case 'm': return type == '?';
    case 'u': return type == 'Q' || (sizeof(long) == 8 && type == 'L');
    case 'q': return type == 'q' || (sizeof(long) == 8 && type == 'l');
    case 'i': return type == 'i' || (sizeof(long) == 4 && type == 'l');   /* int32 */
    }
    return 0;
}

/* The buffer protocol's struct-module format; native types may carry an explicit order prefix. */
static int format_matches(const char *format, char letter)
{
    if (format == NULL) return (letter | 0x20) == 'b';   /* "B" unsigned bytes by default: not bools */
    if (*format == '@' || *format == '=' || *format == RJ_NATIVE_ORDER) format++;
    return format[0] != '\0' && format[1] == '\0' && type_char_matches(format[0], letter);
}

static int take_ndarray(PyObject *obj, char letter, rj_arg *arg)
{
    const rj_ndarray *arr = (const rj_ndarray *)obj;
    const rj_descr *descr = (const rj_descr *)arr->descr;
    int need = RJ_NPY_C_CONTIGUOUS | RJ_NPY_ALIGNED | (is_written(letter) ? RJ_NPY_WRITEABLE : 0);
    if ((arr->flags & need) != need || arr->nd > 2 || !type_char_matches(descr->type, letter)
        || descr->byteorder == RJ_FOREIGN_ORDER)
        return 0;
    arg->ptr = arr->data;
    arg->ndim = arr->nd;
    arg->shape[0] = arr->nd >= 1 ? arr->dimensions[0] : 1;
    arg->shape[1] = arr->nd == 2 ? arr->dimensions[1] : 1;
    arg->len = (int64_t)arg->shape[0] * arg->shape[1];
    arg->itemsize = itemsize_of(letter);
    arg->held = 0;
    return 1;
}

static int take_buffer(PyObject *obj, char letter, rj_arg *arg)
{
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (is_written(letter) ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &arg->view, flags) < 0) {
        PyErr_Clear();
        return 0;
    }
    const Py_buffer *v = &arg->view;
    Py_ssize_t size = itemsize_of(letter);
    if (v->itemsize != size || v->ndim > 2 || !format_matches(v->format, letter)
        || ((uintptr_t)v->buf % (uintptr_t)size) != 0) {
        PyBuffer_Release(&arg->view);
        return 0;
    }
    arg->ptr = v->buf;
    arg->ndim = v->ndim;
    arg->shape[0] = v->ndim >= 1 ? v->shape[0] : 1;
    arg->shape[1] = v->ndim == 2 ? v->shape[1] : 1;
    arg->len = v->len / size;
    arg->itemsize = size;
    arg->held = 1;
    return 1;
}

char rj_array_type(PyObject *obj)
{
    if (rj_ndarray_type == NULL || Py_TYPE(obj) != rj_ndarray_type) return 0;
    return ((const rj_descr *)((const rj_ndarray *)obj)->descr)->type;
}

int rj_take_array(PyObject *obj, char letter, rj_arg *arg)
{
    if (rj_ndarray_type != NULL && Py_TYPE(obj) == rj_ndarray_type) return take_ndarray(obj, letter, arg);
    if (!PyObject_CheckBuffer(obj)) return 0;
    return take_buffer(obj, letter, arg);
}

void rj_release(rj_arg *args, int n)
{
    for (int i = 0; i < n; i++) {
        if (args[i].held) {
            PyBuffer_Release(&args[i].view);
            args[i].held = 0;
        }
    }
}

int rj_partly_overlap(const rj_arg *args, const char *kinds, int n)
{
    for (int i = 0; i < n; i++) {
        if (!is_written(kinds[i]) || args[i].len == 0) continue;
        const char *a = args[i].ptr, *a_end = a + args[i].len * args[i].itemsize;
        for (int j = 0; j < n; j++) {
            /* an input of one element broadcasts: it is copied before any sample is written */
            if (j == i || args[j].len == 0 || (args[j].ndim == 0 && !is_written(kinds[j]))) continue;
            const char *b = args[j].ptr, *b_end = b + args[j].len * args[j].itemsize;
            if (a < b_end && b < a_end && !(a == b && a_end == b_end)) return 1;
        }
    }
    return 0;
}

int rj_take_number(PyObject *obj, double *value)
{
    if (PyFloat_Check(obj)) {   /* float and its subclasses, numpy.float64 among them */
        *value = PyFloat_AS_DOUBLE(obj);
        return 1;
    }
    if (PyLong_CheckExact(obj)) {
        *value = PyLong_AsDouble(obj);   /* an int too large for a double: the slow path explains */
        if (*value == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        return 1;
    }
    if ((rj_numpy_floating != NULL && PyObject_TypeCheck(obj, (PyTypeObject *)rj_numpy_floating))
        || (rj_numpy_integer != NULL && PyObject_TypeCheck(obj, (PyTypeObject *)rj_numpy_integer))) {
        *value = PyFloat_AsDouble(obj);   /* numpy's own float(): float32, int8, uint64, ... */
        if (*value == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        return 1;
    }
    return 0;
}
