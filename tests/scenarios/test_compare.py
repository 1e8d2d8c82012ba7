"""Tests of scenarios/compare.py: ``livschancer compare`` end to end on a tiny population."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr

from livschancer.scenarios import compare
from tests.helpers import random_params

TINY = [
    "population.first_birth_year=1988",
    "population.last_birth_year=2004",
    "population.scale=0.003",
    "population.arrivals.persons=[]",
    "sim.progress=false",
]
LAST = re.compile(
    r"^contrast indicator=restgruppe_25_29 group=supported diff_pp=(-?\d+\.\d+|nan) "
    r"lo_pp=(-?\d+\.\d+|nan) hi_pp=(-?\d+\.\d+|nan) draws=(\d+) seconds=(\d+\.\d)$"
)


@pytest.fixture
def random_world(monkeypatch):
    params = random_params(seed=2)
    monkeypatch.setattr(compare, "load_parameters", lambda run: params)
    return params


@pytest.mark.slow
def test_compare_writes_the_contrast_and_ends_with_one_result_line(tmp_path, capsys, random_world):
    out = tmp_path / "cmp"
    args = [
        "--out",
        str(out),
        "--seeds",
        "2",
        "--draws",
        "2",
        *TINY,
        "scenario.activities.fritidsjob.coverage=0.5",
        "scenario.activities.youth_guidance.coverage=0.3",
        "scenario.evidence=[causal,controlled]",
    ]
    assert compare.main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    m = LAST.match(lines[-1])
    assert m, lines[-1]
    assert int(m.group(4)) == 2
    assert sum(bool(LAST.match(ln)) for ln in lines) == 1
    assert any(ln.strip().startswith("restgruppe_25_29") for ln in lines)
    assert any("neet_18_20" in ln for ln in lines)
    assert any(ln.startswith("Activities behind") for ln in lines)
    with xr.open_dataset(out / "contrast.nc") as ds:
        c = ds["contrast"].load()
        assert "restgruppe_25_29" in ds["indicator"].values
        assert set(ds["stat"].values) >= {"diff", "mc_lo", "param_lo", "lo", "hi"}
        assert list(ds.attrs["seeds"]) == [1, 2]
        assert "drivers" in ds
        assert "persons_per_cohort" in ds
        diff = c.sel(stat="diff")
        # the headline and the registry's own band agree
        np.testing.assert_allclose(
            diff.sel(indicator="neet_18_20").values, diff.sel(indicator="neet_share_18_20").values
        )
        # a printed number is the file's number
        cell = c.sel(
            indicator="restgruppe_25_29",
            year=2019,
            group="supported",
            origin_group="all",
            ethnicity="all",
            sex_group="all",
        )
        assert float(m.group(1)) == pytest.approx(100 * float(cell.sel(stat="diff")), abs=1e-4)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["scenario.activities.fritidsjb.coverage=0.4"],
            "scenario.activities.fritidsjb: unknown activity; scenario 'with_plan' has [",
        ),
        (
            ["scenario.activities.fritidsjob.coverage=1.5"],
            "scenario.activities.fritidsjob.coverage: must lie in [0, 1]; got 1.5",
        ),
        (
            ["scenario.activities.mentoring.effect.target_groups=[drop_out]"],
            "scenario.activities.mentoring.effect.target_groups: unknown transition",
        ),
        (
            ["scenario.activities.fritidsjob.effect.odds_ratios=[2,-1,3]"],
            "scenario.activities.fritidsjob.effect.odds_ratios: must be positive, finite numbers",
        ),
        (
            ["scenario.activities.fritidsjob.from_states=[gymnasium]"],
            "scenario.activities.fritidsjob.from_states: unknown state",
        ),
        (["scenario=observed"], "command line: choose the scenarios with --base and --alt"),
        (["--alt", "nonexistent"], "scenario: must be one of the available options"),
        (["--draws", "-1"], "--draws: must be >= 0; got -1"),
    ],
)
def test_bad_arguments_give_one_line_exit_2_and_write_nothing(tmp_path, capsys, args, fragment):
    out = tmp_path / "cmp"
    assert compare.main(["--out", str(out), *TINY, *args]) == 2
    err = capsys.readouterr()
    lines = [ln for ln in err.err.splitlines() if ln.strip()]
    assert len(lines) == 1, err.err
    assert lines[0].startswith("livschancer: error: ConfigError: ")
    assert fragment in lines[0]
    assert "Traceback" not in err.err
    assert not out.exists()


def test_route_overrides_sends_scenario_keys_to_the_alt_arm():
    base, alt = compare.route_overrides(
        [
            "seed=3",
            "scenario.activities.fritidsjob.coverage=0.4",
            "activity@scenario.activities.fritidsjob=fritidsjob_2011_14",
            "base:scenario.evidence=[causal,controlled]",
        ]
    )
    assert base == ["seed=3", "scenario.evidence=[causal,controlled]"]
    assert alt == [
        "seed=3",
        "scenario.activities.fritidsjob.coverage=0.4",
        "activity@scenario.activities.fritidsjob=fritidsjob_2011_14",
    ]
