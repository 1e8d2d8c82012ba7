"""Birth cohorts as plain arrays: ids, birth years and the attributes drawn at birth.

A person's attributes are a pure function of (seed, person id) through the ``birth_*`` streams,
so any slice of the population can be drawn on its own (chunking) with the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from livschancer.sim.kernel import draw_categorical
from livschancer.sim.rng import STREAMS, block_words, to_unit

#: The four birth streams are the four lanes of one block, in the order sex, menapt, area,
#: parent_rg (tests/sim/test_population.py checks this against ``STREAMS``).
_BIRTH_BLOCK = STREAMS["birth_sex"] // 4


@dataclass(frozen=True)
class BirthDistribution:
    """Distributions of the attributes drawn at birth, as kernel arrays.

    p_female : float; area_cum : float64 (n_area,) cumulative; p_menapt : float64 (n_area,);
    p_parent_rg : float64 (n_area, 2) by area and menapt.
    """

    p_female: float
    area_cum: np.ndarray
    p_menapt: np.ndarray
    p_parent_rg: np.ndarray


@dataclass(frozen=True)
class Cohorts:
    """Birth years and sizes; person ids run 0..n-1 through the cohorts in order."""

    years: np.ndarray  # int32 (n_cohort,)
    sizes: np.ndarray  # int64 (n_cohort,)

    @property
    def n(self) -> int:
        return int(self.sizes.sum())

    def birth_years(self, lo: int, hi: int) -> np.ndarray:
        """Birth year of persons ``lo..hi-1`` (int32)."""
        edges = np.cumsum(self.sizes)
        idx = np.searchsorted(edges, np.arange(lo, hi, dtype=np.int64), side="right")
        return self.years[idx].astype(np.int32)


@njit(cache=True, parallel=True)
def draw_births(seed, person_id, p_female, area_cum, p_menapt, p_parent_rg, sex, menapt, area, prg):
    """Fill ``sex``, ``menapt``, ``area``, ``prg`` (int8, (n,)) for ``person_id`` (uint64)."""
    for i in prange(person_id.shape[0]):
        w = block_words(seed, person_id[i], 0, _BIRTH_BLOCK)
        sex[i] = 1 if to_unit(w[0]) < p_female else 0
        a = draw_categorical(area_cum, to_unit(w[2]))
        area[i] = a
        m = 1 if to_unit(w[1]) < p_menapt[a] else 0
        menapt[i] = m
        prg[i] = 1 if to_unit(w[3]) < p_parent_rg[a, m] else 0


@dataclass
class PersonArrays:
    """The static and birth attributes of a slice of the population (kernel dtypes)."""

    person_id: np.ndarray  # uint64
    birth_year: np.ndarray  # int32
    sex: np.ndarray  # int8, states.SEX codes
    menapt: np.ndarray  # int8, states.MENAPT codes
    area: np.ndarray  # int8, states.AREA codes, area at birth
    parent_rg: np.ndarray  # int8, parent_rg at birth

    @property
    def nbytes_per_person(self) -> int:
        return sum(a.itemsize for a in vars(self).values())


def draw_population(
    seed: int, cohorts: Cohorts, births: BirthDistribution, lo: int, hi: int
) -> PersonArrays:
    """Persons ``lo..hi-1`` of the population, with their attributes at birth."""
    n = hi - lo
    pid = np.arange(lo, hi, dtype=np.uint64)
    out = PersonArrays(
        person_id=pid,
        birth_year=cohorts.birth_years(lo, hi),
        sex=np.empty(n, np.int8),
        menapt=np.empty(n, np.int8),
        area=np.empty(n, np.int8),
        parent_rg=np.empty(n, np.int8),
    )
    draw_births(
        np.uint64(seed),
        pid,
        float(births.p_female),
        births.area_cum,
        births.p_menapt,
        births.p_parent_rg,
        out.sex,
        out.menapt,
        out.area,
        out.parent_rg,
    )
    return out
