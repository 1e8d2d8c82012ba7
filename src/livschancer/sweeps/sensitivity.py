"""Morris and Sobol' indices (SALib) of chosen indicators in a collected design sweep.

An indicator is a data variable of the run files reduced to one number per design point by
label selections: ``restgruppe_share[group=supported,origin=all]``. Swept dims other than
``design_point`` (``seed``, say) are averaged first, so the indices describe the mean over
Monte Carlo noise. Morris screening gives ``mu_star`` (the mean absolute elementary effect, in
the indicator's unit: how much a key moves it) and ``sigma`` (interactions and non-linearity);
Sobol' gives first-order ``S1`` and total ``ST`` shares of the indicator's variance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import xarray as xr

from livschancer.sweeps.design import GROUP, Design

_SPEC = re.compile(r"^\s*([^\[\]\s]+)\s*(?:\[(.*)\])?\s*$")
#: Index variables per method, as SALib names them.
INDICES = {
    "morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}


class IndicatorError(ValueError):
    """An indicator spec does not reduce the collected Dataset to one number per point."""


@dataclass(frozen=True)
class Indicator:
    """A data variable and label selections: ``name[dim=label,dim=label]``."""

    variable: str
    selection: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        sel = ",".join(f"{d}={v}" for d, v in self.selection)
        return f"{self.variable}[{sel}]" if sel else self.variable


def parse_indicator(text: str) -> Indicator:
    """``"restgruppe_share[group=supported,origin=all]"`` -> :class:`Indicator`."""
    m = _SPEC.match(text)
    if not m:
        raise IndicatorError(f"indicator {text!r}: expected NAME or NAME[dim=label,...]")
    sel = []
    for part in filter(None, (p.strip() for p in (m[2] or "").split(","))):
        dim, eq, label = part.partition("=")
        if not eq or not dim.strip():
            raise IndicatorError(f"indicator {text!r}: {part!r} is not dim=label")
        sel.append((dim.strip(), label.strip()))
    return Indicator(m[1], tuple(sel))


def _label(coord: xr.DataArray, label: str) -> object:
    kind = coord.dtype.kind
    try:
        if kind in "iu":
            return int(label)
        if kind == "f":
            return float(label)
    except ValueError:
        pass
    return label


def indicator_values(ds: xr.Dataset, ind: Indicator, point_names: list[str]) -> np.ndarray:
    """The indicator at each design point (in ``point_names`` order), other swept dims averaged.

    Raises
    ------
    IndicatorError
        The variable or a label does not exist, dims remain unselected, or points are missing.
    """
    if ind.variable not in ds.data_vars:
        raise IndicatorError(
            f"indicator {ind.text!r}: no variable {ind.variable!r}; "
            f"expected one of {sorted(map(str, ds.data_vars))}"
        )
    da = ds[ind.variable]
    for dim, label in ind.selection:
        if dim not in da.dims:
            raise IndicatorError(
                f"indicator {ind.text!r}: {ind.variable} has no dim {dim!r}; dims are {da.dims}"
            )
        value = _label(da[dim], label)
        if value not in da[dim].values:
            raise IndicatorError(
                f"indicator {ind.text!r}: {dim}={label!r} is not a label of {dim}; "
                f"expected one of {da[dim].values.tolist()}"
            )
        da = da.sel({dim: value})
    swept = [d for d in ds.attrs.get("swept_keys", "").split() if d in da.dims]
    left = [d for d in da.dims if d not in swept]
    if left:
        raise IndicatorError(
            f"indicator {ind.text!r} still has dims {left}; select one label of each, e.g. "
            + ",".join(f"{d}={da[d].values[0]}" for d in left if d in da.coords)
        )
    others = [d for d in swept if d != GROUP]
    da = da.mean(others) if others else da
    y = da.sel({GROUP: point_names}).values.astype(float)
    bad = [p for p, v in zip(point_names, y, strict=True) if not np.isfinite(v)]
    if bad:
        raise IndicatorError(
            f"indicator {ind.text!r}: no value at {len(bad)} design points (failed or missing "
            f"jobs, or an undefined share), e.g. {bad[:5]}; rerun the sweep to resume them"
        )
    return y


def indices(ds: xr.Dataset, design: Design, indicators: list[Indicator]) -> xr.Dataset:
    """Sensitivity indices, dims ``(indicator, parameter)``, one variable per index."""
    from SALib.analyze import morris, sobol

    names = design.point_names
    seed = int(design.options.get("seed", 1))
    rows: dict[str, list[np.ndarray]] = {k: [] for k in INDICES[design.method]}
    for ind in indicators:
        y = indicator_values(ds, ind, names)
        if design.method == "morris":
            res = morris.analyze(
                design.problem(),
                design.x,
                y,
                num_levels=int(design.options["levels"]),
                seed=seed,
            )
        else:
            res = sobol.analyze(
                design.problem(),
                y,
                calc_second_order=bool(design.options["second_order"]),
                seed=seed,
            )
        for k in rows:
            rows[k].append(np.asarray(res[k], dtype=float))
    out = xr.Dataset(
        {k: (("indicator", "parameter"), np.array(v)) for k, v in rows.items()},
        coords={"indicator": [i.text for i in indicators], "parameter": design.names},
    )
    others = [d for d in ds.attrs.get("swept_keys", "").split() if d != GROUP]
    out.attrs = {
        "method": design.method,
        "design_points": len(names),
        "averaged_over": " ".join(others),
    }
    return out


def table(result: xr.Dataset) -> str:
    """One block per indicator, keys sorted by their main index (``mu_star`` or ``ST``)."""
    main = "mu_star" if result.attrs["method"] == "morris" else "ST"
    blocks = []
    for ind in result["indicator"].values:
        df = result.sel(indicator=ind).to_dataframe().drop(columns="indicator", errors="ignore")
        df = df.sort_values(main, ascending=False)
        blocks.append(f"{ind} ({result.attrs['method']}):\n{df.to_string(float_format='%.4g')}")
    return "\n\n".join(blocks)
