"""Labelled parameters -> the :class:`kernel.Tables` bundle of contiguous arrays.

This is the only place (with ``sim/kernel.py`` and ``tallies/``) that knows axis order and
integer codes; it takes them from :mod:`livschancer.dims` and :mod:`livschancer.states`.
"""

from __future__ import annotations

import numpy as np

from livschancer import dims, states
from livschancer.sim.kernel import Tables
from livschancer.transitions.params import ModelParameters, apply_odds_ratio

N_CELL = int(np.prod([len(states.labels(d)) for d in dims.CELL]))
N_STATE = states.N_STATE


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


def _f32(arr) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(arr), dtype=np.float32)


def pack_parameters(params: ModelParameters, period_of_year: np.ndarray, year0: int) -> Tables:
    """Transpose to the canonical dim order, flatten the covariate cell, accumulate rows."""
    lc = params.lifecourse.transpose(*dims.LIFECOURSE_PROBS).values
    n_period = lc.shape[0]
    lc = lc.reshape(n_period, states.N_AGE, N_CELL, N_STATE, N_STATE)
    groups = np.stack([states.transition_group(g) for g in states.RISK_GROUPS])
    fj_acts = [states.ACTIVITY.index(a) for a in states.FRITIDSJOB_ACTIVITIES]
    return Tables(
        lc_cum=cumulative(lc),
        move_cum=cumulative(params.move.transpose(*dims.MOVE_PROBS).values),
        parent_p=_f32(params.parent.transpose(*dims.PARENT_PROBS).values),
        job_p=_f32(params.job.transpose(*dims.JOB_PROBS).values),
        poverty_p=_f32(params.poverty.transpose(*dims.POVERTY_PROBS).values),
        psych_p=_f32(params.parent_psych.transpose(*dims.PSYCH_PROBS).values),
        crime_p=_f32(params.crime.transpose(*dims.CRIME_PROBS).values),
        risk_or=np.ascontiguousarray(
            params.risk_or.transpose(*dims.RISK_OR)
            .sel(risk=list(states.RISKS), group=list(states.RISK_GROUPS))
            .values,
            dtype=np.float64,
        ),
        group_mask=np.ascontiguousarray(groups),
        group_any=np.ascontiguousarray(groups.any(axis=2)),
        dropout=np.ascontiguousarray(states.transition_group("dropout")),
        activity_of=states.ACTIVITY_OF.copy(),
        enrolled=states.enrolled_mask(),
        fj_activity=np.isin(states.ACTIVITY_OF, fj_acts),
        period_of_year=np.ascontiguousarray(period_of_year, dtype=np.int64),
        year0=int(year0),
        birth_state=states.lifecourse_code(*states.BIRTH_STATE),
        supported=states.code("area", "supported"),
    )
