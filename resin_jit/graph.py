"""Graphs of nodes: expressions (`rj.input("x") * 2`) and the explicit `Graph` builder.

Both build the same thing: an `Expr` DAG whose vertices are (node, input edges).
"""
from .errors import JitError
from .nodes import Const, Input, JitCompilable, Node


class Expr:
    """One node applied to its input expressions. `_sid` is its structure's number, given on
    first compile (canonical.structure_id): equal structures get equal numbers."""
    __slots__ = ("node", "args", "_sid")

    def __init__(self, node, args=()):
        if not (isinstance(node, Node) or isinstance(node, JitCompilable)):  # Node first: Protocol checks are slow
            raise TypeError(f"{type(node).__name__} is not a JitCompilable node")
        args = tuple(as_expr(a) for a in args)
        if len(args) != node.arity:
            raise JitError(f"{node!r} takes {node.arity} input(s), got {len(args)}")
        self.node = node
        self.args = args
        self._sid = None

    def __repr__(self):
        return f"Expr({self.node!r})"


def as_expr(value):
    if isinstance(value, Expr):
        return value
    if isinstance(value, (float, int)):   # numbers first: the Protocol check below is slow
        return Expr(Const(value))
    if (isinstance(value, Node) or isinstance(value, JitCompilable)) and value.arity == 0:
        return Expr(value)
    return Expr(Const(value))


def input(name):  # noqa: A001 - the public name the API asks for
    """A named input array of a kernel."""
    return Expr(Input(name))


class Graph:
    """The explicit builder: add node instances with their input edges.

        g = rj.Graph(); x = g.input("x"); y = g.add(MyNode(), x); g.output(y)
    """

    def __init__(self):
        self._inputs = {}
        self.outputs = []

    def input(self, name):
        if name not in self._inputs:
            self._inputs[name] = input(name)
        return self._inputs[name]

    def add(self, node, *inputs):
        for edge in inputs:
            if edge is None:
                raise JitError(f"{node!r} has an unconnected input")
        return Expr(node, inputs)

    def output(self, *exprs):
        self.outputs.extend(as_expr(e) for e in exprs)
        return self

    def __str__(self):
        from .canonical import canonicalize
        return str(canonicalize(self.outputs))
