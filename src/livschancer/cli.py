"""The ``livschancer`` command: a Hydra app that runs one simulation and writes its NetCDF.

``livschancer seed=7 hydra.run.dir=DIR`` writes ``DIR/livschancer.nc``. A configuration that
breaks a rule stops with one line naming the field, the rule and the value, exit status 2, and
no output file.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import hydra
import numba
import numpy as np
import xarray as xr
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from livschancer import __version__
from livschancer.config import RunConfig, register, validate
from livschancer.errors import LivschancerError
from livschancer.outputs.indicators import summary, summary_table
from livschancer.outputs.io import write_dataset
from livschancer.sim.run import SimResult, simulate
from livschancer.transitions.params import ModelParameters
from livschancer.transitions.provisional import load_provisional

EXIT_CONFIG = 2

register()


def load_parameters(run: RunConfig) -> ModelParameters:
    """The parameter set named by the config (the shipped provisional one by default)."""
    return load_provisional(run.parameters.file)


def build_dataset(
    run: RunConfig, resolved_yaml: str, params: ModelParameters, result: SimResult
) -> xr.Dataset:
    """The run's Dataset: counts, headline indicators, optional per-person states, provenance."""
    ind = summary(result.counts, run.report.year, run.report.neet_bands, run.report.restgruppe_ages)
    ds = xr.Dataset({"counts": result.counts, **ind.data_vars})
    if result.persons is not None:
        ds = ds.merge(result.persons)
    prov = params.provenance
    ds.attrs = {
        "title": "livschancer simulation run",
        "livschancer_version": __version__,
        "seed": np.uint64(run.seed),
        "config": resolved_yaml,
        "parameters_file": prov.get("file", ""),
        "parameters_sha256": prov.get("sha256", ""),
        "parameters_status": (
            "PROVISIONAL: " + prov.get("note", "") if prov.get("provisional") == "true" else "final"
        ),
        "n_persons": np.int64(result.n_persons),
        "numpy_version": np.__version__,
        "numba_version": numba.__version__,
        "xarray_version": xr.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return ds


def run_app(cfg: DictConfig, output_dir: Path) -> Path:
    """Validate, simulate, write the NetCDF file and print the table; returns the file path."""
    run = validate(cfg)
    params = load_parameters(run)
    result = simulate(run.seed, run.population, params, run.sim, run.plan)
    ds = build_dataset(run, OmegaConf.to_yaml(cfg, resolve=True), params, result)
    path = write_dataset(ds, output_dir / run.output.file)
    table = summary_table(ds[["neet_share", "restgruppe_share"]])
    status = ds.attrs["parameters_status"]
    print(
        f"livschancer {__version__}: {result.n_persons:,} persons x 30 years, seed {run.seed}, "
        f"year {run.report.year} (kernel {result.timings['kernel_s']:.2f} s)"
    )
    if status.startswith("PROVISIONAL"):
        print(
            "NOTE: parameters are provisional (hand-built from published figures, not calibrated)."
        )
    print("Shares in % by area group and parental restgruppe origin at 15:")
    with _wide_pandas():
        print(table.to_string())
    print(f"wrote {path}")
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
    try:
        run_app(cfg, Path(HydraConfig.get().runtime.output_dir))
    except LivschancerError as err:
        # one line on stderr, no traceback (and no second copy through Hydra's console log)
        print(f"livschancer: error: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


def main() -> None:
    """Console-script entry point."""
    _app()
