"""Life-course profiles from the tallies: status by age, cohorts, follow-ups, non-completers.

Beside the single-number indicators of the registry, the reports describe

- the status of each age group in a year (:func:`age_profile`; domain.md 4.6);
- a birth cohort followed year by year (:func:`cohort_profile`), read from the lifecourse
  tally along the diagonal ``year - age = birth_year``;
- where persons in a state at one age are ``k`` years later (:func:`followup`, the
  ``followup`` tally; domain.md 4.7);
- who does not complete each level (:func:`noncompleters`, the ``profile`` tally; domain.md
  4.8): the shares of boys, MENAPT, restgruppe origin and each risk history among those who
  did not complete the level by its age, beside those who did.

Each returns a Dataset with ``share``, ``se`` (binomial MC error) and ``persons`` (the
denominator) on dims that do not clash with the tallies'.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from livschancer import states
from livschancer.outputs import groups
from livschancer.outputs.ratio import standard_error
from livschancer.outputs.view import TallyView
from livschancer.tallies import spec

_SPLIT_COORDS = {d: list(groups.SPLIT_LABELS[d]) for d in groups.SPLIT_DIMS}


def _activity_cols(activity: str) -> tuple[str, ...]:
    return tuple(f"state:{s}" for s in states.states_where(activity=activity))


def _shares(num: np.ndarray, den: np.ndarray, dims: tuple[str, ...], coords: dict) -> xr.Dataset:
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return xr.Dataset(
        {
            "share": (dims, share),
            "se": (dims, standard_error(num, den, "share")),
            "persons": (dims, np.broadcast_to(den, num.shape).copy()),
        },
        coords=coords,
    )


def _by_activity(v: TallyView) -> tuple[np.ndarray, np.ndarray]:
    """(activity, year, age, group, origin_group, ethnicity, sex_group) persons, and everyone
    (year, age, ...)."""
    pres = v.present("lifecourse")

    def exp(x: np.ndarray) -> np.ndarray:  # (year, age, *cells) -> (year, age, *splits)
        n_y, n_a = x.shape[:2]
        return groups.expand(x.reshape(n_y * n_a, *x.shape[2:]), pres).reshape(
            n_y, n_a, *(len(groups.SPLIT_LABELS[d]) for d in groups.SPLIT_DIMS)
        )

    num = np.stack([exp(v.lc_by_age(_activity_cols(a))) for a in states.ACTIVITY])
    return num, exp(v.lc_by_age(("all",)))


def age_profile(v: TallyView, year: int) -> xr.Dataset:
    """Share of each age group in ``year`` in each activity.

    Numerator: persons aged ``age`` in ``year`` with that activity (lifecourse stock);
    denominator: all persons aged ``age`` in ``year``. Dims (age, activity, group,
    origin_group, ethnicity, sex_group).
    """
    yi = v.year_index(year)
    if yi is None:
        raise ValueError(f"year {year} is not in the tallies ({v.years[0]}-{v.years[-1]})")
    num, den = _by_activity(v)
    num = np.moveaxis(num[:, yi], 0, 1)  # (age, activity, ...)
    dims = ("age", "activity", *groups.SPLIT_DIMS)
    coords = {"age": list(states.AGES), "activity": list(states.ACTIVITY), **_SPLIT_COORDS}
    out = _shares(num, den[yi][:, None], dims, coords)
    out.attrs["year"] = int(year)
    return out


def cohort_profile(v: TallyView, birth_years: list[int] | tuple[int, ...]) -> xr.Dataset:
    """Birth cohorts followed year by year: the share of the cohort in each activity at each age.

    Numerator: persons born in ``birth_year`` (aged ``age`` in ``birth_year + age``) with that
    activity; denominator: all of them then. The group is that of each year (a cohort's
    residents in supported areas at 20 are not the same persons as at 10; the grew-up-in group
    is, from 15-18 on). NaN where ``birth_year + age`` was not simulated. Dims (birth_year, age,
    activity, group, origin_group, ethnicity, sex_group).
    """
    num, den = _by_activity(v)
    n_split = num.shape[3:]
    out_num = np.full((len(birth_years), len(states.AGES), len(states.ACTIVITY), *n_split), 0.0)
    out_den = np.zeros((len(birth_years), len(states.AGES), 1, *n_split))
    for bi, by in enumerate(birth_years):
        for ai, age in enumerate(states.AGES):
            yi = v.year_index(int(by) + int(age))
            if yi is not None:
                out_num[bi, ai] = num[:, yi, ai]
                out_den[bi, ai, 0] = den[yi, ai]
    dims = ("birth_year", "age", "activity", *groups.SPLIT_DIMS)
    coords = {
        "birth_year": [int(b) for b in birth_years],
        "age": list(states.AGES),
        "activity": list(states.ACTIVITY),
        **_SPLIT_COORDS,
    }
    return _shares(out_num, out_den, dims, coords)


def followup(v: TallyView, year: int) -> xr.Dataset:
    """Where persons in each life-course state at each age in ``year`` are ``k`` years later.

    Numerator: persons in ``state`` at ``age`` in ``year`` whose activity ``k`` years later is
    ``activity_later`` (``followup`` tally); denominator: all persons in ``state`` at ``age`` in
    ``year`` followed ``k`` years (only where ``age + k <= 29``). The tally has no area, sex or
    ethnicity: groups ``grew_up_in`` and ``population`` only, no ethnicity or sex split. Dims
    (age, k, state, activity_later, group, origin_group).
    """
    yi = v.year_index(year)
    if yi is None:
        raise ValueError(f"year {year} is not in the tallies ({v.years[0]}-{v.years[-1]})")
    x, _ = v.stock_array("followup")  # (year, age, *cells, k, state, activity_later)
    x = x[yi]  # (age, *cells, k, state, later)
    n_cell = len(groups.CELL)
    x = np.moveaxis(x, list(range(1, 1 + n_cell)), list(range(x.ndim - n_cell, x.ndim)))
    lead = x.shape[: x.ndim - n_cell]
    e = groups.expand(x.reshape(-1, *x.shape[-n_cell:]).astype(np.float64), v.present("followup"))
    e = e.reshape(*lead, *e.shape[1:])[..., -1, -1]  # ethnicity all, sex all
    den = e.sum(axis=3, keepdims=True)
    dims = ("age", "k", "state", "activity_later", "group", "origin_group")
    coords = {
        "age": list(states.AGES),
        "k": spec.coords("k"),
        "state": list(states.LIFECOURSE),
        "activity_later": list(states.ACTIVITY),
        "group": list(groups.GROUP),
        "origin_group": list(groups.ORIGIN_GROUP),
    }
    out = _shares(e, den, dims, coords)
    out.attrs["year"] = int(year)
    return out


#: Level -> (age at which it is judged, attainments that count as not having completed it).
#: Youth education by 21 counts any youth-level qualification (gymnasial or vocational), as the
#: reports' "ungdomsuddannelse" does; vocational by 25 is the vocationally qualifying level.
NONCOMPLETION: dict[str, tuple[int, frozenset[str]]] = {
    "grundskole": (17, frozenset({"none"})),
    "youth_edu": (21, frozenset({"none", "grundskole"})),
    "vocational": (25, frozenset({"none", "grundskole", "youth_edu"})),
    "higher_edu": (29, frozenset({"none", "grundskole", "youth_edu", "vocational"})),
}
#: Traits of (non-)completers: a split label, or a risk-history dim of the profile tally.
TRAITS: dict[str, tuple[str, str]] = {
    "boys": ("sex_group", "m"),
    "menapt": ("ethnicity", "menapt"),
    "restgruppe_origin": ("origin_group", "restgruppe"),
    "ever_poor": ("flag", "ever_poor"),
    "ever_psych_parent": ("flag", "ever_psych_parent"),
    "ever_crime": ("flag", "ever_crime"),
    "ever_dropout": ("flag", "ever_dropout"),
}
COMPLETION: tuple[str, ...] = ("not_completed", "completed", "all")


def noncompleters(v: TallyView) -> xr.Dataset:
    """Characteristics of those who do not complete each level, beside those who do.

    For each level (grundskole with the exam by 17, a youth education by 21, a vocational
    education by 25, higher education by 29: :data:`NONCOMPLETION`) and each trait
    (:data:`TRAITS`), the share with the trait among the persons of that age in ``year`` who
    have not completed the level (``completion = not_completed``), who have, and all. Dims
    (profile_level, trait, completion, year, group). ``profile`` tally.
    """
    x, rest = v.stock_array("profile")  # (year, profile_age, *cells, flags..., attain)
    n_cell = len(groups.CELL)
    pres = v.present("profile")
    att_axis = 2 + n_cell + rest.index("attain")
    shape = (len(NONCOMPLETION), len(TRAITS), len(COMPLETION), len(v.years), len(groups.GROUP))
    num, den = np.zeros(shape), np.zeros(shape)
    split_idx = {
        d: {lab: i for i, lab in enumerate(groups.SPLIT_LABELS[d])} for d in groups.SPLIT_DIMS
    }
    for li, (age, low) in enumerate(NONCOMPLETION.values()):
        pa = spec.coords("profile_age").index(age)
        xa = x[:, pa]  # (year, *cells, flags..., attain)
        not_done = [i for i, a in enumerate(spec.coords("attain")) if a in low]
        done = [i for i in range(xa.shape[att_axis - 1]) if i not in not_done]
        for ci, sel in enumerate((not_done, done, None)):
            xc = xa if sel is None else np.take(xa, sel, axis=att_axis - 1)
            xc = xc.sum(axis=att_axis - 1, dtype=np.float64)  # (year, *cells, flags...)
            flat = xc.reshape(*xc.shape[: 1 + n_cell], -1)
            total = groups.expand(flat.sum(axis=-1), pres)  # (year, group, og, eth, sex)
            all_ = total[..., -1, -1, -1]
            for ti, (kind, label) in enumerate(TRAITS.values()):
                den[li, ti, ci] = all_
                if kind == "flag":
                    fi = rest.index(label)
                    yes = spec.coords(label).index("yes")
                    xf = np.take(xc, yes, axis=1 + n_cell + fi)
                    xf = xf.reshape(*xf.shape[: 1 + n_cell], -1).sum(axis=-1)
                    num[li, ti, ci] = groups.expand(xf, pres)[..., -1, -1, -1]
                else:
                    idx = [slice(None), slice(None), -1, -1, -1]
                    idx[2 + groups.SPLIT_DIMS.index(kind) - 1] = split_idx[kind][label]
                    num[li, ti, ci] = total[tuple(idx)]
    dims = ("profile_level", "trait", "completion", "year", "group")
    coords = {
        "profile_level": list(NONCOMPLETION),
        "trait": list(TRAITS),
        "completion": list(COMPLETION),
        "year": v.years,
        "group": list(groups.GROUP),
    }
    return _shares(num, den, dims, coords)
