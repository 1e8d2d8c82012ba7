"""RunConfig: the typed config of one run, its ConfigStore registration and validate().

The entry point calls :func:`validate` once; below it no function takes a DictConfig
(style.md 1.6). Every error names the field's dotted path, the rule and the value.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from livschancer import states
from livschancer.errors import ConfigError
from livschancer.scenarios.schema import ScenarioConfig
from livschancer.sim.config import PopulationConfig, SimConfig

#: Tolerance for shares that must sum to 1.
SUM_TOL = 1e-6
MAX_SEED = 2**64 - 1
#: Birth years the engine accepts (a guard against typos such as -1000000 or 20190).
BIRTH_YEAR_MIN, BIRTH_YEAR_MAX = 1900, 2100


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
    #: Language of the HTML report: "en" or "da" (checked by outputs.report.check_language).
    language: str = "en"
    #: Published figures the report's fit section scores the run against: null = the shipped
    #: copy of shared/targets/calibration.csv (data/calibration_targets.csv), "none" = no fit
    #: section, or a path to a file in that format.
    targets: str | None = None


@dataclass
class OutputConfig:
    """Where the run's NetCDF file goes, relative to Hydra's run directory."""

    #: A plain file name (no directory part): the file goes to Hydra's run directory.
    file: str = "livschancer.nc"
    #: Replace an existing file of that name; false (the default) refuses the run instead.
    overwrite: bool = False


@dataclass
class RunConfig:
    """One simulation run: seed, population, engine, scenario (activities and plan years),
    parameters, report, output."""

    seed: int = 1
    population: PopulationConfig = field(default_factory=PopulationConfig)
    sim: SimConfig = field(default_factory=SimConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    parameters: ParametersConfig = field(default_factory=ParametersConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


def register() -> None:
    """Register the schema so that ``conf/config.yaml`` can extend it, and the resolver
    ``${livschancer.pid:}`` (this process's id) used in the default run directory."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    OmegaConf.register_new_resolver("livschancer.pid", os.getpid, replace=True)


def validate(cfg: DictConfig | RunConfig) -> RunConfig:
    """Convert to :class:`RunConfig` and check ranges and cross-field rules.

    Raises
    ------
    ConfigError
        ``"<dotted.field>: <rule>; got <value>"`` for the first broken rule.
    """
    if isinstance(cfg, RunConfig):
        run = cfg
    else:
        try:
            check_fields(cfg)
            run = OmegaConf.to_object(cfg)
        except OmegaConfBaseException as err:  # e.g. seed=${oops}, or a ??? left in a file
            raise from_omegaconf_error(
                err, raw=_raw_at(cfg, getattr(err, "full_key", ""))
            ) from None
    if not isinstance(run, RunConfig):  # pragma: no cover - the schema guarantees it
        raise ConfigError("<root>", "must follow the RunConfig schema", type(run).__name__)
    if not 0 <= run.seed <= MAX_SEED:
        raise ConfigError("seed", f"must be an integer in [0, {MAX_SEED}]", run.seed)
    _check_bounds(run)  # first: birth years far out of range would make the next checks slow
    _check_population(run.population)
    _check_sim(run.sim)
    _check_report(run.report, run.population)
    _check_report_persons(run)
    from livschancer.scenarios.build import validate_scenario

    validate_scenario(run.scenario)
    if run.parameters.file is not None and not str(run.parameters.file).endswith(".nc"):
        _check_yaml_file("parameters.file", run.parameters.file)  # a .nc set: cli.load_parameters
    name = run.output.file
    if name in ("", ".", "..") or any(c in name for c in ("/", "\\", "\0")):
        raise ConfigError(
            "output.file", "must be a plain file name (no directory part, not . or ..)", name
        )
    return run


def _check_yaml_file(where: str, file: str) -> None:
    """``file`` must exist and parse as YAML; a syntax error names the file, line and column."""
    path = Path(file)
    if not path.is_file():
        raise ConfigError(where, "must be an existing file", file)
    try:
        with path.open(encoding="utf-8") as stream:
            yaml.safe_load(stream)
    except UnicodeDecodeError as err:
        rule = f"must be UTF-8 text ({err.reason} at byte {err.start})"
        raise ConfigError(where, rule, file) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(where, f"must be valid YAML ({problem}{at})", file) from None


# --------------------------------------------------------------------------------------------
# Fields the schema does not know, and Hydra's / OmegaConf's own errors as ConfigError
# --------------------------------------------------------------------------------------------


def _join(where: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def _raw(node: Any) -> Any:
    if isinstance(node, DictConfig | ListConfig):
        return OmegaConf.to_container(node, resolve=False)
    return node._value() if hasattr(node, "_value") else node


def _raw_at(cfg: DictConfig, full_key: str | None) -> Any:
    """The unresolved value at a dotted key such as ``report.neet_bands[0]``, or None."""
    node: Any = cfg
    try:
        for part in re.findall(r"[^.\[\]]+", full_key or ""):
            key: Any = int(part) if isinstance(node, ListConfig) else part
            node = node._get_node(key, validate_access=False)
            if node is None:
                return None
        return None if node is cfg else _raw(node)
    except Exception:  # only decorates an error message
        return None


def check_fields(cfg: DictConfig | ListConfig, where: str = "") -> None:
    """Refuse keys that no schema dataclass declares and schema fields that were removed.

    Hydra lets ``+sim.thread=1`` add a key to a structured node (``+`` means "append"), and
    ``OmegaConf.to_object`` then drops it silently, so a typo would run with the default.
    Keys of plain mappings (``dict[str, float]``) are checked by the rules that use them.

    Raises
    ------
    ConfigError
        ``"sim.thread: unknown field; expected one of [...]"`` or ``"seed: is required ..."``.
    """
    if isinstance(cfg, ListConfig):
        for i in range(len(cfg)):
            child = cfg._get_node(i)
            if isinstance(child, DictConfig | ListConfig):
                check_fields(child, _join(where, i))
        return
    schema = OmegaConf.get_type(cfg)
    if schema is not None and dataclasses.is_dataclass(schema):
        names = [f.name for f in dataclasses.fields(schema)]
        for key in cfg:
            if key not in names:
                raise ConfigError(
                    _join(where, key),
                    f"unknown field; expected one of {names}",
                    _raw(cfg._get_node(key)),
                )
        for name in names:
            if cfg._get_node(name, validate_access=False) is None:
                raise ConfigError(_join(where, name), "is required (it cannot be removed)", None)
    for key in cfg:
        child = cfg._get_node(key)
        if isinstance(child, DictConfig | ListConfig):
            check_fields(child, _join(where, key))


_PLURAL = {int: "integers", float: "numbers", bool: "true/false values", str: "strings"}
_SINGULAR = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def describe_type(tp: Any, plural: bool = False) -> str:
    """``int`` -> ``"an integer"``, ``list[list[int]]`` -> ``"a list of lists of integers"``."""
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) and args:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return describe_type(inner[0], plural) + (" or null" if len(args) > 1 else "")
    if tp in _SINGULAR:
        return _PLURAL[tp] if plural else _SINGULAR[tp]
    if origin in (list, tuple):
        head = "lists" if plural else "a list"
        return f"{head} of {describe_type(args[0], True)}" if args else head
    if origin is dict or tp is dict:
        return "mappings" if plural else "a mapping"
    if dataclasses.is_dataclass(tp):
        name = getattr(tp, "__name__", str(tp))
        return f"{name} mappings" if plural else f"a {name} mapping"
    return f"values of type {tp}" if plural else f"of type {tp}"


def _field_type(err: OmegaConfBaseException) -> Any:
    """The schema type of the node an OmegaConf error is about, if it can be found."""
    owner, key = getattr(err, "object_type", None), getattr(err, "key", None)
    if owner is not None and dataclasses.is_dataclass(owner) and isinstance(key, str):
        try:
            return typing.get_type_hints(owner).get(key)
        except Exception:  # pragma: no cover - unresolvable annotations
            return None
    ref = getattr(err, "ref_type", None)
    origin, args = typing.get_origin(ref), typing.get_args(ref)
    if isinstance(key, int) and origin in (list, tuple) and args:
        return args[0]
    if isinstance(key, str) and origin is dict and len(args) == 2:
        return args[1]
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def from_omegaconf_error(
    err: OmegaConfBaseException, override: str | None = None, raw: Any = None
) -> ConfigError:
    """An OmegaConf error (wrong type, unknown key, missing value, bad interpolation) as a
    :class:`ConfigError` naming the field, the rule and the value.

    ``override`` is the command-line override that caused it (``"seed=abc"``), ``raw`` the
    unresolved value in the config (``"${oops}"``), when known.
    """
    from omegaconf.errors import (
        ConfigAttributeError,
        ConfigKeyError,
        InterpolationResolutionError,
        MissingMandatoryValue,
    )

    given = override.split("=", 1)[1] if override and "=" in override else override
    if given is None:
        given = raw
    field_ = getattr(err, "full_key", None) or (override or "").split("=", 1)[0].lstrip("+~")
    msg = _first_line(getattr(err, "msg", None) or str(err))
    owner = getattr(err, "object_type", None)
    if override and override.startswith("~"):
        return ConfigError(field_, "is required (it cannot be removed)", override)
    if isinstance(err, ConfigAttributeError | ConfigKeyError):
        if owner is not None and dataclasses.is_dataclass(owner):
            names = [f.name for f in dataclasses.fields(owner)]
            return ConfigError(field_, f"unknown field; expected one of {names}", given)
        return ConfigError(field_, f"unknown field ({msg})", given)
    if isinstance(err, MissingMandatoryValue):
        return ConfigError(field_, "must be given (it is ??? in the config)", "???")
    if isinstance(err, InterpolationResolutionError):
        return ConfigError(field_, f"interpolation cannot be resolved ({msg})", given)
    value = getattr(err, "value", None)
    if value is None and given is not None and "not Optional" in msg:
        return ConfigError(field_, "must not be null", None)
    tp = _field_type(err)
    rule = f"must be {describe_type(tp)}" if tp is not None else f"has a wrong value ({msg})"
    return ConfigError(field_, rule, value if value is not None else given)


def from_hydra_error(err: BaseException) -> ConfigError | None:
    """A config mistake Hydra reported (override syntax, unknown key, wrong type, missing
    config-group option) as a :class:`ConfigError`; None if ``err`` is not one."""
    from hydra.errors import HydraException, MissingConfigException, OverrideParseException

    if isinstance(err, OmegaConfBaseException):
        return from_omegaconf_error(err)
    if not isinstance(err, HydraException):
        return None
    text = str(err)
    if isinstance(err, MissingConfigException):
        group, _, option = (err.missing_cfg_file or "").rpartition("/")
        if group and err.options is not None:
            return ConfigError(
                group.replace("/", "."),
                f"must be one of the available options {list(err.options)}",
                option,
            )
        return ConfigError("config", "must name an existing config", err.missing_cfg_file)
    if isinstance(err, OverrideParseException):
        return ConfigError(
            "command line",
            f"must follow Hydra's override syntax ({_first_line(text)})",
            err.override,
        )
    found = re.search(r"^Error merging override (\S+)$", _first_line(text)) or re.search(
        r"use \+(\S+)", text
    )
    override = found.group(1) if found else None
    if isinstance(err.__cause__, OmegaConfBaseException):
        return from_omegaconf_error(err.__cause__, override)
    return ConfigError("command line", _first_line(text), override)


def _check_population(pop: PopulationConfig) -> None:
    """Cohorts, composition by birth year and arrivals (``sim/population.check_population``)."""
    from livschancer.sim.population import check_population

    check_population(pop)


def _cohort_sizes(run: RunConfig) -> dict[int, int] | None:
    """Persons per birth year as the engine draws them (``rint(births x scale)``, births by
    year overriding ``births_per_year``); None while the inputs break a rule that
    ``_check_population`` reports."""
    pop = run.population
    first, last, scale = pop.first_birth_year, pop.last_birth_year, pop.scale
    if last < first or not (math.isfinite(scale) and scale > 0) or pop.births_per_year < 0:
        return None
    births = dict.fromkeys(range(first, last + 1), pop.births_per_year)
    for pair in pop.births_by_year:
        if len(pair) != 2 or pair[0] not in births or pair[1] < 0:
            return None
        births[pair[0]] = pair[1]
    # round half to even, as numpy.rint in sim/run.py
    return {year: round(n * scale) for year, n in births.items()}


def _check_bounds(run: RunConfig) -> None:
    """Birth years within :data:`BIRTH_YEAR_MIN`-:data:`BIRTH_YEAR_MAX`, and at least one person.

    Uses only ``first_birth_year``, ``last_birth_year``, ``births_per_year``, ``births_by_year``
    and ``scale`` (arrivals are not counted: a run needs births).
    """
    pop = run.population
    for name in ("first_birth_year", "last_birth_year"):
        year = getattr(pop, name)
        if not BIRTH_YEAR_MIN <= year <= BIRTH_YEAR_MAX:
            raise ConfigError(
                f"population.{name}", f"must be a year in {BIRTH_YEAR_MIN}-{BIRTH_YEAR_MAX}", year
            )
    sizes = _cohort_sizes(run)
    if sizes is None or sum(sizes.values()) > 0:
        return
    if pop.births_per_year == 0 and all(n == 0 for _, n in pop.births_by_year):
        raise ConfigError(
            "population.births_per_year", "must give at least one birth (0 persons)", 0
        )
    raise ConfigError(
        "population.scale",
        "is too small: every cohort rounds to 0 persons (births x scale < 0.5)",
        pop.scale,
    )


def _check_report_persons(run: RunConfig) -> None:
    """Every age band of the report must hold simulated persons in ``report.year``; an empty
    band would print NaN everywhere."""
    sizes = _cohort_sizes(run)
    if sizes is None:
        return
    year = run.report.year
    bands = [(f"report.neet_bands[{i}]", b) for i, b in enumerate(run.report.neet_bands)]
    bands.append(("report.restgruppe_ages", run.report.restgruppe_ages))
    for where, (lo, hi) in bands:
        if sum(sizes.get(born, 0) for born in range(year - hi, year - lo + 1)) == 0:
            raise ConfigError(
                where,
                f"has no simulated persons in report.year {year} (born {year - hi}-{year - lo}; "
                f"the cohorts are {min(sizes)}-{max(sizes)})",
                [lo, hi],
            )


def _check_sim(sim: SimConfig) -> None:
    if sim.threads < 0:
        raise ConfigError("sim.threads", "must be >= 0 (0 = all cores)", sim.threads)
    if sim.chunk_size < 1:
        raise ConfigError("sim.chunk_size", "must be >= 1 person", sim.chunk_size)


def _check_age(where: str, age: Any) -> None:
    if not isinstance(age, int) or not states.AGE_MIN <= age <= states.AGE_MAX:
        raise ConfigError(where, f"must be an age in {states.AGE_MIN}-{states.AGE_MAX}", age)


def _check_report(rep: ReportConfig, pop: PopulationConfig) -> None:
    if not rep.neet_bands:
        raise ConfigError(
            "report.neet_bands", "must list at least one [from_age, to_age] band", rep.neet_bands
        )
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
