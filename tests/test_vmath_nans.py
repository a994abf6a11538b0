"""NaN bits, on every tier, float32 and float64, wherever a sample falls (arrays of 37: the vector
loop and the scalar tail on every tier):

- a domain error (log of a negative, arcsin(2), inf % 1, 0 // 0, sin(inf)) gives the NaN numpy
  gives on this machine, bit for bit (the invalid operation's NaN: sign set on x86);
- a NaN argument comes out as itself, quietened (of two, the first; nextafter: y's first), and in
  + and * of two NaNs the first operand's, as numpy's vector loops give: the same in the vector
  loop and the scalar tail, which the compiler would otherwise be free to order differently.

And np.clip's bits with array bounds and scalar bounds, the signed-zero ties and NaNs included.
"""
import itertools

import numpy as np
import pytest

import resin_jit as rj

from support.vmath import BY_NAME, compile_fn

N = 37
DTYPES = ["float32", "float64"]
UINT = {"float32": np.uint32, "float64": np.uint64}
QUIET = {"float32": 0x00400000, "float64": 0x0008000000000000}
# NaNs of both signs, with payloads, one of them signalling
NAN_BITS = {"float32": [0x7FC00000, 0xFFC00000, 0x7FC01234, 0xFFC04321, 0x7F800123],
            "float64": [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000001234, 0xFFF8000000004321,
                        0x7FF0000000000123]}


def nans(dtype):
    return np.array(NAN_BITS[dtype], UINT[dtype]).view(dtype)


def bits(a):
    return np.asarray(a).view(UINT[np.asarray(a).dtype.name])


def quiet(value, dtype):
    return int(bits(np.array([value], dtype))[0]) | QUIET[dtype]


def run(kernel, dtype, *values):
    """Each value fills an array of N: every sample in the loop and in the tail."""
    with np.errstate(all="ignore"):
        return kernel(*[np.full(N, v, dtype) for v in values])


OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
             "%": lambda a, b: a % b, "//": lambda a, b: a // b}


def _operator_kernel(jit, symbol, dtype):
    x, y = rj.input("x"), rj.input("y")
    return jit.compile(OPERATORS[symbol](x, y), inputs=["x", "y"], dtype=dtype)


DOMAIN_ERRORS = [("log", (-1.0,)), ("log", (-np.inf,)), ("log2", (-0.5,)), ("log10", (-2.0,)), ("log1p", (-2.0,)),
                 ("log1p", (-np.inf,)), ("arcsin", (2.0,)), ("arcsin", (np.inf,)), ("arcsin", (-1.5,)),
                 ("arccos", (-2.0,)), ("arccos", (np.inf,)), ("arccosh", (0.5,)), ("arccosh", (-np.inf,)),
                 ("arctanh", (2.0,)), ("arctanh", (-np.inf,)), ("sin", (np.inf,)), ("cos", (-np.inf,)),
                 ("tan", (np.inf,)), ("fmod", (np.inf, 1.0)), ("fmod", (1.0, 0.0)), ("fmod", (-np.inf, np.inf)),
                 ("pow", (-8.0, 1.0 / 3.0)), ("pow", (-np.inf, np.nan))]
OPERATOR_ERRORS = [("%", (np.inf, np.inf)), ("%", (np.inf, 1.0)), ("%", (1.0, 0.0)), ("//", (0.0, 0.0)),
                   ("//", (np.inf, 2.0)), ("-", (np.inf, np.inf)), ("*", (0.0, np.inf)), ("/", (0.0, 0.0)),
                   ("+", (np.inf, -np.inf))]


def invalid_nan(dtype):
    """The NaN an invalid operation makes on this machine: numpy's vector 0/0, the hardware's."""
    with np.errstate(all="ignore"):
        return np.zeros(N, dtype) / np.zeros(N, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_domain_errors_give_the_machines_nan(jit, dtype):
    """The generated NaN is the invalid operation's, bit for bit (issue 17: 0x7fc00000 where numpy
    gives 0xffc00000), as numpy's own vector loops give; the operators' and sqrt's are numpy's too.
    numpy's functions do not all agree with themselves across machines: where a host's numpy calls
    the C library instead of a vector loop (glibc's float32 log10, arcsin and arccos on an AMD
    Zen 3 with numpy 2.4) its NaN has the library's sign, 0x7fc00000."""
    failures = []
    # a NaN argument is no domain error: it comes out as itself (quietened), as numpy's
    cases = [(BY_NAME[n].ref if np.isnan(a).any() else None, compile_fn(jit, BY_NAME[n], dtype), n, a)
             for n, a in DOMAIN_ERRORS]
    cases += [(OPERATORS[s], _operator_kernel(jit, s, dtype), s, a) for s, a in OPERATOR_ERRORS]
    cases += [(np.sqrt, jit.compile(rj.sqrt(rj.input("x")), dtype=dtype), "sqrt", (-1.0,))]
    for reference, kernel, name, args in cases:
        got = run(kernel, dtype, *args)
        expected = invalid_nan(dtype)
        if reference is not None:
            with np.errstate(all="ignore"):
                numpys = reference(*[np.full(N, a, dtype) for a in args])
            assert np.isnan(args).any() or np.array_equal(bits(numpys), bits(expected)), name
            expected = numpys
        if not np.array_equal(bits(got), bits(expected)):
            failures.append((name, args, hex(bits(got)[0]), hex(bits(expected)[0])))
    assert not failures, failures


# every declared unary function for which numpy gives NaN for a NaN (not x**0: 1.0)
with np.errstate(invalid="ignore"):
    UNARY = [fn.name for fn in BY_NAME.values() if fn.arity == 1 and np.isnan(fn.ref(np.array([np.nan])))[0]]
# (a signalling NaN through these comes out unquietened on SSE2 and the scalar tier, which round
# without a rounding instruction, and through sign, which returns it: the same bits in loop and
# tail, not numpy's)
NOT_QUIETENING = {"trunc", "ceil", "round", "sign"}


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_nan_argument_comes_out_as_itself(jit, dtype):
    """Sign and payload kept, quietened, in every lane and the tail (sin(NaN) had its sign flipped
    by the quadrant, arctan2 and hypot by the signs of their arguments)."""
    failures = []
    for name in UNARY:
        kernel = compile_fn(jit, BY_NAME[name], dtype)
        for nan in nans(dtype)[:4] if name in NOT_QUIETENING else nans(dtype):
            got = bits(run(kernel, dtype, nan))
            if set(got.tolist()) != {quiet(nan, dtype)}:
                failures.append((name, hex(quiet(nan, dtype)), sorted(hex(b) for b in set(got.tolist()))))
    assert not failures, failures


# two-argument functions and operators: which argument's NaN comes out when both are NaN: the
# first's, for every declared binary function but nextafter (y's, as numpy) and copysign (whose
# sign is y's by definition)
FIRST = {fn.name: int(fn.name == "nextafter") for fn in BY_NAME.values() if fn.arity == 2 and fn.name != "copysign"}


@pytest.mark.parametrize("dtype", DTYPES)
def test_two_nans_give_the_same_nan_in_the_loop_and_the_tail(jit, dtype):
    """NaN + (-NaN) was the first operand's NaN in the vector loop and the second's in the scalar
    tail (issue 17): now the first operand's everywhere, as numpy's vector loops give, and for the
    functions the first argument's (nextafter: y's, as numpy)."""
    kernels = {s: (_operator_kernel(jit, s, dtype), 0) for s in ("+", "-", "*", "/", "//")}
    kernels.update({n: (compile_fn(jit, BY_NAME[n], dtype), k) for n, k in FIRST.items()})
    x, y = rj.input("x"), rj.input("y")
    kernels["minimum"] = (jit.compile(rj.minimum(x, y), inputs=["x", "y"], dtype=dtype), 0)
    failures = []
    for name, (kernel, first) in kernels.items():
        for a, b in itertools.permutations(nans(dtype)[:4], 2):
            got = set(bits(run(kernel, dtype, a, b)).tolist())
            want = quiet((a, b)[first], dtype)
            if got != {want}:
                failures.append((name, hex(quiet(a, dtype)), hex(quiet(b, dtype)), sorted(hex(g) for g in got)))
        for a in nans(dtype)[:4]:     # one NaN: that one, from either side
            for pair in ((a, 1.5), (1.5, a)):
                got = set(bits(run(kernel, dtype, *pair)).tolist())
                if name != "pow" and got != {quiet(a, dtype)}:
                    failures.append((name, pair, sorted(hex(g) for g in got)))
    assert not failures, failures


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_plus_minus_nan_is_the_first_operand_s_everywhere(jit, dtype):
    """The issue's example: x's NaN at every position, on every platform. (numpy's own loops
    disagree with themselves: on x86-64 its vector loop gives x's and its tail y's; numpy 2.4 on
    AArch64 the other way round, found by .ci/arm64-userland: so x's is pinned, not numpy's.)"""
    a, b = nans(dtype)[0], nans(dtype)[1]
    kernel = _operator_kernel(jit, "+", dtype)
    got = run(kernel, dtype, a, b)
    assert set(bits(got).tolist()) == {int(bits(np.array([a], dtype))[0])}


def test_pow_of_one_and_to_the_zero_stay_one(jit):
    for dtype in DTYPES:
        kernel = compile_fn(jit, BY_NAME["pow"], dtype)
        for nan in nans(dtype)[:4]:
            assert (run(kernel, dtype, 1.0, nan) == 1.0).all() and (run(kernel, dtype, nan, 0.0) == 1.0).all()


# ---- clip ------------------------------------------------------------------------------------

def _clip_values(dtype):
    return [0.0, -0.0, 1.0, -1.0, 2.0, *nans(dtype)[:3]]


@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_with_array_bounds_is_numpys(jit, dtype):
    """np.clip with array bounds is max(x, lo) then min(that, hi), each giving the bound on a
    +0.0/-0.0 tie (issue 17: rj.clip kept x); every combination of zeros, numbers and NaNs."""
    triples = list(itertools.product(_clip_values(dtype), repeat=3))
    x, lo, hi = (np.array([t[k] for t in triples], dtype) for k in range(3))
    expected = np.clip(x, lo, hi)
    for build in (lambda a, b, c: rj.clip(a, b, c), lambda a, b, c: np.clip(a, b, c)):
        kernel = jit.compile(build(rj.input("x"), rj.input("lo"), rj.input("hi")), inputs=["x", "lo", "hi"],
                             dtype=dtype)
        np.testing.assert_array_equal(bits(kernel(x, lo, hi)), bits(expected))


@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_with_scalar_bounds_is_numpys(jit, dtype):
    """Constant bounds (numpy's loop for scalars keeps x on a tie, and gives a NaN bound first),
    and a runtime parameter as a bound, which is one value for the call too."""
    xs = np.array(_clip_values(dtype) * 3, dtype)
    nan = float("nan")
    for lo, hi in [(0.0, -0.0), (-0.0, 0.0), (0.0, 0.0), (-0.0, -0.0), (-1.0, 1.0), (2.0, 1.0), (nan, 1.0),
                   (1.0, nan), (nan, nan)]:
        kernel = jit.compile(rj.clip(rj.input("x"), lo, hi), dtype=dtype)
        expected = np.clip(xs, np.array(lo, dtype), np.array(hi, dtype))
        assert np.array_equal(bits(kernel(xs)), bits(expected)), (lo, hi)
    kernel = jit.compile(rj.clip(rj.input("x"), rj.param("lo", -0.0), 0.0), dtype=dtype)
    np.testing.assert_array_equal(bits(kernel(xs)), bits(np.clip(xs, np.array(-0.0, dtype), np.array(0.0, dtype))))
