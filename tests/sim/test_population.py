"""Tests of sim/population.py: who is simulated and with which attributes.

The composition tests compare the drawn attributes with the configured shares, interpolated
here independently of the module, within exact two-sided binomial bounds at a family-wise
level of 1e-4 (Bonferroni over every comparison of a test).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from livschancer import states
from livschancer.errors import ConfigError
from livschancer.sim import population, rng
from livschancer.sim.config import AgeBand, YearValue
from tests.helpers import small_population
from tests.sim import reference

ALPHA = 1e-4


def _ids(pop, mask=None):
    ids = np.arange(pop.n, dtype=np.uint64)
    return ids if mask is None else ids[mask]


def test_birth_and_arrival_streams_are_the_four_lanes_of_one_block():
    for prefix, blk in (("birth", population._BIRTH_BLOCK), ("arrival", population._ARRIVAL_BLOCK)):
        base = rng.STREAMS[f"{prefix}_sex"]
        assert base % 4 == 0
        assert base // 4 == blk
        lanes = [
            rng.STREAMS[f"{prefix}_{x}"] - base for x in ("sex", "menapt", "area", "parent_rg")
        ]
        assert lanes == [0, 1, 2, 3]


def test_any_subset_of_persons_draws_the_same_attributes():
    pop = population.build_population(small_population(per_year=300, arrivals=50.0))
    whole = population.draw_people(5, pop, _ids(pop))
    parts = [
        population.draw_people(5, pop, _ids(pop)[lo : lo + 257]) for lo in range(0, pop.n, 257)
    ]
    odd = population.draw_people(5, pop, _ids(pop)[1::2])
    for field in whole._fields:
        got = np.concatenate([getattr(p, field) for p in parts])
        np.testing.assert_array_equal(getattr(whole, field), got, err_msg=field)
        np.testing.assert_array_equal(getattr(whole, field)[1::2], getattr(odd, field))


def test_birth_years_follow_cohort_sizes_and_arrivals_their_year_and_age():
    cfg = small_population(per_year=10, first=2000, last=2002, arrivals=29.0)
    cfg.births_by_year = [[2001, 3]]
    cfg.arrivals.age_bands = [AgeBand(1, 29, 1.0)]
    pop = population.build_population(cfg)
    assert pop.births.tolist() == [10, 3, 10]
    by, arr = pop.birth_year_and_arrival(np.arange(pop.n_births))
    assert by.tolist() == [2000] * 10 + [2001] * 3 + [2002] * 10
    assert (arr == 0).all()
    # arrivals: one a year at each age, only for birth years 2000-2002, in (year, age) order
    by, arr = pop.birth_year_and_arrival(np.arange(pop.n_births, pop.n))
    year = by.astype(int) + arr
    want = [(y, a) for y in range(2001, 2002 + 30) for a in range(1, 30) if 2000 <= y - a <= 2002]
    assert list(zip(year.tolist(), arr.tolist(), strict=True)) == want
    assert pop.arrivals[:, 0].sum() == 0


def _check(k: np.ndarray, n: np.ndarray, p: np.ndarray, m: int, what: str) -> None:
    lo, hi = stats.binom.interval(1 - ALPHA / m, n, p)
    bad = (k < lo) | (k > hi)
    assert not bad.any(), (what, k[bad], n[bad], p[bad])


def _interp(points, year):
    xs = [pt.year for pt in points]
    return {
        key: float(np.interp(year, xs, [pt.shares[key] for pt in points]))
        for key in points[0].shares
    }


def test_cohort_composition_matches_the_configured_shares():
    cfg = small_population(per_year=40_000, first=1995, last=2005)
    pop = population.build_population(cfg)
    by, _ = pop.birth_year_and_arrival(_ids(pop))
    years = (1995, 1999, 2005)  # the first point, an interpolated year, the last point
    people = population.draw_people(3, pop, _ids(pop, np.isin(by, years)))
    m = len(years) * (1 + 3 + 3 + 6)
    for year in years:
        sel = people.birth_year == year
        n = int(sel.sum())
        assert n == 40_000
        sex = people.sex[sel]
        _check(np.array([(sex == 1).sum()]), np.array([n]), np.array([cfg.p_female]), m, "sex")
        area_share = _interp(cfg.area_at_birth, year)
        men_share = _interp(cfg.menapt_share, year)
        prg_points = cfg.parent_rg_at_birth
        for a, name in enumerate(states.AREA):
            in_area = sel & (people.area0 == a)
            _check(
                np.array([in_area.sum()]),
                np.array([n]),
                np.array([area_share[name]]),
                m,
                f"area {name} {year}",
            )
            men = people.menapt[in_area]
            _check(
                np.array([(men == 1).sum()]),
                np.array([in_area.sum()]),
                np.array([men_share[name]]),
                m,
                f"menapt {name} {year}",
            )
            for mi, mname in enumerate(states.MENAPT):
                cell = in_area & (people.menapt == mi)
                xs = [pt.year for pt in prg_points]
                p = float(np.interp(year, xs, [pt.shares[name][mname] for pt in prg_points]))
                _check(
                    np.array([people.parent_rg0[cell].sum()]),
                    np.array([cell.sum()]),
                    np.array([p]),
                    m,
                    f"parent_rg {name} {mname} {year}",
                )


def test_arrival_composition_matches_the_configured_shares():
    cfg = small_population(per_year=10, first=1990, last=2019, arrivals=0.0)
    cfg.arrivals.persons = [YearValue(1995, 20_000), YearValue(2030, 20_000)]
    cfg.arrivals.menapt_share = [YearValue(2000, 0.2), YearValue(2020, 0.7)]
    pop = population.build_population(cfg)
    ids = _ids(pop)[pop.n_births :]
    people = population.draw_people(4, pop, ids)
    year = people.birth_year.astype(int) + people.arrival_age
    checks = (1996, 2000, 2010, 2025)
    m = len(checks) + 1 + 3 + 2
    for y in checks:
        sel = year == y
        assert sel.sum() > 2000
        want = np.interp(y, [2000, 2020], [0.2, 0.7])
        _check(
            np.array([people.menapt[sel].sum()]),
            np.array([sel.sum()]),
            np.array([want]),
            m,
            f"arrival menapt {y}",
        )
    n = ids.shape[0]
    _check(
        np.array([people.sex.sum()]),
        np.array([n]),
        np.array([cfg.arrivals.p_female]),
        m,
        "arrival sex",
    )
    for a, name in enumerate(states.AREA):
        _check(
            np.array([(people.area0 == a).sum()]),
            np.array([n]),
            np.array([cfg.arrivals.area[name]]),
            m,
            f"arrival area {name}",
        )
    for mi, mname in enumerate(states.MENAPT):
        sel = people.menapt == mi
        _check(
            np.array([people.parent_rg0[sel].sum()]),
            np.array([sel.sum()]),
            np.array([cfg.arrivals.parent_rg[mname]]),
            m,
            f"arrival parent_rg {mname}",
        )
    # arrival counts by (year, age) are the configured persons spread evenly over each band
    for y in (2019, 2020):  # every arrival age has its birth year inside the cohorts
        got = np.bincount(people.arrival_age[year == y], minlength=30)
        per_age = np.r_[0, np.full(14, 0.5 / 14), np.full(15, 0.5 / 15)] * 20_000
        np.testing.assert_array_equal(got, np.rint(per_age))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"first_birth_year": 1800}, r"population\.first_birth_year: must lie in 1900-2100"),
        ({"p_female": 1.5}, r"population\.p_female: must be a probability"),
        ({"scale": 0.0}, r"population\.scale: must be a positive number"),
    ],
)
def test_bad_population_config_names_the_field(change, match):
    cfg = small_population()
    for k, v in change.items():
        setattr(cfg, k, v)
    with pytest.raises(ConfigError, match=match):
        population.build_population(cfg)


def test_attributes_are_the_configured_draws_from_their_own_lanes():
    """A NumPy reading of the draw: birth attributes from lanes 0-3 (sex, menapt, area,
    parent_rg) of the birth block at age 0, arrivals' from the arrival block; area first,
    MENAPT given the area, parent_rg given both; shares interpolated here in the birth (or
    arrival) year."""
    cfg = small_population(per_year=400, first=1995, last=2000, arrivals=60.0)
    pop = population.build_population(cfg)
    ids = _ids(pop)
    seed = 77
    got = population.draw_people(seed, pop, ids)
    born = ids < pop.n_births
    blk = np.where(born, rng.STREAMS["birth_sex"] // 4, rng.STREAMS["arrival_sex"] // 4)
    u = np.empty((ids.size, 4))
    for b in np.unique(blk):
        u[blk == b] = reference.unit(reference.block(seed, ids[blk == b], 0, int(b)))
    by = got.birth_year.astype(int)
    year = by + got.arrival_age
    areas = np.array(
        [[_interp(cfg.area_at_birth, y)[a] for a in states.AREA] for y in by], dtype=float
    )
    arr_area = np.array([cfg.arrivals.area[a] for a in states.AREA])
    areas[~born] = arr_area
    cum = np.cumsum(areas / areas.sum(axis=1, keepdims=True), axis=1)
    want_area = reference.categorical(cum, u[:, 2])
    np.testing.assert_array_equal(got.area0, want_area)
    p_men = np.array(
        [_interp(cfg.menapt_share, y)[states.AREA[a]] for y, a in zip(by, want_area, strict=True)]
    )
    xs = [p.year for p in cfg.arrivals.menapt_share]
    vs = [p.value for p in cfg.arrivals.menapt_share]
    p_men[~born] = np.interp(year[~born], xs, vs)
    want_men = (u[:, 1] < p_men).astype(int)
    np.testing.assert_array_equal(got.menapt, want_men)
    prg_pts = cfg.parent_rg_at_birth
    p_prg = np.array(
        [
            np.interp(
                y,
                [p.year for p in prg_pts],
                [p.shares[states.AREA[a]][states.MENAPT[m]] for p in prg_pts],
            )
            for y, a, m in zip(by, want_area, want_men, strict=True)
        ]
    )
    p_prg[~born] = np.array([cfg.arrivals.parent_rg[states.MENAPT[m]] for m in want_men[~born]])
    np.testing.assert_array_equal(got.parent_rg0, (u[:, 3] < p_prg).astype(int))
    p_f = np.where(born, cfg.p_female, cfg.arrivals.p_female)
    np.testing.assert_array_equal(got.sex, (u[:, 0] < p_f).astype(int))
    assert (~born).sum() > 300


def test_shipped_population_builds_for_a_subrange_of_cohorts():
    """Interpolation points outside the simulated years (the shipped arrivals run 1972-2048)
    are allowed: they shape the values inside."""
    from tests.baseline import baseline_population

    cfg = baseline_population()
    pop = population.build_population(cfg)
    assert pop.births.tolist() == [1000] * 10
    assert 0 < pop.arrivals.sum() < pop.n_births
