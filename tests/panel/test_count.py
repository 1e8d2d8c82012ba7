"""Counting a panel gives exactly the tallies the simulation that wrote it counted."""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import xarray as xr

from livschancer.outputs.standard import standard_indicators
from livschancer.panel.count import count_panel
from livschancer.sim.run import simulate
from tests.panel.common import SEED, pop, synth, truth


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("panel") / "p.parquet", row_group_rows=7_000, chunk=500)


@pytest.fixture(scope="module")
def simulated():
    return simulate(SEED, pop(), truth()).tallies


def _assert_identical(a: xr.Dataset, b: xr.Dataset) -> None:
    assert list(a.data_vars) == list(b.data_vars)
    for name in a.data_vars:
        assert a[name].dims == b[name].dims, name
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
        for d in a[name].dims:
            np.testing.assert_array_equal(a[name][d].values, b[name][d].values)


@pytest.mark.parametrize("batch_rows", [1_000_000, 4_321, 307])
def test_panel_tallies_equal_simulation_tallies_exactly(panel, simulated, batch_rows):
    res = count_panel(panel, batch_rows=batch_rows)
    assert res.n_persons == pop().n
    assert res.n_rows == pq.ParquetFile(panel).metadata.num_rows
    _assert_identical(res.tallies, simulated)


def test_csv_panel_counts_the_same(panel, simulated, tmp_path):
    csv = tmp_path / "p.csv"
    pacsv.write_csv(pq.read_table(panel).cast(_plain(pq.read_schema(panel))), csv)
    _assert_identical(count_panel(csv, batch_rows=5_000).tallies, simulated)


def _plain(schema):
    import pyarrow as pa

    return pa.schema(
        [
            pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
            for f in schema
        ]
    )


def test_indicators_from_a_panel_equal_the_simulation_s(panel, simulated):
    a = standard_indicators(count_panel(panel).tallies, 2020)
    b = standard_indicators(simulated, 2020)
    xr.testing.assert_identical(a, b)
