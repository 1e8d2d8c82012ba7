"""The simulation engine: counter-based random streams, population, numba kernels, simulate()."""
