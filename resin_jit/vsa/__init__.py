"""Ternary hypervector (VSA) operations compiled per dimension: dense and packed vectors,
an engine with per-operation caches, and batched similarity search over an item memory."""
from .classifier import Classifier, NotFittedError
from .encoders import Codebook, LevelCodebook, RandomProjection, RecordEncoder, SequenceEncoder
from .engine import JitVSAEngine
from .memory import ItemMemory
from .vectors import PackedTritVector, TritVector

__all__ = ["JitVSAEngine", "ItemMemory", "PackedTritVector", "TritVector",
           "Classifier", "NotFittedError", "Codebook", "LevelCodebook", "RandomProjection", "RecordEncoder",
           "SequenceEncoder"]
