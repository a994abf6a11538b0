"""Canonical form and hash of a graph.

Walking from the outputs in argument order numbers every distinct (node key, inputs)
once, so the same structure built in any order gets the same form and the same key, and
common subexpressions are merged. The key is a sha256 over that form.
"""
import functools
import hashlib
import itertools
import json

import numpy as np

from .errors import JitError
from .nodes import Const, Input, Node, Param, exact, traits_of
from .node_settings import bind_sample_rate, frozen, is_auto_setting, name_settings, rate_token


class CanonicalGraph:
    """Nodes in evaluation order as (node, input indices); outputs and inputs by index."""

    def __init__(self, nodes, keys, outputs, input_names, sample_rate=None):
        self.nodes = tuple(nodes)
        self.outputs = tuple(outputs)
        self.input_names = tuple(input_names)
        self.sample_rate = sample_rate   # None when no node depends on it
        # The structure as nested tuples of str/int: hashable for the in-process memo, and its
        # repr (deterministic across runs and platforms) is the form the disk key hashes.
        self.ident = (tuple(keys), self.outputs, self.input_names) + (
            (rate_token(sample_rate),) if sample_rate is not None else ())
        # canonicalize() has checked that every use of a parameter gives it the same default
        self.param_defaults = {node.name: node.default for node, _ in self.nodes if isinstance(node, Param)}
        self.param_names = tuple(self.param_defaults)
        self.traits = tuple(traits_of(node) for node, _ in self.nodes)
        # Nodes that call through a function pointer handed over at run time (py_node, library externs).
        self.pointer_nodes = tuple(i for i, t in enumerate(self.traits) if t.needs_pointer)
        self.stateful_nodes = tuple(i for i, t in enumerate(self.traits) if t.stateful)
        self.python_callbacks = any(t.python_callback for t in self.traits)
        self.foreign = any(is_foreign(node) for node, _ in self.nodes)   # a user's node class is in it
        self.levels = _levels(self.nodes, self.traits)
        self.reductions = tuple(i for i, t in enumerate(self.traits) if t.reduction)
        if self.reductions and not self.input_names and all(self.levels[o] != PER_SAMPLE for o in self.outputs):
            raise JitError("a graph whose every output is a reduction takes its samples from an input: add one "
                           "(or a per-sample output beside the reductions)")

    @functools.cached_property
    def form(self):
        return repr(self.ident)

    @functools.cached_property
    def key(self):
        return hashlib.sha256(self.form.encode()).hexdigest()

    def __str__(self):
        lines = [f"graph {self.key[:12]}: inputs {list(self.input_names)}"]
        for i, (node, args) in enumerate(self.nodes):
            if not isinstance(node, Input):
                lines.append(f"  %{i} = {node!r}({', '.join(f'%{a}' for a in args)})")
            else:
                lines.append(f"  %{i} = input {node.name!r}")
        lines.append(f"  outputs: {', '.join(f'%{o}' for o in self.outputs)}")
        return "\n".join(lines)


# What each node's value is: one per kernel (constants, parameters), one per sample, or one per
# channel (a reduction over the samples, and what is computed from reductions after the pass).
CONSTANT, PER_SAMPLE, PER_CHANNEL = 0, 1, 2


def _levels(nodes, traits):
    """Each node's level; JitError for what one pass cannot compute: a value that mixes per-sample
    values with reduced ones (x - mean(x) needs two passes), or a reduction of a reduced value."""
    levels = []
    for (node, args), t in zip(nodes, traits):
        below = max((levels[a] for a in args), default=CONSTANT)
        if t.reduction:
            if below != PER_SAMPLE:
                raise JitError(f"{node!r} of a {'reduced value' if below == PER_CHANNEL else 'constant'}: a "
                               "reduction takes per-sample values")
            levels.append(PER_CHANNEL)
        elif isinstance(node, Input):
            levels.append(PER_SAMPLE)
        elif t.stateful and below == PER_CHANNEL:
            raise JitError(f"{node!r} of a reduced value: stateful nodes run per sample")
        elif below == PER_CHANNEL and any(levels[a] == PER_SAMPLE for a in args):
            raise JitError(f"{node!r} of a reduced value and a per-sample one: one pass over the samples cannot "
                           "give it (x - mean(x) needs the mean before the first sample); compile the reduction "
                           "first, then pass its value as a parameter")
        else:
            levels.append(PER_SAMPLE if below == PER_SAMPLE or t.stateful else below)
    return tuple(levels)


def is_foreign(node):
    """A node of a class from outside resin_jit: the user's code emits its C, and nothing of
    resin_jit's fingerprint covers that code (the compiler keys its kernels by their source)."""
    return _is_foreign_module(type(node).__module__)


def _is_foreign_module(module):
    return not (module == "resin_jit" or module.startswith("resin_jit."))


_FLAT = frozenset((str, int))   # the types of a flat key's items


def _hashable_key(node, foreign=None):
    """A node's key as nested tuples of str/int (floats must already be hex strings: nodes.exact);
    a foreign node's names its class in full, so two projects' nodes of one name stay apart.
    `foreign`: is_foreign(node), when the caller knows it."""
    key = node.key()
    if not (type(key) is tuple and _FLAT.issuperset(map(type, key))):
        key = ("json", json.dumps(key, sort_keys=True, default=repr))
    if is_foreign(node) if foreign is None else foreign:
        key = ("class", type(node).__module__, type(node).__qualname__) + key
    return key


def _folded(node, args, nodes, dtype):
    """A Const for a pure-math node whose inputs are all constants, else None."""
    if dtype is None or not args or not traits_of(node).foldable:
        return None
    values = [nodes[a][0] for a in args]
    if not all(isinstance(v, Const) for v in values):
        return None
    scalar = np.dtype(dtype).type
    with np.errstate(all="ignore"):
        return Const(float(scalar(node.evaluate(None, *[scalar(v.value) for v in values]))))


def _check_param_default(defaults, param):
    """Every use of a parameter must give the same default. Parameters merge by name (the key
    leaves the value out), so this runs on each use before merging; exact tokens make NaN equal NaN."""
    first = defaults.setdefault(param.name, param.default)
    if exact(first) != exact(param.default):
        raise JitError(f"parameter {param.name!r} has two different defaults: {first!r} and {param.default!r}")


def _prune(nodes, keys, outputs):
    """Drop nodes no output depends on (constants that folding consumed); renumber the rest."""
    live = set(outputs)
    for i in range(len(nodes) - 1, -1, -1):
        if i in live:
            live.update(nodes[i][1])
    new_index, kept_nodes, kept_keys = {}, [], []
    for i, ((node, args), (key, _)) in enumerate(zip(nodes, keys)):
        if i in live or isinstance(node, Input):
            new_index[i] = len(kept_nodes)
            args = tuple(new_index[a] for a in args)
            kept_nodes.append((node, args))
            kept_keys.append((key, args))
    return kept_nodes, kept_keys, [new_index[o] for o in outputs]


def canonicalize(outputs, input_order=None, dtype=None, sample_rate=None, freeze=False):
    """Number the DAG under `outputs` post-order; `input_order` fixes the inputs' positions.
    With a dtype, pure-math nodes of constants fold to constants of that dtype. Nodes' settings
    are named and rate-dependent nodes bound to one sample rate (front/node_settings.py); with `freeze`,
    settings are constants instead."""
    if not outputs:
        raise JitError("a graph needs at least one output")
    index, nodes, keys = {}, [], []
    param_defaults = {}  # parameter name → the first default given for it
    number = {}          # id(expr) → node index, once an expression is numbered
    on_path = set()      # expressions being expanded: meeting one again means a cycle
    stack = [(e, False) for e in reversed(outputs)]
    while stack:         # iterative post-order: deep graphs must not hit the recursion limit
        expr, expanded = stack.pop()
        ident_expr = id(expr)
        if ident_expr in number:
            continue
        if not expanded:
            if ident_expr in on_path:
                raise JitError("the graph has a cycle")
            on_path.add(ident_expr)
            stack.append((expr, True))
            stack.extend((a, False) for a in reversed(expr.args) if id(a) not in number)
            continue
        on_path.discard(ident_expr)
        node, args = expr.node, tuple(number[id(a)] for a in expr.args)
        if freeze:
            node = frozen(node)
        if isinstance(node, Param) and not is_auto_setting(node):
            _check_param_default(param_defaults, node)
        folded = _folded(node, args, nodes, dtype)
        if folded is not None:
            node, args = folded, ()
        entry = (_hashable_key(node), args)
        if entry not in index:
            index[entry] = len(nodes)
            nodes.append((node, args))
            keys.append(entry)
        number[ident_expr] = index[entry]
    out = [number[id(e)] for e in outputs]
    if dtype is not None:
        nodes, keys, out = _prune(nodes, keys, out)
    nodes, keys = name_settings(nodes, keys)
    nodes, rate = bind_sample_rate(nodes, sample_rate)
    found = [n.name for n, _ in nodes if isinstance(n, Input)]
    if input_order is None:
        names = found
    else:
        names = list(input_order)
        if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise JitError(f"inputs= must be distinct names (str), got {names}")
        missing = [n for n in found if n not in names]
        if missing:
            raise JitError(f"the graph uses inputs not listed in inputs=: {missing}")
    return CanonicalGraph(nodes, keys, out, names, rate)


# -- the memo: a graph built again, or compiled again, is canonicalised once ---------------------

MEMO_MAX = 1 << 16
_structures = {}                 # (node token, argument numbers) → structure number
_structure_numbers = itertools.count(1)   # never reused: a number always means one structure
_canonical = {}                  # (output numbers, input order, dtype) → CanonicalGraph


_node_classes = {}   # node class → (foreign, a Param, keyed by Node.key): asked once per class


def _node_token(node):
    """What makes two nodes interchangeable in a kernel: the key, a parameter's default, and a
    foreign node's class itself (a class defined again, in a notebook, is other code)."""
    cls = type(node)
    kind = _node_classes.get(cls)
    if kind is None:
        if len(_node_classes) >= MEMO_MAX:
            _node_classes.clear()
        kind = _node_classes[cls] = (_is_foreign_module(cls.__module__), issubclass(cls, Param), cls.key is Node.key)
    foreign, param, plain = kind
    key = node._key if plain else None   # Node.key() without the call
    if foreign or type(key) is not tuple or not _FLAT.issuperset(map(type, key)):
        key = _hashable_key(node, foreign) + ((cls,) if foreign else ())
    return key + ("default", exact(node.default)) if param else key


def structure_id(expr):
    """A number for `expr`'s structure, equal for structurally equal expressions (hash-consing),
    worked out once per expression and kept on it."""
    sid = expr._sid
    if sid is not None:
        return sid
    try:
        return _number(expr, 0)
    except RecursionError:           # called from deep in the user's own recursion: what is numbered stays
        return _number_by_stack(expr)


_DEEP = 200   # to this depth numbering recurses (cheaper); deeper graphs go by an explicit stack


def _number(e, depth):
    """Number `e`, whose own number is not known yet, and every argument without one."""
    if depth >= _DEEP:
        return _number_by_stack(e)
    sids = []
    for a in e.args:
        sid = a._sid
        if sid is None:
            if a is e:
                raise JitError("the graph has a cycle")
            sid = _number(a, depth + 1)
        sids.append(sid)
    return _numbered(e, tuple(sids))


def _numbered(e, sids):
    """Give `e` the number of its node's token and its arguments' numbers `sids`."""
    if e._sid is not None:           # another thread numbered a shared expression meanwhile (a cycle
        return e._sid                # never gets here: it recurses to _DEEP, and the stack finds it)
    token = (_node_token(e.node), sids)
    number = _structures.get(token)
    if number is None:
        if len(_structures) >= MEMO_MAX:
            _structures.clear()
        number = _structures.setdefault(token, next(_structure_numbers))
    e._sid = number
    return number


def _number_by_stack(expr):
    """_number without recursion: an iterative post-order (an expression is numbered once its
    arguments are), for graphs deeper than Python's stack allows."""
    stack, on_path = [expr], set()
    while stack:
        e = stack[-1]
        if e._sid is not None:       # (numbered through another path since it was pushed)
            stack.pop()
            continue
        pending = [a for a in e.args if a._sid is None]
        if pending:                  # its arguments first; met again before they are done: a cycle
            if id(e) in on_path:
                raise JitError("the graph has a cycle")
            on_path.add(id(e))
            stack += pending
            continue
        stack.pop()
        on_path.discard(id(e))
        _numbered(e, tuple([a._sid for a in e.args]))
    return expr._sid


def canonical_graph(outputs, input_order=None, dtype=None, sample_rate=None, freeze=False):
    """canonicalize(), remembered by structure: the same or an equal graph again costs a lookup."""
    try:
        key = (tuple(structure_id(o) for o in outputs), None if input_order is None else tuple(input_order), dtype,
               sample_rate, freeze)
        cg = _canonical.get(key)
    except TypeError:   # unhashable input names: canonicalize says what is wrong with them
        return canonicalize(outputs, input_order, dtype, sample_rate, freeze)
    if cg is None:
        cg = canonicalize(outputs, input_order, dtype, sample_rate, freeze)
        if len(_canonical) >= MEMO_MAX:
            _canonical.clear()
        _canonical[key] = cg
    return cg
