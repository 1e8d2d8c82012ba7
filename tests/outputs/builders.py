"""Hand-built tallies for the outputs tests: the exact spec dims, zeros, and a few cells set.

``zero_tallies(years)`` returns a Dataset with one int64 DataArray per tally of
``tallies/spec.py`` (coords from ``spec.coords``; the lifecourse ``transition`` dim carries the
``from``/``to`` coordinates). ``put`` adds a count to one cell by labels; dims not named are
an error, except the cell dims (defaults in :data:`DEFAULTS`) and no/yes flags ("no").
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from livschancer.tallies import spec

#: Labels used for dims a test does not name.
DEFAULTS: dict[str, object] = {
    "sex": "m",
    "menapt": "non_menapt",
    "area": "rest",
    "member": "not_member",
    "origin": "not_restgruppe",
}


def zero_tally(name: str, years: list[int]) -> xr.DataArray:
    dims = spec.TALLY[name].dims
    coords: dict[str, object] = {d: spec.coords(d, np.asarray(years)) for d in dims}
    da = xr.DataArray(
        np.zeros(spec.shape(name, len(years)), dtype=np.int64), dims=dims, coords=coords
    )
    if name == "lifecourse":
        f, t = spec.transition_labels()
        da = da.assign_coords({"from": ("transition", f), "to": ("transition", t)})
    return da


def zero_tallies(years: list[int] | range) -> xr.Dataset:
    years = [int(y) for y in years]
    return xr.Dataset({t.name: zero_tally(t.name, years) for t in spec.TALLIES})


def transition_index(frm: str, to: str) -> int:
    f, t = spec.transition_labels()
    for i, (a, b) in enumerate(zip(f, t, strict=True)):
        if a == frm and b == to:
            return i
    raise KeyError(f"transition {frm} -> {to} is not allowed")


def put(ds: xr.Dataset, name: str, count: int, **labels: object) -> None:
    """Add ``count`` to the cell of tally ``name`` at ``labels`` (in place).

    For ``lifecourse`` give ``frm=`` and ``to=`` (state labels, or ``"entry"`` for ``frm``).
    """
    da = ds[name]
    if name == "lifecourse":
        labels["transition"] = transition_index(str(labels.pop("frm")), str(labels.pop("to")))
    idx = []
    for d in da.dims:
        if d in labels:
            lab = labels.pop(d)
        elif d in DEFAULTS:
            lab = DEFAULTS[d]
        elif list(da[d].values) == ["no", "yes"]:  # a risk-history flag: "no" unless named
            lab = "no"
        else:
            raise KeyError(f"put({name!r}): give a label for dim {d!r}")
        idx.append(list(da[d].values).index(lab))
    if labels:
        raise KeyError(f"put({name!r}): {sorted(labels)} are not dims of the tally")
    da.values[tuple(idx)] += count
