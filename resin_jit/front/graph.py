"""Building graphs: named inputs (`rj.input("x") * 2`) and the explicit `Graph` builder.

Both build the same thing: an `Expr` DAG (front/nodes.py) whose vertices are (node, input edges).
"""
from .canonical import canonicalize
from .errors import JitError
from .nodes import Expr, Input, as_expr


def input(name: str) -> Expr:  # noqa: A001 - the public name the API asks for
    """A named input of a kernel: an array of samples (n,) or (channels, n), or a number.

    Examples
    --------
    >>> import resin_jit as rj
    >>> x = rj.input("x")
    >>> rj.JitCompiler().compile(x * 2.0).input_names
    ['x']
    """
    return Expr(Input(name))


class Graph:
    """The explicit builder: add node instances with their input edges.

        g = rj.Graph(); x = g.input("x"); y = g.add(MyNode(), x); g.output(y)
    """

    def __init__(self):
        self._inputs = {}
        self.outputs = []

    def input(self, name: str) -> Expr:
        """The graph's input `name` (one expression per name)."""
        if name not in self._inputs:
            self._inputs[name] = input(name)
        return self._inputs[name]

    def add(self, node, *inputs) -> Expr:
        """`node` applied to the input expressions `inputs`."""
        for edge in inputs:
            if edge is None:
                raise JitError(f"{node!r} has an unconnected input")
        return Expr(node, inputs)

    def output(self, *exprs) -> "Graph":
        """Add outputs; returns the graph, so that ``jit.compile(g.output(y).outputs)`` reads well."""
        self.outputs.extend(as_expr(e) for e in exprs)
        return self

    def __str__(self):
        return str(canonicalize(self.outputs))
