"""The state registry: the one place that knows the integer codes of every state.

Everything else in livschancer refers to states by name (``"youth_edu"``, ``"neet"``);
integer codes appear only while arrays are packed for the numba kernels (``sim/pack.py``)
and become labels again as soon as arrays leave them (model.md section 3, style.md 1.1).

The life-course state of a person is the pair (``activity``, ``attain``). Only the pairs in
:data:`LIFECOURSE_PAIRS` are valid; their position in that tuple is the life-course code used
by the kernels. Adding a pair at the end keeps existing codes; reordering is a model change.
"""

from __future__ import annotations

import numpy as np

#: What a person does this year (model.md section 3).
ACTIVITY: tuple[str, ...] = (
    "preschool",
    "school",
    "youth_edu",
    "vocational",
    "higher_edu",
    "employed",
    "neet",
)

#: Highest completed education. Ordered: a later level is a higher attainment.
ATTAIN: tuple[str, ...] = ("none", "grundskole", "youth_edu", "vocational", "higher_edu")

#: Where the family lives (model.md section 3).
AREA: tuple[str, ...] = ("supported", "other_public", "rest")

SEX: tuple[str, ...] = ("m", "f")
MENAPT: tuple[str, ...] = ("non_menapt", "menapt")
#: Parental restgruppe origin: at least one resident parent in the restgruppe (domain.md 2.2).
ORIGIN: tuple[str, ...] = ("not_restgruppe", "restgruppe")

#: The valid (activity, attain) pairs. Their index is the life-course code.
#:
#: Why these pairs: nobody is in higher education without a completed youth education; the exit
#: exam (afgangseksamen) is the move out of ``school`` into ``attain = grundskole`` and a pupil
#: may stay for a 10th grade after it (``school, grundskole``); youth education can be entered
#: without the exam (preparatory routes, domain.md 2.7); vocationally qualifying education
#: (erhvervskompetencegivende) follows a youth education (domain.md 2.7, 001 ch. 6).
LIFECOURSE_PAIRS: tuple[tuple[str, str], ...] = (
    ("preschool", "none"),
    ("school", "none"),
    ("school", "grundskole"),
    ("youth_edu", "none"),
    ("youth_edu", "grundskole"),
    ("vocational", "youth_edu"),
    ("higher_edu", "youth_edu"),
    ("higher_edu", "vocational"),
    ("employed", "none"),
    ("employed", "grundskole"),
    ("employed", "youth_edu"),
    ("employed", "vocational"),
    ("employed", "higher_edu"),
    ("neet", "none"),
    ("neet", "grundskole"),
    ("neet", "youth_edu"),
    ("neet", "vocational"),
    ("neet", "higher_edu"),
)

#: Ages simulated: everyone from 0 to 29 (model.md section 2).
AGE_MIN: int = 0
AGE_MAX: int = 29
AGES: tuple[int, ...] = tuple(range(AGE_MIN, AGE_MAX + 1))

#: Restgruppe needs age >= 18 (domain.md 2.1, 001 130-131).
RESTGRUPPE_MIN_AGE: int = 18
#: Attainments that count as "no education beyond grundskole" (domain.md 2.1).
RESTGRUPPE_ATTAIN: frozenset[str] = frozenset({"none", "grundskole"})
#: Fritidsjob is possible at ages 13-20 while in school or youth education (model.md s.3-4).
FRITIDSJOB_AGES: tuple[int, int] = (13, 20)
FRITIDSJOB_ACTIVITIES: frozenset[str] = frozenset({"school", "youth_edu"})

#: Birth state of everyone.
BIRTH_STATE: tuple[str, str] = ("preschool", "none")


def state_name(activity: str, attain: str) -> str:
    """Label of a life-course state, e.g. ``"youth_edu|grundskole"``."""
    return f"{activity}|{attain}"


#: Labels of the life-course states, in code order.
LIFECOURSE: tuple[str, ...] = tuple(state_name(a, e) for a, e in LIFECOURSE_PAIRS)

_CODES: dict[str, tuple[str, ...]] = {
    "activity": ACTIVITY,
    "attain": ATTAIN,
    "area": AREA,
    "sex": SEX,
    "menapt": MENAPT,
    "origin": ORIGIN,
    "lifecourse": LIFECOURSE,
}


def code(kind: str, name: str) -> int:
    """Integer code of ``name`` in the registry ``kind``.

    Raises
    ------
    KeyError
        Naming the unknown value and listing the allowed ones.
    """
    try:
        values = _CODES[kind]
    except KeyError:
        raise KeyError(f"unknown state kind {kind!r}; expected one of {sorted(_CODES)}") from None
    try:
        return values.index(name)
    except ValueError:
        raise KeyError(f"unknown {kind} {name!r}; expected one of {list(values)}") from None


def labels(kind: str) -> tuple[str, ...]:
    """The names of registry ``kind`` in code order."""
    return _CODES[kind]


def lifecourse_code(activity: str, attain: str) -> int:
    """Code of the valid pair (``activity``, ``attain``); KeyError if the pair is invalid."""
    try:
        return LIFECOURSE_PAIRS.index((activity, attain))
    except ValueError:
        raise KeyError(
            f"({activity!r}, {attain!r}) is not a valid (activity, attain) pair; "
            f"valid pairs: {[state_name(*p) for p in LIFECOURSE_PAIRS]}"
        ) from None


def parse_state(label: str) -> int:
    """Code of a life-course label ``"activity|attain"``."""
    return code("lifecourse", label)


def states_where(activity: str | None = None, attain: str | None = None) -> tuple[str, ...]:
    """Labels of the life-course states with the given activity and/or attainment."""
    if activity is not None and activity not in ACTIVITY:
        code("activity", activity)
    if attain is not None and attain not in ATTAIN:
        code("attain", attain)
    return tuple(
        state_name(a, e)
        for a, e in LIFECOURSE_PAIRS
        if (activity is None or a == activity) and (attain is None or e == attain)
    )


# Arrays over life-course codes, for vectorised predicates and for the kernels.
ACTIVITY_OF: np.ndarray = np.array([ACTIVITY.index(a) for a, _ in LIFECOURSE_PAIRS], dtype=np.int8)
ATTAIN_OF: np.ndarray = np.array([ATTAIN.index(e) for _, e in LIFECOURSE_PAIRS], dtype=np.int8)


def is_neet(state: np.ndarray | str) -> np.ndarray | bool:
    """NEET: ``activity == neet`` (model.md section 3). Takes labels or codes."""
    if isinstance(state, str):
        return state.split("|")[0] == "neet"
    return ACTIVITY_OF[np.asarray(state)] == ACTIVITY.index("neet")


def is_restgruppe(state: np.ndarray | str, age: np.ndarray | int) -> np.ndarray | bool:
    """Restgruppe: age >= 18, NEET, and no education beyond grundskole (domain.md 2.1)."""
    if isinstance(state, str):
        act, att = state.split("|")
        return bool(age >= RESTGRUPPE_MIN_AGE and act == "neet" and att in RESTGRUPPE_ATTAIN)
    s = np.asarray(state)
    low = np.isin(ATTAIN_OF[s], [ATTAIN.index(a) for a in RESTGRUPPE_ATTAIN])
    return (np.asarray(age) >= RESTGRUPPE_MIN_AGE) & is_neet(s) & low


def neet_mask() -> np.ndarray:
    """Boolean over life-course codes: True where the state is NEET."""
    return np.asarray(is_neet(np.arange(len(LIFECOURSE))))


def restgruppe_mask() -> np.ndarray:
    """Boolean over life-course codes: NEET with no education beyond grundskole (age apart)."""
    return np.asarray(is_restgruppe(np.arange(len(LIFECOURSE)), RESTGRUPPE_MIN_AGE))


#: The activity in which each attainment level is completed.
_LEVEL_ACTIVITY: dict[str, str] = {
    "grundskole": "school",
    "youth_edu": "youth_edu",
    "vocational": "vocational",
    "higher_edu": "higher_edu",
}


def transition_allowed(from_label: str, to_label: str) -> bool:
    """Whether the model allows a person to move from one life-course state to another.

    Rules (model.md section 4, step 3): attainment never decreases (completion is a transition that
    raises ``attain``, the exit exam is ``school -> attain = grundskole``); attainment rises
    only to the level of the activity the person was in (a level may be skipped: higher
    education completed from ``attain = youth_edu``); nobody returns to
    ``preschool``, and ``preschool`` leads only to itself or ``school``.
    """
    a0, e0 = from_label.split("|")
    a1, e1 = to_label.split("|")
    i0, i1 = ATTAIN.index(e0), ATTAIN.index(e1)
    if a1 == "preschool" and a0 != "preschool":
        return False
    if a0 == "preschool" and a1 not in ("preschool", "school"):
        return False
    if i1 < i0:
        return False
    if i1 > i0:
        return a0 == _LEVEL_ACTIVITY[e1]
    return True


def allowed_matrix() -> np.ndarray:
    """Boolean (from, to) matrix over life-course codes of :func:`transition_allowed`."""
    return np.array([[transition_allowed(f, t) for t in LIFECOURSE] for f in LIFECOURSE])
