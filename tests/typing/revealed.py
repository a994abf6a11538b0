"""What a type checker sees of resin_jit's results (tests/test_typing.py reads mypy's reveal_type
notes): types, not Any."""
import numpy as np

import resin_jit as rj
from resin_jit import audio
from resin_jit.vsa import JitVSAEngine, TritVector

x = rj.input("x")
kernel = rj.JitCompiler().compile(rj.clip(x * 2 + 1, -1, 1))
reveal_type(rj.sin(x))                                       # EXPR
reveal_type(rj.clip(x * 2 + 1, -1, 1))                       # EXPR
reveal_type(audio.Biquad.lowpass(1000.0)(x))                 # EXPR
reveal_type((x * 2 + 1).clip(0, None).sum())                # EXPR
reveal_type(kernel(np.ones(4, np.float32)))                  # RESULT
reveal_type(kernel.process(np.ones(4, np.float32), out=np.empty(4, np.float32)))   # NONE
engine, a = JitVSAEngine(), TritVector.random(64, seed=1)
reveal_type(engine.cosine(a, a))                             # FLOAT
reveal_type(a.pack())                                        # PACKED
