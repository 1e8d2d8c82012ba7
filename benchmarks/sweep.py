"""Sweep benchmark: a local sweep of N small runs, collected; the overhead per run.

The sweep runs ``livschancer -m hydra/launcher=local seed=range(N)`` on tiny runs (a 0.2% sample
of the cohorts born 1990-2019: about 3,600 persons), ``P`` jobs at a time, then
``livschancer collect``. The simulation itself is timed in this process on the same N configs
(warm, one after the other: ``simulate`` inside ``cli.run_app``), so that

    overhead_per_run = (sweep_seconds * P - simulation_seconds) / N

is what a run costs beyond its simulation: Hydra composing the job's config, the worker
processes starting and importing (once per worker), numba loading its cache, validating,
building and writing the run file, the job's records, and idle cores at the end of the sweep.
The last line is ``sweep runs=N seconds=S overhead_per_run=O`` (S: the sweep's wall time; the
target is O under 2 s). Run: ``.venv/bin/python benchmarks/sweep.py`` (100 runs; ``--runs 8``
for a smoke test).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TINY = [
    "population.scale=0.002",
    "population.first_birth_year=1990",
    "sim.progress=false",
    "sim.threads=1",
]


def sweep(runs: int, jobs: int, sweep_dir: Path) -> float:
    cmd = [
        sys.executable,
        "-m",
        "livschancer",
        "-m",
        "hydra/launcher=local",
        f"hydra.launcher.n_jobs={jobs}",
        f"seed=range({runs})",
        *TINY,
        f"hydra.sweep.dir={sweep_dir}",
    ]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"the sweep failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return seconds


def simulation_seconds(runs: int, out_dir: Path) -> tuple[float, float]:
    """Sum of the ``simulate`` times of the sweep's N runs, and of their whole ``run_app``
    times, in this process after a warm-up run (the numba cache loaded once)."""
    import contextlib
    import io

    from hydra import compose, initialize_config_module

    import livschancer.cli as cli

    timed: list[float] = []
    real = cli.simulate

    def simulate(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            timed.append(time.perf_counter() - t)

    cli.simulate = simulate
    total = 0.0
    with initialize_config_module("livschancer.conf", version_base=None):
        for i in range(-1, runs):  # -1: the warm-up, not counted
            cfg = compose("config", overrides=[f"seed={max(i, 0)}", *TINY])
            run_dir = out_dir / f"run{i + 1}"
            t = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                cli.run_app(cfg, run_dir, multirun=True)  # as a sweep job runs it
            if i >= 0:
                total += time.perf_counter() - t
            shutil.rmtree(run_dir)
    cli.simulate = real
    return sum(timed[1:]), total


def collect(sweep_dir: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "livschancer.sweeps.collect", str(sweep_dir)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"collect failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")
    return time.perf_counter() - t0, out.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="runs in the sweep (100)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="jobs at a time (all cores)"
    )
    parser.add_argument("--keep", type=Path, help="sweep into this dir and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lvs-sweep-bench-"))
    sweep_dir = args.keep or tmp / "sweep"
    try:
        s = sweep(args.runs, args.jobs, sweep_dir)
        c, wrote = collect(sweep_dir)
        sim, app = simulation_seconds(args.runs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per_run = (s * args.jobs - sim) / args.runs
    print(f"sweep of {args.runs} runs, {args.jobs} at a time: {s:.1f} s wall")
    print(
        f"in one warm process: simulate {sim / args.runs:.3f} s per run, "
        f"whole run_app (validate, simulate, write) {app / args.runs:.3f} s per run"
    )
    print(f"collect: {c:.1f} s ({wrote})")
    print(f"sweep runs={args.runs} seconds={s:.2f} overhead_per_run={per_run:.3f}")


if __name__ == "__main__":
    main()
