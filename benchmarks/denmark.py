"""Denmark-size benchmark: the full yearly step against a roofline kernel, in the same run.

All of Denmark aged 0-29 is about 1.8 million persons (model.md s.10): 30 birth cohorts of
60,000, each simulated from age 0 to 29 on the shipped provisional parameters.

- roofline: only the unavoidable work per person-year: one Philox block (the four uniforms of
  the yearly step) and four categorical draws from rows of the same sizes and contents as the
  model's (area 3, parent 2, life course 18, fritidsjob 2), nothing else;
- full: the model's kernel (``sim/kernel.simulate_chunk``): the same draws plus covariate cells,
  periods, odds-ratio modifiers, counting into the tensor, exposure and membership;
- numpy: the pure-NumPy twin (``tests/sim/reference.py``) on a sample, as a second reference.

The last line is
``denmark persons=P years=Y seconds=S roofline_seconds=R ratio=S/R bytes_per_person=B``.
Run: ``.venv/bin/python benchmarks/denmark.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import os
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
from livschancer.sim.population import draw_population
from livschancer.sim.rng import block_words, to_unit
from livschancer.sim.run import births_from_config, cohorts_from_config, simulate
from livschancer.transitions.provisional import load_provisional

ROOT = Path(__file__).resolve().parents[1]


@njit(cache=True, parallel=True)
def roofline(seed, person_id, move_cum, parent_cum, lc_cum, fj_cum, n_worker):
    """Per person-year: one Philox block and four categorical draws; returns a checksum."""
    n = person_id.shape[0]
    out = np.zeros(n_worker, np.int64)
    for w in prange(n_worker):
        lo = (n * w) // n_worker
        hi = (n * (w + 1)) // n_worker
        acc = 0
        for i in range(lo, hi):
            a = 2
            p = 0
            s = 0
            f = 0
            pid = person_id[i]
            for age in range(1, 30):
                w0, w1, w2, w3 = block_words(seed, pid, age, 0)
                a = kernel.draw_categorical_branchless(move_cum[age, a], to_unit(w0))
                p = kernel.draw_categorical_branchless(parent_cum[p], to_unit(w1))
                s = kernel.draw_categorical_branchless(lc_cum[age, s], to_unit(w2))
                f = kernel.draw_categorical_branchless(fj_cum[f], to_unit(w3))
            acc += a + p + s + f
        out[w] = acc
    return out


def denmark_population(scale: float = 1.0) -> PopulationConfig:
    from hydra import compose, initialize_config_module

    from livschancer.config import register, validate

    register()
    with initialize_config_module(config_module="livschancer.conf", version_base=None):
        cfg = compose(config_name="config")
    pop = validate(cfg).population
    pop.first_birth_year, pop.last_birth_year, pop.scale = 1990, 2019, scale
    return pop


def time_full(pop, params, threads: int, repeats: int) -> tuple[float, int]:
    best = np.inf
    n = 0
    for _ in range(repeats):
        r = simulate(1, pop, params, SimConfig(threads=threads, progress=False))
        best = min(best, r.timings["kernel_s"])
        n = r.n_persons
    return best, n


def time_roofline(pop, params, repeats: int) -> float:
    kp = pack_parameters(params)
    cohorts = cohorts_from_config(pop)
    people = draw_population(1, cohorts, births_from_config(pop), 0, cohorts.n)
    # rows of the same sizes and contents as the model's (one period, one covariate cell)
    move = np.ascontiguousarray(kp.move_cum[:, 0, 0])
    parent = np.ascontiguousarray(
        np.stack([[1 - kp.parent_p[2, 0, 0, r], np.float32(1.0)] for r in (0, 1)])
    ).astype(np.float32)
    lc = np.ascontiguousarray(kp.lc_cum[0, 2, :, 0])
    fj = np.array([[0.6, 1.0], [0.3, 1.0]], np.float32)
    nw = numba.get_num_threads()
    roofline(np.uint64(1), people.person_id[:1000], move, parent, lc, fj, nw)  # compile
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        roofline(np.uint64(1), people.person_id, move, parent, lc, fj, nw)
        best = min(best, time.perf_counter() - t)
    return best


def time_numpy_twin(params, n_persons: int) -> float:
    sys.path.insert(0, str(ROOT))
    from tests.sim.reference import simulate_reference

    pop = denmark_population()
    pop.first_birth_year = pop.last_birth_year = 2000
    pop.births_per_year = n_persons
    cohorts = cohorts_from_config(pop)
    people = draw_population(1, cohorts, births_from_config(pop), 0, cohorts.n)
    kp = pack_parameters(params)
    per = np.array([params.period_of(y) for y in range(2000, 2030)], np.int64)
    active = np.zeros(30, bool)
    t = time.perf_counter()
    simulate_reference(1, people, kp, 2000, per, active)
    return time.perf_counter() - t


def cold_and_warm_start() -> tuple[float, float]:
    """Wall time of two fresh processes simulating a tiny population with an empty numba cache
    directory: the first compiles and fills the cache, the second must only load it."""
    code = (
        "import time; t=time.perf_counter();"
        "from livschancer.sim.run import simulate;"
        "from livschancer.transitions.provisional import load_provisional;"
        "import benchmarks.denmark as d;"
        "from livschancer.sim.config import SimConfig;"
        "p=d.denmark_population(0.001); p.first_birth_year=2019;"
        "simulate(1,p,load_provisional(),SimConfig(progress=False));"
        "print(time.perf_counter()-t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
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
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--no-cache-check", action="store_true")
    args = ap.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    params = load_provisional()
    pop = denmark_population(args.scale)
    simulate(1, denmark_population(0.001), params, SimConfig(progress=False))  # compile/load
    full_s, n = time_full(pop, params, args.threads, args.repeats)
    roof_s = time_roofline(pop, params, args.repeats)
    py = n * 29  # person-years with a draw (age 0 is the birth record)
    twin_n = 20_000
    twin_s = time_numpy_twin(params, twin_n) * (n / twin_n)
    cohorts = cohorts_from_config(pop)
    people = draw_population(1, cohorts, births_from_config(pop), 0, 1000)
    bytes_pp = people.nbytes_per_person + kernel.N_FINAL * 2  # attributes + final states
    print(f"threads={numba.get_num_threads()} persons={n:,} person-years={n * 30:,}")
    print(f"full model     {full_s:7.3f} s  {py / full_s / 1e6:7.1f} M person-years/s")
    print(f"roofline       {roof_s:7.3f} s  {py / roof_s / 1e6:7.1f} M person-years/s")
    print(f"numpy twin     {twin_s:7.3f} s  (extrapolated from {twin_n:,} persons)")
    print(f"full / roofline throughput = {roof_s / full_s:.2f} (target >= 0.4)")
    print(f"speed-up over the numpy twin = {twin_s / full_s:.1f}x")
    print(f"state memory = {bytes_pp} bytes per person (target < 64)")
    if not args.no_cache_check:
        cold, warm = cold_and_warm_start()
        print(f"fresh process, empty numba cache: {cold:.1f} s; second process: {warm:.1f} s")
    print(
        f"denmark persons={n} years=30 seconds={full_s:.3f} roofline_seconds={roof_s:.3f} "
        f"ratio={full_s / roof_s:.3f} bytes_per_person={bytes_pp}"
    )


if __name__ == "__main__":
    main()
