"""The ``livschancer`` command: a Hydra app that runs one simulation and writes its NetCDF.

``livschancer seed=7 hydra.run.dir=DIR`` writes ``DIR/livschancer.nc``. A configuration that
breaks a rule stops with one line naming the field, the rule and the value, exit status 2, and
no output file; that includes the mistakes Hydra itself finds (a wrong type, an unknown key, an
unknown config-group option, override syntax).

:func:`main` first looks at its arguments: ``--version``, ``--help`` and the subcommands of
:data:`SUBCOMMANDS` are handled without Hydra; everything else goes to the Hydra app.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import hydra
import numba
import numpy as np
import xarray as xr
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from livschancer import __version__
from livschancer.config import RunConfig, from_hydra_error, register, validate
from livschancer.errors import EXIT_USAGE, ConfigError, exit_on_error
from livschancer.outputs.io import write_dataset
from livschancer.outputs.labels import check_language
from livschancer.outputs.publish import publish
from livschancer.outputs.runfile import build_run_dataset, run_attrs
from livschancer.outputs.standard import standard_indicators
from livschancer.outputs.tables import summary_table
from livschancer.scenarios.build import Scenario, apply_links, build_scenario
from livschancer.sim.run import SimResult, simulate
from livschancer.sweeps.resume import result_is_complete
from livschancer.transitions import provisional
from livschancer.transitions.params import ModelParameters

EXIT_CONFIG = EXIT_USAGE

#: Subcommands run before (and without) Hydra: name -> ``"module:function"``, where the function
#: is ``main(argv: list[str]) -> int`` (an exit status). A subcommand whose module is not in this
#: version reports that in one line and exits 2.
SUBCOMMANDS: dict[str, str] = {
    "score": "livschancer.outputs.score:main",
    "compare": "livschancer.scenarios.compare:main",
    "collect": "livschancer.sweeps.collect:main",
    "design": "livschancer.sweeps.design:main",
    "synth": "livschancer.panel.synth:main",
    "calibrate": "livschancer.calibration.fit:main",
    "estimate": "livschancer.transitions.estimate:main",
    "export": "livschancer.transitions.disclosure:main",
}
SUBCOMMAND_HELP: dict[str, str] = {
    "score": "score a run file against the calibration targets",
    "compare": "contrast scenario runs (with_plan - without_plan)",
    "collect": "merge the run files of a sweep into one file",
    "design": "write a sensitivity design (Morris, Sobol) as sweep overrides; analyse it",
    "synth": "write a synthetic person-year panel",
    "calibrate": "fit the parameters to the calibration targets",
    "estimate": "estimate a parameter set from a panel or tallies (NetCDF)",
    "export": "disclosure-safe export of tallies (minimum cell size)",
}

HELP = """\
usage: livschancer [OVERRIDE ...]            run one simulation (a Hydra app)
       livschancer -m KEY=A,B [OVERRIDE ...]  a sweep (Hydra multirun)
       livschancer SUBCOMMAND [ARGS ...]      see below; SUBCOMMAND --help for its options
       livschancer --cfg job [OVERRIDE ...]   print the resolved config and stop
       livschancer --version | --help | --hydra-help

Simulates the young lives (ages 0-29) of the Danish birth cohorts 1971-2019: education, work,
NEET and restgruppe status, moves between supported (boligsocial helhedsplan), other public
and other areas, with and without the plans. Writes one NetCDF file with the transition-count
tensor and the indicators, and prints NEET and restgruppe shares by area group and parental
origin. Parameters are provisional until calibrated.

Main overrides (KEY=VALUE; the whole config: livschancer --cfg job):
  seed=7                          random streams; same seed + config = identical results
  population.scale=0.1            simulate a 10% sample of every cohort (1.0 = all of Denmark)
  population.first_birth_year=1990 population.last_birth_year=2000
  sim.threads=4                   numba threads (0 = all cores); never changes results
  sim.write_persons=true          also write each person's final state
  sim.progress=false              no progress bar / progress lines in the log
  report.year=2010 'report.neet_bands=[[18,20]]'   the printed table
  parameters.file=PATH            another parameter file (default: the shipped provisional set)
  output.file=NAME                file name in the run directory (default livschancer.nc)
  output.overwrite=true           replace an existing file of that name (default: refuse)
  hydra.run.dir=DIR               where the run's files go

Subcommands:
{subcommands}

Output: hydra.run.dir, by default outputs/<date>/<time>-<microseconds>-<pid>/ under the current
directory (unique per run), holds livschancer.nc, the log cli.log and the resolved config in
.hydra/. An existing result file is never replaced unless output.overwrite=true.

Exit status: 0 done; 2 a configuration mistake (one line "livschancer: error: ..." naming the
field, the rule and the value, before any simulation, no output file); 1 an unexpected error.
Ctrl-C or SIGTERM while the file is written leaves the complete file or none.
"""

register()


def load_parameters(run: RunConfig) -> ModelParameters:
    """The parameter set named by the config (the shipped default set by default; YAML knobs,
    a calibrated set or a stored ``.nc`` set: ``transitions.provisional.load_parameters``)."""
    return provisional.load_parameters(run.parameters.file)


def report_targets(run: RunConfig):
    """The published figures of the report's fit section (``report.targets``), or None."""
    from importlib import resources

    from livschancer.outputs.targets import read_targets

    where = run.report.targets
    if where is not None and str(where).lower() == "none":
        return None
    if where is None:
        where = str(resources.files("livschancer.data").joinpath("calibration_targets.csv"))
    df = read_targets(where)
    df.attrs["source"] = Path(where).name
    return df


def status_line(params: ModelParameters) -> str:
    """The ``parameters_status`` attribute: the set's status and its note."""
    prov = params.provenance
    status = params.status.upper()
    note = prov.get("note", "")
    return f"{status}: {note}" if note else status


def build_dataset(
    run: RunConfig,
    resolved_yaml: str,
    params: ModelParameters,
    result: SimResult,
    scenario: Scenario,
    overrides: list[str] | tuple[str, ...] = (),
) -> xr.Dataset:
    """The run's Dataset: integer tallies, indicators, optional per-person states, metadata."""
    ind = standard_indicators(result.tallies, run.report.year)
    prov = params.provenance
    attrs = run_attrs(
        seed=run.seed,
        scenario=scenario.name,
        overrides=list(overrides),
        parameters_file=prov.get("file", ""),
        parameters_sha256=prov.get("sha256", ""),
        parameters_status=status_line(params),
        config=resolved_yaml,
        report_year=run.report.year,
        activities=", ".join(a.name for a in scenario.engine_activities()) or "none",
        n_persons=int(result.n_persons),
        numpy_version=np.__version__,
        numba_version=numba.__version__,
        xarray_version=xr.__version__,
    )
    ds = build_run_dataset(result.tallies, ind, attrs)
    if result.persons is not None:
        ds = xr.merge([ds, result.persons], join="exact", combine_attrs="override")
    return ds


def run_app(
    cfg: DictConfig,
    output_dir: Path,
    overrides: list[str] | tuple[str, ...] = (),
    multirun: bool = False,
) -> Path:
    """Validate, simulate, write the NetCDF file, its tables and report, and print the table;
    returns the file path.

    In a sweep job (``multirun``) a complete result for the same config is kept and the job
    skipped (resume, :mod:`livschancer.sweeps.resume`), and the report and tables are not
    written (``livschancer collect`` gathers the sweep's run files).
    """
    run = validate(cfg)
    check_language(run.report.language)
    target = output_dir / run.output.file
    resolved = OmegaConf.to_yaml(cfg, resolve=True)
    if multirun and result_is_complete(target, resolved):
        print(f"complete already, skipped: {target}")
        return target
    if target.exists() and not run.output.overwrite and not multirun:  # refuse before simulating
        raise ConfigError(
            "output.file", "exists already; set output.overwrite=true to replace it", str(target)
        )
    scenario = build_scenario(run.scenario)
    targets = None if multirun else report_targets(run)  # a bad file stops before simulating
    params = apply_links(load_parameters(run), scenario)
    result = simulate(
        run.seed,
        run.population,
        params,
        run.sim,
        activities=scenario.engine_activities(),
        plan_years=scenario.plan_years().get("supported", ()),
    )
    ds = build_dataset(run, resolved, params, result, scenario, overrides)
    # a sweep job replaces an incomplete or stale result of its own dir
    path = write_dataset(ds, target, overwrite=run.output.overwrite or multirun)
    if multirun:
        print(f"wrote {path}")
        return path
    score = None
    if targets is not None:
        from livschancer.outputs.score import score_targets

        score = score_targets(result.tallies, targets)
    files = publish(ds, output_dir, stem=path.stem, language=run.report.language, score=score)
    print(
        f"livschancer {__version__}: {result.n_persons:,} persons x 30 years, seed {run.seed}, "
        f"scenario {scenario.name}, year {run.report.year} "
        f"(kernel {result.timings['kernel_s']:.2f} s, counting {result.timings['count_s']:.2f} s)"
    )
    if params.status != "calibrated":
        note = params.provenance.get("note", "")
        print(f"NOTE: parameters are {params.status}, not calibrated. {note}".rstrip())
    print(
        "Shares in % in the report year by area group (lives in a supported area, grew up in "
        "one by the reports' rule, the population) and parental restgruppe origin at 15:"
    )
    with _wide_pandas():
        print(summary_table(ds, run.report.language).to_string())
    if score is not None:
        from livschancer.outputs.score import summary_line

        print(
            f"fit to the published figures ({targets.attrs.get('source', 'targets')}): "
            f"{summary_line(score)}"
        )
    print(f"wrote {path}")
    print(f"report: {files['html']}")
    print(f"tables: {files['csv']}, {files['xlsx']}")
    return path


class _wide_pandas:
    def __enter__(self) -> None:
        import pandas as pd

        self._ctx = pd.option_context("display.width", 160, "display.max_columns", 20)
        self._ctx.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


@hydra.main(version_base=None, config_path="conf", config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        # a sweep job raises: Hydra records the failure and the other jobs go on (sys.exit in a
        # worker would stop the sweep); the status callback writes the error to the job's dir
        run_app(cfg, Path(hc.runtime.output_dir), list(hc.overrides.task), multirun=True)
        return
    # one line on stderr, no traceback (and no second copy through Hydra's console log)
    with exit_on_error():
        run_app(cfg, Path(hc.runtime.output_dir), list(hc.overrides.task))


def help_text() -> str:
    """The text of ``livschancer --help``."""
    lines = []
    for name, target in SUBCOMMANDS.items():
        note = "" if _available(target) else " (not in this version)"
        lines.append(f"  {name:<10} {SUBCOMMAND_HELP.get(name, '')}{note}")
    return HELP.format(subcommands="\n".join(lines))


def _available(target: str) -> bool:
    try:
        return importlib.util.find_spec(target.partition(":")[0]) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def run_subcommand(name: str, argv: list[str]) -> int:
    """Run subcommand ``name`` of :data:`SUBCOMMANDS` with ``argv``; returns its exit status.

    Its module is imported only now. A module that is not in this version gives one line
    ``livschancer: error: <name> is not available in this version`` and status 2; a
    :class:`~livschancer.errors.LivschancerError` it raises gives the usual one line and 2.
    """
    module_name, _, func_name = SUBCOMMANDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        missing = err.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            print(f"livschancer: error: {name} is not available in this version", file=sys.stderr)
            return EXIT_USAGE
        raise  # the module exists but one of its imports is missing: a real error
    with exit_on_error():
        status = getattr(module, func_name)(argv)
    return int(status or 0)


def run_hydra_app(argv: list[str]) -> None:
    """Run the Hydra app on ``argv``, turning Hydra's config errors into one line and exit 2.

    Hydra prints its own errors (five lines, exit status 1) unless ``HYDRA_FULL_ERROR`` is set,
    in which case it raises them; we set it for the call and translate what it raises
    (:func:`livschancer.config.from_hydra_error`). A user who set ``HYDRA_FULL_ERROR``
    themselves gets Hydra's full traceback, as they asked.
    """
    user_full_error = os.environ.get("HYDRA_FULL_ERROR")
    saved_argv = sys.argv
    sys.argv = [sys.argv[0] if sys.argv else "livschancer", *argv]
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        with exit_on_error():
            try:
                _app()
            except Exception as err:
                config_error = None if user_full_error else from_hydra_error(err)
                if config_error is None:
                    raise
                raise config_error from None
    finally:
        sys.argv = saved_argv
        if user_full_error is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: ``--version``, ``--help``, a subcommand, or the Hydra app."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in SUBCOMMANDS:
        sys.exit(run_subcommand(args[0], args[1:]))
    if "--version" in args or "-V" in args:
        print(f"livschancer {__version__}")
        sys.exit(0)
    if "--help" in args or "-h" in args:
        print(help_text())
        sys.exit(0)
    run_hydra_app(args)
