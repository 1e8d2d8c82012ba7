"""NetCDF output of one run, written atomically, with provenance in the attributes.

How a file is written (:func:`write_dataset`) so that a run on a shared machine or under SLURM
leaves either the complete file or nothing:

1. a hidden temporary file ``.<name>.<random>.tmp`` is created in the target directory with mode
   ``0o666`` minus the umask (``tempfile.mkstemp`` would make it ``0600`` whatever the umask);
2. the Dataset is written into it, fsynced, and only then moved to the final name, so readers
   never see a partial file;
3. an existing file is replaced only with ``overwrite=True``; otherwise the move is an
   ``os.link`` (which fails if the name exists, even when another process creates it meanwhile)
   and the run is refused with a :class:`~livschancer.errors.ConfigError` naming the file;
4. SIGINT (Ctrl-C), SIGTERM (``scancel``, SLURM's time limit) and SIGHUP are *deferred* while
   the file is written: the handler only notes the signal. The write is then abandoned (the
   temporary file removed, nothing renamed) and the signal re-delivered with the handlers the
   program had before, so the process stops as it would have, seconds later.

Why defer instead of letting the signal interrupt the write: an exception raised
asynchronously inside xarray's netCDF4 backend can fire between acquiring its global HDF5 lock
and the ``try`` that releases it; the cleanup (``close()``) then waits for that lock forever and
Ctrl-C hangs the process (seen with xarray 2026.9 / netCDF4 1.7.5). The default action of
SIGTERM kills the process outright and left the hidden temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xarray as xr

from livschancer.errors import ConfigError

#: Signals deferred while a file is written.
DEFERRED_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class _Deferred:
    """Signals noted by the deferring handler, in arrival order."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def handler(self, signum: int, frame: object) -> None:
        self.received.append(signum)


@contextlib.contextmanager
def defer_signals(signals: tuple[int, ...] = DEFERRED_SIGNALS) -> Iterator[_Deferred]:
    """Note ``signals`` instead of acting on them inside the block; on exit restore the previous
    handlers and re-deliver the first noted signal (so Ctrl-C still raises KeyboardInterrupt
    and SIGTERM still terminates, after the block has cleaned up).

    Signals a program ignores (``SIG_IGN``, e.g. SIGINT under ``nohup``) stay ignored. Outside
    the main thread Python cannot install handlers; the block then runs undeferred.
    """
    state = _Deferred()
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in signals:
            old = signal.getsignal(sig)
            if old is signal.SIG_IGN or old is None:  # ignored, or set outside Python
                continue
            previous[sig] = signal.signal(sig, state.handler)
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)  # type: ignore[arg-type]
        if state.received:
            signal.raise_signal(state.received[0])


def _create_temp(path: Path) -> Path:
    """A new empty hidden file beside ``path``, mode 0o666 minus the umask."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")  # pragma: no cover


def _fsync(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # pragma: no cover - e.g. directories cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems do not fsync directories
        pass
    finally:
        os.close(fd)


def _exists_error(path: Path) -> ConfigError:
    return ConfigError(
        "output.file", "exists already; set output.overwrite=true to replace it", str(path)
    )


def _publish(tmp: Path, path: Path, overwrite: bool) -> None:
    """Move the finished ``tmp`` to ``path`` atomically; refuse to replace unless ``overwrite``."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic "create if absent"
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError:  # pragma: no cover - file systems without hard links
        if path.exists():
            raise _exists_error(path) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _encoding(var: xr.DataArray) -> dict:
    """zlib level 1 without the shuffle filter: on the mostly-zero integer tallies shuffling
    makes files larger and writing slower. A variable of 2 or more dims whose slices along the
    first (year) are 64 kB to 256 MB is stored one slice per chunk: a year is read without the
    others, and writing is faster than with the library's default chunks (a small sweep job's
    file: 0.86 s and 6.8 MB with the defaults and shuffle, 0.53 s and 4.6 MB so)."""
    enc: dict = {"zlib": True, "complevel": 1, "shuffle": False}
    if var.ndim >= 2:
        row = int(np.prod(var.shape[1:])) * var.dtype.itemsize
        if 64_000 <= row <= 256_000_000:
            enc["chunksizes"] = (1, *var.shape[1:])
    return enc


def write_dataset(ds: xr.Dataset, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``ds`` to ``path`` atomically (see the module docstring for how).

    Parameters
    ----------
    ds
        The Dataset; numeric data variables are compressed (zlib level 1, no shuffle).
    path
        Target file; its directory is created if needed.
    overwrite
        Replace an existing file at ``path``; False (the default) refuses.

    Returns
    -------
    The path written.

    Raises
    ------
    ConfigError
        ``output.file: exists already ...`` if ``path`` exists and not ``overwrite`` (checked
        before writing, and again atomically when the file is moved into place).
    InterruptedError
        A deferred signal arrived and its handler returned (the default handlers raise
        KeyboardInterrupt or end the process instead); nothing was written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not overwrite:
        raise _exists_error(path)
    encoding = {
        name: _encoding(var)
        for name, var in ds.data_vars.items()
        if var.ndim > 0 and var.dtype.kind in "iuf"
    }
    published = False
    with defer_signals() as deferred:
        tmp = _create_temp(path)
        try:
            ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
            _fsync(tmp)
            if not deferred.received:  # a stop request abandons the file rather than publish it
                _publish(tmp, path, overwrite)
                published = True
                _fsync(path.parent, directory=True)
        finally:
            if not published:
                tmp.unlink(missing_ok=True)
    # Leaving defer_signals re-delivered any signal; we get here after one only if the program's
    # own handler returned instead of raising or exiting.
    if not published:
        raise InterruptedError(f"writing {path} was stopped by a signal; nothing was written")
    return path


def read_dataset(path: str | Path) -> xr.Dataset:
    """Read a run file fully into memory (and close it)."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return ds.load()
