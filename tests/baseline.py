"""The baseline run: a small fixed simulation whose stock is kept in tests/data/baseline.nc.

``make baseline`` rewrites the file on purpose (starsim's update_baseline.py); a change of model
output must come with a regenerated baseline and a "Changes output:" changelog entry.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from livschancer.outputs.indicators import stock
from livschancer.sim.config import PopulationConfig, SimConfig
from livschancer.sim.run import simulate
from livschancer.transitions.provisional import load_provisional

PATH = Path(__file__).parent / "data" / "baseline.nc"


def baseline_population() -> PopulationConfig:
    """10,000 persons: cohorts 1990-1999 of 1,000, the shipped birth distributions."""
    return PopulationConfig(
        first_birth_year=1990,
        last_birth_year=1999,
        births_per_year=1000,
        p_female=0.487,
        area_at_birth={"supported": 0.2, "other_public": 0.2, "rest": 0.6},
        menapt_share={"supported": 0.5, "other_public": 0.23, "rest": 0.04},
        parent_rg_at_birth={
            "supported": {"non_menapt": 0.35, "menapt": 0.62},
            "other_public": {"non_menapt": 0.25, "menapt": 0.5},
            "rest": {"non_menapt": 0.09, "menapt": 0.35},
        },
    )


def baseline_stock() -> xr.DataArray:
    """Persons by (age, area, origin, state), summed over years, sex and menapt."""
    r = simulate(20261122, baseline_population(), load_provisional(), SimConfig(progress=False))
    return stock(r.counts).sum(["year", "sex", "menapt"]).rename("stock")


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    baseline_stock().to_dataset().to_netcdf(PATH, engine="netcdf4")
    print(f"wrote {PATH}")
