"""Counting a register-size panel: 2,000,000 persons x 30 years (60 million person-years).

Synthesizes the panel once (``livschancer.panel.synth`` with the shipped parameters; 40 birth
cohorts 1980-2019 of 50,000, no arrivals, so every person has 30 rows) into a cache directory
(``$LIVSCHANCER_BENCH_CACHE``, default ``/tmp/livschancer-bench``; never committed) and reuses
it. Then, each in a fresh process so that neither's memory or warm cache helps the other:

- livschancer: ``count_panel`` (read in chunks with pyarrow, validate with pandera and the
  cross-row rules, count every tally of ``tallies/spec.py``); peak resident memory of that
  process (numba compiled before the clock starts, from the on-disk cache);
- DuckDB: the equivalent GROUP BY on the same Parquet file: the previous year's state,
  area and flags by a window (``lag`` over person, year) and the seven transition tallies
  (move, parent_rg, lifecourse, job, poverty, parent_psych, crime) as GROUPING SETS. It does
  less than livschancer (no validation, no profile, entrants or followup tallies).

Both use the same number of threads (``--threads``, default all cores). Ends with the line
``count rows=R seconds=S rows_per_second=X duckdb_seconds=D rss_mb=M``.
Run: ``.venv/bin/python benchmarks/panel_count.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PERSONS = 2_000_000
COHORTS = (1980, 2019)


def cache_path(persons: int) -> Path:
    root = Path(os.environ.get("LIVSCHANCER_BENCH_CACHE", "/tmp/livschancer-bench"))
    root.mkdir(parents=True, exist_ok=True)
    return root / f"panel_{persons}.parquet"


def synthesize(path: Path, persons: int) -> None:
    from livschancer.panel.synth import compose_run, write_panel
    from livschancer.sim.population import build_population
    from livschancer.transitions.provisional import load_parameters

    n_cohort = COHORTS[1] - COHORTS[0] + 1
    run = compose_run(
        [
            f"population.first_birth_year={COHORTS[0]}",
            f"population.last_birth_year={COHORTS[1]}",
            f"population.births_per_year={persons // n_cohort}",
            "population.scale=1.0",
            "population.births_by_year=[]",
            "population.arrivals.persons=[]",
            "report.year=2010",
        ]
    )
    pop = build_population(run.population)
    t = time.perf_counter()
    n = write_panel(path, 1, pop, load_parameters(), overwrite=True)
    print(f"synthesized {pop.n:,} persons, {n:,} rows in {time.perf_counter() - t:.1f} s")


def count_livschancer(path: Path, threads: int) -> None:
    import numba

    if threads:
        numba.set_num_threads(threads)
    import pyarrow as pa

    pa.set_cpu_count(max(1, threads or os.cpu_count() or 1))
    import numpy as np

    from livschancer.panel.count import count_panel
    from livschancer.tallies.count import count_records, empty_tallies, lookup
    from livschancer.tallies.records import People, empty_records

    # compile (or load from numba's cache) before the clock starts
    people = People(
        *(
            np.zeros(1, t)
            for t in (np.uint64, np.int32, np.int8, np.int8, np.int8, np.int8, np.int8)
        )
    )
    count_records(people, empty_records(1), 0, empty_tallies(1), lookup())
    t = time.perf_counter()
    res = count_panel(path)
    sec = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = int(res.tallies["lifecourse"].sum())
    print(f"RESULT rows={res.n_rows} seconds={sec:.3f} rss_mb={rss_mb:.0f} check={total}")


DUCKDB_SQL = """
WITH w AS (
  SELECT year, age, sex, menapt, area, member, origin, activity, attain,
         parent_rg, job, poverty, parent_psych, crime, crime_before,
         lag(area) OVER p AS area_from, lag(activity) OVER p AS activity_from,
         lag(attain) OVER p AS attain_from, lag(parent_rg) OVER p AS parent_rg_from,
         lag(job) OVER p AS job_from, lag(poverty) OVER p AS poverty_from,
         lag(parent_psych) OVER p AS parent_psych_from
  FROM read_parquet('{path}')
  WINDOW p AS (PARTITION BY person_id ORDER BY year)
)
SELECT count(*) AS cells, sum(n) AS n FROM (
  SELECT count(*) AS n FROM w GROUP BY GROUPING SETS (
    (year, age, menapt, parent_rg_from, area_from, area),
    (year, age, menapt, area, member, parent_rg_from, parent_rg),
    (year, age, sex, menapt, area, member, origin, activity_from, attain_from, activity, attain),
    (year, age, sex, menapt, area, member, activity, job_from, job),
    (year, age, menapt, area, member, origin, poverty_from, poverty),
    (year, age, menapt, area, member, origin, parent_psych_from, parent_psych),
    (year, age, sex, menapt, area, member, origin, crime_before, crime)
  )
)
"""


def count_duckdb(path: Path, threads: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO {threads or os.cpu_count() or 1}")
    con.execute("SET preserve_insertion_order = false")
    t = time.perf_counter()
    cells, n = con.execute(DUCKDB_SQL.format(path=str(path))).fetchone()
    sec = time.perf_counter() - t
    print(f"RESULT seconds={sec:.3f} cells={cells} n={n}")


def _child(mode: str, path: Path, threads: int) -> dict[str, str]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--panel",
            str(path),
            "--threads",
            str(threads),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return dict(kv.split("=", 1) for kv in line.split()[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=PERSONS)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--panel", type=Path, help="count this panel instead of the cached one")
    ap.add_argument("--child", choices=("livschancer", "duckdb"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "livschancer":
        count_livschancer(args.panel, args.threads)
        return
    if args.child == "duckdb":
        count_duckdb(args.panel, args.threads)
        return
    path = args.panel or cache_path(args.persons)
    if not path.exists():
        synthesize(path, args.persons)
    else:
        print(f"reusing {path}")
    ours = _child("livschancer", path, args.threads)
    duck = _child("duckdb", path, args.threads)
    rows = int(ours["rows"])
    sec = float(ours["seconds"])
    dsec = float(duck["seconds"])
    print(
        f"livschancer: {sec:.2f} s, {rows / sec / 1e6:.1f} M rows/s, peak RSS {ours['rss_mb']} MB"
    )
    print(f"duckdb GROUP BY (7 transition tallies): {dsec:.2f} s ({dsec / sec:.2f}x livschancer)")
    print(
        f"count rows={rows} seconds={sec:.2f} rows_per_second={rows / sec:.0f} "
        f"duckdb_seconds={dsec:.2f} rss_mb={float(ours['rss_mb']):.0f}"
    )


if __name__ == "__main__":
    main()
