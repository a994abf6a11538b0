"""The front end: nodes, expressions, math functions, reductions, externals, settings, the canonical form and the kernel plan."""
