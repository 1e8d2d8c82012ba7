"""Tests of outputs/view.py and outputs/groups.py: the shared reductions behind every indicator."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer import states
from livschancer.errors import TallyError
from livschancer.outputs import groups, view
from livschancer.tallies import spec
from tests.outputs.builders import put, zero_tallies


def test_state_categories_partition_the_transitions():
    f, t = spec.transition_labels()
    m = view.category_matrix(tuple(f), tuple(t))
    cats = view.categories()
    states_cols = [cats.index(f"state:{s}") for s in states.LIFECOURSE]
    assert (m[:, states_cols].sum(axis=1) == 1).all()
    assert (m[:, cats.index("all")] == 1).all()
    exam = [cats.index(f"exam:{n}") for n in view.NEXT_PARTITION]
    assert m[:, exam].sum() == sum(
        1 for a, b in zip(f, t, strict=True) if a == "school|none" and b.endswith("|grundskole")
    )
    arrivals = [cats.index(f"arrive:{a}") for a in states.ATTAIN]
    assert m[:, arrivals].sum() == states.N_STATE  # one entry record per state


def test_lifecourse_stock_matches_a_direct_sum():
    ds = zero_tallies(range(2018, 2020))
    rng = np.random.default_rng(1)
    ds["lifecourse"].values[:] = rng.integers(0, 5, ds["lifecourse"].shape)
    v = view.TallyView(ds)
    got = v.lc_by_age(["state:neet|grundskole"])
    to = np.array(ds["lifecourse"]["to"].values)
    want = ds["lifecourse"].values[..., to == "neet|grundskole"].sum(axis=-1)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(v.lc_by_age(["all"]), ds["lifecourse"].values.sum(axis=-1))


def test_float64_fallback_for_huge_counts():
    ds = zero_tallies(range(2019, 2020))
    put(ds, "lifecourse", 2**24 + 1, frm="neet|none", to="neet|none", year=2019, age=20)
    put(ds, "lifecourse", 3, frm="employed|none", to="employed|none", year=2019, age=20)
    v = view.TallyView(ds)
    assert v.lc_band(["state:neet|none"], (20, 20)).sum() == 2**24 + 1


def test_cohort_cumsum_follows_the_diagonal():
    x = np.zeros((4, 3))
    x[0, 0], x[1, 1], x[2, 2], x[3, 0] = 1, 2, 4, 8
    out = view.cohort_cumsum(x)
    assert out[2, 2] == 7  # born in year 0: 1 + 2 + 4
    assert out[3, 0] == 8
    assert out[3, 1] == 0  # born in year 2: nothing yet


def test_diagonal_places_entrants_at_their_later_age():
    x = np.zeros((3, 4, 3, 2))  # entry_year, entry_age, years_since, status
    x[0, 1, 2, 1] = 5  # entered at 1 in year 0, seen 2 years later: age 3 in year 2
    x[1, 0, 0, 0] = 2
    d = view.diagonal(x, (3, 3), 7)
    assert d[2, 1] == 5
    assert d.sum() == 5
    d0 = view.diagonal(x, (0, 3), 7)
    assert d0[1, 0] == 2
    assert d0.sum() == 7


def test_expand_groups_and_splits():
    x = np.zeros((1, 2, 2, 3, 2, 2))  # year, sex, menapt, area, member, origin
    x[0, 0, 1, 0, 1, 1] = 3  # m, menapt, supported, member, restgruppe
    x[0, 1, 0, 1, 0, 0] = 5  # f, non_menapt, other_public, not member, not restgruppe
    x[0, 1, 0, 2, 1, 0] = 7  # f, non_menapt, rest, member, not restgruppe
    e = groups.expand(x, frozenset(groups.CELL))
    g = {k: i for i, k in enumerate(groups.GROUP)}
    assert e[0, g["supported"], 2, 2, 2] == 3
    assert e[0, g["grew_up_in"], 2, 2, 2] == 10
    assert e[0, g["public_housing"], 2, 2, 2] == 8
    assert e[0, g["population"], 2, 2, 2] == 15
    assert e[0, g["population"], 0, 0, 0] == 3  # restgruppe, menapt, m
    assert e[0, g["population"], 1, 1, 1] == 12  # not_restgruppe, non_menapt, f


def test_expand_marks_splits_a_tally_cannot_make():
    x = np.ones((1, 1, 2, 3, 2, 2))  # no sex dim
    e = groups.expand(x, frozenset(groups.CELL) - {"sex"})
    assert np.isnan(e[..., 0]).all()
    assert np.isnan(e[..., 1]).all()
    assert e[0, 3, 2, 2, 2] == 24


def test_view_refuses_gaps_in_years_and_misaligned_entrants():
    ds = zero_tallies(range(2017, 2020))
    with pytest.raises(TallyError, match="consecutive"):
        view.TallyView(ds.sel(year=[2017, 2019]))
    bad = ds.assign_coords(entry_year=[2000, 2001, 2002])
    with pytest.raises(TallyError, match="entry_year"):
        view.TallyView(bad).entrants("youth_edu")


def test_last_year_keeps_earlier_values():
    ds = zero_tallies(range(2016, 2020))
    put(ds, "lifecourse", 2, frm="neet|none", to="neet|none", year=2018, age=20)
    put(ds, "lifecourse", 9, frm="neet|none", to="neet|none", year=2019, age=20)
    v = view.TallyView(ds, last_year=2018)
    assert v.years.tolist() == [2016, 2017, 2018]
    assert v.lc_band(["all"], (20, 20)).sum() == 2
