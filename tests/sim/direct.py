"""Run the engine's kernel directly on a population and keep the person-year records.

``simulate()`` only returns tallies; tests of the kernel's per-person guarantees need the
records, and tests against the NumPy twins need the exact inputs the kernel saw.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from livschancer.sim import kernel
from livschancer.sim.activities import pack_activities
from livschancer.sim.pack import pack_parameters
from livschancer.sim.population import Population, build_population, draw_people
from livschancer.sim.run import year_tables
from livschancer.tallies.records import People, Records, empty_records


class Run(NamedTuple):
    people: People
    records: Records
    year0: int
    n_year: int
    population: Population


def kernel_records(seed, population, params, activities=(), ids=None, tables=None) -> Run:
    """Records of persons ``ids`` (all by default) from ``kernel.simulate_chunk``; ``tables``
    replaces the packed parameters (to feed the kernel tables ``validate`` would refuse)."""
    pop = population if isinstance(population, Population) else build_population(population)
    year0, period_of_year = year_tables(params, pop)
    tb = tables if tables is not None else pack_parameters(params, period_of_year, year0)
    ids = np.arange(pop.n, dtype=np.uint64) if ids is None else np.asarray(ids, np.uint64)
    people = draw_people(seed, pop, ids)
    rec = empty_records(ids.shape[0])
    kernel.simulate_chunk(np.uint64(seed), people, tb, pack_activities(list(activities)), rec)
    return Run(people, rec, year0, int(period_of_year.shape[0]), pop)
