"""The indicator registry: one function per indicator of the targets' vocabulary.

Every indicator is a function of the tallies alone (``tallies/spec.py``), so the same code
serves a simulation and a register panel counted into tallies (model.md section 5). Each takes
a :class:`~livschancer.outputs.view.TallyView`, an age band ``(age_from, age_to)`` read as the
targets README section 3 defines it for that indicator, and a ``rule`` (``"socio13"``, or
``"wage_hours"`` for seed 000's rule where a row's note asks for it), and returns a
:class:`~livschancer.outputs.ratio.Ratio` over ``(year, group, origin_group, ethnicity,
sex_group)`` for every year at once. The docstring of each gives numerator, denominator, ages
and timing; :data:`REGISTRY` holds them by name.

Definitions shared by all (model.md s.3, domain.md 2.1): NEET is ``activity == neet``;
restgruppe is age >= 18, NEET, attainment none or grundskole; in education is an activity in
school, other_edu, youth_edu, vocational, higher_edu; employed is ``activity == employed``.
``youth_edu_*`` is the gymnasial route (activity ``youth_edu``), ``vocational_*`` the
vocational branch. Timing: ``year`` is the year of the record (the status at the end of the
year); a transition recorded in ``year`` is last year's state -> this year's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from livschancer import states
from livschancer.outputs.ratio import Ratio, fold, ratio
from livschancer.outputs.view import NEXT_PARTITION, TallyView, cohort_cumsum, diagonal
from livschancer.tallies import spec

RULES: tuple[str, ...] = ("socio13", "wage_hours")
#: The year a ``*_within_Ny`` value is reported for: the end of the N-year window (entry year
#: + N). The reports do not say; a 2019 figure for entrants of 2019 could not have been seen.
WITHIN_YEAR_IS_END: bool = True

IndicatorFunc = Callable[[TallyView, tuple[int, int], str], Ratio]


@dataclass(frozen=True)
class Indicator:
    """A registered indicator: its function, what it needs, and how it is labelled."""

    name: str
    func: IndicatorFunc
    kind: str
    tallies: tuple[str, ...]
    #: Age bands the run file stores (targets README section 3; model.md section 7).
    bands: tuple[tuple[int, int], ...]
    label_en: str
    label_da: str
    rules: tuple[str, ...] = ("socio13",)

    @property
    def definition(self) -> str:
        """The first paragraph of the function's docstring."""
        return " ".join((self.func.__doc__ or "").strip().split("\n\n")[0].split())


REGISTRY: dict[str, Indicator] = {}


def register(
    name: str,
    *,
    tallies: tuple[str, ...],
    bands: tuple[tuple[int, int], ...],
    en: str,
    da: str,
    kind: str = "share",
    rules: tuple[str, ...] = ("socio13",),
) -> Callable[[IndicatorFunc], IndicatorFunc]:
    """Register an indicator function under ``name``."""

    def deco(func: IndicatorFunc) -> IndicatorFunc:
        if name in REGISTRY:
            raise ValueError(f"indicator {name!r} registered twice")
        REGISTRY[name] = Indicator(name, func, kind, tallies, bands, en, da, rules)
        return func

    return deco


def compute(view: TallyView, name: str, ages: tuple[int, int], rule: str = "socio13") -> Ratio:
    """Indicator ``name`` over the age band ``ages`` (inclusive) under ``rule``.

    Raises
    ------
    KeyError
        Unknown indicator (the message lists the registry).
    ValueError
        Ages outside 0-29 or reversed, or a rule the indicator does not have.
    TallyError
        A tally the indicator needs is missing.
    """
    try:
        ind = REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown indicator {name!r}; expected one of {sorted(REGISTRY)}") from None
    lo, hi = int(ages[0]), int(ages[1])
    if not states.AGE_MIN <= lo <= hi <= states.AGE_MAX:
        raise ValueError(
            f"{name}: ages must satisfy {states.AGE_MIN} <= age_from <= age_to <= "
            f"{states.AGE_MAX}; got {lo}-{hi}"
        )
    if rule not in ind.rules:
        raise ValueError(f"{name}: rule must be one of {list(ind.rules)}; got {rule!r}")
    view.require(*ind.tallies)
    return ind.func(view, (lo, hi), rule)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

#: The lifecourse category of everyone (the stock summed over states).
ALL_STATES: tuple[str, ...] = ("all",)


def _states(activities=None, attains=None) -> tuple[str, ...]:
    return tuple(
        f"state:{states.state_name(a, e)}"
        for a, e in states.LIFECOURSE_PAIRS
        if (activities is None or a in activities) and (attains is None or e in attains)
    )


def _lc_share(v: TallyView, ages: tuple[int, int], num_cols: tuple[str, ...]) -> Ratio:
    return ratio(v.lc_band(num_cols, ages), v.lc_band(ALL_STATES, ages), ("lifecourse",))


def _working_students(v: TallyView, ages: tuple[int, int]) -> np.ndarray:
    """Enrolled persons holding a job (job tally, this year's activity)."""
    return v.cells("job", ages, {"activity": sorted(states.ENROLLED), "job_to": "yes"})


def _ever_completed(v: TallyView, level: str) -> np.ndarray:
    """Persons who completed ``level`` at any earlier age of their birth cohort (completion
    transitions plus arrivals holding it), by the covariates of the year of completion:
    (year, age, *cells)."""
    cols = [f"complete:{level}:{n}" for n in NEXT_PARTITION] + [f"arrive:{level}"]
    return cohort_cumsum(v.lc_by_age(cols))


def _band(x: np.ndarray, ages: tuple[int, int]) -> np.ndarray:
    return x[:, ages[0] - states.AGE_MIN : ages[1] - states.AGE_MIN + 1].sum(axis=1)


# --------------------------------------------------------------------------------------------
# status shares (cross-sections of the lifecourse stock)
# --------------------------------------------------------------------------------------------

_YOUTH_BANDS = ((15, 17), (18, 20), (21, 25), (26, 29), (15, 29), (16, 24))


@register(
    "neet_share",
    tallies=("lifecourse",),
    bands=_YOUTH_BANDS,
    en="NEET share",
    da="Andel NEET",
    rules=RULES,
)
def neet_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons with activity ``neet`` / all persons, aged ``ages`` in ``year`` (end of year).

    Under ``wage_hours`` (seed 000: at most 110 wage hours in Q4 and no education) the share is
    the same: a working student counts as employed, so only persons outside education and work
    are NEET either way.
    """
    return _lc_share(v, ages, _states(activities={"neet"}))


@register(
    "in_education_share",
    tallies=("lifecourse",),
    bands=_YOUTH_BANDS,
    en="In education",
    da="Andel i uddannelse",
    rules=RULES,
)
def in_education_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons in education (activity school, other_edu, youth_edu, vocational, higher_edu) /
    all persons aged ``ages`` in ``year``.

    ``wage_hours`` (seed 000 notes "working students count as employed" or "students earning
    >= ~60,000 DKK are classified employed"): enrolled persons holding a job (``job`` tally)
    leave the numerator. The job tally has no origin dim, so that variant has no origin split.
    """
    num = v.lc_band(_states(activities=states.ENROLLED), ages)
    den = v.lc_band(ALL_STATES, ages)
    if rule == "socio13":
        return ratio(num, den, ("lifecourse",))
    jobs = _working_students(v, ages)
    num, jobs = fold(num, jobs)
    num, den = fold(num - jobs, den)
    return ratio(num, den, ("lifecourse", "job"))


@register(
    "employed_share",
    tallies=("lifecourse",),
    bands=_YOUTH_BANDS,
    en="Employed",
    da="Andel i beskæftigelse",
    rules=RULES,
)
def employed_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons with activity ``employed`` / all persons aged ``ages`` in ``year``.

    ``wage_hours``: enrolled persons holding a job (``job`` tally) count as employed too (no
    origin split, as for :func:`in_education_share`).
    """
    num = v.lc_band(_states(activities={"employed"}), ages)
    den = v.lc_band(ALL_STATES, ages)
    if rule == "socio13":
        return ratio(num, den, ("lifecourse",))
    jobs = _working_students(v, ages)
    num, jobs = fold(num, jobs)
    num, den = fold(num + jobs, den)
    return ratio(num, den, ("lifecourse", "job"))


@register(
    "restgruppe_share",
    tallies=("lifecourse",),
    bands=((18, 29), (25, 25), (29, 29), (18, 20), (21, 25), (26, 29), (25, 29)),
    en="Restgruppe share",
    da="Andel i restgruppen",
)
def restgruppe_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons aged 18+ who are NEET with attainment none or grundskole / all persons, ages
    ``max(age_from, 18)``-``age_to`` in ``year``.

    The band is cut at 18 (nobody under 18 is in the restgruppe); a band wholly under 18 has no
    value. Seed 000's adult variant (no completed youth or higher education) is the same rule in
    the model's attainment ladder; its ages (25-50) are above 29.
    """
    lo = max(ages[0], states.RESTGRUPPE_MIN_AGE)
    if lo > ages[1]:
        zero = np.zeros_like(v.lc_band(ALL_STATES, ages))
        return ratio(zero, zero, ("lifecourse",))
    cols = _states(activities={"neet"}, attains=states.RESTGRUPPE_ATTAIN)
    return _lc_share(v, (lo, ages[1]), cols)


@register(
    "youth_edu_enrolled_share",
    tallies=("lifecourse",),
    bands=((18, 20), (17, 20), (15, 29)),
    en="Enrolled in youth education (gymnasial)",
    da="Andel i gang med ungdomsuddannelse (gymnasial)",
)
def youth_edu_enrolled_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons with activity ``youth_edu`` (the gymnasial route) / all persons aged ``ages`` in
    ``year``."""
    return _lc_share(v, ages, _states(activities={"youth_edu"}))


@register(
    "vocational_enrolled_share",
    tallies=("lifecourse",),
    bands=((17, 24),),
    en="Enrolled in vocational education",
    da="Andel i gang med erhvervskompetencegivende uddannelse",
)
def vocational_enrolled_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons with activity ``vocational`` / all persons aged ``ages`` in ``year``."""
    return _lc_share(v, ages, _states(activities={"vocational"}))


@register(
    "higher_enrolled_share",
    tallies=("lifecourse",),
    bands=((21, 25),),
    en="Enrolled in higher education",
    da="Andel i gang med videregående uddannelse",
)
def higher_enrolled_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons with activity ``higher_edu`` / all persons aged ``ages`` in ``year``."""
    return _lc_share(v, ages, _states(activities={"higher_edu"}))


@register(
    "higher_completed_share",
    tallies=("lifecourse",),
    bands=((29, 29),),
    en="Completed higher education",
    da="Andel med gennemført videregående uddannelse",
)
def higher_completed_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons with attainment ``higher_edu`` / all persons aged ``ages`` in ``year``.

    Exact from the stock: higher education is the top of the ladder and attainment never falls.
    """
    return _lc_share(v, ages, _states(attains={"higher_edu"}))


# --------------------------------------------------------------------------------------------
# completed levels along the birth cohort
# --------------------------------------------------------------------------------------------


def _completed(v: TallyView, ages: tuple[int, int], level: str, plus_enrolled: bool) -> Ratio:
    num = _band(_ever_completed(v, level), ages)
    if plus_enrolled:
        num = num + v.lc_band(_states(activities={level}), ages)
    return ratio(num, v.lc_band(ALL_STATES, ages), ("lifecourse",))


@register(
    "youth_edu_completed_share",
    tallies=("lifecourse",),
    bands=((21, 21), (15, 25)),
    en="Completed youth education (gymnasial)",
    da="Andel med gennemført ungdomsuddannelse (gymnasial)",
)
def youth_edu_completed_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons who have completed a youth education (gymnasial) / all persons aged ``ages`` in
    ``year``.

    Numerator: completions of ``youth_edu`` (transitions out of activity youth_edu that raise
    attainment to youth_edu) summed along each birth cohort up to ``year``, plus arrivals
    holding it. The stock cannot say it: a vocational or higher graduate may or may not have a
    youth education. Approximation: completers are counted in the area, membership and origin
    of the year they completed, so movers out of a residence group still count in it.
    """
    return _completed(v, ages, "youth_edu", plus_enrolled=False)


@register(
    "youth_edu_enrolled_or_completed_share",
    tallies=("lifecourse",),
    bands=((20, 20),),
    en="In or completed youth education",
    da="Andel i gang med eller med gennemført ungdomsuddannelse",
)
def youth_edu_enrolled_or_completed_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons enrolled in (activity youth_edu) or having completed a youth education / all
    persons aged ``ages`` in ``year`` (the two are disjoint: nobody re-enters it after
    completing). Completion as in :func:`youth_edu_completed_share`."""
    return _completed(v, ages, "youth_edu", plus_enrolled=True)


@register(
    "vocational_completed_share",
    tallies=("lifecourse",),
    bands=((25, 25),),
    en="Completed vocational education",
    da="Andel med gennemført erhvervskompetencegivende uddannelse",
)
def vocational_completed_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons who have completed a vocational education / all persons aged ``ages`` in
    ``year``: vocational completions along the birth cohort plus arrivals holding one (a higher
    graduate may or may not have one; same approximation as youth education)."""
    return _completed(v, ages, "vocational", plus_enrolled=False)


# --------------------------------------------------------------------------------------------
# entrants followed up
# --------------------------------------------------------------------------------------------


@register(
    "youth_edu_dropout_share",
    tallies=("entrants",),
    bands=((21, 21),),
    en="Dropped out of youth education",
    da="Andel med afbrudt ungdomsuddannelse",
)
def youth_edu_dropout_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Entries to youth education (gymnasial) that were left without completing / all entries,
    of persons aged ``ages`` in ``year`` who entered at most 7 years before (``entrants``
    tally, status ``left`` at ``years_since = age - entry_age``).

    The denominator is those who ever started one, as the reports' N suggests. Counted per
    entry, not per person: a person who left and re-entered counts in both entries. Covariates
    are those of the entry year.
    """
    d = diagonal(v.entrants("youth_edu"), ages, states.FOLLOW_YEARS)
    left = spec.ENTRANT_STATUS.index("left")
    return ratio(d[..., left], d.sum(axis=-1), ("entrants",))


def _within(v: TallyView, ages: tuple[int, int], level: str, years: int) -> Ratio:
    e = v.entrants(level)
    hi = min(ages[1], states.AGE_MAX - years)
    x = e[:, ages[0] - states.AGE_MIN : hi - states.AGE_MIN + 1, ..., years, :].sum(axis=1)
    done = spec.ENTRANT_STATUS.index("completed")
    num, den = x[..., done], x.sum(axis=-1)
    if WITHIN_YEAR_IS_END:  # entry year -> the year the window ends
        num, den = _shift_years(num, years), _shift_years(den, years)
    return ratio(num, den, ("entrants",))


def _shift_years(x: np.ndarray, n: int) -> np.ndarray:
    """``out[y] = x[y - n]`` along the first (year) axis, zero where ``y - n`` is before it."""
    out = np.zeros_like(x)
    if n < len(x):
        out[n:] = x[: len(x) - n]
    return out


_WITHIN_DOC = """Entrants to {level} aged ``ages`` at entry who completed it within {n} years /
    all those entrants (``entrants`` tally, status ``completed`` at ``years_since = {n}``).

    ``year`` is the end of the {n}-year window (entry year + {n}). Entrants are followed only
    to age 29, so entry ages are cut at {cut} (29 - {n}); the reports follow starters aged up
    to 29 beyond that age. Covariates are those of the entry year.
    """


def _make_within(level: str, n: int) -> IndicatorFunc:
    def func(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
        return _within(v, ages, level, n)

    func.__doc__ = _WITHIN_DOC.format(level=level, n=n, cut=states.AGE_MAX - n)
    func.__name__ = f"{level}_completion_within_{n}y"
    return func


for _level, _n, _bands, _en, _da in (
    ("youth_edu", 3, ((15, 29),), "youth education", "ungdomsuddannelse"),
    ("vocational", 5, ((15, 29),), "vocational education", "erhvervskompetencegivende udd."),
    ("higher_edu", 7, ((18, 29),), "higher education", "videregående uddannelse"),
):
    _name = "higher" if _level == "higher_edu" else _level
    register(
        f"{_name}_completion_within_{_n}y",
        tallies=("entrants",),
        bands=_bands,
        en=f"Completed {_en} within {_n} years of starting",
        da=f"Andel der gennemfører {_da} inden for {_n} år",
    )(_make_within(_level, _n))


# --------------------------------------------------------------------------------------------
# the exam and what follows a completion or dropout
# --------------------------------------------------------------------------------------------


@register(
    "afgangseksamen_rate",
    tallies=("lifecourse",),
    bands=((15, 16),),
    en="Leaving exam (afgangseksamen)",
    da="Andel med afgangseksamen",
)
def afgangseksamen_rate(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Pupils leaving grundskole (state ``school|none``) with the exam / all pupils leaving it,
    in ``year`` (the school-leaving year), aged ``ages`` in that year.

    Leavers are the transitions out of ``school|none``: with the exam into any state with
    attainment grundskole (including ``school|grundskole``, the 10th grade), without it into a
    state with attainment none outside school. A share despite its name.
    """
    exam = tuple(f"exam:{n}" for n in NEXT_PARTITION)
    num = v.lc_band(exam, ages)
    den = v.lc_band((*exam, "noexam"), ages)
    return ratio(num, den, ("lifecourse",))


#: event of a next_after_* indicator -> (category prefix, denominator wording)
_EVENTS: dict[str, tuple[str, str]] = {
    "grundskole": ("exam", "pupils who left grundskole with the exam (afgangseksamen)"),
    "youth_edu": ("complete:youth_edu", "persons who completed a youth education (gymnasial)"),
    "youth_dropout": ("dropout:youth_edu", "persons who left a youth education uncompleted"),
    "vocational": ("complete:vocational", "persons who completed a vocational education"),
    "higher": ("complete:higher_edu", "persons who completed a (first) higher education"),
}
_NEXT_WORDS = {
    "education": "in education (any activity in school, other_edu, youth_edu, vocational, "
    "higher_edu)",
    "employment": "employed",
    "neet": "NEET",
    "youth_edu": "enrolled in a youth education (activity youth_edu)",
}
_NEXT_DOC = """Of the {who} in ``year`` (the transition recorded in ``year``, aged ``ages``
    then), the share {nxt} in that year's state, the one right after the event.

    Numerator and denominator are the ``{prefix}`` transitions of the lifecourse tally; the
    denominator sums them over the next activity (education, employment, NEET).{extra}
    """


def _make_next(event: str, nxt: str) -> IndicatorFunc:
    prefix, who = _EVENTS[event]

    def func(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
        num = v.lc_band((f"{prefix}:{nxt}",), ages)
        den = v.lc_band(tuple(f"{prefix}:{n}" for n in NEXT_PARTITION), ages)
        return ratio(num, den, ("lifecourse",))

    extra = ""
    if event == "higher":
        extra = (
            " A second higher education leaves attainment unchanged, so its completion "
            "cannot be told from a dropout and is not counted."
        )
    func.__doc__ = _NEXT_DOC.format(who=who, nxt=_NEXT_WORDS[nxt], prefix=prefix, extra=extra)
    func.__name__ = f"next_after_{event}_{nxt}"
    return func


_NEXT_LABELS = {
    "education": ("education", "uddannelse"),
    "employment": ("employment", "beskæftigelse"),
    "neet": ("NEET", "NEET"),
    "youth_edu": ("youth education", "ungdomsuddannelse"),
}
_EVENT_LABELS = {
    "grundskole": ("the exam", "afgangseksamen", ((15, 17),)),
    "youth_edu": ("youth education", "ungdomsuddannelse", ((15, 29),)),
    "youth_dropout": ("dropping out of youth education", "afbrudt ungdomsudd.", ((15, 29),)),
    "vocational": ("vocational education", "erhvervsudd.", ((25, 25), (15, 29))),
    "higher": ("higher education", "videregående udd.", ((29, 29), (15, 29))),
}
for _event, (_en_e, _da_e, _bands_e) in _EVENT_LABELS.items():
    for _nxt in (*NEXT_PARTITION, *(("youth_edu",) if _event == "grundskole" else ())):
        _en_n, _da_n = _NEXT_LABELS[_nxt]
        register(
            f"next_after_{_event}_{_nxt}",
            tallies=("lifecourse",),
            bands=_bands_e,
            en=f"In {_en_n} right after {_en_e}",
            da=f"I {_da_n} lige efter {_da_e}",
        )(_make_next(_event, _nxt))


# --------------------------------------------------------------------------------------------
# childhood: poverty, parents, crime, leisure-time jobs
# --------------------------------------------------------------------------------------------


@register(
    "poverty_share",
    tallies=("poverty",),
    bands=((0, 6), (6, 6), (0, 17), (0, 29)),
    en="Family poverty",
    da="Andel i fattige familier",
)
def poverty_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons whose family is poor this year / all persons aged ``ages`` in ``year``
    (``poverty`` tally summed over last year's status)."""
    num = v.cells("poverty", ages, {"poverty_to": "yes"})
    return ratio(num, v.cells("poverty", ages), ("poverty",))


@register(
    "poverty_ever_share",
    tallies=("poverty_ever",),
    bands=((6, 18),),
    en="Ever poor at 6-18",
    da="Andel nogensinde fattig i alderen 6-18",
)
def poverty_ever_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons aged ``age_to`` in ``year`` whose family was poor in any year since they were 6 /
    all persons aged ``age_to`` (targets README 3.2: the row's band 6-18 is the window, the
    measurement is at 18)."""
    at = (ages[1], ages[1])
    num = v.cells("poverty_ever", at, {"ever_poor": "yes"})
    return ratio(num, v.cells("poverty_ever", at), ("poverty_ever",))


@register(
    "parent_psychiatric_share",
    tallies=("parent_psych",),
    bands=((0, 6), (6, 18)),
    en="Parent treated for mental illness",
    da="Andel med forælder i psykiatrisk behandling",
)
def parent_psychiatric_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons aged ``age_to`` in ``year`` with a parent ever treated for mental illness / all
    persons aged ``age_to`` (measured at 6 for the window 0-6, at 18 for 6-18).

    The flag is absorbing from birth, so for the window 6-18 it also counts treatment before 6
    (an overstatement against the report's "during ages 6-18").
    """
    at = (ages[1], ages[1])
    num = v.cells("parent_psych", at, {"parent_psych_to": "yes"})
    return ratio(num, v.cells("parent_psych", at), ("parent_psych",))


@register(
    "parent_restgruppe_share",
    tallies=("parent_rg",),
    bands=((6, 6), (6, 17), (0, 6), (15, 15)),
    en="Parent in restgruppe",
    da="Andel med forælder i restgruppen",
)
def parent_restgruppe_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Children aged ``ages`` in ``year`` with at least one resident parent in the restgruppe
    when they were ``age_from`` / all those children.

    A one-year band is the cross-section (age 6 in 2019). A wider band (the reports' "school
    children 6-17, parents measured at 6") sums the cohorts aged ``age_from`` in the years
    ``year - (age_to - age_from)`` ... ``year``, with their area and membership at that age
    (moves since then are not followed).
    """
    lo, hi = ages
    yes = v.cells("parent_rg", (lo, lo), {"parent_rg_to": "yes"})
    all_ = v.cells("parent_rg", (lo, lo))
    num, den = yes.copy(), all_.copy()
    for d in range(1, hi - lo + 1):
        if d < len(num):
            num[d:] += yes[:-d]
            den[d:] += all_[:-d]
    return ratio(num, den, ("parent_rg",))


@register(
    "mistanke_rate",
    tallies=("crime",),
    bands=((10, 14),),
    en="Suspicions per child (10-14) per year",
    da="Mistanker pr. barn (10-14) pr. år",
    kind="rate",
)
def mistanke_rate(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons aged ``ages`` with a registered suspicion in ``year`` / all persons aged
    ``ages``: events per person per year (``crime`` tally; a suspicion at 10-14).

    The tally holds at most one event per person and year, so a child with two suspicions in
    a year counts once. Poisson MC error.
    """
    num = v.cells("crime", ages, {"crime_event": "yes"})
    return ratio(num, v.cells("crime", ages), ("crime",), kind="rate")


@register(
    "sigtelse_rate",
    tallies=("crime",),
    bands=((15, 17),),
    en="Charges per young person (15-17) per year",
    da="Sigtelser pr. ung (15-17) pr. år",
    kind="rate",
)
def sigtelse_rate(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons aged ``ages`` charged (sigtet) in ``year`` / all persons aged ``ages``: events per
    person per year (``crime`` tally; a charge from 15; at most one per person and year)."""
    num = v.cells("crime", ages, {"crime_event": "yes"})
    return ratio(num, v.cells("crime", ages), ("crime",), kind="rate")


@register(
    "fritidsjob_share",
    tallies=("job",),
    bands=((15, 20), (13, 17)),
    en="Leisure-time job (in school or youth education)",
    da="Andel med fritidsjob (i grundskole eller gymnasial udd.)",
)
def fritidsjob_share(v: TallyView, ages: tuple[int, int], rule: str) -> Ratio:
    """Persons in school or youth education (activity school or youth_edu) holding a job /
    all persons in school or youth education, aged ``ages`` in ``year`` (``job`` tally).

    Seed 000 counts a wage income of at least 2,000 DKK in the year; the model's job flag is
    calibrated to that, not to seed 001's 110-hour rule. No origin split (the job tally has
    no origin dim).
    """
    acts = ["school", "youth_edu"]
    num = v.cells("job", ages, {"activity": acts, "job_to": "yes"})
    return ratio(num, v.cells("job", ages, {"activity": acts}), ("job",))


def gap(r: Ratio) -> tuple[np.ndarray, np.ndarray]:
    """Chanceulighed gap: the value for restgruppe origin minus the value for the rest, with
    its MC error ``sqrt(se_r**2 + se_n**2)``; arrays over (year, group, ethnicity, sex_group)."""
    value, se = r.value, r.se
    ro, no = 0, 1  # groups.ORIGIN_GROUP order: restgruppe, not_restgruppe, all
    return value[:, :, ro] - value[:, :, no], np.sqrt(se[:, :, ro] ** 2 + se[:, :, no] ** 2)
