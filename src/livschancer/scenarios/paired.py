"""Paired scenario runs whose cost grows with the persons an activity reaches.

Why it is exact. Every random number is keyed by (seed, person id, age, stream) and take-up
streams by the activity's name, so a person who takes part in no activity in a run where every
odds ratio is 1 (the *null* run, whose trajectories are those of a run without the activities)
reaches the first year of any activity in the same state whatever the effect sizes, draws the
same take-up number there, and again does not take part: their trajectory is the same in every
arm and every draw. Tallies are integer sums over persons, so for the participants ``P`` of the
null run

    tallies(arm) = tallies(null, everyone) - tallies(null, P) + tallies(arm, P)

holds exactly (``tests/scenarios/test_paired.py`` checks it bit for bit). Per seed the scheme
needs one full null run per arm that has activities (the first gives the without tallies and,
with the participants, ``P``), one subset run ``tallies(null, P)``, and per effect draw one
subset run per arm with activities.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from livschancer.scenarios.build import Scenario
from livschancer.scenarios.draws import scenario_draw
from livschancer.sim.activities import Activity
from livschancer.sim.config import SimConfig
from livschancer.sim.population import Population
from livschancer.sim.run import simulate
from livschancer.transitions.params import ModelParameters

log = logging.getLogger(__name__)

#: A measurement of a tallies Dataset: indicator name -> labelled values.
Measure = Callable[[xr.Dataset], dict[str, xr.DataArray]]


@dataclass
class SeedResult:
    """The measurements of one seed.

    ``base[d]`` and ``alt[d]``: the indicators of each arm in draw ``d`` (draw 0 = central
    effect sizes; ``base`` has one entry when the base arm has no active activities);
    ``leave_out[key]``: the alt arm at central effect sizes without activity ``key``.
    """

    seed: int
    base: list[dict[str, xr.DataArray]]
    alt: list[dict[str, xr.DataArray]]
    leave_out: dict[str, dict[str, xr.DataArray]]
    n_participants: int
    timings: dict[str, float] = field(default_factory=dict)


def add_tallies(rest: xr.Dataset, part: xr.Dataset) -> xr.Dataset:
    """``rest + part`` tally by tally. Exact in the tallies' int32: every cell of the result
    counts persons of one population, so it cannot overflow where the full run did not."""
    return xr.Dataset({name: rest[name] + part[name] for name in rest.data_vars}, attrs=rest.attrs)


def sub_tallies(full: xr.Dataset, part: xr.Dataset) -> xr.Dataset:
    """``full - part`` tally by tally (``part`` counts a subset of ``full``'s persons, so no
    cell goes below zero)."""
    return xr.Dataset({name: full[name] - part[name] for name in full.data_vars}, attrs=full.attrs)


def trim_years(tallies: xr.Dataset, window: tuple[int, int] | None) -> xr.Dataset:
    """The tallies of calendar years ``window`` (``year`` and ``entry_year``), or all."""
    if window is None:
        return tallies
    sl = slice(int(window[0]), int(window[1]))
    return tallies.sel(year=sl, entry_year=sl)


def run_seed(
    seed: int,
    population: Population,
    params: ModelParameters,
    base: Scenario,
    alt: Scenario,
    measure: Measure,
    draws: int,
    draw_seed: int,
    sim: SimConfig | None = None,
    leave_out: Sequence[str] = (),
    window: tuple[int, int] | None = None,
) -> SeedResult:
    """Measure both arms on one seed, for draws 0..``draws`` and each left-out activity.

    ``window``: the calendar years ``measure`` needs; the tallies are cut to them before they
    are added and measured (the measurement must not change: ``headline.window``).
    """
    t_start = time.perf_counter()
    sim = sim or SimConfig(progress=False)
    t: dict[str, float] = {"full_s": 0.0, "subset_s": 0.0, "measure_s": 0.0, "add_s": 0.0}

    def run(acts: Sequence[Activity], ids: np.ndarray | None, key: str):
        t0 = time.perf_counter()
        res = simulate(seed, population, params, sim, activities=acts, person_ids=ids)
        res.tallies = trim_years(res.tallies, window)
        t[key] += time.perf_counter() - t0
        return res

    def meas(tallies: xr.Dataset) -> dict[str, xr.DataArray]:
        t0 = time.perf_counter()
        out = measure(tallies)
        t["measure_s"] += time.perf_counter() - t0
        return out

    arms = [a for a in (alt, base) if a.active]
    if arms:
        null = run(arms[0].engine_activities(null=True), None, "full_s")
        participants = null.participants
        for other in arms[1:]:
            extra = run(other.engine_activities(null=True), None, "full_s").participants
            participants = np.union1d(participants, extra)
        ids = np.unique(participants.astype(np.uint64))
        sub = run(arms[0].engine_activities(null=True), ids, "subset_s")
        rest = sub_tallies(null.tallies, sub.tallies)
        without = meas(null.tallies)
    else:  # neither arm has an activity that can change anything: one run is both arms
        null = run((), None, "full_s")
        ids = np.zeros(0, np.uint64)
        rest = None
        without = meas(null.tallies)
    del null

    def arm_values(sc: Scenario, d: int, drop: str | None = None) -> dict[str, xr.DataArray]:
        if not sc.active or rest is None:
            return without
        acts = scenario_draw(sc, d, draw_seed, leave_out=drop)
        if not acts:
            return without
        part = run(acts, ids, "subset_s").tallies
        t0 = time.perf_counter()
        total = add_tallies(rest, part)
        t["add_s"] += time.perf_counter() - t0
        return meas(total)

    t0 = time.perf_counter()
    alt_vals = [arm_values(alt, d) for d in range(draws + 1)]
    base_vals = [arm_values(base, d) for d in range(draws + 1)] if base.active else [without]
    t1 = time.perf_counter()
    dropped = {key: arm_values(alt, 0, drop=key) for key in leave_out}
    t["draws_s"] = t1 - t0  # draws 0..N of both arms (subset runs, sums, measurements)
    t["leave_out_s"] = time.perf_counter() - t1
    t["total_s"] = time.perf_counter() - t_start
    log.info("seed %d: %d participants, %s", seed, ids.size, t)
    return SeedResult(
        seed=seed,
        base=base_vals,
        alt=alt_vals,
        leave_out=dropped,
        n_participants=int(ids.size),
        timings=t,
    )
