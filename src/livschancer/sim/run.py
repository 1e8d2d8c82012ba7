"""simulate(): validate, pack, run the kernel and the counting pass chunk by chunk, label."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numba
import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.progress import progress
from livschancer.sim import kernel
from livschancer.sim.activities import Activity, pack_activities
from livschancer.sim.config import PopulationConfig, SimConfig
from livschancer.sim.pack import pack_parameters
from livschancer.sim.population import Population, build_population, draw_people
from livschancer.tallies.count import (
    count_records,
    empty_tallies,
    label_tallies,
    lookup,
)
from livschancer.tallies.records import People, Records, bit, empty_records
from livschancer.transitions.params import ModelParameters

log = logging.getLogger(__name__)


@dataclass
class SimResult:
    """What a simulation returns.

    tallies : Dataset of the integer tallies (``tallies/spec.py``); persons : Dataset over
    ``person`` or None; participants : uint64 ids of the persons who took part in any activity;
    timings : seconds spent drawing the population, in the kernel, counting, and in all.
    """

    tallies: xr.Dataset
    persons: xr.Dataset | None
    n_persons: int
    participants: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)


def year_tables(params: ModelParameters, population: Population) -> tuple[int, np.ndarray]:
    """First simulated calendar year and the period index of every simulated year."""
    first, last = population.years()
    years = np.arange(first, last + 1)
    return first, np.array([params.period_of(int(y)) for y in years], dtype=np.int64)


def simulate(
    seed: int,
    population: PopulationConfig | Population,
    params: ModelParameters,
    sim: SimConfig | None = None,
    activities: Sequence[Activity] = (),
    person_ids: np.ndarray | None = None,
    plan_years: Sequence[int] = (),
) -> SimResult:
    """Simulate the persons of the population (all, or ``person_ids``) from birth to 29.

    The result depends only on ``seed``, the population, the parameters, the activities and the
    persons simulated, never on ``sim`` (threads, chunk size): random numbers are keyed by
    (seed, stream, person id, age) and tallies are integer sums. Tallies are additive over
    persons: the tallies of two disjoint sets of ids add up to the tallies of their union.
    """
    sim = sim or SimConfig()
    if sim.threads > 0:
        numba.set_num_threads(min(sim.threads, numba.config.NUMBA_NUM_THREADS))
    t0 = time.perf_counter()
    pop = population if isinstance(population, Population) else build_population(population)
    year0, period_of_year = year_tables(params, pop)
    tb = pack_parameters(params, period_of_year, year0)
    acts = pack_activities(list(activities))
    lk = lookup()
    ids = (
        np.arange(pop.n, dtype=np.uint64)
        if person_ids is None
        else np.unique(np.asarray(person_ids, dtype=np.uint64))
    )
    if ids.size and int(ids[-1]) >= pop.n:
        raise ValueError(f"person id {int(ids[-1])} is outside the population (n = {pop.n})")
    tallies = empty_tallies(period_of_year.shape[0])
    chunk = max(1, int(sim.chunk_size))
    bounds = list(range(0, ids.shape[0], chunk))
    t_pop = t_kernel = t_count = 0.0
    took: list[np.ndarray] = []
    persons: list[tuple[People, Records]] = []
    for lo in progress(bounds, "simulating", total=len(bounds), enabled=sim.progress, unit="chunk"):
        hi = min(ids.shape[0], lo + chunk)
        t = time.perf_counter()
        people = draw_people(seed, pop, ids[lo:hi])
        t_pop += time.perf_counter() - t
        rec = empty_records(hi - lo)
        t = time.perf_counter()
        kernel.simulate_chunk(np.uint64(seed), people, tb, acts, rec)
        t_kernel += time.perf_counter() - t
        t = time.perf_counter()
        count_records(people, rec, year0, tallies, lk)
        t_count += time.perf_counter() - t
        took.append(people.person_id[rec.took_part == 1])
        if sim.write_persons:
            persons.append((people, rec))
    labelled = label_tallies(tallies, year0)
    persons_ds = persons_dataset(persons, plan_years) if sim.write_persons else None
    timings = {
        "population_s": t_pop,
        "kernel_s": t_kernel,
        "count_s": t_count,
        "total_s": time.perf_counter() - t0,
    }
    log.info("simulated %d persons x 30 years: %s", ids.shape[0], timings)
    participants = np.concatenate(took) if took else np.zeros(0, np.uint64)
    return SimResult(
        tallies=labelled,
        persons=persons_ds,
        n_persons=int(ids.shape[0]),
        participants=participants,
        timings=timings,
    )


def persons_dataset(parts: list[tuple[People, Records]], plan_years: Sequence[int]) -> xr.Dataset:
    """Per-person attributes and states at 29 (coded variables carry CF flag attributes);
    ``plan_years`` are the years a plan ran in the supported areas (for ``exposure_years``)."""
    if not parts:
        return xr.Dataset()
    people = People(*[np.concatenate([getattr(p, f) for p, _ in parts]) for f in People._fields])
    rec = Records(*[np.concatenate([getattr(r, f) for _, r in parts]) for f in Records._fields])
    years = people.birth_year[:, None] + np.arange(states.N_AGE)[None, :]
    present = rec.state != 255
    in_plan = np.isin(years, np.asarray(plan_years, dtype=np.int64))
    supported = rec.area == states.code("area", "supported")
    fj_act = [states.ACTIVITY.index(a) for a in states.FRITIDSJOB_ACTIVITIES]
    activity = states.ACTIVITY_OF[np.where(present, rec.state, 0)]
    lo, hi = states.FRITIDSJOB_AGES
    fritidsjob = (bit(rec, "job") == 1) & present & np.isin(activity, fj_act)
    data = {
        "person_birth_year": (people.birth_year, None),
        "arrival_age": (people.arrival_age, None),
        "person_sex": (people.sex, "sex"),
        "person_menapt": (people.menapt, "menapt"),
        "area_at_entry": (people.area0, "area"),
        "state_at_29": (rec.state[:, -1].astype(np.int8), "lifecourse"),
        "area_at_29": (rec.area[:, -1].astype(np.int8), "area"),
        "origin_rg": (bit(rec, "origin")[:, -1].astype(np.int8), "origin"),
        "fritidsjob_years": (fritidsjob[:, lo : hi + 1].sum(axis=1).astype(np.int8), None),
        "exposure_years": ((present & supported & in_plan).sum(axis=1).astype(np.int8), None),
        "supported_member": (bit(rec, "member")[:, -1].astype(np.int8), None),
        "took_part": (rec.took_part.astype(np.int8), None),
    }
    variables = {}
    for name, (values, kind) in data.items():
        attrs = {}
        if kind is not None:
            names = states.labels(kind)
            attrs = {
                "flag_values": np.arange(len(names), dtype=np.int8),
                "flag_meanings": " ".join(names),
            }
        variables[name] = xr.Variable(dims.PERSON, values, attrs)
    return xr.Dataset(variables, coords={"person_id": (dims.PERSON, people.person_id)})
