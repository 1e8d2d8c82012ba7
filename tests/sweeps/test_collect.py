"""collect: every job's variables in their own cell; failed and missing jobs named, not lost."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from livschancer.sweeps import collect
from tests.sweeps import fake


def _open(path):
    with collect.open_collected(path) as ds:
        return ds.load()


def test_complete_grid_keeps_integer_dtypes_and_each_value_in_its_cell(tmp_path, capsys):
    fake.grid_sweep(tmp_path)
    assert collect.main([str(tmp_path)]) == 0
    assert "6 jobs: 6 completed" in capsys.readouterr().out
    ds = _open(tmp_path / "collected.nc")
    assert ds["tally_state"].dims == ("seed", "x", "year", "sex")
    assert ds["tally_state"].dtype == np.int64
    assert ds["seed"].values.tolist() == [1, 2]
    assert ds["x"].values.tolist() == [0.1, 0.3, 0.5]
    for s in (1, 2):
        for x in (0.1, 0.3, 0.5):
            want = fake.job_dataset({"seed": s, "x": x})
            got = ds.sel(seed=s, x=x)
            np.testing.assert_array_equal(got["tally_state"], want["tally_state"])
            np.testing.assert_array_equal(got["share"], want["share"])
    assert (ds["job_status"] == "completed").all()
    assert ds.attrs["swept_keys"] == "seed x"
    assert ds.attrs["constants"] == "population.scale=0.002"
    assert ds.attrs["parameters_status"] == "PROVISIONAL"  # the same in every job
    assert "config" not in ds.attrs
    assert "created" not in ds.attrs.get("collected", "x")


def test_failed_and_missing_jobs_are_listed_and_the_rest_kept(tmp_path, capsys):
    fake.grid_sweep(tmp_path, failed=[(1, 0.5)], never_started=[(2, 0.3)])
    assert collect.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "6 jobs: 4 completed, 1 failed, 1 missing" in out
    assert "FAILED     seed=1 x=0.5" in out
    assert "ConfigError: x: bad; got 0.5" in out
    assert "MISSING    seed=2 x=0.3" in out
    ds = _open(tmp_path / "collected.nc")
    assert ds["job_status"].sel(seed=1, x=0.5) == "failed"
    assert ds["job_status"].sel(seed=2, x=0.3) == "missing"
    assert "bad; got 0.5" in str(ds["job_error"].sel(seed=1, x=0.5).values)
    assert np.isnan(ds["tally_state"].sel(seed=1, x=0.5)).all()
    assert np.isnan(ds["share"].sel(seed=2, x=0.3)).all()
    want = fake.job_dataset({"seed": 2, "x": 0.5})
    np.testing.assert_array_equal(ds["tally_state"].sel(seed=2, x=0.5), want["tally_state"])


def test_collect_again_as_more_jobs_finish(tmp_path):
    fake.grid_sweep(tmp_path, never_started=[(2, 0.5)])
    assert collect.main([str(tmp_path)]) == 1
    fake.write_job(
        tmp_path,
        ["population.scale=0.002", "seed=2", "x=0.5"],
        5,
        result=fake.job_dataset({"seed": 2, "x": 0.5}),
    )
    assert collect.main([str(tmp_path)]) == 0
    ds = _open(tmp_path / "collected.nc")
    assert ds["tally_state"].dtype == np.int64
    assert int(ds["tally_state"].sel(seed=2, x=0.5, year=2000, sex="m")) == 200


def test_dims_the_jobs_do_not_share_are_outer_joined(tmp_path):
    fake.write_multirun(tmp_path, ["seed=1,2"])
    fake.write_job(tmp_path, ["seed=1"], 0, result=fake.job_dataset({"seed": 1}, [2000, 2001]))
    fake.write_job(tmp_path, ["seed=2"], 1, result=fake.job_dataset({"seed": 2}, [2001, 2002]))
    assert collect.main([str(tmp_path)]) == 0
    ds = _open(tmp_path / "collected.nc")
    assert ds["year"].values.tolist() == [2000, 2001, 2002]
    t = ds["tally_state"].sel(sex="m")
    assert np.isnan(t.sel(seed=1, year=2002))
    assert np.isnan(t.sel(seed=2, year=2000))
    assert float(t.sel(seed=2, year=2001)) == 200


def test_zarr_holds_the_same_data_as_netcdf(tmp_path):
    pytest.importorskip("zarr")
    fake.grid_sweep(tmp_path, failed=[(1, 0.3)])
    assert collect.main([str(tmp_path)]) == 1
    assert collect.main([str(tmp_path), "--format", "zarr"]) == 1
    nc, zr = _open(tmp_path / "collected.nc"), _open(tmp_path / "collected.zarr")
    for name in ("tally_state", "share", "job_status", "job_error"):
        xr.testing.assert_equal(nc[name], zr[name])


def test_slurm_log_names_a_job_killed_from_outside(tmp_path, capsys):
    fake.grid_sweep(tmp_path, seeds=[1, 2], xs=[0.1, 0.3])
    job = tmp_path / fake.job_name(["population.scale=0.002", "seed=1", "x=0.3"])
    (job / "r.nc").unlink()
    (job / "job_status.json").write_text(
        '{"status": "running", "started": "T0", "slurm_array_job_id": "41", '
        '"slurm_array_task_id": "1"}'
    )
    logs = tmp_path / ".submitit" / "41_1"
    logs.mkdir(parents=True)
    (logs / "41_1_0_log.err").write_text(
        "starting\nslurmstepd: error: *** JOB 43 ON vm CANCELLED AT 2026-12-02T10:00:00 ***\n"
    )
    assert collect.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "UNFINISHED seed=1 x=0.3" in out
    assert "started since T0" in out
    assert "SLURM job 41_1" in out
    assert "CANCELLED AT" in out


def test_nothing_to_collect_yet(tmp_path, capsys):
    fake.grid_sweep(tmp_path, seeds=[1], xs=[0.1], never_started=[(1, 0.1)])
    assert collect.main([str(tmp_path)]) == 2
    assert "no job has a complete result yet" in capsys.readouterr().err


def test_not_a_directory(tmp_path, capsys):
    assert collect.main([str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err
