"""Small synthetic inputs for tests: random but valid parameter sets and populations."""

from __future__ import annotations

import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.sim.config import (
    AgeBand,
    ArrivalsConfig,
    ParentRgAt,
    PopulationConfig,
    SharesAt,
    YearValue,
)
from livschancer.transitions.params import ModelParameters, Period, labels

PERIODS = (Period("early", 1900, 2007), Period("mid", 2008, 2019), Period("late", 2020, 2200))


def _da(values: np.ndarray, names: tuple[str, ...], periods: tuple[Period, ...]) -> xr.DataArray:
    return xr.DataArray(values, dims=names, coords=labels(names, periods))


def _shape(names: tuple[str, ...], periods: tuple[Period, ...]) -> tuple[int, ...]:
    return tuple(len(v) for v in labels(names, periods).values())


def random_params(
    seed: int = 0,
    periods: tuple[Period, ...] = PERIODS,
    risk_or: float | None = None,
    sparsity: float = 0.3,
) -> ModelParameters:
    """A random valid parameter set: Dirichlet rows over the allowed transitions, with some
    allowed transitions set to exactly zero (``sparsity``) to exercise zero-probability cells;
    risk odds ratios random in [0.5, 2] (or all ``risk_or``)."""
    rng = np.random.default_rng(seed)
    allowed = states.allowed_matrix()
    shape = _shape(dims.LIFECOURSE_PROBS, periods)
    g = rng.gamma(0.7, size=shape)
    keep = allowed & (rng.random(shape) > sparsity)
    diag = np.eye(states.N_STATE, dtype=bool)
    keep |= diag & allowed
    g = np.where(keep, g, 0.0)
    lc = g / g.sum(axis=-1, keepdims=True)
    lc[:, 0] = np.eye(states.N_STATE)
    mv = rng.gamma(1.0, size=_shape(dims.MOVE_PROBS, periods)) + 3 * np.eye(3)
    mv /= mv.sum(axis=-1, keepdims=True)
    job = rng.uniform(0.05, 0.95, size=_shape(dims.JOB_PROBS, periods))
    ages = np.array(states.AGES)
    lo, hi = states.JOB_AGES
    enrolled = np.array([a in states.ENROLLED for a in states.ACTIVITY])
    job *= ((ages >= lo) & (ages <= hi))[None, :, None, None, None, None, None]
    job *= enrolled[None, None, None, None, None, :, None]
    crime = rng.uniform(0.01, 0.4, size=_shape(dims.CRIME_PROBS, periods))
    crime *= (ages >= states.SUSPICION_AGES[0])[None, :, None, None, None, None, None]
    n_r, n_g = len(states.RISKS), len(states.RISK_GROUPS)
    ors = np.full((n_r, n_g), risk_or) if risk_or is not None else rng.uniform(0.5, 2, (n_r, n_g))
    return ModelParameters(
        lifecourse=_da(lc, dims.LIFECOURSE_PROBS, periods),
        move=_da(mv, dims.MOVE_PROBS, periods),
        parent=_da(
            rng.uniform(0.05, 0.95, _shape(dims.PARENT_PROBS, periods)), dims.PARENT_PROBS, periods
        ),
        job=_da(job, dims.JOB_PROBS, periods),
        poverty=_da(
            rng.uniform(0.05, 0.9, _shape(dims.POVERTY_PROBS, periods)), dims.POVERTY_PROBS, periods
        ),
        parent_psych=_da(
            rng.uniform(0.0, 0.1, _shape(dims.PSYCH_PROBS, periods)), dims.PSYCH_PROBS, periods
        ),
        crime=_da(crime, dims.CRIME_PROBS, periods),
        risk_or=_da(ors, dims.RISK_OR, periods),
        periods=periods,
        provenance={"file": "random", "status": "provisional"},
    ).validate("random_params")


def small_population(
    per_year: int = 500, first: int = 1995, last: int = 2000, arrivals: float = 0.0
) -> PopulationConfig:
    """A few small cohorts with every covariate cell well represented; ``arrivals`` persons a
    year arrive at ages 1-29 (birth years inside the cohorts only)."""
    return PopulationConfig(
        first_birth_year=first,
        last_birth_year=last,
        births_per_year=per_year,
        scale=1.0,
        p_female=0.5,
        area_at_birth=[
            SharesAt(first, {"supported": 0.3, "other_public": 0.3, "rest": 0.4}),
            SharesAt(last, {"supported": 0.4, "other_public": 0.3, "rest": 0.3}),
        ],
        menapt_share=[
            SharesAt(first, {"supported": 0.3, "other_public": 0.2, "rest": 0.1}),
            SharesAt(last, {"supported": 0.6, "other_public": 0.3, "rest": 0.2}),
        ],
        parent_rg_at_birth=[
            ParentRgAt(
                first,
                {
                    "supported": {"non_menapt": 0.4, "menapt": 0.6},
                    "other_public": {"non_menapt": 0.3, "menapt": 0.5},
                    "rest": {"non_menapt": 0.1, "menapt": 0.3},
                },
            )
        ],
        arrivals=ArrivalsConfig(
            persons=[YearValue(first + 1, arrivals), YearValue(last + 29, arrivals)],
            age_bands=[AgeBand(1, 14, 0.5), AgeBand(15, 29, 0.5)],
            p_female=0.45,
            menapt_share=[YearValue(first, 0.5), YearValue(last + 29, 0.8)],
            area={"supported": 0.4, "other_public": 0.3, "rest": 0.3},
            parent_rg={"non_menapt": 0.2, "menapt": 0.5},
        ),
    )
