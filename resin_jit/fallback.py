"""The numpy backend: the same graphs, evaluated node by node with each node's numpy reference.

It runs when there is no working C compiler (or RESIN_JIT_DISABLE=1), and it is the oracle
the native kernels are tested against.
"""
import copy

import numpy as np

from .nodes import Const, Input, Param


def initial_states(cg):
    """One state dict per stateful node (by node index) for one channel."""
    return {i: copy.deepcopy(node.initial_state()) for i, (node, _) in enumerate(cg.nodes)
            if node.initial_state() is not None}


def evaluate(cg, inputs, n, dtype, states, params=None):
    """Outputs of `cg` for 1-D `inputs` of length n; `states` is updated in place."""
    dtype = np.dtype(dtype)
    values = []
    with np.errstate(all="ignore"):
        for i, (node, args) in enumerate(cg.nodes):
            if isinstance(node, Input):
                values.append(inputs[cg.input_names.index(node.name)])
                continue
            if isinstance(node, Const):
                values.append(dtype.type(node.value))  # constants round to the kernel's dtype, as in C
                continue
            if isinstance(node, Param):
                values.append(dtype.type(params[node.name]))
                continue
            if node.arity == 0 and hasattr(node, "evaluate_source"):  # a stateful source: needs n
                values.append(np.asarray(node.evaluate_source(states.get(i), n)).astype(dtype, copy=False))
                continue
            args = [np.broadcast_to(np.asarray(values[a], dtype), (n,)) if _needs_array(node) else values[a]
                    for a in args]
            result = node.evaluate(states.get(i), *args)
            values.append(result if getattr(node, "mask", False) else np.asarray(result).astype(dtype, copy=False))
        return [np.broadcast_to(np.asarray(values[o]).astype(dtype, copy=False), (n,)) for o in cg.outputs]


def _needs_array(node):
    return node.initial_state() is not None or getattr(node, "needs_arrays", False)


def run(cg, inputs, outputs, dtype, channel_states, params=None):
    """Write the graph's outputs for inputs of shape (n,) or (channels, n) into `outputs`."""
    if outputs[0].ndim == 2:
        for ch in range(outputs[0].shape[0]):
            run(cg, [x[ch] for x in inputs], [o[ch] for o in outputs], dtype, channel_states[ch:ch + 1], params)
        return
    n = outputs[0].shape[0]
    results = evaluate(cg, inputs, n, dtype, channel_states[0], params)
    for out, res in zip(outputs, results):
        out[...] = res
