"""Ternary hypervector (VSA) operations compiled per dimension: dense and packed vectors,
an engine with per-operation caches, batches of vectors (bind, permute, bundle in one call), and
batched similarity search over an item memory."""
from .batches import PackedBatch
from .engine import JitVSAEngine
from .memory import ItemMemory
from .vectors import PackedTritVector, TritVector

__all__ = ["JitVSAEngine", "ItemMemory", "PackedBatch", "PackedTritVector", "TritVector"]
