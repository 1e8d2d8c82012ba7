"""Pure-NumPy twin of the counting pass (``tallies/count.py``): person-year records -> tallies.

Vectorised over persons, looping over ages. It reads the tally layout from ``tallies.spec``
(names, dims, labels: the specification) and the record layout from ``tallies.records``, and
nothing from ``tallies/count.py``. Indices are found by label (``coords(dim).index(...)``), so a
mislabelled axis in the kernel shows up as a difference.
"""

from __future__ import annotations

import numpy as np

from livschancer import states
from livschancer.tallies import spec
from livschancer.tallies.records import ABSENT, BITS

N_AGE = 30
#: Longest follow-up of entrants (years_since 0..7: higher education within 7 years).
FOLLOW_YEARS = 7


def _bit(bits: np.ndarray, name: str) -> np.ndarray:
    return ((bits.astype(np.int64) >> BITS[name]) & 1).astype(np.int64)


def _index(dim: str, label) -> int:
    return spec.coords(dim, np.arange(1)).index(label)


def count_reference(people, records, year0: int, n_year: int) -> dict[str, np.ndarray]:
    """The tallies of ``records`` (a ``Records``-like bundle) as int64 arrays by tally name."""
    out = {t.name: np.zeros(spec.shape(t.name, n_year), np.int64) for t in spec.TALLIES}
    f_codes, t_codes = spec.transitions()
    tindex = {(int(f), int(t)): i for i, (f, t) in enumerate(zip(f_codes, t_codes, strict=True))}
    entry = -1
    act_of = np.array([states.ACTIVITY.index(a) for a, _ in states.LIFECOURSE_PAIRS])
    att_of = np.array([states.ATTAIN.index(e) for _, e in states.LIFECOURSE_PAIRS])
    flag_entry = _index("job_from", spec.ENTRY)
    area_entry = _index("area_from", spec.ENTRY)
    arrive = people.arrival_age.astype(np.int64)
    by = people.birth_year.astype(np.int64)
    sx = people.sex.astype(np.int64)
    mn = people.menapt.astype(np.int64)
    state = records.state.astype(np.int64)
    area = records.area.astype(np.int64)
    bits = records.bits
    levels = [(lv, states.ACTIVITY.index(lv), states.ATTAIN.index(lv)) for lv in states.LEVELS]
    for a in range(N_AGE):
        i = np.nonzero((a >= arrive) & (state[:, a] != ABSENT))[0]
        if i.size == 0:
            continue
        y = by[i] + a - year0
        s = state[i, a]
        ar = area[i, a]
        w = bits[i, a]
        mb, og, prg = _bit(w, "member"), _bit(w, "origin"), _bit(w, "parent_rg")
        first = arrive[i] == a
        prev = np.where(first, 0, a - 1) if a > 0 else np.zeros(i.size, np.int64)
        wp = bits[i, prev]
        ps = np.where(first, entry, state[i, prev])
        pa = np.where(first, area_entry, area[i, prev])

        def frm(name, wp=wp, first=first):
            return np.where(first, flag_entry, _bit(wp, name))

        trans = np.array([tindex[(int(f), int(t))] for f, t in zip(ps, s, strict=True)])
        act = act_of[s]
        np.add.at(
            out["move"],
            (y, a, mn[i], np.where(first, prg, _bit(wp, "parent_rg")), pa, ar),
            1,
        )
        np.add.at(out["parent_rg"], (y, a, mn[i], ar, mb, frm("parent_rg"), prg), 1)
        np.add.at(out["lifecourse"], (y, a, sx[i], mn[i], ar, mb, og, trans), 1)
        np.add.at(out["job"], (y, a, sx[i], mn[i], ar, mb, act, frm("job"), _bit(w, "job")), 1)
        np.add.at(out["poverty"], (y, a, mn[i], ar, mb, og, frm("poverty"), _bit(w, "poverty")), 1)
        np.add.at(
            out["parent_psych"],
            (y, a, mn[i], ar, mb, og, frm("parent_psych"), _bit(w, "parent_psych")),
            1,
        )
        crime_from = np.where(first, flag_entry, _bit(w, "crime_before"))
        np.add.at(out["crime"], (y, a, sx[i], mn[i], ar, mb, og, crime_from, _bit(w, "crime")), 1)
        np.add.at(out["poverty_ever"], (y, a, mn[i], ar, mb, og, _bit(w, "poverty_ever")), 1)
        if a in spec.PROFILE_AGES:
            ever_crime = _bit(w, "crime_before") | _bit(w, "crime")
            np.add.at(
                out["profile"],
                (
                    y,
                    spec.PROFILE_AGES.index(a),
                    sx[i],
                    mn[i],
                    ar,
                    mb,
                    og,
                    _bit(w, "poverty_ever"),
                    _bit(w, "parent_psych"),
                    ever_crime,
                    _bit(w, "dropout_ever"),
                    att_of[s],
                ),
                1,
            )
        # entrants: into the level's activity from another activity, or after completing a
        # level while in it (a second higher education); never on a first record
        for lv_i, (_, lv_act, lv_att) in enumerate(levels):
            if a == 0:
                break
            ps_safe = np.where(first, 0, ps)
            new = (
                ~first
                & (act == lv_act)
                & ((act_of[ps_safe] != lv_act) | (att_of[ps_safe] != att_of[s]))
            )
            e = np.nonzero(new)[0]
            if e.size == 0:
                continue
            ie = i[e]
            completed = np.zeros(e.size, bool)
            for k in range(FOLLOW_YEARS + 1):
                b = a + k
                if b >= N_AGE:
                    break
                if k > 0:
                    s0, s1 = state[ie, b - 1], state[ie, b]
                    completed |= (
                        (act_of[s0] == lv_act) & (att_of[s0] < lv_att) & (att_of[s1] == lv_att)
                    )
                status = np.where(
                    completed,
                    _index("status", "completed"),
                    np.where(
                        act_of[state[ie, b]] == lv_act,
                        _index("status", "enrolled"),
                        _index("status", "left"),
                    ),
                )
                np.add.at(
                    out["entrants"],
                    (y[e], lv_i, a, sx[ie], mn[ie], ar[e], mb[e], og[e], k, status),
                    1,
                )
        for ki, k in enumerate(spec.FOLLOW_K):
            if a + k < N_AGE:
                later = act_of[state[i, a + k]]
                np.add.at(out["followup"], (y, a, mb, og, ki, s, later), 1)
    return out
