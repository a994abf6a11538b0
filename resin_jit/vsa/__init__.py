"""Ternary hypervector (VSA) operations compiled per dimension: dense and packed vectors,
an engine with per-operation caches, batches of vectors (bind, permute, bundle in one call),
batched similarity search over an item memory, encoders and a classifier."""
from .batches import PackedBatch
from .classifier import Classifier, NotFittedError
from .encoders import Codebook, LevelCodebook, RandomProjection, RecordEncoder, SequenceEncoder
from .engine import JitVSAEngine
from .level_encoder import LevelEncoder
from .memory import ItemMemory
from .vectors import PackedTritVector, TritVector

__all__ = ["JitVSAEngine", "ItemMemory", "PackedBatch", "PackedTritVector", "TritVector",
           "Classifier", "NotFittedError", "Codebook", "LevelCodebook", "RandomProjection", "RecordEncoder",
           "SequenceEncoder", "LevelEncoder"]
