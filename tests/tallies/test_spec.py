"""Tests of tallies/spec.py and of labelled tallies: names, dims and coordinates."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer import states
from livschancer.sim.config import SimConfig
from livschancer.sim.run import simulate
from livschancer.tallies import spec
from tests.helpers import random_params, small_population


@pytest.fixture(scope="module")
def tallies():
    pop = small_population(per_year=60, first=1999, last=2000, arrivals=10.0)
    return simulate(2, pop, random_params(seed=3), SimConfig(progress=False)).tallies


def test_no_tally_is_named_like_a_dim():
    names = {t.name for t in spec.TALLIES}
    dims = {d for t in spec.TALLIES for d in t.dims}
    assert not names & dims, names & dims
    assert len(names) == len(spec.TALLIES)
    for t in spec.TALLIES:
        assert len(set(t.dims)) == len(t.dims), t.name


def test_labelled_tallies_follow_the_spec(tallies):
    years = tallies["year"].values
    assert list(tallies.data_vars) == [t.name for t in spec.TALLIES]
    for t in spec.TALLIES:
        da = tallies[t.name]
        assert da.dims == t.dims, t.name
        assert da.dtype == np.int32, t.name
        assert da.shape == spec.shape(t.name, len(years)), t.name
        for d in t.dims:
            assert list(da[d].values) == spec.coords(d, years), (t.name, d)
        assert da.attrs["units"] == "persons"
        assert int(da.min()) >= 0
    assert list(tallies["entry_year"].values) == list(years)


def test_transition_dim_holds_the_allowed_pairs_then_one_entry_per_state(tallies):
    f, t = spec.transition_labels()
    allowed = states.allowed_matrix()
    pairs = [
        (a, b)
        for a in states.LIFECOURSE
        for b in states.LIFECOURSE
        if allowed[states.parse_state(a), states.parse_state(b)]
    ]
    entries = [(spec.ENTRY, b) for b in states.LIFECOURSE]
    assert list(zip(f, t, strict=True)) == pairs + entries
    lc = tallies["lifecourse"]
    assert list(lc["from"].values) == f
    assert list(lc["to"].values) == t
    idx = spec.transition_index()
    for i, (a, b) in enumerate(pairs + entries):
        row = states.N_STATE if a == spec.ENTRY else states.parse_state(a)
        assert idx[row, states.parse_state(b)] == i
    assert (idx >= 0).sum() == len(pairs) + len(entries)


def test_flag_and_area_from_dims_end_with_entry():
    for d in (
        "parent_rg_from",
        "job_from",
        "poverty_from",
        "parent_psych_from",
        "crime_ever_from",
        "area_from",
    ):
        assert spec.coords(d)[-1] == spec.ENTRY, d


def test_unknown_dim_names_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown tally dim 'agee'.*'age'"):
        spec.coords("agee")
    with pytest.raises(ValueError, match="need the simulated years"):
        spec.coords("year")
