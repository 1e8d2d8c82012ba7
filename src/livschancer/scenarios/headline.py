"""What a comparison measures: every indicator of the registry, at every band it stores.

Each indicator of :data:`livschancer.outputs.indicators.REGISTRY` is computed at each of its
age bands (rule ``socio13``) in the chosen calendar years, over the reports' splits (``group``,
``origin_group``, ``ethnicity``, ``sex_group``; ``outputs/groups.py``), as its value and its
denominator (so that a contrast of shares can also be given as persons per cohort). The
headline table adds the restgruppe share at 25-29 and the NEET shares by age band (model.md
section 7) under short names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from livschancer import states
from livschancer.outputs import groups
from livschancer.outputs.indicators import REGISTRY, compute
from livschancer.outputs.view import TallyView

#: Headline name -> (registry indicator, ages).
HEADLINE: dict[str, tuple[str, tuple[int, int]]] = {
    "restgruppe_25_29": ("restgruppe_share", (25, 29)),
    "neet_15_17": ("neet_share", (15, 17)),
    "neet_18_20": ("neet_share", (18, 20)),
    "neet_21_25": ("neet_share", (21, 25)),
    "neet_26_29": ("neet_share", (26, 29)),
}
RULE = "socio13"


def measured() -> dict[str, tuple[str, tuple[int, int]]]:
    """Key -> (registry indicator, ages): the headline, then every registry indicator at
    every band it stores (``<indicator>_<from>_<to>``)."""
    out = dict(HEADLINE)
    for name, ind in REGISTRY.items():
        if RULE not in ind.rules:
            continue
        for lo, hi in ind.bands:
            out[f"{name}_{lo}_{hi}"] = (name, (lo, hi))
    return out


def window(years: Sequence[int], first: int, last: int) -> tuple[int, int]:
    """The calendar years of tallies the measurement of ``years`` reads (simulated years
    ``first``-``last``): an indicator in year Y reads at most the 30 years of its cohorts'
    lives up to Y (``cohort_cumsum``; entrants followed for at most 7 years), so the years
    ``min(years) - 30`` to ``max(years)`` (tested: ``tests/scenarios/test_headline.py``)."""
    return max(first, min(years) - states.N_AGE), min(last, max(years))


def cohorts(key: str) -> int:
    """Single-year ages in the band of measured indicator ``key``."""
    lo, hi = measured()[key][1]
    return hi - lo + 1


def make_measure(
    years: Sequence[int], keys: Sequence[str] | None = None
) -> Callable[[xr.Dataset], dict[str, xr.DataArray]]:
    """A function of a tallies Dataset returning ``value`` and ``den`` (its denominator), each
    a float64 DataArray over ``(indicator, year, group, origin_group, ethnicity, sex_group)``
    for the measured ``keys`` (default: all of :func:`measured`) in ``years``."""
    table = measured()
    chosen = list(table) if keys is None else list(keys)
    years = [int(y) for y in years]
    dims = ("indicator", "year", *groups.SPLIT_DIMS)
    coords = {
        "indicator": chosen,
        "year": years,
        **{d: list(groups.SPLIT_LABELS[d]) for d in groups.SPLIT_DIMS},
    }

    def measure(tallies: xr.Dataset) -> dict[str, xr.DataArray]:
        view = TallyView(tallies)
        idx = [view.year_index(y) for y in years]
        if any(i is None for i in idx):
            raise ValueError(f"years {years} are not all simulated ({view.years[[0, -1]]})")
        shape = (len(chosen), len(years), *(len(coords[d]) for d in groups.SPLIT_DIMS))
        value, den = np.empty(shape), np.empty(shape)
        for i, key in enumerate(chosen):
            name, ages = table[key]
            r = compute(view, name, ages, RULE)
            value[i] = r.value[idx]
            den[i] = np.asarray(r.den, dtype=np.float64)[idx]
        # labelled once: building one DataArray per indicator cost more than computing them
        return {
            "value": xr.DataArray(value, dims=dims, coords=coords),
            "den": xr.DataArray(den, dims=dims, coords=coords),
        }

    return measure
