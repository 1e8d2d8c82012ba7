"""The merged store of a sweep: every data variable of the job files, over the swept dims.

Memory stays at one job: the layout (dims, coordinates, dtypes) is read from the job files'
metadata first, the store is created empty, and each job's variables are written into their
slab ``[i_key1, i_key2, ..., :, :, ...]`` one job at a time. NetCDF (netCDF4) suits sweeps up to
a few GB; Zarr (a directory of chunks, one chunk per job and variable) suits larger ones and
opens lazily. Both are written under a temporary name and renamed when complete.

Dims the jobs do not share are outer-joined: a job without some year or label gets the fill value
there. Integer variables keep their dtype while every cell is written; if any cell is missing (a
failed or missing job, or a coordinate a job lacks) they get a ``_FillValue`` and read back as
floats with NaN, as CF decoding does.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

#: Largest chunk written per variable and job, in bytes (the first job dim is split above it).
MAX_CHUNK_BYTES = 64 * 2**20
#: Attributes of run files that differ per job and are not kept in the merged store.
PER_JOB_ATTRS = frozenset({"config", "created", "seed"})


@dataclass
class VarLayout:
    """One merged variable: its job dims (after the swept dims), dtype and attributes."""

    dims: tuple[str, ...]
    dtype: np.dtype
    attrs: dict[str, Any] = field(default_factory=dict)
    #: False while every job has the variable over the union coordinates.
    needs_fill: bool = False


@dataclass
class Layout:
    """Swept dims and their coordinates, job dims and their union coordinates, variables."""

    swept: dict[str, np.ndarray]
    job_coords: dict[str, np.ndarray]
    variables: dict[str, VarLayout]
    #: Non-index coordinates of the job files (from the first job), name -> (dims, values).
    extra_coords: dict[str, tuple[tuple[str, ...], np.ndarray]] = field(default_factory=dict)
    common_attrs: dict[str, Any] = field(default_factory=dict)

    def shape(self, name: str) -> tuple[int, ...]:
        var = self.variables[name]
        return tuple(len(c) for c in self.swept.values()) + tuple(
            len(self.job_coords[d]) for d in var.dims
        )

    def chunks(self, name: str) -> tuple[int, ...]:
        var = self.variables[name]
        inner = [len(self.job_coords[d]) for d in var.dims]
        while inner and int(np.prod(inner)) * var.dtype.itemsize > MAX_CHUNK_BYTES:
            big = int(np.argmax(inner))
            if inner[big] == 1:
                break
            inner[big] = (inner[big] + 1) // 2
        return (1,) * len(self.swept) + tuple(max(1, n) for n in inner)


def coord_array(values: list[Any]) -> np.ndarray:
    """Coordinate values of one swept key as a plain array: int, float, bool or str."""
    if values and all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray(["null" if v is None else str(v) for v in values], dtype=str)


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape == b.shape and np.array_equal(a, b):
        return a
    extra = b[~np.isin(b, a)]
    return np.concatenate([a, extra]) if extra.size else a


def _storable(dtype: np.dtype) -> np.dtype:
    if dtype.kind == "b":
        return np.dtype(np.int8)
    if dtype.kind in "OUS":
        return np.dtype(str)
    return dtype


def plan(swept: dict[str, np.ndarray], files: list[Path], complete_grid: bool) -> Layout:
    """Read the metadata of every job file and lay out the merged store.

    ``complete_grid`` says whether every cell of the swept grid has a job file; if not, every
    variable needs a fill value.
    """
    per_file: list[tuple[dict[str, np.ndarray], dict[str, tuple[str, ...]]]] = []
    variables: dict[str, VarLayout] = {}
    extra: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    common: dict[str, Any] | None = None
    for path in files:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            coords = {
                str(d): ds[d].values if d in ds.coords else np.arange(ds.sizes[d]) for d in ds.dims
            }
            var_dims = {str(n): tuple(map(str, v.dims)) for n, v in ds.data_vars.items()}
            per_file.append((coords, var_dims))
            for name, coord in ds.coords.items():
                if name not in ds.dims and name not in extra:
                    extra[str(name)] = (tuple(map(str, coord.dims)), coord.values)
            for name, var in ds.data_vars.items():
                _add_variable(variables, str(name), var, path)
            attrs = {k: v for k, v in ds.attrs.items() if k not in PER_JOB_ATTRS}
            common = (
                attrs
                if common is None
                else {k: v for k, v in common.items() if k in attrs and _same(v, attrs[k])}
            )
    job_coords: dict[str, np.ndarray] = {}
    for coords, _ in per_file:
        for dim, vals in coords.items():
            job_coords[dim] = _union(job_coords[dim], vals) if dim in job_coords else vals
    for name, lay in variables.items():
        lay.needs_fill = not complete_grid or any(
            name not in var_dims
            or any(not np.array_equal(coords[d], job_coords[d]) for d in lay.dims)
            for coords, var_dims in per_file
        )
    clash = sorted(set(swept) & (set(job_coords) | set(variables) | set(extra)))
    if clash:
        raise ValueError(
            f"swept keys {clash} are also dims or variables of the job files; "
            "rename the variable or sweep another key"
        )
    return Layout(
        swept=swept,
        job_coords=job_coords,
        variables=variables,
        extra_coords=extra,
        common_attrs=common or {},
    )


def _add_variable(
    variables: dict[str, VarLayout], name: str, var: xr.DataArray, path: Path
) -> None:
    dtype = _storable(var.dtype)
    dims = tuple(map(str, var.dims))
    lay = variables.get(name)
    if lay is None:
        variables[name] = VarLayout(dims=dims, dtype=dtype, attrs=dict(var.attrs))
        return
    if set(lay.dims) != set(dims):
        raise ValueError(
            f"variable {name!r} has dims {dims} in {path} but {lay.dims} in an earlier job; "
            "the jobs of one sweep must agree on each variable's dims"
        )
    if lay.dtype != dtype:
        text = "U" in (lay.dtype.kind, dtype.kind)
        lay.dtype = np.dtype(str) if text else np.result_type(lay.dtype, dtype)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return a == b


def fill_value(dtype: np.dtype) -> Any:
    """The value of a cell no job wrote: NaN for floats, the netCDF default fill for ints."""
    if dtype.kind == "f":
        return np.nan
    if dtype.kind in "iu":
        import netCDF4

        return np.array(netCDF4.default_fillvals[f"{dtype.kind}{dtype.itemsize}"]).astype(dtype)
    return None


def job_slab(ds: xr.Dataset, name: str, layout: Layout) -> np.ndarray | None:
    """One job's values of a variable, aligned to the merged job coordinates and dims order."""
    if name not in ds.data_vars:
        return None
    lay = layout.variables[name]
    var = ds[name]
    reindex = {
        d: layout.job_coords[d]
        for d in lay.dims
        if d in ds.coords
        and (
            len(ds[d]) != len(layout.job_coords[d])
            or not np.array_equal(ds[d], layout.job_coords[d])
        )
    }
    if reindex:
        fv = fill_value(lay.dtype)
        var = var.reindex(reindex, fill_value=fv if fv is not None else "")
    return np.asarray(var.transpose(*lay.dims).values).astype(lay.dtype, copy=False)


class Store:
    """A merged store being written: create it, write slabs, then :meth:`close` to publish."""

    def __init__(self, path: Path, layout: Layout, small: xr.Dataset) -> None:
        self.path = Path(path)
        self.layout = layout
        self.tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        _remove(self.tmp)
        self._create(small)

    def _create(self, small: xr.Dataset) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def write(self, name: str, index: tuple[int, ...], data: np.ndarray) -> None:
        raise NotImplementedError  # pragma: no cover

    def _finish(self) -> None:
        """Flush and close before the rename."""

    def close(self) -> Path:
        self._finish()
        _remove(self.path)
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._finish()
        finally:
            _remove(self.tmp)

    def _var_attrs(self, name: str) -> dict[str, Any]:
        lay = self.layout.variables[name]
        attrs = {k: v for k, v in lay.attrs.items() if k != "_FillValue"}
        coords = [
            c
            for c, (dims, _) in self.layout.extra_coords.items()
            if set(dims) <= set((*self.layout.swept, *lay.dims))
        ]
        coords += list(self._small_coords)
        if coords:
            attrs["coordinates"] = " ".join(coords)
        return attrs

    @property
    def _small_coords(self) -> list[str]:
        return getattr(self, "_coord_names", [])


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


class NetCDFStore(Store):
    """NetCDF4: coordinates and small variables through xarray, big ones through netCDF4."""

    def _create(self, small: xr.Dataset) -> None:
        import netCDF4

        self._coord_names = [str(c) for c in small.coords if c not in small.dims]
        small.to_netcdf(self.tmp, engine="netcdf4")
        self.nc = netCDF4.Dataset(self.tmp, "a")
        for name, lay in self.layout.variables.items():
            dims = (*self.layout.swept, *lay.dims)
            if lay.dtype.kind == "U":
                v = self.nc.createVariable(name, str, dims)
            else:
                fv = fill_value(lay.dtype) if lay.needs_fill else False
                v = self.nc.createVariable(
                    name,
                    lay.dtype,
                    dims,
                    zlib=True,
                    complevel=1,
                    chunksizes=self.layout.chunks(name),
                    fill_value=fv,
                )
            v.setncatts(_nc_attrs(self._var_attrs(name)))

    def write(self, name: str, index: tuple[int, ...], data: np.ndarray) -> None:
        var = self.nc.variables[name]
        if data.dtype.kind == "U":
            data = data.astype(object)
        var[index] = data

    def _finish(self) -> None:
        nc = getattr(self, "nc", None)
        if nc is not None and nc.isopen():
            nc.close()


def _nc_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, bool | np.bool_):
            v = int(v)
        out[k] = v
    return out


class ZarrStore(Store):
    """Zarr (format 2, consolidated): coordinates and small variables through xarray, big ones
    through zarr, with xarray's ``_ARRAY_DIMENSIONS`` convention.

    Format 2 rather than 3: xarray and other readers support it fully (strings, consolidated
    metadata), and zarr 3 still warns that format 3 has no specification for either.
    """

    def _create(self, small: xr.Dataset) -> None:
        import zarr

        self._coord_names = [str(c) for c in small.coords if c not in small.dims]
        small.to_zarr(self.tmp, mode="w", consolidated=False, zarr_format=2)
        self.group = zarr.open_group(self.tmp, mode="a", zarr_format=2)
        for name, lay in self.layout.variables.items():
            dims = [*self.layout.swept, *lay.dims]
            attrs = {k: _json(v) for k, v in self._var_attrs(name).items()}
            attrs["_ARRAY_DIMENSIONS"] = dims
            # format 2: xarray masks the zarr fill_value, so set one only where cells may be
            # missing (a fill of 0 on a complete integer tally would mask its zeros)
            fv = fill_value(lay.dtype) if lay.needs_fill else None
            self.group.create_array(
                name,
                shape=self.layout.shape(name),
                chunks=self.layout.chunks(name),
                dtype=lay.dtype if lay.dtype.kind != "U" else str,
                fill_value=None if fv is None else _json(fv),
                attributes=attrs,
            )

    def write(self, name: str, index: tuple[int, ...], data: np.ndarray) -> None:
        self.group[name][index] = data

    def _finish(self) -> None:
        import zarr

        if getattr(self, "group", None) is not None:
            zarr.consolidate_metadata(self.tmp, zarr_format=2)
            self.group = None


def _json(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def open_store(path: Path, layout: Layout, small: xr.Dataset, fmt: str) -> Store:
    """Create an empty merged store of format ``"netcdf"`` or ``"zarr"``."""
    cls = {"netcdf": NetCDFStore, "zarr": ZarrStore}[fmt]
    return cls(path, layout, small)


def write_jobs(
    store: Store,
    jobs: Iterable[tuple[tuple[int, ...], Path]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write every job's variables into its slab of the store, one job at a time."""
    for n, (index, path) in enumerate(jobs, 1):
        with xr.open_dataset(path, engine="netcdf4") as ds:
            for name in store.layout.variables:
                data = job_slab(ds, name, store.layout)
                if data is not None:
                    store.write(name, index, data)
        if progress is not None:
            progress(n)
