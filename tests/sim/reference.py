"""Pure-NumPy twin of the simulation kernel (style.md 1.3): slow, obvious, vectorised over persons.

It shares no code with ``livschancer.sim`` except the state registry (``states``) and the record
layout (``tallies.records.BITS`` and ``ABSENT``): its own Philox, its own cumulative rows,
categorical draw, odds-ratio arithmetic, activity masks and take-up blocks, and the model
constants written out below from domain.md (a test checks them against
``states.KERNEL_CONSTANTS`` and the kernel module). A bug in the kernel or in the packing of
parameters shows up as a difference from :func:`simulate_reference`.

Tables are indexed by named axes in full (``lc[period, age, sex, menapt, area, member, origin,
from]``), never through the kernel's flattened cell.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np

from livschancer import states
from livschancer.tallies.records import ABSENT, BITS

# --- model constants (domain.md 2.2, 2.3, 2.8, 2.9; model.md 3) ---------------------------
ORIGIN_AGE = 15
MEMBER_AGE_LO, MEMBER_AGE_HI = 15, 18
MEMBER_YEARS = 2
FJ_AGE_LO, FJ_AGE_HI = 13, 20
JOB_AGE_LO, JOB_AGE_HI = 13, 29
SUSPICION_AGE_LO, SUSPICION_AGE_HI = 10, 14
CHARGE_MIN_AGE = 15
POVERTY_EVER_LO, POVERTY_EVER_HI = 6, 18
N_AGE = 30
#: The twin's values under the registry's names (tests compare the three places).
CONSTANTS: dict[str, int] = {
    "ORIGIN_AGE": ORIGIN_AGE,
    "MEMBER_AGE_LO": MEMBER_AGE_LO,
    "MEMBER_AGE_HI": MEMBER_AGE_HI,
    "MEMBER_YEARS": MEMBER_YEARS,
    "FJ_AGE_LO": FJ_AGE_LO,
    "FJ_AGE_HI": FJ_AGE_HI,
    "JOB_AGE_LO": JOB_AGE_LO,
    "JOB_AGE_HI": JOB_AGE_HI,
    "SUSPICION_AGE_LO": SUSPICION_AGE_LO,
    "SUSPICION_AGE_HI": SUSPICION_AGE_HI,
    "CHARGE_MIN_AGE": CHARGE_MIN_AGE,
    "POVERTY_EVER_LO": POVERTY_EVER_LO,
    "POVERTY_EVER_HI": POVERTY_EVER_HI,
    "N_AGE": N_AGE,
}

# --- Philox4x32-10 (Salmon et al. 2011) -----------------------------------------------------
M0 = np.uint64(0xD2511F53)
M1 = np.uint64(0xCD9E8D57)
W0 = np.uint64(0x9E3779B9)
W1 = np.uint64(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)
#: Philox blocks (stream // 4) of the yearly step and of the risk flags.
BLOCK_STEP = 0
BLOCK_RISK = 2


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
    """The four words of Philox block ``blk`` for each person id at ``age``: (n, 4) uint64."""
    pid = np.asarray(pid).astype(np.uint64)
    n = pid.shape[0]
    ctr = np.stack(
        [pid & MASK, pid >> np.uint64(32), np.full(n, age, np.uint64), np.full(n, blk, np.uint64)],
        axis=1,
    )
    s = np.uint64(seed)
    key = np.tile(np.array([s & MASK, s >> np.uint64(32)], dtype=np.uint64), (n, 1))
    return philox4x32_10(ctr, key)


def unit(words: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) from 32-bit words."""
    return words.astype(np.float64) * 2.0**-32


def takeup_block(name: str) -> int:
    """An activity's take-up block: CRC-32 of the UTF-8 name in the low 31 bits, top bit set."""
    return (zlib.crc32(name.encode("utf-8")) % 2**31) + 2**31


# --- rows and draws ---------------------------------------------------------------------------


def cumulative(p: np.ndarray) -> np.ndarray:
    """float32 cumulative rows (last axis), exactly 1.0 from the last positive entry on."""
    p = np.asarray(p, dtype=np.float64)
    cum = np.cumsum(p, axis=-1)
    positive = p > 0
    # index of the last positive entry (-1 if none)
    idx = np.where(positive, np.arange(p.shape[-1]), -1).max(axis=-1)
    tail = (np.arange(p.shape[-1]) >= idx[..., None]) & (idx[..., None] >= 0)
    cum[tail] = 1.0
    return cum.astype(np.float32)


def categorical(cum_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise: the first j with u < cum[j], the last index if there is none."""
    hit = u[:, None] < cum_rows[:, :-1]
    return np.where(hit.any(axis=1), hit.argmax(axis=1), cum_rows.shape[1] - 1)


def with_odds(p: np.ndarray, odds_ratio: np.ndarray) -> np.ndarray:
    """Probability ``p`` with its odds multiplied by ``odds_ratio`` (domain.md 5.5)."""
    return odds_ratio * p / (1.0 - p + odds_ratio * p)


def bernoulli_p(p: np.ndarray, odds_ratio: np.ndarray) -> np.ndarray:
    """``p`` (float32 table entries) under an odds ratio; unchanged at OR 1, p = 0 or p = 1."""
    p = np.asarray(p, dtype=np.float64)
    odds_ratio = np.asarray(odds_ratio, dtype=np.float64)
    keep = (odds_ratio == 1.0) | (p <= 0.0) | (p >= 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(keep, p, with_odds(p, odds_ratio))


def modify_probs(p: np.ndarray, target: np.ndarray, odds_ratio: np.ndarray) -> np.ndarray:
    """Float64 probability rows with the odds of reaching ``target`` (bool, row-wise)
    multiplied by ``odds_ratio`` (per row); rows without mass on the target or its complement
    unchanged. The target's total sums left to right (``np.cumsum`` is sequential), as a loop
    over outcomes would."""
    pt = np.cumsum(np.where(target, p, 0.0), axis=1)[:, -1]
    ok = (pt > 0.0) & (pt < 1.0)
    safe = np.where(ok, pt, 0.5)
    p1 = with_odds(safe, odds_ratio)
    factor = np.where(target, (p1 / safe)[:, None], ((1.0 - p1) / (1.0 - safe))[:, None])
    return np.where(ok[:, None], p * factor, p)


def cumulative64(p: np.ndarray) -> np.ndarray:
    """Float64 cumulative rows of float64 probabilities, exactly 1.0 from the last positive
    entry on (rows without mass stay all zero)."""
    cum = np.cumsum(p, axis=-1)
    idx = np.where(p > 0, np.arange(p.shape[-1]), -1).max(axis=-1)
    cum[(np.arange(p.shape[-1]) >= idx[..., None]) & (idx[..., None] >= 0)] = 1.0
    return cum


# --- parameters and activities as the twin's own arrays ---------------------------------------


class TwinTables(NamedTuple):
    lc_cum: np.ndarray  # (P, 30, sex, menapt, area, member, origin, from, to) float32
    move_cum: np.ndarray  # (30, menapt, parent_rg, area_from, area_to) float32
    parent: np.ndarray  # (P, area, menapt, parent_rg_from) float32
    job: np.ndarray  # (P, 30, sex, menapt, area, activity, job_from) float32
    poverty: np.ndarray  # (P, 30, menapt, area, parent_rg, poverty_from) float32
    psych: np.ndarray  # (P, 30, menapt, area, parent_rg) float32
    crime: np.ndarray  # (P, 30, sex, menapt, area, origin, crime_ever_from) float32
    risk_or: np.ndarray  # (4 risks: fritidsjob, poverty, parent_psych, crime_ever; 4 groups)
    groups: np.ndarray  # (4, S, S) dropout, neet_entry, exam, youth_edu_entry


LC_DIMS = ("period", "age", "sex", "menapt", "area", "member", "origin", "from", "to")
RISKS = ("fritidsjob", "poverty", "parent_psych", "crime_ever")
GROUPS = ("dropout", "neet_entry", "exam", "youth_edu_entry")


def twin_tables(params) -> TwinTables:
    """The parameter arrays of a ``ModelParameters``, transposed by name."""

    def f32(da, order):
        return np.asarray(da.transpose(*order).values, dtype=np.float32)

    return TwinTables(
        lc_cum=cumulative(params.lifecourse.transpose(*LC_DIMS).values),
        move_cum=cumulative(
            params.move.transpose("age", "menapt", "parent_rg", "area_from", "area_to").values
        ),
        parent=f32(params.parent, ("period", "area", "menapt", "parent_rg_from")),
        job=f32(params.job, ("period", "age", "sex", "menapt", "area", "activity", "job_from")),
        poverty=f32(
            params.poverty, ("period", "age", "menapt", "area", "parent_rg", "poverty_from")
        ),
        psych=f32(params.parent_psych, ("period", "age", "menapt", "area", "parent_rg")),
        crime=f32(
            params.crime,
            ("period", "age", "sex", "menapt", "area", "origin", "crime_ever_from"),
        ),
        risk_or=np.asarray(
            params.risk_or.sel(risk=list(RISKS), group=list(GROUPS)).values, dtype=np.float64
        ),
        groups=np.stack([states.transition_group(g) for g in GROUPS]),
    )


PROCESSES = ("lifecourse", "parent_rg", "job", "poverty", "parent_psych", "crime")


class TwinActivity(NamedTuple):
    process: int
    ages: tuple[int, int]
    years: tuple[int, int]
    cell: np.ndarray  # bool (sex, menapt, area, member, origin)
    from_state: np.ndarray  # bool (S,)
    coverage: float
    once: bool
    odds: np.ndarray  # float64 (n_years,)
    target: np.ndarray  # bool (S, S)
    block: int


def _pick(kind: str, chosen) -> np.ndarray:
    names = states.labels(kind)
    if chosen is None:
        return np.ones(len(names), bool)
    return np.isin(np.array(names), np.array(list(chosen)))


def twin_activity(a) -> TwinActivity:
    """The twin's reading of a ``sim.activities.Activity`` (plain data)."""
    parts = [
        _pick("sex", a.sex),
        _pick("menapt", a.menapt),
        _pick("area", a.areas),
        _pick("member", a.member),
        _pick("origin", a.origins),
    ]
    cell = parts[0][:, None, None, None, None]
    for i, m in enumerate(parts[1:], start=1):
        cell = cell & m.reshape((1,) * i + (-1,) + (1,) * (4 - i))
    target = np.zeros((states.N_STATE, states.N_STATE), bool)
    for g in a.target_groups:
        target |= states.transition_group(g)
    if a.to_states:
        target |= states.allowed_matrix() & _pick("lifecourse", a.to_states)[None, :]
    return TwinActivity(
        process=PROCESSES.index(a.process),
        ages=tuple(a.ages),
        years=tuple(a.years),
        cell=cell,
        from_state=_pick("lifecourse", a.from_states),
        coverage=float(a.coverage),
        once=bool(a.once),
        odds=np.asarray(a.odds_ratios, dtype=np.float64),
        target=target,
        block=takeup_block(a.name),
    )


def period_index(params, years: np.ndarray) -> np.ndarray:
    """Index of the period governing each calendar year (first / last outside them)."""
    firsts = np.array([p.first for p in params.periods])
    lasts = np.array([p.last for p in params.periods])
    idx = np.searchsorted(firsts, years, side="right") - 1
    idx = np.clip(idx, 0, len(firsts) - 1)
    inside = (years >= firsts[idx]) & (years <= lasts[idx])
    return np.where(inside | (years < firsts[0]), idx, len(firsts) - 1).astype(np.int64)


# --- the simulation ---------------------------------------------------------------------------


class TwinRecords(NamedTuple):
    state: np.ndarray  # uint8 (n, 30)
    area: np.ndarray  # uint8 (n, 30)
    bits: np.ndarray  # uint16 (n, 30)
    took_part: np.ndarray  # uint8 (n,)


def simulate_reference(seed, people, params, activities=()) -> TwinRecords:
    """Records of persons ``people`` (a ``tallies.records.People``) simulated from birth to 29."""
    tb = twin_tables(params)
    # activities combine their odds ratios in the order of their names
    acts = [twin_activity(a) for a in sorted(activities, key=lambda a: a.name)]
    pid = np.asarray(people.person_id, dtype=np.uint64)
    n = pid.shape[0]
    by = people.birth_year.astype(np.int64)
    sex = people.sex.astype(np.int64)
    men = people.menapt.astype(np.int64)
    arrive = people.arrival_age.astype(np.int64)
    area = people.area0.astype(np.int64)
    prg = people.parent_rg0.astype(np.int64)
    origin = prg.copy()
    state = np.full(n, states.lifecourse_code(*states.BIRTH_STATE), np.int64)
    member = np.zeros(n, np.int64)
    run = np.zeros(n, np.int64)
    job = np.zeros(n, np.int64)
    fj = np.zeros(n, np.int64)
    pov = np.zeros(n, np.int64)
    psych = np.zeros(n, np.int64)
    crime_ever = np.zeros(n, np.int64)
    pov_ever = np.zeros(n, np.int64)
    dropout_ever = np.zeros(n, np.int64)
    took = np.zeros(n, np.int64)
    n_act = len(acts)
    last_taken = np.full((n, n_act), -1000, np.int64)
    drawn = np.zeros((n, n_act), bool)
    out = TwinRecords(
        state=np.full((n, N_AGE), ABSENT, np.uint8),
        area=np.zeros((n, N_AGE), np.uint8),
        bits=np.zeros((n, N_AGE), np.uint16),
        took_part=np.zeros(n, np.uint8),
    )
    supported = states.AREA.index("supported")
    activity_of = np.array([states.ACTIVITY.index(a) for a, _ in states.LIFECOURSE_PAIRS])
    enrolled = np.array(
        [
            a in {"school", "other_edu", "youth_edu", "vocational", "higher_edu"}
            for a, _ in states.LIFECOURSE_PAIRS
        ]
    )
    fj_ok = np.array([a in {"school", "youth_edu"} for a, _ in states.LIFECOURSE_PAIRS])
    dropout = states.transition_group("dropout")
    rows_n = np.arange(n)
    for age in range(N_AGE):
        year = by + age
        per = period_index(params, year)
        present = age >= arrive
        w_step = unit(block(seed, pid, age, BLOCK_STEP))
        w_risk = unit(block(seed, pid, age, BLOCK_RISK))
        fj_last, pov_last, psych_last, crime_before = fj, pov, psych, crime_ever.copy()
        odds = np.ones((n, len(PROCESSES)))
        if age > 0:
            # 1. move, from the year after arrival on
            moved = tb.move_cum[age, men, prg, area]
            area = np.where(age > arrive, categorical(moved, w_step[:, 0]), area)
            # membership: consecutive years lived here in a supported area within the window
            inside = present & (MEMBER_AGE_LO <= age <= MEMBER_AGE_HI) & (area == supported)
            run = np.where(inside, run + 1, 0)
            new_member = (run >= MEMBER_YEARS) & (member == 0)
            for back in range(1, MEMBER_YEARS):
                mark = new_member & (age - back >= arrive)
                out.bits[mark, age - back] |= np.uint16(1 << BITS["member"])
            member = np.where(new_member, 1, member)
            # 5. activities: eligibility with this year's area, last year's origin and state
            for k, a in enumerate(acts):
                elig = (
                    present
                    & (a.ages[0] <= age <= a.ages[1])
                    & (a.years[0] <= year)
                    & (year <= a.years[1])
                    & a.cell[sex, men, area, member, origin]
                    & a.from_state[state]
                    & ~(a.once & drawn[:, k])
                )
                drawn[:, k] |= elig
                u = unit(block(seed, pid, age, a.block)[:, 0])
                take = elig & (u < a.coverage)
                last_taken[take, k] = age
                took |= take
                since = age - last_taken[:, k]
                live = (since >= 0) & (since < a.odds.shape[0])
                factor = np.ones(n)
                factor[live] = a.odds[since[live]]
                odds[:, a.process] = np.where(live, odds[:, a.process] * factor, odds[:, a.process])
            # 2. parents
            p_par = bernoulli_p(tb.parent[per, area, men, prg], odds[:, 1])
            prg = (w_step[:, 1] < p_par).astype(np.int64)
            origin = np.where((age <= ORIGIN_AGE) | (age <= arrive), prg, origin)
            # 3. life course: risk flags' odds ratios (fixed order), then activities' in order
            rows = tb.lc_cum[per, age, sex, men, area, member, origin, state]
            # probabilities in float64 (differences of float32 values are exact), modified by
            # each odds ratio in turn, accumulated once for the draw
            probs = np.diff(rows.astype(np.float64), prepend=0.0, axis=1)
            flag_or = np.ones((n, len(GROUPS)))
            for r, flag in enumerate((fj_last, pov_last, psych_last, crime_before)):
                flag_or = np.where(flag[:, None] == 1, flag_or * tb.risk_or[r], flag_or)
            for g in range(len(GROUPS)):
                m = flag_or[:, g] != 1.0
                if m.any():
                    probs[m] = modify_probs(probs[m], tb.groups[g][state[m]], flag_or[m, g])
            for k, a in enumerate(acts):
                if PROCESSES[a.process] != "lifecourse":
                    continue
                since = age - last_taken[:, k]
                live = (since >= 0) & (since < a.odds.shape[0])
                f = np.ones(n)
                f[live] = a.odds[since[live]]
                m = live & (f != 1.0)
                if m.any():
                    probs[m] = modify_probs(probs[m], a.target[state[m]], f[m])
            new = categorical(cumulative64(probs), w_step[:, 2])
            dropout_ever = dropout_ever | dropout[state, new]
            state = new
            # 4a. job while enrolled
            can = (JOB_AGE_LO <= age <= JOB_AGE_HI) & enrolled[state]
            p_job = bernoulli_p(
                tb.job[per, age, sex, men, area, activity_of[state], job], odds[:, 2]
            )
            job = np.where(can, w_step[:, 3] < p_job, 0).astype(np.int64)
            fj = (job == 1) & (FJ_AGE_LO <= age <= FJ_AGE_HI) & fj_ok[state]
            fj = fj.astype(np.int64)
        # 4b. risk flags
        p_pov = bernoulli_p(tb.poverty[per, age, men, area, prg, pov], odds[:, 3])
        pov = (w_risk[:, 0] < p_pov).astype(np.int64)
        p_psy = bernoulli_p(tb.psych[per, age, men, area, prg], odds[:, 4])
        psych = np.where(psych == 1, 1, w_risk[:, 1] < p_psy).astype(np.int64)
        if age >= SUSPICION_AGE_LO:
            p_cr = bernoulli_p(tb.crime[per, age, sex, men, area, origin, crime_ever], odds[:, 5])
            crime = (w_risk[:, 2] < p_cr).astype(np.int64)
        else:
            crime = np.zeros(n, np.int64)
        if age >= POVERTY_EVER_LO:
            pov_ever = pov_ever | pov
        word = np.zeros(n, np.int64)
        for name, v in (
            ("member", member),
            ("origin", origin),
            ("parent_rg", prg),
            ("job", job),
            ("poverty", pov),
            ("parent_psych", psych),
            ("crime", crime),
            ("poverty_ever", pov_ever),
            ("crime_before", crime_before),
            ("dropout_ever", dropout_ever),
        ):
            word |= v.astype(np.int64) << BITS[name]
        idx = rows_n[present]
        out.state[idx, age] = state[idx]
        out.area[idx, age] = area[idx]
        out.bits[idx, age] |= word[idx].astype(np.uint16)
        crime_ever = crime_ever | crime
    out.took_part[:] = took
    return out
