"""Person-year records: what the kernel writes and a register panel is turned into.

A chunk of persons is a :class:`Records` bundle of plain arrays, one row per person and one
column per age 0-29. Columns before a person's first record (an immigrant's ages before
arrival) hold :data:`ABSENT` in ``state``. The flags of a person-year are bits of one uint16
word (:data:`BITS`), so a person-year costs 4 bytes. Counting (``tallies/count.py``) reads only
these arrays, so a simulation and a panel give the same tallies by the same code.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from livschancer import states

#: ``state`` of an age at which the person is not (yet) in the population.
ABSENT: int = 255

#: Bit positions in ``Records.bits``. Dynamic flags are this year's values; ``*_ever`` flags
#: are derived from the person's history (see each comment).
BITS: dict[str, int] = {
    "member": 0,  # grew up in a supported area (states.MEMBER_* rule), as the reports count it
    "origin": 1,  # parent_rg as of the origin age (states.ORIGIN_AGE), current before it
    "parent_rg": 2,  # a parent in the restgruppe this year
    "job": 3,  # a job while enrolled this year
    "poverty": 4,  # the family is poor this year
    "parent_psych": 5,  # a parent has ever been treated for mental illness (absorbing)
    "crime": 6,  # a suspicion (10-14) or charge (15+) this year
    "poverty_ever": 7,  # poor in some year since age states.POVERTY_EVER_AGES[0] (incl. now)
    "crime_before": 8,  # a suspicion or charge in an earlier year
    "dropout_ever": 9,  # a dropout transition (states.TRANSITION_GROUPS) up to this year
}


class People(NamedTuple):
    """Static attributes of a chunk of persons (kernel dtypes, one entry per person)."""

    person_id: np.ndarray  # uint64
    birth_year: np.ndarray  # int32
    sex: np.ndarray  # int8, states.SEX codes
    menapt: np.ndarray  # int8, states.MENAPT codes
    area0: np.ndarray  # int8, states.AREA codes: area at birth, or at arrival
    parent_rg0: np.ndarray  # int8, parents' restgruppe status at birth / arrival
    arrival_age: np.ndarray  # int8, 0 for persons born in Denmark


class Records(NamedTuple):
    """Person-year records of a chunk: (n, 30) arrays, and per-person results."""

    state: np.ndarray  # uint8 (n, 30), life-course code or ABSENT
    area: np.ndarray  # uint8 (n, 30), states.AREA code
    bits: np.ndarray  # uint16 (n, 30), BITS
    took_part: np.ndarray  # uint8 (n,), 1 if the person took part in any activity


def empty_records(n: int) -> Records:
    """Records for ``n`` persons, every age absent."""
    return Records(
        state=np.full((n, states.N_AGE), ABSENT, np.uint8),
        area=np.zeros((n, states.N_AGE), np.uint8),
        bits=np.zeros((n, states.N_AGE), np.uint16),
        took_part=np.zeros(n, np.uint8),
    )


def bit(records: Records, name: str) -> np.ndarray:
    """The flag ``name`` of every person-year as a uint8 (n, 30) array."""
    return ((records.bits >> BITS[name]) & 1).astype(np.uint8)
