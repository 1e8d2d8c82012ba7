"""The scenario schema: typed dataclasses for ``conf/scenario/*.yaml`` and ``conf/activity/*.yaml``.

A scenario (model.md section 6) is the plan's years by funding pool and the activities that run
in them. An activity is data: who is eligible, how many of the eligible take part, and what
taking part does (odds ratios on one process, by years since participation), each effect with
its uncertainty, its evidence class (domain.md 5.1) and its source (a report and line, or
``"assumption"``). The dataclasses hold no logic (style.md 1.6): :func:`livschancer.scenarios.
build.validate_scenario` checks them once and turns them into engine activities.

Composition from the command line, e.g.::

    livschancer scenario=with_plan scenario.activities.fritidsjob.coverage=0.4
    livschancer scenario=with_plan 'scenario.evidence=[causal,controlled]'
    livschancer scenario=with_plan +activity@scenario.activities.hotspot=crime_prevention
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

#: Evidence classes of an effect (domain.md 5.1), strongest first. ``with_plan`` switches on only
#: ``causal`` effects (domain.md 5.5 item 4); the others are opt-in through ``scenario.evidence``.
EVIDENCE: tuple[str, ...] = (
    "causal",
    "controlled",
    "observational",
    "perceived",
    "literature",
    "assumption",
)

#: How a published standard error is given: ``log`` = SE of log(OR); ``or`` = SE of the OR itself
#: (Stata's ``logit, or`` output, as in seed 000's tables), turned into an SE of log(OR) by the
#: delta method, SE / OR.
SE_SCALES: tuple[str, ...] = ("log", "or")


@dataclass
class ScheduleConfig:
    """Odds ratios by years since participation (k = 0 is the year of participation) and the
    uncertainty of the estimate: a published standard error per year (``se``, lognormal on the
    OR) or a stated range per year (``range``, ``[low, high]`` ORs, uniform on log OR); at most
    one of the two. Without either, the effect is fixed."""

    odds_ratios: list[float] = field(default_factory=lambda: [1.0])
    se: Optional[list[float]] = None  # noqa: UP045 - OmegaConf needs typing.Optional
    se_scale: str = "log"
    range: Optional[list[list[float]]] = None  # noqa: UP045


@dataclass
class EffectConfig(ScheduleConfig):
    """What taking part does.

    ``process`` is one of ``sim.activities.PROCESSES``. A ``lifecourse`` effect multiplies the
    odds of the transitions in ``target_groups`` (names of ``states.TRANSITION_GROUPS``) and
    into ``to_states`` (life-course labels such as ``"youth_edu|none"``, or activity names such
    as ``"neet"`` for every state with that activity). The flag processes (``parent_rg``,
    ``job``, ``poverty``, ``parent_psych``, ``crime``) multiply the odds of the flag being 1 this
    year, so an odds ratio below 1 helps where the flag is bad.

    ``by_sex`` gives separate schedules for ``m`` and ``f`` (each replaces the common one for that
    sex); the effect lasts ``len(odds_ratios)`` years after the last participation
    (persistence); then it is gone.
    """

    process: str = ""
    target_groups: list[str] = field(default_factory=list)
    to_states: list[str] = field(default_factory=list)
    by_sex: dict[str, ScheduleConfig] = field(default_factory=dict)
    evidence: str = "assumption"
    source: str = "assumption"
    note: str = ""


@dataclass
class ActivityConfig:
    """One activity (model.md section 6, domain.md 5.3).

    Eligibility: ages ``ages`` (``[from, to]``, inclusive), the calendar years of the plan pools
    in ``pools`` (``null``: every pool of the scenario's plan) or explicit ``years``
    (``[first, last]``, which must lie within the plan's years), residence in ``areas`` this year
    (after the move; ``null``: any area), membership ``member`` (grew up in a supported area,
    domain.md 2.3; ``null``: either), covariates ``sex``, ``menapt``, ``origins`` (``null``: all)
    and last year's life-course state ``from_states`` (labels or activity names; ``null``: all).

    Take-up: each eligible year a person takes part with probability ``coverage``; with
    ``once: true`` only the first eligible year is drawn (coverage is then the share of the
    eligible who ever take part). ``enabled: false`` leaves the activity out.
    """

    enabled: bool = True
    description: str = ""
    ages: list[int] = field(default_factory=lambda: [0, 29])
    pools: Optional[list[str]] = None  # noqa: UP045
    years: Optional[list[int]] = None  # noqa: UP045
    areas: Optional[list[str]] = field(default_factory=lambda: ["supported"])  # noqa: UP045
    member: Optional[list[str]] = None  # noqa: UP045
    sex: Optional[list[str]] = None  # noqa: UP045
    menapt: Optional[list[str]] = None  # noqa: UP045
    origins: Optional[list[str]] = None  # noqa: UP045
    from_states: Optional[list[str]] = None  # noqa: UP045
    coverage: float = 0.0
    once: bool = False
    coverage_source: str = "assumption"
    effect: EffectConfig = field(default_factory=EffectConfig)


@dataclass
class LinkConfig:
    """A downstream link between states that describes the world, not the plan (domain.md 5.5
    item 3: "separate, optional, labelled assumptions"): the odds ratio of last year's risk flag
    ``risk`` (``states.RISKS``) on the life-course transition group ``group``
    (``states.RISK_GROUPS``). ``enabled: true`` replaces the parameter set's value in both arms
    of a comparison; otherwise the parameter set's own value holds."""

    enabled: bool = False
    risk: str = "fritidsjob"
    group: str = "youth_edu_entry"
    odds_ratio: float = 1.0
    range: Optional[list[float]] = None  # noqa: UP045
    evidence: str = "literature"
    source: str = "assumption"
    note: str = ""


@dataclass
class ScenarioPlanConfig:
    """Where and when the boligsocial helhedsplan runs: the plan areas (by residence) and the
    calendar years of each funding pool's plans (``name: [first, last]``; domain.md 1). The plan
    years are the union of the pools' years; with no pools, no plan runs."""

    areas: list[str] = field(default_factory=lambda: ["supported"])
    pools: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class ScenarioConfig:
    """A scenario: a name, the evidence classes whose effects are switched on, the plan, the
    activities (by name: the name also keys the activity's random take-up stream) and links."""

    name: str = "without_plan"
    description: str = ""
    evidence: list[str] = field(default_factory=lambda: ["causal"])
    plan: ScenarioPlanConfig = field(default_factory=ScenarioPlanConfig)
    activities: dict[str, ActivityConfig] = field(default_factory=dict)
    links: dict[str, LinkConfig] = field(default_factory=dict)
