"""Tests of scenarios/draws.py: effect-size draws from their uncertainty distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from livschancer.scenarios.build import Schedule, build_scenario
from livschancer.scenarios.draws import scenario_draw, schedule_draw


def _scenario(activities):
    return build_scenario(
        {
            "evidence": ["causal", "controlled"],
            "plan": {"pools": {"p": [2010, 2020]}},
            "activities": activities,
        }
    )


JOB = {
    "coverage": 0.1,
    "ages": [13, 18],
    "effect": {
        "process": "job",
        "evidence": "causal",
        "source": "test",
        "odds_ratios": [2.0, 3.0],
        "se": [0.5, 0.25],
        "se_scale": "log",
        "by_sex": {"f": {"odds_ratios": [4.0, 4.0], "se": [0.1, 0.1]}},
    },
}
CRIME = {
    "coverage": 0.1,
    "ages": [10, 17],
    "effect": {
        "process": "crime",
        "evidence": "controlled",
        "source": "test",
        "odds_ratios": [0.8],
        "range": [[0.5, 1.0]],
    },
}


def test_draw_zero_is_the_central_estimate():
    sc = _scenario({"job": JOB, "crime": CRIME})
    acts = {a.name: a for a in scenario_draw(sc, 0, draw_seed=1)}
    assert acts["job"].odds_ratios == (2.0, 3.0)
    assert acts["job"].sex == ("m",)
    assert acts["job/f"].odds_ratios == (4.0, 4.0)
    assert acts["crime"].odds_ratios == (0.8,)
    assert [a.name for a in scenario_draw(sc, 0, 1)] == [a.name for a in sc.engine_activities()]


def test_draws_are_reproducible_and_keyed_by_name_not_position():
    one = _scenario({"job": JOB, "crime": CRIME})
    other = _scenario({"crime": CRIME, "extra": CRIME, "job": JOB})
    for d in (1, 2, 7):
        a = {x.name: x.odds_ratios for x in scenario_draw(one, d, 5)}
        b = {x.name: x.odds_ratios for x in scenario_draw(other, d, 5)}
        assert a == {k: b[k] for k in a}
        assert b["extra"] != b["crime"]  # a new activity gets its own draws
    assert scenario_draw(one, 1, 5) != scenario_draw(one, 1, 6)
    assert scenario_draw(one, 1, 5) != scenario_draw(one, 2, 5)


def test_lognormal_draws_have_the_published_median_and_se():
    sch = Schedule(sex=None, odds_ratios=(2.0, 3.0), sigma=(0.5, 0.25))
    logs = np.log([schedule_draw(sch, "x", d, 3) for d in range(1, 4001)])
    assert np.allclose(np.median(logs, axis=0), np.log([2.0, 3.0]), atol=0.04)
    assert np.allclose(logs.std(axis=0), [0.5, 0.25], rtol=0.05)
    # one z for all years of a schedule: the years move together
    assert np.corrcoef(logs.T)[0, 1] > 0.999


def test_range_draws_are_uniform_on_the_log_odds_ratio():
    sch = Schedule(sex=None, odds_ratios=(0.8,), log_range=((math.log(0.5), 0.0),))
    draws = np.array([schedule_draw(sch, "x", d, 3)[0] for d in range(1, 4001)])
    assert draws.min() >= 0.5
    assert draws.max() <= 1.0
    u = np.log(draws / 0.5) / math.log(2.0)
    assert np.histogram(u, bins=4, range=(0, 1))[0] == pytest.approx([1000] * 4, rel=0.12)


def test_se_on_the_or_scale_uses_the_delta_method():
    sc = _scenario(
        {
            "fj": {
                "coverage": 0.1,
                "effect": {
                    "process": "job",
                    "evidence": "causal",
                    "source": "000_1e682cf0c4cb9d0e.txt, 3118-3120",
                    "odds_ratios": [3.271, 2.577],
                    "se": [1.025, 0.781],
                    "se_scale": "or",
                },
            }
        }
    )
    (sch,) = sc.activities[0].schedules
    assert sch.sigma == pytest.approx((1.025 / 3.271, 0.781 / 2.577))


def test_fixed_effects_are_never_drawn():
    sch = Schedule(sex=None, odds_ratios=(1.5,))
    assert {schedule_draw(sch, "x", d, 3) for d in range(5)} == {(1.5,)}
