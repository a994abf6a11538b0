"""An expression graph as a warm manifest entry (kind "graph"): a canonical graph written as JSON
data that is read back only through tables, never as code.

    {"kind": "graph", "nodes": [["input", "x"], ["const", 2.0], ["op", "mul", 0, 1]], "outputs": [2],
     "inputs": ["x"], "dtype": "float32", "ulp": 1.0, "sample_rate": null}

Each node is a list, its inputs the numbers of nodes before it:
    ["input", NAME]                  a kernel input
    ["const", NUMBER]                a constant ("inf", "-inf" or "nan" for what JSON has no number for)
    ["param", NAME, NUMBER]          a runtime parameter and its default
    ["op", OP, i, ...]               an elementwise op of front/ops.py's table (add, sin, select, ...)
    ["reduce", OP, i]                a reduction of front/reductions.py's table (sum, argmax, ...)
    ["extern", NAME, SIGNATURE, i...] a C library function (rj.extern without c_source or library)
    ["node", CLASS, [FIELDS], i...]  a node of NODE_BUILDERS (audio nodes, Affine, Smooth): its class
                                     and the fields of its key (what shapes its code: a filter's
                                     type, a delay's unit and maximum, a limiter's look-ahead),
                                     settings as input nodes
A name is 1 to 64 letters, digits, '_', '.' or '-'. Externs with c_source or library=, py_nodes and
node classes of other packages are not recorded (their code is not data): record.py says so.
"""
import math
import re

from .manifest_fields import LIMITS, _real, _shown

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
DTYPES = ("float32", "float64")


class GraphEntryError(ValueError):
    """A graph entry that does not describe a graph resin_jit can build (the message says where)."""


# -- numbers and names ------------------------------------------------------------------------------

def number_of(value, what):
    """A recorded number (a JSON number, or "inf"/"-inf"/"nan") as a float."""
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GraphEntryError(f"{what} must be a number (or \"inf\", \"-inf\", \"nan\"), not {_shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise GraphEntryError(f"{what} must be finite as a JSON number (write \"inf\", \"-inf\" or \"nan\"), "
                              f"not {value}")
    if isinstance(value, int) and abs(value) > LIMITS["magnitude"]:
        raise GraphEntryError(f"{what}: an integer of at most 2**53 in magnitude (write larger ones as "
                              f"floats), not {_shown(value)}")
    return float(value)


def recorded_number(value):
    """A float as a manifest writes it."""
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))


def name_of(value, what):
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise GraphEntryError(f"{what} must be a name of 1 to 64 letters, digits, '_', '.' or '-' (starting "
                              f"with a letter or '_'), not {_shown(value)}")
    return value


def _index(value, before, what):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < before:
        earlier = f"0 to {before - 1}" if before else "there is none before it"
        raise GraphEntryError(f"{what} must be the number of an earlier node ({earlier}), not {_shown(value)}")
    return value


# -- node classes by name: the one way a class name from a manifest becomes a node ---------------------

def _hex(field, what):
    if not isinstance(field, str) or len(field) > LIMITS["text"]:
        raise GraphEntryError(f"{what} must be a float token as float.hex() writes it, not {_shown(field)}")
    try:
        return float.fromhex(field)
    except ValueError:
        raise GraphEntryError(f"{what} must be a float token as float.hex() writes it, not {_shown(field)}") from None


def _naive(fields, name):
    if name != "SineOsc" and fields == ["naive"]:
        return {"naive": True}
    if fields:
        allowed = "[]" if name == "SineOsc" else '[] or ["naive"]'
        raise GraphEntryError(f"a {name}'s fields are {allowed}, not {_shown(fields)}")
    return {}


def _audio(name):
    from . import audio
    return audio.NODES[name]


def _plain(name, signals=1, rated=True):
    """A node without fields: `signals` signal inputs, then its settings."""
    def build(fields, args, rate):
        if fields:
            raise GraphEntryError(f"a {name} has no fields, not {_shown(fields)}")
        return _audio(name)(*args[signals:], **({"sample_rate": rate} if rated else {}))(*args[:signals])
    return build


def _oscillator(name, settings):
    def build(fields, args, rate):
        return _audio(name)(sample_rate=rate, **_naive(fields, name), **dict(zip(settings, args)))()
    return build


def _delay(name):
    def build(fields, args, rate):
        if len(fields) != 2 or fields[0] not in ("samples", "seconds"):
            raise GraphEntryError(f"a {name}'s fields are [unit, maximum], not {_shown(fields)}")
        return _audio(name)(*args[1:], maximum=_hex(fields[1], "maximum"), unit=fields[0], sample_rate=rate)(args[0])
    return build


def _biquad(fields, args, rate):
    from .audio.filters import RBJ, SHELVING, Biquad
    kind = fields[0] if len(fields) == 1 else None
    if kind == "custom":
        return Biquad(*args[1:], sample_rate=rate)(args[0])
    if kind not in RBJ:
        raise GraphEntryError(f"a Biquad's field is its type, one of custom, {', '.join(RBJ)}; got {_shown(fields)}")
    settings = args[1:]
    if len(settings) != (3 if kind in SHELVING else 2):
        raise GraphEntryError(f"a {kind} Biquad takes frequency, q{', gain_db' if kind in SHELVING else ''}: "
                              f"{len(settings)} settings given")
    gain_db = settings[2] if kind in SHELVING else None
    return Biquad._cookbook(kind, settings[0], settings[1], rate, gain_db, None, False, None)(args[0])


def _one_pole(fields, args, rate):
    if fields not in (["lowpass"], ["highpass"]):
        raise GraphEntryError(f"a OnePole's field is its mode, lowpass or highpass; got {_shown(fields)}")
    return _audio("OnePole")(*args[1:], sample_rate=rate, mode=fields[0])(args[0])


def _noise(fields, args, rate):
    if len(fields) != 1 or not isinstance(fields[0], str) or not fields[0].isdigit() or len(fields[0]) > 20:
        raise GraphEntryError(f"a Noise's field is its seed in decimal digits, not {_shown(fields)}")
    return _audio("Noise")(int(fields[0]), *args)()


def _limiter(fields, args, rate):
    if fields == []:
        ahead = {}
    elif len(fields) == 2 and fields[0] == "seconds":
        ahead = {"lookahead": _hex(fields[1], "lookahead")}
    elif len(fields) == 2 and fields[0] == "samples":
        ahead = {"lookahead_samples": fields[1]}
    else:
        raise GraphEntryError(f"a Limiter's fields are [] (no look-ahead), [\"seconds\", float.hex() token] or "
                              f"[\"samples\", integer], not {_shown(fields)}")
    return _audio("Limiter")(*args[1:], sample_rate=rate, **ahead)(args[0])


def _mix(fields, args, rate):
    count = fields[0] if len(fields) == 1 else None
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= LIMITS["list"] // 2:
        raise GraphEntryError(f"a Mix's field is its number of inputs, 1 to {LIMITS['list'] // 2}; got {_shown(fields)}")
    return _audio("Mix")(args[count:])(*args[:count])


def _affine(fields, args, rate):
    if len(fields) != 2:
        raise GraphEntryError(f"an Affine's fields are [a, b] as float.hex() tokens, not {_shown(fields)}")
    return _audio("Affine")(_hex(fields[0], "a"), _hex(fields[1], "b"))(*args)


def _smooth(fields, args, rate):
    if len(fields) != 1:
        raise GraphEntryError(f"a Smooth's field is its time as a float.hex() token, not {_shown(fields)}")
    return _audio("Smooth")(_hex(fields[0], "time"), sample_rate=rate)(*args)


NODE_BUILDERS = {
    "Gain": _plain("Gain", rated=False), "Offset": _plain("Offset", rated=False), "Mix": _mix,
    "Clip": _plain("Clip", rated=False), "SoftClip": _plain("SoftClip", rated=False),
    "SineOsc": _oscillator("SineOsc", ("frequency", "phase")), "SawOsc": _oscillator("SawOsc", ("frequency", "phase")),
    "SquareOsc": _oscillator("SquareOsc", ("frequency", "phase", "duty")), "Noise": _noise,
    "OnePole": _one_pole, "Biquad": _biquad, "Delay": _delay("Delay"), "Comb": _delay("Comb"),
    "Allpass": _delay("Allpass"), "Envelope": _plain("Envelope"), "EnvelopeFollower": _plain("EnvelopeFollower"),
    "Limiter": _limiter, "PeakMeter": _plain("PeakMeter"), "RMSMeter": _plain("RMSMeter"), "Affine": _affine,
    "Smooth": _smooth,
}


# -- reading: a graph entry's fields → expressions ----------------------------------------------------

def _node_expr(item, exprs, rate):
    """The expression of one recorded node, its inputs taken from `exprs` (the nodes before it)."""
    from .front.nodes import Const, Expr, MathOp, Param
    from .front.ops import OPS
    from .front.reductions import REDUCTIONS, Reduce
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise GraphEntryError(f"a node is a list [tag, ...], not {_shown(item)}")
    tag, rest = item[0], item[1:]

    def inputs(values):
        return [exprs[_index(v, len(exprs), "an input of a node")] for v in values]
    if tag == "input" and len(rest) == 1:
        from .front.graph import input as make_input
        return make_input(name_of(rest[0], "an input's name"))
    if tag == "const" and len(rest) == 1:
        return Expr(Const(number_of(rest[0], "a constant")))
    if tag == "param" and len(rest) == 2:
        return Expr(Param(name_of(rest[0], "a parameter's name"), number_of(rest[1], "a parameter's default")))
    if tag == "op" and rest:
        if not isinstance(rest[0], str) or rest[0] not in OPS:
            raise GraphEntryError(f"unknown op {_shown(rest[0])}: an op is one of front/ops.py's ({', '.join(OPS)})")
        return Expr(MathOp(rest[0]), inputs(rest[1:]))
    if tag == "reduce" and len(rest) == 2:
        if not isinstance(rest[0], str) or rest[0] not in REDUCTIONS:
            raise GraphEntryError(f"unknown reduction {_shown(rest[0])}: one of {', '.join(REDUCTIONS)}")
        return Expr(Reduce(rest[0]), inputs(rest[1:]))
    if tag == "extern" and len(rest) >= 2:
        from .front.externals import ExternCall
        if not isinstance(rest[1], str) or len(rest[1]) > LIMITS["text"]:
            raise GraphEntryError(f"an extern's signature is a string like 'float(float)', not {_shown(rest[1])}")
        return Expr(ExternCall(rest[0], rest[1]), inputs(rest[2:]))
    if tag == "node" and len(rest) >= 2:
        return _class_node(rest[0], rest[1], inputs(rest[2:]), rate)
    raise GraphEntryError(f"a node is [\"input\", name], [\"const\", x], [\"param\", name, x], [\"op\", op, i...], "
                          f"[\"reduce\", op, i], [\"extern\", name, signature, i...] or [\"node\", class, [fields], "
                          f"i...]; not {_shown(item)}")


def _class_node(name, fields, args, rate):
    if not isinstance(name, str) or name not in NODE_BUILDERS:
        raise GraphEntryError(f"unknown node class {_shown(name)}: one of {', '.join(NODE_BUILDERS)}")
    if not isinstance(fields, list) or len(fields) > 4 or any(
            not isinstance(f, (str, int)) or (isinstance(f, str) and len(f) > LIMITS["text"]) for f in fields):
        raise GraphEntryError(f"a {name}'s fields are a short list of strings and integers, not {_shown(fields)}")
    expr = NODE_BUILDERS[name](fields, args, rate)
    if expr.node.key() != (name, *fields) or len(expr.args) != len(args) or \
            any(a is not b for a, b in zip(expr.args, args)):
        raise GraphEntryError(f"node {name} {_shown(fields)} of {len(args)} inputs is not one resin_jit makes (its "
                              "inputs are its signals, then one node per setting, as a recording writes them)")
    return expr


def check_shape(entry):
    """What is wrong with a graph entry's fields as JSON (before any node is made), or None."""
    nodes, outputs = entry.get("nodes"), entry.get("outputs")
    if not isinstance(nodes, list) or not 0 < len(nodes) <= LIMITS["nodes"]:
        return f"'nodes' must be a list of 1 to {LIMITS['nodes']} nodes"
    if not isinstance(outputs, list) or not 0 < len(outputs) <= LIMITS["list"]:
        return f"'outputs' must be a list of 1 to {LIMITS['list']} node numbers"
    inputs = entry.get("inputs", [])
    if not isinstance(inputs, list) or len(inputs) > LIMITS["list"]:
        return f"'inputs' must be a list of at most {LIMITS['list']} names"
    if entry.get("dtype", "float32") not in DTYPES:
        return f"'dtype' must be one of {', '.join(DTYPES)}; got {_shown(entry.get('dtype'))}"
    from .config import ULP_LEVELS
    if entry.get("ulp", 1.0) not in ULP_LEVELS or isinstance(entry.get("ulp"), bool):
        return f"'ulp' must be one of {', '.join(map(str, ULP_LEVELS))}; got {_shown(entry.get('ulp'))}"
    rate = entry.get("sample_rate")
    if rate is not None and (_real(rate) or not rate > 0):
        return f"'sample_rate' must be a positive number of samples per second or null; got {_shown(rate)}"
    return None


def outputs_of(entry):
    """The graph entry's output expressions and its input order (GraphEntryError naming the problem)."""
    problem = check_shape(entry)
    if problem:
        raise GraphEntryError(problem)
    from .front.errors import JitError
    rate = None if entry.get("sample_rate") is None else float(entry["sample_rate"])
    exprs = []
    for i, item in enumerate(entry["nodes"]):
        try:
            exprs.append(_node_expr(item, exprs, rate))
        except (TypeError, ValueError, KeyError, JitError) as exc:   # the constructors' own checks
            raise GraphEntryError(f"node {i}: {exc}") from None
    outputs = [exprs[_index(o, len(exprs), "an output")] for o in entry["outputs"]]
    return outputs, [name_of(n, "an input name") for n in entry.get("inputs", [])]


def canonical_of(entry):
    """The CanonicalGraph a graph entry describes, as compile() would make it."""
    from .front.canonical import canonical_graph
    from .front.errors import JitError
    outputs, inputs = outputs_of(entry)
    try:
        return canonical_graph(outputs, inputs, entry.get("dtype", "float32"), entry.get("sample_rate"))
    except (JitError, TypeError, ValueError) as exc:
        raise GraphEntryError(f"the nodes do not make a graph: {exc}") from None


# -- writing: a canonical graph → a graph entry ----------------------------------------------------

class NotRecordable(Exception):
    """A graph with a node whose code is not data (the message says which)."""


def _item(node, args):
    from .front.externals import ExternCall
    from .front.nodes import Const, Input, MathOp, Param
    from .front.reductions import Reduce
    kind = type(node)
    if kind is Input:
        return ["input", node.name]
    if isinstance(node, Const):    # audio.Constant too: a constant is its value
        return ["const", recorded_number(node.value)]
    if isinstance(node, Param):   # a node's setting named by the user too (its key is a parameter's)
        return ["param", node.name, recorded_number(node.default)]
    if kind is MathOp:
        return ["op", node.op, *args]
    if kind is Reduce:
        return ["reduce", node.op, *args]
    if kind is ExternCall:
        if node.c_source is not None or node.library is not None:
            raise NotRecordable(f"extern {node.name!r} brings its own code (c_source= or library=)")
        return ["extern", node.name, f"{node.ret}({','.join(node.args)})", *args]
    key = node.key()
    if key and key[0] == kind.__name__ and kind.__name__ in NODE_BUILDERS and kind.__module__.startswith("resin_jit."):
        return ["node", key[0], list(key[1:]), *args]
    raise NotRecordable(f"{node!r} is not a node a manifest can name (a py_node, or a class of another package)")


def entry_of(cg, dtype, ulp):
    """The graph entry of canonical graph `cg` compiled at `dtype` and accuracy `ulp`; NotRecordable
    when it holds a node whose code is not data, or when its names or size go beyond a manifest's."""
    if len(cg.nodes) > LIMITS["nodes"]:
        raise NotRecordable(f"{len(cg.nodes)} nodes, more than a manifest's {LIMITS['nodes']}")
    entry = {"kind": "graph", "nodes": [_item(node, list(args)) for node, args in cg.nodes],
             "outputs": list(cg.outputs), "inputs": list(cg.input_names), "dtype": dtype, "ulp": float(ulp),
             "sample_rate": cg.sample_rate}
    try:
        rebuilt = canonical_of(entry)
    except GraphEntryError as exc:
        raise NotRecordable(str(exc)) from None
    if rebuilt.ident != cg.ident:
        raise NotRecordable("its nodes do not read back as the same graph")
    return entry
