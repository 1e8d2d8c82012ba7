"""RunConfig: the typed config of one run, its ConfigStore registration and validate().

The entry point calls :func:`validate` once; below it no function takes a DictConfig
(style.md 1.6). Every error names the field's dotted path, the rule and the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from livschancer import states
from livschancer.errors import ConfigError
from livschancer.sim.config import PlanConfig, PopulationConfig, SimConfig

#: Tolerance for shares that must sum to 1.
SUM_TOL = 1e-6
MAX_SEED = 2**64 - 1


@dataclass
class ParametersConfig:
    """Which parameter set drives the run."""

    #: Path of a parameter file; None (``null``) means the shipped provisional set.
    file: Optional[str] = None  # noqa: UP045 - OmegaConf needs typing.Optional


@dataclass
class ReportConfig:
    """The short table printed after a run and stored as indicators in the NetCDF file."""

    #: Calendar year of the table (the reports' latest year by default).
    year: int = 2019
    #: Age bands of the NEET shares (domain.md 4.6 and calibration.csv use these bands).
    neet_bands: list[list[int]] = field(
        default_factory=lambda: [[15, 17], [18, 20], [21, 25], [26, 29], [15, 29]]
    )
    #: Ages of the restgruppe share (restgruppe starts at 18, domain.md 2.1).
    restgruppe_ages: list[int] = field(default_factory=lambda: [18, 29])


@dataclass
class OutputConfig:
    """Where the run's NetCDF file goes, relative to Hydra's run directory."""

    file: str = "livschancer.nc"


@dataclass
class RunConfig:
    """One simulation run: seed, population, engine, plan years, parameters, report, output."""

    seed: int = 1
    population: PopulationConfig = field(default_factory=PopulationConfig)
    sim: SimConfig = field(default_factory=SimConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    parameters: ParametersConfig = field(default_factory=ParametersConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


def register() -> None:
    """Register the schema so that ``conf/config.yaml`` can extend it."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)


def validate(cfg: DictConfig | RunConfig) -> RunConfig:
    """Convert to :class:`RunConfig` and check ranges and cross-field rules.

    Raises
    ------
    ConfigError
        ``"<dotted.field>: <rule>; got <value>"`` for the first broken rule.
    """
    run = cfg if isinstance(cfg, RunConfig) else OmegaConf.to_object(cfg)
    if not isinstance(run, RunConfig):  # pragma: no cover - the schema guarantees it
        raise ConfigError("<root>", "must follow the RunConfig schema", type(run).__name__)
    if not 0 <= run.seed <= MAX_SEED:
        raise ConfigError("seed", f"must be an integer in [0, {MAX_SEED}]", run.seed)
    _check_population(run.population)
    _check_sim(run.sim)
    if run.plan.last_year < run.plan.first_year:
        raise ConfigError(
            "plan.last_year", "must not be before plan.first_year", run.plan.last_year
        )
    _check_report(run.report, run.population)
    if run.parameters.file is not None and not Path(run.parameters.file).is_file():
        raise ConfigError("parameters.file", "must be an existing file", run.parameters.file)
    if not run.output.file or "/" in run.output.file:
        raise ConfigError("output.file", "must be a plain file name", run.output.file)
    return run


def _prob(where: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or not (0.0 <= float(value) <= 1.0):
        raise ConfigError(where, "must be a probability in [0, 1]", value)
    return float(value)


def _names(where: str, mapping: dict[str, Any], kind: str) -> None:
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


def _check_population(pop: PopulationConfig) -> None:
    w = "population"
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
    _names(f"{w}.area_at_birth", pop.area_at_birth, "area")
    total = sum(_prob(f"{w}.area_at_birth.{a}", v) for a, v in pop.area_at_birth.items())
    if abs(total - 1.0) > SUM_TOL:
        raise ConfigError(f"{w}.area_at_birth", "shares must sum to 1", round(total, 9))
    _names(f"{w}.menapt_share", pop.menapt_share, "area")
    for a, v in pop.menapt_share.items():
        _prob(f"{w}.menapt_share.{a}", v)
    _names(f"{w}.parent_rg_at_birth", pop.parent_rg_at_birth, "area")
    for a, by_menapt in pop.parent_rg_at_birth.items():
        _names(f"{w}.parent_rg_at_birth.{a}", by_menapt, "menapt")
        for m, v in by_menapt.items():
            _prob(f"{w}.parent_rg_at_birth.{a}.{m}", v)


def _check_sim(sim: SimConfig) -> None:
    if sim.threads < 0:
        raise ConfigError("sim.threads", "must be >= 0 (0 = all cores)", sim.threads)
    if sim.chunk_size < 1:
        raise ConfigError("sim.chunk_size", "must be >= 1 person", sim.chunk_size)


def _check_age(where: str, age: Any) -> None:
    if not isinstance(age, int) or not states.AGE_MIN <= age <= states.AGE_MAX:
        raise ConfigError(where, f"must be an age in {states.AGE_MIN}-{states.AGE_MAX}", age)


def _check_report(rep: ReportConfig, pop: PopulationConfig) -> None:
    for i, band in enumerate(rep.neet_bands):
        if len(band) != 2:
            raise ConfigError(f"report.neet_bands[{i}]", "must be [from_age, to_age]", band)
        _check_age(f"report.neet_bands[{i}][0]", band[0])
        _check_age(f"report.neet_bands[{i}][1]", band[1])
        if band[1] < band[0]:
            raise ConfigError(f"report.neet_bands[{i}]", "to_age must be >= from_age", band)
    if len(rep.restgruppe_ages) != 2:
        raise ConfigError(
            "report.restgruppe_ages", "must be [from_age, to_age]", rep.restgruppe_ages
        )
    for j, age in enumerate(rep.restgruppe_ages):
        _check_age(f"report.restgruppe_ages[{j}]", age)
    lo, hi = rep.restgruppe_ages
    if hi < lo or lo < states.RESTGRUPPE_MIN_AGE:
        raise ConfigError(
            "report.restgruppe_ages",
            f"must be [from, to] with {states.RESTGRUPPE_MIN_AGE} <= from <= to "
            "(restgruppe is 18+)",
            rep.restgruppe_ages,
        )
    first, last = pop.first_birth_year, pop.last_birth_year + states.AGE_MAX
    if not first <= rep.year <= last:
        raise ConfigError("report.year", f"must be a simulated year ({first}-{last})", rep.year)
