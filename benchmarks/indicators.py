"""Denmark-size indicators, score and report: timings against a one-pass reference.

Tallies of the full spec shapes for the years 1971-2048 (what a Denmark run writes: 78 years,
the lifecourse tally alone 20.6 million cells) filled with random integer counts. Timed, each
best of ``--repeat``:

- reference: one pass over every tally (``sum``), the least work any indicator set can do;
- every indicator of the registry at every band of the run file (a fresh ``TallyView`` each
  repeat, so the shared lifecourse reduction is included), and each indicator's share of it;
- the score of the shipped targets (244 rows; a plan made once, as calibration does);
- the run file's standard indicators, and the HTML report built from them (target < 10 s).

Prints ratios to the reference and to the targets (indicators < 2 s, score < 0.2 s, report
< 10 s), and ends with ``indicators seconds=S report_seconds=R``.
Run: ``.venv/bin/python benchmarks/indicators.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import xarray as xr

from livschancer.outputs import indicators, report
from livschancer.outputs.runfile import build_run_dataset, run_attrs
from livschancer.outputs.score import score_targets, summary_line
from livschancer.outputs.standard import standard_indicators
from livschancer.outputs.targets import plan_targets, read_targets
from livschancer.outputs.view import TallyView
from livschancer.tallies import spec

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT.parent / "shared" / "targets" / "calibration.csv"
YEARS = np.arange(1971, 2049)


def denmark_tallies(seed: int = 0) -> xr.Dataset:
    """Random counts in every tally of the spec (int64), 1971-2048."""
    rng = np.random.default_rng(seed)
    out = {}
    for t in spec.TALLIES:
        coords = {d: spec.coords(d, YEARS) for d in t.dims}
        da = xr.DataArray(
            rng.integers(0, 40, size=spec.shape(t.name, len(YEARS)), dtype=np.int64),
            dims=t.dims,
            coords=coords,
        )
        if t.name == "lifecourse":
            f, to = spec.transition_labels()
            da = da.assign_coords({"from": ("transition", f), "to": ("transition", to)})
        out[t.name] = da
    return xr.Dataset(out)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ds = denmark_tallies()
    cells = sum(int(ds[t.name].size) for t in spec.TALLIES)
    print(f"tallies: {len(spec.TALLIES)}, {cells / 1e6:.1f} million cells, years 1971-2048")

    ref = best(lambda: [int(ds[t.name].values.sum()) for t in spec.TALLIES], args.repeat)
    print(f"reference (one pass over every tally): {ref:.3f} s")

    def all_indicators() -> dict[str, float]:
        v = TallyView(ds)
        per = {}
        for name, ind in indicators.REGISTRY.items():
            t0 = time.perf_counter()
            for ages in ind.bands:
                indicators.compute(v, name, ages)
            per[name] = time.perf_counter() - t0
        return per

    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        per = all_indicators()
        runs.append((time.perf_counter() - t0, per))
    total, per = min(runs, key=lambda r: r[0])
    n_calls = sum(len(i.bands) for i in indicators.REGISTRY.values())
    print(f"\nall {len(indicators.REGISTRY)} indicators ({n_calls} bands), best of {args.repeat}:")
    for name, sec in sorted(per.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:42s} {sec:7.3f} s  {sec / total:5.1%}")
    print(
        f"  total {total:.3f} s; ratio to reference {total / ref:.1f}; to target 2 s "
        f"{total / 2.0:.2f}"
    )

    if TARGETS.is_file():
        plan = plan_targets(read_targets(TARGETS))
        sc = best(lambda: score_targets(ds, plan), args.repeat)
        line = summary_line(score_targets(ds, plan))
        print(
            f"\nscore of {len(plan.rows)} targets: {sc:.3f} s; ratio to reference "
            f"{sc / ref:.1f}; to target 0.2 s {sc / 0.2:.2f}  ({line})"
        )
    else:
        print(f"\nscore: skipped ({TARGETS} not found)")

    t0 = time.perf_counter()
    ind = standard_indicators(ds, 2019)
    std = time.perf_counter() - t0
    run = build_run_dataset(ds, ind, run_attrs(seed=0, scenario="benchmark"))
    rep = best(lambda: report.build_report(run, language="en"), args.repeat)
    print(
        f"\nrun-file indicators (registry + profiles): {std:.3f} s; ratio to reference "
        f"{std / ref:.1f}"
    )
    print(f"report: {rep:.3f} s; ratio to target 10 s {rep / 10.0:.2f}")
    print(f"indicators seconds={total:.3f} report_seconds={rep:.3f}")


if __name__ == "__main__":
    main()
