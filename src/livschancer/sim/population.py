"""The simulated population: birth cohorts and immigrant arrivals, as plain arrays.

Person ids run first through the birth cohorts in birth-year order, then through the arrivals in
(arrival year, arrival age) order. A person's attributes are a pure function of (seed, person
id) through the ``birth_*`` and ``arrival_*`` streams, so any subset of the population can be
drawn on its own (chunking, paired comparisons) with the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from livschancer import states
from livschancer.errors import ConfigError
from livschancer.sim.config import PopulationConfig
from livschancer.sim.kernel import draw_categorical
from livschancer.sim.rng import STREAMS, block_words, to_unit
from livschancer.tallies.records import People

#: The four birth streams are the four lanes of one block, in the order sex, menapt, area,
#: parent_rg; likewise the arrival streams (tests/sim/test_population.py checks both).
_BIRTH_BLOCK = STREAMS["birth_sex"] // 4
_ARRIVAL_BLOCK = STREAMS["arrival_sex"] // 4
#: Bounds on birth years: a typo must not allocate terabytes (issue: unbounded birth years).
BIRTH_YEAR_RANGE: tuple[int, int] = (1900, 2100)
SUM_TOL = 1e-6


@dataclass(frozen=True)
class Population:
    """Who is simulated: cohort sizes and arrivals, with the composition tables by year.

    births : int64 (n_cohort,) persons born in ``first_birth_year + index``
    arrivals : int64 (n_arrival_year, 30) persons arriving in ``first_arrival_year + index``
        at each age (column 0 is always 0)
    area_cum, p_menapt : float64 (n_cohort, n_area); p_parent_rg : (n_cohort, n_area, 2)
    arr_p_female : float; arr_menapt : float64 (n_arrival_year,); arr_area_cum : (n_area,);
    arr_parent_rg : float64 (2,) by MENAPT
    """

    first_birth_year: int
    births: np.ndarray
    p_female: float
    area_cum: np.ndarray
    p_menapt: np.ndarray
    p_parent_rg: np.ndarray
    first_arrival_year: int
    arrivals: np.ndarray
    arr_p_female: float
    arr_menapt: np.ndarray
    arr_area_cum: np.ndarray
    arr_parent_rg: np.ndarray

    @property
    def n_births(self) -> int:
        return int(self.births.sum())

    @property
    def n(self) -> int:
        return self.n_births + int(self.arrivals.sum())

    @property
    def last_birth_year(self) -> int:
        return self.first_birth_year + self.births.shape[0] - 1

    def years(self) -> tuple[int, int]:
        """First and last calendar year in which anyone is recorded."""
        return self.first_birth_year, self.last_birth_year + states.AGE_MAX

    def birth_year_and_arrival(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Birth year (int32) and arrival age (int8, 0 if born here) of persons ``ids``."""
        ids = np.asarray(ids, dtype=np.int64)
        by = np.empty(ids.shape[0], np.int32)
        arr = np.zeros(ids.shape[0], np.int8)
        born = ids < self.n_births
        edges = np.cumsum(self.births)
        idx = np.searchsorted(edges, ids[born], side="right")
        by[born] = self.first_birth_year + idx
        flat = np.cumsum(self.arrivals.reshape(-1))
        cell = np.searchsorted(flat, ids[~born] - self.n_births, side="right")
        year = self.first_arrival_year + cell // states.N_AGE
        age = cell % states.N_AGE
        by[~born] = year - age
        arr[~born] = age
        return by, arr


def _interp(points: list[tuple[int, np.ndarray]], years: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation of vectors given at years; constant outside."""
    xs = np.array([p[0] for p in points], dtype=float)
    vals = np.stack([np.asarray(p[1], dtype=float) for p in points])
    out = np.empty((years.shape[0], *vals.shape[1:]))
    flat = vals.reshape(len(points), -1)
    for j in range(flat.shape[1]):
        out.reshape(years.shape[0], -1)[:, j] = np.interp(years, xs, flat[:, j])
    return out


def _prob(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(where, "must be a probability in [0, 1]", value)
    if not (math.isfinite(float(value)) and 0.0 <= float(value) <= 1.0):
        raise ConfigError(where, "must be a probability in [0, 1]", value)
    return float(value)


def _names(where: str, mapping: dict, kind: str) -> None:
    allowed = states.labels(kind)
    for key in mapping:
        if key not in allowed:
            raise ConfigError(
                f"{where}.{key}", f"unknown {kind}; expected one of {list(allowed)}", key
            )
    missing = [a for a in allowed if a not in mapping]
    if missing:
        raise ConfigError(
            where, f"needs a value for every {kind} {list(allowed)}; missing", missing
        )


def _points_in_order(where: str, points: list, lo: int, hi: int) -> None:
    if not points:
        raise ConfigError(where, "needs at least one point", points)
    years = [p.year for p in points]
    if years != sorted(set(years)):
        raise ConfigError(where, "points must have increasing, distinct years", years)
    for i, y in enumerate(years):
        if not lo <= y <= hi:
            raise ConfigError(f"{where}[{i}].year", f"must lie in {lo}-{hi}", y)


def check_population(pop: PopulationConfig) -> None:
    """Check ranges, names and sums of a population config.

    Raises
    ------
    ConfigError
        ``population.<field>: <rule>; got <value>`` for the first broken rule.
    """
    w = "population"
    lo_by, hi_by = BIRTH_YEAR_RANGE
    for name in ("first_birth_year", "last_birth_year"):
        y = getattr(pop, name)
        if not lo_by <= y <= hi_by:
            raise ConfigError(f"{w}.{name}", f"must lie in {lo_by}-{hi_by}", y)
    if pop.last_birth_year < pop.first_birth_year:
        raise ConfigError(
            f"{w}.last_birth_year", "must not be before first_birth_year", pop.last_birth_year
        )
    if pop.births_per_year < 0:
        raise ConfigError(f"{w}.births_per_year", "must be >= 0", pop.births_per_year)
    seen: set[int] = set()
    for i, pair in enumerate(pop.births_by_year):
        if len(pair) != 2:
            raise ConfigError(f"{w}.births_by_year[{i}]", "must be a [year, births] pair", pair)
        year, n = pair
        if year in seen:
            raise ConfigError(f"{w}.births_by_year[{i}]", "year given twice", year)
        seen.add(year)
        if n < 0:
            raise ConfigError(f"{w}.births_by_year.{year}", "must be >= 0", n)
        if not pop.first_birth_year <= year <= pop.last_birth_year:
            raise ConfigError(
                f"{w}.births_by_year.{year}",
                f"year must lie in {pop.first_birth_year}-{pop.last_birth_year}",
                year,
            )
    if not (math.isfinite(pop.scale) and pop.scale > 0):
        raise ConfigError(f"{w}.scale", "must be a positive number", pop.scale)
    _prob(f"{w}.p_female", pop.p_female)
    _points_in_order(f"{w}.area_at_birth", pop.area_at_birth, lo_by, hi_by)
    for i, pt in enumerate(pop.area_at_birth):
        where = f"{w}.area_at_birth[{i}].shares"
        _names(where, pt.shares, "area")
        total = sum(_prob(f"{where}.{a}", v) for a, v in pt.shares.items())
        if abs(total - 1.0) > SUM_TOL:
            raise ConfigError(
                where, f"shares must sum to 1 (birth year {pt.year})", round(total, 9)
            )
    _points_in_order(f"{w}.menapt_share", pop.menapt_share, lo_by, hi_by)
    for i, pt in enumerate(pop.menapt_share):
        where = f"{w}.menapt_share[{i}].shares"
        _names(where, pt.shares, "area")
        for a, v in pt.shares.items():
            _prob(f"{where}.{a}", v)
    _points_in_order(f"{w}.parent_rg_at_birth", pop.parent_rg_at_birth, lo_by, hi_by)
    for i, pt in enumerate(pop.parent_rg_at_birth):
        where = f"{w}.parent_rg_at_birth[{i}].shares"
        _names(where, pt.shares, "area")
        for a, by_menapt in pt.shares.items():
            _names(f"{where}.{a}", by_menapt, "menapt")
            for m, v in by_menapt.items():
                _prob(f"{where}.{a}.{m}", v)
    _check_arrivals(pop)


def _check_arrivals(pop: PopulationConfig) -> None:
    w = "population.arrivals"
    arr = pop.arrivals
    lo, hi = BIRTH_YEAR_RANGE[0] + 1, BIRTH_YEAR_RANGE[1] + states.AGE_MAX
    if arr.persons:
        _points_in_order(f"{w}.persons", arr.persons, lo, hi)
    for i, p in enumerate(arr.persons):
        if not (math.isfinite(p.value) and p.value >= 0):
            raise ConfigError(f"{w}.persons[{i}].value", "arrivals must be >= 0", p.value)
    total = 0.0
    a_lo, a_hi = states.ARRIVAL_AGES
    if not arr.age_bands:
        raise ConfigError(f"{w}.age_bands", "needs at least one band", arr.age_bands)
    for i, band in enumerate(arr.age_bands):
        where = f"{w}.age_bands[{i}]"
        for name in ("from_age", "to_age"):
            age = getattr(band, name)
            if not a_lo <= age <= a_hi:
                raise ConfigError(f"{where}.{name}", f"arrival ages must lie in {a_lo}-{a_hi}", age)
        if band.to_age < band.from_age:
            raise ConfigError(where, "to_age must be >= from_age", [band.from_age, band.to_age])
        total += _prob(f"{where}.share", band.share)
    if abs(total - 1.0) > SUM_TOL:
        raise ConfigError(f"{w}.age_bands", "shares must sum to 1", round(total, 9))
    _prob(f"{w}.p_female", arr.p_female)
    _points_in_order(f"{w}.menapt_share", arr.menapt_share, BIRTH_YEAR_RANGE[0], 2200)
    for i, p in enumerate(arr.menapt_share):
        _prob(f"{w}.menapt_share[{i}].value", p.value)
    _names(f"{w}.area", arr.area, "area")
    s = sum(_prob(f"{w}.area.{a}", v) for a, v in arr.area.items())
    if abs(s - 1.0) > SUM_TOL:
        raise ConfigError(f"{w}.area", "shares must sum to 1", round(s, 9))
    _names(f"{w}.parent_rg", arr.parent_rg, "menapt")
    for m, v in arr.parent_rg.items():
        _prob(f"{w}.parent_rg.{m}", v)


def build_population(pop: PopulationConfig) -> Population:
    """Check the config and turn it into cohort sizes, arrivals and composition tables."""
    check_population(pop)
    years = np.arange(pop.first_birth_year, pop.last_birth_year + 1)
    override = {int(y): int(n) for y, n in pop.births_by_year}
    births = np.array([override.get(int(y), pop.births_per_year) for y in years], dtype=float)
    births = np.rint(births * pop.scale).astype(np.int64)
    areas = states.AREA
    area_p = _interp(
        [(p.year, [p.shares[a] for a in areas]) for p in pop.area_at_birth], years.astype(float)
    )
    area_p = area_p / area_p.sum(axis=1, keepdims=True)
    p_menapt = _interp(
        [(p.year, [p.shares[a] for a in areas]) for p in pop.menapt_share], years.astype(float)
    )
    p_prg = _interp(
        [
            (p.year, [[p.shares[a][m] for m in states.MENAPT] for a in areas])
            for p in pop.parent_rg_at_birth
        ],
        years.astype(float),
    )
    # arrivals per (arrival year, age)
    arr = pop.arrivals
    first_arr = pop.first_birth_year + 1
    arr_years = np.arange(first_arr, pop.last_birth_year + states.AGE_MAX + 1)
    if arr.persons:
        xs = np.array([p.year for p in arr.persons], dtype=float)
        vs = np.array([p.value for p in arr.persons], dtype=float)
        per_year = np.interp(arr_years, xs, vs, left=0.0, right=0.0)
    else:
        per_year = np.zeros(arr_years.shape[0])
    age_share = np.zeros(states.N_AGE)
    for band in arr.age_bands:
        n_ages = band.to_age - band.from_age + 1
        age_share[band.from_age : band.to_age + 1] += band.share / n_ages
    counts = np.rint(per_year[:, None] * age_share[None, :] * pop.scale).astype(np.int64)
    birth_years = arr_years[:, None] - np.arange(states.N_AGE)[None, :]
    inside = (birth_years >= pop.first_birth_year) & (birth_years <= pop.last_birth_year)
    counts = np.where(inside, counts, 0)
    counts[:, 0] = 0
    arr_menapt = np.interp(
        arr_years,
        np.array([p.year for p in arr.menapt_share], dtype=float),
        np.array([p.value for p in arr.menapt_share], dtype=float),
    )
    arr_area = np.array([arr.area[a] for a in areas], dtype=float)
    return Population(
        first_birth_year=pop.first_birth_year,
        births=births,
        p_female=float(pop.p_female),
        area_cum=np.ascontiguousarray(np.cumsum(area_p, axis=1)),
        p_menapt=np.ascontiguousarray(p_menapt),
        p_parent_rg=np.ascontiguousarray(p_prg),
        first_arrival_year=first_arr,
        arrivals=counts,
        arr_p_female=float(arr.p_female),
        arr_menapt=np.ascontiguousarray(arr_menapt),
        arr_area_cum=np.cumsum(arr_area / arr_area.sum()),
        arr_parent_rg=np.array([arr.parent_rg[m] for m in states.MENAPT], dtype=float),
    )


@njit(cache=True, parallel=True)
def _draw(
    seed,
    ids,
    birth_year,
    arrival_age,
    first_by,
    first_arr,
    n_births,
    p_female,
    area_cum,
    p_menapt,
    p_prg,
    a_p_female,
    a_menapt,
    a_area_cum,
    a_prg,
    sex,
    menapt,
    area,
    prg,
):
    for i in prange(ids.shape[0]):
        if ids[i] < n_births:
            w = block_words(seed, ids[i], 0, _BIRTH_BLOCK)
            c = birth_year[i] - first_by
            sex[i] = 1 if to_unit(w[0]) < p_female else 0
            a = draw_categorical(area_cum[c], to_unit(w[2]))
            area[i] = a
            m = 1 if to_unit(w[1]) < p_menapt[c, a] else 0
            menapt[i] = m
            prg[i] = 1 if to_unit(w[3]) < p_prg[c, a, m] else 0
        else:
            w = block_words(seed, ids[i], 0, _ARRIVAL_BLOCK)
            c = birth_year[i] + arrival_age[i] - first_arr
            sex[i] = 1 if to_unit(w[0]) < a_p_female else 0
            area[i] = draw_categorical(a_area_cum, to_unit(w[2]))
            m = 1 if to_unit(w[1]) < a_menapt[c] else 0
            menapt[i] = m
            prg[i] = 1 if to_unit(w[3]) < a_prg[m] else 0


def draw_people(seed: int, population: Population, ids: np.ndarray) -> People:
    """The static attributes of persons ``ids`` (uint64), drawn from their own streams."""
    ids = np.ascontiguousarray(ids, dtype=np.uint64)
    n = ids.shape[0]
    by, arr = population.birth_year_and_arrival(ids.astype(np.int64))
    out = People(
        person_id=ids,
        birth_year=by,
        sex=np.empty(n, np.int8),
        menapt=np.empty(n, np.int8),
        area0=np.empty(n, np.int8),
        parent_rg0=np.empty(n, np.int8),
        arrival_age=arr,
    )
    _draw(
        np.uint64(seed),
        ids,
        by,
        arr,
        population.first_birth_year,
        population.first_arrival_year,
        np.uint64(population.n_births),
        population.p_female,
        population.area_cum,
        population.p_menapt,
        population.p_parent_rg,
        population.arr_p_female,
        population.arr_menapt,
        population.arr_area_cum,
        population.arr_parent_rg,
        out.sex,
        out.menapt,
        out.area0,
        out.parent_rg0,
    )
    return out
