/* dispatch_lock.c - a stateful kernel's lock: one call at a time, and a forked child's own. */
#include "dispatch_kernel.h"   /* first: it includes Python.h */


/* How many times this process is a forked child (rj_after_fork, registered with
 * os.register_at_fork). Only the forking thread comes along into a child: a lock another thread
 * held at the fork would never be released there, so a kernel made before the fork takes a new
 * lock on its first call in the child. (The old one is left allocated: freeing a lock that is
 * held is undefined.) */
static unsigned long rj_forks = 0;
static unsigned long rj_forking_thread = 0;   /* in a child: the one thread that came along */

PyObject *rj_after_fork(PyObject *module, PyObject *unused)
{
    (void)module;   /* METH_NOARGS's signature */
    (void)unused;
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

int rj_kernel_acquire(Kernel *self)
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

void rj_kernel_release(Kernel *self)
{
    if (self->lock == NULL) return;
    self->owner = 0;
    PyThread_release_lock(self->lock);
}

int rj_kernel_new_lock(Kernel *self)
{
    if ((self->lock = PyThread_allocate_lock()) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->lock_forks = rj_forks;
    return 0;
}
