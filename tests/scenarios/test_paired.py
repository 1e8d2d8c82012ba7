"""The engine guarantees a paired comparison rests on (scenarios/paired.py, style.md 1.4, 1.11).

Every test simulates the same small population with and without activities and compares
integer tallies bit for bit, or checks a contrast against a closed form.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from livschancer import states
from livschancer.scenarios.paired import add_tallies, sub_tallies
from livschancer.sim.activities import Activity
from livschancer.sim.config import SimConfig
from livschancer.sim.population import build_population
from livschancer.sim.run import simulate
from livschancer.tallies import spec
from tests.helpers import random_params, small_population

SIM = SimConfig(progress=False)

JOB = Activity(
    name="job_help",
    process="job",
    odds_ratios=(3.0, 2.0),
    coverage=0.5,
    ages=(13, 18),
    areas=("supported",),
)
LC = Activity(
    name="guidance",
    process="lifecourse",
    odds_ratios=(0.3,),
    coverage=0.15,
    ages=(15, 24),
    areas=("supported",),
    target_groups=("neet_entry", "dropout"),
)
CRIME = Activity(
    name="hotspot",
    process="crime",
    odds_ratios=(0.5,),
    coverage=0.1,
    ages=(10, 17),
    areas=("supported",),
)
PARENT = Activity(
    name="parents",
    process="parent_rg",
    odds_ratios=(0.6, 0.6),
    coverage=0.2,
    ages=(0, 17),
    areas=("supported", "other_public"),
    once=True,
)
ALL = (JOB, LC, CRIME, PARENT)


@pytest.fixture(scope="module")
def pop():
    return build_population(small_population(per_year=300))


@pytest.fixture(scope="module")
def prm():
    return random_params(seed=4)


def _run(pop, prm, acts=(), ids=None, seed=11):
    return simulate(seed, pop, prm, SIM, activities=list(acts), person_ids=ids)


def _same(a: xr.Dataset, b: xr.Dataset) -> bool:
    return all(np.array_equal(a[n].values, b[n].values) for n in spec.TALLY) and a.identical(b)


@pytest.fixture(scope="module")
def without(pop, prm):
    return _run(pop, prm)


@pytest.fixture(scope="module")
def with_all(pop, prm):
    return _run(pop, prm, ALL)


def test_activities_change_something(without, with_all):
    # the guarantees below would hold trivially if the activities did nothing
    assert with_all.participants.size > 100
    assert not _same(without.tallies, with_all.tallies)


def test_coverage_zero_gives_tallies_bit_identical_to_without_plan(pop, prm, without):
    res = _run(pop, prm, [replace(a, coverage=0.0) for a in ALL])
    assert res.participants.size == 0
    assert _same(res.tallies, without.tallies)


def test_all_odds_ratios_one_give_tallies_bit_identical_to_without_plan(pop, prm, without):
    res = _run(pop, prm, [replace(a, odds_ratios=(1.0,) * len(a.odds_ratios)) for a in ALL])
    assert res.participants.size > 100  # people take part; it changes nothing
    assert _same(res.tallies, without.tallies)


def test_non_participants_have_identical_trajectories_in_both_scenarios(pop, prm, with_all):
    never = np.setdiff1d(np.arange(pop.n, dtype=np.uint64), with_all.participants)
    assert never.size > pop.n // 5
    a = _run(pop, prm, ALL, ids=never)
    b = _run(pop, prm, (), ids=never)
    assert a.participants.size == 0
    assert _same(a.tallies, b.tallies)


def test_with_equals_without_minus_participants_plus_participants_exactly(pop, prm, with_all):
    # the identity compare relies on: with = W - W(P) + with(P), P from the null run
    null_acts = [replace(a, odds_ratios=(1.0,) * len(a.odds_ratios)) for a in ALL]
    null = _run(pop, prm, null_acts)
    ids = null.participants
    assert np.array_equal(np.sort(ids), np.sort(with_all.participants))
    cheap = add_tallies(
        sub_tallies(null.tallies, _run(pop, prm, null_acts, ids=ids).tallies),
        _run(pop, prm, ALL, ids=ids).tallies,
    )
    assert _same(cheap, with_all.tallies)
    assert ids.size < pop.n  # and the subset runs were smaller than the full one


def test_reordering_activities_changes_nothing(pop, prm, with_all):
    res = _run(pop, prm, (CRIME, PARENT, LC, JOB))
    assert _same(res.tallies, with_all.tallies)
    assert np.array_equal(np.sort(res.participants), np.sort(with_all.participants))


@pytest.mark.parametrize(
    "nobody",
    [
        Activity(name="late", process="job", odds_ratios=(5.0,), coverage=1.0, years=(2150, 2160)),
        # at age 2 last year's state is preschool or school (only they follow birth)
        Activity(
            name="neet_at_2",
            process="lifecourse",
            odds_ratios=(5.0,),
            coverage=1.0,
            ages=(2, 2),
            from_states=("neet|none",),
            target_groups=("dropout",),
        ),
    ],
    ids=["out_of_years", "impossible_state"],
)
def test_adding_an_activity_that_reaches_nobody_changes_nothing(pop, prm, with_all, nobody):
    res = _run(pop, prm, (*ALL, nobody))
    assert _same(res.tallies, with_all.tallies)
    assert np.array_equal(np.sort(res.participants), np.sort(with_all.participants))


def test_takeup_streams_are_keyed_by_name_not_position(pop, prm):
    null = [replace(a, odds_ratios=(1.0,) * len(a.odds_ratios)) for a in ALL]
    together = set(_run(pop, prm, null).participants.tolist())
    alone = [set(_run(pop, prm, [a]).participants.tolist()) for a in null]
    assert together == set().union(*alone)
    # removing one activity leaves the others' take-up unchanged
    rest = set(_run(pop, prm, null[1:]).participants.tolist())
    assert rest == set().union(*alone[1:])
    # renaming an activity gives it other draws
    renamed = set(_run(pop, prm, [replace(null[0], name="job_help_2")]).participants.tolist())
    assert renamed != alone[0]


def _target_count(res, group: str, age: int) -> int:
    lc = res.tallies["lifecourse"].sel(age=age)
    f, t = spec.transitions()
    mask = np.zeros(f.shape[0], bool)
    g = states.transition_group(group)
    ok = f >= 0
    mask[ok] = g[f[ok], t[ok]]
    return int(lc.values[..., mask].sum())


def test_a_larger_odds_ratio_never_lowers_the_targeted_transition(pop, prm):
    counts = []
    for odds in (0.25, 0.5, 1.0, 2.0, 4.0):
        act = Activity(
            name="push",
            process="lifecourse",
            odds_ratios=(odds,),
            coverage=1.0,
            ages=(16, 16),
            target_groups=("youth_edu_entry",),
        )
        counts.append(_target_count(_run(pop, prm, [act]), "youth_edu_entry", 16))
    assert counts == sorted(counts), counts
    assert counts[-1] > counts[0]


def test_a_larger_odds_ratio_never_lowers_the_flag(pop, prm):
    held = []
    for odds in (0.5, 1.0, 2.0, 8.0):
        res = _run(pop, prm, [replace(JOB, odds_ratios=(odds, odds))])
        held.append(int(res.tallies["job"].sel(job_to="yes").sum()))
    assert held == sorted(held), held


def _constant_job_params(p: float):
    prm = random_params(seed=5, risk_or=1.0)
    job = prm.job
    lo, hi = states.JOB_AGES
    ages = (job["age"] >= lo) & (job["age"] <= hi)
    enrolled = job["activity"].isin(sorted(states.ENROLLED))
    allowed = (ages & enrolled).broadcast_like(job).transpose(*job.dims)
    const = job.copy(data=np.where(allowed.values, p, 0.0))
    return replace(prm, job=const).validate("constant_job")


def test_simulated_contrast_matches_the_closed_form(pop):
    # P(job) = p everywhere (no dependence on last year's job), risk odds ratios 1: each year at
    # 13-20, with probability c a person takes part and their odds of a job are multiplied by
    # theta that year only. Among enrolled person-years the job share is p + c (f(p) - p),
    # f(p) = theta p / (1 - p + theta p), in the activity's ages, in every year.
    p, c, theta = 0.3, 0.5, 3.0
    prm = _constant_job_params(p)
    act = Activity(name="jobs", process="job", odds_ratios=(theta,), coverage=c, ages=(13, 20))
    enrolled = sorted(states.ENROLLED)

    def share(res):
        j = res.tallies["job"].sel(age=slice(13, 20), activity=enrolled)
        yes = int(j.sel(job_to="yes").sum())
        return yes / int(j.sum()), int(j.sum())

    s_with, n = share(_run(pop, prm, [act]))
    s_without, _ = share(_run(pop, prm))
    f = theta * p / (1 - p + theta * p)
    expected = c * (f - p)
    # conservative MC error: person-years treated as independent in each arm (CRN only helps)
    se = np.sqrt((s_with * (1 - s_with) + s_without * (1 - s_without)) / n)
    assert abs((s_with - s_without) - expected) < 4 * se, (s_with - s_without, expected, se)
    assert abs(s_without - p) < 4 * np.sqrt(p * (1 - p) / n)
    assert abs(s_with - (p + expected)) < 4 * np.sqrt(s_with * (1 - s_with) / n)


def _neet_share(res) -> float:
    lc = res.tallies["lifecourse"].sel(age=slice(18, 29))
    _, t = spec.transitions()
    neet = states.neet_mask()[t]
    vals = lc.values
    return float(vals[..., neet].sum() / vals.sum())


def test_common_random_numbers_shrink_the_contrast_variance(pop, prm):
    # the same contrast over K seeds: with common random numbers (both arms seed s) and with
    # independent ones (the without arm on another seed); CRN must be far less noisy
    act = replace(LC, coverage=0.5, ages=(15, 29), areas=None)
    k = 6
    with_ = [_neet_share(_run(pop, prm, [act], seed=s)) for s in range(k)]
    without = [_neet_share(_run(pop, prm, seed=s)) for s in range(k)]
    other = [_neet_share(_run(pop, prm, seed=100 + s)) for s in range(k)]
    crn = np.var(np.subtract(with_, without), ddof=1)
    indep = np.var(np.subtract(with_, other), ddof=1)
    ratio = crn / indep
    print(f"variance ratio CRN / independent = {ratio:.3f}")
    assert np.mean(np.subtract(with_, without)) < 0  # the activity lowers NEET entry
    assert ratio < 0.25, ratio
