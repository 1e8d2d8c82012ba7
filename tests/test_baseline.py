"""The baseline guard: a fixed ~10,000-person run must reproduce tests/data/baseline.nc exactly."""

from __future__ import annotations

import numpy as np
import xarray as xr

from tests.baseline import PATH, baseline_tallies

HINT = "if intended, run `make baseline` and add a 'Changes output:' entry to CHANGELOG.md"


def test_baseline_tallies_are_unchanged():
    with xr.open_dataset(PATH, engine="netcdf4") as ds:
        expected = ds.load()
    got = baseline_tallies()
    assert list(got.data_vars) == list(expected.data_vars), HINT
    for name in got.data_vars:
        assert got[name].dims == expected[name].dims, (name, HINT)
        for d in got[name].dims:
            assert list(got[d].values) == list(expected[d].values), (name, d, HINT)
        diff = int(np.abs(got[name].values.astype(np.int64) - expected[name].values).sum())
        assert diff == 0, f"tally {name!r} changed ({diff} counts moved); {HINT}"
    assert int(got["lifecourse"].sum()) > 200_000
