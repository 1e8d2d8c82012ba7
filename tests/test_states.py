"""Tests of states.py: the registry, its errors, the transition rules and the named groups."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer import states

A = states.transition_allowed


def test_codes_round_trip_and_unknown_names_list_the_allowed():
    for kind in (
        "activity",
        "attain",
        "area",
        "sex",
        "menapt",
        "origin",
        "member",
        "lifecourse",
        "level",
        "flag",
        "risk",
        "group",
    ):
        for i, name in enumerate(states.labels(kind)):
            assert states.code(kind, name) == i
    with pytest.raises(KeyError, match=r"unknown area 'suported'; expected one of \['supported'"):
        states.code("area", "suported")
    with pytest.raises(KeyError, match="unknown state kind 'colour'"):
        states.code("colour", "red")
    with pytest.raises(KeyError, match="unknown state kind 'colour'"):
        states.labels("colour")


def test_the_26_valid_pairs_and_their_codes():
    assert states.N_STATE == len(states.LIFECOURSE) == len(set(states.LIFECOURSE)) == 26
    assert states.LIFECOURSE[0] == states.state_name(*states.BIRTH_STATE) == "preschool|none"
    # the codes are fixed: reordering them is a model change (new baseline)
    assert states.LIFECOURSE[:3] == ("preschool|none", "school|none", "school|grundskole")
    assert states.LIFECOURSE[-1] == "neet|higher_edu"
    for i, (act, att) in enumerate(states.LIFECOURSE_PAIRS):
        assert states.lifecourse_code(act, att) == i == states.parse_state(f"{act}|{att}")
        assert states.ACTIVITY[states.ACTIVITY_OF[i]] == act
        assert states.ATTAIN[states.ATTAIN_OF[i]] == att
    with pytest.raises(KeyError, match="not a valid"):
        states.lifecourse_code("higher_edu", "none")
    # no higher education without a completed youth or vocational education
    assert {e for a, e in states.LIFECOURSE_PAIRS if a == "higher_edu"} == {
        "youth_edu",
        "vocational",
        "higher_edu",
    }
    # vocational education without the exam, with it, or after a youth education
    assert {e for a, e in states.LIFECOURSE_PAIRS if a == "vocational"} == {
        "none",
        "grundskole",
        "youth_edu",
    }
    # other_edu at every attainment; employed and neet too
    for act in ("other_edu", "employed", "neet"):
        assert {e for a, e in states.LIFECOURSE_PAIRS if a == act} == set(states.ATTAIN)
    assert states.states_where(activity="school") == ("school|none", "school|grundskole")
    assert states.states_where(attain="higher_edu") == (
        "other_edu|higher_edu",
        "higher_edu|higher_edu",
        "employed|higher_edu",
        "neet|higher_edu",
    )
    with pytest.raises(KeyError, match="unknown activity 'gym'"):
        states.states_where(activity="gym")


def test_neet_and_restgruppe_predicates():
    assert states.is_neet("neet|grundskole")
    assert not states.is_neet("employed|none")
    assert states.is_restgruppe("neet|grundskole", 18)
    assert states.is_restgruppe("neet|none", 29)
    assert not states.is_restgruppe("neet|grundskole", 17)  # restgruppe is 18+
    assert not states.is_restgruppe("neet|youth_edu", 25)  # education beyond grundskole
    assert not states.is_restgruppe("employed|none", 25)
    codes = np.arange(states.N_STATE)
    labels = np.array(states.LIFECOURSE)
    assert set(labels[states.neet_mask()]) == set(states.states_where(activity="neet"))
    assert set(labels[states.restgruppe_mask()]) == {"neet|none", "neet|grundskole"}
    assert not states.is_restgruppe(codes, 17).any()
    assert set(labels[states.enrolled_mask()]) == {
        s for s in labels if s.split("|")[0] in states.ENROLLED
    }


def test_attainment_never_falls_and_rises_only_out_of_the_level_activity():
    allowed = states.allowed_matrix()
    att = states.ATTAIN_OF
    assert not (allowed & (att[None, :] < att[:, None])).any()
    for i, (a0, _) in enumerate(states.LIFECOURSE_PAIRS):
        for j, (_, e1) in enumerate(states.LIFECOURSE_PAIRS):
            if allowed[i, j] and att[j] > att[i]:
                assert a0 == states.LEVEL_ACTIVITY[e1], (i, j)
    # the exit exam is the move out of school into attain = grundskole
    assert A("school|none", "youth_edu|grundskole")
    assert A("school|none", "school|grundskole")  # exam, then a 10th grade
    assert not A("employed|none", "employed|grundskole")
    # completion of higher education may follow a youth or a vocational education
    assert A("higher_edu|youth_edu", "employed|higher_edu")
    assert A("higher_edu|vocational", "neet|higher_edu")
    assert not A("vocational|youth_edu", "employed|higher_edu")
    assert allowed.diagonal().all()


def test_preschool_and_school_are_entered_only_in_order():
    allowed = states.allowed_matrix()
    lab = np.array(states.LIFECOURSE)
    pre = states.parse_state("preschool|none")
    assert list(lab[allowed[:, pre]]) == ["preschool|none"]
    assert set(lab[allowed[pre]]) == {"preschool|none", "school|none"}
    for s in ("school|none", "school|grundskole"):
        into = set(lab[allowed[:, states.parse_state(s)]])
        assert into <= {"preschool|none", "school|none", "school|grundskole"}, s
    assert not A("employed|none", "school|none")
    assert not A("neet|grundskole", "school|grundskole")
    assert not A("school|grundskole", "school|none")


def test_vocational_higher_and_switches_follow_the_ladder():
    # vocational straight from grundskole, with or without the exam, and after a youth edu
    assert A("school|none", "vocational|none")
    assert A("school|grundskole", "vocational|grundskole")
    assert A("school|none", "vocational|grundskole")
    assert A("youth_edu|grundskole", "vocational|youth_edu")  # completed, then vocational
    assert A("employed|grundskole", "vocational|grundskole")
    # higher education only with a youth or vocational attainment (or completing one now)
    assert A("employed|youth_edu", "higher_edu|youth_edu")
    assert A("vocational|grundskole", "higher_edu|vocational")
    assert A("youth_edu|none", "higher_edu|youth_edu")
    for s in states.LIFECOURSE:
        for t in states.states_where(activity="higher_edu"):
            if A(s, t) and s.split("|")[1] in ("none", "grundskole"):
                assert s.split("|")[0] in ("youth_edu", "vocational"), (s, t)
    # a further higher education after completing one
    assert A("higher_edu|youth_edu", "higher_edu|higher_edu")
    assert A("employed|higher_edu", "higher_edu|higher_edu")
    # switches between educations: a dropout from one and an entry to the other
    assert A("youth_edu|grundskole", "vocational|grundskole")
    assert A("vocational|grundskole", "youth_edu|grundskole")
    assert A("higher_edu|youth_edu", "other_edu|youth_edu")
    assert A("other_edu|none", "youth_edu|none")


def _group(name):
    m = states.transition_group(name)
    lab = states.LIFECOURSE
    return {(lab[i], lab[j]) for i, j in zip(*np.nonzero(m), strict=True)}


def test_transition_groups():
    allowed = states.allowed_matrix()
    for name in states.TRANSITION_GROUPS:
        m = states.transition_group(name)
        assert m.shape == (states.N_STATE, states.N_STATE)
        assert not (m & ~allowed).any(), name
        assert m.any(), name
        assert not m.diagonal().any(), name  # staying put is in no group
    drop = _group("dropout")
    assert ("youth_edu|grundskole", "neet|grundskole") in drop
    assert ("youth_edu|grundskole", "vocational|grundskole") in drop  # a switch
    assert ("youth_edu|grundskole", "employed|youth_edu") not in drop  # completion
    assert not any(f.startswith("school|") for f, _ in drop)  # grundskole is not dropped out of
    assert _group("exam") == {
        (f, t) for f, t in _group("exam") if f == "school|none" and t.endswith("|grundskole")
    }
    assert ("school|none", "school|grundskole") in _group("exam")
    neet = _group("neet_entry")
    assert all(t.startswith("neet|") and not f.startswith(("neet|", "preschool|")) for f, t in neet)
    entry = _group("higher_edu_entry")
    assert ("employed|higher_edu", "higher_edu|higher_edu") in entry  # a second one
    assert ("higher_edu|youth_edu", "higher_edu|higher_edu") in entry
    assert ("higher_edu|youth_edu", "higher_edu|youth_edu") not in entry  # staying
    assert ("school|grundskole", "vocational|grundskole") in _group("vocational_entry")
    assert ("school|none", "youth_edu|grundskole") in _group("youth_edu_entry")
    done = _group("completion")
    assert ("youth_edu|grundskole", "higher_edu|youth_edu") in done
    assert ("higher_edu|vocational", "employed|higher_edu") in done
    assert all(
        states.ATTAIN.index(t.split("|")[1]) > states.ATTAIN.index(f.split("|")[1]) for f, t in done
    )
    with pytest.raises(KeyError, match="unknown transition group 'drop'"):
        states.transition_group("drop")
    assert set(states.RISK_GROUPS) <= set(states.TRANSITION_GROUPS)
    assert states.RISKS == ("fritidsjob", "poverty", "parent_psych", "crime_ever")


def test_kernel_constants_repeat_the_registry():
    k = states.KERNEL_CONSTANTS
    assert k["ORIGIN_AGE"] == states.ORIGIN_AGE == 15
    assert (k["MEMBER_AGE_LO"], k["MEMBER_AGE_HI"], k["MEMBER_YEARS"]) == (
        *states.MEMBER_AGES,
        states.MEMBER_YEARS,
    )
    assert (k["JOB_AGE_LO"], k["JOB_AGE_HI"]) == states.JOB_AGES
    assert (k["POVERTY_EVER_LO"], k["POVERTY_EVER_HI"]) == states.POVERTY_EVER_AGES
    assert k["CHARGE_MIN_AGE"] == states.CHARGE_MIN_AGE
    assert k["N_AGE"] == states.N_AGE == 30
