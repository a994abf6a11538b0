"""Issue 3: expressions compiled to one fused loop, against numpy, on every tier."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import resin_jit as rj
from resin_jit.front.canonical import canonicalize

from support import EDGE_VALUES, TIERS, compiler_for, needs_native

# Ops numpy and IEEE both round exactly: a compiled graph of these must equal numpy bit for bit.
EXACT_BINARY = {
    "add": (lambda a, b: a + b, np.add), "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply), "div": (lambda a, b: a / b, np.divide),
    "min": (rj.minimum, np.minimum), "max": (rj.maximum, np.maximum),
    "where_lt": (lambda a, b: rj.where(a < b, a, b), lambda a, b: np.where(a < b, a, b)),
    "ge_value": (lambda a, b: (a >= b) * 1.0, lambda a, b: (a >= b).astype(a.dtype)),
}
EXACT_UNARY = {
    "neg": (lambda a: -a, np.negative), "abs": (abs, np.abs), "sqrt": (rj.sqrt, np.sqrt),
    "floor": (rj.floor, np.floor), "clip": (lambda a: rj.clip(a, -2.0, 3.5), lambda a: np.clip(a, -2.0, 3.5)),
}


def random_graph(draw, depth):
    """(expression, numpy function of (x, y)) of exact ops only."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(["x", "y", "const"]))
        if leaf == "const":
            c = draw(st.sampled_from([0.0, -0.0, 1.0, -2.5, 0.1, 1e30, np.inf, np.nan, 1e-40]))
            return c, lambda x, y, c=c: np.float32(c)
        return rj.input(leaf), (lambda x, y: x) if leaf == "x" else (lambda x, y: y)
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(EXACT_UNARY)))
        expr, ref = random_graph(draw, depth - 1)
        make, npf = EXACT_UNARY[name]
        if not isinstance(expr, rj.Expr):
            expr = rj.input("x") * 0.0 + expr
            ref = (lambda r: lambda x, y: x * np.float32(0) + r(x, y))(ref)
        return make(expr), (lambda r: lambda x, y: npf(r(x, y)))(ref)
    name = draw(st.sampled_from(sorted(EXACT_BINARY)))
    (a, ra), (b, rb) = random_graph(draw, depth - 1), random_graph(draw, depth - 1)
    if not isinstance(a, rj.Expr) and not isinstance(b, rj.Expr):
        a, ra = rj.input("x") * 0.0 + a, (lambda r: lambda x, y: x * np.float32(0) + r(x, y))(ra)
    make, npf = EXACT_BINARY[name]
    return make(a, b), (lambda p, q: lambda x, y: npf(p(x, y), q(x, y)))(ra, rb)


graphs = st.composite(lambda draw: random_graph(draw, 4))


def as32(v, n):
    return np.broadcast_to(np.asarray(v, np.float32), (n,))


@needs_native
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=graphs(), n=st.sampled_from([0, 1, 5, 8, 17, 64, 100]), tier=st.sampled_from(TIERS))
def test_random_graphs_equal_numpy_bit_for_bit(g, n, tier):
    expr, ref = g
    rng = np.random.default_rng(n)
    x = np.concatenate([EDGE_VALUES, rng.standard_normal(max(n, 1)).astype(np.float32)])[:n]
    y = np.concatenate([rng.standard_normal(max(n, 1)).astype(np.float32) * 10, EDGE_VALUES[::-1]])[:n]
    kernel = compiler_for(tier).compile(expr, inputs=["x", "y"])
    with np.errstate(all="ignore"):
        expected = as32(ref(x, y), n)
    np.testing.assert_array_equal(kernel(x, y), expected)


def test_fused_multi_input_multi_output(jit):
    x, y = rj.input("x"), rj.input("y")
    k = jit.compile([x * y + 1, rj.maximum(x, y) - x], inputs=["x", "y"])
    a, b = np.linspace(-3, 3, 21, dtype=np.float32), np.linspace(2, -2, 21, dtype=np.float32)
    s, m = k(a, b)
    np.testing.assert_array_equal(s, a * b + 1)
    np.testing.assert_array_equal(m, np.maximum(a, b) - a)
    o1, o2 = np.empty_like(a), np.empty_like(a)
    k.process(a, b, out=[o1, o2])
    np.testing.assert_array_equal(o1, s)
    k.process(a, b, o1, o2)
    np.testing.assert_array_equal(o2, m)
    assert k.input_names == ["x", "y"]
    assert "rj_vf" in k.source or jit.isa == "scalar"


def test_scalar_inputs_broadcast(jit):
    x, y = rj.input("x"), rj.input("y")
    k = jit.compile(x * y, inputs=["x", "y"])
    np.testing.assert_array_equal(k(np.arange(5, dtype=np.float32), 2.0), np.arange(5, dtype=np.float32) * 2)


def test_float64_kernels(jit):
    x = rj.input("x")
    k = jit.compile(x * 3.0 + 1e-300, dtype="float64")
    a = np.linspace(-1, 1, 33)
    np.testing.assert_array_equal(k(a), a * 3.0 + 1e-300)
    assert k(a).dtype == np.float64
    k64 = rj.JitCompiler(rj.JitConfig(isa=jit.isa, dtype="float64")).compile(rj.sqrt(x))
    np.testing.assert_array_equal(k64(a * a), np.abs(a))


def test_common_subexpressions_and_constants_fold():
    x = rj.input("x")
    shared = x * 2.0
    cg = canonicalize([shared + shared * (3.0 * 4.0 - 1.0)], dtype="float32")
    ops = [repr(n) for n, _ in cg.nodes]
    assert ops.count("mul") == 2 and ops.count("add") == 1  # x*2 computed once, 3*4-1 folded
    assert 11.0 in [n.value for n, _ in cg.nodes if isinstance(n, rj.front.nodes.Const)]


def test_key_is_canonical():
    def build(order):
        x, y = rj.input("x"), rj.input("y")
        a = x * y if order else None
        b = x + 1.0
        a = a if order else x * y
        return canonicalize([a - b])
    assert build(True).key == build(False).key
    x = rj.input("x")
    assert canonicalize([x * 2.0]).key != canonicalize([x * 2.0000001]).key
    assert canonicalize([x * 0.0]).key != canonicalize([x * -0.0]).key
    assert canonicalize([x + 1.0]).key != canonicalize([1.0 + x]).key  # argument order is structure


def test_params_change_without_recompiling(jit):
    x = rj.input("x")
    k = jit.compile(x * rj.param("gain", 2.0) + rj.param("bias", 0.0))
    compiles = jit.stats["compiles"]
    a = np.arange(10, dtype=np.float32)
    np.testing.assert_array_equal(k(a), a * 2)
    k.set_param("gain", -1.5)
    k.params["bias"] = 4.0
    np.testing.assert_array_equal(k(a), a * np.float32(-1.5) + 4)
    assert k.params["gain"] == -1.5 and dict(k.params.items()) == {"gain": -1.5, "bias": 4.0}
    assert jit.stats["compiles"] == compiles
    with pytest.raises(KeyError, match="no parameter 'nope'"):
        k.set_param("nope", 1.0)
    with pytest.raises(TypeError, match="real number"):
        k.params["gain"] = "loud"


@pytest.mark.parametrize("first,second", [(1.0, 2.0), (0.0, -0.0), (float("nan"), 1.0)])
def test_a_parameter_given_two_defaults_is_an_error_naming_both(first, second):
    """Parameters merge by name: the second default must not silently give way to the first."""
    x = rj.input("x")
    with pytest.raises(rj.JitError, match=rf"parameter 'g' has two different defaults: {first!r} and {second!r}"):
        canonicalize([x * rj.param("g", first) + rj.param("g", second)])


def test_a_parameter_given_nan_twice_has_one_default():
    x = rj.input("x")
    cg = canonicalize([x * rj.param("g", float("nan")) + rj.param("g", float("nan"))])
    assert cg.param_names == ("g",) and np.isnan(cg.param_defaults["g"])


def test_source_kernel_takes_block_length(jit):
    from resin_jit import audio
    k = jit.compile(audio.Constant(0.25)() + rj.param("p", 1.0))
    np.testing.assert_array_equal(k(n=441), np.full(441, 1.25, np.float32))
    with pytest.raises(TypeError, match="block length"):
        k()


def test_graph_errors():
    x = rj.input("x")
    with pytest.raises(TypeError, match="no truth value"):
        bool(x < 1)
    with pytest.raises(rj.JitError, match="takes 2 input"):
        rj.Expr(rj.front.nodes.MathOp("add"), (x,))
    with pytest.raises(rj.JitError, match="not listed"):
        rj.JitCompiler().compile(x + rj.input("y"), inputs=["x"])
    g = rj.Graph()
    with pytest.raises(rj.JitError, match="unconnected"):
        g.add(rj.front.nodes.MathOp("neg"), None)
    e = x + 1.0
    e.args = (e, e.args[1])  # a cycle can only be made by mutating an expression
    with pytest.raises(rj.JitError, match="cycle"):
        canonicalize([e])
    with pytest.raises(rj.JitError, match="at least one output"):
        canonicalize([])
    with pytest.raises(TypeError, match="real number"):
        x + "1"


def test_explicit_graph_api_builds_the_same_graph(jit):
    from resin_jit.front.nodes import MathOp
    g = rj.Graph()
    xi = g.input("x")
    two = g.add(rj.front.nodes.Const(2.0))
    g.output(g.add(MathOp("mul"), xi, two))
    assert canonicalize(g.outputs).key == canonicalize([rj.input("x") * 2.0]).key
    assert "mul" in str(g) and "input 'x'" in str(g)


def test_hostile_names_and_constants_land_safely(jit):
    names = ['x"; system("id"); "', "int", "*/ evil /*", "\\n#include <stdio.h>", "ü"]
    exprs = [rj.input(n) for n in names]
    total = exprs[0]
    for e in exprs[1:]:
        total = total + e
    weird = [float("nan"), float("inf"), -float("inf"), 1e308, 1e-320, -0.0, 3.4e38]
    for c in weird:
        total = total + rj.input("z") * c
    k = jit.compile(total, inputs=names + ["z"])
    for n in names:
        if n != "int":  # a C keyword as a name is fine; it just appears in any C source anyway
            assert n not in k.source
    ones = [np.ones(3, np.float32)] * len(names)
    out = k(*ones, np.zeros(3, np.float32))
    assert np.isnan(out).all()  # 0 * inf and nan propagate as numpy would


@pytest.mark.parametrize("tier", TIERS)
def test_min_max_of_signed_zeros_and_nan_follow_numpy_operand_order(tier):
    """numpy.minimum/maximum give the second operand of +0.0 and -0.0, and NaN if either is NaN
    (numpy.clip keeps x on such a tie);
    a constant operand (tiny ones round to zero in float32) must not change that."""
    jit = compiler_for(tier)
    x, y = rj.input("x"), rj.input("y")
    a = np.array([0.0, -0.0, np.nan, 1.0, 0.0, -0.0, 2.0] * 3, np.float32)
    b = np.array([-0.0, 0.0, 1.0, np.nan, 0.0, -0.0, 2.0] * 3, np.float32)
    cases = [(rj.minimum(x, y), np.minimum(a, b)), (rj.maximum(x, y), np.maximum(a, b)),
             (rj.minimum(x, 1e-50), np.minimum(a, np.float32(1e-50))),
             (rj.maximum(-1e-50, x), np.maximum(np.float32(-1e-50), a)),
             (rj.minimum(x, 3.0), np.minimum(a, np.float32(3.0))),
             (rj.clip(x, -0.0, 0.0), np.clip(a, np.float32(-0.0), np.float32(0.0))),
             (rj.clip(x, 0.0, 0.0), np.clip(a, np.float32(0.0), np.float32(0.0))),
             (rj.clip(x, np.nan, 1.0), np.clip(a, np.float32(np.nan), np.float32(1.0)))]
    for expr, expected in cases:
        got = jit.compile(expr, inputs=["x", "y"])(a, b)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


@needs_native
@pytest.mark.parametrize("tier", TIERS)
def test_fastmath_fuses_multiply_add_only_when_asked(tier):
    """x*y - z with x = y = 1 + 2^-12, z = 1 + 2^-11: rounded twice (numpy, the default) it is 0;
    fused into one FMA (fastmath, on a tier with FMA hardware) it is the exact 2^-24."""
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    a = np.full(37, 1 + 2.0 ** -12, np.float32)   # 37: the vector loop and the scalar tail
    c = np.full(37, 1 + 2.0 ** -11, np.float32)
    strict = compiler_for(tier).compile(x * y - z, inputs=["x", "y", "z"])
    fast = rj.JitCompiler(rj.JitConfig(isa=tier, fastmath=True)).compile(x * y - z, inputs=["x", "y", "z"])
    np.testing.assert_array_equal(strict(a, a, c), a * a - c)
    fused = np.float32(2.0 ** -24) if tier in ("avx2", "avx512") else np.float32(0.0)
    np.testing.assert_array_equal(fast(a, a, c), np.full(37, fused, np.float32))


@needs_native
def test_kernels_are_shared_only_when_nothing_in_them_can_change(jit):
    x = rj.input("x")
    assert jit.compile(x * 2.0 + 1.0) is jit.compile(x * 2.0 + 1.0)
    a, b = jit.compile(x * rj.param("gain", 1.0)), jit.compile(x * rj.param("gain", 1.0))
    a.set_param("gain", 3.0)
    ones = np.ones(5, np.float32)
    np.testing.assert_array_equal(a(ones), 3 * ones)
    np.testing.assert_array_equal(b(ones), ones)
    from resin_jit import audio
    f, g = (jit.compile(audio.OnePole.lowpass(100.0, sample_rate=1000.0)(x)) for _ in range(2))
    f(ones)
    np.testing.assert_array_equal(g(ones), jit.compile(audio.OnePole.lowpass(100.0, sample_rate=1000.0)(x))(ones))
    assert f is not g


@needs_native
def test_compiling_again_is_a_lookup_by_structure(jit, monkeypatch):
    """The memo: the same expression, or one built again with the same structure, is not
    canonicalised again; a different parameter default or constant is a different graph."""
    from resin_jit.front import canonical
    calls = []
    original = canonical.canonicalize
    monkeypatch.setattr(canonical, "canonicalize", lambda *a, **k: calls.append(1) or original(*a, **k))
    monkeypatch.setattr(canonical, "_canonical", {})   # the memo serves every compiler: start this one empty

    def build(gain=1.0, c=0.25):
        x = rj.input("x")
        y = rj.clip(x * rj.param("g", gain) + c, -1.0, 1.0)
        z = abs(y) * 2.0 - y
        return rj.where(z > 0.5, z * z, y)
    first = build()
    a = jit.compile(first)
    before = len(calls)
    b, c = jit.compile(first), jit.compile(build())
    assert len(calls) == before and a is not b and b is not c   # a parameter: kernels are never shared
    ones = np.ones(4, np.float32)
    other_default, other_constant = jit.compile(build(gain=3.0)), jit.compile(build(c=0.5))
    assert len(calls) == before + 2
    assert other_default.params["g"] == 3.0 and b.params["g"] == 1.0
    np.testing.assert_array_equal(other_constant(ones), build_reference(ones, 1.0, 0.5))
    np.testing.assert_array_equal(c(ones), build_reference(ones, 1.0, 0.25))
    x = rj.input("x")
    assert jit.compile(x * 2.0, inputs=["x"]) is jit.compile(rj.input("x") * 2.0, inputs=[x])
    assert jit.compile(x * 2.0, dtype="float64") is not jit.compile(x * 2.0)


def build_reference(x, gain, c):
    y = np.clip(x * np.float32(gain) + np.float32(c), np.float32(-1), np.float32(1))
    z = np.abs(y) * np.float32(2) - y
    return np.where(z > np.float32(0.5), z * z, y)


def test_structure_numbers_follow_structure_not_identity():
    from resin_jit.front.canonical import structure_id
    x, y = rj.input("x"), rj.input("y")
    assert structure_id(x * 2.0 + y) == structure_id(rj.input("x") * 2.0 + rj.input("y"))
    assert structure_id(x * 2.0 + y) != structure_id(y * 2.0 + x)
    assert structure_id(x * 2.0) != structure_id(x * -0.0 * 0.0 + x * 2.0)
    assert structure_id(x * 0.0) != structure_id(x * -0.0)
    assert structure_id(rj.param("p", 1.0) * x) != structure_id(rj.param("p", 2.0) * x)
    assert structure_id(rj.param("p", float("nan")) * x) == structure_id(rj.param("p", float("nan")) * x)
    deep = x
    for _ in range(5000):   # deep graphs: no recursion
        deep = deep + 1.0
    assert structure_id(deep) > 0


def chain(x, n, last=1.0):
    for _ in range(n - 1):
        x = abs(x * 0.5 + 1.0)
    return x + last


@pytest.mark.parametrize("depth", [1, 199, 200, 201, 3000])
def test_structure_numbers_of_chains_either_side_of_the_recursion_depth(depth):
    """canonical.py numbers expressions recursively to a depth and by an explicit stack below it:
    equal chains get one number and a chain differing only at its far end another, either side."""
    from resin_jit.front.canonical import structure_id
    a, b, c = chain(rj.input("x"), depth), chain(rj.input("x"), depth), chain(rj.input("y"), depth)
    assert structure_id(a) == structure_id(b) != structure_id(c)
    assert structure_id(chain(rj.input("x"), depth, last=2.0)) != structure_id(a)
    assert canonicalize([a]).key == canonicalize([b]).key


@pytest.mark.parametrize("length", [1, 2, 150, 450])
def test_a_cycle_is_an_error_however_long(length):
    from resin_jit.front.canonical import structure_id
    first = rj.input("x") * 2.0
    e = first
    for _ in range(length - 1):
        e = e + 1.0
    first.args = (e, first.args[1])   # made only by mutating an expression
    with pytest.raises(rj.JitError, match="cycle"):
        structure_id(e)


def test_threads_numbering_a_shared_expression_at_once_see_no_cycle():
    """Two compiles in threads may number one shared sub-expression at once: the one that finds it
    numbered by the other keeps that number (it once said "the graph has a cycle")."""
    import sys
    import threading
    from resin_jit.front.canonical import structure_id
    interval, failures = sys.getswitchinterval(), []

    def number(e):
        try:
            structure_id(e)
        except rj.JitError as error:
            failures.append(error)
    sys.setswitchinterval(1e-6)   # a thread switch between nearly any two bytecodes
    try:
        for _ in range(20):
            shared = chain(rj.input("x"), 150)
            threads = [threading.Thread(target=number, args=(shared * float(k),)) for k in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:1]
    assert structure_id(chain(rj.input("x"), 150) * 3.0) == structure_id(chain(rj.input("x"), 150) * 3.0)


def test_structure_numbers_from_deep_in_the_caller_s_own_recursion():
    """Near the recursion limit, numbering goes on by the explicit stack: no RecursionError."""
    import sys
    from resin_jit.front.canonical import structure_id
    e, f = chain(rj.input("x"), 150), chain(rj.input("x"), 150)
    limit = sys.getrecursionlimit()

    def deep(n):
        return structure_id(e) if n == 0 else deep(n - 1)
    assert deep(limit - 60) == structure_id(f)
