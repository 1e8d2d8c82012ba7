"""Tests of scenarios/contrast.py: Monte Carlo and parameter intervals kept apart."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from livschancer.scenarios.contrast import drivers, summarize


def _da(values):
    v = np.asarray(values, dtype=float)
    return xr.DataArray(v, dims=("seed", "draw", "cell")[: v.ndim])


def test_summary_of_known_numbers():
    base = _da([[[0.10]], [[0.12]], [[0.14]]])  # 3 seeds, one draw (no activities)
    shift = np.array([0.0, 0.01, 0.02, 0.03, 0.04])  # draw 0 central, then 4 draws
    noise = np.array([0.001, -0.001, 0.0])
    alt = _da(base.values[:, :1, :] + 0.02 + shift[None, :, None] + noise[:, None, None])
    s = summarize(base, alt).sel(cell=0)
    assert float(s.sel(stat="without")) == pytest.approx(0.12)
    assert float(s.sel(stat="diff")) == pytest.approx(0.02)
    h = stats.t.ppf(0.975, 2) * np.std(noise, ddof=1) / np.sqrt(3)
    assert float(s.sel(stat="mc_hi")) - 0.02 == pytest.approx(h)
    lo, hi = np.quantile(0.02 + shift[1:], [0.025, 0.975])
    assert float(s.sel(stat="param_lo")) == pytest.approx(lo)
    assert float(s.sel(stat="param_hi")) == pytest.approx(hi)
    assert float(s.sel(stat="hi")) == pytest.approx(0.02 + np.hypot(hi - 0.02, h))
    assert float(s.sel(stat="lo")) == pytest.approx(0.02 - np.hypot(max(0.02 - lo, 0), h))


def test_one_seed_has_no_mc_interval_and_no_draws_no_parameter_interval():
    base = _da([[[0.1]]])
    alt = _da([[[0.3]]])
    s = summarize(base, alt).sel(cell=0)
    assert float(s.sel(stat="diff")) == pytest.approx(0.2)
    for stat in ("mc_lo", "mc_hi", "param_lo", "param_hi", "lo", "hi"):
        assert np.isnan(float(s.sel(stat=stat))), stat


def test_common_offsets_cancel_in_the_parameter_interval():
    # a seed effect shared by every draw moves the MC interval, not the parameter one
    base = _da(np.zeros((4, 1, 1)))
    seed_offset = np.array([0.0, 0.1, -0.1, 0.05])[:, None, None]
    alt = _da(seed_offset + np.array([0.0, 0.2, 0.2, 0.2])[None, :, None])
    s = summarize(base, alt).sel(cell=0)
    assert float(s.sel(stat="param_hi")) - float(s.sel(stat="param_lo")) == pytest.approx(0)
    assert float(s.sel(stat="mc_hi")) > float(s.sel(stat="mc_lo"))


def test_drivers_are_the_central_contrast_minus_the_left_out_contrast():
    base = _da(np.zeros((2, 1, 1)))
    alt = _da(np.full((2, 3, 1), 0.3))
    left = {"a": xr.DataArray([[0.1], [0.1]], dims=("seed", "cell"))}
    d = drivers(base, alt, left)
    assert float(d.sel(activity="a", cell=0)) == pytest.approx(0.2)
