"""Local sweeps end to end: the app's multirun through the `local` launcher, collect, resume,
and a Morris screening (slow: real runs, each a fraction of a second plus process start)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml

from livschancer.sweeps import collect, design
from tests.sweeps.conftest import RG_18_29, TINY, livschancer

pytestmark = pytest.mark.slow

LOCAL = ["hydra/launcher=local", "hydra.launcher.n_jobs=2"]
#: The indicator of the Morris test: restgruppe in supported areas at 25-29, all origins, 2019.
INDICATOR = (
    "indicator_value[indicator=restgruppe_share[25-29],year=2019,group=supported,"
    "origin_group=all,ethnicity=all,sex_group=all]"
)
ACTIVITIES = (
    "fritidsjob",
    "school_support",
    "youth_guidance",
    "mentoring",
    "parent_employment",
    "crime_prevention",
)


def _results(sweep):
    return {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/livschancer.nc")}


def test_failed_job_is_reported_others_kept_and_rerun_resumes(tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", *LOCAL, *TINY, "seed=1,2", "population.p_female=0.45,1.5"]
    out = livschancer(*args, f"hydra.sweep.dir={sweep}")
    assert out.returncode != 0
    assert "population.p_female: must be a probability in [0, 1]; got 1.5" in out.stderr
    first = _results(sweep)
    assert len(first) == 2  # the two good jobs wrote their results

    assert collect.main([str(sweep)]) == 1
    ds = collect.open_collected(sweep / "collected.nc").load()
    assert ds["job_status"].sel({"population.p_female": 1.5}).values.tolist() == ["failed"] * 2
    assert "got 1.5" in str(ds["job_error"].sel({"seed": 1, "population.p_female": 1.5}).values)
    good = ds["indicator_value"].sel({"population.p_female": 0.45, **RG_18_29})
    assert np.isfinite(good).all()

    # rerun: the complete jobs are skipped (their files untouched), the bad ones fail again
    again = livschancer(*args, f"hydra.sweep.dir={sweep}")
    assert again.returncode != 0
    assert _results(sweep) == first
    # a changed value is a new job; the old results stay and the sweep grows
    more = livschancer(
        "-m", *LOCAL, *TINY, "seed=1,2", "population.p_female=0.45,0.5", f"hydra.sweep.dir={sweep}"
    )
    assert more.returncode == 0, more.stderr
    assert len(_results(sweep)) == 4
    assert collect.main([str(sweep)]) == 1  # the two p_female=1.5 jobs still failed
    ds = collect.open_collected(sweep / "collected.nc").load()
    assert ds["population.p_female"].values.tolist() == [0.45, 0.5, 1.5]


def test_morris_screening_of_six_scenario_keys(tmp_path, capsys):
    sweep = tmp_path / "morris"
    spec = tmp_path / "morris.yaml"
    keys = [f"scenario.activities.{a}.coverage" for a in ACTIVITIES]
    spec.write_text(
        yaml.safe_dump(
            {
                "method": "morris",
                "trajectories": 2,
                "levels": 4,
                "parameters": {k: [0.01, 0.3] for k in keys},
            }
        )
    )
    scenario = ["scenario=with_plan"]
    assert design.main([str(spec), str(sweep), *TINY, *scenario]) == 0
    n = 2 * (6 + 1)
    assert f"wrote {n} design points (morris, 6 keys)" in capsys.readouterr().out
    run = livschancer(
        "-m",
        "--config-dir",  # Hydra's flags before the overrides
        str(sweep / "design"),
        *LOCAL,
        "+design_point=glob(*)",
        f"hydra.sweep.dir={sweep}",
        *TINY,
        *scenario,
    )
    assert run.returncode == 0, run.stderr
    assert collect.main([str(sweep), "--indicator", INDICATOR]) == 0
    assert "(morris)" in capsys.readouterr().out
    res = xr.open_dataset(sweep / "sensitivity.nc").load()
    assert sorted(res["parameter"].values.tolist()) == sorted(keys)
    mu = res["mu_star"].sel(indicator=INDICATOR)
    assert np.isfinite(mu).all()
    assert (mu >= 0).all()
    (path,) = sweep.glob("collected.*")  # NetCDF, or Zarr if the runs are big
    ds = collect.open_collected(path)
    assert ds.sizes["design_point"] == n
    assert set(keys) <= set(map(str, ds.coords))
