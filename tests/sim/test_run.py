"""Tests of sim/run.py: reproducibility, accounting, and the structural guarantees of a run."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from livschancer import states
from livschancer.sim.config import SimConfig
from livschancer.sim.population import build_population, draw_people
from livschancer.sim.run import simulate
from livschancer.tallies import spec
from livschancer.tallies.records import ABSENT, BITS
from tests.helpers import random_params, small_population
from tests.sim import reference
from tests.sim.direct import kernel_records
from tests.sim.test_kernel import EVERY_PROCESS
from tests.tallies.reference import count_reference

#: Tally dims that carry the age of the record.
AGE_DIMS = {
    "age": list(states.AGES),
    "entry_age": list(states.AGES),
    "profile_age": list(spec.PROFILE_AGES),
}


def _sim(params, population, seed=3, activities=(), person_ids=None, **kw):
    cfg = SimConfig(progress=False, **kw)
    return simulate(seed, population, params, cfg, activities=activities, person_ids=person_ids)


@pytest.fixture(scope="module")
def small():
    """About 1,500 persons, two fifths of them arrivals."""
    return random_params(seed=21), small_population(
        per_year=180, first=1996, last=2000, arrivals=120.0
    )


@pytest.mark.threads
def test_bit_identical_across_threads_and_chunks(small):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs at least 2 numba threads")
    params, pop = small
    before = numba.get_num_threads()
    try:
        base = _sim(params, pop, activities=EVERY_PROCESS, threads=1, chunk_size=10**7)
        for threads, chunk in [(2, 10**7), (2, 997), (2, 1)]:
            other = _sim(params, pop, activities=EVERY_PROCESS, threads=threads, chunk_size=chunk)
            assert other.tallies.identical(base.tallies), (threads, chunk)
            np.testing.assert_array_equal(np.sort(other.participants), np.sort(base.participants))
    finally:
        numba.set_num_threads(before)


def test_simulate_equals_the_numpy_twins_end_to_end(small):
    """simulate() == the counting twin applied to the kernel twin's records."""
    params, pop = small
    seed = 5
    got = _sim(params, pop, seed=seed, activities=EVERY_PROCESS, chunk_size=500)
    built = build_population(pop)
    people = draw_people(seed, built, np.arange(built.n, dtype=np.uint64))
    rec = reference.simulate_reference(seed, people, params, EVERY_PROCESS)
    year0 = built.first_birth_year
    n_year = got.tallies.sizes["year"]
    want = count_reference(people, rec, year0, n_year)
    for name, arr in want.items():
        np.testing.assert_array_equal(got.tallies[name].values, arr, err_msg=name)
    assert int(got.tallies["year"][0]) == year0
    np.testing.assert_array_equal(np.sort(got.participants), people.person_id[rec.took_part == 1])


def test_tallies_are_additive_over_disjoint_sets_of_persons(small):
    params, pop = small
    n = build_population(pop).n
    ids = np.arange(n)
    whole = _sim(params, pop)
    a = _sim(params, pop, person_ids=ids[ids % 3 == 0])
    b = _sim(params, pop, person_ids=ids[ids % 3 != 0])
    for name in whole.tallies.data_vars:
        np.testing.assert_array_equal(
            whole.tallies[name].values, a.tallies[name].values + b.tallies[name].values
        )


def test_different_seeds_differ(small):
    params, pop = small
    assert not _sim(params, pop, seed=1).tallies.identical(_sim(params, pop, seed=2).tallies)


def test_person_id_outside_the_population_is_refused(small):
    params, pop = small
    n = build_population(pop).n
    with pytest.raises(ValueError, match=f"person id {n} is outside the population"):
        _sim(params, pop, person_ids=[0, n])


# --- the life course ------------------------------------------------------------------------


def test_only_allowed_transitions_occur_and_attainment_never_falls():
    params = random_params(seed=22, sparsity=0.5)
    rec = kernel_records(
        4, small_population(per_year=300, arrivals=30.0), params, EVERY_PROCESS
    ).records
    st = rec.state.astype(np.int64)
    here = (st[:, :-1] != ABSENT) & (st[:, 1:] != ABSENT)
    s0, s1 = st[:, :-1][here], st[:, 1:][here]
    assert states.allowed_matrix()[s0, s1].all()
    assert (states.ATTAIN_OF[s1] >= states.ATTAIN_OF[s0]).all()
    assert (states.ATTAIN_OF[s1] > states.ATTAIN_OF[s0]).sum() > 1000
    # zero-probability transitions never happen, whatever odds ratios act on the row
    assert s0.size > 30_000


def _transitions(tallies, age=slice(1, None)):
    lc = tallies["lifecourse"].sel(age=age)
    n = lc.sum([d for d in lc.dims if d != "transition"])
    return {
        (str(f), str(t)): int(c)
        for f, t, c in zip(n["from"].values, n["to"].values, n.values, strict=True)
    }


def test_vocational_entry_from_school_occurs_and_higher_edu_needs_youth_or_vocational(small):
    params, pop = small
    counts = _transitions(_sim(params, pop).tallies)
    # straight from grundskole into vocational education, with and without the exam
    assert counts[("school|grundskole", "vocational|grundskole")] > 0
    assert counts[("school|none", "vocational|none")] > 0
    assert counts[("school|none", "vocational|grundskole")] > 0
    assert counts[("school|none", "youth_edu|grundskole")] > 0
    higher = [(f, t, c) for (f, t), c in counts.items() if t.startswith("higher_edu|") and c]
    assert sum(c for _, _, c in higher) > 0
    for f, t, _ in higher:
        assert t.split("|")[1] in ("youth_edu", "vocational", "higher_edu"), (f, t)
        if f != spec.ENTRY and f.split("|")[1] in ("none", "grundskole"):
            # completing a youth or vocational education and entering in the same year
            assert f.split("|")[0] in ("youth_edu", "vocational"), (f, t)
    # school is entered only from preschool
    into_school = {f for (f, t), c in counts.items() if t.startswith("school|") and c}
    assert into_school <= {"preschool|none", "school|none", "school|grundskole", spec.ENTRY}


# --- who is counted when ----------------------------------------------------------------------


def test_stock_at_each_age_is_births_plus_arrivals_so_far(small):
    params, pop = small
    r = _sim(params, pop)
    built = build_population(pop)
    lc = r.tallies["lifecourse"]
    stock = lc.sum([d for d in lc.dims if d not in ("year", "age")])
    entries = lc.isel(transition=lc["from"] == spec.ENTRY)
    entries = entries.sum([d for d in entries.dims if d not in ("year", "age")])
    for c_i, births in enumerate(built.births):
        c = built.first_birth_year + c_i
        arrived = np.zeros(30, np.int64)
        for a in range(1, 30):
            yi = c + a - built.first_arrival_year
            if 0 <= yi < built.arrivals.shape[0]:
                arrived[a] = built.arrivals[yi, a]
        for a in range(30):
            got = int(stock.sel(year=c + a, age=a))
            assert got == births + arrived[: a + 1].sum(), (c, a)
            assert int(entries.sel(year=c + a, age=a)) == (births if a == 0 else arrived[a])
    assert built.arrivals.sum() > 400


@pytest.mark.parametrize("arrival_age", [1, 9, 16, 29])
def test_an_arrival_appears_in_no_tally_before_arrival(small, arrival_age):
    params, pop = small
    built = build_population(pop)
    ids = np.arange(built.n_births, built.n)
    _, arr = built.birth_year_and_arrival(ids)
    chosen = ids[arr == arrival_age]
    assert chosen.size > 0
    t = _sim(params, pop, activities=EVERY_PROCESS, person_ids=chosen).tallies
    for name, da in t.data_vars.items():
        (dim,) = [d for d in da.dims if d in AGE_DIMS]
        ages = np.array(AGE_DIMS[dim])
        assert int(da.isel({dim: ages < arrival_age}).sum()) == 0, name
        if dim == "age" and name != "followup":
            assert int(da.isel({dim: ages >= arrival_age}).sum()) > 0, name
    assert int(t["lifecourse"].sel(age=arrival_age).sum()) == chosen.size


def test_persons_dataset_counts_fritidsjob_years_in_school_or_youth_education(small):
    params, pop = small
    r = _sim(params, pop, seed=6, write_persons=True)
    built = build_population(pop)
    people = draw_people(6, built, np.arange(built.n, dtype=np.uint64))
    rec = reference.simulate_reference(6, people, params)
    job = (rec.bits >> BITS["job"]) & 1
    act = np.array(
        [states.ACTIVITY[states.ACTIVITY_OF[s]] if s != ABSENT else "" for s in rec.state.ravel()]
    ).reshape(rec.state.shape)
    fj = (job == 1) & np.isin(act, ["school", "youth_edu"])
    want = fj[:, 13:21].sum(axis=1)
    np.testing.assert_array_equal(r.persons["fritidsjob_years"].values, want)
    assert (job[:, 13:21].sum(axis=1) > want).any()  # jobs in other educations are not counted
