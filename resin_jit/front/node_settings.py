"""Node settings and sample rates: what canonicalize resolves for the nodes that have them.

A node's numeric setting is, by default, a `Setting`: a runtime parameter named after its node
("lowpass.frequency"). Settings of different node instances are different parameters, so their
names are made unique per graph (lowpass, lowpass2, ...) in the order the canonical walk meets
their nodes: equal structures get equal names, hence equal keys. A setting given a name by the
user keeps it (and merges with other uses of that name, as any parameter does).

A node that depends on the sample rate has `sample_rate` (its explicit rate, or None) and
`at_sample_rate(rate)`, a copy of itself at that rate. A graph has one rate: the compile's, else
the one its nodes state, else DEFAULT_SAMPLE_RATE; two different explicit rates are an error.
"""
import itertools

from .nodes import Const, Param, exact, real_number

DEFAULT_SAMPLE_RATE = 44100.0
_owners = itertools.count(1)   # never reused: an owner number always means one node instance


def new_owner():
    """A number for a node instance whose settings belong together."""
    return next(_owners)


class Setting(Param):
    """A node's setting as a runtime parameter: `label.setting`, the label made unique per graph
    unless `fixed` (a name the user gave)."""

    def __init__(self, label, setting, default, owner, fixed=False):
        super().__init__(f"{label}.{setting}", default)
        self.label, self.setting, self.owner, self.fixed = label, setting, owner, fixed
        if not fixed:  # which instance, until canonicalize names it
            self._key = ("Setting", owner, setting)


def is_auto_setting(node):
    return isinstance(node, Setting) and not node.fixed


def frozen(node):
    """A setting as the constant of its value (compile(freeze=True)); other nodes unchanged."""
    return Const(node.default) if isinstance(node, Setting) else node


def name_settings(nodes, keys):
    """Replace each automatic setting by a parameter of a name unique in the graph."""
    explicit = {n.name for n, _ in nodes if isinstance(n, Param) and not is_auto_setting(n)}
    labels, used = {}, set()
    nodes, keys = list(nodes), list(keys)
    for i, (node, args) in enumerate(nodes):
        if not is_auto_setting(node):
            continue
        label = labels.get(node.owner)
        if label is None:
            label = next(candidate for candidate in _candidates(node.label) if candidate not in used
                         and not any(name.startswith(candidate + ".") for name in explicit))
            labels[node.owner] = label
            used.add(label)
        named = Param(f"{label}.{node.setting}", node.default)
        nodes[i] = (named, args)
        keys[i] = (named.key(), args)
    return nodes, keys


def _candidates(label):
    yield label
    for k in itertools.count(2):
        yield f"{label}{k}"


def bind_sample_rate(nodes, sample_rate=None):
    """(nodes with every rate-dependent node at the graph's rate, that rate or None if no node has one)."""
    rated = [i for i, (node, _) in enumerate(nodes) if hasattr(node, "at_sample_rate")]
    if not rated:
        return nodes, None
    stated = {}
    for i in rated:
        node = nodes[i][0]
        if node.sample_rate is not None:
            stated.setdefault(node.sample_rate, node)
    if sample_rate is not None:
        sample_rate = positive_rate(sample_rate)
        clash = next((n for r, n in stated.items() if r != sample_rate), None)
        if clash is not None:
            raise ValueError(f"{clash!r} has sample_rate {clash.sample_rate:g}, but the graph is compiled at "
                             f"sample_rate={sample_rate:g}: give one rate (or leave the node's out)")
    elif len(stated) > 1:
        (r1, n1), (r2, n2) = list(stated.items())[:2]
        raise ValueError(f"one graph, two sample rates: {n1!r} at {r1:g} and {n2!r} at {r2:g}; "
                         "give every node the same rate, or none and compile(..., sample_rate=...)")
    rate = sample_rate or next(iter(stated), DEFAULT_SAMPLE_RATE)
    nodes = list(nodes)
    for i in rated:
        node, args = nodes[i]
        nodes[i] = (node.at_sample_rate(rate), args)
    return nodes, rate


def positive_rate(value, what="sample_rate"):
    """A sample rate as a positive finite float, or a TypeError/ValueError naming the problem."""
    rate = real_number(value, what)
    if not 0 < rate < float("inf"):
        raise ValueError(f"{what} must be a positive number of samples per second, not {value!r}")
    return rate


def rate_token(rate):
    return ("sample_rate", exact(rate))
