"""Pure-NumPy twins of the numba kernels (style.md 1.3): slow, obvious, vectorised over persons.

They share no code with ``sim/`` except the state registry, so a bug in a kernel shows up as a
difference from its twin.
"""

from __future__ import annotations

import numpy as np

from livschancer import states

M0 = np.uint64(0xD2511F53)
M1 = np.uint64(0xCD9E8D57)
W0 = np.uint64(0x9E3779B9)
W1 = np.uint64(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)


def philox4x32_10(ctr: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Philox4x32-10 on arrays: ctr (n, 4), key (n, 2) of uint32-valued uint64 -> (n, 4)."""
    c = [ctr[:, i].astype(np.uint64) for i in range(4)]
    k0 = key[:, 0].astype(np.uint64)
    k1 = key[:, 1].astype(np.uint64)
    for r in range(10):
        if r:
            k0 = (k0 + W0) & MASK
            k1 = (k1 + W1) & MASK
        p0 = M0 * c[0]
        p1 = M1 * c[2]
        c = [
            (p1 >> np.uint64(32)) ^ c[1] ^ k0,
            p1 & MASK,
            (p0 >> np.uint64(32)) ^ c[3] ^ k1,
            p0 & MASK,
        ]
    return np.stack(c, axis=1)


def block(seed: int, pid: np.ndarray, age: int, blk: int) -> np.ndarray:
    """The four words of a block for each person id, (n, 4) uint64."""
    pid = pid.astype(np.uint64)
    n = pid.shape[0]
    ctr = np.stack(
        [pid & MASK, pid >> np.uint64(32), np.full(n, age, np.uint64), np.full(n, blk, np.uint64)],
        axis=1,
    )
    s = np.uint64(seed)
    key = np.tile(np.array([s & MASK, s >> np.uint64(32)], dtype=np.uint64), (n, 1))
    return philox4x32_10(ctr, key)


def unit(words: np.ndarray) -> np.ndarray:
    return words.astype(np.float64) * 2.0**-32


def categorical(cum_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """First j with u < cum[j] (last index if none), row-wise."""
    hit = u[:, None] < cum_rows[:, :-1]
    return np.where(hit.any(axis=1), hit.argmax(axis=1), cum_rows.shape[1] - 1)


def modify_rows(cum: np.ndarray, target: np.ndarray, odds_ratio: float) -> np.ndarray:
    """Row-wise odds-ratio modification of cumulative float32 rows (see kernel.modify_row)."""
    p = np.diff(cum.astype(np.float64), prepend=0.0, axis=1)
    pt = (p * target).sum(axis=1)
    ok = (pt > 0) & (pt < 1)
    p1 = np.where(ok, odds_ratio * pt / (1 - pt + odds_ratio * pt), pt)
    ft = np.where(ok, p1 / np.where(ok, pt, 1), 1.0)
    fo = np.where(ok, (1 - p1) / np.where(ok, 1 - pt, 1), 1.0)
    q = p * np.where(target, ft[:, None], fo[:, None])
    out = np.cumsum(q, axis=1)
    last = p.shape[1] - 1 - np.argmax((p > 0)[:, ::-1], axis=1)
    out[np.arange(p.shape[1])[None, :] >= last[:, None]] = 1.0
    out = out.astype(np.float32)
    return np.where(ok[:, None], out, cum)


def simulate_reference(seed, people, kp, year0, period_of_year, plan_active):
    """Counts (n_year, 30, n_cell, S, S) and final (n, 6) for persons without activities."""
    n = people.person_id.shape[0]
    n_state = kp.lc_cum.shape[-1]
    n_year = period_of_year.shape[0]
    counts = np.zeros((n_year, 30, kp.lc_cum.shape[3], n_state, n_state), np.int64)
    sex = people.sex.astype(np.int64)
    men = people.menapt.astype(np.int64)
    area = people.area.astype(np.int64)
    prg = people.parent_rg.astype(np.int64)
    origin = prg.copy()
    state = np.full(n, kp.birth_state, np.int64)
    fj = np.zeros(n, np.int64)
    fj_years = np.zeros(n, np.int64)
    exposure = np.zeros(n, np.int64)
    run = np.zeros(n, np.int64)
    member = np.zeros(n, np.int64)
    sup = states.code("area", "supported")
    by = people.birth_year.astype(np.int64)
    cell = ((sex * 2 + men) * 3 + area) * 2 + origin
    np.add.at(counts, (by - year0, 0, cell, state, state), 1)
    exposure += (area == sup) & plan_active[by - year0]
    for age in range(1, 30):
        yi = by + age - year0
        per = period_of_year[yi]
        w = block(seed, people.person_id, age, 0)
        area = categorical(kp.move_cum[age, men, prg, area], unit(w[:, 0]))
        prg = (unit(w[:, 1]) < kp.parent_p[per, area, men, prg]).astype(np.int64)
        if age <= 15:
            origin = prg.copy()
        cell = ((sex * 2 + men) * 3 + area) * 2 + origin
        rows = kp.lc_cum[fj, per, age, cell, state]
        new = categorical(rows, unit(w[:, 2]))
        can = (13 <= age <= 20) & kp.fj_activity[new]
        pf = kp.fj_p[per, age, sex, men, area, fj]
        fj = np.where(can, unit(w[:, 3]) < pf, 0).astype(np.int64)
        fj_years += fj
        np.add.at(counts, (yi, age, cell, state, new), 1)
        state = new
        in_sup = area == sup
        exposure += in_sup & plan_active[yi]
        if 15 <= age <= 18:
            run = np.where(in_sup, run + 1, 0)
            member |= run >= 2
        else:
            run = np.where(in_sup, run, 0)
    final = np.stack([state, area, origin, fj_years, exposure, member], axis=1)
    return counts, final
