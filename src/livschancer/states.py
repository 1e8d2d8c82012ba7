"""The state registry: the one place that knows the integer codes of every state.

Everything else in livschancer refers to states by name (``"youth_edu"``, ``"neet"``);
integer codes appear only while arrays are packed for the numba kernels (``sim/pack.py``,
``tallies/``) and become labels again as soon as arrays leave them (model.md section 3,
style.md 1.1). The model constants the kernels need (the age the origin is frozen, the
membership window, the fritidsjob ages, ...) live here too, and the kernels take them from
:data:`KERNEL_CONSTANTS` rather than repeating literals (a test checks the kernel module and the
NumPy twin against this table).

The life-course state of a person is the pair (``activity``, ``attain``). Only the pairs in
:data:`LIFECOURSE_PAIRS` are valid; their position in that tuple is the life-course code used
by the kernels. Adding a pair at the end keeps existing codes; reordering is a model change.
"""

from __future__ import annotations

import numpy as np

#: What a person does this year (model.md section 3). ``other_edu`` is enrolment that gives
#: none of the named levels (preparatory courses, folk high school, ...; domain.md 2.7).
ACTIVITY: tuple[str, ...] = (
    "preschool",
    "school",
    "other_edu",
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
#: Grew up in a supported area by the reports' rule (domain.md 2.3; see MEMBER_* below).
MEMBER: tuple[str, ...] = ("not_member", "member")

#: Binary secondary states (model.md section 4, steps 2 and 4). Each is a 0/1 flag per person
#: and year with its own transition process, tally and random stream.
#:
#: - ``parent_rg``: at least one resident parent is in the restgruppe this year (domain.md 2.2);
#: - ``job``: holds a job while enrolled (ages 13-29): the fritidsjob at 13-20 in school or
#:   youth education, and the working student of seed 000's wage-hour rule (domain.md 2.1);
#: - ``poverty``: the family is poor this year (domain.md 2.5);
#: - ``parent_psych``: a parent has ever been treated for mental illness (absorbing; 2.6);
#: - ``crime``: a suspicion (10-14) or a charge (15+) this year (an event; domain.md 2.8).
FLAGS: tuple[str, ...] = ("parent_rg", "job", "poverty", "parent_psych", "crime")

#: The valid (activity, attain) pairs. Their index is the life-course code.
#:
#: The ladder follows the reports (domain.md 2.7): ``school`` is grundskole with its 10th grade
#: (``school, grundskole`` is a pupil who passed the exam and stays for a 10th grade);
#: ``youth_edu`` is the general (gymnasial) route, entered with or without the exam;
#: ``vocational`` (erhvervsuddannelse) is a branch entered straight after grundskole (with or
#: without the exam), after a youth education, or later from work or NEET; ``higher_edu`` needs
#: a completed youth or vocational education, and a graduate may start another
#: (``higher_edu, higher_edu``); ``other_edu`` is open at every attainment.
LIFECOURSE_PAIRS: tuple[tuple[str, str], ...] = (
    ("preschool", "none"),
    ("school", "none"),
    ("school", "grundskole"),
    ("other_edu", "none"),
    ("other_edu", "grundskole"),
    ("other_edu", "youth_edu"),
    ("other_edu", "vocational"),
    ("other_edu", "higher_edu"),
    ("youth_edu", "none"),
    ("youth_edu", "grundskole"),
    ("vocational", "none"),
    ("vocational", "grundskole"),
    ("vocational", "youth_edu"),
    ("higher_edu", "youth_edu"),
    ("higher_edu", "vocational"),
    ("higher_edu", "higher_edu"),
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
N_AGE: int = len(AGES)

#: Restgruppe needs age >= 18 (domain.md 2.1, 001 130-131).
RESTGRUPPE_MIN_AGE: int = 18
#: Attainments that count as "no education beyond grundskole" (domain.md 2.1).
RESTGRUPPE_ATTAIN: frozenset[str] = frozenset({"none", "grundskole"})
#: Activities that count as "in education" (model.md section 3).
ENROLLED: frozenset[str] = frozenset(
    {"school", "other_edu", "youth_edu", "vocational", "higher_edu"}
)
#: Fritidsjob: a job at ages 13-20 while in school or youth education (model.md s.3; the
#: reports' fritidsjob population is "grundskole or gymnasium", domain.md 2.9).
FRITIDSJOB_AGES: tuple[int, int] = (13, 20)
FRITIDSJOB_ACTIVITIES: frozenset[str] = frozenset({"school", "youth_edu"})
#: A job while enrolled is possible at ages 13-29 in any education (issue: seed 000's rule).
JOB_AGES: tuple[int, int] = (13, 29)
#: Age the origin (parent_rg) is frozen for the 15-29 target group (domain.md 2.2); an
#: immigrant arriving later takes the parents' status in the year of arrival (2.2 fallbacks).
ORIGIN_AGE: int = 15
#: Membership (domain.md 2.3): at least MEMBER_YEARS consecutive years in a supported area
#: within ages MEMBER_AGES (the 15-29 target group); member from the first year of the spell
#: and for the rest of the age window wherever the person lives.
MEMBER_AGES: tuple[int, int] = (15, 18)
MEMBER_YEARS: int = 2
#: Suspicions are registered at 10-14, charges from 15 (domain.md 2.8).
SUSPICION_AGES: tuple[int, int] = (10, 14)
CHARGE_MIN_AGE: int = 15
#: poverty_ever_share: poor at any time while aged 6-18 (targets README 3.2, 001a Fig 4.3).
POVERTY_EVER_AGES: tuple[int, int] = (6, 18)
#: Ages at which immigrants can arrive (model.md section 3).
ARRIVAL_AGES: tuple[int, int] = (1, 29)
#: Education levels whose entrants are followed (completion within N years, tallies/spec.py).
LEVELS: tuple[str, ...] = ("youth_edu", "vocational", "higher_edu")
#: Longest follow-up of entrants in years (higher education: completion within 7 years).
FOLLOW_YEARS: int = 7

#: Birth state of everyone.
BIRTH_STATE: tuple[str, str] = ("preschool", "none")


def state_name(activity: str, attain: str) -> str:
    """Label of a life-course state, e.g. ``"youth_edu|grundskole"``."""
    return f"{activity}|{attain}"


#: Labels of the life-course states, in code order.
LIFECOURSE: tuple[str, ...] = tuple(state_name(a, e) for a, e in LIFECOURSE_PAIRS)
N_STATE: int = len(LIFECOURSE)

_CODES: dict[str, tuple[str, ...]] = {
    "activity": ACTIVITY,
    "attain": ATTAIN,
    "area": AREA,
    "sex": SEX,
    "menapt": MENAPT,
    "origin": ORIGIN,
    "member": MEMBER,
    "lifecourse": LIFECOURSE,
    "level": LEVELS,
    "flag": FLAGS,
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
    try:
        return _CODES[kind]
    except KeyError:
        raise KeyError(f"unknown state kind {kind!r}; expected one of {sorted(_CODES)}") from None


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


def activity_mask(names: frozenset[str] | tuple[str, ...]) -> np.ndarray:
    """Boolean over life-course codes: True where the activity is one of ``names``."""
    for n in names:
        code("activity", n)
    return np.array([a in names for a, _ in LIFECOURSE_PAIRS])


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
    return np.asarray(is_neet(np.arange(N_STATE)))


def restgruppe_mask() -> np.ndarray:
    """Boolean over life-course codes: NEET with no education beyond grundskole (age apart)."""
    return np.asarray(is_restgruppe(np.arange(N_STATE), RESTGRUPPE_MIN_AGE))


def enrolled_mask() -> np.ndarray:
    """Boolean over life-course codes: in education (model.md section 3)."""
    return activity_mask(ENROLLED)


#: The activity in which each attainment level is completed.
LEVEL_ACTIVITY: dict[str, str] = {
    "grundskole": "school",
    "youth_edu": "youth_edu",
    "vocational": "vocational",
    "higher_edu": "higher_edu",
}


def transition_allowed(from_label: str, to_label: str) -> bool:
    """Whether the model allows a person to move from one life-course state to another.

    Rules (model.md sections 3-4, domain.md 2.7):

    - attainment never decreases, and rises only to the level of the activity the person was
      in (completion; the exit exam is ``school -> attain = grundskole``); a level may be
      skipped only in that sense (a youth-education graduate completing higher education);
    - nobody returns to ``preschool``, and ``preschool`` leads only to itself or ``school``;
    - ``school`` (grundskole and its 10th grade) is entered only from ``preschool``;
    - everything else is allowed: a switch between educations is a dropout from one and an
      entry to the other; entries into ``higher_edu`` need a completed youth or vocational
      education, which the valid pairs already guarantee.
    """
    a0, e0 = from_label.split("|")
    a1, e1 = to_label.split("|")
    i0, i1 = ATTAIN.index(e0), ATTAIN.index(e1)
    if a1 == "preschool" and a0 != "preschool":
        return False
    if a0 == "preschool" and (a1, e1) not in (("preschool", "none"), ("school", "none")):
        return False
    if a1 == "school" and a0 not in ("preschool", "school"):
        return False
    if i1 < i0:
        return False
    if i1 > i0:
        return a0 == LEVEL_ACTIVITY[e1]
    return True


def allowed_matrix() -> np.ndarray:
    """Boolean (from, to) matrix over life-course codes of :func:`transition_allowed`."""
    return np.array([[transition_allowed(f, t) for t in LIFECOURSE] for f in LIFECOURSE])


# --------------------------------------------------------------------------------------------
# Named groups of life-course transitions: what odds ratios (risk flags, activities) act on.
# --------------------------------------------------------------------------------------------

_EDU_NOT_SCHOOL = frozenset({"other_edu", "youth_edu", "vocational", "higher_edu"})


def _group_dropout(a0: str, e0: str, a1: str, e1: str) -> bool:
    # leaving an education (not grundskole) without completing it: attainment unchanged
    return a0 in _EDU_NOT_SCHOOL and a1 != a0 and e1 == e0


def _group_neet_entry(a0: str, e0: str, a1: str, e1: str) -> bool:
    return a0 not in ("neet", "preschool") and a1 == "neet"


def _group_exam(a0: str, e0: str, a1: str, e1: str) -> bool:
    return a0 == "school" and e0 == "none" and e1 == "grundskole"


def _entry(level: str):
    def group(a0: str, e0: str, a1: str, e1: str) -> bool:
        # entering the level's activity, from another activity or after completing one
        return a1 == level and (a0 != level or e1 != e0)

    return group


def _completion(a0: str, e0: str, a1: str, e1: str) -> bool:
    return a0 in LEVEL_ACTIVITY.values() and e1 != e0 and LEVEL_ACTIVITY.get(e1) == a0


#: Named transition groups over (from, to) labels. Risk-flag odds ratios and activities target
#: transitions by these names (or by explicit from/to states).
TRANSITION_GROUPS: dict[str, object] = {
    "dropout": _group_dropout,
    "neet_entry": _group_neet_entry,
    "exam": _group_exam,
    "youth_edu_entry": _entry("youth_edu"),
    "vocational_entry": _entry("vocational"),
    "higher_edu_entry": _entry("higher_edu"),
    "other_edu_entry": _entry("other_edu"),
    "completion": _completion,
}


def transition_group(name: str) -> np.ndarray:
    """Boolean (from, to) matrix of the allowed transitions in group ``name``."""
    try:
        pred = TRANSITION_GROUPS[name]
    except KeyError:
        raise KeyError(
            f"unknown transition group {name!r}; expected one of {list(TRANSITION_GROUPS)}"
        ) from None
    out = np.zeros((N_STATE, N_STATE), dtype=bool)
    for i, (a0, e0) in enumerate(LIFECOURSE_PAIRS):
        for j, (a1, e1) in enumerate(LIFECOURSE_PAIRS):
            out[i, j] = pred(a0, e0, a1, e1)  # type: ignore[operator]
    return out & allowed_matrix()


#: Risk flags whose last-year value changes the odds of life-course transitions this year
#: (model.md section 4, step 4; domain.md 4.8), and the transition groups they act on.
RISKS: tuple[str, ...] = ("fritidsjob", "poverty", "parent_psych", "crime_ever")
RISK_GROUPS: tuple[str, ...] = ("dropout", "neet_entry", "exam", "youth_edu_entry")
_CODES["risk"] = RISKS
_CODES["group"] = RISK_GROUPS

#: Integer constants the kernels use, by name (sim/kernel.py reads them at import; a test
#: checks that kernel, twin and registry agree).
KERNEL_CONSTANTS: dict[str, int] = {
    "ORIGIN_AGE": ORIGIN_AGE,
    "MEMBER_AGE_LO": MEMBER_AGES[0],
    "MEMBER_AGE_HI": MEMBER_AGES[1],
    "MEMBER_YEARS": MEMBER_YEARS,
    "FJ_AGE_LO": FRITIDSJOB_AGES[0],
    "FJ_AGE_HI": FRITIDSJOB_AGES[1],
    "JOB_AGE_LO": JOB_AGES[0],
    "JOB_AGE_HI": JOB_AGES[1],
    "SUSPICION_AGE_LO": SUSPICION_AGES[0],
    "SUSPICION_AGE_HI": SUSPICION_AGES[1],
    "CHARGE_MIN_AGE": CHARGE_MIN_AGE,
    "POVERTY_EVER_LO": POVERTY_EVER_AGES[0],
    "POVERTY_EVER_HI": POVERTY_EVER_AGES[1],
    "N_AGE": N_AGE,
}
