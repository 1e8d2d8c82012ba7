"""Labelled parameters -> the :class:`kernel.Tables` bundle of contiguous arrays.

This is the only place (with ``sim/kernel.py`` and ``tallies/``) that knows axis order and
integer codes; it takes them from :mod:`livschancer.dims` and :mod:`livschancer.states`.
"""

from __future__ import annotations

import numpy as np

from livschancer import dims, states
from livschancer.sim.kernel import Tables, compact_mask
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


def reachable(lc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(reach, n_reach)`` of :class:`~livschancer.sim.kernel.Tables`: for each state, the
    states its rows give positive probability anywhere in ``lc`` (..., S, S), in increasing
    order and padded with -1, and how many there are."""
    positive = (np.asarray(lc) > 0).reshape(-1, *lc.shape[-2:]).any(axis=0)
    n_state = positive.shape[0]
    reach = np.full((n_state, n_state), -1, dtype=np.int64)
    n_reach = positive.sum(axis=1).astype(np.int64)
    for s in range(n_state):
        idx = np.flatnonzero(positive[s])
        reach[s, : idx.size] = idx
    return reach, n_reach


def compact_rows(cum: np.ndarray, reach: np.ndarray, n_reach: np.ndarray) -> np.ndarray:
    """``Tables.lc_reach``: the cumulative rows ``cum`` (..., S, S) at the outcomes ``reach[s,
    :n_reach[s]]`` of each state ``s``, padded with 1.0 to the largest ``n_reach``."""
    width = max(int(n_reach.max()), 1)
    out = np.ones((*cum.shape[:-1], width), dtype=np.float32)
    for s in range(cum.shape[-2]):
        k = int(n_reach[s])
        out[..., s, :k] = cum[..., s, reach[s, :k]]
    return np.ascontiguousarray(out)


def row_groups(lc_reach: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``Tables.row_groups``: for each life-course row of ``lc_reach`` (flat, in its row order),
    bit ``g`` set when the row gives positive probability to an outcome of risk group ``g``
    (``mask``: (G, S, R), compact like the rows, :func:`~livschancer.sim.kernel.compact_mask`).

    Read from the float32 cumulative values the kernel loads (their float64 differences are its
    probabilities), so a bit is set exactly when the kernel's target sum would be positive. A
    flagged person's row without mass on any of its flags' groups is drawn as it is: scaling a
    zero target sum changes nothing (:func:`~livschancer.sim.kernel.scale_odds`), so the result
    is the same bits, without loading the row as float64."""
    if mask.shape[0] > 8:
        raise ValueError(f"row_groups holds at most 8 groups in a uint8; got {mask.shape[0]}")
    positive = np.diff(lc_reach.astype(np.float64), prepend=0.0, axis=-1) > 0.0
    bits = np.zeros(lc_reach.shape[:-1], dtype=np.uint8)
    for g in range(mask.shape[0]):
        has = (positive & mask[g]).any(axis=-1)
        bits |= has.astype(np.uint8) << np.uint8(g)
    return np.ascontiguousarray(bits.reshape(-1))


def flag_odds_ratios(risk_or: np.ndarray) -> np.ndarray:
    """Row ``f`` = the product of the rows of ``risk_or`` (n_risk, n_group) whose bit is set
    in ``f``, multiplied in risk order starting from 1.0 (the kernel looks rows up by last
    year's flags; the twin multiplies in the same order, so the floats are the same)."""
    n_risk, n_group = risk_or.shape
    out = np.ones((2**n_risk, n_group))
    for f in range(2**n_risk):
        for r in range(n_risk):
            if f >> r & 1:
                out[f] = out[f] * risk_or[r]
    return out


def _f32(arr) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(arr), dtype=np.float32)


def pack_parameters(params: ModelParameters, period_of_year: np.ndarray, year0: int) -> Tables:
    """Transpose to the canonical dim order, flatten the covariate cell, accumulate rows."""
    lc = params.lifecourse.transpose(*dims.LIFECOURSE_PROBS).values
    n_period = lc.shape[0]
    lc = lc.reshape(n_period, states.N_AGE, N_CELL, N_STATE, N_STATE)
    groups = np.stack([states.transition_group(g) for g in states.RISK_GROUPS])  # (G, S, S)
    fj_acts = [states.ACTIVITY.index(a) for a in states.FRITIDSJOB_ACTIVITIES]
    reach, n_reach = reachable(lc)
    risk_or = np.ascontiguousarray(
        params.risk_or.transpose(*dims.RISK_OR)
        .sel(risk=list(states.RISKS), group=list(states.RISK_GROUPS))
        .values,
        dtype=np.float64,
    )
    lc_reach = compact_rows(cumulative(lc), reach, n_reach)
    group_mask = compact_mask(groups, reach, n_reach)
    return Tables(
        lc_reach=lc_reach,
        move_cum=cumulative(params.move.transpose(*dims.MOVE_PROBS).values),
        parent_p=_f32(params.parent.transpose(*dims.PARENT_PROBS).values),
        job_p=_f32(params.job.transpose(*dims.JOB_PROBS).values),
        poverty_p=_f32(params.poverty.transpose(*dims.POVERTY_PROBS).values),
        psych_p=_f32(params.parent_psych.transpose(*dims.PSYCH_PROBS).values),
        crime_p=_f32(params.crime.transpose(*dims.CRIME_PROBS).values),
        risk_or=risk_or,
        flag_or=flag_odds_ratios(risk_or),
        group_mask=group_mask,
        row_groups=row_groups(lc_reach, group_mask),
        reach=reach,
        n_reach=n_reach,
        dropout=np.ascontiguousarray(states.transition_group("dropout")),
        activity_of=states.ACTIVITY_OF.copy(),
        enrolled=states.enrolled_mask(),
        fj_activity=np.isin(states.ACTIVITY_OF, fj_acts),
        period_of_year=np.ascontiguousarray(period_of_year, dtype=np.int64),
        year0=int(year0),
        birth_state=states.lifecourse_code(*states.BIRTH_STATE),
        supported=states.code("area", "supported"),
    )
