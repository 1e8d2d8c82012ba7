"""The baseline run: a small fixed simulation whose tallies are kept in tests/data/baseline.nc.

``make baseline`` rewrites the file on purpose (starsim's update_baseline.py); a change of model
output must come with a regenerated baseline and a "Changes output:" changelog entry.

The run: the shipped population (``conf/population/denmark.yaml``) for the birth cohorts
1990-1999 at 1/60 scale (1,000 births a year, about 10,000 persons with the arrivals), the
shipped provisional parameters, and two fixed activities (defined here, not taken from
``conf/``, so that editing a scenario does not move the baseline) that exercise take-up, the
odds-ratio schedules and the flag processes.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr
import yaml
from omegaconf import OmegaConf

from livschancer.sim.activities import Activity
from livschancer.sim.config import PopulationConfig, SimConfig
from livschancer.sim.run import simulate
from livschancer.transitions.provisional import load_provisional

PATH = Path(__file__).parent / "data" / "baseline.nc"
SHIPPED = Path(__file__).parents[1] / "src" / "livschancer" / "conf" / "population" / "denmark.yaml"
SEED = 20261122

ACTIVITIES = (
    Activity(
        "baseline_fritidsjob",
        "job",
        (2.0,),
        0.4,
        ages=(13, 17),
        years=(2006, 2023),
        areas=("supported",),
        source="tests/baseline.py (fixed test activity)",
    ),
    Activity(
        "baseline_mentoring",
        "lifecourse",
        (0.7, 0.8, 0.9),
        0.3,
        ages=(15, 19),
        years=(2006, 2023),
        areas=("supported",),
        once=True,
        target_groups=("dropout",),
        source="tests/baseline.py (fixed test activity)",
    ),
)


def baseline_population() -> PopulationConfig:
    """The shipped population for the cohorts 1990-1999, scaled to 1,000 births a year."""
    with SHIPPED.open(encoding="utf-8") as f:
        shipped = yaml.safe_load(f)
    cfg = OmegaConf.merge(OmegaConf.structured(PopulationConfig), shipped)
    pop = OmegaConf.to_object(cfg)
    assert isinstance(pop, PopulationConfig)
    pop.first_birth_year = 1990
    pop.last_birth_year = 1999
    pop.births_by_year = []
    pop.scale = 1000 / pop.births_per_year
    return pop


def baseline_tallies() -> xr.Dataset:
    """The tallies of the baseline run."""
    r = simulate(
        SEED,
        baseline_population(),
        load_provisional(),
        SimConfig(progress=False),
        activities=ACTIVITIES,
    )
    return r.tallies


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    ds = baseline_tallies()
    encoding = {name: {"zlib": True, "complevel": 4} for name in ds.data_vars}
    ds.to_netcdf(PATH, engine="netcdf4", encoding=encoding)
    print(f"wrote {PATH} ({PATH.stat().st_size / 1e6:.1f} MB)")
