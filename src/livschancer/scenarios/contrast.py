"""Contrasts (alt minus base) over seeds and effect draws, with two kinds of uncertainty.

Inputs are indicator values over ``seed`` and ``draw`` (draw 0 = central effect sizes, draws
1..N from the effects' uncertainty distributions; both arms of a draw share the seed, so the
contrast of a draw is paired). For every cell of an indicator:

``without``, ``with``, ``diff``
    means over seeds at the central effect sizes; ``diff = with - without``.
``mc_lo``, ``mc_hi``
    Monte Carlo interval: ``diff`` +- t(0.975, S - 1) * sd over seeds / sqrt(S) (S >= 2 seeds;
    NaN with one). It says how precisely the runs estimate the expected contrast.
``param_lo``, ``param_hi``
    Parameter interval: the 2.5% and 97.5% quantiles over draws of the seed-mean contrast.
    Every draw uses the same seeds, so the spread over draws is the spread the effect sizes
    cause, not Monte Carlo noise (N >= 1 draws; NaN with none).
``lo``, ``hi``
    Both together: on each side of ``diff`` the half-width is the root sum of squares of the
    two intervals' extents on that side (a missing interval, or one lying wholly on the other
    side, counts as 0). The parameter interval need not contain ``diff``: a stated range whose
    central value is one of its ends draws only on one side.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import stats

STATS: tuple[str, ...] = (
    "without",
    "with",
    "diff",
    "mc_lo",
    "mc_hi",
    "param_lo",
    "param_hi",
    "lo",
    "hi",
)


def _half(distance: np.ndarray) -> np.ndarray:
    """A one-sided half-width: 0 where the bound is missing or on the other side of diff."""
    return np.where(np.isnan(distance), 0.0, np.maximum(distance, 0.0))


def summarize(base: xr.DataArray, alt: xr.DataArray) -> xr.DataArray:
    """Contrast statistics of one indicator.

    Parameters
    ----------
    base, alt
        Indicator values with leading dims ``(seed, draw)``; ``base`` may have one draw (an arm
        without activities is the same in every draw).

    Returns
    -------
    DataArray with dims ``("stat", *indicator dims)``, ``stat`` labelled by :data:`STATS`.
    """
    b = np.asarray(base.transpose("seed", "draw", ...).values, dtype=np.float64)
    a = np.asarray(alt.transpose("seed", "draw", ...).values, dtype=np.float64)
    c = a - b
    n_seed, n_draw = a.shape[0], a.shape[1]
    without = b[:, 0].mean(axis=0)
    with_ = a[:, 0].mean(axis=0)
    diff = c[:, 0].mean(axis=0)
    nan = np.full_like(diff, np.nan)
    if n_seed >= 2:
        h = stats.t.ppf(0.975, n_seed - 1) * c[:, 0].std(axis=0, ddof=1) / np.sqrt(n_seed)
        mc_lo, mc_hi = diff - h, diff + h
    else:
        mc_lo, mc_hi = nan, nan
    if n_draw >= 2:
        cbar = c[:, 1:].mean(axis=0)
        par_lo, par_hi = np.quantile(cbar, [0.025, 0.975], axis=0)
    else:
        par_lo, par_hi = nan, nan
    missing = np.isnan(mc_lo) & np.isnan(par_lo)
    lo = diff - np.hypot(_half(diff - par_lo), _half(diff - mc_lo))
    hi = diff + np.hypot(_half(par_hi - diff), _half(mc_hi - diff))
    lo = np.where(missing, np.nan, lo)
    hi = np.where(missing, np.nan, hi)
    values = np.stack([without, with_, diff, mc_lo, mc_hi, par_lo, par_hi, lo, hi])
    dims = [d for d in alt.dims if d not in ("seed", "draw")]
    coords = {d: alt.coords[d] for d in dims if d in alt.coords}
    out = xr.DataArray(values, dims=("stat", *dims), coords={"stat": list(STATS), **coords})
    out.attrs = dict(alt.attrs)
    out.attrs["seeds"] = n_seed
    out.attrs["draws"] = n_draw - 1
    return out


def drivers(
    base: xr.DataArray, alt: xr.DataArray, left_out: dict[str, xr.DataArray]
) -> xr.DataArray:
    """Each activity's part of the central contrast: ``diff - diff(without that activity)``.

    ``left_out[key]`` holds the alt arm's values over ``seed`` with activity ``key`` left out
    (central effect sizes). Returns dims ``("activity", *indicator dims)``.
    """
    b = base.transpose("seed", "draw", ...).isel(draw=0)
    diff = (alt.transpose("seed", "draw", ...).isel(draw=0) - b).mean("seed")
    parts = [diff - (left_out[k] - b).mean("seed") for k in left_out]
    if not parts:
        return xr.DataArray(np.zeros((0, *diff.shape)), dims=("activity", *diff.dims))
    out = xr.concat(parts, dim="activity")
    return out.assign_coords(activity=list(left_out))
