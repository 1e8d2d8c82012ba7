"""The run file: the tallies, the indicators beside them, and the run's metadata.

A run file is one Dataset (written by ``outputs/io.py``) holding

- every tally of :data:`livschancer.tallies.spec.TALLIES` as the integer variable of the same
  name with exactly the dims and coordinates the spec lists (the spec names no tally like a
  dim of another, so they share one Dataset);
- the indicators (``outputs/standard.py``) on their own dims (``indicator``, ``group``,
  ``origin_group``, ``ethnicity``, ``sex_group``, ...); they share only dims that mean the same
  thing with the same labels (``year``, ``age``, ``activity``, ``state``, ``k``), and an exact
  join checks that;
- the run's metadata in ``attrs`` (:data:`REQUIRED_ATTRS`).

The ``stock`` family turns a transition tally into persons by this year's state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import xarray as xr

from livschancer import __version__, states
from livschancer.errors import TallyError
from livschancer.tallies import spec

#: Metadata every run file carries (see :func:`run_attrs`).
REQUIRED_ATTRS: tuple[str, ...] = (
    "seed",
    "scenario",
    "overrides",
    "parameters_file",
    "parameters_sha256",
    "parameters_status",
)
#: The tallies' covariate-cell dims; indicators must not use these names (they use ``group``,
#: ``origin_group``, ``ethnicity`` and ``sex_group``, whose labels differ).
_CELL_DIMS = ("sex", "menapt", "area", "member", "origin")


def has_tally(ds: xr.Dataset, name: str) -> bool:
    """Whether ``ds`` holds tally ``name``."""
    return name in ds.data_vars


def tally(ds: xr.Dataset, name: str) -> xr.DataArray:
    """Tally ``name`` of a tallies Dataset or run file.

    Raises
    ------
    TallyError
        If ``name`` is not a tally of the spec or ``ds`` does not hold it.
    """
    if name not in spec.TALLY:
        raise TallyError(f"unknown tally {name!r}; expected one of {list(spec.TALLY)}")
    if name in ds.data_vars:
        return ds[name]
    held = [t.name for t in spec.TALLIES if has_tally(ds, t.name)]
    raise TallyError(f"the tallies have no {name!r} tally; they hold {held}")


def tally_years(ds: xr.Dataset) -> np.ndarray:
    """The simulated (or registered) calendar years: the ``year`` labels of the tallies."""
    for t in spec.TALLIES:
        if "year" in t.dims and has_tally(ds, t.name):
            return np.asarray(tally(ds, t.name)["year"].values, dtype=np.int64)
    raise TallyError("the tallies hold no tally with a 'year' dim")


def _labels(values: Any) -> list:
    out = []
    for v in np.asarray(values).tolist():
        out.append(v.decode() if isinstance(v, bytes) else v)
    return out


def check_tally(da: xr.DataArray, name: str, years: np.ndarray | None = None) -> None:
    """Check one tally against the spec: dims in order, integer dtype, exact coordinates.

    ``years`` are the expected ``year`` and ``entry_year`` labels (default: the tally's own).

    Raises
    ------
    TallyError
        Naming the tally, the rule and what was found.
    """
    want = spec.TALLY[name].dims
    if da.dims != want:
        raise TallyError(f"tally {name!r}: dims must be {list(want)} in this order; got {da.dims}")
    if da.dtype.kind not in "iu":
        raise TallyError(f"tally {name!r}: counts must have an integer dtype; got {da.dtype}")
    for dim in want:
        if dim not in da.coords:
            raise TallyError(f"tally {name!r}: dim {dim!r} has no coordinate labels")
        if dim in ("year", "entry_year"):
            got = [int(y) for y in da[dim].values]
            if years is not None:
                expected = [int(y) for y in years]
            else:  # consecutive years (the cohort indicators step along the diagonal)
                expected = list(range(got[0], got[0] + len(got))) if got else [0]
        else:
            expected = spec.coords(dim)
            got = _labels(da[dim].values)
        if got != expected:
            raise TallyError(
                f"tally {name!r}: coordinate {dim!r} must be {_short(expected)}; got {_short(got)}"
            )
    if name == "lifecourse":
        f_lab, t_lab = spec.transition_labels()
        for coord, expected in (("from", f_lab), ("to", t_lab)):
            if coord not in da.coords or da[coord].dims != ("transition",):
                raise TallyError(
                    f"tally 'lifecourse': needs the non-dim coordinate {coord!r} along "
                    "'transition' (tallies.spec.transition_labels())"
                )
            if _labels(da[coord].values) != expected:
                raise TallyError(
                    f"tally 'lifecourse': coordinate {coord!r} must be "
                    f"tallies.spec.transition_labels(); got {_short(_labels(da[coord].values))}"
                )


def _short(values: list) -> str:
    return repr(values) if len(values) <= 8 else f"{values[:4]} ... {values[-2:]} ({len(values)})"


def _attr_value(key: str, value: Any) -> Any:
    """A netCDF-storable attribute value."""
    if value is None:
        return ""
    if key == "seed":
        if not isinstance(value, int | np.integer) or int(value) < 0:
            raise TallyError(f"run attrs: 'seed' must be a non-negative integer; got {value!r}")
        return np.uint64(value)
    if isinstance(value, bool | np.bool_):
        return np.int8(value)
    if isinstance(value, str | int | float | np.integer | np.floating):
        return value
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, default=str)
    return str(value)


def run_attrs(
    *,
    seed: int,
    scenario: str,
    overrides: list[str] | tuple[str, ...] = (),
    parameters_file: str = "",
    parameters_sha256: str = "",
    parameters_status: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """The run metadata of a run file, with the package version and creation time.

    ``overrides`` are the command-line overrides (stored as a JSON list); ``parameters_status``
    says whether the parameter set is provisional or calibrated. ``extra`` keys are kept.
    """
    return {
        "title": "livschancer run",
        "seed": seed,
        "scenario": scenario,
        "overrides": list(overrides),
        "parameters_file": parameters_file,
        "parameters_sha256": parameters_sha256,
        "parameters_status": parameters_status,
        "livschancer_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


def build_run_dataset(
    tallies: xr.Dataset,
    indicators: xr.Dataset | None,
    attrs: Mapping[str, Any],
    *,
    partial: bool = False,
) -> xr.Dataset:
    """Assemble the run file from the tallies, the indicators and the metadata.

    Parameters
    ----------
    tallies
        One integer DataArray per tally of the spec, named ``<name>`` or ``tally_<name>``.
    indicators
        Indicators on their own dims (``outputs.standard.standard_indicators``), or None.
    attrs
        Run metadata with at least :data:`REQUIRED_ATTRS` (:func:`run_attrs` builds it).
    partial
        Allow tallies to be missing (a register panel may not count all of them).

    Raises
    ------
    TallyError
        A tally is missing or breaks the spec, a required attribute is missing, or an indicator
        reuses a tally cell dim.
    ValueError
        From ``xr.merge(join="exact")`` when a shared coordinate differs.
    """
    years = tally_years(tallies)
    if years.tolist() != list(range(int(years[0]), int(years[0]) + len(years))):
        raise TallyError(f"the tallies' 'year' labels must be consecutive; got {years.tolist()}")
    parts: list[xr.Dataset] = []
    for t in spec.TALLIES:
        if not has_tally(tallies, t.name):
            if partial:
                continue
            tally(tallies, t.name)  # raises, listing what is held
        da = tally(tallies, t.name)
        check_tally(da, t.name, years)
        parts.append(da.to_dataset(name=t.name))
    if indicators is not None:
        clash = [d for d in indicators.dims if d in _CELL_DIMS]
        if clash:
            raise TallyError(
                f"indicators must not use the tallies' cell dims {clash}; use 'group', "
                "'origin_group', 'ethnicity' and 'sex_group'"
            )
        tally_dims = {d for t in spec.TALLIES for d in t.dims}
        named = [v for v in indicators.data_vars if v in spec.TALLY or v in tally_dims]
        if named:
            raise TallyError(f"indicator variables must not be named like a tally or dim: {named}")
        parts.append(indicators)
    ds = xr.merge(parts, join="exact", compat="no_conflicts", combine_attrs="drop")
    missing = [k for k in REQUIRED_ATTRS if k not in attrs]
    if missing:
        raise TallyError(f"run attrs: missing {missing}; build them with outputs.runfile.run_attrs")
    # the indicators' own attrs (report_year, missing_parts) would be lost in the merge
    own = dict(indicators.attrs) if indicators is not None else {}
    out = {"livschancer_version": __version__, **own, **attrs}
    out["tallies"] = [t.name for t in spec.TALLIES if has_tally(tallies, t.name)]
    ds.attrs = {k: _attr_value(k, v) for k, v in out.items()}
    return ds


def tallies_of(ds: xr.Dataset) -> xr.Dataset:
    """The tallies of a run file (without the indicators), with the run's attrs."""
    names = [t.name for t in spec.TALLIES if has_tally(ds, t.name)]
    if not names:
        raise TallyError("the Dataset holds no tallies")
    out = ds[names]
    out.attrs = dict(ds.attrs)
    return out


# --------------------------------------------------------------------------------------------
# The stock family: persons by this year's state.
# --------------------------------------------------------------------------------------------


def _onehot(from_labels: list[str], targets: tuple[str, ...], key) -> np.ndarray:
    """(n_from, n_target) 0/1 matrix: row i has a 1 at ``targets.index(key(from_labels[i]))``."""
    m = np.zeros((len(from_labels), len(targets)), dtype=np.float32)
    for i, lab in enumerate(from_labels):
        m[i, targets.index(key(lab))] = 1.0
    return m


def count_matmul(values: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """``values @ onehot`` for counts over the last axis, exact, as int64.

    float32 BLAS is 2-3x faster than float64 and exact while every partial sum stays below
    2**24; the row sums bound the partial sums, so float32 is used only when they do.
    """
    flat = values.reshape(-1, values.shape[-1])
    exact32 = flat.shape[0] == 0 or int(flat.sum(axis=1).max()) < 2**24
    dtype = np.float32 if exact32 else np.float64
    out = flat.astype(dtype) @ onehot.astype(dtype)
    return np.rint(out).astype(np.int64).reshape(*values.shape[:-1], onehot.shape[1])


def lifecourse_stock(tallies: xr.Dataset, by: str = "state") -> xr.DataArray:
    """Persons by this year's life-course state (or its ``activity`` or ``attain``).

    The lifecourse tally summed over its ``transition`` dim grouped by ``to``: a one-hot
    (transition, ``by``) matrix multiplied in (entry records included, so this is everyone
    alive in the year). Dims: the tally's, with ``transition`` replaced by ``by``.
    """
    da = tally(tallies, "lifecourse")
    to = _labels(da["to"].values)
    if by == "state":
        labels, key = states.LIFECOURSE, lambda s: s
    elif by == "activity":
        labels, key = states.ACTIVITY, lambda s: s.split("|")[0]
    elif by == "attain":
        labels, key = states.ATTAIN, lambda s: s.split("|")[1]
    else:
        raise ValueError(f"by must be 'state', 'activity' or 'attain'; got {by!r}")
    onehot = xr.DataArray(
        _onehot(to, labels, key), dims=("transition", by), coords={by: list(labels)}
    )
    return xr.apply_ufunc(
        count_matmul,
        da.drop_vars(["from", "to", "transition"], errors="ignore"),
        onehot,
        input_core_dims=[["transition"], ["transition", by]],
        output_core_dims=[[by]],
    ).rename("lifecourse_stock")


#: The ``from`` dim of each flag tally.
_FROM: dict[str, str] = {
    "move": "area_from",
    "parent_rg": "parent_rg_from",
    "job": "job_from",
    "poverty": "poverty_from",
    "parent_psych": "parent_psych_from",
    "crime": "crime_ever_from",
}


def stock(tallies: xr.Dataset, name: str) -> xr.DataArray:
    """Persons by this year's state of transition tally ``name`` (summed over its ``from``).

    ``lifecourse``: by life-course ``state`` (:func:`lifecourse_stock`); a flag tally: summed
    over its ``*_from`` dim, keeping the ``*_to`` (or ``crime_event``) dim. Entry records
    count: the stock is everyone of that year.
    """
    if name == "lifecourse":
        return lifecourse_stock(tallies, "state")
    if name not in _FROM:
        raise ValueError(
            f"{name!r} is not a transition tally; stock() takes one of "
            f"{['lifecourse', *_FROM]} (the others are stocks already)"
        )
    return tally(tallies, name).sum(_FROM[name])


def entries(tallies: xr.Dataset, name: str) -> xr.DataArray:
    """The first-year records (birth or arrival) of transition tally ``name`` by state."""
    if name == "lifecourse":
        da = tally(tallies, "lifecourse")
        sel = np.array(_labels(da["from"].values)) == spec.ENTRY
        out = da.isel(transition=np.flatnonzero(sel))
        to = _labels(out["to"].values)
        out = out.drop_vars(["from", "to", "transition"]).rename(transition="state")
        return out.assign_coords(state=to)
    if name not in _FROM:
        raise ValueError(f"{name!r} is not a transition tally")
    return tally(tallies, name).sel({_FROM[name]: spec.ENTRY}, drop=True)
