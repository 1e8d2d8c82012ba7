"""Each registry indicator against a value worked out by hand on hand-built tallies.

Every test puts a few counts into zero tallies of the exact spec dims (``builders.py``) and
checks the indicator's value in one cell (year, group, origin_group, ethnicity, sex_group).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from livschancer.errors import TallyError
from livschancer.outputs import groups
from livschancer.outputs import indicators as ind
from livschancer.outputs.view import TallyView
from tests.outputs.builders import put, zero_tallies

YEARS = range(2010, 2020)


@pytest.fixture
def ds():
    return zero_tallies(YEARS)


def at(r, year=2019, group="population", origin="all", eth="all", sex="all"):
    """(value, den) of a Ratio in one cell."""
    idx = (
        year - YEARS[0],
        groups.GROUP.index(group),
        groups.ORIGIN_GROUP.index(origin),
        groups.ETHNICITY.index(eth),
        groups.SEX_GROUP.index(sex),
    )
    return float(r.value[idx]), float(r.den[idx])


def value(ds, name, ages, rule="socio13", **cell):
    return at(ind.compute(TallyView(ds), name, ages, rule), **cell)[0]


def stay(ds, n, state, **labels):
    put(ds, "lifecourse", n, frm=state, to=state, **labels)


def test_registry_covers_the_targets_vocabulary():
    vocab = {
        "neet_share", "restgruppe_share", "in_education_share", "employed_share",
        "parent_restgruppe_share", "afgangseksamen_rate", "youth_edu_enrolled_share",
        "youth_edu_completed_share", "youth_edu_dropout_share", "youth_edu_completion_within_3y",
        "vocational_enrolled_share", "vocational_completed_share",
        "vocational_completion_within_5y", "higher_enrolled_share", "higher_completed_share",
        "higher_completion_within_7y", "poverty_share", "sigtelse_rate", "mistanke_rate",
        "fritidsjob_share", "poverty_ever_share", "parent_psychiatric_share",
        "next_after_grundskole_youth_edu", "youth_edu_enrolled_or_completed_share",
    }  # fmt: skip
    for event, nexts in {
        "grundskole": ("education", "employment", "neet"),
        "youth_edu": ("education", "employment"),
        "youth_dropout": ("education", "employment", "neet"),
        "vocational": ("employment", "neet"),
        "higher": ("education", "employment", "neet"),
    }.items():
        vocab |= {f"next_after_{event}_{n}" for n in nexts}
    assert vocab <= set(ind.REGISTRY)
    for i in ind.REGISTRY.values():
        assert i.definition, i.name
        assert i.label_en
        assert i.label_da
        assert all(0 <= lo <= hi <= 29 for lo, hi in i.bands)


def test_neet_share_by_group_origin_ethnicity_sex(ds):
    base = {"year": 2019, "age": 19, "area": "supported", "origin": "restgruppe"}
    stay(ds, 3, "neet|grundskole", **base)
    stay(ds, 1, "employed|youth_edu", **base)
    put(ds, "lifecourse", 1, frm="employed|youth_edu", to="neet|youth_edu", year=2019, age=20)
    stay(ds, 9, "employed|youth_edu", year=2019, age=20)
    stay(ds, 5, "neet|none", year=2019, age=21)  # outside the band
    r = ind.compute(TallyView(ds), "neet_share", (18, 20))
    assert at(r, group="supported", origin="restgruppe") == (0.75, 4.0)
    assert at(r) == (4 / 14, 14.0)
    assert at(r, origin="not_restgruppe") == (0.1, 10.0)
    assert at(r, group="public_housing") == (0.75, 4.0)
    assert math.isnan(at(r, group="grew_up_in")[0])  # nobody is a member
    assert at(r, eth="non_menapt") == (4 / 14, 14.0)
    assert math.isnan(at(r, eth="menapt")[0])
    assert math.isnan(at(r, sex="f")[0])
    assert at(r, year=2018)[1] == 0.0
    se = float(r.se[9, 3, 2, 2, 2])
    assert se == pytest.approx(math.sqrt((4 / 14) * (10 / 14) / 14))


def test_grew_up_in_is_membership_wherever_one_lives(ds):
    stay(ds, 2, "neet|grundskole", year=2019, age=22, member="member", area="rest")
    stay(ds, 6, "employed|grundskole", year=2019, age=22, member="member", area="supported")
    stay(ds, 4, "neet|grundskole", year=2019, age=22, area="supported")
    r = ind.compute(TallyView(ds), "neet_share", (21, 25))
    assert at(r, group="grew_up_in") == (0.25, 8.0)
    assert at(r, group="supported") == (0.4, 10.0)


def test_in_education_and_employed_under_both_rules(ds):
    cell = {"year": 2019, "age": 17}
    stay(ds, 6, "youth_edu|grundskole", **cell)
    stay(ds, 2, "employed|grundskole", **cell)
    stay(ds, 2, "neet|grundskole", **cell)
    put(ds, "job", 3, activity="youth_edu", job_from="no", job_to="yes", **cell)
    put(ds, "job", 3, activity="youth_edu", job_from="no", job_to="no", **cell)
    assert value(ds, "in_education_share", (17, 17)) == 0.6
    assert value(ds, "employed_share", (17, 17)) == 0.2
    assert value(ds, "in_education_share", (17, 17), "wage_hours") == pytest.approx(0.3)
    assert value(ds, "employed_share", (17, 17), "wage_hours") == pytest.approx(0.5)
    assert value(ds, "neet_share", (17, 17), "wage_hours") == pytest.approx(0.2)
    r = ind.compute(TallyView(ds), "employed_share", (17, 17), "wage_hours")
    assert math.isnan(at(r, origin="not_restgruppe")[0])
    assert r.reason("population", "restgruppe", "all", "all") == (
        "the 'job' tally has no 'origin' dim"
    )


def test_restgruppe_needs_age_18_and_low_attainment(ds):
    stay(ds, 2, "neet|none", year=2019, age=16)
    stay(ds, 3, "neet|grundskole", year=2019, age=19)
    stay(ds, 1, "neet|youth_edu", year=2019, age=19)
    stay(ds, 1, "employed|grundskole", year=2019, age=19)
    assert value(ds, "restgruppe_share", (15, 29)) == pytest.approx(3 / 5)
    assert math.isnan(value(ds, "restgruppe_share", (15, 17)))


@pytest.mark.parametrize(
    ("name", "state", "ages"),
    [
        ("youth_edu_enrolled_share", "youth_edu|grundskole", (18, 20)),
        ("vocational_enrolled_share", "vocational|grundskole", (17, 24)),
        ("higher_enrolled_share", "higher_edu|youth_edu", (21, 25)),
        ("higher_completed_share", "employed|higher_edu", (29, 29)),
    ],
)
def test_enrolment_and_higher_completion_shares(ds, name, state, ages):
    stay(ds, 3, state, year=2019, age=ages[1])
    stay(ds, 5, "employed|grundskole", year=2019, age=ages[1])
    stay(ds, 2, "neet|vocational", year=2019, age=ages[0])
    assert value(ds, name, ages) == pytest.approx(0.3)


def test_youth_edu_completed_counts_completions_along_the_cohort(ds):
    # cohort born 1998: completes at 19 in 2017, an arrival holding it at 20 in 2018
    put(ds, "lifecourse", 2, frm="youth_edu|grundskole", to="employed|youth_edu", year=2017, age=19)
    put(ds, "lifecourse", 1, frm="entry", to="employed|youth_edu", year=2018, age=20)
    put(
        ds,
        "lifecourse",
        4,
        frm="vocational|grundskole",
        to="employed|vocational",
        year=2018,
        age=20,
    )
    stay(ds, 3, "employed|youth_edu", year=2019, age=21)
    stay(ds, 4, "employed|vocational", year=2019, age=21)
    stay(ds, 3, "neet|grundskole", year=2019, age=21)
    # another cohort (born 1997) completing in 2017 at 20 is 22 in 2019: not in the band
    put(ds, "lifecourse", 7, frm="youth_edu|grundskole", to="employed|youth_edu", year=2017, age=20)
    assert value(ds, "youth_edu_completed_share", (21, 21)) == pytest.approx(3 / 10)
    assert value(ds, "vocational_completed_share", (21, 21)) == pytest.approx(4 / 10)
    stay(ds, 2, "youth_edu|grundskole", year=2019, age=21)
    assert value(ds, "youth_edu_enrolled_or_completed_share", (21, 21)) == pytest.approx(5 / 12)


def test_youth_edu_dropout_share_from_entrants(ds):
    e = {"level": "youth_edu"}
    put(ds, "entrants", 1, entry_year=2017, entry_age=19, years_since=2, status="left", **e)
    put(ds, "entrants", 2, entry_year=2017, entry_age=19, years_since=2, status="completed", **e)
    put(ds, "entrants", 1, entry_year=2017, entry_age=19, years_since=2, status="enrolled", **e)
    put(ds, "entrants", 4, entry_year=2019, entry_age=21, years_since=0, status="enrolled", **e)
    put(ds, "entrants", 5, entry_year=2018, entry_age=19, years_since=1, status="left", **e)
    put(ds, "entrants", 9, entry_year=2017, entry_age=19, years_since=2, status="left",
        level="vocational")  # fmt: skip
    assert value(ds, "youth_edu_dropout_share", (21, 21)) == pytest.approx(1 / 8)


@pytest.mark.parametrize(
    ("name", "level", "n", "entry_age", "too_old"),
    [
        ("youth_edu_completion_within_3y", "youth_edu", 3, 17, 27),
        ("vocational_completion_within_5y", "vocational", 5, 17, 25),
        ("higher_completion_within_7y", "higher_edu", 7, 20, 23),
    ],
)
def test_completion_within_n_years(ds, name, level, n, entry_age, too_old):
    e = {"level": level, "years_since": n, "entry_year": 2019 - n}
    put(ds, "entrants", 3, entry_age=entry_age, status="completed", **e)
    put(ds, "entrants", 1, entry_age=entry_age, status="left", **e)
    put(ds, "entrants", 5, entry_age=too_old, status="left", **e)  # cut: followed only to 29
    put(ds, "entrants", 8, entry_age=entry_age, status="left", level=level, years_since=n - 1,
        entry_year=2019 - n)  # fmt: skip
    ages = (15, 29) if level != "higher_edu" else (18, 29)
    assert value(ds, name, ages) == pytest.approx(0.75)  # reported at the end of the window
    assert math.isnan(value(ds, name, ages, year=2019 - n))


def test_afgangseksamen_and_what_follows_the_exam(ds):
    c = {"year": 2019, "age": 16}
    put(ds, "lifecourse", 5, frm="school|none", to="youth_edu|grundskole", **c)
    put(ds, "lifecourse", 2, frm="school|none", to="school|grundskole", **c)
    put(ds, "lifecourse", 1, frm="school|none", to="employed|grundskole", **c)
    put(ds, "lifecourse", 2, frm="school|none", to="vocational|none", **c)
    put(ds, "lifecourse", 1, frm="school|none", to="neet|none", **c)
    stay(ds, 10, "school|none", **c)
    assert value(ds, "afgangseksamen_rate", (15, 16)) == pytest.approx(8 / 11)
    assert value(ds, "next_after_grundskole_education", (15, 17)) == pytest.approx(7 / 8)
    assert value(ds, "next_after_grundskole_youth_edu", (15, 17)) == pytest.approx(5 / 8)
    assert value(ds, "next_after_grundskole_employment", (15, 17)) == pytest.approx(1 / 8)
    assert value(ds, "next_after_grundskole_neet", (15, 17)) == 0.0


def test_next_after_completion_and_dropout(ds):
    c = {"year": 2019, "age": 22}
    put(ds, "lifecourse", 2, frm="youth_edu|grundskole", to="higher_edu|youth_edu", **c)
    put(ds, "lifecourse", 3, frm="youth_edu|grundskole", to="employed|youth_edu", **c)
    put(ds, "lifecourse", 1, frm="youth_edu|none", to="neet|youth_edu", **c)
    put(ds, "lifecourse", 2, frm="youth_edu|grundskole", to="neet|grundskole", **c)
    put(ds, "lifecourse", 1, frm="youth_edu|grundskole", to="vocational|grundskole", **c)
    put(ds, "lifecourse", 1, frm="youth_edu|grundskole", to="employed|grundskole", **c)
    stay(ds, 9, "youth_edu|grundskole", **c)
    assert value(ds, "next_after_youth_edu_education", (15, 29)) == pytest.approx(2 / 6)
    assert value(ds, "next_after_youth_edu_employment", (15, 29)) == pytest.approx(3 / 6)
    assert value(ds, "next_after_youth_edu_neet", (15, 29)) == pytest.approx(1 / 6)
    assert value(ds, "next_after_youth_dropout_neet", (15, 29)) == pytest.approx(2 / 4)
    assert value(ds, "next_after_youth_dropout_education", (15, 29)) == pytest.approx(1 / 4)
    assert value(ds, "next_after_youth_dropout_employment", (15, 29)) == pytest.approx(1 / 4)


def test_next_after_vocational_and_higher(ds):
    put(ds, "lifecourse", 3, frm="vocational|grundskole", to="employed|vocational", year=2019,
        age=25)  # fmt: skip
    put(ds, "lifecourse", 1, frm="vocational|grundskole", to="neet|vocational", year=2019, age=25)
    put(ds, "lifecourse", 4, frm="higher_edu|youth_edu", to="employed|higher_edu", year=2019,
        age=29)  # fmt: skip
    put(ds, "lifecourse", 1, frm="higher_edu|youth_edu", to="higher_edu|higher_edu", year=2019,
        age=29)  # fmt: skip
    # a second higher education: not a (first) completion
    put(ds, "lifecourse", 5, frm="higher_edu|higher_edu", to="employed|higher_edu", year=2019,
        age=29)  # fmt: skip
    assert value(ds, "next_after_vocational_employment", (25, 25)) == pytest.approx(0.75)
    assert value(ds, "next_after_vocational_neet", (25, 25)) == pytest.approx(0.25)
    assert value(ds, "next_after_higher_employment", (29, 29)) == pytest.approx(0.8)
    assert value(ds, "next_after_higher_education", (29, 29)) == pytest.approx(0.2)
    assert value(ds, "next_after_higher_neet", (29, 29)) == 0.0


def test_poverty_shares(ds):
    c = {"year": 2019, "age": 3}
    put(ds, "poverty", 2, poverty_from="no", poverty_to="yes", **c)
    put(ds, "poverty", 1, poverty_from="entry", poverty_to="yes", **c)
    put(ds, "poverty", 7, poverty_from="no", poverty_to="no", **c)
    put(ds, "poverty", 5, poverty_from="no", poverty_to="yes", year=2019, age=7)
    assert value(ds, "poverty_share", (0, 6)) == pytest.approx(0.3)
    r = ind.compute(TallyView(ds), "poverty_share", (0, 6))
    assert r.reason("population", "all", "all", "m") == "the 'poverty' tally has no 'sex' dim"
    put(ds, "poverty_ever", 3, year=2019, age=18, ever_poor="yes")
    put(ds, "poverty_ever", 9, year=2019, age=18, ever_poor="no")
    put(ds, "poverty_ever", 9, year=2019, age=17, ever_poor="yes")
    assert value(ds, "poverty_ever_share", (6, 18)) == pytest.approx(0.25)


def test_parent_psychiatric_share_is_measured_at_the_window_end(ds):
    put(ds, "parent_psych", 1, year=2019, age=6, parent_psych_from="no", parent_psych_to="yes")
    put(ds, "parent_psych", 3, year=2019, age=6, parent_psych_from="no", parent_psych_to="no")
    put(ds, "parent_psych", 4, year=2019, age=5, parent_psych_from="no", parent_psych_to="yes")
    assert value(ds, "parent_psychiatric_share", (0, 6)) == pytest.approx(0.25)


def test_parent_restgruppe_share_measured_at_the_lower_age(ds):
    put(ds, "parent_rg", 3, year=2019, age=6, parent_rg_from="yes", parent_rg_to="yes")
    put(ds, "parent_rg", 7, year=2019, age=6, parent_rg_from="no", parent_rg_to="no")
    put(ds, "parent_rg", 1, year=2018, age=6, parent_rg_from="no", parent_rg_to="yes")
    put(ds, "parent_rg", 1, year=2018, age=6, parent_rg_from="no", parent_rg_to="no")
    put(ds, "parent_rg", 9, year=2019, age=7, parent_rg_from="yes", parent_rg_to="yes")
    assert value(ds, "parent_restgruppe_share", (6, 6)) == pytest.approx(0.3)
    assert value(ds, "parent_restgruppe_share", (6, 8)) == pytest.approx(4 / 12)


@pytest.mark.parametrize(("name", "age"), [("mistanke_rate", 12), ("sigtelse_rate", 16)])
def test_crime_rates_with_poisson_error(ds, name, age):
    put(ds, "crime", 2, year=2019, age=age, crime_ever_from="no", crime_event="yes")
    put(ds, "crime", 98, year=2019, age=age, crime_ever_from="no", crime_event="no")
    r = ind.compute(TallyView(ds), name, ind.REGISTRY[name].bands[0])
    assert at(r) == (0.02, 100.0)
    assert ind.REGISTRY[name].kind == "rate"
    assert float(r.se[9, 3, 2, 2, 2]) == pytest.approx(math.sqrt(2) / 100)


def test_fritidsjob_share_among_pupils_and_gymnasium_students(ds):
    c = {"year": 2019, "age": 16, "job_from": "no"}
    put(ds, "job", 2, activity="school", job_to="yes", **c)
    put(ds, "job", 3, activity="school", job_to="no", **c)
    put(ds, "job", 1, activity="youth_edu", job_to="yes", **c)
    put(ds, "job", 4, activity="youth_edu", job_to="no", **c)
    put(ds, "job", 5, activity="other_edu", job_to="yes", **c)
    assert value(ds, "fritidsjob_share", (15, 20)) == pytest.approx(0.3)


def test_gap_is_restgruppe_minus_the_rest(ds):
    stay(ds, 3, "neet|grundskole", year=2019, age=19, origin="restgruppe")
    stay(ds, 1, "employed|grundskole", year=2019, age=19, origin="restgruppe")
    stay(ds, 1, "neet|grundskole", year=2019, age=19)
    stay(ds, 3, "employed|grundskole", year=2019, age=19)
    r = ind.compute(TallyView(ds), "neet_share", (18, 20))
    g, gs = ind.gap(r)
    assert g[9, 3, 2, 2] == pytest.approx(0.5)
    assert gs[9, 3, 2, 2] == pytest.approx(math.sqrt(2 * 0.75 * 0.25 / 4))


def test_compute_refuses_bad_calls(ds):
    v = TallyView(ds)
    with pytest.raises(KeyError, match="unknown indicator 'nope'"):
        ind.compute(v, "nope", (15, 29))
    with pytest.raises(ValueError, match="ages must satisfy"):
        ind.compute(v, "neet_share", (25, 50))
    with pytest.raises(ValueError, match="rule must be one of"):
        ind.compute(v, "poverty_share", (0, 6), "wage_hours")
    with pytest.raises(TallyError, match="no 'poverty' tally"):
        ind.compute(TallyView(ds.drop_vars("poverty")), "poverty_share", (0, 6))


def test_every_indicator_runs_on_empty_tallies(ds):
    v = TallyView(ds)
    for name, i in ind.REGISTRY.items():
        for ages in i.bands:
            r = ind.compute(v, name, ages)
            assert r.num.shape == (len(YEARS), 4, 3, 3, 3), name
            assert np.isnan(r.value).all(), name
