"""ModelParameters: the labelled probabilities that drive one simulation, and their checks.

Every array is an :class:`xarray.DataArray` with the dims named in :mod:`livschancer.dims`;
labels come from :mod:`livschancer.states`. A parameter set can come from the provisional
hand-built default (:mod:`livschancer.transitions.provisional`), and later from register
estimation or calibration; the simulation does not care which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import ClassVar

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
    """Probabilities for every process of the yearly step (model.md section 4).

    Attributes
    ----------
    lifecourse
        P(state at age a = ``to`` | state at age a-1 = ``from``, covariates in the year of age a),
        dims ``dims.LIFECOURSE_PROBS`` (period, age, sex, menapt, area, member, origin, from,
        to); every row sums to 1; rows at age 0 are unused (everyone is born in the birth state).
    move
        P(area at age a = ``area_to`` | area at a-1 = ``area_from``), dims ``dims.MOVE_PROBS``.
    parent
        P(parent_rg = 1 this year | last year's ``parent_rg_from``), ``dims.PARENT_PROBS``.
    job
        P(job = 1 this year | last year's ``job_from``) by this year's activity, ``dims.JOB_PROBS``;
        zero outside ages 13-29 and for activities that are not enrolment.
    poverty
        P(the family is poor this year | last year), ``dims.POVERTY_PROBS``.
    parent_psych
        P(a parent is treated for mental illness for the first time this year),
        ``dims.PSYCH_PROBS``; the flag never switches off.
    crime
        P(a suspicion (10-14) or a charge (15+) this year | an earlier one), ``dims.CRIME_PROBS``;
        zero below 10.
    risk_or
        Odds ratios (``dims.RISK_OR``) of last year's risk flags (``states.RISKS``) on the
        transition groups ``states.RISK_GROUPS`` of this year's life-course draw. The
        fritidsjob -> youth education link (model.md section 6) is the entry
        (fritidsjob, youth_edu_entry).
    periods
        The regimes named on the ``period`` dims, in order.
    provenance
        Where the set came from: file, checksum, status (provisional, calibrated, estimated).
    """

    lifecourse: xr.DataArray
    move: xr.DataArray
    parent: xr.DataArray
    job: xr.DataArray
    poverty: xr.DataArray
    parent_psych: xr.DataArray
    crime: xr.DataArray
    risk_or: xr.DataArray
    periods: tuple[Period, ...]
    provenance: dict[str, str] = field(default_factory=dict)

    #: The probability arrays and their dims, in the order of the yearly step.
    ARRAYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "move": dims.MOVE_PROBS,
        "parent": dims.PARENT_PROBS,
        "lifecourse": dims.LIFECOURSE_PROBS,
        "job": dims.JOB_PROBS,
        "poverty": dims.POVERTY_PROBS,
        "parent_psych": dims.PSYCH_PROBS,
        "crime": dims.CRIME_PROBS,
    }

    @property
    def status(self) -> str:
        """``provisional``, ``calibrated`` or ``estimated`` (from the provenance)."""
        return self.provenance.get("status", "provisional")

    def period_of(self, year: int) -> int:
        """Index of the period that governs ``year``; years before the first period use the
        first, years after the last use the last (docs/engine.md)."""
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
        for name, want in {**self.ARRAYS, "risk_or": dims.RISK_OR}.items():
            arr = getattr(self, name)
            _check_dims(arr, want, f"{where}.{name}")
            expected = labels(want, self.periods)
            for d in arr.dims:
                got = [v.item() if hasattr(v, "item") else v for v in arr[d].values]
                if got != expected[d]:
                    raise ParameterError(
                        f"{where}.{name}.{d}", f"labels must be {expected[d]} in that order", got
                    )
        for name in self.ARRAYS:
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
                " rises only to the level of the activity left; no return to preschool or school)",
                cell,
            )
        enrolled = xr.DataArray(
            [a in states.ENROLLED for a in states.ACTIVITY],
            dims="activity",
            coords={"activity": list(states.ACTIVITY)},
        )
        lo, hi = states.JOB_AGES
        outside = ~enrolled | (self.job.age < lo) | (self.job.age > hi)
        if bool(((self.job > 0) & outside).any()):
            raise ParameterError(
                f"{where}.job",
                f"a job while enrolled needs an enrolled activity and an age in {lo}-{hi}",
                _first_true((self.job > 0) & outside),
            )
        young = self.crime.age < states.SUSPICION_AGES[0]
        if bool(((self.crime > 0) & young).any()):
            raise ParameterError(
                f"{where}.crime",
                f"suspicions start at {states.SUSPICION_AGES[0]}",
                _first_true((self.crime > 0) & young),
            )
        vals = self.risk_or.values
        if not (np.all(np.isfinite(vals)) and np.all(vals > 0)):
            raise ParameterError(
                f"{where}.risk_or",
                "odds ratios must be finite and > 0",
                _first_true(~((self.risk_or > 0) & np.isfinite(self.risk_or))),
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
        "member": list(states.MEMBER),
        "activity": list(states.ACTIVITY),
        "from": list(states.LIFECOURSE),
        "to": list(states.LIFECOURSE),
        "area_from": list(states.AREA),
        "area_to": list(states.AREA),
        "parent_rg": [0, 1],
        "parent_rg_from": [0, 1],
        "job_from": [0, 1],
        "poverty_from": [0, 1],
        "crime_ever_from": [0, 1],
        "risk": list(states.RISKS),
        "group": list(states.RISK_GROUPS),
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
