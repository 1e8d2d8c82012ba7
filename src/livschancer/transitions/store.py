"""A parameter set as a NetCDF file: :func:`save_parameters` / :func:`open_parameters`.

One variable per probability array of :class:`ModelParameters` (same names, dims and labels),
the periods as the ``period`` coordinate with ``period_first`` / ``period_last``, and the
provenance as ``provenance_<key>`` attributes. An estimated set may also carry its posterior
(``posterior_<name>``: the Dirichlet / Beta concentrations of every row, from
``transitions/estimate.py``), which :func:`open_posterior` returns for drawing parameter sets.
Files are written under a temporary name and renamed: a reader never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from livschancer.errors import ParameterError
from livschancer.transitions.params import ModelParameters, Period

#: Arrays stored, in ModelParameters order.
NAMES: tuple[str, ...] = (*ModelParameters.ARRAYS, "risk_or")
POSTERIOR_PREFIX = "posterior_"


def parameters_dataset(
    params: ModelParameters, posterior: dict[str, xr.DataArray] | None = None
) -> xr.Dataset:
    """The Dataset :func:`save_parameters` writes."""
    data = {n: getattr(params, n).astype(np.float64) for n in NAMES}
    for n, da in (posterior or {}).items():
        data[POSTERIOR_PREFIX + n] = da.astype(np.float64)
    ds = xr.Dataset(data)
    ds = ds.assign_coords(
        period=[p.name for p in params.periods],
        period_first=("period", np.array([p.first for p in params.periods], np.int64)),
        period_last=("period", np.array([p.last for p in params.periods], np.int64)),
    )
    ds.attrs = {f"provenance_{k}": str(v) for k, v in params.provenance.items()}
    ds.attrs["livschancer_parameters"] = "1"
    return ds


def save_parameters(
    params: ModelParameters,
    path: str | Path,
    posterior: dict[str, xr.DataArray] | None = None,
) -> Path:
    """Write ``params`` (and an optional posterior) to ``path`` atomically; returns the path."""
    path = Path(path)
    ds = parameters_dataset(params, posterior)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        ds.to_netcdf(tmp, engine="netcdf4")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _open(path: str | Path) -> xr.Dataset:
    path = Path(path)
    if not path.is_file():
        raise ParameterError("parameters.file", "must be an existing file", str(path))
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except (OSError, ValueError) as err:
        raise ParameterError(path.name, "must be a NetCDF parameter file", str(err)) from None
    if ds.attrs.get("livschancer_parameters") != "1":
        raise ParameterError(path.name, "must be a livschancer parameter file", dict(ds.attrs))
    return ds


def open_parameters(path: str | Path) -> ModelParameters:
    """The validated parameter set stored at ``path``.

    Raises
    ------
    ParameterError
        A missing file, a file that is not a parameter set, or one that breaks a rule of
        :meth:`ModelParameters.validate` (naming the file).
    """
    path = Path(path)
    ds = _open(path)
    missing = [n for n in NAMES if n not in ds]
    if missing:
        raise ParameterError(path.name, "every parameter array is needed", missing)
    periods = tuple(
        Period(str(n), int(f), int(la))
        for n, f, la in zip(
            ds["period"].values, ds["period_first"].values, ds["period_last"].values, strict=True
        )
    )
    arrays = {}
    for n in NAMES:
        da = ds[n].drop_vars(["period_first", "period_last"], errors="ignore")
        da = da.assign_coords({d: [_item(v) for v in da[d].values] for d in da.dims})
        da.attrs = {}
        arrays[n] = da.rename(None)
    prov = {
        k.removeprefix("provenance_"): str(v)
        for k, v in ds.attrs.items()
        if k.startswith("provenance_")
    }
    prov["file"] = str(path)
    params = ModelParameters(**arrays, periods=periods, provenance=prov)
    return params.validate(where=path.name)


def open_posterior(path: str | Path) -> dict[str, xr.DataArray]:
    """The posterior concentrations stored with an estimated set (empty if there are none)."""
    ds = _open(path)
    return {
        str(n).removeprefix(POSTERIOR_PREFIX): ds[n].drop_vars(
            ["period_first", "period_last"], errors="ignore"
        )
        for n in ds.data_vars
        if str(n).startswith(POSTERIOR_PREFIX)
    }


def _item(v: object) -> object:
    return v.item() if hasattr(v, "item") else v
