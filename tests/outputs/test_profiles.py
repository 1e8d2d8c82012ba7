"""Tests of outputs/profiles.py and outputs/standard.py on hand-built tallies."""

from __future__ import annotations

import math

import pytest

from livschancer.outputs import profiles
from livschancer.outputs.standard import indicator_label, standard_indicators
from livschancer.outputs.view import TallyView
from tests.outputs.builders import put, zero_tallies


@pytest.fixture
def ds():
    ds = zero_tallies(range(2015, 2020))
    for n, s in ((3, "neet|grundskole"), (1, "employed|grundskole")):
        put(ds, "lifecourse", n, frm=s, to=s, year=2019, age=19, area="supported")
    put(ds, "lifecourse", 2, frm="youth_edu|grundskole", to="youth_edu|grundskole", year=2018,
        age=18)  # fmt: skip
    return ds


def test_age_profile(ds):
    p = profiles.age_profile(TallyView(ds), 2019)
    cell = {"group": "supported", "origin_group": "all", "ethnicity": "all", "sex_group": "all"}
    assert float(p["share"].sel(age=19, activity="neet", **cell)) == 0.75
    assert float(p["persons"].sel(age=19, activity="neet", **cell)) == 4
    assert math.isnan(float(p["share"].sel(age=20, activity="neet", **cell)))
    assert p.attrs["year"] == 2019


def test_cohort_follows_the_birth_year(ds):
    c = profiles.cohort_profile(TallyView(ds), [2000, 1980])
    cell = {"group": "population", "origin_group": "all", "ethnicity": "all", "sex_group": "all"}
    assert float(c["share"].sel(birth_year=2000, age=18, activity="youth_edu", **cell)) == 1.0
    assert float(c["share"].sel(birth_year=2000, age=19, activity="neet", **cell)) == 0.75
    assert math.isnan(float(c["share"].sel(birth_year=1980, age=5, activity="neet", **cell)))


def test_followup_shares(ds):
    k = {"year": 2019, "age": 16, "k": 1, "state": "school|none", "member": "member"}
    put(ds, "followup", 3, activity_later="youth_edu", **k)
    put(ds, "followup", 1, activity_later="neet", **k)
    f = profiles.followup(TallyView(ds), 2019)
    cell = {"age": 16, "k": 1, "state": "school|none", "origin_group": "all"}
    assert float(f["share"].sel(activity_later="youth_edu", group="grew_up_in", **cell)) == 0.75
    assert float(f["persons"].sel(activity_later="neet", group="population", **cell)) == 4
    assert math.isnan(float(f["share"].sel(activity_later="neet", group="supported", **cell)))


def test_noncompleters(ds):
    c = {"year": 2019, "profile_age": 21}
    put(ds, "profile", 2, attain="grundskole", sex="m", ever_poor="yes", **c)
    put(ds, "profile", 2, attain="grundskole", sex="f", ever_poor="no", **c)
    put(ds, "profile", 4, attain="youth_edu", sex="f", ever_poor="no", **c)
    put(ds, "profile", 5, attain="none", sex="m", year=2019, profile_age=17)
    n = profiles.noncompleters(TallyView(ds))
    cell = {"profile_level": "youth_edu", "year": 2019, "group": "population"}
    assert float(n["share"].sel(trait="boys", completion="not_completed", **cell)) == 0.5
    assert float(n["share"].sel(trait="boys", completion="completed", **cell)) == 0.0
    assert float(n["share"].sel(trait="boys", completion="all", **cell)) == 0.25
    assert float(n["share"].sel(trait="ever_poor", completion="not_completed", **cell)) == 0.5
    assert float(n["persons"].sel(trait="ever_poor", completion="all", **cell)) == 8
    g = {"profile_level": "grundskole", "year": 2019, "group": "population"}
    assert float(n["share"].sel(trait="boys", completion="not_completed", **g)) == 1.0


def test_standard_indicators_layout(ds):
    ind = standard_indicators(ds, 2019)
    assert indicator_label("neet_share", (15, 17)) in ind["indicator"].values
    assert ind["indicator_value"].dims == (
        "indicator", "year", "group", "origin_group", "ethnicity", "sex_group",
    )  # fmt: skip
    assert ind["gap_value"].dims == ("indicator", "year", "group", "ethnicity", "sex_group")
    for prefix in ("age_profile", "cohort", "followup", "noncompleter"):
        assert f"{prefix}_share" in ind
    assert ind.attrs["report_year"] == 2019
    assert ind.attrs["missing_parts"] == ""
    row = ind.sel(indicator="neet_share[18-20]")
    assert row["indicator_name"].item() == "neet_share"
    assert (int(row["age_from"]), int(row["age_to"])) == (18, 20)


def test_standard_indicators_leave_out_what_a_panel_lacks(ds):
    ind = standard_indicators(ds.drop_vars(["crime", "followup"]), 2019)
    assert "followup_share" not in ind
    assert "sigtelse_rate[15-17]" not in ind["indicator"].values
    assert "no 'crime' tally" in ind.attrs["missing_parts"]
    assert "followup" in ind.attrs["missing_parts"]
