"""The tallies: one integer count tensor per process of the yearly step (model.md section 5).

This module is the one table of what a run file (and a panel counted into tallies) holds: the
name of each tally, its dims in order, the labels of each dim, and what a cell counts. The
counting kernels (``tallies/count.py``), the register-panel counter, the indicator registry
(``outputs/``) and the estimators (``transitions/``) all read it.

Conventions shared by every tally:

- A person contributes from their first record (birth at age 0, or arrival at ages 1-29) to age
  29. ``year`` is the calendar year of the record, ``age`` the age reached in that year.
- Transition tallies have a ``*_from`` dim whose last label is ``"entry"``: the record of a
  person's first year (birth or arrival), which has no previous state. Summing over the
  ``*_from`` dim gives the stock by the ``*_to`` state; dropping ``"entry"`` leaves the
  transitions, whose row-normalised counts estimate the process's probabilities.
- Covariates are those of the year of the record (area after this year's move, member and
  origin as of this year), except where a dim says otherwise.
- No tally is named like a dim of another tally (they share one Dataset).
- ``lifecourse`` stores the transition as one ``transition`` dim over the allowed (from, to)
  pairs plus one ``entry`` record per state, with the non-dim coordinates ``from`` and ``to``:
  the dense (from, to) square is 80% structural zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from livschancer import states

#: Labels of a binary flag, and of the ``*_from`` dim of a flag's transition tally.
FLAG: tuple[str, ...] = ("no", "yes")
FLAG_FROM: tuple[str, ...] = ("no", "yes", "entry")
#: Labels of the ``from`` dim of a transition: a life-course state or the first record.
ENTRY: str = "entry"
AREA_FROM: tuple[str, ...] = (*states.AREA, ENTRY)
#: Ages at which the profile of (non-)completers is tallied: grundskole without the exam at
#: 17, youth education by 21, vocational by 25, higher education by 29 (domain.md 4.8).
PROFILE_AGES: tuple[int, ...] = (17, 21, 25, 29)
#: Status of an entrant to a level ``years_since`` years after entry.
ENTRANT_STATUS: tuple[str, ...] = ("completed", "enrolled", "left")
#: Follow-up horizons of the ``followup`` tally (where people are k years later).
FOLLOW_K: tuple[int, ...] = (1, 2, 3, 4, 5)


@cache
def transitions() -> tuple[np.ndarray, np.ndarray]:
    """Codes (from, to) of the ``transition`` dim: every allowed pair in row-major order, then
    one entry record per state (``from`` = -1). Returns int16 arrays."""
    allowed = states.allowed_matrix()
    f, t = np.nonzero(allowed)
    n = states.N_STATE
    f = np.concatenate([f, np.full(n, -1)]).astype(np.int16)
    t = np.concatenate([t, np.arange(n)]).astype(np.int16)
    return f, t


@cache
def transition_index() -> np.ndarray:
    """(N_STATE + 1, N_STATE) int16: index on the ``transition`` dim of (from, to); row
    ``N_STATE`` is the entry record; -1 where the transition is not allowed."""
    f, t = transitions()
    out = np.full((states.N_STATE + 1, states.N_STATE), -1, dtype=np.int16)
    out[np.where(f < 0, states.N_STATE, f), t] = np.arange(f.shape[0])
    return out


def transition_labels() -> tuple[list[str], list[str]]:
    """Labels of the ``from`` and ``to`` coordinates along the ``transition`` dim."""
    f, t = transitions()
    lab = states.LIFECOURSE
    return [ENTRY if i < 0 else lab[i] for i in f], [lab[i] for i in t]


@dataclass(frozen=True)
class Tally:
    """One tally: its name, dims in order, and what one count means."""

    name: str
    dims: tuple[str, ...]
    description: str


#: Every tally of a run file, in the order of the yearly step (model.md section 4).
TALLIES: tuple[Tally, ...] = (
    Tally(
        "move",
        ("year", "age", "menapt", "parent_rg_last", "area_from", "area_to"),
        "persons whose family lived in area_from last year and lives in area_to this year "
        "(step 1), by their parents' restgruppe status last year (the covariate of the move)",
    ),
    Tally(
        "parent_rg",
        ("year", "age", "menapt", "area", "member", "parent_rg_from", "parent_rg_to"),
        "children by their parents' restgruppe status last year and this year (step 2)",
    ),
    Tally(
        "lifecourse",
        ("year", "age", "sex", "menapt", "area", "member", "origin", "transition"),
        "persons in life-course state 'from' last year and 'to' this year (step 3); the "
        "transition dim carries the coordinates 'from' and 'to'",
    ),
    Tally(
        "job",
        ("year", "age", "sex", "menapt", "area", "member", "activity", "job_from", "job_to"),
        "persons by job-while-enrolled last year and this year, with this year's activity "
        "(step 4); a fritidsjob is a job at 13-20 in school or youth education",
    ),
    Tally(
        "poverty",
        ("year", "age", "menapt", "area", "member", "origin", "poverty_from", "poverty_to"),
        "persons by family poverty last year and this year (step 4)",
    ),
    Tally(
        "parent_psych",
        (
            "year",
            "age",
            "menapt",
            "area",
            "member",
            "origin",
            "parent_psych_from",
            "parent_psych_to",
        ),
        "persons by whether a parent has ever been treated for mental illness, last year and "
        "this year (step 4; absorbing)",
    ),
    Tally(
        "crime",
        (
            "year",
            "age",
            "sex",
            "menapt",
            "area",
            "member",
            "origin",
            "crime_ever_from",
            "crime_event",
        ),
        "persons by whether they had a suspicion or charge in an earlier year and whether "
        "they have one this year (a suspicion at 10-14, a charge from 15; step 4)",
    ),
    Tally(
        "poverty_ever",
        ("year", "age", "menapt", "area", "member", "origin", "ever_poor"),
        "persons by whether their family has been poor in any year since they were 6 "
        "(the poverty_ever_share at 18 is 'poor at any time while aged 6-18')",
    ),
    Tally(
        "profile",
        (
            "year",
            "profile_age",
            "sex",
            "menapt",
            "area",
            "member",
            "origin",
            "ever_poor",
            "ever_psych_parent",
            "ever_crime",
            "ever_dropout",
            "attain",
        ),
        "persons at the ages 17, 21, 25, 29 (profile_age) by attainment and risk history "
        "(ever poor since 6, a parent ever psychiatric, ever suspected/charged, ever dropped "
        "out), for the characteristics of those who do not complete each level (domain.md 4.8)",
    ),
    Tally(
        "entrants",
        (
            "entry_year",
            "level",
            "entry_age",
            "sex",
            "menapt",
            "area",
            "member",
            "origin",
            "years_since",
            "status",
        ),
        "persons who entered a level's education in entry_year at entry_age (with that year's "
        "covariates), by status years_since years later: completed the level, still enrolled "
        "in it, or left without completing; an entrant is counted only while aged <= 29",
    ),
    Tally(
        "followup",
        ("year", "age", "member", "origin", "k", "state", "activity_later"),
        "persons in life-course state 'state' at 'age' in 'year' by their activity k years "
        "later (counted only where age + k <= 29)",
    ),
)

TALLY: dict[str, Tally] = {t.name: t for t in TALLIES}


def coords(dim: str, years: np.ndarray | None = None) -> list:
    """Labels of ``dim`` (``years`` gives the ``year`` and ``entry_year`` labels)."""
    table: dict[str, object] = {
        "age": list(states.AGES),
        "entry_age": list(states.AGES),
        "profile_age": list(PROFILE_AGES),
        "sex": list(states.SEX),
        "menapt": list(states.MENAPT),
        "area": list(states.AREA),
        "area_from": list(AREA_FROM),
        "area_to": list(states.AREA),
        "member": list(states.MEMBER),
        "origin": list(states.ORIGIN),
        "activity": list(states.ACTIVITY),
        "activity_later": list(states.ACTIVITY),
        "state": list(states.LIFECOURSE),
        "attain": list(states.ATTAIN),
        "level": list(states.LEVELS),
        "years_since": list(range(states.FOLLOW_YEARS + 1)),
        "status": list(ENTRANT_STATUS),
        "k": list(FOLLOW_K),
        "transition": list(range(transitions()[0].shape[0])),
        "parent_rg_last": list(FLAG),
        "crime_event": list(FLAG),
        "ever_poor": list(FLAG),
        "ever_psych_parent": list(FLAG),
        "ever_crime": list(FLAG),
        "ever_dropout": list(FLAG),
    }
    for flag in ("parent_rg", "job", "poverty", "parent_psych"):
        table[f"{flag}_from"] = list(FLAG_FROM)
        table[f"{flag}_to"] = list(FLAG)
    table["crime_ever_from"] = list(FLAG_FROM)
    if dim in ("year", "entry_year"):
        if years is None:
            raise ValueError(f"the labels of {dim!r} need the simulated years")
        return [int(y) for y in years]
    try:
        return list(table[dim])  # type: ignore[call-overload]
    except KeyError:
        raise KeyError(f"unknown tally dim {dim!r}; expected one of {sorted(table)}") from None


def shape(name: str, n_year: int) -> tuple[int, ...]:
    """Shape of tally ``name`` for ``n_year`` simulated years."""
    return tuple(
        n_year if d in ("year", "entry_year") else len(coords(d)) for d in TALLY[name].dims
    )
