"""CompiledScalar: a one-input, one-output graph as a scalar function (the seed's affine example)."""
import numpy as np

from ..front.nodes import real_number
from . import numpy_backend


class CompiledScalar:
    """A one-input, one-output graph as a scalar function: `call_f32(x) -> float`."""

    def __init__(self, cg, isa, library=None, config=None, source=None):
        self.graph, self.isa, self.config = cg, isa, config
        self._make_source = source
        if library is not None:
            self.call_f32 = library.caller("x", "f", self._call_slow)
            self.backend = "native"
        else:
            self.call_f32 = self._call_numpy
            self.backend = "numpy"

    @property
    def key(self):
        """sha256 of the graph's canonical form: equal for equal structure, whatever the build order."""
        return self.graph.key

    @property
    def source(self):
        """The generated C translation unit."""
        return self._make_source()

    def _call_slow(self, x):
        return self.call_f32(real_number(x, "call_f32's argument"))

    def _call_numpy(self, x):
        x = np.float32(real_number(x, "call_f32's argument"))
        out = numpy_backend.evaluate(self.graph, [np.array([x], np.float32)], 1, "float32", {})[0]
        return float(np.asarray(out, np.float32).reshape(-1)[0])
