"""``livschancer compare``: the paired contrast of two scenarios (model.md sections 6-7).

Runs the two scenarios (``without_plan`` and ``with_plan`` by default) on the same population
and random numbers over Monte Carlo replicates (seeds) and draws of the effect sizes, and writes
the contrast (alt minus base) of every indicator with intervals that keep Monte Carlo and
parameter uncertainty apart (``scenarios/contrast.py``), the headline contrasts also as persons
per cohort, and each activity's part of the difference (the contrast with it left out). The
cost grows with the persons the activities reach, not with the population
(``scenarios/paired.py`` says why that is exact).

Usage::

    livschancer compare [--base without_plan] [--alt with_plan] [--seeds 3] [--draws 20]
                        [--draw-seed N] [--years Y1,Y2] [--out DIR] [--no-drivers] [OVERRIDE ...]

Overrides are Hydra's (``key=value``). Those of ``scenario`` (and config-group overrides into
it, ``activity@scenario.activities.x=...``) apply to the alt arm; prefix one with ``base:`` to
send it to the base arm instead. All others (seed, population, parameters, report year) apply
to both arms, which must agree on them. The output ends with exactly one line::

    contrast indicator=restgruppe_25_29 group=supported diff_pp=D lo_pp=L hi_pp=H draws=N seconds=S
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from livschancer import __version__, config
from livschancer.cli import load_parameters
from livschancer.errors import EXIT_USAGE, ConfigError, LivschancerError, error_line
from livschancer.outputs.io import write_dataset
from livschancer.scenarios import contrast, headline
from livschancer.scenarios.build import Scenario, apply_links, build_scenario
from livschancer.scenarios.paired import SeedResult, run_seed
from livschancer.sim.config import SimConfig
from livschancer.sim.population import build_population

#: The indicator and group of the closing result line.
RESULT_INDICATOR = "restgruppe_25_29"
RESULT_GROUP = "supported"
#: Keys of the config that are the scenario's own (they may differ between the two arms).
ARM_KEYS = ("scenario", "output", "hydra")


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Options and the remaining Hydra overrides."""
    p = argparse.ArgumentParser(
        prog="livschancer compare",
        description="Contrast two scenarios (alt - base) on the same population and random "
        "numbers, over seeds and draws of the effect sizes.",
    )
    p.add_argument("--base", default="without_plan", help="base scenario (default without_plan)")
    p.add_argument("--alt", default="with_plan", help="alternative scenario (default with_plan)")
    p.add_argument(
        "--seeds", type=int, default=3, help="Monte Carlo replicates: seed, seed+1, ... (default 3)"
    )
    p.add_argument("--draws", type=int, default=20, help="draws of the effect sizes (0 = central)")
    p.add_argument("--draw-seed", type=int, default=None, help="seed of the effect draws")
    p.add_argument("--out", default=None, help="output directory (default outputs/compare/...)")
    p.add_argument("--no-drivers", action="store_true", help="skip the leave-one-out runs")
    p.add_argument(
        "--parameter-draws",
        action="store_true",
        help="each seed runs its own draw of the parameters: from the fit's covariance of a "
        "calibrated set (calibration/uncertainty.py) or the posterior of an estimated .nc set "
        "(transitions/estimate.py)",
    )
    p.add_argument(
        "--years",
        type=lambda v: [int(y) for y in v.split(",") if y],
        default=None,
        help="calendar years to contrast besides report.year (comma-separated)",
    )
    opts, rest = p.parse_known_args(argv)
    unknown = [a for a in rest if a.startswith("--")]
    if unknown:
        raise ConfigError(
            "command line", "unknown option (see livschancer compare --help)", unknown[0]
        )
    for name in ("seeds",):
        if getattr(opts, name) < 1:
            raise ConfigError(f"--{name}", "must be >= 1", getattr(opts, name))
    if opts.draws < 0:
        raise ConfigError("--draws", "must be >= 0", opts.draws)
    return opts, rest


def _key(override: str) -> str:
    key = override.split("=", 1)[0].lstrip("+~")
    return key.split("@", 1)[1] if "@" in key else key


def route_overrides(overrides: list[str]) -> tuple[list[str], list[str]]:
    """Overrides of the base arm and of the alt arm (see the module docstring)."""
    base, alt = [], []
    for o in overrides:
        if o.startswith("base:"):
            base.append(o[5:])
        elif o.startswith("alt:"):
            alt.append(o[4:])
        elif _key(o) == "scenario":
            raise ConfigError("command line", "choose the scenarios with --base and --alt", o)
        elif _key(o).startswith("scenario."):
            alt.append(o)
        else:
            base.append(o)
            alt.append(o)
    return base, alt


def _compose(overrides: list[str]) -> DictConfig:
    config.register()
    try:
        with initialize_config_module(config_module="livschancer.conf", version_base=None):
            return compose(config_name="config", overrides=overrides)
    except Exception as err:
        translated = config.from_hydra_error(err)
        if translated is None:
            raise
        raise translated from None


def _check_activity_names(scenario: str, common: list[str], own: list[str]) -> None:
    """An override of an activity the scenario does not have is an unknown activity (Hydra
    would say only that the key is not in the struct)."""
    names = None
    for o in own:
        key = _key(o)
        if o.startswith("+") or "@" in o.split("=", 1)[0]:
            continue
        parts = key.split(".")
        if len(parts) >= 3 and parts[:2] == ["scenario", "activities"]:
            if names is None:
                cfg = _compose([*common, f"scenario={scenario}"])
                names = list(cfg.scenario.activities)
            if parts[2] not in names:
                raise ConfigError(
                    f"scenario.activities.{parts[2]}",
                    f"unknown activity; scenario {scenario!r} has {names} "
                    "(add one with +activity@scenario.activities.NAME=CATALOGUE_ENTRY)",
                    parts[2],
                )


def compose_arm(
    scenario: str, overrides: list[str]
) -> tuple[DictConfig, config.RunConfig, Scenario]:
    """Compose, validate and check one arm."""
    common = [o for o in overrides if not _key(o).startswith("scenario")]
    _check_activity_names(scenario, common, [o for o in overrides if o not in common])
    cfg = _compose([*overrides, f"scenario={scenario}"])
    run = config.validate(cfg)
    sc = build_scenario(cfg.scenario)
    return cfg, run, sc


def _world(cfg: DictConfig) -> dict[str, Any]:
    data = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(data, dict)
    return {k: v for k, v in data.items() if k not in ARM_KEYS}


def _check_same_world(base: DictConfig, alt: DictConfig, sb: Scenario, sa: Scenario) -> None:
    wb, wa = _world(base), _world(alt)
    for key in sorted(set(wb) | set(wa)):
        if wb.get(key) != wa.get(key):
            raise ConfigError(
                key, "must be the same in both arms (prefix scenario overrides only)", "differs"
            )
    if sb.links and sb.links != sa.links:
        raise ConfigError(
            "scenario.links",
            "links describe the world and hold in both arms: enable them in the alt scenario",
            [lk.key for lk in sb.links],
        )


def _stack(results: list[SeedResult], field: str, key: str) -> xr.DataArray:
    per_seed = []
    for r in results:
        vals = getattr(r, field)
        per_seed.append(xr.concat([v[key] for v in vals], dim="draw"))
    return xr.concat(per_seed, dim="seed")


def contrast_dataset(results: list[SeedResult], scale: float) -> xr.Dataset:
    """The contrast of every measured indicator (``contrast``: indicator, stat, year, splits),
    the same as persons per cohort (``persons_per_cohort``: the contrast times the base arm's
    denominator per single-year age, at the scale of all Denmark), and each activity's part of
    the central contrast (``drivers``, when activities were left out)."""
    base = _stack(results, "base", "value")
    alt = _stack(results, "alt", "value")
    keys = [str(k) for k in alt["indicator"].values]
    stats = contrast.summarize(base, alt).transpose("indicator", "stat", ...)
    den = _stack(results, "base", "den").isel(draw=0).mean("seed")
    ages = xr.DataArray([headline.cohorts(k) for k in keys], dims="indicator")
    persons = stats.sel(stat=list(contrast.STATS[2:])) * den / ages / scale
    table = measured_labels(keys)
    data = {
        "contrast": stats.assign_attrs(
            units="1 (shares) or events per person-year (rates)",
            long_name="alt minus base, with 95% intervals (scenarios/contrast.py)",
        ),
        "persons_per_cohort": persons.assign_attrs(
            units="persons per single-year cohort (all Denmark)",
            long_name="contrast times the base arm's denominator per single-year age",
        ),
        "indicator_name": xr.DataArray([t[0] for t in table], dims="indicator"),
        "age_from": xr.DataArray([t[1] for t in table], dims="indicator"),
        "age_to": xr.DataArray([t[2] for t in table], dims="indicator"),
    }
    left = list(results[0].leave_out)
    if left:
        dropped = {
            a: xr.concat([r.leave_out[a]["value"] for r in results], dim="seed") for a in left
        }
        data["drivers"] = (
            contrast.drivers(base, alt, dropped)
            .transpose("indicator", "activity", ...)
            .assign_attrs(
                long_name="central contrast minus the central contrast without the activity"
            )
        )
    return xr.Dataset(data)


def measured_labels(keys: list[str]) -> list[tuple[str, int, int]]:
    """(registry indicator, age_from, age_to) of each measured key."""
    table = headline.measured()
    return [(table[k][0], table[k][1][0], table[k][1][1]) for k in keys]


def _pp(x: float) -> str:
    return "nan" if not np.isfinite(x) else f"{100 * x:+.3f}"


def _cell(da: xr.DataArray, year: int, group: str) -> xr.DataArray:
    return da.sel(year=year, group=group, origin_group="all", ethnicity="all", sex_group="all")


def print_table(ds: xr.Dataset, base: str, alt: str, year: int, group: str) -> None:
    """The short table of the headline contrasts for ``group`` in ``year``, and the drivers."""
    c = _cell(ds["contrast"], year, group)
    pc = _cell(ds["persons_per_cohort"], year, group)
    print(f"Contrast {alt} - {base}, group {group}, {year}: shares in %, differences in pp,")
    print("95% intervals total / Monte Carlo (seeds) / parameter (effect-size draws):")
    print(
        f"  {'indicator':<17}{'without':>8}{'with':>8}{'diff':>9}{'total 95%':>20}"
        f"{'MC 95%':>20}{'param 95%':>20}{'persons/cohort':>15}"
    )

    def iv(v: dict[str, float], lo: str, hi: str) -> str:
        return "[" + _pp(v[lo]) + ", " + _pp(v[hi]) + "]"

    for name in headline.HEADLINE:
        v = {s: float(c.sel(indicator=name, stat=s)) for s in contrast.STATS}
        print(
            f"  {name:<17}{100 * v['without']:>8.2f}{100 * v['with']:>8.2f}{_pp(v['diff']):>9}"
            f"{iv(v, 'lo', 'hi'):>20}{iv(v, 'mc_lo', 'mc_hi'):>20}"
            f"{iv(v, 'param_lo', 'param_hi'):>20}"
            f"{float(pc.sel(indicator=name, stat='diff')):>+15.1f}"
        )
    if "drivers" in ds:
        d = _cell(ds["drivers"], year, group).sel(indicator=RESULT_INDICATOR)
        order = np.argsort(-np.abs(d.values))
        parts = [f"{d['activity'].values[i]} {_pp(float(d.values[i]))}" for i in order]
        print(
            f"Activities behind the {RESULT_INDICATOR} difference (pp; the contrast minus the "
            f"contrast without the activity): {', '.join(parts)}"
        )


def _output_dir(out: str | None) -> Path:
    if out is not None:
        return Path(out)
    now = datetime.now()
    return Path("outputs") / "compare" / now.strftime("%Y-%m-%d") / now.strftime("%H-%M-%S-%f")


def run_compare(opts: argparse.Namespace, overrides: list[str]) -> int:
    """Compose both arms, run the paired comparison, write and print; returns 0."""
    t0 = time.perf_counter()
    base_over, alt_over = route_overrides(overrides)
    cfg_b, _, sc_b = compose_arm(opts.base, base_over)
    cfg_a, run_a, sc_a = compose_arm(opts.alt, alt_over)
    _check_same_world(cfg_b, cfg_a, sc_b, sc_a)
    out_dir = _output_dir(opts.out)
    target = out_dir / "contrast.nc"
    if target.exists():
        raise ConfigError(
            "--out", "holds a contrast.nc already; choose another directory", str(out_dir)
        )
    year = run_a.report.year
    years = sorted({year, *(opts.years or [])})
    params = apply_links(load_parameters(run_a), sc_a)
    draw_seed = run_a.seed if opts.draw_seed is None else opts.draw_seed
    if opts.parameter_draws:  # one parameter draw per seed, the same in both arms
        from livschancer.calibration.uncertainty import draw_parameters

        per_seed = [
            apply_links(draw_parameters(run_a.parameters.file, draw_seed, i), sc_a)
            for i in range(opts.seeds)
        ]
    else:
        per_seed = [params] * opts.seeds
    population = build_population(run_a.population)
    first, last = population.years()
    bad = [y for y in years if not first <= y <= last]
    if bad:
        raise ConfigError("--years", f"must be simulated years ({first}-{last})", bad)
    sim = SimConfig(threads=run_a.sim.threads, chunk_size=run_a.sim.chunk_size, progress=False)
    measure = headline.make_measure(years)
    leave = [a.key for a in sc_a.active] if not opts.no_drivers and len(sc_a.active) > 1 else []
    results = [
        run_seed(
            run_a.seed + i,
            population,
            per_seed[i],
            sc_b,
            sc_a,
            measure,
            opts.draws,
            draw_seed,
            sim,
            leave,
            headline.window(years, first, last),
        )
        for i in range(opts.seeds)
    ]
    ds = contrast_dataset(results, run_a.population.scale)
    seconds = time.perf_counter() - t0
    ds.attrs = {
        "title": f"livschancer contrast {opts.alt} - {opts.base}",
        "livschancer_version": __version__,
        "base_scenario": opts.base,
        "alt_scenario": opts.alt,
        "base_config": OmegaConf.to_yaml(cfg_b, resolve=True),
        "alt_config": OmegaConf.to_yaml(cfg_a, resolve=True),
        "seeds": np.array([r.seed for r in results], dtype=np.int64),
        "draws": np.int64(opts.draws),
        "draw_seed": np.int64(draw_seed),
        "parameter_draws": int(opts.parameter_draws),
        "participants": np.array([r.n_participants for r in results], dtype=np.int64),
        "active_activities": " ".join(a.key for a in sc_a.active) or "none",
        "evidence": " ".join(sc_a.evidence),
        "links": " ".join(f"{lk.key}={lk.odds_ratio}" for lk in sc_a.links) or "none",
        "parameters_status": params.status,
        "seconds": seconds,
    }
    path = write_dataset(ds, target)
    print(
        f"livschancer compare {__version__}: {opts.alt} - {opts.base}, {population.n:,} "
        f"persons, seeds {[r.seed for r in results]}, {opts.draws} effect draws, participants "
        f"{[r.n_participants for r in results]}"
    )
    print(f"active activities: {ds.attrs['active_activities']} (evidence: {ds.attrs['evidence']})")
    print_table(ds, opts.base, opts.alt, year, RESULT_GROUP)
    print(f"wrote {path}")
    r = _cell(ds["contrast"], year, RESULT_GROUP).sel(indicator=RESULT_INDICATOR)
    seconds = time.perf_counter() - t0
    print(
        f"contrast indicator={RESULT_INDICATOR} group={RESULT_GROUP} "
        f"diff_pp={100 * float(r.sel(stat='diff')):.4f} lo_pp={100 * float(r.sel(stat='lo')):.4f} "
        f"hi_pp={100 * float(r.sel(stat='hi')):.4f} draws={opts.draws} seconds={seconds:.1f}"
    )
    return 0


def main(argv: list[str]) -> int:
    """Entry point of ``livschancer compare``; returns the exit status (2: a bad config or
    argument, reported in one line on stderr, nothing written)."""
    try:
        opts, overrides = parse_args(list(argv))
        return run_compare(opts, overrides)
    except LivschancerError as err:
        print(error_line(err), file=sys.stderr, flush=True)
        return EXIT_USAGE
    except SystemExit as ex:  # argparse: --help (0) or a usage error (2)
        return int(ex.code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
