"""``livschancer collect SWEEP_DIR``: merge a sweep's job results into one Dataset.

Every data variable of the job files gets the swept keys as leading dims (``seed``,
``population.p_female``, ``design_point``, ...), in the order they were swept; for a design
sweep the design keys become coordinates along ``design_point``. ``job_status`` (completed,
failed, unfinished, missing), ``job_dir`` and ``job_error`` say where each cell came from. Jobs
that failed or are missing are listed with their error; run the command again as more jobs
finish (it rebuilds the file). With ``--indicator`` on a design sweep it also computes the
Morris or Sobol' indices (``SWEEP_DIR/sensitivity.nc``).

Exit status: 0 when every job is complete, 1 when some failed or are missing (the merged file
then holds the others), 2 on a usage error or when no job has a result yet.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import xarray as xr
from omegaconf import OmegaConf

from livschancer import __version__
from livschancer.sweeps import design as design_mod
from livschancer.sweeps import keyspace, merge, sensitivity, slurm, status
from livschancer.sweeps.resume import result_is_complete

log = logging.getLogger(__name__)

DEFAULT_RESULT = "livschancer.nc"
#: Above this estimated size (GB) ``--format auto`` writes Zarr instead of NetCDF.
ZARR_ABOVE_GB = 2.0
COMPLETED, FAILED, UNFINISHED, MISSING = "completed", "failed", "unfinished", "missing"


@dataclass
class JobResult:
    """A job's outcome: status, result file (if complete) and error text (if not)."""

    job: keyspace.Job
    status: str
    path: Path | None = None
    error: str = ""


def result_name(job_dir: Path, override: str | None) -> str:
    """The job's result file name: ``--file``, else the job's ``output.file``."""
    if override:
        return override
    cfg_path = job_dir / keyspace.CONFIG_FILE
    if cfg_path.is_file():
        name = OmegaConf.select(OmegaConf.load(cfg_path), "output.file", default=None)
        if name:
            return str(name)
    return DEFAULT_RESULT


def find_design(sweep_dir: Path, explicit: Path | None) -> design_mod.Design | None:
    """The sweep's design: ``--design``, else a config dir of the sweep holding design.yaml."""
    if explicit is not None:
        path = explicit / design_mod.DESIGN_FILE if explicit.is_dir() else explicit
        return design_mod.load(path)
    candidates = [sweep_dir / "design"]
    record = sweep_dir / keyspace.MULTIRUN_FILE
    if record.is_file():
        sources = OmegaConf.select(
            OmegaConf.load(record), "hydra.runtime.config_sources", default=None
        )
        for src in sources or []:
            if src.get("schema") == "file" and src.get("path"):
                candidates.insert(0, Path(str(src["path"])))
    for c in candidates:
        if (c / design_mod.DESIGN_FILE).is_file() and (c / design_mod.GROUP).is_dir():
            return design_mod.load(c / design_mod.DESIGN_FILE)
    return None


def classify(ks: keyspace.Keyspace, sweep_dir: Path, file: str | None) -> list[JobResult]:
    """Each job's outcome, with SLURM's word on jobs that stopped without recording it."""
    out = []
    for job in ks.jobs:
        if job.dir is None:
            out.append(JobResult(job, MISSING, error="no job dir (the app never started)"))
            continue
        path = job.dir / result_name(job.dir, file)
        if result_is_complete(path):
            out.append(JobResult(job, COMPLETED, path))
            continue
        rec = status.read_status(job.dir) or {}
        if rec.get("status") == status.FAILED:
            out.append(JobResult(job, FAILED, error=rec.get("error", "failed")))
        elif rec.get("status") == status.COMPLETED:
            out.append(JobResult(job, FAILED, error=f"finished without a complete {path.name}"))
        else:
            since = f" since {rec['started']}" if "started" in rec else ""
            out.append(JobResult(job, UNFINISHED, error=f"started{since}, no result yet"))
    _add_slurm_info(out, sweep_dir)
    return out


def _slurm_id(res: JobResult, latest: int | None) -> str | None:
    if res.job.dir is not None:
        rec = status.read_status(res.job.dir) or {}
        if "slurm_array_job_id" in rec and "slurm_array_task_id" in rec:
            return f"{rec['slurm_array_job_id']}_{rec['slurm_array_task_id']}"
        if "slurm_job_id" in rec:
            return str(rec["slurm_job_id"])
        return None
    if latest is not None and res.job.num is not None:
        return f"{latest}_{res.job.num}"
    return None


def _add_slurm_info(results: list[JobResult], sweep_dir: Path) -> None:
    todo = [r for r in results if r.status in (UNFINISHED, MISSING)]
    if not todo or not (sweep_dir / slurm.SUBMITIT_DIR).is_dir():
        return
    latest = slurm.latest_array(sweep_dir)
    ids = {id(r): _slurm_id(r, latest) for r in todo}
    info = slurm.task_info(sweep_dir, sorted({i for i in ids.values() if i}))
    for r in todo:
        jid = ids[id(r)]
        if jid and jid in info:
            r.error = f"{r.error}; {info[jid].describe()}"


def report(results: list[JobResult]) -> str:
    """A summary line and one line per job that is not complete."""
    counts = {
        s: sum(r.status == s for r in results) for s in (COMPLETED, FAILED, UNFINISHED, MISSING)
    }
    lines = [
        f"{len(results)} jobs: "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s == COMPLETED)
    ]
    for r in results:
        if r.status != COMPLETED:
            where = f" [{r.job.dir}]" if r.job.dir is not None else ""
            lines.append(f"  {r.status.upper():10s} {r.job.label()}{where}: {r.error}")
    return "\n".join(lines)


def _small_dataset(
    ks: keyspace.Keyspace,
    swept: dict[str, np.ndarray],
    results: list[JobResult],
    layout: merge.Layout,
    design: design_mod.Design | None,
    sweep_dir: Path,
) -> xr.Dataset:
    shape = tuple(len(v) for v in swept.values())
    st = np.full(shape, MISSING, dtype=object)
    jd = np.full(shape, "", dtype=object)
    err = np.full(shape, "", dtype=object)
    for r in results:
        idx = ks.index(r.job)
        st[idx], err[idx] = r.status, r.error
        jd[idx] = "" if r.job.dir is None else str(r.job.dir.relative_to(sweep_dir))
    dims = tuple(swept)
    coords: dict[str, object] = {k: (k, v) for k, v in swept.items()}
    coords.update({d: (d, v) for d, v in layout.job_coords.items()})
    coords.update({c: (dims_, v) for c, (dims_, v) in layout.extra_coords.items()})
    if design is not None and design_mod.GROUP in swept:
        by_name = {n: design.point_values(i) for i, n in enumerate(design.point_names)}
        for p in design.parameters:
            vals = [by_name.get(str(n), {}).get(p.name, np.nan) for n in swept[design_mod.GROUP]]
            coords[p.name] = (design_mod.GROUP, np.asarray(vals, dtype=float))
    ds = xr.Dataset(
        {
            "job_status": (dims, st.astype(str)),
            "job_dir": (dims, jd.astype(str)),
            "job_error": (dims, err.astype(str)),
        },
        coords=coords,
    )
    counts = {
        s: sum(r.status == s for r in results) for s in (COMPLETED, FAILED, UNFINISHED, MISSING)
    }
    ds.attrs = {
        **{k: v for k, v in layout.common_attrs.items() if k != "title"},
        "title": "livschancer sweep",
        "sweep_dir": str(sweep_dir),
        "swept_keys": " ".join(swept),
        "constants": " ".join(f"{k}={v}" for k, v in ks.constants.items()),
        **{f"jobs_{s}": np.int64(n) for s, n in counts.items()},
        "collected": datetime.now(UTC).isoformat(timespec="seconds"),
        "collected_by": f"livschancer {__version__}",
    }
    if design is not None:
        ds.attrs["design_method"] = design.method
    return ds


def collect(
    sweep_dir: Path,
    output: Path | None = None,
    fmt: str = "auto",
    file: str | None = None,
    design_path: Path | None = None,
) -> tuple[Path | None, list[JobResult], design_mod.Design | None]:
    """Classify the jobs of ``sweep_dir`` and merge the complete ones; returns the store path."""
    sweep_dir = Path(sweep_dir).resolve()
    design = find_design(sweep_dir, design_path)
    globs = {design_mod.GROUP: design.point_names} if design is not None else None
    ks = keyspace.build(sweep_dir, globs)
    results = classify(ks, sweep_dir, file)
    done = [r for r in results if r.status == COMPLETED]
    if not done:
        return None, results, design
    swept = {k: merge.coord_array(ks.values[k]) for k in ks.keys}
    layout = merge.plan(
        swept, [r.path for r in done if r.path], len(done) == int(np.prod(ks.shape))
    )
    if fmt == "auto":
        size = sum(
            int(np.prod(layout.shape(n))) * v.dtype.itemsize for n, v in layout.variables.items()
        )
        fmt = "zarr" if size > ZARR_ABOVE_GB * 1e9 else "netcdf"
    if output is None:
        output = sweep_dir / ("collected.zarr" if fmt == "zarr" else "collected.nc")
    small = _small_dataset(ks, swept, results, layout, design, sweep_dir)
    store = merge.open_store(Path(output), layout, small, fmt)
    try:
        merge.write_jobs(store, [(ks.index(r.job), r.path) for r in done if r.path])
    except BaseException:
        store.abort()
        raise
    return store.close(), results, design


def open_collected(path: str | Path) -> xr.Dataset:
    """Open a collected store (NetCDF file or Zarr directory) lazily."""
    path = Path(path)
    if path.is_dir():
        return xr.open_zarr(path, consolidated=True)
    return xr.open_dataset(path, engine="netcdf4")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``livschancer collect SWEEP_DIR [options]``."""
    parser = argparse.ArgumentParser(
        prog="livschancer collect",
        description="Merge the job results of a sweep into one Dataset with the swept keys as "
        "dims; list the jobs that failed or are missing. Run again as more jobs finish.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep's hydra.sweep.dir")
    parser.add_argument(
        "-o", "--output", type=Path, help="default: SWEEP_DIR/collected.nc (or collected.zarr)"
    )
    parser.add_argument(
        "--format",
        choices=["auto", "netcdf", "zarr"],
        default="auto",
        help=f"auto: Zarr above {ZARR_ABOVE_GB:g} GB (uncompressed), else NetCDF",
    )
    parser.add_argument(
        "--file", help="result file in each job dir (default: the job's output.file)"
    )
    parser.add_argument(
        "--design", type=Path, help="design.yaml (default: found from the sweep's config dir)"
    )
    parser.add_argument(
        "--indicator",
        action="append",
        default=[],
        metavar="NAME[dim=label,...]",
        help="design sweeps: compute sensitivity indices of this indicator (repeatable)",
    )
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"livschancer collect: error: {args.sweep_dir} is not a directory", file=sys.stderr)
        return 2
    try:
        indicators = [sensitivity.parse_indicator(t) for t in args.indicator]
        path, results, design = collect(
            args.sweep_dir, args.output, args.format, args.file, args.design
        )
    except (ValueError, OSError) as err:
        print(f"livschancer collect: error: {err}", file=sys.stderr)
        return 2
    print(report(results))
    if path is None:
        print("livschancer collect: error: no job has a complete result yet", file=sys.stderr)
        return 2
    n_done = sum(r.status == COMPLETED for r in results)
    print(f"wrote {path} ({n_done} of {len(results)} jobs)")
    if indicators:
        if design is None:
            print(
                "livschancer collect: error: --indicator needs a design sweep "
                "(livschancer design); none found",
                file=sys.stderr,
            )
            return 2
        try:
            with open_collected(path) as ds:
                result = sensitivity.indices(ds, design, indicators)
        except sensitivity.IndicatorError as err:
            print(f"livschancer collect: error: {err}", file=sys.stderr)
            return 2
        out = Path(path).parent / "sensitivity.nc"
        result.to_netcdf(out)
        print(sensitivity.table(result))
        print(f"wrote {out}")
    return 0 if n_done == len(results) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
