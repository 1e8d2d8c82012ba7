"""The keyspace of a sweep: its swept keys, the jobs it asked for and the jobs it left behind.

A sweep is a Hydra multirun. Hydra saves the sweep's overrides in ``SWEEP_DIR/multirun.yaml``
and each job's own overrides in ``JOB_DIR/.hydra/overrides.yaml``. A key is *swept* when its
override in ``multirun.yaml`` is a sweep (``seed=range(10)``, ``x=0.1,0.3``, ``+g=glob(*)``);
the other overrides are *constants*. The jobs the sweep asked for are the product of the swept
values in Hydra's order (:meth:`hydra._internal.core_plugins.basic_sweeper.BasicSweeper
.split_arguments`), so job ``i`` of the product is Hydra's job number ``i`` and, on SLURM, array
task ``i``. A sweep dir may hold jobs of several invocations (a resumed or extended sweep); they
are all found by their ``.hydra/overrides.yaml`` (style.md 1.10: a sweep is a product of named
axes, written down before it runs).
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import OmegaConf

log = logging.getLogger(__name__)

#: Hydra's record of a multirun, written into the sweep dir before any job starts.
MULTIRUN_FILE = "multirun.yaml"
#: Hydra's per-job record, relative to the job dir.
OVERRIDES_FILE = Path(".hydra") / "overrides.yaml"
CONFIG_FILE = Path(".hydra") / "config.yaml"
HYDRA_FILE = Path(".hydra") / "hydra.yaml"
#: Folders of a sweep dir that never hold jobs (submitit's pickles and logs).
SKIP_DIRS = frozenset({".submitit", ".hydra"})


@dataclass(frozen=True)
class Job:
    """One job of a sweep: its swept values and where it ran (``dir`` is None if it never did)."""

    values: tuple[tuple[str, Any], ...]
    dir: Path | None = None
    #: The job's number in the latest invocation's product (= its SLURM array task id), if it
    #: is one of the latest invocation's jobs.
    num: int | None = None
    overrides: tuple[str, ...] = ()

    def label(self) -> str:
        """``key=value`` pairs of the swept values, the way a user typed them."""
        return " ".join(f"{k}={_fmt(v)}" for k, v in self.values) or "(no swept key)"


@dataclass
class Keyspace:
    """The swept keys with their values in sweep order, the constants, and every job."""

    keys: list[str]
    values: dict[str, list[Any]]
    constants: dict[str, Any] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    #: True when ``multirun.yaml`` could be expanded, so that jobs without a dir are known.
    expected_known: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.values[k]) for k in self.keys)

    def index(self, job: Job) -> tuple[int, ...]:
        """Position of a job in the grid of swept values."""
        vals = dict(job.values)
        return tuple(self.values[k].index(vals[k]) for k in self.keys)


def _fmt(value: Any) -> str:
    return "null" if value is None else str(value)


_PARSER: OverridesParser | None = None


def _parser() -> OverridesParser:
    global _PARSER
    if _PARSER is None:
        _PARSER = OverridesParser.create()
    return _PARSER


def parse_overrides(lines: Iterable[str]) -> list[Override]:
    """Parse Hydra override strings (``key=value``, ``+group=option``, sweeps)."""
    return [_parse_one(str(x)) for x in lines]


@functools.lru_cache(maxsize=4096)
def _parse_one(line: str) -> Override:
    # Hydra's grammar (ANTLR) takes a few ms per line; a sweep's jobs repeat most of their lines
    return _parser().parse_overrides([line])[0]


def override_key(ov: Override) -> str:
    """The key of an override without its ``+``/``++``/``~`` prefix (``design_point``)."""
    return ov.key_or_group if ov.package is None else f"{ov.key_or_group}@{ov.package}"


def override_value(ov: Override) -> Any:
    """A scalar coordinate value for a non-sweep override: int, float, bool or str."""
    if ov.is_delete():
        return None
    value = ov.value()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return ov.get_value_element_as_str()  # lists and dicts: their override text


def read_sweep_overrides(sweep_dir: Path) -> list[str] | None:
    """The overrides of the latest invocation (sweeper params first, as Hydra applies them)."""
    path = Path(sweep_dir) / MULTIRUN_FILE
    if not path.is_file():
        return None
    cfg = OmegaConf.load(path)
    params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None) or {}
    task = OmegaConf.select(cfg, "hydra.overrides.task", default=None) or []
    return [f"{k}={v}" for k, v in params.items()] + [str(x) for x in task]


def expand(
    overrides: list[str], glob_values: dict[str, list[str]] | None = None
) -> tuple[list[str], dict[str, Any], list[tuple[str, ...]] | None]:
    """Split a sweep's overrides into swept keys, constants and the job list.

    Returns ``(swept_keys, constants, jobs)``; each job is its tuple of override strings, in
    Hydra's job-number order. ``jobs`` is None when a ``glob(...)`` sweep cannot be listed here
    (only ``glob_values`` can list a config group's options without Hydra's config loader).
    """
    glob_values = glob_values or {}
    swept: dict[str, list[str]] = {}
    order: dict[str, list[str]] = {}  # key -> override strings, in Hydra's (dict) order
    constants: dict[str, Any] = {}
    known = True
    for ov in parse_overrides(overrides):
        if ov.is_hydra_override():
            continue
        key, elem = override_key(ov), ov.get_key_element()
        if ov.is_sweep_override():
            if ov.value_type is not None and ov.value_type.name == "GLOB_CHOICE_SWEEP":
                if key in glob_values:
                    options = ov.value().filter(glob_values[key])  # type: ignore[union-attr]
                    vals = [str(o) for o in options]
                else:
                    known, vals = False, []
            elif ov.is_discrete_sweep():
                vals = list(ov.sweep_string_iterator())
            else:
                raise ValueError(f"{ov.input_line}: only discrete sweeps can be collected")
            order[key] = swept[key] = [f"{elem}={v}" for v in vals]
            constants.pop(key, None)
        else:
            order[key] = [f"{elem}={ov.get_value_element_as_str()}"]
            constants[key] = override_value(ov)
            swept.pop(key, None)
    jobs = [tuple(x) for x in itertools.product(*order.values())] if known else None
    return list(swept), constants, jobs


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Every job dir under ``sweep_dir`` (a dir holding ``.hydra/overrides.yaml``), sorted."""
    found = []
    for path in Path(sweep_dir).rglob("overrides.yaml"):
        rel = path.relative_to(sweep_dir).parts
        if path.parent.name == ".hydra" and ".submitit" not in rel:
            found.append(path.parent.parent)
    return sorted(found)


def read_job_overrides(job_dir: Path) -> list[str]:
    # plain YAML: Hydra saved a list of strings; OmegaConf.load takes five times as long
    return [str(x) for x in yaml.safe_load((Path(job_dir) / OVERRIDES_FILE).read_text()) or []]


def _values_of(overrides: Iterable[str]) -> dict[str, Any]:
    return {override_key(ov): override_value(ov) for ov in parse_overrides(overrides)}


def build(sweep_dir: Path, glob_values: dict[str, list[str]] | None = None) -> Keyspace:
    """The keyspace of ``sweep_dir``: swept keys from ``multirun.yaml`` plus every job found.

    Without ``multirun.yaml`` the swept keys are those whose value differs between job dirs.
    A swept key missing from a job's overrides takes its value from the job's resolved config
    (a job of an earlier invocation that did not sweep it).
    """
    sweep_dir = Path(sweep_dir)
    sweep = read_sweep_overrides(sweep_dir)
    keys: list[str] = []
    constants: dict[str, Any] = {}
    expected: list[tuple[str, ...]] | None = None
    if sweep is not None:
        keys, constants, expected = expand(sweep, glob_values)
    dirs = job_dirs(sweep_dir)
    found = [(d, read_job_overrides(d)) for d in dirs]
    if sweep is None:
        per_job = [_values_of(ovs) for _, ovs in found]
        all_keys = list(dict.fromkeys(k for v in per_job for k in v))
        keys = [k for k in all_keys if len({repr(v.get(k)) for v in per_job}) > 1]
        constants = {k: per_job[0].get(k) for k in all_keys if k not in keys} if per_job else {}

    values: dict[str, list[Any]] = {k: [] for k in keys}
    jobs: dict[tuple, Job] = {}

    def add_value(key: str, value: Any) -> None:
        if value not in values[key]:
            values[key].append(value)

    for num, ovs in enumerate(expected or []):
        vals = _values_of(ovs)
        key_vals = tuple((k, vals.get(k)) for k in keys)
        for k, v in key_vals:
            add_value(k, v)
        jobs[key_vals] = Job(values=key_vals, num=num, overrides=ovs)
    for d, ovs in found:
        vals = _values_of(ovs)
        missing = [k for k in keys if k not in vals]
        if missing:
            cfg = OmegaConf.load(d / CONFIG_FILE) if (d / CONFIG_FILE).is_file() else None
            for k in missing:
                vals[k] = None if cfg is None else OmegaConf.select(cfg, k, default=None)
        key_vals = tuple((k, vals[k]) for k in keys)
        for k, v in key_vals:
            add_value(k, v)
        old = jobs.get(key_vals)
        if old is not None and old.dir is not None:
            log.warning("jobs %s and %s have the same swept values; using the first", old.dir, d)
            continue
        num = old.num if old is not None else None
        jobs[key_vals] = Job(values=key_vals, dir=d, num=num, overrides=tuple(ovs))
    return Keyspace(
        keys=keys,
        values=values,
        constants=constants,
        jobs=list(jobs.values()),
        expected_known=expected is not None,
    )
