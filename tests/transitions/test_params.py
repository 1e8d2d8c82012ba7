"""Tests of transitions/params.py: ModelParameters.validate names the array, rule and cell."""

from __future__ import annotations

import pytest

from livschancer.errors import ParameterError
from livschancer.transitions.params import Period
from tests.helpers import random_params


def test_valid_set_passes_and_periods_map_years():
    p = random_params(seed=1)
    assert p.period_of(1950) == 0
    assert p.period_of(2010) == 1
    assert p.period_of(2500) == 2


def test_forbidden_transition_is_named():
    p = random_params(seed=1)
    row = {
        "period": "mid",
        "age": 20,
        "sex": "m",
        "menapt": "menapt",
        "area": "rest",
        "member": "not_member",
        "origin": "restgruppe",
        "from": "employed|higher_edu",
    }
    p.lifecourse.loc[row] = 0.0
    p.lifecourse.loc[{**row, "to": "employed|higher_edu"}] = 0.5
    p.lifecourse.loc[{**row, "to": "neet|none"}] = 0.5  # attainment would fall
    p.lifecourse.loc[{**row, "to": "neet|higher_edu"}] = 0.0
    with pytest.raises(ParameterError, match=r"lifecourse: positive probability on a transition"):
        p.validate("x")


def test_rows_must_sum_to_one():
    p = random_params(seed=1)
    p.move.loc[{"age": 3, "menapt": "menapt", "parent_rg": 1, "area_from": "rest"}] = 0.5
    with pytest.raises(ParameterError, match=r"x\.move: each row must sum to 1 over 'area_to'"):
        p.validate("x")


def test_probabilities_in_unit_interval():
    p = random_params(seed=1)
    p.parent.loc[
        {"period": "late", "area": "supported", "menapt": "menapt", "parent_rg_from": 0}
    ] = -0.2
    with pytest.raises(ParameterError, match=r"x\.parent: probabilities must lie in \[0, 1\]"):
        p.validate("x")


def test_periods_must_be_contiguous():
    p = random_params(seed=1)
    p.periods = (Period("early", 1900, 2007), Period("mid", 2009, 2019), Period("late", 2020, 2200))
    with pytest.raises(ParameterError, match="contiguous"):
        p.validate("x")
