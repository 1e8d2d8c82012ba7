"""Activities (interventions) as the engine sees them, and their kernel arrays (model.md s.6).

An :class:`Activity` is plain data: who is eligible (ages, calendar years, covariate cell,
current life-course state), how many of the eligible take part (coverage, every eligible year
or once), and what participation does (odds ratios on named transitions of one process, by
years since participation). The scenario schema (``livschancer.scenarios``) builds these from
configs; the engine only needs this module.

Take-up draws come from a random stream derived from the activity's **name** (a stable hash,
:func:`takeup_block`), never from its position in a list, so adding, removing or reordering
activities leaves every other draw unchanged (common random numbers, style.md 1.4).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from livschancer import dims, states
from livschancer.errors import ConfigError

#: Processes an activity can act on, and the outcome its odds ratio multiplies:
#: ``lifecourse``: the transitions in ``target`` (from the person's state last year);
#: ``parent_rg``, ``job``, ``poverty``, ``parent_psych``, ``crime``: the flag being 1 this year
#: (an odds ratio below 1 helps where the flag is bad).
PROCESSES: tuple[str, ...] = ("lifecourse", "parent_rg", "job", "poverty", "parent_psych", "crime")
#: Longest effect schedule (years since participation 0..MAX_EFFECT_YEARS).
MAX_EFFECT_YEARS: int = 15
#: Take-up streams live in Philox blocks with the top bit set; the fixed streams of
#: ``sim/rng.py`` use blocks below 2**16, so the two never meet.
TAKEUP_BLOCK_BIT: int = 1 << 31


def takeup_block(name: str) -> int:
    """The Philox block of activity ``name``'s take-up draws: a stable hash (CRC-32) of the
    name with the top bit set (lane 0 is used)."""
    return TAKEUP_BLOCK_BIT | (zlib.crc32(name.encode("utf-8")) & (TAKEUP_BLOCK_BIT - 1))


@dataclass(frozen=True)
class Activity:
    """One activity (model.md section 6).

    Eligibility: ages ``ages`` (inclusive), calendar years ``years``, the covariate cell of the
    year (``sex``, ``menapt``, ``areas`` by residence after this year's move, ``member`` for the
    grew-up-in rule, ``origins``; ``None`` means all) and the life-course state last year
    (``from_states``; ``None`` means all). Each eligible year a person takes part with
    probability ``coverage`` (``once=True``: only the first eligible year is drawn).

    Effect: the odds of the targeted outcome are multiplied by ``odds_ratios[k]`` in the k-th
    year after the last participation (k = 0 the year of participation); after the schedule
    ends the effect is gone. For ``process == "lifecourse"`` the outcome is any transition in
    ``target_groups`` (names of ``states.TRANSITION_GROUPS``) or into ``to_states``.
    """

    name: str
    process: str
    odds_ratios: tuple[float, ...]
    coverage: float
    ages: tuple[int, int] = (states.AGE_MIN, states.AGE_MAX)
    years: tuple[int, int] = (1900, 2200)
    sex: tuple[str, ...] | None = None
    menapt: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    member: tuple[str, ...] | None = None
    origins: tuple[str, ...] | None = None
    from_states: tuple[str, ...] | None = None
    target_groups: tuple[str, ...] = ()
    to_states: tuple[str, ...] = ()
    once: bool = False
    source: str = "assumption"


class KernelActivities(NamedTuple):
    """The K activities as kernel arrays (K may be 0). See :func:`pack_activities`."""

    process: np.ndarray  # int8 (K,), index into PROCESSES
    age: np.ndarray  # int16 (K, 2)
    year: np.ndarray  # int32 (K, 2)
    cell: np.ndarray  # bool (K, n_cell), cell = dims.CELL flattened in C order
    state: np.ndarray  # bool (K, n_state), eligibility by last year's state
    coverage: np.ndarray  # float64 (K,)
    once: np.ndarray  # bool (K,)
    target: np.ndarray  # bool (K, n_state, n_state), lifecourse outcomes
    target_any: np.ndarray  # bool (K, n_state), whether a row out of a state reaches a target
    odds: np.ndarray  # float64 (K, MAX_EFFECT_YEARS + 1), 1 beyond the schedule
    persist: np.ndarray  # int16 (K,), last k with an effect
    block: np.ndarray  # uint32 (K,), take-up Philox block


N_CELL = int(np.prod([len(states.labels(d)) for d in dims.CELL]))


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


def cell_mask(a: Activity, where: str) -> np.ndarray:
    """Boolean over the flattened covariate cell (``dims.CELL``) of ``a``'s eligibility."""
    parts = {
        "sex": _mask("sex", a.sex, f"{where}.sex"),
        "menapt": _mask("menapt", a.menapt, f"{where}.menapt"),
        "area": _mask("area", a.areas, f"{where}.areas"),
        "member": _mask("member", a.member, f"{where}.member"),
        "origin": _mask("origin", a.origins, f"{where}.origins"),
    }
    out = np.ones((), dtype=bool)
    for d in dims.CELL:
        out = np.multiply.outer(out, parts[d])
    return out.reshape(-1)


def target_mask(a: Activity, where: str) -> np.ndarray:
    """Boolean (from, to) matrix of the life-course transitions an activity acts on."""
    out = np.zeros((states.N_STATE, states.N_STATE), dtype=bool)
    for g in a.target_groups:
        if g not in states.TRANSITION_GROUPS:
            raise ConfigError(
                f"{where}.target_groups",
                f"must name transition groups from {list(states.TRANSITION_GROUPS)}",
                g,
            )
        out |= states.transition_group(g)
    if a.to_states:
        to = _mask("lifecourse", a.to_states, f"{where}.to_states")
        out |= states.allowed_matrix() & to[None, :]
    if not out.any():
        raise ConfigError(
            f"{where}.target_groups", "a lifecourse activity needs target_groups or to_states", ()
        )
    return out


def pack_activities(activities: list[Activity] | tuple[Activity, ...]) -> KernelActivities:
    """Check the activities and turn them into kernel arrays, in the order of their names
    (odds ratios of one person-year then combine the same way whatever the order given).

    Raises
    ------
    ConfigError
        ``activities[<name>].<field>: <rule>; got <value>`` for the first broken rule.
    """
    activities = sorted(activities, key=lambda a: a.name)
    k = len(activities)
    n_s = states.N_STATE
    out = KernelActivities(
        process=np.zeros(k, np.int8),
        age=np.zeros((k, 2), np.int16),
        year=np.zeros((k, 2), np.int32),
        cell=np.zeros((k, N_CELL), bool),
        state=np.zeros((k, n_s), bool),
        coverage=np.zeros(k, np.float64),
        once=np.zeros(k, bool),
        target=np.zeros((k, n_s, n_s), bool),
        target_any=np.zeros((k, n_s), bool),
        odds=np.ones((k, MAX_EFFECT_YEARS + 1), np.float64),
        persist=np.zeros(k, np.int16),
        block=np.zeros(k, np.uint32),
    )
    seen: dict[int, str] = {}
    for i, a in enumerate(activities):
        where = f"activities[{a.name}]"
        if a.process not in PROCESSES:
            raise ConfigError(f"{where}.process", f"must be one of {list(PROCESSES)}", a.process)
        lo, hi = a.ages
        if not (states.AGE_MIN <= lo <= hi <= states.AGE_MAX):
            raise ConfigError(f"{where}.ages", "must satisfy 0 <= from <= to <= 29", a.ages)
        if a.years[1] < a.years[0]:
            raise ConfigError(f"{where}.years", "must be [first, last] with first <= last", a.years)
        if not 0.0 <= a.coverage <= 1.0:
            raise ConfigError(f"{where}.coverage", "must lie in [0, 1]", a.coverage)
        ors = np.asarray(a.odds_ratios, dtype=np.float64)
        if ors.ndim != 1 or not 1 <= ors.size <= MAX_EFFECT_YEARS + 1:
            raise ConfigError(
                f"{where}.odds_ratios",
                f"must list 1 to {MAX_EFFECT_YEARS + 1} odds ratios (years since participation)",
                a.odds_ratios,
            )
        if not (np.all(np.isfinite(ors)) and np.all(ors > 0)):
            raise ConfigError(f"{where}.odds_ratios", "must be positive numbers", a.odds_ratios)
        block = takeup_block(a.name)
        if block in seen:
            raise ConfigError(
                f"{where}.name", f"shares its random stream with activity {seen[block]!r}", a.name
            )
        seen[block] = a.name
        out.process[i] = PROCESSES.index(a.process)
        out.age[i] = a.ages
        out.year[i] = a.years
        out.cell[i] = cell_mask(a, where)
        out.state[i] = _mask("lifecourse", a.from_states, f"{where}.from_states")
        out.coverage[i] = a.coverage
        out.once[i] = a.once
        out.odds[i, : ors.size] = ors
        out.persist[i] = ors.size - 1
        out.block[i] = block
        if a.process == "lifecourse":
            out.target[i] = target_mask(a, where)
            out.target_any[i] = out.target[i].any(axis=1)
    return out
