"""Tests of tallies/count.py: the counting pass against its NumPy twin, and its accounting."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer import states
from livschancer.tallies import count, spec
from livschancer.tallies.records import ABSENT, Records
from tests.helpers import random_params, small_population
from tests.sim.direct import kernel_records
from tests.sim.test_kernel import EVERY_PROCESS
from tests.tallies.reference import count_reference


@pytest.fixture(scope="module")
def run():
    return kernel_records(
        17, small_population(per_year=250, arrivals=80.0), random_params(31), EVERY_PROCESS
    )


def _count(people, records, year0, n_year):
    t = count.empty_tallies(n_year)
    count.count_records(people, records, year0, t)
    return t


def test_counting_equals_its_numpy_twin(run):
    got = _count(run.people, run.records, run.year0, run.n_year)
    want = count_reference(run.people, run.records, run.year0, run.n_year)
    assert list(got._fields) == [t.name for t in spec.TALLIES] == list(want)
    for name in got._fields:
        arr = getattr(got, name)
        assert arr.dtype == np.int32
        assert arr.shape == spec.shape(name, run.n_year)
        np.testing.assert_array_equal(arr, want[name], err_msg=name)
        assert arr.sum() > 0, name


def _subset(run, idx):
    people = type(run.people)(*[f[idx] for f in run.people])
    return people, Records(*[f[idx] for f in run.records])


def test_counting_is_additive_over_chunks(run):
    n = run.records.state.shape[0]
    whole = _count(run.people, run.records, run.year0, run.n_year)
    t = count.empty_tallies(run.n_year)
    for lo in range(0, n, 333):
        people, rec = _subset(run, np.arange(lo, min(n, lo + 333)))
        count.count_records(people, rec, run.year0, t)
    for name in whole._fields:
        np.testing.assert_array_equal(getattr(t, name), getattr(whole, name), err_msg=name)


def test_tally_sums_equal_the_person_years_present(run):
    t = _count(run.people, run.records, run.year0, run.n_year)
    present = run.records.state != ABSENT
    per_age = present.sum(axis=0)
    for name in (
        "move",
        "parent_rg",
        "lifecourse",
        "job",
        "poverty",
        "parent_psych",
        "crime",
        "poverty_ever",
    ):
        arr = getattr(t, name)
        by_age = arr.sum(axis=tuple(i for i in range(arr.ndim) if i != 1))
        np.testing.assert_array_equal(by_age, per_age, err_msg=name)
    prof = t.profile.sum(axis=tuple(i for i in range(t.profile.ndim) if i != 1))
    np.testing.assert_array_equal(prof, per_age[list(spec.PROFILE_AGES)])
    # followup: one count per person-year and horizon k with age + k <= 29
    fu = t.followup.sum(axis=(0, 2, 3, 5, 6))  # (age, k)
    for ki, k in enumerate(spec.FOLLOW_K):
        want = np.where(np.arange(30) + k <= 29, per_age, 0)
        np.testing.assert_array_equal(fu[:, ki], want)
    # entrants: each entrant once per years_since while aged <= 29, statuses sum to entrants
    ent = t.entrants.sum(axis=(0, 3, 4, 5, 6, 7, 9))  # (level, entry_age, years_since)
    for k in range(1, states.FOLLOW_YEARS + 1):
        assert (ent[:, : 30 - k, k] == ent[:, : 30 - k, 0]).all()
        assert (ent[:, 30 - k :, k] == 0).all()


def test_every_record_is_counted_once_per_tally_with_its_year(run):
    t = _count(run.people, run.records, run.year0, run.n_year)
    present = run.records.state != ABSENT
    year = run.people.birth_year[:, None] + np.arange(30)[None, :] - run.year0
    want = np.zeros((run.n_year, 30), np.int64)
    np.add.at(want, (year[present], np.nonzero(present)[1]), 1)
    np.testing.assert_array_equal(t.lifecourse.sum(axis=tuple(range(2, 8))), want)
