"""The exceptions and warnings resin_jit raises."""


class JitError(Exception):
    """Base class of resin_jit's own errors."""


class JitCompileError(JitError):
    """The C compiler rejected a generated translation unit.

    ``output`` holds what the compiler printed, ``source_path`` the generated C file
    (kept on disk so it can be read), ``command`` the compiler command line.
    """

    def __init__(self, message, output="", source_path=None, command=None):
        super().__init__(f"{message}\n{output}".rstrip())
        self.output = output
        self.source_path = source_path
        self.command = command


class PrecisionWarning(UserWarning):
    """An input was converted to a narrower dtype (float64 data into a kernel fixed at float32)."""
