"""The provisional default parameter set: it loads, every knob has a source, broken copies fail
with errors that name the key, and the built arrays are plausible."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from livschancer import states
from livschancer.errors import ParameterError
from livschancer.transitions.params import ModelParameters
from livschancer.transitions.provisional import default_path, file_sha256, load_provisional


@pytest.fixture(scope="module")
def params() -> ModelParameters:
    return load_provisional()


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(default_path().read_text())


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


def _distribution(params: ModelParameters, period: str, **cell: str) -> np.ndarray:
    """Exact (age, state) distribution of one covariate cell held fixed from birth."""
    mats = params.lifecourse.sel(period=period, **cell).transpose("age", "from", "to").values
    v = np.zeros(len(states.LIFECOURSE))
    v[states.parse_state("preschool|none")] = 1.0
    out = [v]
    for a in range(1, states.AGE_MAX + 1):
        v = v @ mats[a]
        out.append(v)
    return np.array(out)


def _neet_share(dist: np.ndarray, lo: int, hi: int) -> float:
    return float(dist[lo : hi + 1][:, states.neet_mask()].sum(axis=1).mean())


# --- loading -----------------------------------------------------------------------------------


def test_shipped_file_loads_and_validates(params):
    assert isinstance(params, ModelParameters)
    params.validate()
    assert params.provenance["provisional"] == "true"
    assert params.provenance["sha256"] == file_sha256(default_path())
    assert "calibrated" in params.provenance["note"]
    names = [p.name for p in params.periods]
    assert params.periods[0].first <= 1971
    assert params.periods[-1].last >= 2100
    assert list(params.lifecourse["period"].values) == names
    assert params.fritidsjob_youth_edu_or > 1


def test_load_from_explicit_path_matches_default(tmp_path, params):
    path = tmp_path / "copy.yaml"
    path.write_bytes(default_path().read_bytes())
    other = load_provisional(path)
    assert other.provenance["file"] == str(path)
    assert other.provenance["sha256"] == params.provenance["sha256"]
    np.testing.assert_array_equal(other.lifecourse.values, params.lifecourse.values)


def test_top_level_keys(doc):
    assert doc["provisional"] is True
    assert isinstance(doc["description"], str)
    for key in ("periods", "lifecourse", "move", "parent", "fritidsjob", "fritidsjob_youth_edu_or"):
        assert key in doc


def test_every_knob_has_a_source(doc):
    knobs = list(_knobs(doc))
    assert len(knobs) > 50
    for key, knob in knobs:
        src = knob.get("source")
        assert isinstance(src, str), key
        assert src == "assumption" or src.startswith("domain.md"), (key, src)
        if src.startswith("domain.md"):
            assert ".txt, " in src, (key, src)  # names the report file and the lines
        assert knob.get("note"), key


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


# --- broken copies -----------------------------------------------------------------------------


def test_probability_above_one_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["lifecourse"]["higher_edu"]["dropout"]["value"] = 1.5
    with pytest.raises(ParameterError, match=r"broken\.yaml:lifecourse\.higher_edu\.dropout"):
        load_provisional(_write(tmp_path, bad))


def test_probability_in_period_mapping_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["lifecourse"]["exam"]["pass_supported_restgruppe"]["value"]["crisis"] = 1.5
    with pytest.raises(ParameterError, match=r"exam\.pass_supported_restgruppe.*\[0, 1\]"):
        load_provisional(_write(tmp_path, bad))


def test_missing_key_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    del bad["lifecourse"]["youth_edu"]["completion"]
    with pytest.raises(ParameterError, match=r"lifecourse\.youth_edu\.completion.*missing key"):
        load_provisional(_write(tmp_path, bad))


def test_negative_odds_ratio_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["lifecourse"]["odds_ratios"]["dropout"]["restgruppe"]["value"] = -0.5
    with pytest.raises(ParameterError, match=r"odds_ratios\.dropout\.restgruppe.*odds ratio"):
        load_provisional(_write(tmp_path, bad))


def test_wrong_type_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["parent"]["persistence"]["value"] = "high"
    with pytest.raises(ParameterError, match=r"parent\.persistence"):
        load_provisional(_write(tmp_path, bad))


def test_missing_source_names_the_key(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["move"]["rate"]["source"] = "my hunch"
    with pytest.raises(ParameterError, match=r"move\.rate\.source"):
        load_provisional(_write(tmp_path, bad))


def test_shares_must_sum_to_one(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["lifecourse"]["after_exam"]["employed"]["value"] = 0.2
    with pytest.raises(ParameterError, match=r"after_exam.*sum to 1"):
        load_provisional(_write(tmp_path, bad))


def test_not_provisional_is_refused(tmp_path, doc):
    bad = copy.deepcopy(doc)
    bad["provisional"] = False
    with pytest.raises(ParameterError, match=r"broken\.yaml:provisional"):
        load_provisional(_write(tmp_path, bad))


# --- plausibility of the built arrays --------------------------------------------------------


def test_everyone_is_in_school_at_seven(params):
    for cell in (
        {"sex": "m", "menapt": "menapt", "area": "supported", "origin": "restgruppe"},
        {"sex": "f", "menapt": "non_menapt", "area": "rest", "origin": "not_restgruppe"},
    ):
        dist = _distribution(params, "pre2008", **cell)
        assert dist[7, states.parse_state("school|none")] > 0.999
        assert dist[5, states.parse_state("preschool|none")] > 0.999


def test_restgruppe_origin_raises_neet_entry(params):
    lc = params.lifecourse
    for frm, to in (
        ("employed|grundskole", "neet|grundskole"),
        ("employed|youth_edu", "neet|youth_edu"),
        ("youth_edu|grundskole", "neet|grundskole"),
    ):
        p = lc.sel({"from": frm, "to": to}).sel(age=slice(18, 29))
        rg = p.sel(origin="restgruppe").values
        not_rg = p.sel(origin="not_restgruppe").values
        assert np.all(rg > not_rg), (frm, to)


def test_exam_pass_follows_printed_rates(params):
    dist = {
        (area, origin): _distribution(
            params, "pre2008", sex="m", menapt="non_menapt", area=area, origin=origin
        )
        for area in ("supported", "rest")
        for origin in ("restgruppe", "not_restgruppe")
    }
    grundskole_or_more = [i for i, (_, e) in enumerate(states.LIFECOURSE_PAIRS) if e != "none"]
    passed = {k: d[16, grundskole_or_more].sum() for k, d in dist.items()}
    # domain.md 4.4 (2007): supported 64 / 77, population 66 / 87; boys slightly above average.
    assert passed[("supported", "restgruppe")] == pytest.approx(0.65, abs=0.03)
    assert passed[("supported", "not_restgruppe")] == pytest.approx(0.78, abs=0.03)
    assert passed[("rest", "not_restgruppe")] == pytest.approx(0.875, abs=0.03)


@pytest.mark.parametrize(
    ("area", "origin", "published"),
    [
        # domain.md 4.6, NEET by origin at 15 in 2005: 18-20, 21-25, 26-29 (rest ~ population)
        ("supported", "restgruppe", (0.26, 0.29, 0.30)),
        ("supported", "not_restgruppe", (0.17, 0.17, 0.17)),
        ("rest", "restgruppe", (0.24, 0.23, 0.23)),
        ("rest", "not_restgruppe", (0.08, 0.08, 0.10)),
    ],
)
def test_neet_by_origin_near_published(params, area, origin, published):
    dist = 0.5 * sum(
        _distribution(params, "pre2008", sex=s, menapt="non_menapt", area=area, origin=origin)
        for s in states.SEX
    )
    for (lo, hi), target in zip([(18, 20), (21, 25), (26, 29)], published, strict=True):
        assert _neet_share(dist, lo, hi) == pytest.approx(target, abs=0.035), (lo, hi)


def test_move_keeps_area_shares_stationary(params):
    """Within each (menapt, parent_rg) group one area distribution is kept at every age, so a
    cohort's area shares do not drift as it ages."""
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


def test_joint_area_and_parent_chain_is_plausible(params):
    """Stationary (area, parent_rg) chain of a non-MENAPT family at child ages, 2005-ish."""
    move = (
        params.move.sel(age=10, menapt="non_menapt")
        .transpose("parent_rg", "area_from", "area_to")
        .values
    )
    parent = (
        params.parent.sel(period="pre2008", menapt="non_menapt")
        .transpose("area", "parent_rg_from")
        .values
    )
    n_area = len(states.AREA)
    step = np.zeros((n_area * 2, n_area * 2))
    for a in range(n_area):
        for r in range(2):
            for b in range(n_area):
                p1 = parent[b, r]
                step[a * 2 + r, b * 2 + 1] += move[r, a, b] * p1
                step[a * 2 + r, b * 2] += move[r, a, b] * (1 - p1)
    w, v = np.linalg.eig(step.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1))])
    pi = (pi / pi.sum()).reshape(n_area, 2)
    area_share = pi.sum(axis=1)
    rg_given_area = pi[:, 1] / area_share
    sup, other, rest = (states.AREA.index(a) for a in ("supported", "other_public", "rest"))
    assert 0.02 < area_share[sup] < 0.08  # ~6% of a cohort overall, fewer among non-MENAPT
    assert 0.06 < area_share[other] < 0.16
    assert 0.30 <= rg_given_area[sup] <= 0.40  # domain.md 4.2: non-MENAPT supported 30-40%
    assert 0.07 <= pi[:, 1].sum() <= 0.13  # population about 10%
    assert rg_given_area[sup] > rg_given_area[other] > rg_given_area[rest]


def test_fritidsjob_prevalence_matches_levels(params):
    """Propagating a school cohort through the fritidsjob chain gives the printed 15-20 level."""
    fj = params.fritidsjob.sel(period="pre2008", menapt="non_menapt")
    for sex, area, level in (
        ("f", "supported", 0.52),
        ("m", "supported", 0.56),
        ("f", "rest", 0.69),
        ("m", "rest", 0.67),
    ):
        p = fj.sel(sex=sex, area=area).transpose("age", "fritidsjob_from").values
        prev, out = 0.0, {}
        for a in range(13, 21):
            prev = prev * p[a, 1] + (1 - prev) * p[a, 0]
            out[a] = prev
        assert np.mean([out[a] for a in range(15, 21)]) == pytest.approx(level, abs=0.02)
    assert float(params.fritidsjob.sel(age=[12, 21, 25]).max()) == 0.0


def test_youth_edu_dropout_goes_mostly_to_neet(params):
    lc = params.lifecourse.sel(period="reform", age=19, sex="m", menapt="non_menapt")
    to_neet = lc.sel({"from": "youth_edu|grundskole", "to": "neet|grundskole"})
    to_emp = lc.sel({"from": "youth_edu|grundskole", "to": "employed|grundskole"})
    assert bool((to_neet > to_emp).all())
