"""The engine the Classifier and the encoders' C paths share: one per configuration (and backend)
for the whole process, made on first use."""
from ..config import JitConfig
from ..front.environment import env_flag
from .engine import JitVSAEngine

_ENGINES = {}


def engine() -> JitVSAEngine:
    """The engine a new JitVSAEngine() would be, made on first use: the environment's
    configuration and backend (RESIN_JIT_DISABLE=1: numpy) as they are now."""
    key = (JitConfig(), env_flag("RESIN_JIT_DISABLE"))
    found = _ENGINES.get(key)
    if found is None:
        found = _ENGINES[key] = JitVSAEngine()
    return found
