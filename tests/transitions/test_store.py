"""A parameter set survives NetCDF unchanged; ``parameters.file=*.nc`` opens it."""

from __future__ import annotations

import pytest
import xarray as xr

from livschancer.cli import load_parameters
from livschancer.config import RunConfig
from livschancer.errors import ParameterError
from livschancer.transitions import provisional
from livschancer.transitions.params import ModelParameters
from livschancer.transitions.store import open_parameters, open_posterior, save_parameters
from tests.helpers import random_params


def test_round_trip_keeps_arrays_periods_and_provenance(tmp_path):
    p = random_params(2)
    p.provenance = {"status": "estimated", "source": "unit test", "note": "x"}
    path = save_parameters(p, tmp_path / "p.nc", {"move": p.move * 10})
    q = open_parameters(path)
    for name in (*ModelParameters.ARRAYS, "risk_or"):
        xr.testing.assert_equal(getattr(p, name), getattr(q, name))
    assert q.periods == p.periods
    assert q.status == "estimated"
    assert q.provenance["source"] == "unit test"
    assert q.provenance["file"] == str(path)
    xr.testing.assert_allclose(open_posterior(path)["move"], p.move * 10)
    assert not list(tmp_path.glob(".*tmp"))


def test_cli_loader_opens_nc_files(tmp_path):
    p = random_params(2)
    path = save_parameters(p, tmp_path / "p.nc")
    run = RunConfig()
    run.parameters.file = str(path)
    xr.testing.assert_equal(load_parameters(run).lifecourse, p.lifecourse)
    with pytest.raises(ParameterError, match="has no knobs"):
        provisional.load_parameters(path, shifts={"lifecourse.exam.late_pass": 0.1})


def test_bad_files_are_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="existing file"):
        open_parameters(tmp_path / "none.nc")
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(ParameterError, match=r"junk\.nc"):
        open_parameters(tmp_path / "junk.nc")
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(tmp_path / "other.nc")
    with pytest.raises(ParameterError, match="livschancer parameter file"):
        open_parameters(tmp_path / "other.nc")


def test_an_invalid_stored_set_is_refused(tmp_path):
    p = random_params(2)
    p.move = p.move * 2  # rows no longer sum to 1
    path = save_parameters(p, tmp_path / "bad.nc")
    with pytest.raises(ParameterError, match=r"bad\.nc"):
        open_parameters(path)
