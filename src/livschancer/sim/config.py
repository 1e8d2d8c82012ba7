"""Typed configuration of the simulation: population, engine settings and plan years.

Dataclasses hold no logic (style.md 1.6); :func:`livschancer.config.validate` checks them once.
Defaults live in ``conf/`` with their sources; the values here are the schema's fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PopulationConfig:
    """Birth cohorts and the distributions of attributes drawn at birth (model.md s.2-3)."""

    first_birth_year: int = 1971
    last_birth_year: int = 2019
    #: Births per calendar year before scaling; ``births_by_year`` overrides single years with
    #: ``[year, births]`` pairs (pairs rather than a mapping so that they can be given on the
    #: command line: ``population.births_by_year=[[1983,51000]]``).
    births_per_year: int = 60000
    births_by_year: list[list[int]] = field(default_factory=list)
    #: Multiplies every cohort size (1.0 = all of Denmark).
    scale: float = 1.0
    p_female: float = 0.487
    #: Share of births by area; must sum to 1 over the names in ``states.AREA``.
    area_at_birth: dict[str, float] = field(default_factory=dict)
    #: P(MENAPT background) by area at birth.
    menapt_share: dict[str, float] = field(default_factory=dict)
    #: P(a parent in the restgruppe at birth) by area and then by menapt label.
    parent_rg_at_birth: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class PlanConfig:
    """Years in which a boligsocial helhedsplan runs in the supported areas (for ``exposure``)."""

    first_year: int = 2006
    last_year: int = 2023


@dataclass
class SimConfig:
    """Engine settings. None of them changes results (tested): only speed and memory."""

    #: numba threads; 0 keeps numba's default (all cores).
    threads: int = 0
    #: Persons per kernel call; bounds the memory of the population arrays.
    chunk_size: int = 500_000
    #: Also write each person's final state (state, area, origin, fritidsjob years, exposure,
    #: supported-area membership) to the NetCDF file.
    write_persons: bool = False
    #: Show a progress bar over chunks (tqdm; switched off automatically when not a terminal).
    progress: bool = True
