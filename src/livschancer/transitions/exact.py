"""Exact state distributions of a cohort: the life-course tables as a Markov chain.

A quick analytic check of a parameter set (and a building block for calibration): for a fixed
covariate cell and a schedule of periods, the life-course state of a cohort is a Markov chain
over the valid (activity, attain) states, so its distribution at every age follows exactly
from the tables, with no sampling noise:

    dist[a] = dist[a - 1] @ P[period(a), a, cell(a)]    (age a reached in the year of the move)

The cell may change with age (for example ``member`` switching on at 16), and distributions of
several cells can be mixed with given weights (a mixture of independent sub-cohorts; the
people do not move between the cells). Moves, parents and the risk flags are not simulated:
the cell is given, and :func:`with_risks` can average the tables over assumed shares of flag
holders (a mean-field approximation) when the flags' odds ratios matter.

Everything returns labelled :class:`xarray.DataArray` objects with dims ``("age", "state")``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.errors import ConfigError
from livschancer.transitions.params import ModelParameters, apply_odds_ratio

#: A cell label for every age, or one label for all ages.
CellValue = str | Sequence[str]


def chain(matrices: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Propagate ``start`` (n,) through ``matrices`` (T, n, n): row t of the result is the
    distribution after the first t steps (row 0 is ``start``), shape (T + 1, n)."""
    out = np.empty((matrices.shape[0] + 1, start.shape[0]))
    out[0] = start
    for t in range(matrices.shape[0]):
        out[t + 1] = out[t] @ matrices[t]
    return out


def _per_age(value: object, name: str, n: int = states.N_AGE) -> list:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value] * n
    if len(value) != n:
        raise ConfigError(name, f"a schedule must give one label for each of the {n} ages", value)
    return list(value)


def period_schedule(params: ModelParameters, birth_year: int) -> list[str]:
    """The period governing each age 0-29 of the cohort born in ``birth_year``."""
    return [params.periods[params.period_of(birth_year + a)].name for a in states.AGES]


class Tables:
    """The life-course tables as one NumPy array in the canonical dim order, with the label
    positions of each dim: built once and reused by :func:`propagate` (``.sel`` per age is slow).
    """

    def __init__(self, lifecourse: xr.DataArray | ModelParameters) -> None:
        if isinstance(lifecourse, ModelParameters):
            self.params: ModelParameters | None = lifecourse
            lc = lifecourse.lifecourse
        else:
            self.params, lc = None, lifecourse
        lc = lc.transpose(*dims.LIFECOURSE_PROBS)
        self.values = np.asarray(lc.values)
        self.index = {
            d: {(v.item() if hasattr(v, "item") else v): i for i, v in enumerate(lc[d].values)}
            for d in ("period", "age", *dims.CELL)
        }

    def matrix(self, age: int, labels: Mapping[str, str]) -> np.ndarray:
        """The (from, to) matrix at ``age`` for the period and cell ``labels``."""
        try:
            pos = [self.index[d][labels[d]] for d in ("period",)]
            pos.append(self.index["age"][age])
            pos += [self.index[d][labels[d]] for d in dims.CELL]
        except KeyError as err:
            raise ConfigError("cell", f"unknown label at age {age}: {err}", dict(labels)) from None
        return self.values[tuple(pos)]


def _tables(lifecourse: xr.DataArray | ModelParameters | Tables) -> Tables:
    return lifecourse if isinstance(lifecourse, Tables) else Tables(lifecourse)


def propagate(
    lifecourse: xr.DataArray | ModelParameters | Tables,
    cell: Mapping[str, CellValue],
    period: CellValue | None = None,
    *,
    birth_year: int | None = None,
    start: Mapping[str, float] | None = None,
    start_age: int = 0,
) -> xr.DataArray:
    """Exact state shares by age of a cohort in one covariate cell.

    Parameters
    ----------
    lifecourse
        A parameter set, its ``lifecourse`` array (dims ``dims.LIFECOURSE_PROBS``), or
        :class:`Tables` built from either (faster when called many times).
    cell
        A label for each dim of ``dims.CELL`` (sex, menapt, area, member, origin), either one
        label or a sequence of 30 labels (one per age).
    period
        A period name, or a sequence of 30 names (one per age). Instead, ``birth_year`` picks
        each age's period from the parameter set's calendar (needs a ModelParameters).
    start, start_age
        The distribution at ``start_age`` (state label -> share, normalised); by default
        everyone is in the birth state at age 0.

    Returns
    -------
    DataArray (age, state)
        Shares of each life-course state at each age; ages below ``start_age`` are 0.
    """
    tables = _tables(lifecourse)
    if birth_year is not None:
        if tables.params is None or period is not None:
            raise ConfigError(
                "birth_year", "needs a ModelParameters and no explicit period", birth_year
            )
        period = period_schedule(tables.params, birth_year)
    if period is None:
        raise ConfigError("period", "give a period (or a schedule), or a birth_year", None)
    if any(d not in cell for d in dims.CELL):
        raise ConfigError("cell", f"a label is needed for each of {list(dims.CELL)}", dict(cell))
    if not 0 <= start_age <= states.AGE_MAX:
        raise ConfigError("start_age", f"must lie in 0-{states.AGE_MAX}", start_age)
    sched = {d: _per_age(cell[d], f"cell.{d}") for d in dims.CELL}
    sched["period"] = _per_age(period, "period")
    mats = np.stack([tables.matrix(a, {d: sched[d][a] for d in sched}) for a in states.AGES])
    v0 = np.zeros(states.N_STATE)
    if start is None:
        v0[states.lifecourse_code(*states.BIRTH_STATE)] = 1.0
    else:
        for label, share in start.items():
            v0[states.parse_state(label)] = share
        if not v0.sum() > 0:
            raise ConfigError("start", "shares must sum to a positive number", dict(start))
        v0 /= v0.sum()
    out = np.zeros((states.N_AGE, states.N_STATE))
    out[start_age:] = chain(mats[start_age + 1 :], v0)
    return xr.DataArray(
        out,
        dims=("age", "state"),
        coords={"age": list(states.AGES), "state": list(states.LIFECOURSE)},
    )


def propagate_mix(
    lifecourse: xr.DataArray | ModelParameters | Tables,
    cells: Sequence[Mapping[str, CellValue]],
    weights: Sequence[float],
    period: CellValue | None = None,
    **kwargs: object,
) -> xr.DataArray:
    """Weighted mixture of :func:`propagate` over ``cells`` (weights are normalised)."""
    w = np.asarray(weights, dtype=float)
    if len(cells) != w.shape[0] or not np.all(w >= 0) or not w.sum() > 0:
        raise ConfigError("weights", "one weight >= 0 per cell, not all 0", list(weights))
    w = w / w.sum()
    tables = _tables(lifecourse)
    parts = [propagate(tables, c, period, **kwargs) for c in cells]  # type: ignore[arg-type]
    return sum(wi * p for wi, p in zip(w, parts, strict=True))  # type: ignore[return-value]


def cross_section(
    params: ModelParameters | Tables,
    cells: Sequence[Mapping[str, CellValue]],
    weights: Sequence[float],
    year: int,
) -> xr.DataArray:
    """State shares by age in calendar ``year``: age a is taken from the cohort born in
    ``year - a``, propagated through that cohort's periods (a mixture over ``cells``)."""
    tables = _tables(params)
    rows = [
        propagate_mix(tables, cells, weights, birth_year=year - a).sel(age=a) for a in states.AGES
    ]
    return xr.concat(rows, dim="age").transpose("age", "state")


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def by_activity(dist: xr.DataArray) -> xr.DataArray:
    """Shares by activity (dims age, activity)."""
    act = [a for a, _ in states.LIFECOURSE_PAIRS]
    return (
        dist.assign_coords(activity=("state", act))
        .groupby("activity")
        .sum()
        .reindex(activity=list(states.ACTIVITY), fill_value=0.0)
    )


def by_attain(dist: xr.DataArray) -> xr.DataArray:
    """Shares by highest completed education (dims age, attain)."""
    att = [e for _, e in states.LIFECOURSE_PAIRS]
    return (
        dist.assign_coords(attain=("state", att))
        .groupby("attain")
        .sum()
        .reindex(attain=list(states.ATTAIN), fill_value=0.0)
    )


def band(share: xr.DataArray, lo: int, hi: int) -> xr.DataArray:
    """Mean over ages ``lo..hi`` (an age band of equal-sized cohorts)."""
    return share.sel(age=slice(lo, hi)).mean("age")


def neet_share(dist: xr.DataArray) -> xr.DataArray:
    """NEET share by age."""
    return dist.sel(state=[s for s in states.LIFECOURSE if states.is_neet(s)]).sum("state")


def enrolled_share(dist: xr.DataArray) -> xr.DataArray:
    """In-education share by age (model.md section 3)."""
    mask = states.enrolled_mask()
    return dist.isel(state=np.flatnonzero(mask)).sum("state")


# --------------------------------------------------------------------------------------------
# Risk flags, mean-field
# --------------------------------------------------------------------------------------------


def group_odds(table: np.ndarray, group: np.ndarray, odds_ratio: float) -> np.ndarray:
    """Rows of ``table`` (..., from, to) with the odds of the transitions in ``group`` (a
    boolean (from, to) matrix) multiplied by ``odds_ratio``; the other outcomes of each row are
    rescaled so the row still sums to 1 (the kernels' rule, docs/engine.md)."""
    p = np.where(group, table, 0.0).sum(axis=-1, keepdims=True)
    ok = (p > 0) & (p < 1)
    safe = np.where(ok, p, 0.5)
    p1 = apply_odds_ratio(safe, odds_ratio)
    scaled = table * np.where(group, p1 / safe, (1 - p1) / (1 - safe))
    return np.where(ok, scaled, table)


def with_risks(params: ModelParameters, prevalence: Mapping[str, float]) -> xr.DataArray:
    """The life-course tables averaged over flag holders: for each risk r (``states.RISKS``)
    with share ``prevalence[r]`` among last year's population, independently of the others,
    ``P <- (1 - share) P + share P_r`` where ``P_r`` applies ``params.risk_or`` of r to its
    transition groups. A mean-field approximation for quick checks, not the simulation."""
    lc = params.lifecourse.transpose(*dims.LIFECOURSE_PROBS)
    table = lc.values.copy()
    for risk, share in prevalence.items():
        if risk not in states.RISKS:
            raise ConfigError("prevalence", f"risks are {list(states.RISKS)}", risk)
        if not 0.0 <= share <= 1.0:
            raise ConfigError(f"prevalence.{risk}", "must lie in [0, 1]", share)
        held = table
        for g in states.RISK_GROUPS:
            orv = float(params.risk_or.sel(risk=risk, group=g))
            if orv != 1.0:
                held = group_odds(held, states.transition_group(g), orv)
        table = (1.0 - share) * table + share * held
    return lc.copy(data=table)
