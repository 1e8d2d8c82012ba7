"""The one parameter builder (transitions/provisional.py): knob overrides and shifts in memory,
calibrated sets (base knobs + fitted shifts) and their checks."""

from __future__ import annotations

import time

import numpy as np
import pytest
import yaml

from livschancer.errors import ParameterError
from livschancer.transitions.provisional import (
    default_path,
    file_sha256,
    load_parameters,
    load_provisional,
)

EXAM = "lifecourse.exam.pass_population_not_restgruppe"


@pytest.fixture(scope="module")
def base():
    return load_provisional()


def _exam_pass(params, period="reform"):
    # share of the 'school|grundskole' row at 16 going to an exam outcome: use the shifted knob's
    # effect on the lifecourse array as a whole instead (robust to the exam row's layout)
    return params.lifecourse.sel(period=period, age=16)


def test_override_replaces_a_knob_value_in_memory(base):
    t = time.perf_counter()
    got = load_parameters(default_path(), overrides={EXAM: 0.5})
    assert time.perf_counter() - t < 2.0  # a fraction of a second here; generous for CI
    assert not np.array_equal(_exam_pass(got).values, _exam_pass(base).values)
    # the file on disk is untouched
    assert yaml.safe_load(default_path().read_text())["lifecourse"]["exam"][
        "pass_population_not_restgruppe"
    ]["value"]["reform"] == pytest.approx(0.92)


def test_shift_moves_the_log_odds_and_zero_shift_changes_nothing(base):
    same = load_parameters(default_path(), shifts={EXAM: 0.0})
    np.testing.assert_array_equal(same.lifecourse.values, base.lifecourse.values)
    up = load_parameters(default_path(), shifts={EXAM: 0.5})
    down = load_parameters(default_path(), shifts={EXAM: -0.5})
    diff_up = float(abs(up.lifecourse - base.lifecourse).max())
    diff_down = float(abs(down.lifecourse - base.lifecourse).max())
    assert diff_up > 0.01
    assert diff_down > 0.01
    # a shift equals the override with the log-odds-shifted value
    p = 0.92
    q = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + 0.5)))
    doc = yaml.safe_load(default_path().read_text())
    vals = doc["lifecourse"]["exam"]["pass_population_not_restgruppe"]["value"]
    over = {k: (1 / (1 + np.exp(-(np.log(v / (1 - v)) + 0.5)))) for k, v in vals.items()}
    assert over["reform"] == pytest.approx(q)
    via_override = load_parameters(default_path(), overrides={EXAM: over})
    np.testing.assert_allclose(via_override.lifecourse.values, up.lifecourse.values, atol=1e-12)


def test_shifting_a_share_keeps_its_split_summing_to_one(base):
    key = "lifecourse.youth_edu.after_completion.higher_edu"
    got = load_parameters(default_path(), shifts={key: 0.7})
    got.validate()  # rows still sum to 1
    assert not np.array_equal(got.lifecourse.values, base.lifecourse.values)


@pytest.mark.parametrize(
    ("shifts", "overrides", "rule"),
    [
        ({"lifecourse.exam.no_such_knob": 0.1}, None, "never reads"),
        (None, {"lifecourse.exam.no_such_knob": 0.1}, "does not exist"),
        (None, {"lifecourse.exam": 0.1}, "must name a knob"),
        (None, {EXAM: 1.5}, "a probability must lie in [0, 1]"),
    ],
)
def test_bad_shifts_and_overrides_name_the_key(shifts, overrides, rule):
    with pytest.raises(ParameterError) as err:
        load_parameters(default_path(), shifts=shifts, overrides=overrides)
    assert rule in str(err.value)
    assert "provisional.yaml" in str(err.value)


def _calibrated(tmp_path, shifts, **record):
    doc = {
        "status": "calibrated",
        "description": "test",
        "base": str(default_path()),
        "shifts": shifts,
        "covariance": {"parameters": [], "matrix": []},
        "calibration": {"targets_file": "t.csv", "base_sha256": file_sha256(default_path()),
                        "median_abs_pp": 1.0, "within_3pp": 0.9, **record},
    }  # fmt: skip
    path = tmp_path / "calibrated.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_calibrated_set_is_the_base_with_its_shifts(tmp_path):
    path = _calibrated(tmp_path, {EXAM: 0.3})
    got = load_parameters(path)
    want = load_parameters(default_path(), shifts={EXAM: 0.3})
    np.testing.assert_array_equal(got.lifecourse.values, want.lifecourse.values)
    assert got.status == "calibrated"
    assert got.provenance["sha256"] == file_sha256(path)
    assert got.provenance["base_sha256"] == file_sha256(default_path())
    assert "calibrated.yaml" in got.provenance["note"]
    # extra shifts add to the fitted ones
    more = load_parameters(path, shifts={EXAM: -0.3})
    np.testing.assert_allclose(more.lifecourse.values, load_provisional().lifecourse.values,
                               atol=1e-12)  # fmt: skip


def test_calibrated_set_refuses_a_changed_base(tmp_path):
    path = _calibrated(tmp_path, {EXAM: 0.3}, base_sha256="0" * 64)
    with pytest.raises(ParameterError, match="changed after the calibration"):
        load_parameters(path)


def test_calibrated_set_needs_its_keys(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"status": "calibrated", "base": "provisional.yaml"}))
    with pytest.raises(ParameterError, match=r"c\.yaml:shifts: a calibrated set needs this key"):
        load_parameters(path)


def test_a_process_builds_each_file_once_and_again_when_it_changes(tmp_path):
    path = tmp_path / "knobs.yaml"
    text = default_path().read_text()
    path.write_text(text)
    a = load_parameters(path)
    b = load_parameters(path)
    assert a.lifecourse is b.lifecourse  # from the per-process cache
    b.provenance["parameter_draw"] = "x"
    assert "parameter_draw" not in load_parameters(path).provenance  # callers get own copies
    doc = yaml.safe_load(text)
    doc["lifecourse"]["exam"]["pass_population_not_restgruppe"]["value"] = 0.5
    path.write_text(yaml.safe_dump(doc, sort_keys=False) + "\n# changed\n")
    c = load_parameters(path)
    assert c.lifecourse is not a.lifecourse
    assert not np.array_equal(c.lifecourse.values, a.lifecourse.values)
    np.testing.assert_array_equal(
        c.lifecourse.values, load_parameters(path, overrides={EXAM: 0.5}).lifecourse.values
    )


def test_a_period_shift_moves_that_period_only(base):
    shifted = load_parameters(default_path(), shifts={f"{EXAM}@crisis": 0.7})
    changed = (shifted.lifecourse != base.lifecourse).any(
        [d for d in base.lifecourse.dims if d != "period"]
    )
    assert changed.sel(period="crisis")
    assert not changed.drop_sel(period="crisis").any()
    # the same as overriding that period's value with the moved probability
    p = 0.88  # provisional.yaml: the crisis value of the knob
    moved = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + 0.7)))
    value = {"pre2008": 0.87, "crisis": float(moved), "reform": 0.92, "future": 0.92}
    np.testing.assert_allclose(
        shifted.lifecourse.values,
        load_parameters(default_path(), overrides={EXAM: value}).lifecourse.values,
        rtol=0,
        atol=1e-12,
    )
    with pytest.raises(ParameterError, match="a period shift must name one of"):
        load_parameters(default_path(), shifts={f"{EXAM}@1999": 0.1})
