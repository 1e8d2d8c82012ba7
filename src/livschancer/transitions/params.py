"""ModelParameters: the labelled probabilities that drive one simulation, and their checks.

Every array is an :class:`xarray.DataArray` with the dims named in :mod:`livschancer.dims`;
labels come from :mod:`livschancer.states`. A parameter set can come from the provisional
hand-built default (:mod:`livschancer.transitions.provisional`), and later from register
estimation or calibration; the simulation does not care which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.errors import ParameterError

#: Tolerance on a probability row summing to 1.
ROW_SUM_TOL: float = 1e-6


@dataclass(frozen=True)
class Period:
    """A regime of transition probabilities: calendar years ``first..last`` (inclusive)."""

    name: str
    first: int
    last: int


@dataclass
class ModelParameters:
    """Probabilities for the four processes of the yearly step (model.md section 4).

    Attributes
    ----------
    lifecourse
        P(state at age a = ``to`` | state at age a-1 = ``from``, covariates in the year of age a),
        dims ``(period, age, sex, menapt, area, origin, from, to)``; every row sums to 1; rows at
        age 0 are unused (everyone is born in the birth state).
    move
        P(area at age a = ``area_to`` | area at a-1 = ``area_from``), dims
        ``(age, menapt, parent_rg, area_from, area_to)``.
    parent
        P(parent_rg = 1 this year | last year's ``parent_rg_from``), dims
        ``(period, area, menapt, parent_rg_from)``.
    fritidsjob
        P(fritidsjob = 1 this year | last year's ``fritidsjob_from``) for persons aged 13-20 in
        school or youth education, dims ``(period, age, sex, menapt, area, fritidsjob_from)``.
    fritidsjob_youth_edu_or
        Odds ratio on entering youth education (any transition into activity ``youth_edu`` from
        another activity) for a person who held a fritidsjob last year (model.md section 6:
        effects chain through states).
    periods
        The regimes named on the ``period`` dims, in order.
    provenance
        Where the set came from: file, checksum, and whether it is provisional.
    """

    lifecourse: xr.DataArray
    move: xr.DataArray
    parent: xr.DataArray
    fritidsjob: xr.DataArray
    fritidsjob_youth_edu_or: float
    periods: tuple[Period, ...]
    provenance: dict[str, str] = field(default_factory=dict)

    def period_of(self, year: int) -> int:
        """Index of the period that governs ``year``; years before the first period use the
        first, years after the last use the last (documented in docs/model-engine.md)."""
        for i, p in enumerate(self.periods):
            if p.first <= year <= p.last:
                return i
        if year < self.periods[0].first:
            return 0
        return len(self.periods) - 1

    def validate(self, where: str = "parameters") -> ModelParameters:
        """Check dims, labels, ranges, row sums and the structural rules; return self.

        Raises
        ------
        ParameterError
            Naming the array, the rule and an example cell.
        """
        _check_periods(self.periods, where)
        _check_dims(self.lifecourse, dims.LIFECOURSE_PROBS, f"{where}.lifecourse")
        _check_dims(self.move, dims.MOVE_PROBS, f"{where}.move")
        _check_dims(self.parent, dims.PARENT_PROBS, f"{where}.parent")
        _check_dims(self.fritidsjob, dims.FRITIDSJOB_PROBS, f"{where}.fritidsjob")
        expected = labels(
            (*dims.LIFECOURSE_PROBS, *dims.MOVE_PROBS, *dims.PARENT_PROBS, *dims.FRITIDSJOB_PROBS),
            self.periods,
        )
        for name in ("lifecourse", "move", "parent", "fritidsjob"):
            arr = getattr(self, name)
            for d in arr.dims:
                got = [v.item() if hasattr(v, "item") else v for v in arr[d].values]
                if got != expected[d]:
                    raise ParameterError(
                        f"{where}.{name}.{d}", f"labels must be {expected[d]} in that order", got
                    )
        for name in ("lifecourse", "move", "parent", "fritidsjob"):
            _check_range(getattr(self, name), f"{where}.{name}")
        _check_rows(self.lifecourse.sel(age=slice(1, None)), "to", f"{where}.lifecourse")
        _check_rows(self.move, "area_to", f"{where}.move")
        allowed = xr.DataArray(
            states.allowed_matrix(),
            dims=("from", "to"),
            coords={"from": list(states.LIFECOURSE), "to": list(states.LIFECOURSE)},
        )
        bad = (self.lifecourse > 0) & ~allowed
        bad = bad.sel(age=slice(1, None))
        if bool(bad.any()):
            cell = _first_true(bad)
            raise ParameterError(
                f"{where}.lifecourse",
                "positive probability on a transition the model forbids (attainment may not fall,"
                " rises only to the level of the activity left; no return to preschool)",
                cell,
            )
        orv = self.fritidsjob_youth_edu_or
        if not (np.isfinite(orv) and orv > 0):
            raise ParameterError(
                f"{where}.fritidsjob_youth_edu_or", "must be a positive odds ratio", orv
            )
        return self


def apply_odds_ratio(p: np.ndarray | float, odds_ratio: np.ndarray | float) -> np.ndarray:
    """``p`` with its odds multiplied by ``odds_ratio``: ``OR p / (1 - p + OR p)`` (domain.md
    5.5); p = 0 stays 0 and p = 1 stays 1. The one NumPy form of the formula (the kernels carry
    an njit twin, ``sim.kernel.odds_scale``)."""
    p = np.asarray(p, dtype=float)
    return p * odds_ratio / (1.0 - p + p * odds_ratio)


def labels(names: tuple[str, ...], periods: tuple[Period, ...] = ()) -> dict[str, list]:
    """The labels of each dim in ``names`` (from ``dims.py``), in code order: the one table of
    coordinates that parameter arrays and count tensors are built and checked with."""
    table: dict[str, list] = {
        "period": [p.name for p in periods],
        "age": list(states.AGES),
        "sex": list(states.SEX),
        "menapt": list(states.MENAPT),
        "area": list(states.AREA),
        "origin": list(states.ORIGIN),
        "from": list(states.LIFECOURSE),
        "to": list(states.LIFECOURSE),
        "area_from": list(states.AREA),
        "area_to": list(states.AREA),
        "parent_rg": [0, 1],
        "parent_rg_from": [0, 1],
        "fritidsjob_from": [0, 1],
    }
    return {n: table[n] for n in names}


def _check_periods(periods: tuple[Period, ...], where: str) -> None:
    if not periods:
        raise ParameterError(f"{where}.periods", "at least one period is needed", periods)
    for a, b in pairwise(periods):
        if b.first != a.last + 1:
            raise ParameterError(
                f"{where}.periods", "periods must be contiguous and in order", (a, b)
            )
    for p in periods:
        if p.last < p.first:
            raise ParameterError(f"{where}.periods.{p.name}", "last year before first year", p)


def _check_dims(arr: xr.DataArray, want: tuple[str, ...], where: str) -> None:
    if tuple(arr.dims) != want:
        raise ParameterError(where, f"dims must be {want}", tuple(arr.dims))


def _check_range(arr: xr.DataArray, where: str) -> None:
    vals = arr.values
    bad = ~np.isfinite(vals) | (vals < 0) | (vals > 1)
    if bad.any():
        cell = _first_true(xr.DataArray(bad, dims=arr.dims, coords=arr.coords))
        raise ParameterError(where, "probabilities must lie in [0, 1]", cell)


def _check_rows(arr: xr.DataArray, dim: str, where: str) -> None:
    sums = arr.sum(dim)
    bad = np.abs(sums - 1.0) > ROW_SUM_TOL
    if bool(bad.any()):
        cell = _first_true(bad)
        raise ParameterError(where, f"each row must sum to 1 over {dim!r}", cell)


def _first_true(mask: xr.DataArray) -> dict[str, object]:
    """Labels of the first True cell of ``mask``, for error messages."""
    idx = np.argwhere(np.asarray(mask.values))[0]
    out: dict[str, object] = {}
    for d, i in zip(mask.dims, idx, strict=True):
        v = mask[d].values[i]
        out[str(d)] = v.item() if hasattr(v, "item") else v
    return out
