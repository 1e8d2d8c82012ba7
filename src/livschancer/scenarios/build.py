"""Check a scenario config once and turn it into engine activities (style.md 1.6).

:func:`validate_scenario` is what config validation calls: it returns the engine activities
(:class:`livschancer.sim.activities.Activity`) of the scenario at the central effect sizes, and
raises :class:`~livschancer.errors.ConfigError` naming the activity and the field
(``scenario.activities.<name>.<field>: <rule>; got <value>``) for the first broken rule.
:func:`build_scenario` returns the checked :class:`Scenario`, which also knows each effect's
uncertainty (``scenarios/draws.py``), the plan years and the links, for the paired comparison.

Which activities reach the engine: an enabled activity with coverage > 0 whose effect's
evidence class is switched on (``scenario.evidence``; domain.md 5.5 item 4) and that can change
something (an odds ratio other than 1, or an uncertainty that can draw one). Activities that
cannot change anything are left out: they would only add take-up draws.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from livschancer import states
from livschancer.errors import ConfigError
from livschancer.scenarios.schema import (
    EVIDENCE,
    SE_SCALES,
    ActivityConfig,
    EffectConfig,
    LinkConfig,
    ScenarioConfig,
    ScheduleConfig,
)
from livschancer.sim.activities import MAX_EFFECT_YEARS, PROCESSES, Activity

#: Calendar years a plan pool may name (a sanity range; the simulated years are checked later).
YEAR_RANGE: tuple[int, int] = (1950, 2100)
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def catalogue_names() -> tuple[str, ...]:
    """Names of the shipped activity files (``conf/activity/*.yaml``)."""
    root = resources.files("livschancer.conf").joinpath("activity")
    return tuple(sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml")))


@dataclass(frozen=True)
class Schedule:
    """One odds-ratio schedule of an effect, checked: central values and uncertainty.

    ``sigma``: SE of log OR per year (lognormal draws) or None; ``log_range``: (k, 2) bounds of
    log OR (uniform draws) or None; at most one of them is set.
    """

    sex: str | None
    odds_ratios: tuple[float, ...]
    sigma: tuple[float, ...] | None = None
    log_range: tuple[tuple[float, float], ...] | None = None

    @property
    def uncertain(self) -> bool:
        if self.sigma is not None:
            return any(s > 0 for s in self.sigma)
        if self.log_range is not None:
            return any(hi > lo for lo, hi in self.log_range)
        return False


@dataclass(frozen=True)
class PlannedActivity:
    """A checked activity: its engine template (eligibility, central odds ratios of the
    common schedule), its schedules (one, or one per sex) and its evidence."""

    key: str
    template: Activity
    schedules: tuple[Schedule, ...]
    evidence: str
    source: str
    active: bool

    def engine(self, odds: dict[str | None, tuple[float, ...]] | None = None) -> list[Activity]:
        """Engine activities: one per schedule (a sex-specific schedule becomes activity
        ``<key>/<sex>`` eligible for that sex only). ``odds`` replaces the odds ratios of the
        schedules by sex key (None = the common one)."""
        out = []
        for sch in self.schedules:
            ors = sch.odds_ratios if odds is None else odds[sch.sex]
            if sch.sex is None:
                others = tuple(s.sex for s in self.schedules if s.sex is not None)
                sexes = self.template.sex
                if others:
                    sexes = tuple(s for s in (sexes or states.SEX) if s not in others)
                out.append(replace(self.template, odds_ratios=tuple(ors), sex=sexes))
            else:
                out.append(
                    replace(
                        self.template,
                        name=f"{self.key}/{sch.sex}",
                        odds_ratios=tuple(ors),
                        sex=(sch.sex,),
                    )
                )
        return [a for a in out if a.sex is None or len(a.sex) > 0]


@dataclass(frozen=True)
class Link:
    """A checked link: the odds ratio of last year's ``risk`` on the transition ``group``."""

    key: str
    risk: str
    group: str
    odds_ratio: float
    evidence: str
    source: str


@dataclass(frozen=True)
class Scenario:
    """A checked scenario."""

    name: str
    evidence: tuple[str, ...]
    plan_areas: tuple[str, ...]
    plan_pools: dict[str, tuple[int, int]]
    activities: tuple[PlannedActivity, ...]
    links: tuple[Link, ...]

    @property
    def active(self) -> tuple[PlannedActivity, ...]:
        """The activities that reach the engine."""
        return tuple(a for a in self.activities if a.active)

    def engine_activities(
        self, *, null: bool = False, leave_out: str | None = None
    ) -> list[Activity]:
        """Engine activities at the central effect sizes (``null``: every odds ratio 1, so
        that take-up happens but changes nothing), without activity ``leave_out``."""
        out: list[Activity] = []
        for a in self.active:
            if a.key == leave_out:
                continue
            odds = {s.sex: (1.0,) * len(s.odds_ratios) for s in a.schedules} if null else None
            out.extend(a.engine(odds))
        return out

    def plan_years(self) -> dict[str, tuple[int, ...]]:
        """Calendar years in which a plan runs, by area (every area named; empty where none)."""
        years = sorted({y for lo, hi in self.plan_pools.values() for y in range(lo, hi + 1)})
        return {a: tuple(years) if a in self.plan_areas else () for a in states.AREA}


def validate_scenario(cfg: Any, where: str = "scenario") -> list[Activity]:
    """Check the scenario config and return its engine activities at the central effect sizes.

    Parameters
    ----------
    cfg
        A :class:`ScenarioConfig`, a DictConfig of one (``run_cfg.scenario``) or a plain dict.

    Raises
    ------
    ConfigError
        ``scenario.activities.<name>.<field>: <rule>; got <value>`` for the first broken rule.
    """
    return build_scenario(cfg, where).engine_activities()


def to_config(cfg: Any) -> ScenarioConfig:
    """A :class:`ScenarioConfig` from a dataclass, DictConfig or dict (merged onto the schema)."""
    if isinstance(cfg, ScenarioConfig):
        return cfg
    node = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(cfg)
    merged = OmegaConf.merge(OmegaConf.structured(ScenarioConfig), node)
    out = OmegaConf.to_object(merged)
    assert isinstance(out, ScenarioConfig)
    return out


def build_scenario(cfg: Any, where: str = "scenario") -> Scenario:
    """Check a scenario config and return the :class:`Scenario` (see :func:`validate_scenario`)."""
    sc = to_config(cfg)
    evidence = tuple(sc.evidence)
    for e in evidence:
        _one_of(f"{where}.evidence", e, EVIDENCE, "evidence class")
    plan_areas = tuple(sc.plan.areas)
    for a in plan_areas:
        _one_of(f"{where}.plan.areas", a, states.AREA, "area")
    pools: dict[str, tuple[int, int]] = {}
    for name, span in sc.plan.pools.items():
        pools[name] = _year_span(f"{where}.plan.pools.{name}", span)
    acts = []
    seen_names: dict[str, str] = {}
    for key, ac in sc.activities.items():
        w = f"{where}.activities.{key}"
        pa = _activity(key, ac, w, evidence, pools)
        for eng in pa.engine():
            if eng.name in seen_names:
                raise ConfigError(
                    f"{w}", f"its engine name clashes with activity {seen_names[eng.name]!r}", key
                )
            seen_names[eng.name] = key
        acts.append(pa)
    links = tuple(
        _link(key, lk, f"{where}.links.{key}") for key, lk in sc.links.items() if lk.enabled
    )
    for i, a in enumerate(links):
        for b in links[i + 1 :]:
            if (a.risk, a.group) == (b.risk, b.group):
                raise ConfigError(
                    f"{where}.links.{b.key}", f"sets the same odds ratio as link {a.key!r}", b.key
                )
    return Scenario(
        name=sc.name,
        evidence=evidence,
        plan_areas=plan_areas,
        plan_pools=pools,
        activities=tuple(acts),
        links=links,
    )


# ---------------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------------


def _one_of(where: str, value: Any, allowed: tuple[str, ...] | list[str], what: str) -> None:
    if value not in allowed:
        raise ConfigError(where, f"unknown {what}; expected one of {list(allowed)}", value)


def _int_pair(where: str, value: Any) -> tuple[int, int]:
    if (
        value is None
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ConfigError(where, "must be a [first, last] pair of integers", _plain(value))
    return int(value[0]), int(value[1])


def _year_span(where: str, value: Any) -> tuple[int, int]:
    lo, hi = _int_pair(where, value)
    if not YEAR_RANGE[0] <= lo <= hi <= YEAR_RANGE[1]:
        raise ConfigError(
            where,
            f"must be [first, last] calendar years with {YEAR_RANGE[0]} <= first <= last <= "
            f"{YEAR_RANGE[1]}",
            [lo, hi],
        )
    return lo, hi


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _names(where: str, chosen: list[str] | None, kind: str) -> tuple[str, ...] | None:
    if chosen is None:
        return None
    allowed = states.labels(kind)
    for c in chosen:
        _one_of(where, c, allowed, kind)
    if not chosen:
        raise ConfigError(where, f"must name at least one {kind} (null means all)", [])
    return tuple(chosen)


def _states(where: str, chosen: list[str] | None) -> tuple[str, ...] | None:
    """Life-course labels from labels or activity names (an activity name means all its
    states)."""
    if chosen is None:
        return None
    out: list[str] = []
    for c in chosen:
        if c in states.LIFECOURSE:
            out.append(c)
        elif c in states.ACTIVITY:
            out.extend(states.states_where(activity=c))
        else:
            raise ConfigError(
                where,
                "unknown state; expected a life-course label "
                f"{list(states.LIFECOURSE)} or an activity {list(states.ACTIVITY)}",
                c,
            )
    if not out:
        raise ConfigError(where, "must name at least one state (null means all)", [])
    return tuple(dict.fromkeys(out))


def _schedule(where: str, sch: ScheduleConfig, sex: str | None) -> Schedule:
    ors = list(sch.odds_ratios)
    n_max = MAX_EFFECT_YEARS + 1
    if not 1 <= len(ors) <= n_max:
        raise ConfigError(
            f"{where}.odds_ratios",
            f"must list 1 to {n_max} odds ratios (years since participation 0, 1, ...)",
            ors,
        )
    for v in ors:
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ConfigError(f"{where}.odds_ratios", "must be positive, finite numbers", ors)
    if sch.se is not None and sch.range is not None:
        raise ConfigError(
            f"{where}.range", "give either se (lognormal) or range (uniform), not both", sch.range
        )
    sigma = None
    if sch.se is not None:
        se = list(sch.se)
        if len(se) != len(ors):
            raise ConfigError(f"{where}.se", f"needs one value per odds ratio ({len(ors)})", se)
        for v in se:
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ConfigError(f"{where}.se", "must be finite numbers >= 0", se)
        _one_of(f"{where}.se_scale", sch.se_scale, SE_SCALES, "SE scale")
        if sch.se_scale == "or":
            sigma = tuple(float(s) / float(o) for s, o in zip(se, ors, strict=True))
        else:
            sigma = tuple(float(s) for s in se)
    log_range = None
    if sch.range is not None:
        rng = _plain(sch.range)
        if len(rng) != len(ors):
            raise ConfigError(
                f"{where}.range", f"needs one [low, high] pair per odds ratio ({len(ors)})", rng
            )
        pairs = []
        for pair, o in zip(rng, ors, strict=True):
            ok = len(pair) == 2 and all(
                isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in pair
            )
            if not ok or not pair[0] <= o <= pair[1]:
                raise ConfigError(
                    f"{where}.range",
                    "must be [low, high] positive odds ratios with low <= odds_ratio <= high",
                    rng,
                )
            pairs.append((math.log(pair[0]), math.log(pair[1])))
        log_range = tuple(pairs)
    return Schedule(
        sex=sex,
        odds_ratios=tuple(float(v) for v in ors),
        sigma=sigma,
        log_range=log_range,
    )


def _effect(where: str, eff: EffectConfig) -> tuple[tuple[Schedule, ...], dict[str, Any]]:
    _one_of(f"{where}.process", eff.process, PROCESSES, "process")
    _one_of(f"{where}.evidence", eff.evidence, EVIDENCE, "evidence class")
    if not eff.source.strip():
        raise ConfigError(
            f"{where}.source", "must name a report and line, or say 'assumption'", eff.source
        )
    targets: dict[str, Any] = {"target_groups": (), "to_states": ()}
    if eff.process == "lifecourse":
        for g in eff.target_groups:
            _one_of(f"{where}.target_groups", g, tuple(states.TRANSITION_GROUPS), "transition")
        to = _states(f"{where}.to_states", list(eff.to_states)) if eff.to_states else ()
        if not eff.target_groups and not to:
            raise ConfigError(
                f"{where}.target_groups",
                "a lifecourse effect needs target_groups or to_states",
                list(eff.target_groups),
            )
        targets = {"target_groups": tuple(eff.target_groups), "to_states": tuple(to or ())}
    elif eff.target_groups or eff.to_states:
        raise ConfigError(
            f"{where}.target_groups",
            f"only a lifecourse effect names transitions (process {eff.process!r} acts on the "
            "flag being 1)",
            list(eff.target_groups) or list(eff.to_states),
        )
    schedules = []
    by_sex = dict(eff.by_sex)
    for s in by_sex:
        _one_of(f"{where}.by_sex", s, states.SEX, "sex")
    common = _schedule(where, eff, None)  # checked even when every sex has its own
    if len(by_sex) < len(states.SEX):
        schedules.append(common)
    for s in states.SEX:
        if s in by_sex:
            schedules.append(_schedule(f"{where}.by_sex.{s}", by_sex[s], s))
    return tuple(schedules), targets


def _activity(
    key: str,
    ac: ActivityConfig,
    w: str,
    evidence: tuple[str, ...],
    pools: dict[str, tuple[int, int]],
) -> PlannedActivity:
    if not _NAME.match(key):
        raise ConfigError(w, "activity names may use letters, digits and '_' only", key)
    if not ac.effect.process:
        raise ConfigError(
            w,
            "unknown activity: not in the catalogue "
            f"{list(catalogue_names())} and no effect.process given",
            key,
        )
    lo, hi = _int_pair(f"{w}.ages", ac.ages)
    if not states.AGE_MIN <= lo <= hi <= states.AGE_MAX:
        raise ConfigError(
            f"{w}.ages",
            f"must be [from, to] with {states.AGE_MIN} <= from <= to <= {states.AGE_MAX}",
            [lo, hi],
        )
    years = _activity_years(w, ac, pools)
    cov = ac.coverage
    if not (isinstance(cov, (int, float)) and math.isfinite(cov) and 0.0 <= cov <= 1.0):
        raise ConfigError(f"{w}.coverage", "must lie in [0, 1]", cov)
    schedules, targets = _effect(f"{w}.effect", ac.effect)
    common = next((s for s in schedules if s.sex is None), schedules[0])
    template = Activity(
        name=key,
        process=ac.effect.process,
        odds_ratios=common.odds_ratios,
        coverage=float(cov),
        ages=(lo, hi),
        years=years,
        sex=_names(f"{w}.sex", ac.sex, "sex"),
        menapt=_names(f"{w}.menapt", ac.menapt, "menapt"),
        areas=_names(f"{w}.areas", ac.areas, "area"),
        member=_names(f"{w}.member", ac.member, "member"),
        origins=_names(f"{w}.origins", ac.origins, "origin"),
        from_states=_states(f"{w}.from_states", ac.from_states),
        once=bool(ac.once),
        source=ac.effect.source,
        **targets,
    )
    can_change = any(s.uncertain or any(o != 1.0 for o in s.odds_ratios) for s in schedules)
    active = bool(ac.enabled) and cov > 0 and ac.effect.evidence in evidence and can_change
    return PlannedActivity(
        key=key,
        template=template,
        schedules=schedules,
        evidence=ac.effect.evidence,
        source=ac.effect.source,
        active=active,
    )


def _activity_years(
    w: str, ac: ActivityConfig, pools: dict[str, tuple[int, int]]
) -> tuple[int, int]:
    if not pools:
        if ac.enabled and ac.coverage > 0:
            raise ConfigError(
                f"{w}.years",
                "the activity runs in no year: the scenario's plan has no pools "
                "(scenario.plan.pools)",
                _plain(ac.years),
            )
        return (YEAR_RANGE[0], YEAR_RANGE[0])
    names = list(pools) if ac.pools is None else list(ac.pools)
    for p in names:
        _one_of(f"{w}.pools", p, tuple(pools), "plan pool")
    if not names:
        raise ConfigError(f"{w}.pools", "must name at least one pool (null means all)", [])
    spans = sorted(pools[p] for p in names)
    first, last = spans[0]
    for lo, hi in spans[1:]:
        if lo > last + 1:
            raise ConfigError(
                f"{w}.pools",
                "the pools' years must form one span (no gap): split the activity in two",
                names,
            )
        last = max(last, hi)
    if ac.years is None:
        return first, last
    lo, hi = _year_span(f"{w}.years", ac.years)
    if not first <= lo <= hi <= last:
        raise ConfigError(
            f"{w}.years", f"must lie within the plan years of its pools ({first}-{last})", [lo, hi]
        )
    return lo, hi


def _link(key: str, lk: LinkConfig, w: str) -> Link:
    _one_of(f"{w}.risk", lk.risk, states.RISKS, "risk flag")
    _one_of(f"{w}.group", lk.group, states.RISK_GROUPS, "transition group")
    _one_of(f"{w}.evidence", lk.evidence, EVIDENCE, "evidence class")
    v = lk.odds_ratio
    if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
        raise ConfigError(f"{w}.odds_ratio", "must be a positive, finite number", v)
    if lk.range is not None:
        r = _plain(lk.range)
        if len(r) != 2 or not (0 < r[0] <= v <= r[1]):
            raise ConfigError(
                f"{w}.range", "must be [low, high] with 0 < low <= odds_ratio <= high", r
            )
    return Link(key, lk.risk, lk.group, float(v), lk.evidence, lk.source)


def apply_links(params: Any, scenario: Scenario) -> Any:
    """The parameter set with the scenario's enabled links written into ``risk_or`` (a copy;
    the same links hold in both arms of a comparison, since they describe the world)."""
    if not scenario.links:
        return params
    risk_or = params.risk_or.copy(deep=True)
    for lk in scenario.links:
        risk_or.loc[{"risk": lk.risk, "group": lk.group}] = np.float64(lk.odds_ratio)
    return replace(params, risk_or=risk_or)
