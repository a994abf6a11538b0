"""The elementwise ops: for each, its C rule (written against csrc/simd.h's names), its numpy
reference, its arity and how it treats masks. One table, as tinygrad's C renderer keeps one; the
vector-math functions' rows come from their declaration (vmath_table, csrc/vmath_functions.h).

In a rule, `{p}` is the simd.h prefix of the value kind being emitted (`rj_f`/`rj_d` for scalar
float/double code, `rj_vf`/`rj_vd` for vectors), `{m}` the matching mask prefix, `{0}`... the
operands. Every ISA tier shares the table, because the header gives every tier the same names.
"""
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from . import vmath_table


@dataclass(frozen=True)
class Op:
    c: str                      # the C rule
    numpy: object               # the reference: a numpy function of the operands
    arity: int = 2
    mask: bool = False          # the result is a comparison mask, not a number
    takes_masks: tuple = ()     # operand positions that are masks
    # On masks only (numpy's bools): the op numpy's result is, a mask again (bool + bool is `or`;
    # SAME: the mask itself), or the TypeError numpy raises. Else a mask counts as 1.0 and 0.0.
    on_masks: str = ""
    refuses_masks: str = ""

    @property
    def foldable(self):
        """Constant operands fold to a constant (masks are not constants)."""
        return not self.mask and not self.takes_masks


SAME = "same"   # on_masks: the op of a mask is the mask (abs, floor)


def _from_mask(m):
    return np.asarray(m, np.float64)


_ELEMENTWISE = {
    "add": Op("{p}_add({0}, {1})", np.add, on_masks="mask_or"),
    "sub": Op("{p}_sub({0}, {1})", np.subtract, refuses_masks=(
        "a mask minus a mask is refused, as numpy refuses bool - bool: write a ^ b (or np.logical_xor(a, b)) for one "
        "but not both, a & ~b for a but not b, or rj.where(a, 1.0, 0.0) - b for numbers")),
    "mul": Op("{p}_mul({0}, {1})", np.multiply, on_masks="mask_and"),
    "div": Op("{p}_div({0}, {1})", np.divide),
    "fma": Op("{p}_fma({0}, {1}, {2})", lambda a, b, c: a * b + c, 3),
    # a*b - c and c - a*b, which fastmath fuses (front/fusion.py); the negation is exact, and
    # the compiler makes one vfmsub / vfnmadd (AArch64: fnmsub / fmsub) of it
    "fms": Op("{p}_fma({0}, {1}, {p}_neg({2}))", lambda a, b, c: a * b - c, 3),
    "fnma": Op("{p}_fma({p}_neg({0}), {1}, {2})", lambda a, b, c: c - a * b, 3),
    "neg": Op("{p}_neg({0})", np.negative, 1, refuses_masks=(
        "the negative of a mask is refused, as numpy refuses -bool: write ~mask (or np.logical_not(mask)) for its "
        "opposite, or -rj.where(mask, 1.0, 0.0) for numbers")),
    "abs": Op("{p}_abs({0})", np.abs, 1, on_masks=SAME),
    "sqrt": Op("{p}_sqrt({0})", np.sqrt, 1),
    "floor": Op("{p}_floor({0})", np.floor, 1, on_masks=SAME),
    "min": Op("{p}_min({0}, {1})", np.minimum, on_masks="mask_and"),
    "max": Op("{p}_max({0}, {1})", np.maximum, on_masks="mask_or"),
    "lt": Op("{p}_lt({0}, {1})", np.less, mask=True),
    "le": Op("{p}_le({0}, {1})", np.less_equal, mask=True),
    "gt": Op("{p}_gt({0}, {1})", np.greater, mask=True),
    "ge": Op("{p}_ge({0}, {1})", np.greater_equal, mask=True),
    "eq": Op("{p}_eq({0}, {1})", np.equal, mask=True),
    "ne": Op("{p}_ne({0}, {1})", np.not_equal, mask=True),
    "select": Op("{p}_select({0}, {1}, {2})", np.where, 3, takes_masks=(0,)),
    "from_mask": Op("{p}_from_mask({0})", _from_mask, 1, takes_masks=(0,)),
    "mask_and": Op("{m}_and({0}, {1})", np.logical_and, mask=True, takes_masks=(0, 1)),
    "mask_or": Op("{m}_or({0}, {1})", np.logical_or, mask=True, takes_masks=(0, 1)),
    "mask_not": Op("{m}_not({0})", np.logical_not, 1, mask=True, takes_masks=(0,)),
    "remainder": Op("{p}_remainder({0}, {1})", np.remainder),          # x % y: the divisor's sign
    "floor_divide": Op("{p}_floor_divide({0}, {1})", np.floor_divide),  # x // y
}
# an op of each vector-math function csrc/vmath_functions.h declares (vmath_table): rj_vX_NAME,
# and for x**k with a constant k (functions.pow_rewrite) rj_vX_powi(x, k)
_VECTOR_MATH = {fn.name: Op(fn.c_rule, fn.numpy_function, fn.arity) for fn in vmath_table.FUNCTIONS}
_TWICE = sorted(_ELEMENTWISE.keys() & _VECTOR_MATH.keys())
if _TWICE:
    raise ValueError(f"csrc/vmath_functions.h declares ops that ops.py has: {_TWICE}")
OPS = MappingProxyType({**_ELEMENTWISE, **_VECTOR_MATH})

# What templates and nodes need besides the ops: moving values in and out of memory.
HELPERS = MappingProxyType({
    "load": "{p}_load({0})",
    "store": "{p}_store({0}, {1})",
    "set1": "{p}_set1({0})",
    "store_bool": "{m}_store_bool({0}, {1})",   # a mask as numpy bools, one byte a lane
    # select(cmp(a, b), x, y) where nothing else uses the comparison (codegen/emit.py)
    **{f"select_{cmp}": f"{{p}}_select_{cmp}({{0}}, {{1}}, {{2}}, {{3}})" for cmp in ("lt", "le", "gt", "ge", "eq", "ne")},
    # ... whose chosen value (or, with not_, the other) is arithmetic nothing else uses (csrc/simd_select.h)
    **{f"select_{neg}{cmp}_{op}": f"{{p}}_select_{neg}{cmp}_{op}({{0}}, {{1}}, {{2}}, {{3}}, {{4}})"
       for neg in ("", "not_") for cmp in ("lt", "le", "gt", "ge", "eq", "ne") for op in ("add", "sub", "mul", "div")},
})
# the comparisons a select can take in (HELPERS' select_*), and the arithmetic
SELECT_COMPARISONS = frozenset({"lt", "le", "gt", "ge", "eq", "ne"})
SELECT_ARITHMETIC = frozenset({"add", "sub", "mul", "div"})

# The simd.h prefix and C element type for each dtype, scalar and vector.
PREFIX = MappingProxyType({
    ("float32", False): "rj_f", ("float32", True): "rj_vf",
    ("float64", False): "rj_d", ("float64", True): "rj_vd",
})
CTYPE = MappingProxyType({
    ("float32", False): "float", ("float32", True): "rj_vf",
    ("float64", False): "double", ("float64", True): "rj_vd",
})
MASK_CTYPE = MappingProxyType({
    ("float32", False): "int", ("float32", True): "rj_mf",
    ("float64", False): "int", ("float64", True): "rj_md",
})
LANES_MACRO = MappingProxyType({"float32": "RJ_VF_WIDTH", "float64": "RJ_VD_WIDTH"})


# simd.h's mask-op prefix for each value prefix: scalar masks are plain ints.
MASK_PREFIX = MappingProxyType({"rj_f": "rj_mfs", "rj_d": "rj_mds", "rj_vf": "rj_mf", "rj_vd": "rj_md"})


def render(op, prefix, *args):
    """The C of op (or helper) `op` on the C expressions `args`."""
    rule = OPS[op].c if op in OPS else HELPERS.get(op)
    if rule is None:
        raise ValueError(f"no C rule for op {op!r}")
    return rule.format(*args, p=prefix, m=MASK_PREFIX[prefix])
