"""Each job's status in its own dir: a Hydra callback writes ``JOB_DIR/job_status.json``.

The callback runs inside the job's process, wherever the launcher put it (a local worker or a
SLURM task), so the record survives when the submitting process is gone. It is written when the
job starts (``running``, with host, pid and SLURM ids) and again when it ends (``completed`` or
``failed`` with the error and its traceback). A job killed from outside (``scancel``, time
limit, out of memory, node failure) stays ``running``; :mod:`livschancer.sweeps.slurm` then asks
SLURM what happened.

Enabled in ``conf/config.yaml``::

    hydra:
      callbacks:
        job_status:
          _target_: livschancer.sweeps.status.JobStatusCallback
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from livschancer.errors import LivschancerError

log = logging.getLogger(__name__)

STATUS_FILE = "job_status.json"
RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
_SLURM_VARS = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURMD_NODENAME")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_status(job_dir: str | Path, record: dict[str, Any]) -> Path:
    """Write ``record`` to ``job_dir/job_status.json`` atomically (temporary file, rename)."""
    path = Path(job_dir) / STATUS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{STATUS_FILE}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh, indent=1, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_status(job_dir: str | Path) -> dict[str, Any] | None:
    """The job's status record, or None if it has none (or an unreadable one)."""
    path = Path(job_dir) / STATUS_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class JobError(LivschancerError):
    """A job's error that could not travel back to the submitting process as itself."""


def _picklable(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


def error_text(exc: BaseException) -> str:
    """``"ConfigError: population.p_female: must be ...; got 1.5"``: type and message."""
    return f"{type(exc).__name__}: {exc}"


class JobStatusCallback(Callback):
    """Hydra callback: records each multirun job's status in ``JOB_DIR/job_status.json``."""

    def __init__(self) -> None:
        self._start: float | None = None
        self._record: dict[str, Any] = {}

    @staticmethod
    def _multirun(config: DictConfig) -> bool:
        return OmegaConf.select(config, "hydra.mode", default=None) == RunMode.MULTIRUN

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not self._multirun(config):
            return
        self._start = time.perf_counter()
        self._record = {
            "status": RUNNING,
            "started": _now(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "job_num": OmegaConf.select(config, "hydra.job.num", default=None),
            "overrides": list(OmegaConf.select(config, "hydra.overrides.task", default=[])),
            **{k.lower(): os.environ[k] for k in _SLURM_VARS if k in os.environ},
        }
        write_status(config.hydra.runtime.output_dir, self._record)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if not self._multirun(config):
            return
        record = dict(self._record)
        record["finished"] = _now()
        if self._start is not None:
            record["seconds"] = round(time.perf_counter() - self._start, 3)
        if job_return.status == JobStatus.COMPLETED:
            record["status"] = COMPLETED
        else:
            exc = job_return._return_value  # the property re-raises; the attribute does not
            record["status"] = FAILED
            if isinstance(exc, BaseException):
                record["error"] = error_text(exc)
                record["traceback"] = "".join(
                    traceback.format_exception(type(exc), exc, exc.__traceback__)
                )
                if not _picklable(exc):
                    # the launcher pickles the JobReturn back to the submitting process (joblib,
                    # submitit); an exception that does not unpickle (a custom __init__ without
                    # __reduce__) breaks the whole pool there, so send its text instead
                    job_return.return_value = JobError(record["error"])
                # one line in the job's log file and on the worker's stderr (terminal or SLURM log)
                log.error(
                    "job %s (%s) failed: %s",
                    record.get("job_num"),
                    " ".join(record.get("overrides", [])),
                    record["error"],
                )
        write_status(config.hydra.runtime.output_dir, record)
