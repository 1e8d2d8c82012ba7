"""The provisional default parameter set: it loads, every knob has a source, broken copies fail
with errors naming the file, the key and the value, and the building rules reach the printed
figures they were read from (domain.md)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from livschancer import dims, states
from livschancer.errors import ParameterError
from livschancer.transitions import exact
from livschancer.transitions.params import ModelParameters
from livschancer.transitions.provisional import (
    SOURCE_RE,
    default_path,
    file_sha256,
    load_provisional,
)


@pytest.fixture(scope="module")
def params() -> ModelParameters:
    return load_provisional()


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(default_path().read_text())


@pytest.fixture(scope="module")
def tables(params) -> exact.Tables:
    return exact.Tables(params)


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _knobs(node: object, key: str = ""):
    """Yield (key path, knob) for every mapping that carries a ``value``."""
    if isinstance(node, dict):
        if "value" in node:
            yield key, node
            return
        for k, v in node.items():
            yield from _knobs(v, f"{key}.{k}" if key else str(k))


def _set(doc: dict, key: str, field: str, value: object) -> dict:
    """A copy of ``doc`` with ``<key>.<field>`` set (``value=...`` deletes when None)."""
    bad = copy.deepcopy(doc)
    node = bad
    for part in key.split("."):
        node = node[part]
    if value is None:
        del node[field]
    else:
        node[field] = value
    return bad


# --- loading -----------------------------------------------------------------------------------


def test_shipped_file_loads_and_validates(params):
    assert isinstance(params, ModelParameters)
    params.validate()
    assert params.provenance["status"] == "provisional"
    assert params.status == "provisional"
    assert "provisional" not in params.provenance  # the old key is gone
    assert params.provenance["sha256"] == file_sha256(default_path())
    assert "calibrated" in params.provenance["note"]
    names = [p.name for p in params.periods]
    assert params.periods[0].first <= 1971
    assert params.periods[-1].last >= 2100
    for name, want in {**ModelParameters.ARRAYS, "risk_or": dims.RISK_OR}.items():
        arr = getattr(params, name)
        assert arr.dims == want, name
        if "period" in want:
            assert list(arr["period"].values) == names


def test_load_from_explicit_path_matches_default(tmp_path, params):
    path = tmp_path / "copy.yaml"
    path.write_bytes(default_path().read_bytes())
    other = load_provisional(path)
    assert other.provenance["file"] == str(path)
    assert other.provenance["sha256"] == params.provenance["sha256"]
    np.testing.assert_array_equal(other.lifecourse.values, params.lifecourse.values)
    np.testing.assert_array_equal(other.crime.values, params.crime.values)


def test_top_level_keys(doc):
    assert doc["status"] == "provisional"
    assert isinstance(doc["description"], str)
    want = {
        "periods",
        "composition",
        "lifecourse",
        "move",
        "parent",
        "job",
        "poverty",
        "parent_psych",
        "crime",
        "risk_or",
    }
    assert want <= set(doc)


def test_every_knob_has_a_source_and_a_note(doc):
    knobs = list(_knobs(doc))
    assert len(knobs) > 150
    n_cited = 0
    for key, knob in knobs:
        src = knob.get("source")
        assert isinstance(src, str), key
        assert src == "assumption" or SOURCE_RE.match(src), (key, src)
        n_cited += src != "assumption"
        assert knob.get("note"), key
    assert n_cited > len(knobs) / 3  # most of the values come from the reports


@pytest.mark.parametrize(
    "source",
    [
        "domain.md 4.4 (001_50c1653d2ce7b99d.txt, 2355): afgangseksamen",
        "domain.md 4.6 (001_50c1653d2ce7b99d.txt, 3549-3550, 3786-3788); 4.10 "
        "(001_50c1653d2ce7b99d.txt, 1286-1289): crisis",
        "domain.md 4.3 (001_50c1653d2ce7b99d.txt, 1284-1289; 002_ac71abf34e26ad1e.txt, 1885)",
    ],
)
def test_source_pattern_accepts_citations(source):
    assert SOURCE_RE.match(source)


@pytest.mark.parametrize(
    "source",
    [
        "domain.md 4.4",
        "domain.md 4.4: 001_50c1653d2ce7b99d.txt, 2355",
        "the reports",
        "",
        "Domain.md 4.4 (001_50c1653d2ce7b99d.txt, 2355)",
        "domain.md 4.4 (report 1, 2355)",
    ],
)
def test_source_pattern_rejects_vague_sources(source):
    assert not SOURCE_RE.match(source)


def test_only_knobs_hold_numbers(doc):
    """Every number in the file sits under a knob's ``value`` (nothing escapes the source rule)."""

    def walk(node, key):
        if isinstance(node, dict):
            if "value" in node:
                return
            for k, v in node.items():
                walk(v, f"{key}.{k}")
        else:
            assert not isinstance(node, (int, float)) or isinstance(node, bool), key

    walk(doc, "")


# --- broken copies: every error names the file, the key and the value --------------------------


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("poverty.persistence", 1.5, "1.5"),
        ("parent_psych.share_at_6.population", -0.1, "-0.1"),
        (
            "crime.charge_rate.supported",
            {"pre2008": 0.2, "crisis": 1.2, "reform": 0.1, "future": 0.1},
            "1.2",
        ),
        ("job.fritidsjob.persistence", 1.3, "1.3"),
        ("lifecourse.higher_edu.dropout", {18: 0.06, 22: 1.5}, "1.5"),
    ],
)
def test_probability_outside_unit_interval_names_file_key_value(tmp_path, doc, key, value, shown):
    bad = _set(doc, key, "value", value)
    want = rf"broken\.yaml:{re.escape(key)}\.value: a probability must lie in \[0, 1\]; got {shown}"
    with pytest.raises(ParameterError, match=want):
        load_provisional(_write(tmp_path, bad))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("risk_or.crime_ever.dropout", 0),
        ("risk_or.poverty.neet_entry", -1.3),
        ("crime.crime_ever_or", 0.0),
        ("poverty.parent_rg_or", -2),
        ("parent_psych.menapt_or", 0),
        ("lifecourse.odds_ratios.dropout.restgruppe", -0.5),
    ],
)
def test_odds_ratio_not_positive_names_file_key_value(tmp_path, doc, key, value):
    bad = _set(doc, key, "value", value)
    want = rf"broken\.yaml:{re.escape(key)}\.value: an odds ratio must be finite and > 0; got "
    with pytest.raises(ParameterError, match=want + re.escape(repr(float(value)))):
        load_provisional(_write(tmp_path, bad))


@pytest.mark.parametrize(
    ("key", "source", "shown"),
    [
        ("risk_or.poverty.exam", None, "None"),
        ("poverty.persistence", "my hunch", "'my hunch'"),
        ("crime.restgruppe_or", "domain.md 4.5", "'domain.md 4.5'"),
        ("parent_psych.share_at_6.supported", "", "''"),
    ],
)
def test_missing_source_names_file_key_value(tmp_path, doc, key, source, shown):
    bad = _set(doc, key, "source", source)
    want = rf"broken\.yaml:{re.escape(key)}\.source: every value needs a source.*; got {shown}"
    with pytest.raises(ParameterError, match=want):
        load_provisional(_write(tmp_path, bad))


def test_missing_key_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    del bad["risk_or"]["parent_psych"]["youth_edu_entry"]
    with pytest.raises(ParameterError, match=r"risk_or\.parent_psych\.youth_edu_entry.*missing"):
        load_provisional(_write(tmp_path, bad))


def test_wrong_type_names_the_key(tmp_path, doc):
    bad = _set(doc, "parent.persistence", "value", "high")
    with pytest.raises(ParameterError, match=r"broken\.yaml:parent\.persistence\.value.*'high'"):
        load_provisional(_write(tmp_path, bad))


def test_shares_must_sum_to_one(tmp_path, doc):
    bad = _set(doc, "lifecourse.after_exam.employed", "value", 0.2)
    with pytest.raises(ParameterError, match=r"broken\.yaml:lifecourse\.after_exam: shares"):
        load_provisional(_write(tmp_path, bad))


def test_unknown_share_is_refused(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["lifecourse"]["youth_edu"]["after_dropout"]["travel"] = {
        "value": 0.0,
        "source": "assumption",
        "note": "x",
    }
    with pytest.raises(ParameterError, match=r"after_dropout: unknown shares.*travel"):
        load_provisional(_write(tmp_path, bad))


def test_status_must_be_provisional(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["status"] = "calibrated"
    with pytest.raises(ParameterError, match=r"broken\.yaml:status: must be 'provisional'"):
        load_provisional(_write(tmp_path, bad))


# --- the building rules reach the printed figures --------------------------------------------


@pytest.mark.parametrize(
    ("period", "printed"),
    [
        # domain.md 4.4, afgangseksamen by area and origin at 15: 2007 and 2019
        (
            "pre2008",
            {
                ("supported", "restgruppe"): 0.64,
                ("supported", "not_restgruppe"): 0.77,
                ("rest", "restgruppe"): 0.66,
                ("rest", "not_restgruppe"): 0.87,
            },
        ),
        (
            "reform",
            {
                ("supported", "restgruppe"): 0.81,
                ("supported", "not_restgruppe"): 0.89,
                ("rest", "restgruppe"): 0.77,
                ("rest", "not_restgruppe"): 0.92,
            },
        ),
    ],
)
def test_exam_pass_rates_by_area_and_origin(params, period, printed):
    """A member living in a supported area has the printed supported rate, a non-member in the
    rest of the country the population rate (boys and girls averaged, non-MENAPT)."""
    passed = [s for s in states.LIFECOURSE if not s.endswith("|none")]
    for (area, origin), rate in printed.items():
        member = "member" if area == "supported" else "not_member"
        row = params.lifecourse.sel(
            period=period, age=16, menapt="non_menapt", area=area, member=member, origin=origin
        ).sel({"from": "school|none"})
        got = float(row.sel(to=passed).sum("to").mean("sex"))
        assert got == pytest.approx(rate, abs=0.006), (area, origin)
    # the supported gap is split: a member elsewhere or a non-member in the area lies between
    row = params.lifecourse.sel(period=period, age=16, menapt="non_menapt", origin="restgruppe")
    row = row.sel({"from": "school|none"}).sel(to=passed).sum("to").mean("sex")
    sup, pop = (printed[(a, "restgruppe")] for a in ("supported", "rest"))
    for area, member in (("rest", "member"), ("supported", "not_member")):
        got = float(row.sel(area=area, member=member))
        assert min(sup, pop) < got < max(sup, pop)


def _cells(area: str, origin: str) -> tuple[list[dict], list[float]]:
    """Both sexes; supported: members from 16 (the grew-up-in cohort), 40% MENAPT;
    rest: non-members, 5% MENAPT."""
    w_m = 0.4 if area == "supported" else 0.05
    member = ["not_member"] * 16 + ["member"] * 14 if area == "supported" else "not_member"
    cells, weights = [], []
    for sex in states.SEX:
        for menapt, w in (("non_menapt", 1 - w_m), ("menapt", w_m)):
            cells.append(
                {"sex": sex, "menapt": menapt, "area": area, "member": member, "origin": origin}
            )
            weights.append(w)
    return cells, weights


@pytest.mark.parametrize(
    ("area", "origin", "printed"),
    [
        # domain.md 4.6, NEET by origin at 15 in 2005: 18-20, 21-25, 26-29 (rest ~ population)
        ("supported", "restgruppe", (0.26, 0.29, 0.30)),
        ("supported", "not_restgruppe", (0.17, 0.17, 0.17)),
        ("rest", "restgruppe", (0.24, 0.23, 0.23)),
        ("rest", "not_restgruppe", (0.08, 0.08, 0.10)),
    ],
)
def test_neet_by_origin_near_published(tables, area, origin, printed):
    dist = exact.propagate_mix(tables, *_cells(area, origin), "pre2008")  # 2005 = pre2008 only
    neet = exact.neet_share(dist)
    for (lo, hi), target in zip([(18, 20), (21, 25), (26, 29)], printed, strict=True):
        assert float(exact.band(neet, lo, hi)) == pytest.approx(target, abs=0.05), (lo, hi)


def test_supported_life_course_in_the_published_ranges(tables):
    """Supported members in 2000 (all pre2008) against domain.md 4.6-4.7."""
    cells, w = _cells("supported", "restgruppe")
    c2, w2 = _cells("supported", "not_restgruppe")
    dist = exact.propagate_mix(tables, cells + c2, [x / 2 for x in w + w2], "pre2008")
    act = exact.by_activity(dist)
    att = exact.by_attain(dist)
    assert 0.55 <= float(exact.band(exact.enrolled_share(dist), 18, 20)) <= 0.72  # 64%
    assert 0.15 <= float(exact.band(act.sel(activity="youth_edu"), 18, 20)) <= 0.30  # 22%
    assert 0.10 <= float(exact.band(act.sel(activity="vocational"), 17, 24)) <= 0.25  # 15%
    assert 0.20 <= float(att.sel(attain="vocational", age=25)) <= 0.40  # 35%
    assert 0.10 <= float(att.sel(attain="higher_edu", age=29)) <= 0.25  # 15%
    assert 0.04 <= float(exact.band(exact.neet_share(dist), 15, 17)) <= 0.12  # 7%


def test_dropout_and_neet_entry_rise_with_restgruppe_origin(params):
    lc = params.lifecourse.sel(period="reform", age=slice(18, 29), member="member")
    for frm, to in (
        ("employed|grundskole", "neet|grundskole"),
        ("employed|youth_edu", "neet|youth_edu"),
        ("youth_edu|grundskole", "neet|grundskole"),
    ):
        p = lc.sel({"from": frm, "to": to})
        assert bool((p.sel(origin="restgruppe") > p.sel(origin="not_restgruppe")).all()), frm


def test_youth_dropouts_after_2014_go_mostly_to_neet(params):
    """domain.md 4.7: NEET 74%, new education 14%, employment 11% (supported, 2019)."""
    row = params.lifecourse.sel(
        {
            "period": "reform",
            "age": 19,
            "area": "supported",
            "member": "member",
            "from": "youth_edu|grundskole",
        }
    )
    neet = row.sel(to="neet|grundskole")
    drop = row.sel(
        to=[
            "neet|grundskole",
            "employed|grundskole",
            "vocational|grundskole",
            "other_edu|grundskole",
        ]
    ).sum("to")
    share = (neet / drop).mean(["sex", "menapt", "origin"])
    assert 0.65 <= float(share) <= 0.85


def test_move_keeps_area_shares_stationary(params):
    move = params.move.transpose("age", "menapt", "parent_rg", "area_from", "area_to").values
    for m in range(2):
        for r in range(2):
            w, v = np.linalg.eig(move[3, m, r].T)
            pi = np.real(v[:, np.argmin(np.abs(w - 1))])
            pi /= pi.sum()
            for a in states.AGES:
                np.testing.assert_allclose(pi @ move[a, m, r], pi, atol=1e-12)
    stay = params.move.sel(area_from="supported", area_to="supported")
    assert float(stay.sel(age=20).max()) < float(stay.sel(age=5).min())  # young adults move more


def test_parent_chain_keeps_the_target_share(params, doc):
    """The entry rate makes the knob's target share stationary (domain.md 4.2)."""
    target = doc["parent"]["target_share"]["supported_menapt"]["value"]["reform"]
    p = params.parent.sel(period="reform", area="supported", menapt="menapt").values
    assert target * p[1] + (1 - target) * p[0] == pytest.approx(target)


def test_fritidsjob_prevalence_matches_levels(params):
    """A school cohort propagated through the job chain has the printed 15-20 level
    (domain.md 4.9); the job is zero outside ages 13-29 and outside enrolment."""
    job = params.job.sel(period="pre2008", menapt="non_menapt", activity="school")
    for sex, area, level in (
        ("f", "supported", 0.52),
        ("m", "supported", 0.56),
        ("f", "rest", 0.69),
        ("m", "rest", 0.67),
    ):
        p = job.sel(sex=sex, area=area).transpose("age", "job_from").values
        prev, out = 0.0, {}
        for a in range(13, 21):
            prev = prev * p[a, 1] + (1 - prev) * p[a, 0]
            out[a] = prev
        assert np.mean([out[a] for a in range(15, 21)]) == pytest.approx(level, abs=0.01)
    assert float(params.job.sel(age=[0, 12]).max()) == 0.0
    assert float(params.job.sel(activity=["preschool", "employed", "neet"]).max()) == 0.0
    students = params.job.sel(age=24, activity="higher_edu", job_from=0)
    assert float(students.min()) > 0.0  # working students


def test_poverty_mixture_reaches_the_printed_shares(params, doc):
    """At an age with age odds ratio 1, the stationary shares of children with and without a
    restgruppe parent average to the printed all-residents share (domain.md 4.10)."""
    age = 25
    for area, menapt in (("supported", "menapt"), ("supported", "non_menapt"), ("rest", "menapt")):
        printed = doc["poverty"]["share"][f"{area}_{menapt}"]["value"]["reform"]
        r = doc["parent"]["target_share"][f"{area}_{menapt}"]["value"]
        r = r["reform"] if isinstance(r, dict) else r
        p = params.poverty.sel(period="reform", age=age, area=area, menapt=menapt)
        q = p.sel(poverty_from=1)
        s = p.sel(poverty_from=0) / (1 - q + p.sel(poverty_from=0))  # stationary share
        mix = (1 - r) * float(s.sel(parent_rg=0)) + r * float(s.sel(parent_rg=1))
        assert mix == pytest.approx(printed, abs=1e-6), (area, menapt)
    # poorer with a restgruppe parent, and poverty persists
    p = params.poverty.sel(period="reform", age=10)
    entry = p.sel(poverty_from=0)
    assert bool((entry.sel(parent_rg=1) > entry.sel(parent_rg=0)).all())
    assert bool((p.sel(poverty_from=1) > p.sel(poverty_from=0)).all())


def test_parent_psych_hazard_reaches_the_share_at_six(params, doc):
    """The area hazard at 0-6, averaged over its MENAPT and restgruppe groups, compounds to the
    printed share at 6 (domain.md 4.3)."""
    comp = doc["composition"]["menapt_share"]["rest"]["value"]
    for period in ("pre2008", "reform"):
        share = doc["parent_psych"]["share_at_6"]["population"]["value"][period]
        r = {m: doc["parent"]["target_share"][f"rest_{m}"]["value"] for m in states.MENAPT}
        h = params.parent_psych.sel(period=period, age=3, area="rest")
        mean = sum(
            wm
            * (
                (1 - r[m]) * float(h.sel(menapt=m, parent_rg=0))
                + r[m] * float(h.sel(menapt=m, parent_rg=1))
            )
            for m, wm in (("non_menapt", 1 - comp), ("menapt", comp))
        )
        assert 1 - (1 - mean) ** 7 == pytest.approx(share, abs=1e-6)
    assert bool((params.parent_psych.sel(parent_rg=1) > params.parent_psych.sel(parent_rg=0)).all())


def test_crime_structure(params):
    crime = params.crime
    assert float(crime.sel(age=slice(0, 9)).max()) == 0.0
    assert float(crime.sel(age=slice(10, 29)).min()) > 0.0
    # an earlier event raises the odds; boys and restgruppe origin above girls and others
    assert bool(
        (crime.sel(crime_ever_from=1) > crime.sel(crime_ever_from=0)).sel(age=slice(10, 29)).all()
    )
    young = crime.sel(age=slice(10, 29), crime_ever_from=0)
    assert bool((young.sel(sex="m") > young.sel(sex="f")).all())
    assert bool((young.sel(origin="restgruppe") > young.sel(origin="not_restgruppe")).all())
    # supported areas above the rest, charges fall from 2000 to 2019 (domain.md 4.5)
    c16 = crime.sel(age=16, crime_ever_from=0)
    assert bool((c16.sel(area="supported") > c16.sel(area="rest")).all())
    assert bool((c16.sel(period="pre2008") > c16.sel(period="reform")).all())


def test_risk_odds_ratios(params):
    ro = params.risk_or
    assert float(ro.sel(risk="fritidsjob", group="youth_edu_entry")) == pytest.approx(1.25)
    for risk in ("poverty", "parent_psych", "crime_ever"):
        assert float(ro.sel(risk=risk, group="exam")) < 1.0  # fewer pass the exam
        assert float(ro.sel(risk=risk, group="dropout")) > 1.0  # domain.md 4.8
        assert float(ro.sel(risk=risk, group="neet_entry")) > 1.0
