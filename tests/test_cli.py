"""End-to-end tests of the ``livschancer`` command (subprocesses, as an analyst runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from livschancer import dims


def _run(args, tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "livschancer", f"hydra.run.dir={tmp_path}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("population.births_per_year=-1", "population.births_per_year: must be >= 0; got -1"),
        ("population.area_at_birth.rest=2", "population.area_at_birth.rest: must be a probability"),
        ("+population.menapt_share.nowhere=0.1", "menapt_share.nowhere: unknown area"),
        ("report.neet_bands=[[10,40]]", "must be an age in 0-29; got 40"),
    ],
)
def test_bad_config_exits_2_with_one_message_and_no_output(tmp_path, override, fragment):
    out = _run([override, "sim.progress=false"], tmp_path)
    assert out.returncode == 2, out.stderr
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("livschancer: error")]
    assert len(errors) == 1
    assert fragment not in out.stdout  # said once, on stderr
    assert not list(tmp_path.glob("*.nc"))
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_run_writes_netcdf_with_provenance_and_prints_table(tmp_path):
    out = _run(["seed=7", "population.scale=0.02", "sim.write_persons=true"], tmp_path)
    assert out.returncode == 0, out.stderr
    for word in ("NEET", "restgruppe", "provisional"):
        assert word in out.stdout
    path = Path(tmp_path) / "livschancer.nc"
    with xr.open_dataset(path) as ds:
        assert ds["counts"].dims == dims.COUNTS
        assert int(ds.attrs["seed"]) == 7
        assert ds.attrs["parameters_status"].startswith("PROVISIONAL")
        assert len(ds.attrs["parameters_sha256"]) == 64
        assert "seed: 7" in ds.attrs["config"]
        assert ds.attrs["livschancer_version"]
        n = int(ds.attrs["n_persons"])
        assert int(ds["counts"].sum()) == n * 30
        assert ds.sizes["person"] == n
        share = ds["neet_share"].sel(band="18-20", group="supported", origin="all")
        assert 0 < float(share) < 1
        assert np.isfinite(ds["restgruppe_share"].values).all()
