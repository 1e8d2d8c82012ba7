"""Tests of states.py: the registry, its errors and the derived predicates."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer import states


def test_codes_round_trip_and_unknown_names_list_the_allowed():
    for kind in ("activity", "attain", "area", "sex", "menapt", "origin", "lifecourse"):
        for i, name in enumerate(states.labels(kind)):
            assert states.code(kind, name) == i
    with pytest.raises(KeyError, match=r"unknown area 'suported'; expected one of \['supported'"):
        states.code("area", "suported")
    with pytest.raises(KeyError, match="unknown state kind 'colour'"):
        states.code("colour", "red")


def test_valid_pairs_and_invalid_pair_error():
    assert len(states.LIFECOURSE) == len(set(states.LIFECOURSE)) == 18
    assert states.lifecourse_code("youth_edu", "grundskole") == states.parse_state(
        "youth_edu|grundskole"
    )
    with pytest.raises(KeyError, match="not a valid"):
        states.lifecourse_code("higher_edu", "none")  # no higher education without youth edu
    for act, att in states.LIFECOURSE_PAIRS:
        assert act in states.ACTIVITY
        assert att in states.ATTAIN


def test_neet_and_restgruppe_predicates():
    assert states.is_neet("neet|grundskole")
    assert not states.is_neet("employed|none")
    assert states.is_restgruppe("neet|grundskole", 18)
    assert states.is_restgruppe("neet|none", 29)
    assert not states.is_restgruppe("neet|grundskole", 17)  # restgruppe is 18+
    assert not states.is_restgruppe("neet|youth_edu", 25)  # education beyond grundskole
    assert not states.is_restgruppe("employed|none", 25)
    codes = np.arange(len(states.LIFECOURSE))
    labels = np.array(states.LIFECOURSE)
    assert set(labels[states.neet_mask()]) == set(states.states_where(activity="neet"))
    assert set(labels[states.restgruppe_mask()]) == {"neet|none", "neet|grundskole"}
    assert not states.is_restgruppe(codes, 17).any()


def test_allowed_transitions_follow_the_rules():
    allowed = states.allowed_matrix()
    lab = states.LIFECOURSE
    att = states.ATTAIN_OF
    # attainment never falls
    assert not (allowed & (att[None, :] < att[:, None])).any()
    # the exit exam is the move out of school into attain = grundskole
    assert states.transition_allowed("school|none", "youth_edu|grundskole")
    assert not states.transition_allowed("employed|none", "employed|grundskole")
    # completion only out of the level's own activity; higher education may skip vocational
    assert states.transition_allowed("higher_edu|youth_edu", "employed|higher_edu")
    assert not states.transition_allowed("vocational|youth_edu", "employed|higher_edu")
    # no return to preschool, and preschool leads only to school
    pre = lab.index("preschool|none")
    assert allowed[:, pre].sum() == 1
    assert set(np.array(lab)[allowed[pre]]) == {"preschool|none", "school|none"}
    # every state can stay where it is
    assert allowed.diagonal().all()
