"""Canonical dimension names and order for every tensor and Dataset livschancer writes.

Axis numbers appear only inside ``sim/`` (and later ``transitions/counts.py``); everything
that leaves a kernel is labelled with these names (style.md 1.5).
"""

from __future__ import annotations

#: The transition-count tensor (model.md section 5). A record at (year y, age a) counts a person
#: who was in state ``from`` at age a-1 (year y-1) and is in state ``to`` at age a (year y), with
#: the covariates (area, origin) they have in year y. At age 0, ``from == to`` is the birth state,
#: so summing over ``from`` gives the stock at each age and the tensor sums to persons x years.
COUNTS: tuple[str, ...] = ("year", "age", "sex", "menapt", "area", "origin", "from", "to")

#: The covariate cell of a life-course transition, in the order the kernels flatten it.
CELL: tuple[str, ...] = ("sex", "menapt", "area", "origin")

#: Life-course transition probabilities: same layout as the counts with period for year.
LIFECOURSE_PROBS: tuple[str, ...] = (
    "period",
    "age",
    "sex",
    "menapt",
    "area",
    "origin",
    "from",
    "to",
)

#: Residential moves: the area next year given age, menapt and parent_rg (model.md s.4 step 1).
MOVE_PROBS: tuple[str, ...] = ("age", "menapt", "parent_rg", "area_from", "area_to")

#: Parents' restgruppe status: P(parent_rg = 1 next year) (model.md s.4 step 2).
PARENT_PROBS: tuple[str, ...] = ("period", "area", "menapt", "parent_rg_from")

#: Fritidsjob: P(fritidsjob = 1 this year) at ages 13-20 in school or youth education.
FRITIDSJOB_PROBS: tuple[str, ...] = ("period", "age", "sex", "menapt", "area", "fritidsjob_from")

#: Per-person outputs.
PERSON: str = "person"
