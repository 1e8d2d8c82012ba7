"""Where numba caches the compiled kernels: a writable directory keyed by the kernels' source.

Imported first by ``livschancer/__init__.py``, before any module with ``@njit(cache=True)``:
numba builds a function's cache locator when the decorator runs, from
``numba.config.CACHE_DIR`` (``NUMBA_CACHE_DIR``) if set, else from ``__pycache__`` next to the
source or ``~/.cache/numba``. Two problems with numba's default, both fixed here:

- **Read-only installations.** With the package in a read-only location (a shared site-packages,
  a container image) and a home directory that is not writable (a batch job's service account),
  numba finds no locator and importing the kernels fails with "cannot cache function ...: no
  locator available". Here the cache always goes to a directory that was checked to be
  writable.
- **Stale kernels.** numba's cache index only checks the modification time and size of the file
  that defines the cached function. A kernel in ``sim/kernel.py`` that calls or inlines functions
  of ``sim/rng.py`` (or constants such as ``rng.U32_SCALE``) is *not* recompiled when only
  ``rng.py`` changes, and a reinstall that keeps mtimes and sizes (wheels with fixed timestamps)
  is not noticed at all. Here the directory name holds a hash of the source text of every module
  the kernels may call or inline (:data:`KERNEL_PACKAGES`), so any edit there starts a new cache.

The base directory is the first of

1. ``$LIVSCHANCER_CACHE_DIR``,
2. ``$NUMBA_CACHE_DIR``,
3. ``$XDG_CACHE_HOME/livschancer`` or ``~/.cache/livschancer``, if writable,
4. ``<tempfile.gettempdir()>/livschancer-cache-<uid>``, if it is a directory of this user that
   nobody else can write to (cache files are pickles), else a fresh temporary directory (no
   reuse between runs, but the import works),

and the cache goes to ``<base>/numba-<hash>``. Old ``numba-*`` directories are not removed (they
are small: a few MB per source version).

The setting is made once, here; numba re-reads its environment (and would reset
``config.CACHE_DIR``) only when a ``NUMBA_*`` environment variable changes later in the process.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numba

#: Subpackages (relative to the ``livschancer`` package directory) whose modules numba kernels
#: call or inline. Every ``.py`` file below them goes into the cache key.
KERNEL_PACKAGES: tuple[str, ...] = ("sim", "tallies")
#: Single modules whose values the kernels freeze at compile time (``states.KERNEL_CONSTANTS``).
KERNEL_MODULES: tuple[str, ...] = ("states.py",)
#: Length of the source hash in the directory name.
HASH_CHARS = 12

PACKAGE_DIR = Path(__file__).resolve().parent


def kernel_sources(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The ``.py`` files under :data:`KERNEL_PACKAGES` of ``package_dir``, sorted; packages that
    do not exist are skipped."""
    files: list[Path] = []
    for name in KERNEL_PACKAGES:
        root = package_dir / name
        if root.is_dir():
            files.extend(p for p in root.rglob("*.py") if p.is_file())
    files.extend(package_dir / m for m in KERNEL_MODULES if (package_dir / m).is_file())
    return sorted(files)


def source_hash(files: Iterable[Path], root: Path = PACKAGE_DIR) -> str:
    """Short hex hash of the relative paths and bytes of ``files``."""
    h = hashlib.sha256()
    for path in files:
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        data = path.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:HASH_CHARS]


def _writable_dir(path: Path) -> bool:
    """Create ``path`` if needed and check that a file can be created in it."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True


def _private_dir(path: Path) -> bool:
    """``path`` is (made) a real directory owned by this user that nobody else can write to.

    numba's cache files are pickles: a directory in a shared temporary directory that another
    user created (or replaced by a symlink) could feed this process code, so it is refused.
    """
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


def _home_cache() -> Path | None:
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "livschancer"
    try:
        home = Path("~").expanduser()
    except RuntimeError:  # no HOME and no passwd entry
        return None
    return home / ".cache" / "livschancer"


def cache_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """The directory numba should cache the kernels in: ``<base>/numba-<source hash>``.

    An explicit ``$LIVSCHANCER_CACHE_DIR`` or ``$NUMBA_CACHE_DIR`` is used as given (numba
    creates it, or reports it if it cannot); the other bases are created and checked writable.
    """
    leaf = f"numba-{source_hash(kernel_sources(package_dir), package_dir)}"
    for var in ("LIVSCHANCER_CACHE_DIR", "NUMBA_CACHE_DIR"):
        value = os.environ.get(var)
        if value:
            return Path(value).expanduser() / leaf
    home = _home_cache()
    if home is not None and _writable_dir(home / leaf):
        return home / leaf
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    shared = Path(tempfile.gettempdir()) / f"livschancer-cache-{uid}"
    if _private_dir(shared) and _writable_dir(shared / leaf):
        return shared / leaf
    fresh = Path(tempfile.mkdtemp(prefix="livschancer-cache-")) / leaf
    fresh.mkdir()
    return fresh


def configure() -> Path:
    """Point ``numba.config.CACHE_DIR`` at :func:`cache_dir`; returns the directory."""
    path = cache_dir()
    numba.config.CACHE_DIR = str(path)
    return path


CACHE_DIR: Path = configure()
