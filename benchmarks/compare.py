"""Paired-comparison benchmark: cost of ``livschancer compare`` against one full run.

Runs ``with_plan - without_plan`` (``scenarios/paired.py``) on the default population
(``conf/population/denmark.yaml``, all of Denmark, about 2.9 million persons with arrivals;
``--scale`` for a sample) with one seed and ``--draws`` effect draws, after a small warm-up run
that compiles the kernels, and times one plain full run of the same population.

- ``seconds``: the whole comparison (full null run, participants' subset runs, every draw's
  subset run, tally sums and the measurement of every registry indicator);
- ``full_run_seconds``: one full run of the population without activities;
- ``per_draw_ratio``: the time of one paired draw (the draw loop divided by draws + 1: its
  subset run, the sum of tallies and the measurement) over ``full_run_seconds``.

Targets on the default population (issue 8): 20 draws under 60 s, ``per_draw_ratio <= 0.3``.
The last line is ``compare persons=P draws=N seconds=S full_run_seconds=F per_draw_ratio=R``.
Run: ``.venv/bin/python benchmarks/compare.py [--scale 0.1] [--draws 20] [OVERRIDE ...]``.
"""

from __future__ import annotations

import argparse
import time

from livschancer.cli import load_parameters
from livschancer.scenarios import compare, headline
from livschancer.scenarios.build import apply_links
from livschancer.scenarios.paired import run_seed
from livschancer.sim.config import SimConfig
from livschancer.sim.population import build_population
from livschancer.sim.run import simulate


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="population.scale (1 = Denmark)")
    p.add_argument("--draws", type=int, default=20)
    p.add_argument("--alt", default="with_plan")
    p.add_argument("--no-drivers", action="store_true")
    opts, overrides = p.parse_known_args()
    over = [f"population.scale={opts.scale}", "sim.progress=false", *overrides]
    base_over, alt_over = compare.route_overrides(over)
    _, _, sc_b = compare.compose_arm("without_plan", base_over)
    _, run, sc_a = compare.compose_arm(opts.alt, alt_over)
    params = apply_links(load_parameters(run), sc_a)
    sim = SimConfig(threads=run.sim.threads, chunk_size=run.sim.chunk_size, progress=False)
    year = run.report.year

    # warm-up: compile every kernel on a tiny population
    _, tiny, _ = compare.compose_arm(opts.alt, [*alt_over, "population.scale=0.001"])
    tiny_pop = build_population(tiny.population)
    first, last = tiny_pop.years()
    run_seed(
        run.seed,
        tiny_pop,
        params,
        sc_b,
        sc_a,
        headline.make_measure([year]),
        1,
        run.seed,
        sim,
        (),
        headline.window([year], first, last),
    )

    population = build_population(run.population)
    first, last = population.years()
    t0 = time.perf_counter()
    simulate(run.seed, population, params, sim)
    full = time.perf_counter() - t0

    leave = [] if opts.no_drivers or len(sc_a.active) < 2 else [a.key for a in sc_a.active]
    t0 = time.perf_counter()
    res = run_seed(
        run.seed,
        population,
        params,
        sc_b,
        sc_a,
        headline.make_measure([year]),
        opts.draws,
        run.seed,
        sim,
        leave,
        headline.window([year], first, last),
    )
    seconds = time.perf_counter() - t0
    per_draw = res.timings["draws_s"] / (opts.draws + 1)
    print(f"active activities: {' '.join(a.key for a in sc_a.active) or 'none'}")
    print(f"participants: {res.n_participants:,} of {population.n:,} persons")
    print("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in res.timings.items()))
    print(f"one paired draw: {per_draw:.2f} s; one full run: {full:.2f} s")
    print(
        f"compare persons={population.n} draws={opts.draws} seconds={seconds:.1f} "
        f"full_run_seconds={full:.1f} per_draw_ratio={per_draw / full:.3f}"
    )


if __name__ == "__main__":
    main()
