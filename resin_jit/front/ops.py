"""The elementwise ops: for each, its C rule (written against csrc/simd.h's names), its numpy
reference, its arity and how it treats masks. One table, as tinygrad's C renderer keeps one.

In a rule, `{p}` is the simd.h prefix of the value kind being emitted (`rj_f`/`rj_d` for scalar
float/double code, `rj_vf`/`rj_vd` for vectors), `{m}` the matching mask prefix, `{0}`... the
operands. Every ISA tier shares the table, because the header gives every tier the same names.
"""
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np


@dataclass(frozen=True)
class Op:
    c: str                      # the C rule
    numpy: object               # the reference: a numpy function of the operands
    arity: int = 2
    mask: bool = False          # the result is a comparison mask, not a number
    takes_masks: tuple = ()     # operand positions that are masks

    @property
    def foldable(self):
        """Constant operands fold to a constant (masks are not constants)."""
        return not self.mask and not self.takes_masks


def _from_mask(m):
    return np.asarray(m, np.float64)


OPS = MappingProxyType({
    "add": Op("{p}_add({0}, {1})", np.add),
    "sub": Op("{p}_sub({0}, {1})", np.subtract),
    "mul": Op("{p}_mul({0}, {1})", np.multiply),
    "div": Op("{p}_div({0}, {1})", np.divide),
    "fma": Op("{p}_fma({0}, {1}, {2})", lambda a, b, c: a * b + c, 3),
    "neg": Op("{p}_neg({0})", np.negative, 1),
    "abs": Op("{p}_abs({0})", np.abs, 1),
    "sqrt": Op("{p}_sqrt({0})", np.sqrt, 1),
    "floor": Op("{p}_floor({0})", np.floor, 1),
    "min": Op("{p}_min({0}, {1})", np.minimum),
    "max": Op("{p}_max({0}, {1})", np.maximum),
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
    "sin": Op("{p}_sin({0})", np.sin, 1),
    "cos": Op("{p}_cos({0})", np.cos, 1),
    "tan": Op("{p}_tan({0})", np.tan, 1),
    "exp": Op("{p}_exp({0})", np.exp, 1),
    "log": Op("{p}_log({0})", np.log, 1),
    "tanh": Op("{p}_tanh({0})", np.tanh, 1),
    "pow": Op("{p}_pow({0}, {1})", np.power),
    "sinh": Op("{p}_sinh({0})", np.sinh, 1),
    "cosh": Op("{p}_cosh({0})", np.cosh, 1),
    "arcsin": Op("{p}_arcsin({0})", np.arcsin, 1),
    "arccos": Op("{p}_arccos({0})", np.arccos, 1),
    "arctan": Op("{p}_arctan({0})", np.arctan, 1),
    "arcsinh": Op("{p}_arcsinh({0})", np.arcsinh, 1),
    "arccosh": Op("{p}_arccosh({0})", np.arccosh, 1),
    "arctanh": Op("{p}_arctanh({0})", np.arctanh, 1),
    "expm1": Op("{p}_expm1({0})", np.expm1, 1),
    "log1p": Op("{p}_log1p({0})", np.log1p, 1),
    "log2": Op("{p}_log2({0})", np.log2, 1),
    "log10": Op("{p}_log10({0})", np.log10, 1),
    "ceil": Op("{p}_ceil({0})", np.ceil, 1),
    "trunc": Op("{p}_trunc({0})", np.trunc, 1),
    "round": Op("{p}_round({0})", np.rint, 1),          # half to even, as numpy.round and numpy.rint
    "sign": Op("{p}_sign({0})", np.sign, 1),
    "arctan2": Op("{p}_arctan2({0}, {1})", np.arctan2),
    "hypot": Op("{p}_hypot({0}, {1})", np.hypot),
    "fmod": Op("{p}_fmod({0}, {1})", np.fmod),
    "remainder": Op("{p}_remainder({0}, {1})", np.remainder),          # x % y: the divisor's sign
    "floor_divide": Op("{p}_floor_divide({0}, {1})", np.floor_divide),  # x // y
    "copysign": Op("{p}_copysign({0}, {1})", np.copysign),
    "nextafter": Op("{p}_nextafter({0}, {1})", np.nextafter),
    # x**k for a constant k (mathops.pow_rewrite): 0, numpy's 1.0 for every x; 3, 4 and -2, for which
    # numpy calls pow, from exact products rounded once
    "pow0": Op("{p}_powi({0}, 0)", lambda x: np.power(x, 0), 1),
    "pow3": Op("{p}_powi({0}, 3)", lambda x: np.power(x, 3), 1),
    "pow4": Op("{p}_powi({0}, 4)", lambda x: np.power(x, 4), 1),
    "pow_m2": Op("{p}_powi({0}, -2)", lambda x: np.power(x, -2), 1),
})

# What templates and nodes need besides the ops: moving values in and out of memory.
HELPERS = MappingProxyType({
    "load": "{p}_load({0})",
    "store": "{p}_store({0}, {1})",
    "set1": "{p}_set1({0})",
    "store_bool": "{m}_store_bool({0}, {1})",   # a mask as numpy bools, one byte a lane
})

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
