"""Ratio: an indicator's numerator and denominator over the indicator dims, and its MC error.

Every indicator is a ratio of person counts (or event counts over persons), so its Monte Carlo
standard error follows from the counts behind it:

- a share ``p = num / den``: binomial, ``sqrt(p (1 - p) / den)``;
- a rate (events per person per year): Poisson, ``sqrt(num) / den``.

For a register panel the same formulas give the sampling error of a 100% register, which is
the right reading only for a sample; the score adds the target's own error separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from livschancer.outputs import groups

KINDS: tuple[str, ...] = ("share", "rate")


@dataclass(frozen=True)
class Ratio:
    """Numerator and denominator over (year, group, origin_group, ethnicity, sex_group).

    ``unavailable`` maps a cell dim the tallies behind the ratio lack to the reason, e.g.
    ``{"sex": "the 'poverty' tally has no 'sex' dim"}``; the labels that need it are NaN.
    """

    num: np.ndarray
    den: np.ndarray
    kind: str
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def value(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.den > 0, self.num / np.where(self.den > 0, self.den, 1), np.nan)

    @property
    def se(self) -> np.ndarray:
        """Monte Carlo standard error (binomial for shares, Poisson for rates)."""
        return standard_error(self.num, self.den, self.kind)

    def reason(self, group: str, origin_group: str, ethnicity: str, sex_group: str) -> str | None:
        """Why the cell with these labels cannot be computed, or None."""
        for dim, label in zip(
            groups.SPLIT_DIMS, (group, origin_group, ethnicity, sex_group), strict=True
        ):
            need = groups.NEEDS.get((dim, label))
            if need is not None and need in self.unavailable:
                return self.unavailable[need]
        return None

    def to_dataset(self, years: np.ndarray) -> xr.Dataset:
        """``value``, ``se``, ``num``, ``den`` as DataArrays over the indicator dims."""
        dims = ("year", *groups.SPLIT_DIMS)
        coords = {"year": np.asarray(years), **{d: list(groups.SPLIT_LABELS[d]) for d in dims[1:]}}
        return xr.Dataset(
            {
                "value": (dims, self.value),
                "se": (dims, self.se),
                "num": (dims, self.num),
                "den": (dims, self.den),
            },
            coords=coords,
        )


def standard_error(num: np.ndarray, den: np.ndarray, kind: str) -> np.ndarray:
    """MC standard error of ``num / den``: binomial for ``share``, Poisson for ``rate``."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    ok = den > 0
    safe = np.where(ok, den, 1.0)
    with np.errstate(invalid="ignore"):
        if kind == "share":
            p = np.clip(num / safe, 0.0, 1.0)
            out = np.sqrt(p * (1.0 - p) / safe)
        elif kind == "rate":
            out = np.sqrt(np.maximum(num, 0.0)) / safe
        else:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    return np.where(ok, out, np.nan)


def ratio(
    num_cells: np.ndarray,
    den_cells: np.ndarray,
    tallies: tuple[str, ...],
    kind: str = "share",
) -> Ratio:
    """Expand cell arrays (year, sex, menapt, area, member, origin) into a :class:`Ratio`.

    ``tallies`` are the tallies the counts come from: a label needing a cell dim that any of
    them lacks is NaN, with the reason recorded.
    """
    from livschancer.tallies import spec  # local: keeps this module light for the registry

    present = set(groups.CELL)
    reasons: dict[str, str] = {}
    for t in tallies:
        dims = set(spec.TALLY[t].dims)
        for d in groups.CELL:
            if d not in dims and d not in reasons:
                reasons[d] = f"the {t!r} tally has no {d!r} dim"
        present &= dims
    num_cells, den_cells = fold(num_cells, den_cells)
    pres = frozenset(present)
    return Ratio(
        num=groups.expand(num_cells, pres),
        den=groups.expand(den_cells, pres),
        kind=kind,
        unavailable=reasons,
    )


def fold(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast the two cell arrays to one shape, summing a cell axis that only one of them
    has (a lifecourse numerator with a job-tally correction has no origin axis to split)."""
    shape = tuple(min(a, b) for a, b in zip(num.shape, den.shape, strict=True))
    for axis, n in enumerate(shape):
        if n == 1:
            if num.shape[axis] != 1:
                num = num.sum(axis=axis, keepdims=True)
            if den.shape[axis] != 1:
                den = den.sum(axis=axis, keepdims=True)
    return num, den
