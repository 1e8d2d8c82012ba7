"""Typed configuration of the simulation: the population and the engine settings.

Dataclasses hold no logic (style.md 1.6); :func:`livschancer.sim.population.check_population`
and :func:`livschancer.config.validate` check them once. Defaults live in ``conf/`` with their
sources; the values here are the schema's fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SharesAt:
    """Shares by name at one birth year; between two points shares are interpolated linearly
    in the birth year, and held constant before the first and after the last point."""

    year: int = 2000
    shares: dict[str, float] = field(default_factory=dict)


@dataclass
class ParentRgAt:
    """P(a parent in the restgruppe at birth) by area and then MENAPT label, at a birth year."""

    year: int = 2000
    shares: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class YearValue:
    """A value at a calendar year (interpolated linearly between points)."""

    year: int = 2000
    value: float = 0.0


@dataclass
class AgeBand:
    """A share of arrivals at ages ``from_age..to_age`` (inclusive, spread evenly)."""

    from_age: int = 1
    to_age: int = 29
    share: float = 1.0


@dataclass
class ArrivalsConfig:
    """Immigrants arriving at ages 1-29 (model.md section 3).

    ``persons`` are arrivals per calendar year (before ``scale``), interpolated linearly between
    the points and zero outside them; only arrivals whose birth year lies in the simulated
    cohorts are simulated. Attributes at arrival: ``p_female``, ``menapt_share`` by arrival
    year, ``area`` (shares of the area of arrival) and ``parent_rg`` (by MENAPT label).
    """

    persons: list[YearValue] = field(default_factory=list)
    age_bands: list[AgeBand] = field(default_factory=lambda: [AgeBand()])
    p_female: float = 0.487
    menapt_share: list[YearValue] = field(default_factory=lambda: [YearValue(2000, 0.5)])
    area: dict[str, float] = field(
        default_factory=lambda: {"supported": 0.2, "other_public": 0.3, "rest": 0.5}
    )
    parent_rg: dict[str, float] = field(default_factory=lambda: {"non_menapt": 0.2, "menapt": 0.5})


@dataclass
class PopulationConfig:
    """Birth cohorts, their composition by birth year, and arrivals (model.md s.2-3)."""

    first_birth_year: int = 1971
    last_birth_year: int = 2019
    #: Births per calendar year before scaling; ``births_by_year`` overrides single years with
    #: ``[year, births]`` pairs (pairs rather than a mapping so that they can be given on the
    #: command line: ``population.births_by_year=[[1983,51000]]``).
    births_per_year: int = 60000
    births_by_year: list[list[int]] = field(default_factory=list)
    #: Multiplies every cohort size and every arrival count (1.0 = all of Denmark).
    scale: float = 1.0
    p_female: float = 0.487
    #: Share of births by area, by birth year; each point must sum to 1 over ``states.AREA``.
    area_at_birth: list[SharesAt] = field(default_factory=list)
    #: P(MENAPT background) by area at birth, by birth year.
    menapt_share: list[SharesAt] = field(default_factory=list)
    #: P(a parent in the restgruppe at birth) by area and MENAPT, by birth year.
    parent_rg_at_birth: list[ParentRgAt] = field(default_factory=list)
    arrivals: ArrivalsConfig = field(default_factory=ArrivalsConfig)


@dataclass
class SimConfig:
    """Engine settings. None of them changes results (tested): only speed and memory."""

    #: numba threads; 0 keeps numba's default (all cores).
    threads: int = 0
    #: Persons per kernel call; bounds the memory of the person-year records (4 bytes each).
    chunk_size: int = 250_000
    #: Also write each person's attributes and final state to the NetCDF file.
    write_persons: bool = False
    #: Show a progress bar over chunks (tqdm on a terminal; log lines otherwise).
    progress: bool = True
