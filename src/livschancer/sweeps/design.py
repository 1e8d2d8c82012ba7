"""Sensitivity designs (SALib): a sweep over design points instead of a grid.

A spec names any dotted config keys with their ranges, and a method::

    method: morris          # morris (screening) or sobol (variance-based, on fewer keys)
    seed: 1                 # seed of the design's sampler (the runs keep their own ``seed``)
    trajectories: 10        # morris: runs = trajectories * (keys + 1)
    levels: 4               # morris: grid levels per key
    # samples: 256          # sobol: base sample (a power of 2); runs = samples * (keys + 2)
    # second_order: false   # sobol: also second-order indices; runs = samples * (2 keys + 2)
    parameters:
      population.p_female: [0.45, 0.52]
      report.year: [2010, 2019]           # two integer bounds: an integer key

``livschancer design SPEC SWEEP_DIR`` samples the design and writes one config file per point
(``SWEEP_DIR/design/design_point/p0007.yaml``, ``# @package _global_``, the point's values as
nested keys) and ``SWEEP_DIR/design/design.yaml`` (the spec and the sampled matrix, which
:mod:`~livschancer.sweeps.sensitivity` needs). A Hydra multirun over the config group then runs
one job per point::

    livschancer -m --config-dir SWEEP_DIR/design '+design_point=glob(*)' hydra.sweep.dir=SWEEP_DIR

Any other swept key (``seed=range(3)``) multiplies the design: every point runs for every seed.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

#: The config group (and swept key) of the design points.
GROUP = "design_point"
DESIGN_FILE = "design.yaml"
METHODS = ("morris", "sobol")
_DEFAULTS: dict[str, dict[str, Any]] = {
    "morris": {"trajectories": 10, "levels": 4},
    "sobol": {"samples": 256, "second_order": False},
}


class DesignError(ValueError):
    """A design spec breaks a rule: ``"<field>: <rule>; got <value>"``."""

    def __init__(self, where: str, rule: str, value: object) -> None:
        super().__init__(f"{where}: {rule}; got {value!r}")


@dataclass(frozen=True)
class Parameter:
    """One design key: a dotted config key and its range."""

    name: str
    low: float
    high: float
    integer: bool = False

    def config_value(self, x: float) -> int | float:
        """The value written into a point's config (rounded for integer keys)."""
        if self.integer:
            return int(min(max(round(x), self.low), self.high))
        return float(x)


@dataclass
class Design:
    """A sampled design: method, options, parameters and the sample matrix ``x`` (points, keys)."""

    method: str
    parameters: list[Parameter]
    options: dict[str, Any] = field(default_factory=dict)
    x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def point_names(self) -> list[str]:
        width = max(4, len(str(len(self.x) - 1)))
        return [f"p{i:0{width}d}" for i in range(len(self.x))]

    def problem(self) -> dict[str, Any]:
        """The SALib problem dict."""
        return {
            "num_vars": len(self.parameters),
            "names": self.names,
            "bounds": [[p.low, p.high] for p in self.parameters],
        }

    def point_values(self, i: int) -> dict[str, int | float]:
        """Config values of point ``i`` (integer keys rounded)."""
        return {p.name: p.config_value(v) for p, v in zip(self.parameters, self.x[i], strict=True)}


def parse_spec(spec: dict[str, Any]) -> tuple[str, list[Parameter], dict[str, Any]]:
    """Check a spec (a dict read from YAML); return method, parameters and options."""
    if not isinstance(spec, dict):
        raise DesignError("<spec>", "must be a mapping", spec)
    method = spec.get("method")
    if method not in METHODS:
        raise DesignError("method", f"must be one of {list(METHODS)}", method)
    params_in = spec.get("parameters")
    if not isinstance(params_in, dict) or not params_in:
        raise DesignError("parameters", "must map dotted config keys to [low, high]", params_in)
    params = []
    for name, rng in params_in.items():
        where = f"parameters.{name}"
        if isinstance(rng, dict):
            low, high, integer = rng.get("low"), rng.get("high"), rng.get("integer")
        elif isinstance(rng, list | tuple) and len(rng) == 2:
            (low, high), integer = rng, None
        else:
            raise DesignError(where, "must be [low, high] or {low, high, integer}", rng)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in (low, high)):
            raise DesignError(where, "bounds must be finite numbers", rng)
        if not low < high:
            raise DesignError(where, "must have low < high", rng)
        if integer is None:
            integer = isinstance(low, int) and isinstance(high, int)
        params.append(Parameter(str(name), float(low), float(high), bool(integer)))
    unknown = sorted(set(spec) - {"method", "parameters", "seed", *_DEFAULTS[method]})
    if unknown:
        allowed = ["method", "parameters", "seed", *_DEFAULTS[method]]
        raise DesignError(unknown[0], f"unknown option for {method}; expected one of {allowed}", 1)
    options = {**_DEFAULTS[method], "seed": spec.get("seed", 1)}
    options.update({k: spec[k] for k in _DEFAULTS[method] if k in spec})
    return method, params, options


def sample(spec: dict[str, Any]) -> Design:
    """Sample the design of a spec with SALib."""
    method, params, options = parse_spec(spec)
    design = Design(method, params, options)
    problem = design.problem()
    seed = int(options["seed"])
    if method == "morris":
        from SALib.sample import morris

        n, levels = int(options["trajectories"]), int(options["levels"])
        if n < 2:
            raise DesignError("trajectories", "must be >= 2", n)
        for p in params:
            if p.integer and p.high - p.low < levels - 1:
                raise DesignError(
                    f"parameters.{p.name}",
                    f"an integer key needs a range of at least levels - 1 = {levels - 1}",
                    [p.low, p.high],
                )
        design.x = morris.sample(problem, n, num_levels=levels, seed=seed)
    else:
        from SALib.sample import sobol

        n = int(options["samples"])
        if n < 2 or n & (n - 1):
            raise DesignError("samples", "must be a power of 2 (Sobol' sequence)", n)
        design.x = sobol.sample(
            problem, n, calc_second_order=bool(options["second_order"]), seed=seed
        )
    return design


def _nested(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, v in values.items():
        node = out
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise DesignError(f"parameters.{dotted}", "is inside another design key", p)
        node[leaf] = v
    return out


def write(design: Design, out_dir: Path) -> Path:
    """Write ``out_dir/design.yaml`` and one ``out_dir/design_point/<name>.yaml`` per point."""
    out_dir = Path(out_dir)
    group = out_dir / GROUP
    group.mkdir(parents=True, exist_ok=True)
    for old in group.glob("p*.yaml"):
        old.unlink()
    for i, name in enumerate(design.point_names):
        body = yaml.safe_dump(_nested(design.point_values(i)), sort_keys=False)
        (group / f"{name}.yaml").write_text(
            f"# @package _global_\n# design point {name} ({design.method}, {DESIGN_FILE})\n{body}"
        )
    record = {
        "method": design.method,
        "options": design.options,
        "parameters": [
            {"name": p.name, "low": p.low, "high": p.high, "integer": p.integer}
            for p in design.parameters
        ],
        "points": design.x.tolist(),
    }
    path = out_dir / DESIGN_FILE
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    return path


def load(path: Path) -> Design:
    """Read a ``design.yaml`` written by :func:`write`."""
    rec = yaml.safe_load(Path(path).read_text())
    params = [Parameter(p["name"], p["low"], p["high"], p["integer"]) for p in rec["parameters"]]
    return Design(rec["method"], params, rec.get("options", {}), np.asarray(rec["points"], float))


def check_keys(names: list[str], overrides: list[str]) -> None:
    """Every design key must be a numeric key of the app's config (composed with overrides)."""
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from livschancer.config import register

    register()
    with initialize_config_module("livschancer.conf", version_base=None):
        cfg = compose("config", overrides=overrides)
    for name in names:
        value = OmegaConf.select(cfg, name, default=None)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DesignError(
                f"parameters.{name}",
                "must be a numeric key of the config (see `livschancer --cfg job`)",
                value,
            )
        try:  # the point files are merged as configs: OmegaConf 2.3 cannot merge one value
            # into a list element, nor into a typed dict of dicts (Dict[str, Dict[str, float]])
            OmegaConf.merge(cfg, OmegaConf.create(_nested({name: value})))
        except Exception as err:
            raise DesignError(
                f"parameters.{name}",
                "cannot be set by a design point file (OmegaConf cannot merge a single value "
                f"there, inside a list or a dict of dicts: {type(err).__name__}); sweep it as "
                "KEY=A,B instead",
                value,
            ) from None
        touched = [o for o in overrides if o.lstrip("+~").split("=")[0] == name]
        if touched:
            raise DesignError(
                f"parameters.{name}", "is set by the design; drop the override", touched[0]
            )


def main(argv: list[str] | None = None) -> int:
    """``livschancer design SPEC SWEEP_DIR [OVERRIDE ...]``: sample a design, write its points."""
    parser = argparse.ArgumentParser(
        prog="livschancer design",
        description="Sample a Morris or Sobol' design (SALib) over config keys and write one "
        "config file per design point, for a Hydra multirun into SWEEP_DIR.",
    )
    parser.add_argument("spec", type=Path, help="YAML spec: method, parameters and options")
    parser.add_argument("sweep_dir", type=Path, help="the sweep dir (design goes to .../design)")
    parser.add_argument(
        "overrides",
        nargs="*",
        help="overrides the sweep will use (checked against the design keys, and shown in the "
        "printed command)",
    )
    parser.add_argument(
        "--no-check", action="store_true", help="do not check the keys against the app's config"
    )
    args = parser.parse_args(argv)
    try:
        spec = yaml.safe_load(args.spec.read_text())
        design = sample(spec)
        if not args.no_check:
            check_keys(design.names, list(args.overrides))
    except (OSError, yaml.YAMLError, DesignError) as err:
        print(f"livschancer design: error: {err}", file=sys.stderr)
        return 2
    out = args.sweep_dir.resolve() / "design"
    write(design, out)
    cmd = [
        "livschancer",
        "-m",
        "--config-dir",
        str(out),
        f"+{GROUP}=glob(*)",
        f"hydra.sweep.dir={args.sweep_dir.resolve()}",
        *args.overrides,
    ]
    print(
        f"wrote {len(design.x)} design points ({design.method}, {len(design.parameters)} keys) "
        f"to {out}\nrun them (add hydra/launcher=local or hydra/launcher=slurm):\n  "
        + shlex.join(cmd)
        + f"\nthen:\n  livschancer collect {shlex.quote(str(args.sweep_dir.resolve()))} "
        "--indicator 'VARIABLE[dim=label,...]'"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
