"""Dask integration (optional: `pip install resin_jit[dask]`).

- map_blocks(kernel, *arrays): a compiled kernel over chunked Dask arrays. Kernels pickle as
  their graph and config, so each worker loads the kernel from its own cache (or compiles it).
  A stateful kernel carries state along the samples, so its arrays must be (channels, n) with
  the samples in one chunk: chunk along channels only. Each block starts from the initial state
  with the kernel's parameters, whatever the scheduler (threads, processes or distributed).
- similarity(queries, memory, k): top-k VSA search over a row-partitioned Dask item memory,
  each partition searched where it lives, the partial top-k lists merged.
- top_k(queries, partitions, k): the same search, lazy, over an item memory in partitions
  (ItemMemory objects, files saved by ItemMemory.save that each worker maps, dask.delayed
  objects computing to ItemMemory, or a dask array's row chunks): a dask.delayed object whose compute() merges the partial
  top-k lists into what JitVSAEngine.top_k over the whole memory gives.
"""
import copy
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .runtime.kernel import Kernel
from .runtime.following import FollowingKernel, computing_dtype
from .vsa import ItemMemory, JitVSAEngine
from .vsa import stream
from .vsa.batches import dense_rows
from .vsa.memory import as_query_planes
from .vsa.search import check_metric
from .vsa.vectors import PackedTritVector, TritVector

if TYPE_CHECKING:
    import dask.array

__all__ = ["map_blocks", "similarity", "top_k"]


def _dask_array():
    try:
        import dask.array as da
    except ImportError:
        raise ImportError("resin_jit.dask needs dask: pip install 'resin_jit[dask]'") from None
    return da


def _run_block(kernel, *blocks):
    return kernel(*blocks)


def _run_block_from_the_start(kernel, *blocks):
    """A stateful kernel's block on a copy of it, as on a worker that unpickled it: its own state,
    initial, and the kernel's parameters (the scheduler's threads share the kernel object)."""
    return copy.copy(kernel)(*blocks)


def map_blocks(kernel: Kernel, *arrays: "dask.array.Array") -> "dask.array.Array":
    """kernel(*blocks) on each block of the Dask arrays (broadcast and aligned by dask)."""
    da = _dask_array()
    if not isinstance(kernel, Kernel):
        raise TypeError(f"map_blocks takes a compiled resin_jit kernel, not {type(kernel).__name__}")
    if kernel.n_outputs != 1:
        raise ValueError("map_blocks takes a kernel with one output; compile one kernel per output")
    if len(arrays) != kernel.n_inputs or not arrays:
        raise TypeError(f"the kernel takes {kernel.n_inputs} input array(s), got {len(arrays)}")
    arrays = [a if isinstance(a, da.Array) else da.from_array(np.asarray(a)) for a in arrays]
    if kernel.graph.stateful_nodes:
        for a in arrays:
            if a.ndim != 2 or len(a.chunks[1]) != 1:
                raise ValueError("a stateful kernel carries state along the samples: pass (channels, n) arrays "
                                 "chunked along the channel axis only (one chunk along the samples)")
    run = _run_block_from_the_start if kernel.graph.stateful_nodes else _run_block
    dtype = _result_dtype(kernel, arrays)
    return da.map_blocks(run, kernel, *arrays, dtype=dtype, meta=np.empty((0,) * arrays[0].ndim, dtype))


def _result_dtype(kernel, arrays):
    """The output's dtype for blocks of these arrays: a kernel following its inputs' dtype computes
    in the one numpy's promotion of theirs gives (a mask or an index output keeps its own)."""
    out = kernel.output_dtypes[0]
    if isinstance(kernel, FollowingKernel) and out == kernel.dtype:
        return np.dtype(computing_dtype([np.empty(0, a.dtype) for a in arrays]))
    return out


_engines = {}


def _partition_top_k(block, offset, queries_pos, queries_neg, k, metric):
    """The k best of one partition of the memory, its row numbers made global by `offset`."""
    block = dense_rows(np.asarray(block), "the memory")   # 0.5 or 2 refused, not cast to a trit
    if block.shape[0] == 0:   # an empty chunk ranks nothing (an ItemMemory holds at least one vector)
        return np.empty((queries_pos.shape[0], 0), np.int64), np.empty((queries_pos.shape[0], 0))
    memory = ItemMemory(block)
    engine = _engines.get("engine") or _engines.setdefault("engine", JitVSAEngine())  # one per worker
    scores = engine.similarity_planes(queries_pos, queries_neg, memory, metric)
    order = np.argsort(scores if metric == "hamming" else -scores, axis=1, kind="stable")[:, :k]
    return order + offset, np.take_along_axis(scores, order, axis=1)


def similarity(queries: "Sequence[TritVector | PackedTritVector] | np.ndarray", memory: "dask.array.Array", k: int,
               metric: str = "cosine") -> "tuple[np.ndarray, np.ndarray]":
    """(indices, scores), each (n_queries, k), best first, over a Dask (N, dim) int8 memory."""
    import dask
    da = _dask_array()
    if not isinstance(memory, da.Array) or memory.ndim != 2:
        raise TypeError("memory must be a 2-D dask array of trits (N, dim)")
    if len(memory.chunks[1]) != 1:
        memory = memory.rechunk({1: -1})
    check_metric(metric)
    dim = memory.shape[1]
    qpos, qneg = as_query_planes(queries, dim)
    offsets = np.concatenate([[0], np.cumsum(memory.chunks[0])[:-1]])
    parts = [dask.delayed(_partition_top_k)(block, int(off), qpos, qneg, k, metric)
             for block, off in zip(memory.to_delayed().ravel(), offsets)]
    results = dask.compute(*parts)
    indices = np.concatenate([r[0] for r in results], axis=1)
    scores = np.concatenate([r[1] for r in results], axis=1)
    order = np.argsort(scores if metric == "hamming" else -scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(scores, order, axis=1)


def _engine():
    return _engines.get("engine") or _engines.setdefault("engine", JitVSAEngine())  # one per worker


def _partial_top_k(queries, partition, k, metric):
    """(indices, keys, rows) of one partition: its k best per query, local row numbers."""
    if isinstance(partition, (str, os.PathLike)):
        partition = ItemMemory.load(partition, mmap=True)
    if not isinstance(partition, ItemMemory):
        raise TypeError(f"a partition must be an ItemMemory or the path of a saved one, not {type(partition).__name__}")
    indices, scores = _engine().top_k(queries, partition, k, metric)
    return indices, (scores if metric == "hamming" else -scores), len(partition)


def _merged_top_k(parts, k, metric, one_query):
    """The partitions' picks merged, their row numbers made global in partition order."""
    offsets = np.cumsum([0] + [rows for _, _, rows in parts[:-1]])
    indices, keys = stream.merge([p[0] + off for p, off in zip(parts, offsets)], [p[1] for p in parts], k)
    scores = keys if metric == "hamming" else -keys
    return (indices[0], scores[0]) if one_query else (indices, scores)


def _array_partitions(memory):
    """A 2-D dask array of trits (N, dim) as delayed ItemMemory partitions, one per row chunk."""
    import dask
    if memory.ndim != 2:
        raise TypeError("memory must be a 2-D dask array of trits (N, dim)")
    if len(memory.chunks[1]) != 1:
        memory = memory.rechunk({1: -1})
    blocks = memory.to_delayed().ravel()
    return [dask.delayed(ItemMemory)(block) for block, rows in zip(blocks, memory.chunks[0]) if rows]


def top_k(queries: "Sequence[TritVector | PackedTritVector] | TritVector | PackedTritVector | np.ndarray",
          partitions: "Sequence[ItemMemory | str | os.PathLike[str] | dask.delayed.Delayed] | dask.array.Array",
          k: int,
          metric: str = "cosine") -> "dask.delayed.Delayed":
    """A lazy top-k over a memory split in row partitions, in order (row i of partition p is
    row sum(len of those before) + i): each searched where it lives (a path loaded, memory-mapped,
    on the worker; a dask array's row chunks packed there), compute() gives (indices, scores) as
    JitVSAEngine.top_k over them concatenated."""
    da = _dask_array()
    import dask
    k = stream.check_k(k)
    check_metric(metric)
    if isinstance(partitions, da.Array):
        partitions = _array_partitions(partitions)
    if isinstance(partitions, (ItemMemory, str, os.PathLike)) or not isinstance(partitions, Sequence):
        raise TypeError("partitions must be a list of ItemMemory, saved memory paths or dask.delayed partitions, "
                        "or a 2-D dask array of trits")
    if not partitions:
        raise ValueError("top_k needs at least one partition")
    one = stream.is_one_query(queries)
    batch = [queries] if one else queries
    parts = [dask.delayed(_partial_top_k)(batch, p, k, metric) for p in partitions]
    return dask.delayed(_merged_top_k)(parts, k, metric, one)
