"""TallyView: the reductions of a tallies Dataset that the indicators share, each made once.

The indicators (``outputs/indicators.py``) are sums of tally cells over an age band, a set of
states and the cells of a comparison group. This view turns each tally once into a plain array
with the cell axes in one order, ``(year, age, sex, menapt, area, member, origin, ...)`` (a
cell dim the tally does not have is an axis of length 1), and caches it, so that computing all
indicators of the registry, or scoring all targets, reads every big tally once.

The big one is ``lifecourse`` (20 million cells for Denmark): it is multiplied once by a 0/1
(transition, category) matrix whose categories are everything the indicators ask of it (the
stock by state, the exam, completions and dropouts by the next activity, arrivals by
attainment; :func:`categories`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import xarray as xr

from livschancer import states
from livschancer.errors import TallyError
from livschancer.outputs import groups, runfile
from livschancer.tallies import spec

#: Next-activity groups of the ``next_after_*`` indicators and the exam categories.
NEXT: dict[str, frozenset[str]] = {
    "education": frozenset(states.ENROLLED),
    "employment": frozenset({"employed"}),
    "neet": frozenset({"neet"}),
    "youth_edu": frozenset({"youth_edu"}),
}
#: Partition of the activities after a completion or dropout (preschool and school cannot
#: follow one).
NEXT_PARTITION: tuple[str, ...] = ("education", "employment", "neet")

#: The sum over a tally's ``from`` dim turns it into a stock of this year's state.
_FROM_DIM: dict[str, str] = {
    "move": "area_from",
    "parent_rg": "parent_rg_from",
    "job": "job_from",
    "poverty": "poverty_from",
    "parent_psych": "parent_psych_from",
    "crime": "crime_ever_from",
}


def _category_predicates() -> dict[str, object]:
    """Category name -> predicate over (from label, to label) of the lifecourse tally."""

    def split(label: str) -> tuple[str, str]:
        a, e = label.split("|")
        return a, e

    preds: dict[str, object] = {"all": lambda f, t: True}
    for s in states.LIFECOURSE:
        preds[f"state:{s}"] = lambda f, t, s=s: t == s
    for nxt, acts in NEXT.items():
        preds[f"exam:{nxt}"] = lambda f, t, acts=acts: (
            f == "school|none" and split(t)[1] == "grundskole" and split(t)[0] in acts
        )
    preds["noexam"] = lambda f, t: (
        f == "school|none" and split(t)[1] == "none" and split(t)[0] not in ("school", "preschool")
    )
    for level in states.LEVELS:
        for nxt in NEXT_PARTITION:
            acts = NEXT[nxt]
            preds[f"complete:{level}:{nxt}"] = lambda f, t, level=level, acts=acts: (
                f != spec.ENTRY
                and split(f)[0] == level
                and split(f)[1] != level
                and split(t)[1] == level
                and split(t)[0] in acts
            )
    for nxt in NEXT_PARTITION:
        acts = NEXT[nxt]
        preds[f"dropout:youth_edu:{nxt}"] = lambda f, t, acts=acts: (
            f != spec.ENTRY
            and split(f)[0] == "youth_edu"
            and split(t)[0] != "youth_edu"
            and split(t)[1] == split(f)[1]
            and split(t)[0] in acts
        )
    for att in states.ATTAIN:
        preds[f"arrive:{att}"] = lambda f, t, att=att: f == spec.ENTRY and split(t)[1] == att
    return preds


@cache
def categories() -> tuple[str, ...]:
    """Names of the lifecourse categories, in the order of :meth:`TallyView.lifecourse`."""
    return tuple(_category_predicates())


@cache
def category_matrix(from_labels: tuple[str, ...], to_labels: tuple[str, ...]) -> np.ndarray:
    """(transition, category) 0/1 float32 matrix for the given ``from``/``to`` coordinates
    (cached; do not modify the result)."""
    preds = _category_predicates()
    m = np.zeros((len(from_labels), len(preds)), dtype=np.float32)
    for j, pred in enumerate(preds.values()):
        for i, (f, t) in enumerate(zip(from_labels, to_labels, strict=True)):
            if pred(f, t):  # type: ignore[operator]
                m[i, j] = 1.0
    return m


def _canonical(
    da: xr.DataArray, head: tuple[str, str], drop: str | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """``da`` as a plain array (head..., sex, menapt, area, member, origin, rest...), with
    length-1 axes for absent cell dims and the dim ``drop`` summed out; returns the array and
    the names of the rest dims. Pure numpy (views where possible): xarray's reshaping builds
    indexes, which costs more than the arithmetic here."""
    dims = da.dims
    rest = tuple(d for d in dims if d not in head and d not in groups.CELL)
    cells = [d for d in groups.CELL if d in dims]
    x = np.transpose(da.values, [dims.index(d) for d in (*head, *cells, *rest)])
    x = np.expand_dims(x, [len(head) + i for i, d in enumerate(groups.CELL) if d not in dims])
    if drop is not None:
        # numpy's reduction over a short inner axis is several times slower than adding slices
        axis = len(head) + len(groups.CELL) + rest.index(drop)
        total = np.take(x, 0, axis=axis).astype(np.int64, copy=True)
        for i in range(1, x.shape[axis]):
            total += np.take(x, i, axis=axis)
        x, rest = total, tuple(d for d in rest if d != drop)
    return x, rest


class TallyView:
    """Cached plain-array reductions of a tallies Dataset (or run file).

    Parameters
    ----------
    tallies
        Tallies with the names and dims of ``tallies/spec.py``.
    last_year
        Drop the years after it (and entry years after it). No indicator looks forward from a
        year, so values up to ``last_year`` do not change; the score passes its latest target
        year to skip the projection years.
    """

    def __init__(self, tallies: xr.Dataset, last_year: int | None = None) -> None:
        if last_year is not None:
            cut = {
                d: slice(None, int(last_year)) for d in ("year", "entry_year") if d in tallies.dims
            }
            tallies = tallies.sel(cut)
        self.ds = tallies
        self.years = runfile.tally_years(tallies)
        if self.years.tolist() != list(range(int(self.years[0]), int(self.years[-1]) + 1)):
            raise TallyError(f"the tallies' years must be consecutive; got {self.years.tolist()}")
        self.ages = np.asarray(states.AGES)
        self._cache: dict[object, object] = {}

    # -- what is there ------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether the tallies hold tally ``name``."""
        return runfile.has_tally(self.ds, name)

    def require(self, *names: str) -> None:
        """Raise :class:`TallyError` naming the first tally of ``names`` that is missing."""
        for n in names:
            if n not in self.ds.data_vars:
                runfile.tally(self.ds, n)

    @staticmethod
    def present(*names: str) -> frozenset[str]:
        """The cell dims all of the tallies ``names`` have."""
        out = set(groups.CELL)
        for n in names:
            out &= set(spec.TALLY[n].dims)
        return frozenset(out)

    def _age_slice(self, ages: tuple[int, int]) -> slice:
        lo, hi = ages
        return slice(lo - states.AGE_MIN, hi - states.AGE_MIN + 1)

    def year_index(self, year: int) -> int | None:
        """Position of ``year`` on the year axis, or None if it was not simulated."""
        i = int(year) - int(self.years[0])
        return i if 0 <= i < len(self.years) else None

    # -- lifecourse ---------------------------------------------------------------------------

    def _lc_input(self) -> tuple[np.ndarray, np.ndarray]:
        """The lifecourse tally as (year, age, *cells, transition) and its category matrix."""
        if "lc_input" not in self._cache:
            da = runfile.tally(self.ds, "lifecourse")
            m = category_matrix(
                tuple(runfile._labels(da["from"].values)), tuple(runfile._labels(da["to"].values))
            )
            x, _ = _canonical(da, ("year", "age"))
            self._cache["lc_input"] = (x, m)
        return self._cache["lc_input"]  # type: ignore[return-value]

    def lifecourse(self) -> np.ndarray:
        """(category, year, age, sex, menapt, area, member, origin) float array."""
        key = "lifecourse"
        if key not in self._cache:
            x, m = self._lc_input()
            flat = x.reshape(-1, x.shape[-1])
            # float32 BLAS is exact while every partial sum stays below 2**24. The category
            # "all" is the row sum, which bounds them (and a float32 sum that reaches 2**24 stays
            # there), so check it after the fact and redo in float64 only if it got that large.
            # (Tried: reducing only the target years and gathering the few cohort-sum
            # transitions separately; no faster than this one product.)
            out = m.T @ flat.astype(np.float32).T
            if out.size and out[0].max() >= 2**24:
                out = m.T.astype(np.float64) @ flat.astype(np.float64).T
            self._cache[key] = out.reshape(m.shape[1], *x.shape[:-1])
        return self._cache[key]  # type: ignore[return-value]

    def lc_by_age(self, cols: list[str] | tuple[str, ...]) -> np.ndarray:
        """Sum of lifecourse categories ``cols``: float64 (year, age, *cells)."""
        cats = categories()
        lc = self.lifecourse()
        out = np.zeros(lc.shape[1:], dtype=np.float64)
        for c in cols:
            out += lc[cats.index(c)]
        return out

    def lc_band(self, cols: list[str] | tuple[str, ...], ages: tuple[int, int]) -> np.ndarray:
        """Sum of lifecourse categories ``cols`` over the age band: float64 (year, *cells).

        Memoised: the same denominator serves many indicators.
        """
        key = ("lc_band", tuple(cols), tuple(ages))
        if key not in self._cache:
            cats = categories()
            lc = self.lifecourse()
            sl = self._age_slice(ages)
            out = np.zeros((lc.shape[1], *lc.shape[3:]), dtype=np.float64)
            for c in cols:
                out += lc[cats.index(c), :, sl].sum(axis=1, dtype=np.float64)
            self._cache[key] = out
        return self._cache[key].copy()  # type: ignore[union-attr]

    # -- the other tallies --------------------------------------------------------------------

    def stock_array(self, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """Tally ``name`` summed over its ``from`` dim (if any): (year, age, *cells, *rest);
        the profile tally's second axis is ``profile_age``."""
        key = ("stock", name)
        if key not in self._cache:
            da = runfile.tally(self.ds, name)
            head = ("year", "profile_age") if name == "profile" else ("year", "age")
            self._cache[key] = _canonical(da, head, _FROM_DIM.get(name))
        return self._cache[key]  # type: ignore[return-value]

    def _reduce(
        self, name: str, x: np.ndarray, rest: tuple[str, ...], select: dict | None
    ) -> np.ndarray:
        select = select or {}
        for dim in select:
            if dim not in rest:
                raise KeyError(f"tally {name!r} has no dim {dim!r} to select on; it has {rest}")
        # reduce the rest dims from the last one backwards, so axis numbers stay valid
        for pos in range(len(rest) - 1, -1, -1):
            dim = rest[pos]
            axis = 2 + len(groups.CELL) + pos
            if dim in select:
                want = select[dim]
                want = [want] if isinstance(want, str) else list(want)
                labels = spec.coords(dim)
                x = np.take(x, [labels.index(w) for w in want], axis=axis)
            x = x.sum(axis=axis, dtype=np.float64)
        return x

    def cells(
        self, name: str, ages: tuple[int, int], select: dict[str, list[str] | str] | None = None
    ) -> np.ndarray:
        """Persons of tally ``name`` over the age band with the ``select``-ed labels of its other
        dims (all labels of a dim not named): float64 (year, sex, menapt, area, member, origin).
        """
        x, rest = self.stock_array(name)
        x = self._reduce(name, x[:, self._age_slice(ages)], rest, select)
        return x.sum(axis=1, dtype=np.float64)

    def cells_by_age(
        self, name: str, select: dict[str, list[str] | str] | None = None
    ) -> np.ndarray:
        """As :meth:`cells` but keeping ages: float64 (year, age, *cells)."""
        x, rest = self.stock_array(name)
        return np.asarray(self._reduce(name, x, rest, select), dtype=np.float64)

    def entrants(self, level: str) -> np.ndarray:
        """Entrants to ``level``: (entry_year, entry_age, *cells, years_since, status) int."""
        key = ("entrants", level)
        if key not in self._cache:
            da = runfile.tally(self.ds, "entrants").sel(level=level, drop=True)
            ey = np.asarray(da["entry_year"].values, dtype=np.int64)
            if ey.tolist() != self.years.tolist():
                raise TallyError(
                    "tally 'entrants': entry_year labels must equal the years of the other "
                    f"tallies {self.years[0]}-{self.years[-1]}; got {ey[0]}-{ey[-1]}"
                )
            x, _ = _canonical(da, ("entry_year", "entry_age"))
            self._cache[key] = x
        return self._cache[key]  # type: ignore[return-value]


def cohort_cumsum(x: np.ndarray) -> np.ndarray:
    """Cumulative sum along birth cohorts: ``out[y, a] = sum_{d=0..a} x[y-d, a-d]``.

    ``x`` has the axes (year, age, ...) with consecutive years and ages from 0; cohorts born
    before the first year miss their early years (zero there)."""
    out = x.astype(np.float64, copy=True)
    n_year, n_age = x.shape[:2]
    for d in range(1, min(n_year, n_age)):
        out[d:, d:] += x[:-d, :-d]
    return out


def diagonal(x: np.ndarray, ages: tuple[int, int], max_shift: int) -> np.ndarray:
    """Entrants seen at the ages of a band: ``sum over s and a in ages of x[y - s, a - s, ...,
    s, :]``.

    For the entrants tally: persons who entered at ``ea`` in ``ey`` seen ``s`` years later are
    aged ``ea + s`` in year ``ey + s``. ``x``: (entry_year, entry_age, *cells, years_since,
    status) with entry ages from 0; returns (year, *cells, status) on the same year labels,
    summed over the band's ages. Only the band's slices are read.
    """
    out = np.zeros((x.shape[0], *x.shape[2:-2], x.shape[-1]), dtype=np.float64)
    n_year = x.shape[0]
    for s in range(0, min(max_shift, x.shape[-2] - 1) + 1):
        if s >= n_year:
            break
        for a in range(ages[0], ages[1] + 1):
            ea = a - s
            if ea < 0:
                continue
            if s == 0:
                out += x[:, ea, ..., 0, :]
            else:
                out[s:] += x[:-s, ea, ..., s, :]
    return out
