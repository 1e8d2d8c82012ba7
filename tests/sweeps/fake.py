"""A fake sweep dir, laid out as Hydra and the app leave it, with tiny run files (no simulation).

``job_dataset`` stands for a run file: a few variables whose values are a known function of
the swept values, so that a test can check that each lands in its own cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml

from livschancer.sweeps import keyspace


def job_dataset(values: dict[str, Any], years: Iterable[int] = (2000, 2001, 2002)) -> xr.Dataset:
    """A run-file stand-in: an integer tally, a float share and the usual attrs."""
    years = list(years)
    seed = int(values.get("seed", 1))
    x = float(values.get("x", 0.0))
    tally = np.arange(len(years) * 2, dtype=np.int64).reshape(len(years), 2) + 100 * seed
    return xr.Dataset(
        {
            "tally_state": (("year", "sex"), tally),
            "share": (("group",), np.array([x, 2 * x + seed])),
        },
        coords={"year": years, "sex": ["m", "f"], "group": ["supported", "population"]},
        attrs={
            "title": "livschancer run",
            "seed": np.uint64(seed),
            "livschancer_version": "0.1.0",
            "config": yaml.safe_dump({"seed": seed, "x": x}),
            "parameters_status": "PROVISIONAL",
            "created": "2026-01-01T00:00:00+00:00",
        },
    )


def write_multirun(sweep_dir: Path, task: list[str], params: dict[str, str] | None = None) -> None:
    """``multirun.yaml`` as Hydra saves it (only the parts collect reads)."""
    sweep_dir.mkdir(parents=True, exist_ok=True)
    cfg = {"hydra": {"overrides": {"task": task}, "sweeper": {"params": params or {}}}}
    (sweep_dir / keyspace.MULTIRUN_FILE).write_text(yaml.safe_dump(cfg))


def job_name(overrides: list[str]) -> str:
    return ",".join(sorted(overrides))


def write_job(
    sweep_dir: Path,
    overrides: list[str],
    num: int,
    result: xr.Dataset | None = None,
    status: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> Path:
    """A job dir: ``.hydra/{overrides,config,hydra}.yaml``, optional result and status."""
    job = sweep_dir / job_name(overrides)
    (job / ".hydra").mkdir(parents=True, exist_ok=True)
    (job / keyspace.OVERRIDES_FILE).write_text(yaml.safe_dump(overrides))
    (job / keyspace.CONFIG_FILE).write_text(yaml.safe_dump(config or {"output": {"file": "r.nc"}}))
    (job / keyspace.HYDRA_FILE).write_text(yaml.safe_dump({"hydra": {"job": {"num": num}}}))
    if result is not None:
        name = (config or {}).get("output", {}).get("file", "r.nc")
        result.to_netcdf(job / name)
    if status is not None:
        (job / "job_status.json").write_text(json.dumps(status))
    return job


def values_of(overrides: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for o in overrides:
        k, _, v = o.lstrip("+").partition("=")
        out[k] = yaml.safe_load(v)
    return out


def grid_sweep(
    sweep_dir: Path,
    seeds: Iterable[int] = (1, 2),
    xs: Iterable[float] = (0.1, 0.3, 0.5),
    failed: Iterable[tuple[int, float]] = (),
    never_started: Iterable[tuple[int, float]] = (),
    constants: tuple[str, ...] = ("population.scale=0.002",),
) -> None:
    """A ``seed=... x=...`` sweep with some jobs failed and some never started."""
    seeds, xs = list(seeds), list(xs)
    failed, never = set(failed), set(never_started)
    task = [*constants, "seed=" + ",".join(map(str, seeds)), "x=" + ",".join(map(str, xs))]
    write_multirun(sweep_dir, task)
    num = 0
    for s in seeds:
        for x in xs:
            ovs = [*constants, f"seed={s}", f"x={x}"]
            if (s, x) in never:
                pass
            elif (s, x) in failed:
                write_job(
                    sweep_dir,
                    ovs,
                    num,
                    status={"status": "failed", "error": f"ConfigError: x: bad; got {x}"},
                )
            else:
                write_job(sweep_dir, ovs, num, result=job_dataset({"seed": s, "x": x}))
            num += 1
