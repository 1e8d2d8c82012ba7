"""Sweeps through a real SLURM cluster (submitit): same results as a local sweep; a failed and
a cancelled job are reported and named, and the other results kept.

Needs a running cluster (``bash scripts/slurm_local.sh start``); CI starts one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import xarray as xr

from livschancer.sweeps import collect
from tests.sweeps.conftest import RG_18_29, TINY, livschancer

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("slurm")]

SLURM = [
    "hydra/launcher=slurm",
    "hydra.launcher.partition=debug",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=1",
    "hydra.launcher.timeout_min=10",
]
GRID = ["seed=1,2", "population.p_female=0.45,0.5"]


def _queued(name: str) -> list[str]:
    out = subprocess.run(
        ["squeue", "-h", "-n", name, "-o", "%i %T"], capture_output=True, text=True, timeout=30
    )
    return out.stdout.split("\n") if out.stdout.strip() else []


def _wait_drained(name: str, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while _queued(name):
        assert time.monotonic() < end, f"jobs of {name} still queued: {_queued(name)}"
        time.sleep(1)


def test_slurm_sweep_equals_local_sweep(tmp_path):
    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    out = livschancer("-m", *SLURM, *TINY, *GRID, f"hydra.sweep.dir={on_slurm}", timeout=600)
    assert out.returncode == 0, out.stderr
    out = livschancer(
        "-m",
        "hydra/launcher=local",
        "hydra.launcher.n_jobs=2",
        *TINY,
        *GRID,
        f"hydra.sweep.dir={local}",
    )
    assert out.returncode == 0, out.stderr
    assert collect.main([str(on_slurm)]) == 0
    assert collect.main([str(local)]) == 0
    a = collect.open_collected(on_slurm / "collected.nc").load()
    b = collect.open_collected(local / "collected.nc").load()
    assert a.sizes["seed"] * a.sizes["population.p_female"] == 4
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
    # the jobs really ran under SLURM
    slurm_ids = [
        p.read_text() for p in on_slurm.glob("*/job_status.json") if "slurm_job_id" in p.read_text()
    ]
    assert len(slurm_ids) == 4


def test_failed_and_cancelled_jobs_are_named_and_the_rest_kept(tmp_path):
    sweep = tmp_path / "sweep"
    name = f"lvs_cancel_{os.getpid()}"
    cmd = [
        *(sys.executable, "-m", "livschancer", "-m", *SLURM, *TINY),
        f"hydra.launcher.name={name}",
        "hydra.launcher.array_parallelism=1",  # one task at a time, in order
        "population.p_female=0.45,0.5,0.55,1.5",  # task 3: a bad value
        f"hydra.sweep.dir={sweep}",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        # cancel task 2 while it runs (a task cancelled while still pending leaves no trace in
        # SLURM's accounting, and submitit then waits for it forever: docs/sweeps.md)
        end = time.monotonic() + 240
        while not any(line.endswith("_2 RUNNING") for line in _queued(name)):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < end, f"task 2 never ran: {_queued(name)}"
            time.sleep(0.2)
        array = _queued(name)[0].split("_")[0]
        subprocess.run(["scancel", f"{array}_2"], check=True, timeout=30)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            subprocess.run(["scancel", "-n", name], timeout=30)
    assert proc.returncode != 0
    assert "CANCELLED" in err  # the sweep says which job died and how
    _wait_drained(name)  # the job after the cancelled one goes on without the submitting process

    assert collect.main([str(sweep)]) == 1
    ds = collect.open_collected(sweep / "collected.nc").load()
    status = ds["job_status"].to_series().to_dict()
    assert status[0.45] == status[0.5] == "completed"
    assert status[0.55] in ("missing", "unfinished")  # cancelled before or after Python started
    assert status[1.5] == "failed"
    assert "CANCELLED" in str(ds["job_error"].sel({"population.p_female": 0.55}).values)
    assert "got 1.5" in str(ds["job_error"].sel({"population.p_female": 1.5}).values)
    kept = ds["indicator_value"].sel({"population.p_female": [0.45, 0.5], **RG_18_29})
    assert kept.notnull().all()
