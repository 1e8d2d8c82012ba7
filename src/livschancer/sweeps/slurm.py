"""What SLURM knows about sweep jobs that left no result (best effort, never required).

A job killed from outside (``scancel``, time limit, memory, node failure) cannot record its own
end. Two sources remain: submitit's per-task logs in ``SWEEP_DIR/.submitit/<array>_<task>/``
(the last lines of stderr, e.g. ``slurmstepd: error: *** JOB 41 ON node CANCELLED AT ...``), and
SLURM accounting (``sacct``: CANCELLED, TIMEOUT, OUT_OF_MEMORY, FAILED, PENDING, ...). Array
task ``i`` of a submitit sweep is Hydra's job number ``i`` (one array per invocation), so a job
that never started is found by its number in the latest array. Without SLURM both sources are
simply empty.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUBMITIT_DIR = ".submitit"
_TASK_DIR = re.compile(r"^(\d+)_(\d+)$")


@dataclass(frozen=True)
class TaskInfo:
    """SLURM's view of one array task: its id, state (from sacct) and last stderr line."""

    job_id: str
    state: str | None = None
    log_tail: str | None = None
    log_path: Path | None = None

    def describe(self) -> str:
        parts = [f"SLURM job {self.job_id}"]
        if self.state:
            parts.append(f"state {self.state}")
        if self.log_tail:
            parts.append(f"log: {self.log_tail}")
        return ", ".join(parts)


def task_dirs(sweep_dir: Path) -> dict[tuple[int, int], Path]:
    """``(array id, task id) -> submitit folder`` for every task that has one."""
    root = Path(sweep_dir) / SUBMITIT_DIR
    found = {}
    if root.is_dir():
        for d in root.iterdir():
            m = _TASK_DIR.match(d.name)
            if m and d.is_dir():
                found[(int(m[1]), int(m[2]))] = d
    return found


def latest_array(sweep_dir: Path) -> int | None:
    """The array id of the latest submitit invocation in ``sweep_dir`` (the newest folder).

    submitit makes a folder per array (``<array id>``, holding its sbatch script) when it
    submits, and one per task (``<array id>_<task>``) when the task starts.
    """
    root = Path(sweep_dir) / SUBMITIT_DIR
    if not root.is_dir():
        return None
    newest: dict[int, float] = {}
    for d in root.iterdir():
        m = re.match(r"^(\d+)(?:_\d+)?$", d.name)
        if m and d.is_dir():
            a = int(m[1])
            newest[a] = max(newest.get(a, 0.0), d.stat().st_mtime)
    return max(newest, key=lambda a: (newest[a], a)) if newest else None


def log_tail(task_dir: Path, lines: int = 1) -> tuple[str | None, Path | None]:
    """The last non-empty line(s) of a task's stderr log, and the log's path."""
    logs = sorted(task_dir.glob("*_log.err"))
    if not logs:
        return None, None
    try:
        text = logs[0].read_text(errors="replace").strip().splitlines()
    except OSError:
        return None, logs[0]
    text = [t for t in text if t.strip()]
    return (" | ".join(text[-lines:]) if text else None), logs[0]


def sacct_states(job_ids: list[str], timeout: float = 30) -> dict[str, str]:
    """``job id -> state`` from ``sacct`` (``{"41_3": "CANCELLED by 0"}``); empty if unknown."""
    if not job_ids or shutil.which("sacct") is None:
        return {}
    arrays = sorted({j.split("_")[0] for j in job_ids})
    try:
        out = subprocess.run(
            ["sacct", "-n", "-P", "-X", "-o", "JobID,State", "-j", ",".join(arrays)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    states = {}
    for line in out.splitlines():
        jid, _, state = line.partition("|")
        for one in expand_array_ids(jid.strip()):
            states[one] = state.strip()
    return states


def expand_array_ids(job_id: str) -> list[str]:
    """``"41_[2-4,7%2]"`` (how sacct shows tasks that never started) -> ``41_2 41_3 41_4 41_7``."""
    m = re.match(r"^(\d+)_\[([^\]]*)\]$", job_id)
    if not m:
        return [job_id]
    out = []
    for part in m[2].split("%")[0].split(","):
        lo, _, hi = part.partition("-")
        if lo.isdigit():
            out += [f"{m[1]}_{t}" for t in range(int(lo), int(hi or lo) + 1)]
    return out


def queued_states(job_ids: list[str], timeout: float = 30) -> dict[str, str] | None:
    """``job id -> state`` of the tasks still in the queue (``squeue -r``); None if unknown."""
    if not job_ids or shutil.which("squeue") is None:
        return None
    arrays = sorted({j.split("_")[0] for j in job_ids})
    try:
        out = subprocess.run(
            ["squeue", "-h", "-r", "-o", "%i|%T", "-j", ",".join(arrays)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 and "Invalid job id" not in out.stderr:
        return None
    states = {}
    for line in out.stdout.splitlines():
        jid, _, state = line.partition("|")
        states[jid.strip()] = state.strip()
    return states


def task_info(sweep_dir: Path, job_ids: list[str]) -> dict[str, TaskInfo]:
    """What SLURM and submitit's logs say about the given array tasks (``"41_3"``).

    A task cancelled while it was still pending leaves no accounting record (SLURM 22.05), so a
    task that is neither queued nor accounted for is reported as such.
    """
    dirs = {f"{a}_{t}": d for (a, t), d in task_dirs(sweep_dir).items()}
    states = sacct_states(job_ids)
    queued = queued_states(job_ids)
    info = {}
    for jid in job_ids:
        tail, path = log_tail(dirs[jid]) if jid in dirs else (None, None)
        state = (queued or {}).get(jid) or states.get(jid)
        if state is None and queued is not None and shutil.which("sacct"):
            state = "not queued and not in accounting (cancelled before it started?)"
        info[jid] = TaskInfo(job_id=jid, state=state, log_tail=tail, log_path=path)
    return info
