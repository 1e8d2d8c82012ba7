"""Tests of calibration/: the fit recovers known parameters from synthetic targets; bad targets
stop before any simulation; the calibrated file loads as the parameter set it records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from livschancer.calibration import fit as calfit
from livschancer.calibration.free import FREE, by_name, shifts_of, theta_of
from livschancer.calibration.objective import Evaluator, Settings
from livschancer.transitions.provisional import load_parameters, shipped_path

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "targets" / "calibration.csv"
TRUE = {"exam_population_not_rg": 0.6, "youth_completion": -0.5}
SCALE = 0.01


def _synthetic_targets(tmp_path: Path) -> Path:
    """The shared targets' rows of the two parameters' indicators, with the values a simulation
    at the TRUE parameters gives (same seed and scale as the fit) and n = 4000."""
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} not present (shared/ sits beside the repository)")
    names = list(TRUE)
    ev = Evaluator(Settings(targets=str(SHARED), scale=SCALE, free=tuple(names)))
    free = by_name(names)
    scored = ev.score(np.array([TRUE[p.name] for p in free]))
    keep = scored["computable"] & scored["indicator"].isin(
        [i for p in free for i in p.identified_by]
    )
    keep &= scored["sim_persons"] >= 200
    rows = pd.read_csv(SHARED, dtype=str, keep_default_na=False).set_index("id")
    rows = rows.loc[scored.loc[keep, "id"]].copy()
    rows["value"] = [f"{v:.6f}" for v in scored.loc[keep, "simulated"]]
    rows["n"] = "4000"
    out = tmp_path / "synthetic.csv"
    rows.reset_index().to_csv(out, index=False)
    assert len(rows) >= 8
    return out


@pytest.mark.slow
def test_fit_recovers_known_parameters_within_their_standard_errors(tmp_path):
    targets = _synthetic_targets(tmp_path)
    names = tuple(TRUE)
    res = calfit.fit(
        Settings(targets=str(targets), scale=SCALE, free=names), workers=2, max_nfev=10
    )
    assert res.fitted.all(), res.moved
    se = np.sqrt(np.diag(res.covariance))
    truth = np.array([TRUE[p.name] for p in res.free])
    assert np.all(se > 0), se
    assert np.all(se < 0.5), se
    assert np.all(np.abs(res.theta - truth) <= 2 * se), (res.theta, truth, se)
    # the start was off; the fit brings every target to within its error
    assert res.stats(res.start)["median_abs_pp"] > 1.0
    assert res.stats()["median_abs_pp"] < 0.5

    doc = calfit.calibrated_document(res, targets)
    path = calfit.write_yaml(doc, tmp_path / "calibrated.yaml")
    params = load_parameters(path)
    assert params.status == "calibrated"
    want = load_parameters(calfit.default_path(), shifts=doc["shifts"])
    np.testing.assert_array_equal(params.lifecourse.values, want.lifecourse.values)
    np.testing.assert_allclose(theta_of(doc["shifts"], res.free), res.theta, atol=1e-6)
    html = calfit.write_fit_report(res, tmp_path / "report.html").read_text()
    assert "<svg" in html
    for p in res.free:
        assert p.name in html


def test_bad_targets_stop_calibrate_before_simulating(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,indicator,age_from,age_to,area,origin,ethnicity,sex,year,value,n,source,ref,line,note\n"
        "T1,neet_share,18,20,supported,all,all,all,2019,1.7,100,000,x,1,\n"
    )
    assert calfit.main([str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("livschancer calibrate: error: TargetsError:")
    assert str(bad) in err
    assert "line 2 (id T1)" in err
    assert not (tmp_path / "out").exists()


def test_unknown_free_parameter_is_a_usage_error(capsys):
    if not SHARED.is_file():
        pytest.skip("shared targets not present")
    assert calfit.main([str(SHARED), "--free", "exam_everywhere"]) == 2
    assert "exam_everywhere" in capsys.readouterr().err


def test_every_free_parameter_moves_the_knobs_it_names():
    base = load_parameters(calfit.default_path())
    for p in FREE:
        moved = load_parameters(calfit.default_path(), shifts=shifts_of([0.2], (p,)))
        diff = [
            name
            for name in ("lifecourse", "move", "parent", "job", "poverty", "parent_psych", "crime")
            if not np.array_equal(getattr(base, name).values, getattr(moved, name).values)
        ]
        assert diff, f"{p.name} moves nothing"


def test_start_file_round_trips_to_the_same_shifts():
    # --start reads the fitted shifts back into parameter values: the shipped set's shifts
    # come out of those values unchanged (no two parameters claim the same first knob)
    doc = yaml.safe_load(shipped_path().read_text())
    theta = theta_of(doc["shifts"], FREE)
    again = shifts_of(theta, FREE)
    assert {k: v for k, v in again.items() if v != 0.0} == pytest.approx(
        {k: v for k, v in doc["shifts"].items() if v != 0.0}, abs=1e-12
    )


def test_start_without_shifts_is_a_usage_error(tmp_path, capsys):
    if not SHARED.is_file():
        pytest.skip("shared targets not present")
    start = tmp_path / "start.yaml"
    start.write_text("status: provisional\n")
    assert calfit.main([str(SHARED), "--start", str(start), "--out", str(tmp_path / "o")]) == 2
    assert "holds no fitted shifts" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
