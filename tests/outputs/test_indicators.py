"""Tests of outputs/indicators.py on a hand-made tensor with known answers."""

from __future__ import annotations

import numpy as np
import xarray as xr

from livschancer import dims, states
from livschancer.outputs import indicators
from livschancer.sim.pack import label_counts


def _tensor():
    c = label_counts(np.zeros((1, 30, 24, 18, 18), np.int32), 2019)
    neet_g = "neet|grundskole"
    emp = "employed|youth_edu"
    neet_y = "neet|youth_edu"
    base = {"year": 2019, "sex": "m", "menapt": "non_menapt"}
    # supported, restgruppe origin, age 19: 3 NEET with grundskole, 1 employed
    c.loc[
        {
            **base,
            "age": 19,
            "area": "supported",
            "origin": "restgruppe",
            "from": neet_g,
            "to": neet_g,
        }
    ] = 3
    c.loc[
        {**base, "age": 19, "area": "supported", "origin": "restgruppe", "from": emp, "to": emp}
    ] = 1
    # rest, not origin, age 20: 1 NEET with youth education (not restgruppe), 9 employed
    c.loc[
        {**base, "age": 20, "area": "rest", "origin": "not_restgruppe", "from": emp, "to": neet_y}
    ] = 1
    c.loc[
        {**base, "age": 20, "area": "rest", "origin": "not_restgruppe", "from": emp, "to": emp}
    ] = 9
    # age 16 NEET without education: NEET but never restgruppe
    c.loc[
        {
            **base,
            "age": 16,
            "area": "rest",
            "origin": "not_restgruppe",
            "from": "school|none",
            "to": "neet|none",
        }
    ] = 2
    return c


def test_neet_share_by_group_and_origin():
    s = indicators.neet_share(_tensor(), (18, 20), 2019)
    assert float(s.sel(group="supported", origin="restgruppe")) == 0.75
    assert np.isnan(float(s.sel(group="supported", origin="not_restgruppe")))
    assert float(s.sel(group="population", origin="all")) == 4 / 14
    assert float(s.sel(group="population", origin="not_restgruppe")) == 0.1


def test_restgruppe_needs_low_attainment_and_age_18():
    t = _tensor()
    rg = indicators.restgruppe_share(t, (18, 29), 2019)
    assert float(rg.sel(group="population", origin="all")) == 3 / 14
    young = indicators.restgruppe_by_age(t)
    assert int(young.sel(age=16)) == 0
    assert int(young.sel(age=19)) == 3
    assert (
        float(indicators.neet_share(t, (15, 17), 2019).sel(group="population", origin="all")) == 1.0
    )


def test_summary_table_has_bands_and_groups():
    ind = indicators.summary(_tensor(), 2019, [[18, 20], [15, 29]], [18, 29])
    table = indicators.summary_table(ind)
    assert ("NEET", "18-20") in table.index
    assert ("restgruppe", "18-29") in table.index
    assert table.loc[("NEET", "18-20"), ("supported", "restgruppe")] == 75.0
    assert list(table.columns.get_level_values(0).unique()) == ["supported", "population"]
    assert list(table.columns.get_level_values(1).unique()) == list(indicators.ORIGINS)
    assert ind["neet_share"].dims == ("band", "group", "origin")


def test_stock_sums_over_from():
    t = _tensor()
    s = indicators.stock(t)
    assert "from" not in s.dims
    assert "state" in s.dims
    assert int(s.sum()) == int(t.sum())
    assert set(dims.COUNTS) - set(s.dims) == {"from", "to"}
    assert list(s.state.values) == list(states.LIFECOURSE)
    assert isinstance(s, xr.DataArray)
