"""Fixtures of the sweep tests: the app's command line, tiny runs, and a running SLURM."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

#: Overrides that make a run take well under a second (a 0.2% sample of 30 cohorts).
TINY = [
    "population.scale=0.002",
    "population.first_birth_year=1990",
    "sim.progress=false",
    "sim.threads=1",
]

#: One number of a run file: the restgruppe share at 18-29 in 2019 in all of Denmark.
RG_18_29 = {
    "indicator": "restgruppe_share[18-29]",
    "year": 2019,
    "group": "population",
    "origin_group": "all",
    "ethnicity": "all",
    "sex_group": "all",
}


def livschancer(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python -m livschancer ARGS`` as an analyst would; never waits forever."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "livschancer", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def _slurm_problem() -> str | None:
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "SLURM is not installed here (sbatch and sinfo not on PATH)"
    try:
        out = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError) as err:
        return f"sinfo failed: {err}"
    if out.returncode != 0 or not {"idle", "mixed", "allocated"} & set(out.stdout.split()):
        return f"no SLURM node is up (sinfo: {(out.stdout + out.stderr).strip()!r})"
    return None


@pytest.fixture(scope="session")
def slurm() -> None:
    """A running SLURM cluster; skips where there is none, unless LIVSCHANCER_REQUIRE_SLURM=1
    (CI sets it, so that a cluster that failed to start fails the tests instead of skipping)."""
    problem = _slurm_problem()
    if problem is None:
        return
    hint = "; start one with `bash scripts/slurm_local.sh start` (Debian, as root)"
    if os.environ.get("LIVSCHANCER_REQUIRE_SLURM") == "1":
        pytest.fail(problem + hint)
    pytest.skip(problem + hint)
