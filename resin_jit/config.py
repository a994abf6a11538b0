"""JitConfig: every knob of a JitCompiler, each overridable from the environment."""
import os
import re
from dataclasses import dataclass

from .toolchain.isa import TIERS
from .codegen.resources import PACKAGE_DIR
from .front.environment import env_flag
from .front.node_settings import positive_rate

DTYPES = ("float32", "float64")
ULP_LEVELS = (0.5, 1.0, 4.0)   # the accuracy levels of the vector math (csrc/vmath.h's RJ_VM_LEVEL_*)
_ULP_SPELLINGS = {"0.5": 0.5, "1": 1.0, "1.0": 1.0, "4": 4.0, "4.0": 4.0}   # RESIN_JIT_ULP's values


def accuracy_level(ulp):
    """`ulp` checked: one of ULP_LEVELS (an int or float equal to one), as a float."""
    if isinstance(ulp, bool) or not isinstance(ulp, (int, float)):
        raise TypeError(f"ulp must be a number (one of {', '.join(map(str, ULP_LEVELS))}), not {type(ulp).__name__}")
    if ulp not in ULP_LEVELS:
        raise ValueError(f"ulp must be one of {', '.join(map(str, ULP_LEVELS))} (the accuracy levels of the "
                         f"vector math), not {ulp!r}")
    return float(ulp)


def dtype_name(dtype):
    """`dtype` checked, as its name: anything np.dtype takes ("float64", "f8", np.float64,
    np.dtype("f8")) that is float32 or float64, the dtypes kernels compute in."""
    import numpy as np
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"dtype must be a numpy dtype or its name (float32 or float64), not {dtype!r}") from None
    if name not in DTYPES:
        raise ValueError(f"dtype must be float32 or float64 (kernels compute in one of them), not {name}")
    return name


@dataclass(frozen=True)
class JitConfig:
    """How kernels are compiled and cached.

    isa: "auto" (the best tier this host runs) or a tier name; env RESIN_JIT_ISA.
    opt_level: the C compiler's -O level, 0..3.
    cache_dir: where compiled kernels are kept; env RESIN_JIT_CACHE_DIR; default the user cache dir.
    cache: False (or env RESIN_JIT_CACHE=0) compiles into a private temporary directory.
    cc: the C compiler: a program (gcc, clang, a path) or a command ("zig cc"); default $CC, then
        cc, gcc, clang. gcc, clang and zig cc build the same kernels, bit for bit (toolchain/
        compilers.py has each family's flags), so the compiler is not part of a kernel's key.
    dtype: float32 or float64 for graph kernels, in any spelling np.dtype takes ("f8", np.float64).
    cache_max_bytes: evict least recently used kernels beyond this size; env RESIN_JIT_CACHE_MAX_BYTES.
    fastmath: fuse a multiply and the add or subtract after it into one FMA on tiers that have
        one (AVX2, AVX-512, NEON), rounding once instead of twice (what numba's fastmath starts
        with); which ones, front/fusion.py decides (not the compiler, so every compiler agrees). A fused a*b + c is within half an ULP of the exact value;
        when nothing overflows it differs from numpy's by at most half an ULP of a*b plus an ULP
        of the result, far more than an ULP of a result that cancels; where a*b alone overflows
        it can be finite or another infinity where numpy gives inf or NaN (the README has
        examples). A NaN operand still gives NaN. Default False: exact, as numpy.
    prebuilt: search the prebuilt layers (RESIN_JIT_PREBUILT, then the package's prebuilt/)
        before the cache; False builds into the cache what a layer already holds (resin-jit warm).
    sample_rate: the rate of audio graphs whose nodes state none (default: theirs, else 44100).
    ulp: the accuracy of the vector math (sin, exp, log, pow, ...), the bound on its error in
        units in the last place: 1.0 (default) computes float32 functions in float arithmetic on
        full-width vectors within 1 ULP, float64 within 1 ULP; 0.5 rounds every float32 result
        from a double computation (within a hair of half an ULP, about three times the cost);
        4.0 allows numpy's own class of bound where that buys speed. README.md has each level's
        measured worst error, function by function. Part of every kernel's key; env RESIN_JIT_ULP.
    """
    isa: str = "auto"
    opt_level: int = 2
    cache_dir: "str | os.PathLike | None" = None
    cache: bool = True
    cc: "str | None" = None
    dtype: str = "float32"
    cache_max_bytes: "int | None" = None
    fastmath: bool = False
    prebuilt: bool = True
    sample_rate: "float | None" = None
    ulp: "float | None" = None

    def __post_init__(self):
        if not isinstance(self.isa, str):
            raise TypeError(f"isa must be a str, not {type(self.isa).__name__}")
        if self.isa.lower() != "auto" and self.isa.lower() not in TIERS:
            raise ValueError(f"unknown ISA tier {self.isa!r}; known tiers: auto, {', '.join(TIERS)}")
        if isinstance(self.opt_level, bool) or not isinstance(self.opt_level, int) or not 0 <= self.opt_level <= 3:
            raise ValueError(f"opt_level must be an int from 0 to 3, not {self.opt_level!r}")
        if self.dtype is None:
            raise TypeError("dtype must be a numpy dtype or its name (float32 or float64), not None")
        object.__setattr__(self, "dtype", dtype_name(self.dtype))   # "f8", np.float64 ... -> "float64"
        if self.cc is not None and not isinstance(self.cc, str):
            raise TypeError(f"cc must be a str, not {type(self.cc).__name__}")
        for name in ("cache", "fastmath", "prebuilt"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, not {getattr(self, name)!r}")
        if self.cache_dir is not None and not isinstance(self.cache_dir, (str, os.PathLike)):
            raise TypeError(f"cache_dir must be a str or os.PathLike, not {type(self.cache_dir).__name__}")
        if self.sample_rate is not None:
            positive_rate(self.sample_rate)
        if self.ulp is not None:
            accuracy_level(self.ulp)
        if self.cache_max_bytes is not None:
            if isinstance(self.cache_max_bytes, bool) or not isinstance(self.cache_max_bytes, int):
                raise TypeError(f"cache_max_bytes must be an int or None, not {self.cache_max_bytes!r}")
            if self.cache_max_bytes < 0:
                raise ValueError(f"cache_max_bytes must be a non-negative int, not {self.cache_max_bytes!r}")

    def resolved_isa(self) -> str:
        """The tier asked for: the config's, or RESIN_JIT_ISA where the config says "auto"."""
        return os.environ.get("RESIN_JIT_ISA") or self.isa if self.isa == "auto" else self.isa

    def resolved_ulp(self) -> float:
        """The accuracy level: the config's, else RESIN_JIT_ULP, else 1.0."""
        if self.ulp is not None:
            return float(self.ulp)
        value = os.environ.get("RESIN_JIT_ULP", "").strip()
        if not value:
            return 1.0
        if value not in _ULP_SPELLINGS:   # an explicit table: not float(), which takes "١", "1e0", "nan"
            raise ValueError(f"RESIN_JIT_ULP must be one of {', '.join(map(str, ULP_LEVELS))}, not {value!r}")
        return _ULP_SPELLINGS[value]

    def cache_enabled(self) -> bool:
        """Whether kernels go to the disk cache (False with cache=False or RESIN_JIT_CACHE=0)."""
        return self.cache and env_flag("RESIN_JIT_CACHE") is not False

    def resolved_cache_dir(self):
        """The cache directory: the config's, else RESIN_JIT_CACHE_DIR, else None (the user cache)."""
        return self.cache_dir or os.environ.get("RESIN_JIT_CACHE_DIR") or None

    def resolved_cache_max_bytes(self):
        """The cache's size limit in bytes (the config's, else RESIN_JIT_CACHE_MAX_BYTES), or None."""
        if self.cache_max_bytes is not None:
            return self.cache_max_bytes
        value = os.environ.get("RESIN_JIT_CACHE_MAX_BYTES", "").strip()
        if not value:
            return None
        if not re.fullmatch("[0-9]+", value):  # not int(): it takes "-5", "1_000", "٣"
            raise ValueError(f"RESIN_JIT_CACHE_MAX_BYTES must be a whole number of bytes (0 or more), not {value!r}")
        return int(value)

    @staticmethod
    def resolved_layers():
        """The prebuilt layers to search, in order: RESIN_JIT_PREBUILT (os.pathsep-separated
        directories), then a prebuilt/ directory inside the installed package."""
        layers = [p for p in os.environ.get("RESIN_JIT_PREBUILT", "").split(os.pathsep) if p]
        if (PACKAGE_DIR / "prebuilt").is_dir():
            layers.append(str(PACKAGE_DIR / "prebuilt"))
        return layers
