"""Op → C rules: one small table, written against csrc/simd.h's names.

`{p}` is the simd.h prefix for the value kind being emitted: `rj_f`/`rj_d` for scalar
float/double code, `rj_vf`/`rj_vd` for vectors. Every tier shares the table because the
header gives every tier the same names.
"""
from types import MappingProxyType

RULES = MappingProxyType({
    "add": "{p}_add({0}, {1})",
    "sub": "{p}_sub({0}, {1})",
    "mul": "{p}_mul({0}, {1})",
    "div": "{p}_div({0}, {1})",
    "fma": "{p}_fma({0}, {1}, {2})",
    "neg": "{p}_neg({0})",
    "abs": "{p}_abs({0})",
    "sqrt": "{p}_sqrt({0})",
    "floor": "{p}_floor({0})",
    "min": "{p}_min({0}, {1})",
    "max": "{p}_max({0}, {1})",
    "lt": "{p}_lt({0}, {1})",
    "le": "{p}_le({0}, {1})",
    "gt": "{p}_gt({0}, {1})",
    "ge": "{p}_ge({0}, {1})",
    "eq": "{p}_eq({0}, {1})",
    "ne": "{p}_ne({0}, {1})",
    "select": "{p}_select({0}, {1}, {2})",
    "from_mask": "{p}_from_mask({0})",
    "mask_and": "{m}_and({0}, {1})",
    "mask_or": "{m}_or({0}, {1})",
    "mask_not": "{m}_not({0})",
    "sin": "{p}_sin({0})",
    "cos": "{p}_cos({0})",
    "tan": "{p}_tan({0})",
    "exp": "{p}_exp({0})",
    "log": "{p}_log({0})",
    "tanh": "{p}_tanh({0})",
    "pow": "{p}_pow({0}, {1})",
    "load": "{p}_load({0})",
    "store": "{p}_store({0}, {1})",
    "set1": "{p}_set1({0})",
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
    try:
        rule = RULES[op]
    except KeyError:
        raise ValueError(f"no C rule for op {op!r}") from None
    return rule.format(*args, p=prefix, m=MASK_PREFIX[prefix])
