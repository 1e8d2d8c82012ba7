"""Tests of sim/population.py: chunk-independent births and the birth-stream layout."""

from __future__ import annotations

import numpy as np

from livschancer.sim import population, rng
from livschancer.sim.run import births_from_config, cohorts_from_config
from tests.helpers import small_population


def test_birth_streams_are_the_four_lanes_of_one_block():
    base = rng.STREAMS["birth_sex"]
    assert base % 4 == 0
    assert base // 4 == population._BIRTH_BLOCK
    lanes = [rng.STREAMS[f"birth_{x}"] - base for x in ("sex", "menapt", "area", "parent_rg")]
    assert lanes == [0, 1, 2, 3]


def test_slices_equal_the_whole():
    pop = small_population(per_year=300)
    cohorts, births = cohorts_from_config(pop), births_from_config(pop)
    whole = population.draw_population(5, cohorts, births, 0, cohorts.n)
    parts = [
        population.draw_population(5, cohorts, births, lo, min(lo + 257, cohorts.n))
        for lo in range(0, cohorts.n, 257)
    ]
    for field in vars(whole):
        np.testing.assert_array_equal(
            getattr(whole, field), np.concatenate([getattr(p, field) for p in parts])
        )


def test_birth_years_follow_cohort_sizes():
    pop = small_population(per_year=10, first=2000, last=2002)
    pop.births_by_year = [[2001, 3]]
    cohorts = cohorts_from_config(pop)
    assert cohorts.sizes.tolist() == [10, 3, 10]
    assert cohorts.birth_years(0, cohorts.n).tolist() == [2000] * 10 + [2001] * 3 + [2002] * 10
    assert cohorts.birth_years(9, 14).tolist() == [2000, 2001, 2001, 2001, 2002]
