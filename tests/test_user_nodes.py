"""Issue 17 (found in review): a user's node class is code no fingerprint of resin_jit covers.

Its kernel is keyed by the C it emits, so an edited emit() never loads the last version's kernel
from the disk cache, and a class defined again in the same process (a notebook cell run again)
is other code, not a memo hit. Two projects' classes of one name stay apart too.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np

import resin_jit as rj

from support import needs_native


def scale_class(factor):
    class Scale(rj.Node):
        arity = 1

        def emit(self, ctx, args):
            return ctx.op("mul", args[0], ctx.const(factor))

        def evaluate(self, state, x):
            return x * np.float32(factor)
    return Scale


@needs_native
def test_a_class_defined_again_with_other_code_is_another_kernel():
    x = rj.input("x")
    jit = rj.JitCompiler()
    ones = np.ones(4, np.float32)
    assert (jit.compile(scale_class(2.0)()(x))(ones) == 2.0).all()
    assert (jit.compile(scale_class(3.0)()(x))(ones) == 3.0).all()
    assert (jit.compile(scale_class(2.0)()(x))(ones) == 2.0).all()


PROGRAM = textwrap.dedent("""
    import json, sys
    import numpy as np
    import resin_jit as rj

    class Scale(rj.Node):
        arity = 1
        def emit(self, ctx, args):
            return ctx.op("mul", args[0], ctx.const(FACTOR))
        def evaluate(self, state, x):
            return x * np.float32(FACTOR)

    jit = rj.JitCompiler()
    out = jit.compile(Scale()(rj.input("x")))(np.ones(3, np.float32))
    print(json.dumps({"value": float(out[0]), "compiles": jit.stats["compiles"], "disk": jit.stats["disk_hits"]}))
""")


@needs_native
def test_an_edited_emit_in_a_new_process_is_built_not_loaded(tmp_path):
    import json
    env = {**os.environ, "RESIN_JIT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("RESIN_JIT_PREBUILT", None)

    def run(factor):
        script = tmp_path / "user_node.py"   # the same module and class name each time
        script.write_text(PROGRAM.replace("FACTOR", repr(factor)))
        proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])
    first, edited, again = run(2.0), run(3.0), run(3.0)
    assert (first["value"], first["compiles"]) == (2.0, 1)
    assert (edited["value"], edited["compiles"]) == (3.0, 1)
    assert (again["value"], again["compiles"], again["disk"]) == (3.0, 0, 1)   # the disk cache still serves


def test_two_classes_of_one_name_from_two_modules_have_different_keys():
    first, second = scale_class(2.0), scale_class(2.0)
    second.__module__ = "another_project.nodes"
    x = rj.input("x")
    assert rj.JitCompiler().compile(first()(x)).key != rj.JitCompiler().compile(second()(x)).key
