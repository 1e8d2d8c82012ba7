"""The indicators a run file stores: every registry indicator at its bands, and the profiles.

:func:`standard_indicators` computes, from the tallies alone,

- ``indicator_value``, ``indicator_se``, ``indicator_num``, ``indicator_den`` over
  (indicator, year, group, origin_group, ethnicity, sex_group): one ``indicator`` label per
  registry indicator and age band (``"neet_share[15-17]"``), with the non-dim coordinates
  ``indicator_name``, ``age_from``, ``age_to`` and ``indicator_kind`` along it;
- ``gap_value``, ``gap_se`` over (indicator, year, group, ethnicity, sex_group): the
  chanceulighed gap, restgruppe origin minus the rest;
- ``age_profile_*`` (age, activity, ...) in the report year, ``cohort_*`` (birth_year, age,
  activity, ...), ``followup_*`` (age, k, state, activity_later, group, origin_group) in the
  report year, and ``noncompleter_*`` (profile_level, trait, completion, year, group);
- ``persons_by_age`` (year, age): everyone in the tallies, which says which years cover an
  age band fully (a run of some birth cohorts covers each age only in some years).

A part whose tally is missing (a register panel that does not count it) is left out and named
in the attribute ``missing_parts``.
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from livschancer.errors import TallyError
from livschancer.outputs import groups, profiles
from livschancer.outputs.indicators import REGISTRY, compute, gap
from livschancer.outputs.view import TallyView

log = logging.getLogger(__name__)


def indicator_label(name: str, ages: tuple[int, int]) -> str:
    """Label of one (indicator, band) on the ``indicator`` dim: ``"neet_share[15-17]"``."""
    return f"{name}[{ages[0]}-{ages[1]}]"


def registry_indicators(
    v: TallyView, bands: dict[str, tuple[tuple[int, int], ...]] | None = None
) -> tuple[xr.Dataset, list[str]]:
    """Every registry indicator at its bands (or ``bands[name]``): value, se, num, den, gap.

    Returns the Dataset and the indicators left out for a missing tally.
    """
    labels, names, lo, hi, kinds = [], [], [], [], []
    value, se, num, den, gval, gse = [], [], [], [], [], []
    missing: list[str] = []
    for name, ind in REGISTRY.items():
        for ages in (bands or {}).get(name, ind.bands):
            try:
                r = compute(v, name, ages)
            except TallyError as e:
                missing.append(f"{indicator_label(name, ages)}: {e}")
                continue
            labels.append(indicator_label(name, ages))
            names.append(name)
            lo.append(ages[0])
            hi.append(ages[1])
            kinds.append(ind.kind)
            value.append(r.value)
            se.append(r.se)
            num.append(r.num)
            den.append(r.den)
            g, gs = gap(r)
            gval.append(g)
            gse.append(gs)
    dims = ("indicator", "year", *groups.SPLIT_DIMS)
    gdims = ("indicator", "year", "group", "ethnicity", "sex_group")
    coords = {
        "indicator": labels,
        "indicator_name": ("indicator", names),
        "age_from": ("indicator", np.asarray(lo, dtype=np.int64)),
        "age_to": ("indicator", np.asarray(hi, dtype=np.int64)),
        "indicator_kind": ("indicator", kinds),
        "year": v.years,
        **{d: list(groups.SPLIT_LABELS[d]) for d in groups.SPLIT_DIMS},
    }

    full, no_origin = (4, 3, 3, 3), (4, 3, 3)

    def stack(parts: list[np.ndarray], tail: tuple[int, ...]) -> np.ndarray:
        return np.stack(parts) if parts else np.zeros((0, len(v.years), *tail))

    ds = xr.Dataset(
        {
            "indicator_value": (dims, stack(value, full)),
            "indicator_se": (dims, stack(se, full)),
            "indicator_num": (dims, stack(num, full)),
            "indicator_den": (dims, stack(den, full)),
            "gap_value": (gdims, stack(gval, no_origin)),
            "gap_se": (gdims, stack(gse, no_origin)),
        },
        coords=coords,
    )
    ds["indicator_value"].attrs = {
        "long_name": "indicator value (share, or events per person per year for rates)",
        "units": "1",
    }
    ds["indicator_se"].attrs = {
        "long_name": "Monte Carlo standard error (binomial for shares, Poisson for rates)",
        "units": "1",
    }
    ds["indicator_num"].attrs = {"long_name": "numerator (persons or events)"}
    ds["indicator_den"].attrs = {"long_name": "denominator (persons behind the value)"}
    ds["gap_value"].attrs = {
        "long_name": "chanceulighed gap: value for restgruppe origin minus value for the rest",
        "units": "1",
    }
    ds["gap_se"].attrs = {"long_name": "Monte Carlo standard error of the gap", "units": "1"}
    return ds, missing


def _prefixed(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    out = ds.rename({k: f"{prefix}_{k}" for k in ds.data_vars})
    for k in out.data_vars:
        out[k].attrs.update(ds.attrs)
    out.attrs = {}
    return out


def default_cohorts(years: np.ndarray, year: int) -> list[int]:
    """Birth cohorts shown by default: those aged 29, 24, 19, 14 in the report year that were
    simulated from birth."""
    first = int(years[0])
    return [year - a for a in (29, 24, 19, 14) if year - a >= first]


def standard_indicators(
    tallies: xr.Dataset | TallyView, year: int, cohorts: list[int] | None = None
) -> xr.Dataset:
    """The indicators stored in a run file (module docstring), computed from the tallies.

    Parameters
    ----------
    tallies
        Tallies Dataset, run file, or a :class:`TallyView` of one.
    year
        The report year (age profile and follow-up are for this year).
    cohorts
        Birth years of :func:`~livschancer.outputs.profiles.cohort_profile`
        (default :func:`default_cohorts`).
    """
    v = tallies if isinstance(tallies, TallyView) else TallyView(tallies)
    parts, missing = [], []
    ind, miss = registry_indicators(v)
    parts.append(ind)
    missing += miss
    cohorts = default_cohorts(v.years, year) if cohorts is None else cohorts
    makers = (
        ("age_profile", ("lifecourse",), lambda: profiles.age_profile(v, year)),
        ("cohort", ("lifecourse",), lambda: profiles.cohort_profile(v, cohorts)),
        ("followup", ("followup",), lambda: profiles.followup(v, year)),
        ("noncompleter", ("profile",), lambda: profiles.noncompleters(v)),
    )
    for prefix, needs, make in makers:
        if all(v.has(n) for n in needs):
            parts.append(_prefixed(make(), prefix))
        else:
            missing.append(f"{prefix}: needs the {list(needs)} tallies")
    if v.has("lifecourse"):
        persons = v.lc_by_age(("all",)).sum(axis=tuple(range(2, 7)))
        parts.append(
            xr.Dataset(
                {"persons_by_age": (("year", "age"), persons)},
                coords={"year": v.years, "age": list(v.ages)},
            )
        )
        parts[-1]["persons_by_age"].attrs = {
            "long_name": "persons in the tallies by year and age (all groups)",
        }
    out = xr.merge(parts, join="exact", combine_attrs="drop")
    out.attrs = {"report_year": int(year), "missing_parts": "; ".join(missing)}
    if missing:
        log.info("indicators left out for missing tallies: %s", "; ".join(missing))
    return out
