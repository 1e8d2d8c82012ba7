"""NetCDF output of one run, written atomically, with provenance in the attributes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import xarray as xr


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to ``path`` atomically: to a temporary file in the same directory, then
    rename. A failure leaves no partial file at ``path`` (and removes the temporary one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    encoding = {
        name: {"zlib": True, "complevel": 1}
        for name, var in ds.data_vars.items()
        if var.ndim > 0 and var.dtype.kind in "iuf"
    }
    try:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_dataset(path: str | Path) -> xr.Dataset:
    """Read a run file fully into memory (and close it)."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return ds.load()
