"""Tests of outputs/runfile.py: the run file's tallies are integer, NaN-free and carry exactly
the coordinates of tallies/spec.py; exact joins; metadata; the stock family."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from livschancer import __version__, states
from livschancer.errors import TallyError
from livschancer.outputs import io, runfile
from livschancer.outputs.standard import standard_indicators
from livschancer.tallies import spec
from tests.outputs.builders import put, zero_tallies

YEARS = list(range(2015, 2020))


@pytest.fixture
def tallies():
    ds = zero_tallies(YEARS)
    put(ds, "lifecourse", 4, frm="neet|grundskole", to="neet|grundskole", year=2019, age=20)
    put(ds, "lifecourse", 1, frm="entry", to="employed|youth_edu", year=2019, age=20)
    put(ds, "poverty", 2, poverty_from="entry", poverty_to="yes", year=2019, age=3)
    return ds


def _replace(ds: xr.Dataset, name: str, da: xr.DataArray) -> xr.Dataset:
    """``ds`` with tally ``name`` replaced, coordinates included (``assign`` would keep the
    Dataset's own coordinates)."""
    return xr.Dataset({k: (da if k == name else ds[k]) for k in ds.data_vars})


def _attrs():
    return runfile.run_attrs(
        seed=7,
        scenario="without_plan",
        overrides=["seed=7", "population.scale=0.1"],
        parameters_file="provisional.yaml",
        parameters_sha256="ab" * 32,
        parameters_status="PROVISIONAL: hand-built",
    )


def test_run_file_tallies_are_integer_nan_free_with_exact_coords(tallies, tmp_path):
    run = runfile.build_run_dataset(tallies, standard_indicators(tallies, 2019), _attrs())
    path = io.write_dataset(run, tmp_path / "run.nc")
    back = runfile.tallies_of(io.read_dataset(path))
    assert list(back.data_vars) == [t.name for t in spec.TALLIES]
    for t in spec.TALLIES:
        da = back[t.name]
        assert da.dims == t.dims, t.name
        assert da.dtype.kind in "iu", t.name
        assert not np.isnan(da.values.astype(float)).any()
        for d in t.dims:
            got = [x.decode() if isinstance(x, bytes) else x for x in da[d].values.tolist()]
            assert got == spec.coords(d, np.asarray(YEARS)), (t.name, d)
        runfile.check_tally(da, t.name, np.asarray(YEARS))
    f, to = spec.transition_labels()
    assert back["lifecourse"]["from"].values.tolist() == f
    assert back["lifecourse"]["to"].values.tolist() == to
    np.testing.assert_array_equal(back["lifecourse"].values, tallies["lifecourse"].values)


def test_run_file_metadata(tallies):
    run = runfile.build_run_dataset(tallies, standard_indicators(tallies, 2019), _attrs())
    a = run.attrs
    assert int(a["seed"]) == 7
    assert a["scenario"] == "without_plan"
    assert json.loads(a["overrides"]) == ["seed=7", "population.scale=0.1"]
    assert a["parameters_file"] == "provisional.yaml"
    assert a["parameters_sha256"] == "ab" * 32
    assert a["parameters_status"].startswith("PROVISIONAL")
    assert a["livschancer_version"] == __version__
    assert int(a["report_year"]) == 2019
    assert json.loads(a["tallies"]) == [t.name for t in spec.TALLIES]


def test_indicators_sit_beside_the_tallies_on_their_own_dims(tallies):
    run = runfile.build_run_dataset(tallies, standard_indicators(tallies, 2019), _attrs())
    for cell in ("area", "origin", "menapt", "sex", "member"):
        assert cell not in run["indicator_value"].dims
    assert run["indicator_value"].dims == (
        "indicator", "year", "group", "origin_group", "ethnicity", "sex_group",
    )  # fmt: skip
    assert run["lifecourse"].dims == spec.TALLY["lifecourse"].dims
    v = run["indicator_value"].sel(
        indicator="neet_share[18-20]", year=2019, group="population",
        origin_group="all", ethnicity="all", sex_group="all",
    )  # fmt: skip
    assert float(v) == pytest.approx(0.8)


def test_a_coordinate_mismatch_is_an_error(tallies):
    ind = standard_indicators(tallies, 2019)
    with pytest.raises(ValueError, match="exact"):
        runfile.build_run_dataset(tallies, ind.assign_coords(year=ind["year"] + 1), _attrs())


def test_indicators_may_not_reuse_cell_dims(tallies):
    bad = xr.Dataset({"x": (("area",), np.zeros(3))}, coords={"area": ["a", "b", "c"]})
    with pytest.raises(TallyError, match="cell dims"):
        runfile.build_run_dataset(tallies, bad, _attrs())


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda ds: ds.drop_vars("crime"), "no 'crime' tally"),
        (lambda ds: ds.assign(poverty=ds["poverty"].astype(float)), "integer dtype"),
        (lambda ds: ds.assign(job=ds["job"].transpose("age", ...)), "dims must be"),
        (
            lambda ds: _replace(ds, "move", ds["move"].assign_coords(area_to=["a", "b", "c"])),
            "coordinate 'area_to'",
        ),
        (
            lambda ds: _replace(ds, "lifecourse", ds["lifecourse"].drop_vars("from")),
            "non-dim coordinate 'from'",
        ),
    ],
)
def test_tallies_that_break_the_spec_are_refused(tallies, change, match):
    with pytest.raises(TallyError, match=match):
        runfile.build_run_dataset(change(tallies), None, _attrs())


def test_partial_tallies_and_missing_attrs(tallies):
    run = runfile.build_run_dataset(tallies.drop_vars("crime"), None, _attrs(), partial=True)
    assert "crime" not in run
    with pytest.raises(TallyError, match="missing"):
        runfile.build_run_dataset(tallies, None, {"seed": 1})


def test_stock_family(tallies):
    s = runfile.lifecourse_stock(tallies)
    assert s.dims == (*spec.TALLY["lifecourse"].dims[:-1], "state")
    assert s.dtype == np.int64
    assert int(s.sel(year=2019, age=20, state="neet|grundskole").sum()) == 4
    assert int(s.sum()) == int(tallies["lifecourse"].sum())
    act = runfile.lifecourse_stock(tallies, by="activity")
    assert list(act["activity"].values) == list(states.ACTIVITY)
    assert int(act.sel(activity="employed").sum()) == 1
    assert int(runfile.stock(tallies, "poverty").sel(poverty_to="yes").sum()) == 2
    e = runfile.entries(tallies, "lifecourse")
    assert int(e.sel(state="employed|youth_edu").sum()) == 1
    assert int(runfile.entries(tallies, "poverty").sum()) == 2
    with pytest.raises(ValueError, match="not a transition tally"):
        runfile.stock(tallies, "profile")
