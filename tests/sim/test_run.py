"""Tests of sim/run.py: reproducibility, accounting, and the model's structural guarantees."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import xarray as xr
from scipy import stats

from livschancer import dims, states
from livschancer.errors import ConfigError
from livschancer.outputs.indicators import restgruppe_by_age
from livschancer.sim.config import SimConfig
from livschancer.sim.pack import Activity
from livschancer.sim.run import simulate
from tests.helpers import random_params, small_population


def _sim(params, population, seed=3, **kw):
    return simulate(seed, population, params, SimConfig(progress=False, write_persons=True, **kw))


@pytest.mark.threads
def test_bit_identical_across_threads_and_chunks(params, population):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs at least 2 numba threads")
    base = _sim(params, population, threads=1, chunk_size=10_000_000)
    for threads, chunk in [(2, 10_000_000), (2, 997), (1, 1234), (2, 1)]:
        other = _sim(params, population, threads=threads, chunk_size=chunk)
        assert other.counts.identical(base.counts), (threads, chunk)
        assert other.persons.identical(base.persons), (threads, chunk)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def test_different_seeds_differ(params, population):
    a = _sim(params, population, seed=1)
    b = _sim(params, population, seed=2)
    assert not a.counts.identical(b.counts)


def test_counts_sum_to_persons_times_years(params, population):
    r = _sim(params, population)
    assert r.n_persons == 6 * 500
    assert int(r.counts.sum()) == r.n_persons * 30
    # every person appears once at every age
    per_age = r.counts.sum([d for d in dims.COUNTS if d != "age"])
    assert (per_age == r.n_persons).all()
    assert r.counts.dims == dims.COUNTS


def test_only_allowed_transitions_and_valid_states_occur(params, population):
    r = _sim(params, population)
    c = r.counts
    allowed = xr.DataArray(
        states.allowed_matrix(), dims=("from", "to"), coords={"from": c["from"], "to": c["to"]}
    )
    assert int(c.sel(age=slice(1, None)).where(~allowed, 0).sum()) == 0
    birth = states.state_name(*states.BIRTH_STATE)
    at0 = c.sel(age=0)
    assert int(at0.sum()) == int(at0.sel({"from": birth, "to": birth}).sum())
    # labels are exactly the valid (activity, attain) pairs
    assert list(c["to"].values) == [states.state_name(*p) for p in states.LIFECOURSE_PAIRS]


def test_attainment_never_decreases(params, population):
    r = _sim(params, population)
    att = states.ATTAIN_OF
    drop = xr.DataArray(
        att[None, :] < att[:, None],
        dims=("from", "to"),
        coords={"from": r.counts["from"], "to": r.counts["to"]},
    )
    assert int(r.counts.where(drop, 0).sum()) == 0


def test_restgruppe_never_below_18(params, population):
    r = _sim(params, population)
    per_age = restgruppe_by_age(r.counts)
    assert int(per_age.sel(age=slice(0, 17)).sum()) == 0
    assert int(per_age.sel(age=slice(18, 29)).sum()) > 0


def test_zero_probability_transitions_never_happen(population):
    p = random_params(seed=4, sparsity=0.6, fj_or=1.0)
    r = _sim(p, population)
    c = r.counts.sel(age=slice(1, None))
    for y in np.unique(c.year.values):
        per = p.periods[p.period_of(int(y))].name
        probs = p.lifecourse.sel(period=per, age=slice(1, None))
        impossible = (probs == 0).values
        assert int(c.sel(year=y).values[impossible].sum()) == 0


@pytest.mark.slow
def test_transition_frequencies_match_probabilities_within_binomial_bounds():
    # fj_or = 1 so that the life-course rows are not modified for fritidsjob holders
    p = random_params(seed=9, fj_or=1.0)
    pop = small_population(per_year=40_000, first=2001, last=2005)  # one period for ages>=7
    r = simulate(5, pop, p, SimConfig(progress=False))
    c = r.counts.sel(year=slice(2008, 2019)).sum("year")  # the "mid" period only
    probs = p.lifecourse.sel(period="mid")
    n = c.sum("to")
    big = (n >= 400).values
    k = c.values[big]
    nn = n.values[big][:, None]
    pp = np.broadcast_to(probs.values, c.shape)[big]
    # two-sided exact binomial bounds at a family-wise level of 0.001 (Bonferroni)
    m = k.size
    lo, hi = stats.binom.interval(1 - 0.001 / m, nn, pp)
    assert m > 5000
    assert ((k >= lo) & (k <= hi)).all()


def test_fritidsjob_link_raises_youth_education_entry(population):
    low = _sim(random_params(seed=2, fj_or=1.0), population)
    high = _sim(random_params(seed=2, fj_or=20.0), population)
    into = [s for s in states.states_where(activity="youth_edu")]
    frm = [s for s in states.LIFECOURSE if not s.startswith("youth_edu")]
    sel = {"to": into, "from": frm, "age": slice(14, 21)}
    assert int(high.counts.sel(sel).sum()) > 1.05 * int(low.counts.sel(sel).sum())


def test_activity_changes_odds_for_those_it_reaches_and_shares_draws(params, population):
    target = states.states_where(activity="youth_edu")
    act = Activity(
        name="push",
        process="lifecourse",
        odds_ratio=4.0,
        coverage=1.0,
        ages=(16, 18),
        areas=("supported",),
        to_states=target,
        persistence=0,
    )
    none = _sim(params, population)
    zero = simulate(
        3,
        population,
        params,
        SimConfig(progress=False, write_persons=True),
        activities=[Activity(**{**act.__dict__, "coverage": 0.0})],
    )
    full = simulate(
        3, population, params, SimConfig(progress=False, write_persons=True), activities=[act]
    )
    # coverage 0 is the counterfactual: identical to no activity (common random numbers)
    assert zero.counts.identical(none.counts)
    sel = {"to": list(target), "area": "supported", "age": slice(16, 18)}
    assert int(full.counts.sel(sel).sum()) > int(none.counts.sel(sel).sum())
    # nobody outside the supported areas at 16-18 is touched before age 16
    early = {"age": slice(0, 15)}
    assert full.counts.sel(early).identical(none.counts.sel(early))


def test_fritidsjob_activity_raises_job_holding(params, population):
    base = _sim(params, population)
    act = Activity(name="fj", process="fritidsjob", odds_ratio=5.0, coverage=1.0, ages=(13, 18))
    boosted = simulate(
        3, population, params, SimConfig(progress=False, write_persons=True), activities=[act]
    )
    assert boosted.persons["fritidsjob_years"].sum() > 1.2 * base.persons["fritidsjob_years"].sum()


def test_activity_with_unknown_state_names_the_field(params, population):
    act = Activity(
        name="bad",
        process="lifecourse",
        odds_ratio=2.0,
        coverage=0.5,
        to_states=("youth_edu|gymnasium",),
    )
    with pytest.raises(ConfigError, match=r"activities\[bad\]\.to_states.*gymnasium"):
        simulate(3, population, params, SimConfig(progress=False), activities=[act])


def test_population_attributes_follow_birth_distributions():
    pop = small_population(per_year=50_000, first=2000, last=2000)
    r = simulate(1, pop, random_params(seed=1), SimConfig(progress=False, write_persons=True))
    ps = r.persons
    assert abs(float((ps["person_sex"] == 1).mean()) - 0.5) < 0.01
    sup = ps["area_at_birth"] == 0
    assert abs(float(sup.mean()) - 0.3) < 0.01
    assert abs(float(ps["person_menapt"].where(sup).mean()) - 0.5) < 0.015
