"""The front end: nodes, expressions, math functions, reductions, externals, settings, the
canonical form and the kernel plan.

Expressions take numpy's functions (`np.sin(x)`, `np.sum(x)`) through the tables of front/nodes.py,
which front/functions.py and front/reductions.py complete: imported here, with the package, so
that an expression's numpy protocol and `x ** k` work whatever a program imports first.
"""
from . import functions, reductions  # noqa: F401 - see above
