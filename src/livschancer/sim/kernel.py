"""The yearly step and the life-course loop: numba kernels on plain arrays.

Nothing here touches a config, xarray, pandas, a module-level mutable global or the disk
(style.md 1.3). ``sim/pack.py`` turns labelled parameters into the arrays below, and
``sim/run.py`` validates, calls and labels. Every kernel has a pure-NumPy twin in
``tests/sim/reference.py``.

The yearly step (model.md section 4), for a person reaching age ``a`` in year ``y``; each step
draws from its own named stream (``sim/rng.py``), all four from one Philox block. Step 5 is
evaluated right after the move, so that an activity reaches the people who live in its area
this year, and before the draws of steps 2-4 it modifies; code blocks carry these numbers:

1. ``move``: the family's area changes by ``move_cum[a, menapt, parent_rg, area]``.
2. ``parent_rg``: parents' restgruppe status by ``parent_p[period, area, menapt, parent_rg]``;
   the origin used as a covariate is the current ``parent_rg`` until age 15 and is frozen at 15
   (domain.md 2.2).
3. ``lifecourse``: the next (activity, attain) state from the row
   ``lc_cum[fritidsjob, period, a, cell, state]``, cell = (sex, menapt, area, origin).
4. ``fritidsjob``: at ages 13-20 while in school or youth education, from
   ``fj_p[period, a, sex, menapt, area, fritidsjob]``; otherwise 0.
5. Modifiers, applied to the probabilities of steps 2-4 before their draws: activities reaching
   the person this year or still in effect (odds ratios on named transitions, model.md
   section 6). The fritidsjob -> youth education link for last year's job holders is the same
   kind of odds ratio, but it applies to everyone alike, so ``sim/pack.py`` applies it once
   and the kernel reads those persons' rows from a second table.

Odds ratios act on the probability p of the targeted outcome (a set of ``to`` states) as
``p1 = OR p / (1 - p + OR p)`` (domain.md 5.5); the other outcomes of the row are scaled by
``(1 - p1) / (1 - p)`` so that the row still sums to 1 and zero stays zero.

Counting convention (``dims.COUNTS``): at age a the person adds one to
``counts[worker, y - year0, a, cell, state_{a-1}, state_a]`` with the cell of year y; at age 0
``from == to`` is the birth state. Counts are integers, so the sum over workers does not depend
on how persons are split between threads or chunks.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from livschancer.sim.rng import block_words, to_unit

#: Codes of the processes an activity can modify (``act_process``).
PROCESS_LIFECOURSE = 0
PROCESS_FRITIDSJOB = 1
PROCESS_PARENT_RG = 2

#: Columns of the per-person output array ``final`` (int16).
FINAL_STATE = 0
FINAL_AREA = 1
FINAL_ORIGIN = 2
FINAL_FRITIDSJOB_YEARS = 3
FINAL_EXPOSURE = 4
FINAL_MEMBER = 5
N_FINAL = 6

#: Age at which the origin (parent_rg) is frozen (domain.md 2.2: the 15-29 target group).
ORIGIN_AGE = 15
#: Ages of the supported-area membership window for the 15-29 target group and the number of
#: consecutive years required (domain.md 2.3: at least 2 consecutive years within ages 15-18).
MEMBER_AGE_LO = 15
MEMBER_AGE_HI = 18
MEMBER_YEARS = 2
FJ_AGE_LO = 13
FJ_AGE_HI = 20


@njit(cache=True, inline="always")
def draw_categorical(cum, u):
    """Index of the outcome chosen by uniform ``u`` from a cumulative row.

    ``cum`` is a float32 (or float64) cumulative distribution whose entries from the last
    positive-probability outcome onwards are exactly 1.0 (``sim/pack.py`` makes them so). The
    first ``j`` with ``u < cum[j]`` is returned, so an outcome with probability 0 (``cum[j] ==
    cum[j-1]``) is never chosen, for any ``u`` in [0, 1), including exactly 0 and just below 1.
    """
    n = cum.shape[0]
    for j in range(n - 1):
        if u < cum[j]:
            return j
    return n - 1


@njit(cache=True, inline="always")
def draw_categorical_branchless(cum, u):
    """Same result as :func:`draw_categorical` for a monotone cumulative row, computed as the
    number of entries ``<= u`` among all but the last: no data-dependent branch and a loop LLVM
    can vectorise. Faster on short rows held in L1 (the LC6 benchmark, the roofline); slower
    than the early-exit search in the full model, where rows come from large tables (measured,
    BENCHMARKS.md)."""
    k = 0
    for j in range(cum.shape[0] - 1):
        k += cum[j] <= u
    return k


@njit(cache=True, inline="always")
def odds_scale(p, odds_ratio):
    """Probability after multiplying the odds of ``p`` by ``odds_ratio`` (domain.md 5.5)."""
    return odds_ratio * p / (1.0 - p + odds_ratio * p)


@njit(cache=True, inline="always")
def draw_row(table, r, u):
    """:func:`draw_categorical` on row ``r`` of a 2-D table of cumulative rows.

    Why a row index and not ``table[r]``: inside a kernel every array view is a reference-
    counted object, and views of the shared parameter tables taken in the person loop mean
    reference-count traffic on the same counters from every thread. On this 2-core machine the
    difference was within timing noise (BENCHMARKS.md); it is a precaution for machines with
    more threads, not measured here.
    """
    n = table.shape[1]
    for j in range(n - 1):
        if u < table[r, j]:
            return j
    return n - 1


@njit(cache=True)
def modify_row(src, r, target, t, odds_ratio, out, o):
    """Write into row ``o`` of ``out`` the cumulative row ``r`` of ``src`` with the odds of
    reaching any state in row ``t`` of the bool mask ``target`` multiplied by ``odds_ratio``.

    Returns False (and leaves ``out`` untouched) when the row has no mass on the target or on
    its complement. ``src`` and ``out`` may be the same array if ``r != o``.
    """
    n = src.shape[1]
    p_t = 0.0
    prev = 0.0
    for j in range(n):
        c = np.float64(src[r, j])
        if target[t, j]:
            p_t += c - prev
        prev = c
    if p_t <= 0.0 or p_t >= 1.0:
        return False
    p1 = odds_scale(p_t, odds_ratio)
    f_t = p1 / p_t
    f_o = (1.0 - p1) / (1.0 - p_t)
    prev = 0.0
    acc = 0.0
    last = -1
    for j in range(n):
        c = np.float64(src[r, j])
        pj = c - prev
        prev = c
        if pj > 0.0:
            last = j
        acc += pj * (f_t if target[t, j] else f_o)
        out[o, j] = acc
    for j in range(last, n):
        out[o, j] = 1.0
    return True


@njit(cache=True, inline="always")
def bernoulli_or(p, odds_ratio):
    """Bernoulli probability ``p`` with its odds multiplied by ``odds_ratio``."""
    if odds_ratio == 1.0 or p <= 0.0 or p >= 1.0:
        return p
    return odds_scale(p, odds_ratio)


@njit(cache=True)
def simulate_persons(
    seed,
    person_id,
    birth_year,
    sex,
    menapt,
    area0,
    parent_rg0,
    year0,
    period_of_year,
    plan_active,
    lc_cum,
    move_cum,
    parent_p,
    fj_p,
    fj_activity,
    act_process,
    act_age,
    act_year,
    act_cell,
    act_coverage,
    act_from,
    act_to,
    act_or,
    act_persist,
    takeup_base,
    birth_state,
    supported,
    lo,
    hi,
    counts,
    scratch,
    last_taken,
    final,
):
    """Simulate persons ``lo..hi-1`` from age 0 to 29, adding to ``counts`` (one worker's slice).

    Parameters (dtype, shape)
    -------------------------
    seed : uint64 scalar
    person_id : uint64 (n,); birth_year : int32 (n,); sex, menapt, area0, parent_rg0 : int8 (n,)
    year0 : int, calendar year of index 0 of ``period_of_year``, ``plan_active`` and ``counts``
    period_of_year : int64 (n_year,); plan_active : bool (n_year,)
    lc_cum : float32 (2, n_period, 30, n_cell, n_state, n_state), cumulative over the last axis;
        index 0 of the first axis for persons without a fritidsjob last year, 1 for holders
    move_cum : float32 (30, 2, 2, n_area, n_area); parent_p : float32 (n_period, n_area, 2, 2)
    fj_p : float32 (n_period, 30, 2, 2, n_area, 2)
    fj_activity : bool (n_state,), True for the activities that allow a fritidsjob
    act_* : the K activities (K may be 0); act_process int8 (K,), act_age int16 (K, 2),
        act_year int32 (K, 2), act_cell bool (K, n_cell), act_coverage float64 (K,),
        act_from / act_to bool (K, n_state), act_or float64 (K,), act_persist int16 (K,)
    takeup_base : int, stream number of activity 0's take-up decision
    birth_state : int, life-course code everyone is born in; supported : int, area code of the
        supported areas (both from ``states.py``)
    counts : int32 (n_year, 30, n_cell, n_state, n_state), this worker's slice, added to
    scratch : float32 (2, n_state), work space for modified rows (float32 like lc_cum)
    last_taken : int16 (K,), work space: age of last participation per activity
    final : int16 (n, N_FINAL) per-person final states, or shape (0, N_FINAL) to skip
    """
    n_area = move_cum.shape[3]
    n_men = move_cum.shape[1]
    n_prg = move_cum.shape[2]
    n_period = lc_cum.shape[1]
    n_age = lc_cum.shape[2]
    n_cell = lc_cum.shape[3]
    n_state = lc_cum.shape[4]
    # the cell flattens (sex, menapt, area, origin) in C order (sim/pack.py, dims.CELL)
    n_org = n_cell // (fj_p.shape[2] * n_men * n_area)
    # 2-D views made once: rows are then addressed by index (see draw_row)
    lc2 = lc_cum.reshape(-1, n_state)
    mv2 = move_cum.reshape(-1, n_area)
    n_act = act_process.shape[0]
    want_final = final.shape[0] > 0
    for i in range(lo, hi):
        pid = person_id[i]
        by = birth_year[i]
        s_sex = sex[i]
        s_men = menapt[i]
        area = area0[i]
        prg = parent_rg0[i]
        origin = prg
        state = birth_state
        fj = 0
        fj_years = 0
        exposure = 0
        run = 0
        member = 0
        for k in range(n_act):
            last_taken[k] = -1000
        # age 0: the birth record, from == to
        yi = by - year0
        cell = ((s_sex * n_men + s_men) * n_area + area) * n_org + origin
        counts[yi, 0, cell, state, state] += 1
        if area == supported and plan_active[yi]:
            exposure += 1
        for age in range(1, 30):
            yi = by + age - year0
            year = by + age
            per = period_of_year[yi]
            w_move, w_par, w_lc, w_fj = block_words(seed, pid, age, 0)

            # 1. residential move
            mr = ((age * n_men + s_men) * n_prg + prg) * n_area + area
            area = draw_row(mv2, mr, to_unit(w_move))
            cell = ((s_sex * n_men + s_men) * n_area + area) * n_org + origin

            # 5. activities reaching the person this year (take-up among the eligible, by the
            # cell after this year's move), before the draws of steps 2-4
            or_par = 1.0
            or_fj = 1.0
            for k in range(n_act):
                if (
                    act_age[k, 0] <= age <= act_age[k, 1]
                    and act_year[k, 0] <= year <= act_year[k, 1]
                    and act_cell[k, cell]
                ):
                    stream = takeup_base + k
                    wk = block_words(seed, pid, age, stream // 4)
                    if to_unit(wk[stream % 4]) < act_coverage[k]:
                        last_taken[k] = age
                if age - last_taken[k] <= act_persist[k]:
                    if act_process[k] == PROCESS_PARENT_RG:
                        or_par *= act_or[k]
                    elif act_process[k] == PROCESS_FRITIDSJOB:
                        or_fj *= act_or[k]

            # 2. parents' restgruppe status
            p1 = bernoulli_or(np.float64(parent_p[per, area, s_men, prg]), or_par)
            prg = 1 if to_unit(w_par) < p1 else 0
            if age <= ORIGIN_AGE:
                origin = prg

            # 3. life-course state
            cell = ((s_sex * n_men + s_men) * n_area + area) * n_org + origin
            # last year's fritidsjob picks the table (the odds ratio on entering youth education
            # for job holders is applied once, in sim/pack.py, not per person-year)
            ri = (((fj * n_period + per) * n_age + age) * n_cell + cell) * n_state + state
            # cur: the scratch row holding an activity-modified row, -1 while unmodified
            cur = -1
            for k in range(n_act):
                if (
                    act_process[k] == PROCESS_LIFECOURSE
                    and age - last_taken[k] <= act_persist[k]
                    and act_from[k, state]
                ):
                    dst = 0 if cur < 0 else 1 - cur
                    if cur < 0:
                        ok = modify_row(lc2, ri, act_to, k, act_or[k], scratch, dst)
                    else:
                        ok = modify_row(scratch, cur, act_to, k, act_or[k], scratch, dst)
                    if ok:
                        cur = dst
            u_lc = to_unit(w_lc)
            if cur < 0:
                new_state = draw_row(lc2, ri, u_lc)
            else:  # an activity modified the row
                new_state = draw_row(scratch, cur, u_lc)

            # 4. fritidsjob, ages 13-20 in school or youth education
            if FJ_AGE_LO <= age <= FJ_AGE_HI and fj_activity[new_state]:
                pf = bernoulli_or(np.float64(fj_p[per, age, s_sex, s_men, area, fj]), or_fj)
                fj = 1 if to_unit(w_fj) < pf else 0
            else:
                fj = 0
            fj_years += fj

            counts[yi, age, cell, state, new_state] += 1
            state = new_state

            if area == supported:
                if plan_active[yi]:
                    exposure += 1
                if MEMBER_AGE_LO <= age <= MEMBER_AGE_HI:
                    run += 1
                    if run >= MEMBER_YEARS:
                        member = 1
            else:
                run = 0
        if want_final:
            final[i, 0] = state
            final[i, 1] = area
            final[i, 2] = origin
            final[i, 3] = fj_years
            final[i, 4] = exposure
            final[i, 5] = member


@njit(cache=True, parallel=True)
def simulate_chunk(
    seed,
    person_id,
    birth_year,
    sex,
    menapt,
    area0,
    parent_rg0,
    year0,
    period_of_year,
    plan_active,
    lc_cum,
    move_cum,
    parent_p,
    fj_p,
    fj_activity,
    act_process,
    act_age,
    act_year,
    act_cell,
    act_coverage,
    act_from,
    act_to,
    act_or,
    act_persist,
    takeup_base,
    birth_state,
    supported,
    counts,
    final,
):
    """Simulate all persons of a chunk in parallel; ``counts`` is (n_worker, ...) int32.

    Persons are split into ``n_worker`` contiguous blocks, one per slice of ``counts``; the
    caller sums the slices. Arguments as in :func:`simulate_persons`.
    """
    n = person_id.shape[0]
    n_worker = counts.shape[0]
    n_state = lc_cum.shape[5]
    n_act = act_process.shape[0]
    for w in prange(n_worker):
        lo = (n * w) // n_worker
        hi = (n * (w + 1)) // n_worker
        scratch = np.empty((2, n_state), dtype=np.float32)
        last_taken = np.empty(max(n_act, 1), dtype=np.int16)
        simulate_persons(
            seed,
            person_id,
            birth_year,
            sex,
            menapt,
            area0,
            parent_rg0,
            year0,
            period_of_year,
            plan_active,
            lc_cum,
            move_cum,
            parent_p,
            fj_p,
            fj_activity,
            act_process,
            act_age,
            act_year,
            act_cell,
            act_coverage,
            act_from,
            act_to,
            act_or,
            act_persist,
            takeup_base,
            birth_state,
            supported,
            lo,
            hi,
            counts[w],
            scratch,
            last_taken,
            final,
        )
