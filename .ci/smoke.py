"""CI's smoke test of an installed resin_jit (from the sdist or the wheel, not the source tree):
the dispatcher is there, the backend native, every kernel of the built-in manifest loads from the
package's prebuilt layer without a compile, and a graph runs and gives numpy's answer.
`--no-compiler`: this process must find no C compiler (PATH without cc/gcc/clang, CC unset).
`--zig`: PATH as with --no-compiler, and the ziglang package installed ([compiler]): the compiler
found is its zig, and a graph nobody warmed is built with it, natively."""
import sys
import warnings

import numpy as np

import resin_jit as rj
from resin_jit import warm
from resin_jit.runtime import load
from resin_jit.store import keys

warnings.simplefilter("error")   # any fallback warning fails the smoke test
assert load._dispatch is not None, "the _dispatch extension is not installed"
assert "site-packages" in rj.__file__, f"resin_jit imported from {rj.__file__}, not an install"
no_compiler = "--no-compiler" in sys.argv
zig = "--zig" in sys.argv
assert keys.shipped_fingerprint() == keys.computed_fingerprint(), "the package's fingerprint is not its files'"
jits = warm.load_here(warm.builtin_manifest())
stats = {k: sum(j.stats[k] for j in jits) for k in warm.STAT_NAMES}
assert all(j.backend == "native" for j in jits), [j.backend for j in jits]
assert all((j.libraries.toolchain is None) == no_compiler for j in jits), [j.libraries.toolchain for j in jits]
kernels = warm.kernel_count(warm.builtin_manifest())
assert stats["compiles"] == 0 and stats["prebuilt_hits"] == kernels, stats
x = rj.input("x")
kernel = rj.JitCompiler().compile_affine_simd(0.5, 1.0)   # in the manifest: from the layer
xs = np.linspace(-2, 2, 1001, dtype=np.float32)
np.testing.assert_array_equal(kernel(xs), np.float32(0.5) * xs + np.float32(1.0))
assert kernel.backend == "native"
if zig:
    from resin_jit.toolchain import compilers
    toolchain = rj.JitCompiler().libraries.toolchain
    assert toolchain.family == "zig" and compilers.is_ziglang_binary(toolchain.path), toolchain
if not no_compiler:   # a graph nobody warmed: built here
    jit = rj.JitCompiler()
    out = jit.compile(rj.clip(x * 2.0 - 1.0, -1.0, 1.0))(xs)
    np.testing.assert_array_equal(out, np.clip(xs * np.float32(2) - np.float32(1), -1, 1))
    assert jit.stats["compiles"] == 1
print(f"smoke ok: {kernels} manifest kernels from the package's layer, {stats}, "
      f"{'no compiler' if no_compiler else 'with the ziglang package' if zig else 'with a compiler'}")
