"""Exact propagation of the life-course chain (transitions/exact.py) against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from livschancer import dims, states
from livschancer.errors import ConfigError
from livschancer.transitions import exact
from livschancer.transitions.params import ModelParameters, labels
from livschancer.transitions.provisional import load_provisional

P, Q = 0.3, 0.1
A, B, C = "preschool|none", "school|none", "employed|none"


def _closed_form(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A -> B with probability P, B -> C with probability Q, C absorbing, everyone in A at 0."""
    a = (1 - P) ** t
    b = P * ((1 - P) ** t - (1 - Q) ** t) / (Q - P)
    return a, b, 1 - a - b


def test_chain_matches_the_closed_form():
    step = np.array([[1 - P, P, 0.0], [0.0, 1 - Q, Q], [0.0, 0.0, 1.0]])
    t = np.arange(11)
    out = exact.chain(np.repeat(step[None], 10, axis=0), np.array([1.0, 0.0, 0.0]))
    for got, want in zip(out.T, _closed_form(t), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-12)


def _toy_lifecourse() -> xr.DataArray:
    """The three-state toy chain written as life-course tables (one label per cell dim, two
    periods; all other states stay put)."""
    coords = labels(dims.LIFECOURSE_PROBS)
    coords["period"] = ["p0", "p1"]
    for d in dims.CELL:
        coords[d] = coords[d][:1]
    shape = [len(coords[d]) for d in dims.LIFECOURSE_PROBS]
    t = np.broadcast_to(np.eye(states.N_STATE), shape).copy()
    a, b, c = (states.parse_state(s) for s in (A, B, C))
    t[..., a, a], t[..., a, b] = 1 - P, P
    t[..., b, b], t[..., b, c] = 1 - Q, Q
    return xr.DataArray(t, dims=dims.LIFECOURSE_PROBS, coords=coords)


CELL = {
    "sex": "m",
    "menapt": "non_menapt",
    "area": "supported",
    "member": "not_member",
    "origin": "not_restgruppe",
}


def test_propagate_follows_the_closed_form_over_ages():
    dist = exact.propagate(_toy_lifecourse(), CELL, "p0")
    assert dist.dims == ("age", "state")
    a, b, c = _closed_form(np.arange(states.N_AGE))
    np.testing.assert_allclose(dist.sel(state=A), a, atol=1e-12)
    np.testing.assert_allclose(dist.sel(state=B), b, atol=1e-12)
    np.testing.assert_allclose(dist.sel(state=C), c, atol=1e-12)
    np.testing.assert_allclose(dist.sum("state"), 1.0)


def test_schedules_start_and_mixtures():
    lc = _toy_lifecourse()
    tables = exact.Tables(lc)
    # a per-age period schedule gives the same chain here (both periods are equal)
    sched = ["p0"] * 15 + ["p1"] * 15
    xr.testing.assert_allclose(
        exact.propagate(tables, CELL, sched), exact.propagate(lc, CELL, "p0")
    )
    # starting in B at age 10: B decays geometrically, ages before 10 are empty
    dist = exact.propagate(tables, CELL, "p0", start={B: 1.0}, start_age=10)
    assert float(dist.sel(age=slice(0, 9)).sum()) == 0.0
    np.testing.assert_allclose(dist.sel(state=B, age=15), (1 - Q) ** 5)
    # a mixture is the weighted mean (weights normalised)
    mix = exact.propagate_mix(tables, [CELL, CELL], [1.0, 3.0], "p0")
    xr.testing.assert_allclose(mix, exact.propagate(tables, CELL, "p0"))
    assert float(exact.neet_share(mix).sum()) == 0.0
    np.testing.assert_allclose(exact.enrolled_share(mix), mix.sel(state=B))
    np.testing.assert_allclose(exact.by_activity(mix).sel(activity="employed"), mix.sel(state=C))
    np.testing.assert_allclose(exact.by_attain(mix).sel(attain="none"), 1.0)


def test_bad_inputs_are_named():
    lc = _toy_lifecourse()
    with pytest.raises(ConfigError, match="cell"):
        exact.propagate(lc, {"sex": "m"}, "p0")
    with pytest.raises(ConfigError, match="unknown label"):
        exact.propagate(lc, {**CELL, "sex": "f"}, "p0")
    with pytest.raises(ConfigError, match="one label for each"):
        exact.propagate(lc, CELL, ["p0"] * 3)
    with pytest.raises(ConfigError, match="birth_year"):
        exact.propagate(lc, CELL, birth_year=2000)
    with pytest.raises(ConfigError, match="weights"):
        exact.propagate_mix(lc, [CELL], [-1.0], "p0")


@pytest.fixture(scope="module")
def params() -> ModelParameters:
    return load_provisional()


def test_birth_year_and_cross_section_use_the_calendar(params):
    tables = exact.Tables(params)
    cell = {
        "sex": "f",
        "menapt": "menapt",
        "area": "rest",
        "member": "not_member",
        "origin": "restgruppe",
    }
    sched = exact.period_schedule(params, 2000)
    assert sched[0] == params.periods[params.period_of(2000)].name
    assert sched[29] == params.periods[params.period_of(2029)].name
    by_year = exact.propagate(tables, cell, birth_year=2000)
    xr.testing.assert_allclose(by_year, exact.propagate(tables, cell, sched))
    xs = exact.cross_section(tables, [cell], [1.0], 2019)
    for age in (5, 18, 29):
        want = exact.propagate(tables, cell, birth_year=2019 - age).sel(age=age)
        xr.testing.assert_allclose(xs.sel(age=age), want)


def test_with_risks_moves_mass_into_the_targeted_groups(params):
    none = exact.with_risks(params, {"crime_ever": 0.0})
    np.testing.assert_allclose(none.values, params.lifecourse.values)
    held = exact.with_risks(params, {"crime_ever": 1.0})
    np.testing.assert_allclose(held.sel(age=slice(1, None)).sum("to"), 1.0, atol=1e-9)
    cell = {
        "period": "reform",
        "age": 19,
        "sex": "m",
        "menapt": "non_menapt",
        "area": "rest",
        "member": "not_member",
        "origin": "not_restgruppe",
        "from": "youth_edu|grundskole",
    }
    drop = [
        t
        for t in states.LIFECOURSE
        if states.transition_group("dropout")[
            states.parse_state(cell["from"]), states.parse_state(t)
        ]
    ]
    base = float(params.lifecourse.sel(cell).sel(to=drop).sum())
    assert float(held.sel(cell).sel(to=drop).sum()) > base > 0
    with pytest.raises(ConfigError, match="risks"):
        exact.with_risks(params, {"nonsense": 0.5})
