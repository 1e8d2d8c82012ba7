"""Resume: is a job's result already there and complete, so that a rerun can skip the job?

Run files are written atomically (``outputs/io.write_dataset``: temporary file, then rename), so
a file at the result path is either a whole file or none. Complete means: the file opens as
NetCDF and carries the provenance attributes every run writes (:data:`REQUIRED_ATTRS`), and,
when the caller passes its resolved config, the file was written for the same config. Keys that
never change results (:data:`ENGINE_KEYS`: threads, chunk size, progress bar) are ignored in
that comparison, so a rerun with other engine settings still skips.

The app calls :func:`result_is_complete` at the top of a multirun job, after validating the
config and before simulating.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import netCDF4
import yaml

log = logging.getLogger(__name__)

#: Attributes that every run file carries (``cli.build_dataset``).
REQUIRED_ATTRS = ("config", "seed", "livschancer_version")
#: Config keys that never change results (README: bit-identical whatever the threads or chunks).
ENGINE_KEYS = ("sim.threads", "sim.chunk_size", "sim.progress")


def _without_engine_keys(config: dict[str, Any]) -> dict[str, Any]:
    for dotted in ENGINE_KEYS:
        *parents, leaf = dotted.split(".")
        node: Any = config
        for p in parents:
            node = node.get(p) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return config


def same_config(a: str, b: str) -> bool:
    """Whether two resolved YAML configs are equal apart from :data:`ENGINE_KEYS`."""
    try:
        da, db = yaml.safe_load(a), yaml.safe_load(b)
    except yaml.YAMLError:
        return False
    if not (isinstance(da, dict) and isinstance(db, dict)):
        return da == db
    return _without_engine_keys(da) == _without_engine_keys(db)


def result_attrs(path: str | Path) -> dict[str, Any] | None:
    """The global attributes of a result file, or None if it is missing or does not open."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        # netCDF4 directly: a tenth of the time of xr.open_dataset (collect checks every job)
        with netCDF4.Dataset(path, "r") as nc:
            return {k: nc.getncattr(k) for k in nc.ncattrs()}
    except Exception as err:  # a truncated or foreign file: not a complete result
        log.warning("%s does not open as a run file (%s: %s)", path, type(err).__name__, err)
        return None


def result_is_complete(path: str | Path, config: str | None = None) -> bool:
    """True if ``path`` is a complete run file (for ``config``, if given).

    Parameters
    ----------
    path
        The job's result file (``JOB_DIR/livschancer.nc``).
    config
        The job's resolved config as YAML (``OmegaConf.to_yaml(cfg, resolve=True)``, as stored
        in the file's ``config`` attribute). If given, a file written for another config is not
        complete (the job must run again); engine keys are ignored.
    """
    attrs = result_attrs(path)
    if attrs is None:
        return False
    missing = [a for a in REQUIRED_ATTRS if a not in attrs]
    if missing:
        log.warning("%s lacks the run attributes %s: not a complete result", path, missing)
        return False
    if config is not None and not same_config(str(attrs["config"]), config):
        log.warning("%s was written for another config: the job runs again", path)
        return False
    return True
