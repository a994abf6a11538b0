"""Load and call: compiled libraries, kernels, the numpy backend, threads."""
