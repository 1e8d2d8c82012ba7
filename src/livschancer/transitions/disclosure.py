"""Disclosure-safe export of tallies and probabilities (domain.md 3): ``livschancer export``.

Rule: with a minimum cell size ``k`` (default :data:`MIN_CELL`, set by the data provider), no
exported count lies in ``1 .. k-1``, and no such count can be recovered exactly from the
exported numbers by subtracting published margins and cells from each other, in one step or
through any chain of subtractions (any linear combination of the published equations). A count
of 0 identifies nobody and is published (structural zeros are public knowledge anyway).

How: every exported count is a cell, a row total N (over the outcome) or a cell total S (the
persons of a covariate cell, which every tally of the same persons implies, so it is treated as
public). Counts in ``1 .. k-1`` are suppressed (primary suppression). Then enough further counts
are suppressed that the published equations (``N = sum of the row``, ``S = sum of the N``) leave
every suppressed count free (secondary suppression, :func:`protect_blocks`, vectorised: rules
(a)-(c) in its docstring, which follow from the null space of those equations). For tables
with any other pattern of published margins, :func:`protect` solves the equations per connected
component of the suppressed counts with an SVD null space: a count is recoverable when every
solution gives it the same value, which also catches counts recoverable only through a chain of
subtractions; the smallest published count of an equation that reveals it is then suppressed,
until nothing below ``k`` is recoverable.

Scope (docs/panel.md): each exported table is protected against its own cells, row totals and
cell totals. Linkage between different tallies of the same persons by other covariates, and
between one year's outcome totals and the next year's row totals, is not audited: export only
the tables that are needed (by default the seven process tallies estimation uses).

The export states what was done (attributes: the rule, the number of primary and secondary
suppressions per table). Estimation from an export works (:func:`tallies_from_export`): a
suppressed cell of a row whose N is published gets an equal share of the row's unpublished
remainder; rows whose N is suppressed lose their suppressed cells (fewer than k persons each).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from livschancer import states
from livschancer.errors import ConfigError, exit_on_error
from livschancer.tallies import spec
from livschancer.transitions.estimate import TALLIES_USED

#: Default minimum cell size (commonly 5 at Statistics Denmark; a configuration value).
MIN_CELL: int = 5
#: The tallies an export holds by default: the ones estimation needs.
EXPORT_TALLIES: tuple[str, ...] = TALLIES_USED
#: Outcome dim of each exported tally (its N is the total over it).
OUTCOME_DIM: dict[str, str] = {
    "move": "area_to",
    "parent_rg": "parent_rg_to",
    "lifecourse": "to",
    "job": "job_to",
    "poverty": "poverty_to",
    "parent_psych": "parent_psych_to",
    "crime": "crime_event",
}
#: The dim whose rows make up a block (the previous state): a block is a covariate cell.
ROW_DIM: dict[str, str] = {
    "move": "area_from",
    "parent_rg": "parent_rg_from",
    "lifecourse": "from",
    "job": "job_from",
    "poverty": "poverty_from",
    "parent_psych": "parent_psych_from",
    "crime": "crime_ever_from",
}
_TOL = 1e-9


@dataclass
class Protected:
    """A protected table: cells and margins with suppressed entries as NaN, and what was done."""

    cells: np.ndarray
    margins: list[np.ndarray]
    primary: int
    secondary: int


def protect(
    cells: np.ndarray, groups: list[list[np.ndarray]], min_cell: int = MIN_CELL
) -> Protected:
    """Protect a table of counts with any set of published margins.

    ``cells`` is a flat array of counts; ``groups[m]`` lists, for margin family ``m``, the flat
    cell indices summed by each of its entries (a family's entries may overlap another
    family's: row and column totals). Returns the cells and each family's margin entries with
    suppressed values as NaN.
    """
    _check_min_cell(min_cell)
    cells = np.asarray(cells, dtype=np.int64).ravel()
    n_cell = cells.shape[0]
    eqs: list[np.ndarray] = []
    values = list(cells)
    fam_of: list[tuple[int, int]] = []
    for m, fam in enumerate(groups):
        for j, idx in enumerate(fam):
            eqs.append(np.asarray(idx, dtype=np.int64))
            values.append(int(cells[np.asarray(idx, dtype=np.int64)].sum()))
            fam_of.append((m, j))
    vals = np.asarray(values, dtype=np.int64)
    n_var = vals.shape[0]
    hidden = (vals > 0) & (vals < min_cell)
    primary = int(hidden.sum())
    secondary = 0
    # variables of each equation: its cells and its own margin variable
    eq_vars = [np.concatenate([e, [n_cell + q]]) for q, e in enumerate(eqs)]
    while True:
        found = _recoverable(eq_vars, hidden, n_var)
        if found is None:
            break
        var, comp = found
        # the equations through the revealed count: hide their smallest published non-zero
        # cell, else their smallest published margin; failing both, look in the equations
        # of the whole component (a margin revealed by other margins)
        pool = np.zeros(0, np.int64)
        for eq_set in ([v for v in eq_vars if var in v], [eq_vars[q] for q in comp], eq_vars):
            cand = np.unique(np.concatenate(eq_set))
            free = cand[~hidden[cand] & (vals[cand] > 0)]
            cells_free = free[free < n_cell]
            pool = cells_free if cells_free.size else free
            if pool.size:
                break
        if not pool.size:
            break
        pick = pool[np.argmin(vals[pool])]
        hidden[pick] = True
        secondary += 1
    out = np.where(hidden, np.nan, vals.astype(np.float64))
    margins: list[np.ndarray] = [np.empty(len(f)) for f in groups]
    for q, (m, j) in enumerate(fam_of):
        margins[m][j] = out[n_cell + q]
    return Protected(out[:n_cell], margins, primary, secondary)


def _recoverable(
    eq_vars: list[np.ndarray], hidden: np.ndarray, n_var: int
) -> tuple[int, list[int]] | None:
    """A hidden variable whose value the published equations determine, and the equations of
    its connected component; None if there is none. Per connected component of hidden
    variables: the rows of the equation matrix over the hidden variables; a variable is
    determined iff every null-space vector is zero there."""
    parent = np.arange(n_var)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    hidden_eqs = []
    for q, v in enumerate(eq_vars):
        h = v[hidden[v]]
        if h.size:
            hidden_eqs.append((q, h))
            r0 = find(int(h[0]))
            for x in h[1:]:
                r = find(int(x))
                if r != r0:
                    parent[r] = r0
    comps: dict[int, list[tuple[int, np.ndarray]]] = {}
    for q, h in hidden_eqs:
        comps.setdefault(find(int(h[0])), []).append((q, h))
    for eqs in comps.values():
        var_ids = np.unique(np.concatenate([h for _, h in eqs]))
        pos = {int(v): i for i, v in enumerate(var_ids)}
        a = np.zeros((len(eqs), var_ids.shape[0]))
        for r, (q, h) in enumerate(eqs):
            for x in h:
                # the margin variable enters with -1, cells with +1 (margin - sum = 0)
                a[r, pos[int(x)]] = -1.0 if int(x) == int(eq_vars[q][-1]) else 1.0
        _, s, vt = np.linalg.svd(a, full_matrices=True)
        rank = int((s > _TOL * max(1.0, s.max() if s.size else 1.0)).sum())
        null = vt[rank:]
        determined = np.all(np.abs(null) < 1e-8, axis=0) if null.size else np.ones(a.shape[1], bool)
        if determined.any():
            i = int(np.flatnonzero(determined)[0])
            return int(var_ids[i]), [q for q, _ in eqs]
    return None


def protect_blocks(
    counts: np.ndarray, min_cell: int = MIN_CELL
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Protect a (blocks, rows, outcomes) table published with its row totals N and its block
    totals S (the stock of a covariate cell: every tally of the same persons implies it, so it
    is treated as public); vectorised.

    With S known, nothing below ``min_cell`` can be recovered when (a) a row with a published N
    has 0 or >= 2 suppressed cells, (b) a row with a suppressed N has >= 1 suppressed cell, and
    (c) a block has 0 or >= 2 rows with a suppressed N (any combination of the row and block
    equations then leaves each unknown free). Blocks whose S is itself in 1..min_cell-1 are
    suppressed whole. Returns cells, N and S with suppressed entries as NaN, and the numbers of
    primary and secondary suppressions.
    """
    _check_min_cell(min_cell)
    c = np.asarray(counts, dtype=np.int64)
    big = np.iinfo(np.int64).max
    n = c.sum(axis=2)
    s = n.sum(axis=1)
    hide = (c > 0) & (c < min_cell)
    hide_n = (n > 0) & (n < min_cell)
    hide_s = (s > 0) & (s < min_cell)
    primary = int(hide.sum() + hide_n.sum() + hide_s.sum())
    before = int(hide.sum() + hide_n.sum())
    # (a) a row with a published N and one suppressed cell: hide its smallest other cell, or N
    one = ~hide_n & (hide.sum(axis=2) == 1)
    cand = np.where(~hide & (c > 0), c, big)
    j = np.argmin(cand, axis=2)
    has = np.take_along_axis(cand, j[..., None], axis=2)[..., 0] < big
    b_idx, r_idx = np.nonzero(one & has)
    hide[b_idx, r_idx, j[b_idx, r_idx]] = True
    hide_n |= one & ~has
    # (c) a block with exactly one suppressed N: suppress the smallest other non-zero N too,
    # and (b) give that row a suppressed cell if it has none
    lone = hide_n.sum(axis=1) == 1
    cand_n = np.where(~hide_n & (n > 0), n, big)
    r = np.argmin(cand_n, axis=1)
    ok = np.take_along_axis(cand_n, r[:, None], axis=1)[:, 0] < big
    blocks = np.flatnonzero(lone & ok)
    rows = r[blocks]
    hide_n[blocks, rows] = True
    no_cell = hide[blocks, rows].sum(axis=1) == 0
    bb, rr = blocks[no_cell], rows[no_cell]
    hide[bb, rr, j[bb, rr]] = True
    hide_s |= lone & ~ok
    # a suppressed block total: the whole block goes
    hide |= hide_s[:, None, None] & (c > 0)
    hide_n |= hide_s[:, None] & (n > 0)
    secondary = int(hide.sum() + hide_n.sum()) - before
    return (
        np.where(hide, np.nan, c.astype(np.float64)),
        np.where(hide_n, np.nan, n.astype(np.float64)),
        np.where(hide_s, np.nan, s.astype(np.float64)),
        primary,
        secondary,
    )


def _check_min_cell(min_cell: int) -> None:
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ConfigError("export.min_cell", "must be an integer >= 1", min_cell)


def dense_lifecourse(da: xr.DataArray) -> xr.DataArray:
    """The lifecourse tally with its transition dim as a dense (from, to) square; ``from``
    includes ``"entry"`` (forbidden transitions are structural zeros)."""
    f, t = spec.transitions()
    s = states.N_STATE
    fi = np.where(f < 0, s, f)
    dense = np.zeros((*da.shape[:-1], s + 1, s), dtype=np.int64)
    dense[..., fi, t] = da.values
    coords = {d: da[d].values for d in da.dims[:-1]}
    coords.update({"from": [*states.LIFECOURSE, spec.ENTRY], "to": list(states.LIFECOURSE)})
    return xr.DataArray(dense, dims=(*da.dims[:-1], "from", "to"), coords=coords)


def export_tallies(
    tallies: xr.Dataset,
    min_cell: int = MIN_CELL,
    names: tuple[str, ...] = EXPORT_TALLIES,
    probabilities: bool = False,
) -> xr.Dataset:
    """The disclosure-safe export of ``tallies``: for each tally its cells (NaN = suppressed)
    and its N per row (``<name>_n``), optionally row probabilities (``<name>_prob``), with the
    rule and what was done in the attributes."""
    _check_min_cell(min_cell)
    out: dict[str, xr.DataArray] = {}
    done: list[str] = []
    for name in names:
        if name not in tallies:
            raise ConfigError(
                "export.tallies", f"unknown tally; expected some of {list(tallies)}", name
            )
        da = tallies[name]
        if name == "lifecourse":
            da = dense_lifecourse(da)
        outcome = OUTCOME_DIM[name]
        row = ROW_DIM[name]
        da = da.transpose(..., row, outcome)
        nb = int(np.prod(da.shape[:-2]))
        cells, totals, stock, primary, secondary = protect_blocks(
            da.values.reshape(nb, da.shape[-2], da.shape[-1]), min_cell
        )
        block = {d: da[d] for d in da.dims[:-2]}
        cells_da = xr.DataArray(cells.reshape(da.shape), dims=da.dims, coords=da.coords)
        tot_da = xr.DataArray(
            totals.reshape(da.shape[:-1]),
            dims=da.dims[:-1],
            coords={d: da[d] for d in da.dims[:-1]},
        )
        stock_da = xr.DataArray(stock.reshape(da.shape[:-2]), dims=da.dims[:-2], coords=block)
        cells_da.attrs = {"units": "persons", "suppressed": "NaN", "outcome_dim": outcome}
        tot_da.attrs = {
            "units": "persons",
            "long_name": f"N of each row of {name} (over {outcome})",
        }
        stock_da.attrs = {"units": "persons", "long_name": f"persons in each cell of {name}"}
        out[f"{name}_stock"] = stock_da
        out[name] = cells_da
        out[f"{name}_n"] = tot_da
        if probabilities:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{name}_prob"] = cells_da / tot_da
        done.append(
            f"{name}: {primary} counts in 1-{min_cell - 1} suppressed, {secondary} more "
            "suppressed so that none can be recovered from the row and cell totals"
        )
    ds = xr.Dataset(out)
    ds.attrs = {
        "disclosure_min_cell": int(min_cell),
        "disclosure_rule": (
            f"no exported count is in 1-{min_cell - 1}, and none can be recovered by "
            "subtracting exported numbers from each other; suppressed counts are NaN"
        ),
        "disclosure_done": "; ".join(done),
        "source": str(tallies.attrs.get("source", "")),
    }
    return ds


def tallies_from_export(ds: xr.Dataset) -> xr.Dataset:
    """Tallies (float counts) from an export, for estimation: suppressed cells of a row with a
    published N share the row's unpublished remainder equally; others count 0."""
    out = {}
    for name in OUTCOME_DIM:
        if name not in ds:
            continue
        cells = ds[name]
        n = ds.get(f"{name}_n")
        outcome = cells.attrs.get("outcome_dim", OUTCOME_DIM[name])
        known = cells.fillna(0).sum(outcome)
        n_sup = cells.isnull().sum(outcome)
        share = ((n - known) / n_sup.where(n_sup > 0)).clip(min=0) if n is not None else 0.0
        filled = xr.where(cells.isnull(), share, cells).fillna(0.0)
        if name == "lifecourse":
            f, t = spec.transitions()
            fi = np.where(f < 0, states.N_STATE, f)
            arr = filled.transpose(..., "from", "to").values[..., fi, t]
            dims_ = (*filled.dims[:-2], "transition")
            coords = {d: filled[d].values for d in filled.dims[:-2]}
            coords["transition"] = list(range(f.shape[0]))
            filled = xr.DataArray(arr, dims=dims_, coords=coords)
        else:
            filled = filled.transpose(*spec.TALLY[name].dims)
        out[name] = filled
    res = xr.Dataset(out)
    res.attrs = {"source": f"disclosure-safe export (min cell {ds.attrs['disclosure_min_cell']})"}
    return res


@exit_on_error()
def main(argv: list[str]) -> int:
    """``livschancer export TALLIES_OR_PANEL OUT.nc [--min-cell 5] [--probabilities]``."""
    ap = argparse.ArgumentParser(
        prog="livschancer export",
        description="Write a disclosure-safe export of tallies (from a run file, a tallies file "
        "or a panel): no count below the minimum cell size, none recoverable from the margins.",
    )
    ap.add_argument("input", help="a run file / tallies (.nc) or a panel (.parquet / .csv)")
    ap.add_argument("out", help="the export to write (.nc)")
    ap.add_argument("--min-cell", type=int, default=MIN_CELL)
    ap.add_argument("--tallies", default=",".join(EXPORT_TALLIES), help="comma-separated")
    ap.add_argument("--probabilities", action="store_true", help="also row probabilities")
    ap.add_argument("--drop-invalid", action="store_true", help="(panel) drop invalid persons")
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)
    _check_min_cell(args.min_cell)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise ConfigError("export.out", "exists already; pass --overwrite", str(out))
    names = tuple(n.strip() for n in args.tallies.split(",") if n.strip())
    unknown = [n for n in names if n not in OUTCOME_DIM]
    if unknown:
        raise ConfigError("export.tallies", f"must be some of {list(OUTCOME_DIM)}", unknown)
    from livschancer.transitions.estimate import load_tallies

    tallies, _ = load_tallies(args.input, args.drop_invalid)
    ds = export_tallies(tallies, args.min_cell, names, args.probabilities)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        ds.to_netcdf(tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    print(ds.attrs["disclosure_done"])
    print(f"wrote {out}")
    return 0
