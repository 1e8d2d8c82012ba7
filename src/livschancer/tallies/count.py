"""Counting person-year records into the tallies (numba), and labelling the result.

The counting pass is parallel over **ages**: every tally has an age dim (``age``,
``entry_age`` or ``profile_age``), so the threads write disjoint slices of one shared set of
tallies. Memory therefore does not grow with the number of threads, and integer counts make the
result independent of how persons are split into chunks. The NumPy twin is
``tests/tallies/reference.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr
from numba import njit, prange

from livschancer import states
from livschancer.tallies import spec
from livschancer.tallies.records import ABSENT, BITS, People, Records

N_AGE = states.N_AGE
N_STATE = states.N_STATE
FOLLOW_YEARS = states.FOLLOW_YEARS
B_MEMBER = BITS["member"]
B_ORIGIN = BITS["origin"]
B_PRG = BITS["parent_rg"]
B_JOB = BITS["job"]
B_POVERTY = BITS["poverty"]
B_PSYCH = BITS["parent_psych"]
B_CRIME = BITS["crime"]
B_POVERTY_EVER = BITS["poverty_ever"]
B_CRIME_BEFORE = BITS["crime_before"]
B_DROPOUT_EVER = BITS["dropout_ever"]
ENTRY_FLAG = 2  # index of "entry" on a *_from dim of a flag (spec.FLAG_FROM)
ENTRY_AREA = len(states.AREA)  # index of "entry" on area_from (spec.AREA_FROM)
ST_COMPLETED, ST_ENROLLED, ST_LEFT = 0, 1, 2  # spec.ENTRANT_STATUS


class TallyArrays(NamedTuple):
    """One int32 array per tally, shapes ``spec.shape(name, n_year)``, in ``spec.TALLIES``
    order."""

    move: np.ndarray
    parent_rg: np.ndarray
    lifecourse: np.ndarray
    job: np.ndarray
    poverty: np.ndarray
    parent_psych: np.ndarray
    crime: np.ndarray
    poverty_ever: np.ndarray
    profile: np.ndarray
    entrants: np.ndarray
    followup: np.ndarray


class Lookup(NamedTuple):
    """Code tables the counting kernel needs (from ``states`` and ``spec``)."""

    tindex: np.ndarray  # int16 (S + 1, S), spec.transition_index()
    activity_of: np.ndarray  # int8 (S,)
    attain_of: np.ndarray  # int8 (S,)
    level_activity: np.ndarray  # int8 (n_level,)
    level_attain: np.ndarray  # int8 (n_level,)
    profile_index: np.ndarray  # int8 (30,), index on profile_age or -1
    follow_k: np.ndarray  # int8 (n_k,)


def lookup() -> Lookup:
    """The :class:`Lookup` of the registry."""
    prof = np.full(N_AGE, -1, np.int8)
    for i, a in enumerate(spec.PROFILE_AGES):
        prof[a] = i
    return Lookup(
        tindex=spec.transition_index(),
        activity_of=states.ACTIVITY_OF.copy(),
        attain_of=states.ATTAIN_OF.copy(),
        level_activity=np.array([states.ACTIVITY.index(lv) for lv in states.LEVELS], np.int8),
        level_attain=np.array([states.ATTAIN.index(lv) for lv in states.LEVELS], np.int8),
        profile_index=prof,
        follow_k=np.array(spec.FOLLOW_K, np.int8),
    )


def empty_tallies(n_year: int) -> TallyArrays:
    """Zero tallies for ``n_year`` calendar years."""
    return TallyArrays(*[np.zeros(spec.shape(t.name, n_year), np.int32) for t in spec.TALLIES])


@njit(cache=True, inline="always")
def _bit(word, b):
    return (word >> b) & 1


@njit(cache=True)
def _count_age(a, people, rec, year0, lk, t):
    """Add every record at age ``a`` of a chunk to the tallies (one thread's share)."""
    n = people.person_id.shape[0]
    n_level = lk.level_activity.shape[0]
    n_k = lk.follow_k.shape[0]
    pi = lk.profile_index[a]
    for i in range(n):
        arrive = people.arrival_age[i]
        if a < arrive:
            continue
        s = rec.state[i, a]
        if s == ABSENT:
            continue
        y = people.birth_year[i] + a - year0
        sx = people.sex[i]
        mn = people.menapt[i]
        ar = rec.area[i, a]
        w = rec.bits[i, a]
        mb = _bit(w, B_MEMBER)
        og = _bit(w, B_ORIGIN)
        first = a == arrive
        if first:
            ps = N_STATE
            pa = ENTRY_AREA
            f_prg = ENTRY_FLAG
            f_job = ENTRY_FLAG
            f_pov = ENTRY_FLAG
            f_psy = ENTRY_FLAG
            f_crime = ENTRY_FLAG
            mv_prg = _bit(w, B_PRG)
        else:
            wp = rec.bits[i, a - 1]
            ps = rec.state[i, a - 1]
            pa = rec.area[i, a - 1]
            f_prg = _bit(wp, B_PRG)
            f_job = _bit(wp, B_JOB)
            f_pov = _bit(wp, B_POVERTY)
            f_psy = _bit(wp, B_PSYCH)
            f_crime = _bit(w, B_CRIME_BEFORE)
            mv_prg = f_prg
        act = lk.activity_of[s]
        # 1.-4. one record per process
        t.move[y, a, mn, mv_prg, pa, ar] += 1
        t.parent_rg[y, a, mn, ar, mb, f_prg, _bit(w, B_PRG)] += 1
        t.lifecourse[y, a, sx, mn, ar, mb, og, lk.tindex[ps, s]] += 1
        t.job[y, a, sx, mn, ar, mb, act, f_job, _bit(w, B_JOB)] += 1
        t.poverty[y, a, mn, ar, mb, og, f_pov, _bit(w, B_POVERTY)] += 1
        t.parent_psych[y, a, mn, ar, mb, og, f_psy, _bit(w, B_PSYCH)] += 1
        t.crime[y, a, sx, mn, ar, mb, og, f_crime, _bit(w, B_CRIME)] += 1
        t.poverty_ever[y, a, mn, ar, mb, og, _bit(w, B_POVERTY_EVER)] += 1
        if pi >= 0:
            crime_ever = _bit(w, B_CRIME_BEFORE) | _bit(w, B_CRIME)
            t.profile[
                y,
                pi,
                sx,
                mn,
                ar,
                mb,
                og,
                _bit(w, B_POVERTY_EVER),
                _bit(w, B_PSYCH),
                crime_ever,
                _bit(w, B_DROPOUT_EVER),
                lk.attain_of[s],
            ] += 1
        # entrants: entering a level's education this year (not a first record)
        if not first:
            for lv in range(n_level):
                la = lk.level_activity[lv]
                if act == la and (lk.activity_of[ps] != la or lk.attain_of[ps] != lk.attain_of[s]):
                    done = 0
                    for k in range(FOLLOW_YEARS + 1):
                        b = a + k
                        if b >= N_AGE:
                            break
                        if k > 0 and done == 0:
                            s0 = rec.state[i, b - 1]
                            s1 = rec.state[i, b]
                            if (
                                lk.activity_of[s0] == la
                                and lk.attain_of[s1] == lk.level_attain[lv]
                                and lk.attain_of[s0] < lk.level_attain[lv]
                            ):
                                done = 1
                        if done == 1:
                            st = ST_COMPLETED
                        elif lk.activity_of[rec.state[i, b]] == la:
                            st = ST_ENROLLED
                        else:
                            st = ST_LEFT
                        t.entrants[y, lv, a, sx, mn, ar, mb, og, k, st] += 1
        # followup: activity k years later
        for ki in range(n_k):
            b = a + lk.follow_k[ki]
            if b < N_AGE:
                t.followup[y, a, mb, og, ki, s, lk.activity_of[rec.state[i, b]]] += 1


@njit(cache=True, parallel=True)
def count_chunk(people, rec, year0, lk, t):
    """Add the records of a chunk to the tallies ``t``, in parallel over ages."""
    for a in prange(N_AGE):
        _count_age(a, people, rec, year0, lk, t)


def count_records(
    people: People, records: Records, year0: int, tallies: TallyArrays, lk: Lookup | None = None
) -> None:
    """Add a chunk's records to ``tallies`` (in place)."""
    count_chunk(people, records, np.int64(year0), lk or lookup(), tallies)


def label_tallies(tallies: TallyArrays, year0: int) -> xr.Dataset:
    """The tallies as a Dataset of labelled int32 DataArrays (dims and labels of ``spec``)."""
    n_year = tallies.lifecourse.shape[0]
    years = np.arange(year0, year0 + n_year)
    out = {}
    for t in spec.TALLIES:
        arr = getattr(tallies, t.name)
        coords = {d: spec.coords(d, years) for d in t.dims}
        da = xr.DataArray(arr, dims=t.dims, coords=coords, name=t.name)
        da.attrs = {"long_name": t.description, "units": "persons"}
        out[t.name] = da
    f_lab, t_lab = spec.transition_labels()
    out["lifecourse"] = out["lifecourse"].assign_coords(
        {"from": ("transition", f_lab), "to": ("transition", t_lab)}
    )
    return xr.Dataset(out)
