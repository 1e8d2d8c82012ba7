"""livschancer: microsimulation of young lives in Danish disadvantaged housing areas."""

from __future__ import annotations

# First, before any module with @njit(cache=True) is imported: numba reads its cache directory
# when a decorator runs (numba_cache.py says why the package chooses it).
import livschancer.numba_cache  # noqa: F401  # isort: skip

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("livschancer")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
