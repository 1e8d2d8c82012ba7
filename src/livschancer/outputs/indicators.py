"""Indicators as functions of a transition-count tensor (model.md section 7).

The same functions serve a simulated tensor and, later, one counted from a register panel:
they only need the dims of :data:`livschancer.dims.COUNTS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from livschancer import states

#: Area groups of the reports: the supported areas, and the whole population (which includes
#: them, domain.md 2.3).
GROUPS: tuple[str, ...] = ("supported", "population")
ORIGINS: tuple[str, ...] = (*states.ORIGIN, "all")


def stock(counts: xr.DataArray) -> xr.DataArray:
    """Persons by state at each age and year: the tensor summed over ``from``."""
    return counts.sum("from").rename({"to": "state"})


def _state_mask(predicate: np.ndarray) -> xr.DataArray:
    return xr.DataArray(predicate, dims="state", coords={"state": list(states.LIFECOURSE)})


def _by_group_origin(num: xr.DataArray, den: xr.DataArray) -> xr.DataArray:
    """Shares by area group and origin from numerator and denominator over (area, origin)."""
    out = np.full((len(GROUPS), len(ORIGINS)), np.nan)
    for gi, g in enumerate(GROUPS):
        n = num if g == "population" else num.sel(area=[g])
        d = den if g == "population" else den.sel(area=[g])
        for oi, o in enumerate(ORIGINS):
            nn = n if o == "all" else n.sel(origin=[o])
            dd = d if o == "all" else d.sel(origin=[o])
            total = float(dd.sum())
            out[gi, oi] = float(nn.sum()) / total if total > 0 else np.nan
    return xr.DataArray(
        out, dims=("group", "origin"), coords={"group": list(GROUPS), "origin": list(ORIGINS)}
    )


def state_share(
    counts: xr.DataArray, predicate: np.ndarray, ages: tuple[int, int], year: int
) -> xr.DataArray:
    """Share of persons aged ``ages`` (inclusive) in ``year`` whose state satisfies
    ``predicate`` (bool over life-course codes), by area group and origin."""
    s = stock(counts).sel(year=year, age=slice(ages[0], ages[1]))
    den = s.sum([d for d in s.dims if d not in ("area", "origin")])
    num = (s * _state_mask(predicate)).sum([d for d in s.dims if d not in ("area", "origin")])
    return _by_group_origin(num, den)


def neet_share(counts: xr.DataArray, ages: tuple[int, int], year: int) -> xr.DataArray:
    """NEET share (activity == neet) at ``ages`` in ``year`` by area group and origin."""
    out = state_share(counts, states.neet_mask(), ages, year)
    out.attrs = {"long_name": f"NEET share, ages {ages[0]}-{ages[1]}", "units": "1"}
    return out


def restgruppe_share(counts: xr.DataArray, ages: tuple[int, int], year: int) -> xr.DataArray:
    """Restgruppe share (18+, NEET, no education beyond grundskole) by area group and origin."""
    lo = max(ages[0], states.RESTGRUPPE_MIN_AGE)
    out = state_share(counts, states.restgruppe_mask(), (lo, ages[1]), year)
    out.attrs = {"long_name": f"restgruppe share, ages {lo}-{ages[1]}", "units": "1"}
    return out


def restgruppe_by_age(counts: xr.DataArray) -> xr.DataArray:
    """Persons in a restgruppe state at each age (all years and cells): zero below 18 by
    definition, so this is the check that the definition is applied."""
    s = stock(counts)
    rg = _state_mask(states.restgruppe_mask())
    per_age = (s * rg).sum([d for d in s.dims if d != "age"])
    return per_age.where(per_age.age >= states.RESTGRUPPE_MIN_AGE, 0)


def summary(
    counts: xr.DataArray, year: int, neet_bands: list[list[int]], restgruppe_ages: list[int]
) -> xr.Dataset:
    """The run's headline indicators: NEET share by band and the restgruppe share."""
    bands = [f"{lo}-{hi}" for lo, hi in neet_bands]
    neet = xr.concat(
        [neet_share(counts, (lo, hi), year) for lo, hi in neet_bands],
        dim=pd.Index(bands, name="band"),
    )
    neet.attrs = {
        "long_name": "NEET share by age band",
        "units": "1",
        "definition": "activity == neet (model.md s.3; domain.md 2.1)",
        "year": year,
    }
    rg = restgruppe_share(counts, (restgruppe_ages[0], restgruppe_ages[1]), year)
    rg.attrs["definition"] = "age >= 18, NEET, attain in {none, grundskole} (domain.md 2.1)"
    rg.attrs["year"] = year
    return xr.Dataset({"neet_share": neet, "restgruppe_share": rg})


def summary_table(ind: xr.Dataset) -> pd.DataFrame:
    """The indicators as a table of percentages: rows indicator x ages, columns group x origin."""
    rows = {}
    for band in ind["band"].values:
        rows[("NEET", str(band))] = ind["neet_share"].sel(band=band)
    rg = ind["restgruppe_share"]
    rows[("restgruppe", rg.attrs["long_name"].split("ages ")[-1])] = rg
    table = pd.DataFrame({k: (100 * v).to_series() for k, v in rows.items()}).T
    table.index.names = ["indicator", "ages"]
    columns = pd.MultiIndex.from_product([GROUPS, ORIGINS], names=["group", "origin"])
    return table.reindex(columns=columns).round(1)
