"""The job-status callback: a record per job, written where the job ran."""

from __future__ import annotations

import pickle

import pytest
from hydra.core.utils import JobReturn, JobStatus
from hydra.types import RunMode
from omegaconf import OmegaConf

from livschancer.sweeps import status


def _config(tmp_path, mode=RunMode.MULTIRUN):
    return OmegaConf.create(
        {
            "hydra": {
                "mode": mode,
                "runtime": {"output_dir": str(tmp_path)},
                "job": {"num": 3},
                "overrides": {"task": ["seed=1", "x=0.5"]},
            }
        }
    )


class Unpicklable(ValueError):
    def __init__(self, field, rule):
        super().__init__(f"{field}: {rule}")


def test_completed_job(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "41")
    cb, cfg = status.JobStatusCallback(), _config(tmp_path)
    cb.on_job_start(cfg, task_function=None)
    assert status.read_status(tmp_path)["status"] == status.RUNNING
    ret = JobReturn(status=JobStatus.COMPLETED)
    cb.on_job_end(cfg, ret)
    rec = status.read_status(tmp_path)
    assert rec["status"] == status.COMPLETED
    assert rec["job_num"] == 3
    assert rec["overrides"] == ["seed=1", "x=0.5"]
    assert rec["slurm_job_id"] == "41"
    assert rec["seconds"] >= 0


def test_failed_job_records_the_error_and_sends_back_a_picklable_one(tmp_path):
    cb, cfg = status.JobStatusCallback(), _config(tmp_path)
    cb.on_job_start(cfg, task_function=None)
    try:
        raise Unpicklable("x", "must be small")
    except Unpicklable as err:
        ret = JobReturn(status=JobStatus.FAILED)
        ret.return_value = err
    cb.on_job_end(cfg, ret)
    rec = status.read_status(tmp_path)
    assert rec["status"] == status.FAILED
    assert rec["error"] == "Unpicklable: x: must be small"
    assert "Traceback" in rec["traceback"]
    # the launcher pickles the JobReturn back to the submitting process
    back = pickle.loads(pickle.dumps(ret))
    with pytest.raises(status.JobError, match="Unpicklable: x: must be small"):
        _ = back.return_value


def test_single_runs_write_no_record(tmp_path):
    cb, cfg = status.JobStatusCallback(), _config(tmp_path, RunMode.RUN)
    cb.on_job_start(cfg, task_function=None)
    cb.on_job_end(cfg, JobReturn(status=JobStatus.COMPLETED))
    assert status.read_status(tmp_path) is None
