"""What a hostile review of issue 17's first fixes still broke, each held here.

Each test failed on those fixes; the comment above it names the defect it found.
"""
import ctypes
import os
import shutil
import subprocess
import threading

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio, demo
from resin_jit.toolchain import isa
from resin_jit.store import libraries
from resin_jit.codegen.resources import csrc_dir

from support import TIERS, needs_native
from support.fork import in_child, lock_held_by_another_thread

x, y = rj.input("x"), rj.input("y")
N = 4096


def _resize_numpy(out):
    out.resize(N * 64, refcheck=False)   # numpy reallocates the data: the old block is freed


def _resize_ctypes(out):
    ctypes.resize(out, ctypes.sizeof(out) * 64)   # ctypes moves the buffer whatever views exist


# Found (item 1, use-after-free): the C fast path (dispatch_kernel.c try_fast) takes the outputs'
# data pointers first and converts numbers afterwards; a numpy scalar subclass's Python __float__
# runs in between. hold() keeps the objects alive, but not their memory where it can move: an output
# reallocated there (ndarray.resize(refcheck=False), ctypes.resize; an ndarray is read without a
# buffer export) is written through its old, freed pointer (ASan: heap-use-after-free WRITE in the
# kernel). The Caller was fixed by taking only floats and exact ints; Kernel.take_input was not.
@needs_native
@pytest.mark.parametrize("make, move", [(lambda: np.zeros(N, np.float32), _resize_numpy),
                                        (lambda: (ctypes.c_float * N)(), _resize_ctypes)],
                         ids=["ndarray.resize(refcheck=False)", "ctypes.resize"])
def test_an_output_moved_while_a_number_converts_is_written_where_it_now_is(make, move):
    kernel = rj.JitCompiler().compile(x * y + 1.0, inputs=[x, y])
    out = make()
    made = []

    class Moving(np.float32):
        def __float__(self):
            move(out)
            made.extend(np.zeros(N, np.float32) for _ in range(8))   # where the freed block goes next
            return 2.0

    try:
        kernel.process(np.ones(N, np.float32), Moving(2.0), out=out)
    except (TypeError, ValueError, BufferError):
        return   # refusing such a number is as good as converting it before taking any pointer
    for victim in made:
        assert not victim.any(), "the kernel wrote into memory it no longer owned"
    np.testing.assert_array_equal(np.frombuffer(out, np.float32)[:N], 3.0)


# Found (item 7, fork): renew_lock_after_fork (C) and _PythonCalls._acquire (numpy backend) take
# "the owner is this thread" to mean "this thread forked while holding the lock". In the child, the
# first new thread reuses the stack, and so the ident, of the parent's thread that held the lock
# (glibc hands a dead thread's cached stack to the next one): that thread's call is refused with
# "a stateful kernel was called again from inside its own call". The forking thread should be
# recorded at the fork (or the pid checked first) instead of trusting a thread ident.
@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork()")
@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_a_new_thread_in_a_child_can_call_a_kernel_another_thread_held_at_the_fork(backend, request):
    if backend == "native" and rj.JitCompiler().backend != "native":
        pytest.skip("no C compiler on this machine")
    jit = request.getfixturevalue("numpy_jit") if backend == "numpy" else rj.JitCompiler()
    kernel = jit.compile(audio.Biquad.lowpass(1000.0)(x))

    def work():
        failures = []

        def call():
            try:
                kernel(np.ones(64, np.float32))
            except Exception as exc:   # noqa: BLE001 - the child's exit code says it
                failures.append(exc)
        thread = threading.Thread(target=call)   # in the child: likely the holder's ident again
        thread.start()
        thread.join(20)
        assert not thread.is_alive() and not failures, failures
    with lock_held_by_another_thread(kernel):
        assert in_child(work, timeout=30) == 0


# Found (item 7, fork): the fork fixes renew the kernels' locks and the thread pool, but not the
# other locks a thread can hold at the fork: libraries._stripes (held for the whole build of a
# kernel) and JitVSAEngine._locks. A process forked while another thread builds a kernel hangs for
# ever when its child asks for that kernel (or any other on the same stripe), e.g. a multiprocessing
# 'fork' worker started while a background thread warms up.
@needs_native
@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork()")
def test_a_child_forked_while_another_thread_builds_a_kernel_can_build_it(monkeypatch):
    graph = lambda: rj.sin(x) * 0.8125 + 0.0625   # noqa: E731
    building, finish = threading.Event(), threading.Event()
    original = libraries.Libraries._find_or_build

    def slow_build(self, *args, **kwargs):   # a long build on the builder thread only
        if threading.current_thread() is builder:
            building.set()
            finish.wait(30)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(libraries.Libraries, "_find_or_build", slow_build)
    monkeypatch.setattr(libraries, "_memo", {})   # the graph is built, not found in memory
    builder = threading.Thread(target=lambda: rj.JitCompiler().compile(graph()))
    builder.start()
    building.wait(10)
    try:
        assert in_child(lambda: rj.JitCompiler().compile(graph()), timeout=20) == 0
    finally:
        finish.set()
        builder.join(30)


# Found (item 2, outputs that overlap): rj_partly_overlap skips every 0-d argument (meant for a
# number broadcast to every sample), so two 0-d reduction outputs that partly overlap (a float32
# sum and an int64 argmax sharing 4 bytes) pass the fast path, which writes one over the other;
# the slow path and the README say "two outputs that partly overlap are an error".
@needs_native
def test_two_reduction_outputs_that_partly_overlap_are_an_error_on_the_fast_path_too():
    kernel = rj.JitCompiler().compile([rj.sum(x), rj.argmax(x)], inputs=[x])
    memory = np.zeros(1, np.int64)
    total = memory.view(np.float32)[1:2].reshape(())   # the high half of the int64 below
    index = memory.reshape(())
    with pytest.raises(ValueError, match="partly overlap"):
        kernel.process(np.array([1.0, 5.0, 2.0], np.float32), out=[total, index])


# Found (item 4, rows of no samples): a reduction over (0, n) gives an empty result (as numpy),
# except with threads=2 on the native backend: Kernel._run_threaded (runtime/kernel.py) splits 0 rows into
# min(threads, 0) = 0 parts and runtime/parallel.py's bounds divides by zero (ZeroDivisionError).
@needs_native
@pytest.mark.parametrize("shape", [(0, 5), (0, 0)])
def test_a_reduction_over_no_rows_with_threads_gives_an_empty_result(shape):
    kernel = rj.JitCompiler().compile([rj.sum(x), x * 2], inputs=[x])
    total, doubled = kernel(np.ones(shape, np.float32), threads=2)
    assert total.shape == (0,) and doubled.shape == shape


# Found (item 3, the demo's output): open_output refuses a symbolic link (O_NOFOLLOW) but not a
# hard link: a name planted as a hard link to another file (where fs.protected_hardlinks=0, as the
# original attack needed fs.protected_symlinks=0; --plot DIR writes the fixed resin_jit_demo.png
# into DIR, which may be /tmp) is truncated and overwritten. fstat's st_nlink > 1 tells.
@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links here")
def test_the_demo_output_is_never_a_hard_link_to_another_file(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    planted = tmp_path / "resin_jit_demo.png"
    os.link(victim, planted)
    try:
        with demo.open_output(str(planted)) as target:
            target.write(b"\x89PNG")
    except demo.OutputError:
        pass
    assert victim.read_bytes() == b"precious"


POPCOUNT_HARNESS = r"""
#include "vsa.h"
#include <stdio.h>
int main(int argc, char **argv)
{
    rj_pc acc = rj_pc_zero();
    rj_pq ones;
    for (int w = 0; w < RJ_PQ_WORDS; w++) ones[w] = argc > 5 ? 0 : ~0ull;   /* not a constant */
    for (int i = 0; i < RJ_PC_FLUSH; i++) acc = rj_pc_add(acc, ones);   /* as many adds as allowed */
    long long total = rj_pc_total(acc);
    printf("%lld\n", total);
    return total == 64LL * RJ_PQ_WORDS * RJ_PC_FLUSH ? 0 : 3;
}
"""


# Found (the sanitizer CI, item 1's "Tests and figures"): .ci/sanitize runs no VSA test, and the
# VSA call path has undefined behaviour that its flags report: csrc/vsa.h's popcount accumulator
# rj_pc is a vector of (signed) char, whose per-byte counts go up to 8 * RJ_PC_FLUSH = 248, so
# every full-length count overflows char (GCC's UBSan: "signed integer overflow: 124 + 4 cannot be
# represented in type 'char'", from tests/test_vsa.py under .ci/sanitize's flags). An unsigned
# char vector is what the comment ("31 adds stay below 256") assumes.
@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (its UBSan checks vector arithmetic)")
@pytest.mark.parametrize("tier", [t for t in ("sse2", "sse4.1", "avx2") if t in TIERS])
def test_the_vsa_popcount_accumulator_has_no_signed_overflow(tmp_path, tier):
    source, program = tmp_path / "popcount.c", tmp_path / "popcount"
    source.write_text(POPCOUNT_HARNESS)
    built = subprocess.run(["gcc", "-std=gnu11", *isa.compile_flags(tier), "-I", str(csrc_dir()), "-O0",
                            "-fsanitize=undefined", "-fno-sanitize-recover=all", str(source), "-o", str(program)],
                           capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"gcc cannot build with -fsanitize=undefined here: {built.stderr[-300:]}")
    ran = subprocess.run([str(program)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and "runtime error" not in ran.stderr, ran.stderr
