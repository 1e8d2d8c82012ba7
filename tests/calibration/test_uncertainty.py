"""Tests of calibration/uncertainty.py: parameter draws from a calibrated file's covariance."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from livschancer.calibration import uncertainty
from livschancer.calibration.free import by_name, theta_of
from livschancer.errors import ConfigError
from livschancer.transitions.provisional import default_path, file_sha256

NAMES = ["exam_population_not_rg", "youth_completion"]
COV = [[0.04, 0.01], [0.01, 0.09]]


@pytest.fixture
def calibrated(tmp_path):
    doc = {
        "status": "calibrated",
        "description": "test",
        "base": str(default_path()),
        "shifts": {"lifecourse.exam.pass_population_not_restgruppe": 0.1},
        "covariance": {"parameters": NAMES, "matrix": COV},
        "calibration": {"base_sha256": file_sha256(default_path())},
    }
    path = tmp_path / "calibrated.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_draws_are_keyed_by_seed_and_index_and_follow_the_covariance(calibrated):
    a = uncertainty.draw_shifts(calibrated, seed=3, index=7)
    assert a == uncertainty.draw_shifts(calibrated, seed=3, index=7)
    assert a != uncertainty.draw_shifts(calibrated, seed=3, index=8)
    assert a != uncertainty.draw_shifts(calibrated, seed=4, index=7)
    free = by_name(NAMES)
    x = np.array([theta_of(uncertainty.draw_shifts(calibrated, 1, i), free) for i in range(4000)])
    np.testing.assert_allclose(np.cov(x.T), COV, atol=0.01)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.02)


def test_a_draw_builds_the_fitted_set_plus_its_deviation(calibrated):
    p = uncertainty.draw_parameters(calibrated, seed=1, index=0)
    assert p.status == "calibrated"
    assert p.provenance["parameter_draw"] == "seed 1, draw 0"


def test_draws_need_a_calibrated_file_with_a_covariance():
    with pytest.raises(ConfigError, match="parameter draws need a calibrated set"):
        uncertainty.draw_shifts(default_path(), 1, 0)
