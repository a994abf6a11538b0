"""What the VSA batch tests share: random trits, numpy's answer for a bundle, an engine on each
backend and one on each tier (fixtures: a test module takes them by importing them)."""
import numpy as np
import pytest

from resin_jit.vsa import JitVSAEngine

from . import NATIVE, TIERS, compiler_for


@pytest.fixture(params=TIERS + ["numpy"])
def tier_engine(request):
    """(tier, engine): every tier's (kernels built on first use into the session's cache, which
    the batch test files share), and the numpy backend's."""
    if request.param == "numpy":
        return "numpy", JitVSAEngine(request.getfixturevalue("numpy_jit"))
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    return request.param, JitVSAEngine(compiler_for(request.param))


@pytest.fixture(params=["native", "numpy"])
def engine(request):
    if request.param == "numpy":
        return JitVSAEngine(request.getfixturevalue("numpy_jit"))
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    return JitVSAEngine()


def trits(shape, seed, sparsity=None):
    rng = np.random.default_rng(seed)
    data = rng.integers(-1, 2, shape, dtype=np.int8)
    return data if sparsity is None else np.where(rng.random(shape) < sparsity, 0, data).astype(np.int8)


def majority(stack, weights=None, threshold=0.0):
    """numpy's answer for a bundle of the middle axis of (g, k, dim): weighted sums made trits."""
    if weights is not None and np.asarray(weights).dtype.kind == "f":
        kind = np.float32 if np.asarray(weights).dtype == np.float32 else np.float64   # float32 weights: float32 sums
        sums = np.zeros((stack.shape[0], stack.shape[2]), kind)
        for r in range(stack.shape[1]):   # row after row, as the kernels add
            sums = sums + kind(weights[r]) * stack[:, r, :].astype(kind)
        sums, limit = sums.astype(np.float64), threshold   # compared in float64
    else:
        w = np.ones(stack.shape[1], np.int64) if weights is None else np.asarray(weights, np.int64)
        sums = (stack.astype(np.int64) * w[None, :, None]).sum(axis=1)
        limit = int(np.floor(threshold))
    return np.where(sums > limit, 1, np.where(sums < -limit, -1, 0)).astype(np.int8)
