"""Draws of effect sizes from their uncertainty distributions (parameter uncertainty).

Each schedule (an effect's odds ratios by years since participation, for all or for one sex)
is drawn as one unit: a published estimate with standard errors gives
``log OR_k = log OR_k + z * sigma_k`` with one ``z ~ N(0, 1)`` for all years k (lognormal on
the OR, median at the estimate); a stated range gives ``log OR_k = log low_k + u * (log high_k -
log low_k)`` with one ``u ~ U(0, 1)``. One number per schedule keeps the years of one
evaluation together (they come from the same treated group); the sexes are separate samples and
are drawn independently.

Draw 0 is the central value. Draw ``d`` of a schedule comes from a generator keyed by
``(draw_seed, d, CRC-32 of the engine activity name)``, so adding, removing or reordering
activities leaves every other activity's draws unchanged (the same rule as the take-up
streams, style.md 1.4).
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from livschancer.scenarios.build import PlannedActivity, Scenario, Schedule
from livschancer.sim.activities import Activity


def schedule_draw(sch: Schedule, name: str, draw: int, draw_seed: int) -> tuple[float, ...]:
    """Odds ratios of schedule ``sch`` (of engine activity ``name``) in draw ``draw``."""
    if draw == 0 or not sch.uncertain:
        return sch.odds_ratios
    key = zlib.crc32(name.encode("utf-8"))
    rng = np.random.default_rng(np.random.SeedSequence([int(draw_seed), int(draw), key]))
    if sch.sigma is not None:
        z = float(rng.standard_normal())
        return tuple(
            math.exp(math.log(o) + z * s) for o, s in zip(sch.odds_ratios, sch.sigma, strict=True)
        )
    assert sch.log_range is not None
    u = float(rng.random())
    return tuple(math.exp(lo + u * (hi - lo)) for lo, hi in sch.log_range)


def activity_draw(pa: PlannedActivity, draw: int, draw_seed: int) -> list[Activity]:
    """Engine activities of ``pa`` with the odds ratios of draw ``draw``."""
    odds = {}
    for sch in pa.schedules:
        name = pa.key if sch.sex is None else f"{pa.key}/{sch.sex}"
        odds[sch.sex] = schedule_draw(sch, name, draw, draw_seed)
    return pa.engine(odds)


def scenario_draw(
    scenario: Scenario, draw: int, draw_seed: int, leave_out: str | None = None
) -> list[Activity]:
    """Engine activities of the scenario's active activities in draw ``draw`` (0 = central),
    without activity ``leave_out``."""
    out: list[Activity] = []
    for pa in scenario.active:
        if pa.key != leave_out:
            out.extend(activity_draw(pa, draw, draw_seed))
    return out
