"""Small synthetic panels shared by the panel and estimation tests (never real data)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from livschancer.panel.synth import write_panel
from livschancer.sim.population import Population, build_population
from livschancer.transitions.params import ModelParameters
from tests.helpers import random_params, small_population

SEED = 11


@cache
def truth() -> ModelParameters:
    """Known parameters: random rows, no risk-flag effects (odds ratios 1; estimate.py)."""
    return random_params(3, risk_or=1.0)


@cache
def pop(per_year: int = 300, arrivals: float = 15.0) -> Population:
    return build_population(small_population(per_year=per_year, arrivals=arrivals))


def synth(path: Path, per_year: int = 300, seed: int = SEED, arrivals: float = 15.0, **kw) -> Path:
    write_panel(path, seed, pop(per_year, arrivals), truth(), overwrite=True, **kw)
    return path


def frame(path: Path) -> pd.DataFrame:
    """The panel as a DataFrame of plain strings and ints (for editing in tests)."""
    df = pd.read_parquet(path)
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(str)
    return df
