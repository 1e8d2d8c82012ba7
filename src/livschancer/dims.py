"""Canonical dimension names and order of every parameter array livschancer uses.

Axis numbers appear only inside ``sim/`` and ``tallies/``; everything that leaves a kernel is
labelled with these names (style.md 1.5). The dims of the tallies (what a run writes) are in
:mod:`livschancer.tallies.spec`.
"""

from __future__ import annotations

#: The covariate cell of a life-course transition, in the order the kernels flatten it.
CELL: tuple[str, ...] = ("sex", "menapt", "area", "member", "origin")

#: Life-course transition probabilities P(to | from, covariates in the year of the move).
LIFECOURSE_PROBS: tuple[str, ...] = ("period", "age", *CELL, "from", "to")

#: Residential moves: the area next year given age, menapt and parent_rg (model.md s.4 step 1).
MOVE_PROBS: tuple[str, ...] = ("age", "menapt", "parent_rg", "area_from", "area_to")

#: Parents' restgruppe status: P(parent_rg = 1 this year) (model.md s.4 step 2).
PARENT_PROBS: tuple[str, ...] = ("period", "area", "menapt", "parent_rg_from")

#: Job while enrolled: P(job = 1 this year) by this year's activity (zero where not enrolled
#: or outside ages 13-29); the fritidsjob is the job at 13-20 in school or youth education.
JOB_PROBS: tuple[str, ...] = ("period", "age", "sex", "menapt", "area", "activity", "job_from")

#: Family poverty: P(poor this year).
POVERTY_PROBS: tuple[str, ...] = ("period", "age", "menapt", "area", "parent_rg", "poverty_from")

#: Parental psychiatric treatment: P(a parent is treated for the first time this year); the
#: flag is absorbing, so there is no ``from`` dim.
PSYCH_PROBS: tuple[str, ...] = ("period", "age", "menapt", "area", "parent_rg")

#: Suspicion (10-14) or charge (15+): P(an event this year) given an earlier one.
CRIME_PROBS: tuple[str, ...] = (
    "period",
    "age",
    "sex",
    "menapt",
    "area",
    "origin",
    "crime_ever_from",
)

#: Odds ratios of last year's risk flags on named groups of life-course transitions
#: (``states.TRANSITION_GROUPS``); 1 means no effect.
RISK_OR: tuple[str, ...] = ("risk", "group")

#: Per-person outputs.
PERSON: str = "person"
