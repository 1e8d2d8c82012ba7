"""Denmark-size benchmark: the full yearly step against a roofline kernel, in the same run.

All of Denmark aged 0-29 is about 1.8 million persons (model.md s.10): 30 birth cohorts of
60,000 (births 1990-2019, no arrivals), each simulated from age 0 to 29 on the shipped
parameters.

- roofline: only the unavoidable work per person-year: the two Philox blocks (the four uniforms
  of block 0 and the three risk-flag uniforms of block 2) and seven draws from rows of the same
  sizes and contents as the model's (area 3, parent 2, life course: the compact row of the
  reachable states, job 2, poverty 2, parent_psych 2, crime 2), and the 4-byte record written,
  nothing else; at age 0, as in the model, only the risk-flag block and its three draws;
- full: the model's kernel (``sim/kernel.simulate_chunk``): the same draws plus covariate cells,
  periods, risk-flag odds ratios, membership, origin and the ever-flags;
- count: the counting pass (``tallies/count.count_chunk``) that turns the records into tallies;
- numpy: the pure-NumPy twin (``tests/sim/reference.py``) on a sample, as a second reference.

The last line is
``denmark persons=P years=Y seconds=S roofline_seconds=R ratio=S/R bytes_per_person=B``, where
S is the kernel time and B the bytes the engine keeps per person for the whole run (the
person-year records of the current chunk are a fixed buffer of ``sim.chunk_size`` x 120 bytes,
reported separately).
Run: ``.venv/bin/python benchmarks/denmark.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

from livschancer.sim import kernel
from livschancer.sim.config import PopulationConfig, SimConfig
from livschancer.sim.pack import pack_parameters
from livschancer.sim.population import build_population, draw_people
from livschancer.sim.rng import block_words, to_unit
from livschancer.sim.run import simulate, year_tables
from livschancer.tallies.records import empty_records
from livschancer.transitions.provisional import load_parameters

ROOT = Path(__file__).resolve().parents[1]


@njit(cache=True, parallel=True)
def roofline(seed, person_id, move_cum, parent_cum, lc_cum, reach, bern, state_out):
    """Per person-year: two Philox blocks, seven categorical draws and a 4-byte record."""
    n = person_id.shape[0]
    for i in prange(n):
        a = 2
        p = 0
        s = 0
        f = 0
        pid = person_id[i]
        for age in range(30):
            # the risk flags are drawn from birth, the rest of the step from age 1 (as the model)
            v0, v1, v2, _ = block_words(seed, pid, age, 2)
            if age > 0:
                w0, w1, w2, w3 = block_words(seed, pid, age, 0)
                a = kernel.draw_categorical_branchless(move_cum[age, a], to_unit(w0))
                p = kernel.draw_categorical_branchless(parent_cum[p], to_unit(w1))
                s = reach[s, kernel.draw_categorical_branchless(lc_cum[age, s], to_unit(w2))]
                f = kernel.draw_categorical_branchless(bern[f], to_unit(w3))
            f += kernel.draw_categorical_branchless(bern[p], to_unit(v0))
            f += kernel.draw_categorical_branchless(bern[a & 1], to_unit(v1))
            f += kernel.draw_categorical_branchless(bern[s & 1], to_unit(v2))
            f &= 1
            state_out[i, age] = np.uint32(s | (a << 8) | (p << 16) | (f << 17))


def denmark_population(scale: float = 1.0) -> PopulationConfig:
    from hydra import compose, initialize_config_module

    from livschancer.config import register, validate

    register()
    with initialize_config_module(config_module="livschancer.conf", version_base=None):
        cfg = compose(config_name="config")
    pop = validate(cfg).population
    pop.first_birth_year, pop.last_birth_year, pop.scale = 1990, 2019, scale
    pop.arrivals.persons = []
    return pop


def full_run(pop, params, threads: int) -> tuple[float, float, int]:
    """One run of the model: (kernel seconds, counting seconds, persons)."""
    r = simulate(1, pop, params, SimConfig(threads=threads, progress=False))
    return r.timings["kernel_s"], r.timings["count_s"], r.n_persons


def roofline_run(pop, params):
    """The roofline kernel's inputs built and compiled; returns a function timing one run."""
    population = build_population(pop)
    y0, per = year_tables(params, population)
    tb = pack_parameters(params, per, y0)
    people = draw_people(1, population, np.arange(population.n, dtype=np.uint64))
    # rows of the same sizes and contents as the model's (one period, one covariate cell)
    move = np.ascontiguousarray(tb.move_cum[:, 0, 0])
    parent = np.ascontiguousarray(
        np.stack([[1 - tb.parent_p[2, 0, 0, r], np.float32(1.0)] for r in (0, 1)])
    ).astype(np.float32)
    lc = np.ascontiguousarray(tb.lc_reach[min(2, tb.lc_reach.shape[0] - 1), :, 0])
    bern = np.array([[0.6, 1.0], [0.3, 1.0]], np.float32)
    out = np.zeros((population.n, 30), np.uint32)
    # compile
    roofline(np.uint64(1), people.person_id[:1000], move, parent, lc, tb.reach, bern, out)

    def once() -> float:
        t = time.perf_counter()
        roofline(np.uint64(1), people.person_id, move, parent, lc, tb.reach, bern, out)
        return time.perf_counter() - t

    return once


def time_both(pop, params, threads: int, repeats: int) -> tuple[float, float, float, int]:
    """Best of ``repeats`` of the full model and of the roofline, run in turns (full, roofline,
    full, ...) so that both see the same spells of a busy machine: (full, count, roofline,
    persons)."""
    roofline_once = roofline_run(pop, params)
    best = best_count = best_roof = np.inf
    n = 0
    for _ in range(repeats):
        kernel_s, count_s, n = full_run(pop, params, threads)
        best, best_count = min(best, kernel_s), min(best_count, count_s)
        best_roof = min(best_roof, roofline_once())
    return best, best_count, best_roof, n


def time_numpy_twin(params, n_persons: int) -> float | None:
    sys.path.insert(0, str(ROOT))
    try:
        from tests.sim.reference import simulate_reference
    except ImportError:  # pragma: no cover - the twin's API is the tests' business
        return None
    pop = denmark_population()
    pop.first_birth_year = pop.last_birth_year = 2000
    pop.births_per_year = n_persons
    population = build_population(pop)
    people = draw_people(1, population, np.arange(population.n, dtype=np.uint64))
    t = time.perf_counter()
    simulate_reference(1, people, params)
    return time.perf_counter() - t


def cold_and_warm_start() -> tuple[float, float]:
    """Wall time of two fresh processes simulating a tiny population with an empty numba cache
    directory: the first compiles and fills the cache, the second must only load it."""
    code = (
        "import time; t=time.perf_counter();"
        "from livschancer.sim.run import simulate;"
        "from livschancer.transitions.provisional import load_parameters;"
        "import benchmarks.denmark as d;"
        "from livschancer.sim.config import SimConfig;"
        "p=d.denmark_population(0.001); p.first_birth_year=2019;"
        "simulate(1,p,load_parameters(),SimConfig(progress=False));"
        "print(time.perf_counter()-t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {
            **os.environ,
            "LIVSCHANCER_CACHE_DIR": cache,
            "NUMBA_CACHE_DIR": cache,
            "PYTHONPATH": str(ROOT),
        }
        times = []
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return times[0], times[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 1.8 million persons")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--no-cache-check", action="store_true")
    args = ap.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    params = load_parameters()
    pop = denmark_population(args.scale)
    simulate(1, denmark_population(0.001), params, SimConfig(progress=False))  # compile/load
    full_s, count_s, roof_s, n = time_both(pop, params, args.threads, args.repeats)
    py = n * 30
    twin_n = 5_000
    twin = time_numpy_twin(params, twin_n)
    population = build_population(pop)
    people = draw_people(1, population, np.arange(10, dtype=np.uint64))
    bytes_pp = sum(a.itemsize for a in people)
    rec = empty_records(1)
    rec_pp = sum(a.itemsize * a.shape[-1] for a in rec[:3])
    print(f"threads={numba.get_num_threads()} persons={n:,} person-years={py:,}")
    print(f"full model     {full_s:7.3f} s  {py / full_s / 1e6:7.1f} M person-years/s")
    print(f"roofline       {roof_s:7.3f} s  {py / roof_s / 1e6:7.1f} M person-years/s")
    print(f"counting       {count_s:7.3f} s  {py / count_s / 1e6:7.1f} M person-years/s")
    if twin is not None:
        twin_s = twin * (n / twin_n)
        print(f"numpy twin     {twin_s:7.3f} s  (extrapolated from {twin_n:,} persons)")
        print(f"speed-up over the numpy twin = {twin_s / full_s:.1f}x")
    print(f"full / roofline throughput = {roof_s / full_s:.2f} (target >= 0.4)")
    print(
        f"state memory = {bytes_pp} bytes per person for the run (target < 64), plus "
        f"{rec_pp} bytes per person of records for the current chunk only"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MB")
    if not args.no_cache_check:
        cold, warm = cold_and_warm_start()
        print(f"fresh process, empty numba cache: {cold:.1f} s; second process: {warm:.1f} s")
    print(
        f"denmark persons={n} years=30 seconds={full_s:.3f} roofline_seconds={roof_s:.3f} "
        f"ratio={full_s / roof_s:.3f} bytes_per_person={bytes_pp}"
    )


if __name__ == "__main__":
    main()
