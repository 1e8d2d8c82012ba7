"""The yearly step and the life-course loop: numba kernels on bundles of plain arrays.

Nothing here touches a config, xarray, pandas or the disk (style.md 1.3). ``sim/pack.py`` turns
labelled parameters into the :class:`Tables` bundle, ``sim/activities.py`` packs activities,
``sim/run.py`` validates, calls and labels. Every kernel has a pure-NumPy twin in
``tests/sim/reference.py``. Model constants come from ``states.KERNEL_CONSTANTS`` (a test
checks that kernel, twin and registry agree).

The kernel writes person-year records (``tallies/records.py``), not counts: counting is a
second, separate pass (``tallies/count.py``) that a register panel goes through too, and that
keeps one copy of the tallies whatever the number of threads.

The yearly step (model.md section 4), for a person reaching age ``a`` in year ``y``. Each
decision draws from its own named stream (``sim/rng.py``): the four of block 0 (``move``,
``parent_rg``, ``lifecourse``, ``job``) and the three risk flags of block 2 (``poverty``,
``parent_psych``, ``crime``) are one Philox call each; activities draw take-up from a block
derived from their name. Step 5 is evaluated right after the move, so that an activity reaches
the people who live in its area this year, and before the draws of steps 2-4 it modifies:

1. ``move``: the family's area changes by ``move_cum[a, menapt, parent_rg, area]`` (no moves
   before and in the year of an immigrant's arrival: the area is the area of arrival).
5. Activities: take-up among the eligible (age, year, this year's cell after the move, last
   year's state), and the odds ratios of those still within their effect schedule.
2. ``parent_rg``: by ``parent_p[period, area, menapt, parent_rg]``.
3. ``lifecourse``: the next (activity, attain) state from the row
   ``lc_reach[period, a, cell, state]``, cell = (sex, menapt, area, member, origin); the odds of
   the transition groups ``states.RISK_GROUPS`` are multiplied by the odds ratios of last year's
   risk flags (fritidsjob, poverty, parent_psych, crime_ever), then by activities' odds ratios.
4. Secondary states: ``job`` at 13-29 while enrolled, ``poverty``, ``parent_psych``
   (absorbing), ``crime`` (a suspicion at 10-14, a charge from 15), each with activity odds
   ratios. Then origin (frozen at 15, or at arrival if later), membership (2 consecutive years
   in a supported area within ages 15-18) and the ever-flags are updated and the record written.

At age 0 only step 4's poverty and parent_psych are drawn (the birth record). Immigrants
arriving at age ``r`` are simulated from birth with their area of arrival and no activities
(a life-course state drawn for their age by the model itself, an assumption) and recorded from
age ``r`` on.

Odds ratios act on the probability p of the targeted outcome as ``p1 = OR p / (1 - p + OR p)``
(domain.md 5.5); the other outcomes of a row are scaled by ``(1 - p1) / (1 - p)`` so that the
row still sums to 1 and zero stays zero.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from livschancer import states
from livschancer.sim.rng import STREAMS, block_words, to_unit
from livschancer.tallies.records import ABSENT, BITS

# Model constants from the registry (numba freezes module globals at compile time).
ORIGIN_AGE = states.KERNEL_CONSTANTS["ORIGIN_AGE"]
MEMBER_AGE_LO = states.KERNEL_CONSTANTS["MEMBER_AGE_LO"]
MEMBER_AGE_HI = states.KERNEL_CONSTANTS["MEMBER_AGE_HI"]
MEMBER_YEARS = states.KERNEL_CONSTANTS["MEMBER_YEARS"]
FJ_AGE_LO = states.KERNEL_CONSTANTS["FJ_AGE_LO"]
FJ_AGE_HI = states.KERNEL_CONSTANTS["FJ_AGE_HI"]
JOB_AGE_LO = states.KERNEL_CONSTANTS["JOB_AGE_LO"]
JOB_AGE_HI = states.KERNEL_CONSTANTS["JOB_AGE_HI"]
SUSPICION_AGE_LO = states.KERNEL_CONSTANTS["SUSPICION_AGE_LO"]
POVERTY_EVER_LO = states.KERNEL_CONSTANTS["POVERTY_EVER_LO"]
N_AGE = states.KERNEL_CONSTANTS["N_AGE"]

# Philox blocks of the yearly step (sim/rng.py: stream = 4 * block + lane).
BLOCK_STEP = STREAMS["move"] // 4
BLOCK_RISK = STREAMS["poverty"] // 4

# Processes an activity can act on (sim/activities.PROCESSES, same order).
P_LIFECOURSE = 0
P_PARENT_RG = 1
P_JOB = 2
P_POVERTY = 3
P_PSYCH = 4
P_CRIME = 5
N_PROCESS = 6

B_MEMBER = BITS["member"]
B_ORIGIN = BITS["origin"]
B_PRG = BITS["parent_rg"]
B_JOB = BITS["job"]
B_POVERTY = BITS["poverty"]
B_PSYCH = BITS["parent_psych"]
B_CRIME = BITS["crime"]
B_POVERTY_EVER = BITS["poverty_ever"]
B_CRIME_BEFORE = BITS["crime_before"]
B_DROPOUT_EVER = BITS["dropout_ever"]


class Tables(NamedTuple):
    """Parameter tables and lookup arrays of the kernel (``sim/pack.py`` builds them).

    lc_reach : float32 (n_period, 30, n_cell, S, R), cumulative rows at the outcomes
    ``reach[state, :n_reach[state]]`` only (R = the largest ``n_reach``; padded with 1.0): the
    compact table is a third of the full (S, S) one and stays in cache
    move_cum : float32 (30, 2, 2, n_area, n_area); parent_p : float32 (n_period, n_area, 2, 2)
    job_p : float32 (n_period, 30, 2, 2, n_area, n_activity, 2)
    poverty_p : float32 (n_period, 30, 2, n_area, 2, 2); psych_p : (n_period, 30, 2, n_area, 2)
    crime_p : float32 (n_period, 30, 2, 2, n_area, 2, 2)
    risk_or : float64 (n_risk, n_group); flag_or : float64 (2**n_risk, n_group), the product
    of the odds ratios of the flags set in bits of the row index (fritidsjob = bit 0, then
    poverty, parent_psych, crime_ever), multiplied in that order; group_mask : bool (n_group,
    S, R), whether the q-th reachable outcome ``reach[s, q]`` of state s is in the group (compact
    like ``lc_reach``, :func:`compact_mask`); row_groups : uint8 (n_period * 30 * n_cell * S,),
    per life-course row (the rows of ``lc_reach``, flat), bit g set if the row gives the group
    positive probability (``sim/pack.row_groups``): a flagged row without is not scaled
    reach : int64 (S, S), the states a row out of a state gives positive probability in some
    period, age or cell, in increasing order (``n_reach`` (S,) of them; the rest is padding):
    rows are read, modified and drawn over these only, which gives the same result as over all
    states because the others have probability exactly 0
    dropout : bool (S, S); activity_of : int8 (S,); enrolled, fj_activity : bool (S,)
    period_of_year : int64 (n_year,); year0 : calendar year of index 0
    birth_state, supported : codes from ``states``
    """

    lc_reach: np.ndarray
    move_cum: np.ndarray
    parent_p: np.ndarray
    job_p: np.ndarray
    poverty_p: np.ndarray
    psych_p: np.ndarray
    crime_p: np.ndarray
    risk_or: np.ndarray
    flag_or: np.ndarray
    group_mask: np.ndarray
    row_groups: np.ndarray
    reach: np.ndarray
    n_reach: np.ndarray
    dropout: np.ndarray
    activity_of: np.ndarray
    enrolled: np.ndarray
    fj_activity: np.ndarray
    period_of_year: np.ndarray
    year0: int
    birth_state: int
    supported: int


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
    number of entries ``<= u`` among all but the last: no data-dependent branch (the LC6
    benchmark and the roofline use it; BENCHMARKS.md)."""
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
    """:func:`draw_categorical` on row ``r`` of a 2-D table of cumulative rows (a row index,
    not a view: views in the person loop mean reference-count traffic shared by threads)."""
    n = table.shape[1]
    for j in range(n - 1):
        if u < table[r, j]:
            return j
    return n - 1


@njit(cache=True, inline="always")
def load_probs(cum, r, nr, out):
    """Probabilities (float64) of the reachable outcomes of compact cumulative row ``r`` of
    ``cum`` (``Tables.lc_reach``), into ``out[:nr]`` (differences of float32 values are exact
    in float64)."""
    prev = 0.0
    for q in range(nr):
        c = np.float64(cum[r, q])
        out[q] = c - prev
        prev = c


@njit(cache=True, inline="always")
def scale_odds(probs, mask, t, s, nr, odds_ratio):
    """Multiply the odds of reaching any outcome ``q`` with ``mask[t, s, q]`` by ``odds_ratio``
    in the probabilities ``probs[:nr]`` (of outcomes ``reach[s, :nr]``; ``mask`` is compact
    like them, :func:`compact_mask`): the target's total p becomes ``p1 = OR p / (1 - p + OR
    p)``, the other outcomes are scaled by ``(1 - p1) / (1 - p)``. Nothing changes when the row
    has no mass on the target or on its complement (domain.md 5.5)."""
    p_t = 0.0
    for q in range(nr):
        if mask[t, s, q]:
            p_t += probs[q]
    if p_t <= 0.0 or p_t >= 1.0:
        return
    p1 = odds_scale(p_t, odds_ratio)
    f_t = p1 / p_t
    f_o = (1.0 - p1) / (1.0 - p_t)
    for q in range(nr):
        probs[q] *= f_t if mask[t, s, q] else f_o


@njit(cache=True)
def compact_mask(target, reach, n_reach):
    """``target`` (K, S, S) bool over outcomes -> (K, S, R) over each state's reachable
    outcomes ``reach[s, :n_reach[s]]`` (R = the largest ``n_reach``; padding False), the form
    :func:`scale_odds` reads."""
    k_n, n_s = target.shape[0], target.shape[1]
    width = max(1, n_reach.max()) if n_s > 0 else 1
    out = np.zeros((k_n, n_s, width), dtype=np.bool_)
    for k in range(k_n):
        for s in range(n_s):
            for q in range(n_reach[s]):
                out[k, s, q] = target[k, s, reach[s, q]]
    return out


@njit(cache=True, inline="always")
def draw_probs(probs, reach, s, nr, u, n_state):
    """The outcome chosen by ``u`` from probabilities ``probs[:nr]`` of ``reach[s, :nr]``:
    accumulated left to right in float64, exactly 1.0 from the last positive one on (as
    ``sim/pack.cumulative`` does); the last state if the row has no mass."""
    last = nr - 1
    while last >= 0 and not probs[last] > 0.0:
        last -= 1
    if last < 0:
        return n_state - 1
    acc = 0.0
    for q in range(nr):
        acc += probs[q]
        if u < (1.0 if q >= last else acc):
            return reach[s, q]
    return n_state - 1


@njit(cache=True, inline="always")
def draw_reach(cum, r, reach, s, nr, u, n_state):
    """:func:`draw_row` on compact cumulative row ``r`` of ``cum`` (``Tables.lc_reach``) of
    the outcomes ``reach[s, :nr]``. The same result as over the full row: an unreachable
    outcome's cumulative value equals its predecessor's, which ``u`` did not reach."""
    for q in range(nr):
        if u < cum[r, q]:
            return reach[s, q]
    return n_state - 1


@njit(cache=True, inline="always")
def bernoulli_or(p, odds_ratio):
    """Bernoulli probability ``p`` with its odds multiplied by ``odds_ratio``."""
    if odds_ratio == 1.0 or p <= 0.0 or p >= 1.0:
        return p
    return odds_scale(p, odds_ratio)


# Compiled without numba's reference counting (NRT): nothing here allocates, and every array
# lives in the caller (``simulate_chunk``) for the whole call. With it, each inlined helper
# that takes an array and loops (``_one_person``, the draws) adds an atomic incref/decref pair
# that numba's pruning pass cannot remove when the pair spans a loop (numba issue #2350), on
# reference counts that both threads share: 24% of the kernel's time (BENCHMARKS.md). A
# test checks that the compiled person loop calls no NRT function.
@njit(cache=True, _nrt=False)
def simulate_persons(
    seed, lo, hi, people, tb, acts, act_mask, records, probs, last_taken, drawn, or_proc
):
    """Simulate persons ``lo..hi-1`` from birth to 29 and write their records (see the module
    docstring).

    One call covers a block of persons so that the bundles are unpacked once per block, not
    per person. ``act_mask`` is ``acts.target`` compact (:func:`compact_mask`). ``probs`` (S,)
    float64, ``last_taken`` (K,) int16, ``drawn`` (K,) bool,
    ``or_proc`` (N_PROCESS,) float64 are the thread's work space. No allocation (compiled
    without NRT, see above).
    """
    n_area = tb.move_cum.shape[3]
    n_cell = tb.lc_reach.shape[2]
    n_state = tb.lc_reach.shape[3]
    n_group = tb.group_mask.shape[0]
    lc2 = tb.lc_reach.reshape(-1, tb.lc_reach.shape[4])
    mv2 = tb.move_cum.reshape(-1, n_area)
    n_act = acts.process.shape[0]
    for i in range(lo, hi):
        _one_person(
            seed,
            i,
            people,
            tb,
            acts,
            act_mask,
            records,
            probs,
            last_taken,
            drawn,
            or_proc,
            lc2,
            mv2,
            n_area,
            n_cell,
            n_state,
            n_group,
            n_act,
        )


@njit(cache=True, inline="always")
def _one_person(
    seed,
    i,
    people,
    tb,
    acts,
    act_mask,
    records,
    probs,
    last_taken,
    drawn,
    or_proc,
    lc2,
    mv2,
    n_area,
    n_cell,
    n_state,
    n_group,
    n_act,
):
    pid = people.person_id[i]
    by = people.birth_year[i]
    s_sex = people.sex[i]
    s_men = people.menapt[i]
    arrive = people.arrival_age[i]
    area = people.area0[i]
    prg = people.parent_rg0[i]
    for k in range(n_act):
        last_taken[k] = -1000
        drawn[k] = False
    origin = prg
    state = tb.birth_state
    member = 0
    run = 0
    job = 0
    fj = 0
    pov = 0
    psych = 0
    crime_ever = 0
    pov_ever = 0
    dropout_ever = 0
    took_part = 0
    for age in range(N_AGE):
        yi = by + age - tb.year0
        year = by + age
        per = tb.period_of_year[yi]
        present = age >= arrive
        w_pov, w_psy, w_crime, _ = block_words(seed, pid, age, BLOCK_RISK)
        # last year's flags, before this year's draws
        fj_last = fj
        pov_last = pov
        psych_last = psych
        crime_before = crime_ever
        if age > 0:
            w_move, w_par, w_lc, w_job = block_words(seed, pid, age, BLOCK_STEP)
            # 1. residential move (none before or in the year of arrival)
            if age > arrive:
                mr = ((age * 2 + s_men) * 2 + prg) * n_area + area
                area = draw_row(mv2, mr, to_unit(w_move))
            # membership (domain.md 2.3), from this year's area; only years lived here count
            if present and MEMBER_AGE_LO <= age <= MEMBER_AGE_HI and area == tb.supported:
                run += 1
                if run >= MEMBER_YEARS and member == 0:
                    member = 1
                    # a member from the first year of the spell: mark its earlier records too
                    for b in range(age - run + 1, age):
                        records.bits[i, b] |= np.uint16(1 << B_MEMBER)
            else:
                run = 0
            cell = (((s_sex * 2 + s_men) * n_area + area) * 2 + member) * 2 + origin

            # 5. activities reaching the person this year (or_proc stays 1 without activities)
            if n_act > 0:
                for p in range(N_PROCESS):
                    or_proc[p] = 1.0
            if present:
                for k in range(n_act):
                    if (
                        acts.age[k, 0] <= age <= acts.age[k, 1]
                        and acts.year[k, 0] <= year <= acts.year[k, 1]
                        and acts.cell[k, cell]
                        and acts.state[k, state]
                        and not (acts.once[k] and drawn[k])
                    ):
                        drawn[k] = True
                        wk = block_words(seed, pid, age, acts.block[k])
                        if to_unit(wk[0]) < acts.coverage[k]:
                            last_taken[k] = age
                            took_part = 1
                    since = age - last_taken[k]
                    if 0 <= since <= acts.persist[k]:
                        or_proc[acts.process[k]] *= acts.odds[k, since]

            # 2. parents' restgruppe status
            p1 = bernoulli_or(np.float64(tb.parent_p[per, area, s_men, prg]), or_proc[P_PARENT_RG])
            prg = 1 if to_unit(w_par) < p1 else 0
            if age <= ORIGIN_AGE or age <= arrive:
                origin = prg

            # 3. life-course state: risk-flag odds ratios, then activities
            cell = (((s_sex * 2 + s_men) * n_area + area) * 2 + member) * 2 + origin
            ri = ((per * N_AGE + age) * n_cell + cell) * n_state + state
            nr = tb.n_reach[state]
            loaded = False  # whether probs holds this row (modified by some odds ratio)
            flags = fj_last | (pov_last << 1) | (psych_last << 2) | (crime_before << 3)
            rg = tb.row_groups[ri] if flags != 0 else 0  # groups with mass in this row
            if rg != 0:
                for g in range(n_group):
                    o = tb.flag_or[flags, g]
                    if o != 1.0 and (rg >> g) & 1:
                        if not loaded:
                            load_probs(lc2, ri, nr, probs)
                            loaded = True
                        scale_odds(probs, tb.group_mask, g, state, nr, o)
            for k in range(n_act):
                since = age - last_taken[k]
                if (
                    acts.process[k] == P_LIFECOURSE
                    and acts.target_any[k, state]
                    and 0 <= since <= acts.persist[k]
                    and acts.odds[k, since] != 1.0
                ):
                    if not loaded:
                        load_probs(lc2, ri, nr, probs)
                        loaded = True
                    scale_odds(probs, act_mask, k, state, nr, acts.odds[k, since])
            u_lc = to_unit(w_lc)
            if loaded:
                new_state = draw_probs(probs, tb.reach, state, nr, u_lc, n_state)
            else:
                new_state = draw_reach(lc2, ri, tb.reach, state, nr, u_lc, n_state)
            if tb.dropout[state, new_state]:
                dropout_ever = 1
            state = new_state

            # 4a. job while enrolled, ages 13-29
            act = tb.activity_of[state]
            if JOB_AGE_LO <= age <= JOB_AGE_HI and tb.enrolled[state]:
                pj = tb.job_p[per, age, s_sex, s_men, area, act, job]
                job = 1 if to_unit(w_job) < bernoulli_or(np.float64(pj), or_proc[P_JOB]) else 0
            else:
                job = 0
            fj = 1 if (job == 1 and FJ_AGE_LO <= age <= FJ_AGE_HI and tb.fj_activity[state]) else 0
        elif n_act > 0:
            or_proc[P_POVERTY] = 1.0
            or_proc[P_PSYCH] = 1.0
            or_proc[P_CRIME] = 1.0

        # 4b. risk flags: poverty this year, parent_psych (absorbing), suspicion / charge
        pp = tb.poverty_p[per, age, s_men, area, prg, pov]
        pov = 1 if to_unit(w_pov) < bernoulli_or(np.float64(pp), or_proc[P_POVERTY]) else 0
        if psych == 0:
            ps = tb.psych_p[per, age, s_men, area, prg]
            psych = 1 if to_unit(w_psy) < bernoulli_or(np.float64(ps), or_proc[P_PSYCH]) else 0
        crime = 0
        if age >= SUSPICION_AGE_LO:
            pc = tb.crime_p[per, age, s_sex, s_men, area, origin, crime_ever]
            crime = 1 if to_unit(w_crime) < bernoulli_or(np.float64(pc), or_proc[P_CRIME]) else 0
        if pov == 1 and age >= POVERTY_EVER_LO:
            pov_ever = 1

        if present:
            records.state[i, age] = state
            records.area[i, age] = area
            b = (
                (member << B_MEMBER)
                | (origin << B_ORIGIN)
                | (prg << B_PRG)
                | (job << B_JOB)
                | (pov << B_POVERTY)
                | (psych << B_PSYCH)
                | (crime << B_CRIME)
                | (pov_ever << B_POVERTY_EVER)
                | (crime_before << B_CRIME_BEFORE)
                | (dropout_ever << B_DROPOUT_EVER)
            )
            records.bits[i, age] = np.uint16(b)
        else:
            records.state[i, age] = ABSENT
        if crime == 1:
            crime_ever = 1
    records.took_part[i] = took_part


@njit(cache=True, parallel=True)
def simulate_chunk(seed, people, tb, acts, records):
    """Simulate every person of a chunk in parallel (persons are independent).

    Each thread owns a contiguous block of persons and its own small work space; the records
    are written per person, so the result does not depend on the number of threads.
    """
    n = people.person_id.shape[0]
    n_state = tb.lc_reach.shape[3]
    n_act = acts.process.shape[0]
    n_block = max(1, min(n, 256))
    act_mask = compact_mask(acts.target, tb.reach, tb.n_reach)
    for b in prange(n_block):
        lo = (n * b) // n_block
        hi = (n * (b + 1)) // n_block
        probs = np.empty(n_state, dtype=np.float64)
        last_taken = np.empty(max(n_act, 1), dtype=np.int16)
        drawn = np.empty(max(n_act, 1), dtype=np.bool_)
        or_proc = np.ones(N_PROCESS)
        simulate_persons(
            seed, lo, hi, people, tb, acts, act_mask, records, probs, last_taken, drawn, or_proc
        )
