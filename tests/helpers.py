"""Small synthetic inputs for tests: random but valid parameter sets and populations."""

from __future__ import annotations

import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.sim.config import PopulationConfig
from livschancer.transitions.params import ModelParameters, Period, labels

PERIODS = (Period("early", 1900, 2007), Period("mid", 2008, 2019), Period("late", 2020, 2200))


def _coords(names: tuple[str, ...], periods: tuple[Period, ...]) -> dict[str, list]:
    return labels(names, periods)


def random_params(
    seed: int = 0, periods: tuple[Period, ...] = PERIODS, fj_or: float = 1.5, sparsity: float = 0.3
) -> ModelParameters:
    """A random valid parameter set: Dirichlet rows over the allowed transitions, with some
    allowed transitions set to exactly zero (``sparsity``) to exercise zero-probability cells."""
    rng = np.random.default_rng(seed)
    allowed = states.allowed_matrix()
    n_p = len(periods)
    shape = (n_p, 30, 2, 2, 3, 2, len(states.LIFECOURSE), len(states.LIFECOURSE))
    g = rng.gamma(0.7, size=shape)
    keep = allowed & (rng.random(shape) > sparsity)
    # always keep staying put (when allowed) so that every row has mass
    diag = np.eye(len(states.LIFECOURSE), dtype=bool)
    keep |= diag & allowed
    g = np.where(keep, g, 0.0)
    lc = g / g.sum(axis=-1, keepdims=True)
    lc[:, 0] = np.eye(len(states.LIFECOURSE))
    mv = rng.gamma(1.0, size=(30, 2, 2, 3, 3)) + 3 * np.eye(3)
    mv /= mv.sum(axis=-1, keepdims=True)
    return ModelParameters(
        lifecourse=xr.DataArray(
            lc, dims=dims.LIFECOURSE_PROBS, coords=_coords(dims.LIFECOURSE_PROBS, periods)
        ),
        move=xr.DataArray(mv, dims=dims.MOVE_PROBS, coords=_coords(dims.MOVE_PROBS, periods)),
        parent=xr.DataArray(
            rng.uniform(0.05, 0.95, size=(n_p, 3, 2, 2)),
            dims=dims.PARENT_PROBS,
            coords=_coords(dims.PARENT_PROBS, periods),
        ),
        fritidsjob=xr.DataArray(
            rng.uniform(0.05, 0.95, size=(n_p, 30, 2, 2, 3, 2)),
            dims=dims.FRITIDSJOB_PROBS,
            coords=_coords(dims.FRITIDSJOB_PROBS, periods),
        ),
        fritidsjob_youth_edu_or=fj_or,
        periods=periods,
        provenance={"file": "random", "provisional": "true"},
    ).validate("random_params")


def small_population(per_year: int = 500, first: int = 1995, last: int = 2000) -> PopulationConfig:
    """A few small cohorts with every covariate cell well represented."""
    return PopulationConfig(
        first_birth_year=first,
        last_birth_year=last,
        births_per_year=per_year,
        scale=1.0,
        p_female=0.5,
        area_at_birth={"supported": 0.3, "other_public": 0.3, "rest": 0.4},
        menapt_share={"supported": 0.5, "other_public": 0.3, "rest": 0.2},
        parent_rg_at_birth={
            "supported": {"non_menapt": 0.4, "menapt": 0.6},
            "other_public": {"non_menapt": 0.3, "menapt": 0.5},
            "rest": {"non_menapt": 0.1, "menapt": 0.3},
        },
    )
