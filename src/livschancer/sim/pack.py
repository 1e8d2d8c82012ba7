"""Labelled parameters and activities -> the contiguous arrays the kernels take.

This is the only place (with ``sim/kernel.py``) that knows axis order and integer codes; it takes
them from :mod:`livschancer.dims` and :mod:`livschancer.states`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.errors import ConfigError
from livschancer.sim import kernel
from livschancer.transitions.params import ModelParameters, apply_odds_ratio, labels

N_CELL = len(states.SEX) * len(states.MENAPT) * len(states.AREA) * len(states.ORIGIN)
N_STATE = len(states.LIFECOURSE)

_PROCESSES = {
    "lifecourse": kernel.PROCESS_LIFECOURSE,
    "fritidsjob": kernel.PROCESS_FRITIDSJOB,
    "parent_rg": kernel.PROCESS_PARENT_RG,
}


def cumulative(p: np.ndarray) -> np.ndarray:
    """Cumulative float32 rows over the last axis, exactly 1.0 from each row's last positive
    entry on, so that :func:`kernel.draw_categorical` never picks a zero-probability outcome
    and always picks something for u just below 1 (float32 rounding would otherwise leave the
    last cumulative value a hair under 1). Rows with no positive entry stay all zero."""
    p = np.asarray(p, dtype=np.float64)
    cum = np.cumsum(p, axis=-1)
    n = p.shape[-1]
    pos = p > 0
    last = n - 1 - np.argmax(pos[..., ::-1], axis=-1)
    tail = (np.arange(n) >= last[..., None]) & pos.any(axis=-1, keepdims=True)
    cum[tail] = 1.0
    return np.ascontiguousarray(cum.astype(np.float32))


def odds_modified(p: np.ndarray, target: np.ndarray, odds_ratio: float) -> np.ndarray:
    """Rows of ``p`` (last axis) with the odds of reaching ``target`` multiplied by
    ``odds_ratio``: ``p1 = OR p / (1 - p + OR p)`` on the target's total probability, the
    other outcomes scaled by ``(1 - p1) / (1 - p)`` (domain.md 5.5). ``target`` broadcasts
    against ``p``. Rows with no mass on the target or on its complement are left alone."""
    p = np.asarray(p, dtype=np.float64)
    pt = (p * target).sum(axis=-1, keepdims=True)
    ok = (pt > 0) & (pt < 1)
    safe = np.where(ok, pt, 0.5)
    p1 = apply_odds_ratio(safe, odds_ratio)
    scaled = p * np.where(target, p1 / safe, (1 - p1) / (1 - safe))
    return np.where(ok, scaled, p)


@dataclass(frozen=True)
class KernelParams:
    """The parameter arrays of :func:`kernel.simulate_chunk` (see its docstring).

    ``lc_cum[0]`` holds the life-course rows, ``lc_cum[1]`` the same rows for persons who held
    a fritidsjob last year, with the odds of entering youth education multiplied by
    ``fritidsjob_youth_edu_or``.
    """

    lc_cum: np.ndarray
    move_cum: np.ndarray
    parent_p: np.ndarray
    fj_p: np.ndarray
    youth_entry: np.ndarray
    fj_activity: np.ndarray
    birth_state: int
    supported: int


def pack_parameters(params: ModelParameters) -> KernelParams:
    """Transpose to the canonical dim order, flatten the covariate cell, accumulate rows."""
    lc = params.lifecourse.transpose(*dims.LIFECOURSE_PROBS).values
    n_period = lc.shape[0]
    lc = lc.reshape(n_period, len(states.AGES), N_CELL, N_STATE, N_STATE)
    activity = states.ACTIVITY_OF
    youth = states.ACTIVITY.index("youth_edu")
    youth_entry = (activity[None, :] == youth) & (activity[:, None] != youth)
    fj_acts = [states.ACTIVITY.index(a) for a in states.FRITIDSJOB_ACTIVITIES]
    with_job = odds_modified(lc, youth_entry, float(params.fritidsjob_youth_edu_or))
    return KernelParams(
        lc_cum=cumulative(np.stack([lc, with_job])),
        move_cum=cumulative(params.move.transpose(*dims.MOVE_PROBS).values),
        parent_p=np.ascontiguousarray(
            params.parent.transpose(*dims.PARENT_PROBS).values, dtype=np.float32
        ),
        fj_p=np.ascontiguousarray(
            params.fritidsjob.transpose(*dims.FRITIDSJOB_PROBS).values, dtype=np.float32
        ),
        youth_entry=np.ascontiguousarray(youth_entry),
        fj_activity=np.isin(activity, fj_acts),
        birth_state=states.lifecourse_code(*states.BIRTH_STATE),
        supported=states.code("area", "supported"),
    )


@dataclass(frozen=True)
class Activity:
    """An activity as the engine sees it: plain data, no code (model.md section 6).

    Eligibility is by age, calendar year and covariate cell (sex, menapt, area, origin, with
    ``None`` meaning all); each eligible year a person takes part with probability
    ``coverage`` (stream ``takeup`` + index); the odds of the targeted outcome are multiplied by
    ``odds_ratio`` in the year of participation and ``persistence`` years after it.

    ``process`` is ``"lifecourse"`` (then ``from_states`` and ``to_states`` name life-course
    states; ``from_states=None`` means all), ``"fritidsjob"`` (outcome: holding a fritidsjob)
    or ``"parent_rg"`` (outcome: parent in the restgruppe; an odds ratio below 1 helps).
    """

    name: str
    process: str
    odds_ratio: float
    coverage: float
    ages: tuple[int, int] = (states.AGE_MIN, states.AGE_MAX)
    years: tuple[int, int] = (0, 9999)
    sex: tuple[str, ...] | None = None
    menapt: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    origins: tuple[str, ...] | None = None
    from_states: tuple[str, ...] | None = None
    to_states: tuple[str, ...] = ()
    persistence: int = 0


@dataclass(frozen=True)
class KernelActivities:
    process: np.ndarray
    age: np.ndarray
    year: np.ndarray
    cell: np.ndarray
    coverage: np.ndarray
    from_mask: np.ndarray
    to_mask: np.ndarray
    odds_ratio: np.ndarray
    persist: np.ndarray


def _mask(kind: str, chosen: tuple[str, ...] | None, where: str) -> np.ndarray:
    names = states.labels(kind)
    if chosen is None:
        return np.ones(len(names), dtype=bool)
    out = np.zeros(len(names), dtype=bool)
    for name in chosen:
        if name not in names:
            raise ConfigError(where, f"must name {kind} values from {list(names)}", name)
        out[names.index(name)] = True
    return out


def pack_activities(activities: list[Activity] | tuple[Activity, ...]) -> KernelActivities:
    """Check the activities and turn them into kernel arrays (K = len(activities))."""
    k = len(activities)
    out = KernelActivities(
        process=np.zeros(k, np.int8),
        age=np.zeros((k, 2), np.int16),
        year=np.zeros((k, 2), np.int32),
        cell=np.zeros((k, N_CELL), bool),
        coverage=np.zeros(k, np.float64),
        from_mask=np.zeros((k, N_STATE), bool),
        to_mask=np.zeros((k, N_STATE), bool),
        odds_ratio=np.ones(k, np.float64),
        persist=np.zeros(k, np.int16),
    )
    for i, a in enumerate(activities):
        where = f"activities[{a.name}]"
        if a.process not in _PROCESSES:
            raise ConfigError(f"{where}.process", f"must be one of {list(_PROCESSES)}", a.process)
        lo, hi = a.ages
        if not (states.AGE_MIN <= lo <= hi <= states.AGE_MAX):
            raise ConfigError(f"{where}.ages", "must satisfy 0 <= from <= to <= 29", a.ages)
        if not 0.0 <= a.coverage <= 1.0:
            raise ConfigError(f"{where}.coverage", "must lie in [0, 1]", a.coverage)
        if not (np.isfinite(a.odds_ratio) and a.odds_ratio > 0):
            raise ConfigError(f"{where}.odds_ratio", "must be a positive number", a.odds_ratio)
        if a.persistence < 0:
            raise ConfigError(f"{where}.persistence", "must be >= 0 years", a.persistence)
        cell = (
            _mask("sex", a.sex, f"{where}.sex")[:, None, None, None]
            & _mask("menapt", a.menapt, f"{where}.menapt")[None, :, None, None]
            & _mask("area", a.areas, f"{where}.areas")[None, None, :, None]
            & _mask("origin", a.origins, f"{where}.origins")[None, None, None, :]
        )
        out.process[i] = _PROCESSES[a.process]
        out.age[i] = a.ages
        out.year[i] = a.years
        out.cell[i] = cell.reshape(-1)
        out.coverage[i] = a.coverage
        out.odds_ratio[i] = a.odds_ratio
        out.persist[i] = a.persistence
        if a.process == "lifecourse":
            if not a.to_states:
                raise ConfigError(f"{where}.to_states", "a lifecourse activity needs targets", ())
            out.from_mask[i] = _mask("lifecourse", a.from_states, f"{where}.from_states")
            out.to_mask[i] = _mask("lifecourse", a.to_states, f"{where}.to_states")
    return out


def label_counts(counts: np.ndarray, year0: int) -> xr.DataArray:
    """(n_year, 30, n_cell, n_state, n_state) int32 -> DataArray with ``dims.COUNTS``."""
    n_year = counts.shape[0]
    shape = (
        n_year,
        len(states.AGES),
        len(states.SEX),
        len(states.MENAPT),
        len(states.AREA),
        len(states.ORIGIN),
        N_STATE,
        N_STATE,
    )
    return xr.DataArray(
        counts.reshape(shape),
        dims=dims.COUNTS,
        coords={
            "year": np.arange(year0, year0 + n_year),
            **labels(dims.COUNTS[1:]),
        },
        name="counts",
        attrs={
            "long_name": "transition counts",
            "units": "persons",
            "description": (
                "persons in state 'from' at age-1 (year-1) and in state 'to' at age (year), "
                "with their sex, menapt, area and origin in that year; at age 0 from == to"
            ),
        },
    )
