"""The numpy backend: the same graphs, evaluated node by node with each node's numpy reference.

It runs when there is no working C compiler (or RESIN_JIT_DISABLE=1), and it is the oracle
the native kernels are tested against.
"""
import copy

import numpy as np

from ..front.nodes import Const, Input, Param


def initial_states(cg):
    """One state dict per stateful node (by node index) for one channel."""
    return {i: copy.deepcopy(cg.nodes[i][0].initial_state()) for i in cg.stateful_nodes}


def evaluate(cg, inputs, n, dtype, states, params=None):
    """Outputs of `cg` for 1-D `inputs` of length n; `states` is updated in place."""
    dtype = np.dtype(dtype)
    values = []
    with np.errstate(all="ignore"):
        for i, ((node, args), traits) in enumerate(zip(cg.nodes, cg.traits)):
            if isinstance(node, Input):
                values.append(inputs[cg.input_names.index(node.name)])
            elif isinstance(node, Const):
                values.append(dtype.type(node.value))  # constants round to the kernel's dtype, as in C
            elif isinstance(node, Param):
                values.append(dtype.type(params[node.name]))
            elif node.arity == 0 and traits.stateful:   # a stateful source: needs n
                values.append(np.asarray(node.evaluate_source(states[i], n)).astype(dtype, copy=False))
            else:
                operands = [np.broadcast_to(np.asarray(values[a], dtype), (n,)) if traits.needs_arrays else values[a]
                            for a in args]
                result = node.evaluate(states.get(i), *operands)
                # a mask stays bool and an index int64 (in float32 one past 2**24 would round)
                keep = traits.mask or traits.index
                values.append(result if keep else np.asarray(result).astype(dtype, copy=False))
        return [values[o] for o in cg.outputs]


def _output(value, out, n):
    """An output's value as the plan says it is held: n samples, or one per row (a reduction)."""
    value = np.asarray(value).astype(out.dtype, copy=False)
    return value if out.per_row else np.broadcast_to(value, (n,))


def run(cg, plan, inputs, outputs, shape, channel_states, params=None):
    """Write the graph's outputs for samples of `shape`, (n,) or (channels, n), into `outputs`
    (a reduction's: one value per channel)."""
    if len(shape) == 2:
        for ch in range(shape[0]):
            states = channel_states[ch:ch + 1] or [{}]   # a graph without state keeps one (empty) for all
            run(cg, plan, [x[ch] for x in inputs], [o[ch, ...] for o in outputs], shape[1:], states, params)
        return
    n = shape[0]
    values = evaluate(cg, inputs, n, plan.dtype, channel_states[0], params)
    results = [_output(value, out, n) for value, out in zip(values, plan.outputs)]
    # A result may be an input itself (or a view of one) that an output is about to overwrite
    # (process(x, out=[x*2, x])): copy those before anything is stored.
    results = [np.array(r) if any(np.may_share_memory(r, o) for o in outputs) else r for r in results]
    for out, res in zip(outputs, results):
        out[...] = res
