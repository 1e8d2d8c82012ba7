"""SALib designs: specs, samples, point files, and the indices collect computes from them."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml
from omegaconf import OmegaConf

from livschancer.sweeps import collect, design, sensitivity
from tests.sweeps import fake

SPEC = {
    "method": "morris",
    "seed": 3,
    "trajectories": 4,
    "levels": 4,
    "parameters": {"a.x": [0.0, 1.0], "b": [0.0, 1.0], "plan.year": [2000, 2010]},
}


def test_morris_design_size_bounds_and_integer_keys():
    d = design.sample(SPEC)
    assert d.x.shape == (4 * (3 + 1), 3)
    assert d.point_names[:2] == ["p0000", "p0001"]
    for i in range(len(d.x)):
        vals = d.point_values(i)
        assert 0 <= vals["a.x"] <= 1
        assert isinstance(vals["plan.year"], int)
        assert 2000 <= vals["plan.year"] <= 2010
    assert np.array_equal(design.sample(SPEC).x, d.x)  # the design's own seed


def test_sobol_design_size():
    spec = {"method": "sobol", "samples": 8, "parameters": {"a": [0, 1.0], "b": [1.0, 2.0]}}
    assert design.sample(spec).x.shape == (8 * (2 + 2), 2)
    spec["second_order"] = True
    assert design.sample(spec).x.shape == (8 * (2 * 2 + 2), 2)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"method": "fast", "parameters": {"a": [0, 1]}}, r"method: must be one of"),
        ({"method": "morris"}, r"parameters: must map dotted config keys"),
        ({"method": "morris", "parameters": {"a": [1, 0]}}, r"parameters.a: must have low < high"),
        ({"method": "morris", "parameters": {"a": [0, "x"]}}, r"bounds must be finite numbers"),
        ({"method": "morris", "samples": 8, "parameters": {"a": [0, 1.0]}}, r"unknown option"),
        ({"method": "sobol", "samples": 6, "parameters": {"a": [0, 1.0]}}, r"power of 2"),
        ({"method": "morris", "parameters": {"a": [0, 2]}}, r"range of at least levels - 1"),
    ],
)
def test_bad_specs_name_the_field(spec, match):
    with pytest.raises(design.DesignError, match=match):
        design.sample(spec)


def test_point_files_set_nested_keys_and_load_back(tmp_path):
    d = design.sample(SPEC)
    design.write(d, tmp_path)
    text = (tmp_path / "design_point" / "p0005.yaml").read_text()
    assert text.startswith("# @package _global_\n")
    cfg = OmegaConf.create(yaml.safe_load(text))
    assert OmegaConf.select(cfg, "a.x") == d.point_values(5)["a.x"]
    assert OmegaConf.select(cfg, "plan.year") == d.point_values(5)["plan.year"]
    back = design.load(tmp_path / "design.yaml")
    assert back.names == d.names
    assert back.method == "morris"
    np.testing.assert_array_equal(back.x, d.x)


def test_keys_are_checked_against_the_apps_config():
    design.check_keys(["population.p_female", "population.births_per_year"], ["seed=3"])
    design.check_keys(["scenario.activities.fritidsjob.coverage"], ["scenario=with_plan"])
    with pytest.raises(design.DesignError, match=r"population\.nope: must be a numeric key"):
        design.check_keys(["population.nope"], [])
    with pytest.raises(design.DesignError, match="cannot be set by a design point file"):
        design.check_keys(["population.menapt_share.0.shares.supported"], [])  # in a list
    with pytest.raises(design.DesignError, match="is set by the design"):
        design.check_keys(["population.p_female"], ["population.p_female=0.4"])


def test_main_writes_points_and_prints_the_sweep_command(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "method": "morris",
                "trajectories": 2,
                "parameters": {
                    "population.p_female": [0.45, 0.52],
                    "population.births_per_year": [50000, 70000],
                },
            }
        )
    )
    assert design.main([str(spec), str(tmp_path / "sw"), "population.scale=0.002"]) == 0
    out = capsys.readouterr().out
    assert "wrote 6 design points (morris, 2 keys)" in out
    assert "'+design_point=glob(*)'" in out
    assert "population.scale=0.002" in out
    assert len(list((tmp_path / "sw" / "design" / "design_point").glob("p*.yaml"))) == 6
    assert design.main([str(spec), str(tmp_path / "sw"), "population.p_female=0.5"]) == 2


def _design_sweep(tmp_path, spec, f, seeds=(1, 2), missing=()):
    """A design sweep whose indicator ``share[group=supported]`` is ``f(point values)``."""
    d = design.sample(spec)
    design.write(d, tmp_path / "design")
    fake.write_multirun(tmp_path, ["+design_point=glob(*)", "seed=" + ",".join(map(str, seeds))])
    num = 0
    for i, name in enumerate(d.point_names):
        for s in seeds:
            if name not in missing:
                ds = fake.job_dataset({"seed": s})
                ds["share"].loc["supported"] = f(d.point_values(i)) + 0.01 * s
                fake.write_job(tmp_path, [f"+design_point={name}", f"seed={s}"], num, result=ds)
            num += 1
    return d


def test_collect_computes_morris_indices(tmp_path, capsys):
    spec = {**SPEC, "parameters": {"a.x": [0.0, 1.0], "b": [0.0, 1.0], "c": [0.0, 2.0]}}
    d = _design_sweep(tmp_path, spec, lambda v: 3 * v["a.x"] + 0.5 * v["c"])
    assert collect.main([str(tmp_path), "--indicator", "share[group=supported]"]) == 0
    out = capsys.readouterr().out
    assert "share[group=supported] (morris)" in out
    ds = collect.open_collected(tmp_path / "collected.nc").load()
    assert ds["share"].dims == ("design_point", "seed", "group")
    np.testing.assert_allclose(
        ds["a.x"].values, [d.point_values(i)["a.x"] for i in range(len(d.x))]
    )
    res = xr.open_dataset(tmp_path / "sensitivity.nc").load()
    mu = res["mu_star"].sel(indicator="share[group=supported]")
    assert float(mu.sel(parameter="a.x")) == pytest.approx(3.0)
    assert float(mu.sel(parameter="c")) == pytest.approx(1.0)  # 0.5 per unit over a range of 2
    assert float(mu.sel(parameter="b")) == pytest.approx(0.0, abs=1e-12)
    assert res.attrs["averaged_over"] == "seed"


def test_collect_computes_sobol_indices(tmp_path):
    spec = {"method": "sobol", "samples": 16, "parameters": {"a": [0.0, 1.0], "b": [0.0, 1.0]}}
    _design_sweep(tmp_path, spec, lambda v: v["a"], seeds=(1,))
    assert collect.main([str(tmp_path), "--indicator", "share[group=supported]"]) == 0
    res = xr.open_dataset(tmp_path / "sensitivity.nc").load()
    st = res["ST"].sel(indicator="share[group=supported]")
    assert float(st.sel(parameter="a")) == pytest.approx(1.0, abs=0.3)  # 16 samples: noisy
    assert float(st.sel(parameter="b")) == pytest.approx(0.0, abs=1e-9)  # y ignores b: exact


def test_indicator_errors_say_what_exists(tmp_path, capsys):
    _design_sweep(tmp_path, SPEC, lambda v: v["b"], seeds=(1,), missing=("p0003",))
    assert collect.main([str(tmp_path), "--indicator", "nope"]) == 2
    assert "expected one of" in capsys.readouterr().err
    assert collect.main([str(tmp_path), "--indicator", "share"]) == 2
    assert "still has dims ['group']" in capsys.readouterr().err
    assert collect.main([str(tmp_path), "--indicator", "share[group=supported]"]) == 2
    assert "no value at 1 design points" in capsys.readouterr().err


def test_parse_indicator():
    ind = sensitivity.parse_indicator("restgruppe_share[group=supported, origin=all]")
    assert ind.variable == "restgruppe_share"
    assert ind.selection == (("group", "supported"), ("origin", "all"))
    assert ind.text == "restgruppe_share[group=supported,origin=all]"
    with pytest.raises(sensitivity.IndicatorError, match="is not dim=label"):
        sensitivity.parse_indicator("x[group]")
