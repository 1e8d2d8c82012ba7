"""The baseline guard: a fixed 10,000-person run must reproduce tests/data/baseline.nc exactly."""

from __future__ import annotations

import xarray as xr

from tests.baseline import PATH, baseline_stock


def test_baseline_stock_is_unchanged():
    with xr.open_dataset(PATH) as ds:
        expected = ds["stock"].load()
    got = baseline_stock()
    diff = int(abs(got - expected).sum())
    assert diff == 0, (
        f"model output changed ({diff} person-years moved); if intended, run `make baseline`"
        " and add a 'Changes output:' entry to CHANGELOG.md"
    )
