"""simulate(): validate, pack, call the kernel chunk by chunk, label the counts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numba
import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from livschancer import dims, states
from livschancer.sim import kernel
from livschancer.sim.config import PlanConfig, PopulationConfig, SimConfig
from livschancer.sim.pack import (
    N_CELL,
    N_STATE,
    Activity,
    KernelActivities,
    KernelParams,
    label_counts,
    pack_activities,
    pack_parameters,
)
from livschancer.sim.population import BirthDistribution, Cohorts, PersonArrays, draw_population
from livschancer.sim.rng import TAKEUP_BASE
from livschancer.transitions.params import ModelParameters

log = logging.getLogger(__name__)


@dataclass
class SimResult:
    """What a simulation returns.

    counts : DataArray with ``dims.COUNTS``; persons : Dataset over ``person`` or None;
    timings : seconds spent in population drawing, kernel and the rest.
    """

    counts: xr.DataArray
    persons: xr.Dataset | None
    n_persons: int
    timings: dict[str, float] = field(default_factory=dict)


def cohorts_from_config(pop: PopulationConfig) -> Cohorts:
    """Cohort sizes: births per year (with per-year overrides) times ``scale``, rounded."""
    years = np.arange(pop.first_birth_year, pop.last_birth_year + 1, dtype=np.int32)
    override = {int(y): int(n) for y, n in pop.births_by_year}
    births = np.array([override.get(int(y), pop.births_per_year) for y in years])
    sizes = np.rint(births * pop.scale).astype(np.int64)
    return Cohorts(years=years, sizes=sizes)


def births_from_config(pop: PopulationConfig) -> BirthDistribution:
    """Birth distributions as arrays in ``states`` code order (config already validated)."""
    area_p = np.array([pop.area_at_birth[a] for a in states.AREA], dtype=np.float64)
    return BirthDistribution(
        p_female=float(pop.p_female),
        area_cum=np.cumsum(area_p / area_p.sum()),
        p_menapt=np.array([pop.menapt_share[a] for a in states.AREA], dtype=np.float64),
        p_parent_rg=np.array(
            [[pop.parent_rg_at_birth[a][m] for m in states.MENAPT] for a in states.AREA],
            dtype=np.float64,
        ),
    )


def _year_tables(
    params: ModelParameters, plan: PlanConfig, year0: int, n_year: int
) -> tuple[np.ndarray, np.ndarray]:
    years = np.arange(year0, year0 + n_year)
    period = np.array([params.period_of(int(y)) for y in years], dtype=np.int64)
    active = (years >= plan.first_year) & (years <= plan.last_year)
    return period, active


def run_kernel(
    seed: int,
    people: PersonArrays,
    kp: KernelParams,
    ka: KernelActivities,
    year0: int,
    period_of_year: np.ndarray,
    plan_active: np.ndarray,
    counts: np.ndarray,
    final: np.ndarray,
) -> None:
    """One kernel call on a slice of the population; adds to ``counts`` (n_worker, ...)."""
    kernel.simulate_chunk(
        np.uint64(seed),
        people.person_id,
        people.birth_year,
        people.sex,
        people.menapt,
        people.area,
        people.parent_rg,
        year0,
        period_of_year,
        plan_active,
        kp.lc_cum,
        kp.move_cum,
        kp.parent_p,
        kp.fj_p,
        kp.fj_activity,
        ka.process,
        ka.age,
        ka.year,
        ka.cell,
        ka.coverage,
        ka.from_mask,
        ka.to_mask,
        ka.odds_ratio,
        ka.persist,
        TAKEUP_BASE,
        kp.birth_state,
        kp.supported,
        counts,
        final,
    )


def simulate(
    seed: int,
    population: PopulationConfig,
    params: ModelParameters,
    sim: SimConfig | None = None,
    plan: PlanConfig | None = None,
    activities: list[Activity] | tuple[Activity, ...] = (),
) -> SimResult:
    """Simulate every person of the configured cohorts from age 0 to 29.

    The result depends only on ``seed``, the population, the parameters, the plan years and
    the activities, never on ``sim`` (threads, chunk size): random numbers are keyed by
    (seed, stream, person id, age) and counts are integer sums.
    """
    sim = sim or SimConfig()
    plan = plan or PlanConfig()
    if sim.threads > 0:
        numba.set_num_threads(min(sim.threads, numba.config.NUMBA_NUM_THREADS))
    t0 = time.perf_counter()
    cohorts = cohorts_from_config(population)
    births = births_from_config(population)
    kp = pack_parameters(params)
    ka = pack_activities(list(activities))
    year0 = int(cohorts.years.min())
    n_year = int(cohorts.years.max()) + states.AGE_MAX - year0 + 1
    period_of_year, plan_active = _year_tables(params, plan, year0, n_year)
    n_worker = numba.get_num_threads()
    counts = np.zeros((n_worker, n_year, len(states.AGES), N_CELL, N_STATE, N_STATE), np.int32)
    n = cohorts.n
    final_all = np.zeros((n if sim.write_persons else 0, kernel.N_FINAL), np.int16)
    pop_parts: list[PersonArrays] = []
    t_pop = t_kernel = 0.0
    chunk = max(1, int(sim.chunk_size))
    bounds = list(range(0, n, chunk))
    for lo in tqdm(bounds, desc="simulating", unit="chunk", disable=not sim.progress or None):
        hi = min(n, lo + chunk)
        t = time.perf_counter()
        people = draw_population(seed, cohorts, births, lo, hi)
        t_pop += time.perf_counter() - t
        final = np.zeros((hi - lo if sim.write_persons else 0, kernel.N_FINAL), np.int16)
        t = time.perf_counter()
        run_kernel(seed, people, kp, ka, year0, period_of_year, plan_active, counts, final)
        t_kernel += time.perf_counter() - t
        if sim.write_persons:
            final_all[lo:hi] = final
            pop_parts.append(people)
    total = counts.sum(axis=0, dtype=np.int64)
    if total.max(initial=0) > np.iinfo(np.int32).max:  # pragma: no cover - needs > 2e9 persons
        raise OverflowError("a count cell exceeds int32")
    labelled = label_counts(total.astype(np.int32), year0)
    persons = _persons_dataset(pop_parts, final_all) if sim.write_persons else None
    timings = {
        "population_s": t_pop,
        "kernel_s": t_kernel,
        "total_s": time.perf_counter() - t0,
    }
    log.info("simulated %d persons x 30 years: %s", n, timings)
    return SimResult(counts=labelled, persons=persons, n_persons=n, timings=timings)


def _persons_dataset(parts: list[PersonArrays], final: np.ndarray) -> xr.Dataset:
    """Per-person attributes and final states; coded variables carry CF flag attributes."""
    cat = {f: np.concatenate([getattr(p, f) for p in parts]) for f in vars(parts[0])}
    data = {
        "birth_year": (cat["birth_year"], None),
        "person_sex": (cat["sex"], "sex"),
        "person_menapt": (cat["menapt"], "menapt"),
        "area_at_birth": (cat["area"], "area"),
        "parent_rg_at_birth": (cat["parent_rg"], None),
        "state_at_29": (final[:, kernel.FINAL_STATE].astype(np.int8), "lifecourse"),
        "area_at_29": (final[:, kernel.FINAL_AREA].astype(np.int8), "area"),
        "origin_rg": (final[:, kernel.FINAL_ORIGIN].astype(np.int8), "origin"),
        "fritidsjob_years": (final[:, kernel.FINAL_FRITIDSJOB_YEARS].astype(np.int8), None),
        "exposure_years": (final[:, kernel.FINAL_EXPOSURE].astype(np.int8), None),
        "supported_member": (final[:, kernel.FINAL_MEMBER].astype(np.int8), None),
    }
    variables = {}
    for name, (values, kind) in data.items():
        # Codes are stored with CF flag attributes (flag_values, flag_meanings) rather than
        # as strings: millions of variable-length strings make NetCDF writing slow.
        attrs = {}
        if kind is not None:
            names = states.labels(kind)
            attrs = {
                "flag_values": np.arange(len(names), dtype=np.int8),
                "flag_meanings": " ".join(names),
            }
        variables[name] = xr.Variable(dims.PERSON, values, attrs)
    ds = xr.Dataset(
        variables,
        coords={"person_id": (dims.PERSON, cat["person_id"])},
    )
    ds["supported_member"].attrs["description"] = (
        "lived at least 2 consecutive years in a supported area within ages 15-18 "
        "(domain.md 2.3, the 15-29 target group's rule)"
    )
    ds["exposure_years"].attrs["description"] = (
        "years lived in a supported area while a helhedsplan ran there (plan years in config)"
    )
    ds["origin_rg"].attrs["description"] = "parent_rg frozen at age 15 (domain.md 2.2)"
    return ds
