"""Tests of scenarios/headline.py: what a comparison measures, and the year window it reads."""

from __future__ import annotations

import numpy as np

from livschancer.outputs.indicators import REGISTRY
from livschancer.scenarios import headline
from livschancer.scenarios.paired import trim_years
from livschancer.sim.config import SimConfig
from livschancer.sim.run import simulate
from tests.helpers import random_params, small_population


def test_every_registry_indicator_and_the_headline_are_measured():
    keys = headline.measured()
    assert set(headline.HEADLINE) <= set(keys)
    for name, ind in REGISTRY.items():
        if headline.RULE in ind.rules:
            for lo, hi in ind.bands:
                assert keys[f"{name}_{lo}_{hi}"] == (name, (lo, hi))
    assert headline.cohorts("restgruppe_25_29") == 5


def test_the_year_window_keeps_every_measured_value():
    pop = small_population(per_year=100, first=1980, last=2000)
    res = simulate(2, pop, random_params(seed=3), SimConfig(progress=False))
    years = [2012, 2025]
    full = headline.make_measure(years)(res.tallies)
    lo, hi = headline.window(years, 1980, 2029)
    assert (lo, hi) == (1982, 2025)
    cut = headline.make_measure(years)(trim_years(res.tallies, (lo, hi)))
    assert set(full) == set(cut) == {"value", "den"}
    assert np.nansum(full["value"].values) > 0
    for part in ("value", "den"):
        for key in full[part]["indicator"].values:
            np.testing.assert_array_equal(
                full[part].sel(indicator=key).values,
                cut[part].sel(indicator=key).values,
                err_msg=f"{part} {key}",
            )
