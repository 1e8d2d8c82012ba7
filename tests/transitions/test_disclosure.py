"""The disclosure rule on adversarial tables: nothing below the minimum cell size is exported or
recoverable from the exported numbers, directly or through chains of subtractions."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from livschancer.errors import ConfigError
from livschancer.sim.run import simulate
from livschancer.transitions.disclosure import (
    export_tallies,
    protect,
    protect_blocks,
    tallies_from_export,
)
from livschancer.transitions.estimate import estimate
from tests.helpers import PERIODS
from tests.panel.common import pop, truth

K = 5


def _equations(n_cell, groups, published_cells, published_margins):
    """(coefficient rows over the unknowns, rhs) of every published margin equation."""
    unknown = [("c", i) for i in range(n_cell) if np.isnan(published_cells[i])]
    for m, fam in enumerate(groups):
        unknown += [("m", m, j) for j in range(len(fam)) if np.isnan(published_margins[m][j])]
    pos = {u: i for i, u in enumerate(unknown)}
    rows, rhs = [], []
    for m, fam in enumerate(groups):
        for j, idx in enumerate(fam):
            row = np.zeros(len(unknown))
            b = 0.0
            for i in idx:
                if np.isnan(published_cells[i]):
                    row[pos[("c", i)]] += 1
                else:
                    b -= published_cells[i]
            if np.isnan(published_margins[m][j]):
                row[pos[("m", m, j)]] -= 1
            else:
                b += published_margins[m][j]
            rows.append(row)
            rhs.append(b)
    return unknown, np.array(rows), np.array(rhs)


def chain_attack(n_cell, groups, cells, margins):
    """Values an attacker recovers by repeatedly solving any equation with one unknown left."""
    cells = cells.copy()
    margins = [m.copy() for m in margins]
    got = {}
    progress = True
    while progress:
        progress = False
        for m, fam in enumerate(groups):
            for j, idx in enumerate(fam):
                unk = [i for i in idx if np.isnan(cells[i])]
                m_unk = np.isnan(margins[m][j])
                if len(unk) + m_unk != 1:
                    continue
                if m_unk:
                    margins[m][j] = cells[idx].sum()
                    got[("m", m, j)] = margins[m][j]
                else:
                    v = margins[m][j] - np.nansum(cells[idx])
                    cells[unk[0]] = v
                    got[("c", unk[0])] = v
                progress = True
    return got


def rank_attack(n_cell, groups, cells, margins):
    """Unknowns every solution of the published equations agrees on (linear algebra)."""
    unknown, a, b = _equations(n_cell, groups, cells, margins)
    if not unknown:
        return {}
    x, *_ = np.linalg.lstsq(a, b, rcond=None)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]
    fixed = np.all(np.abs(null) < 1e-8, axis=0) if null.size else np.ones(len(unknown), bool)
    return {u: x[i] for i, u in enumerate(unknown) if fixed[i]}


def grid_groups(r, c):
    idx = np.arange(r * c).reshape(r, c)
    return [list(idx), list(idx.T), [idx.ravel()]]  # row totals, column totals, grand total


def _check_safe(table, groups, prot, true_vals):
    n = table.size
    for attack in (chain_attack, rank_attack):
        got = attack(n, groups, prot.cells, prot.margins)
        for key, v in got.items():
            true = true_vals[key]
            assert not (0 < true < K), (attack.__name__, key, v)
    published = np.concatenate([prot.cells, *prot.margins])
    assert not np.any((published > 0) & (published < K))


def _true_values(table, groups):
    flat = table.ravel()
    out = {("c", i): flat[i] for i in range(flat.size)}
    for m, fam in enumerate(groups):
        for j, idx in enumerate(fam):
            out[("m", m, j)] = flat[idx].sum()
    return out


def test_a_small_cell_behind_the_margins_of_the_same_export():
    table = np.array([[3, 20, 30], [40, 50, 60], [70, 80, 90]])
    groups = grid_groups(3, 3)
    # naive primary suppression: the row total gives the cell back at once
    naive_cells = table.ravel().astype(float)
    naive_cells[0] = np.nan
    naive_margins = [
        np.array([table[idx // 3, idx % 3].sum() for idx in fam], float)
        for fam in [[np.asarray(i) for i in f] for f in groups]
    ]
    assert chain_attack(9, groups, naive_cells, naive_margins)[("c", 0)] == 3
    prot = protect(table.ravel(), groups, K)
    assert prot.primary == 1
    assert prot.secondary >= 3  # a rectangle of 4 at least
    _check_safe(table, groups, prot, _true_values(table, groups))


def test_a_cell_recoverable_only_through_a_chain_of_subtractions():
    # row/column suppression that defeats one-step subtraction but not a chain: the small cell
    # (0, 0) is paired with (0, 1) in its row and with (1, 0) in its column, (1, 0) with (1, 2),
    # (0, 1) with (2, 1); then (2, 2) closes nothing, and the chain (2,1)->(2,2)... is solvable
    table = np.array([[2, 9, 40], [9, 50, 8], [60, 7, 70]])
    groups = grid_groups(3, 3)
    hidden = {0, 1, 3, 5, 7}  # a pattern a careless secondary suppression would give
    cells = table.ravel().astype(float)
    cells[list(hidden)] = np.nan
    margins = [np.array([table.ravel()[np.asarray(i)].sum() for i in fam], float) for fam in groups]
    steps = chain_attack(9, groups, cells, margins)
    assert steps.get(("c", 0)) == 2  # recovered, through several steps
    one_step = [
        key
        for key in steps
        if key[0] == "c"
        and any(
            (key[1] in list(np.asarray(i))) and np.isnan(cells[np.asarray(i)]).sum() == 1
            for fam in groups
            for i in fam
        )
    ]
    assert ("c", 0) not in one_step  # not recoverable in one subtraction
    prot = protect(table.ravel(), groups, K)
    _check_safe(table, groups, prot, _true_values(table, groups))


@pytest.mark.parametrize("seed", range(20))
def test_random_tables_with_row_and_column_margins(seed):
    rng = np.random.default_rng(seed)
    table = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(4, 5))
    groups = grid_groups(4, 5)
    prot = protect(table.ravel(), groups, K)
    _check_safe(table, groups, prot, _true_values(table, groups))


@pytest.mark.parametrize("seed", range(30))
def test_block_tables_with_row_and_block_totals(seed):
    rng = np.random.default_rng(100 + seed)
    b, r, c = 3, 4, 3
    table = rng.choice([0, 0, 1, 2, 3, 5, 8, 20], size=(b, r, c))
    cells, n, s, _, _ = protect_blocks(table, K)
    # the published equations: row totals within blocks, block totals over rows' N
    idx = np.arange(b * r * c).reshape(b, r, c)
    row_groups = [idx[i, j] for i in range(b) for j in range(r)]
    n_cell = b * r * c
    # the row totals N as extra "cells": each row's equation is cells + (-N) = 0, published;
    # each block's equation is the sum of its N = S (the sign of a variable does not change
    # which unknowns the equations determine)
    flat = np.concatenate([table.ravel(), table.sum(2).ravel()])
    n_idx = n_cell + np.arange(b * r).reshape(b, r)
    groups = [
        [np.concatenate([g, [n_cell + k]]) for k, g in enumerate(row_groups)],
        [n_idx[i] for i in range(b)],
    ]
    margins = [np.zeros(len(groups[0])), s.copy()]
    pub = np.concatenate([cells.ravel(), -n.ravel()])
    for key in rank_attack(len(flat), groups, pub, margins):
        true = flat[key[1]] if key[0] == "c" else table.sum((1, 2))[key[2]]
        assert not (0 < true < K), (key, true)
    published = np.concatenate([cells.ravel(), n.ravel(), s.ravel()])
    assert not np.any((published > 0) & (published < K))


def test_export_of_simulated_tallies_then_estimation(tmp_path):
    tallies = simulate(3, pop(), truth()).tallies
    ex = export_tallies(tallies, min_cell=K)
    assert ex.attrs["disclosure_min_cell"] == K
    assert "suppressed" in ex.attrs["disclosure_done"]
    for name in ex.data_vars:
        v = ex[name].values
        assert not np.any((v > 0) & (v < K)), name
    path = tmp_path / "export.nc"
    ex.to_netcdf(path)
    back = tallies_from_export(xr.open_dataset(path).load())
    est = estimate(back, PERIODS, source="export")
    assert est.params.validate().status == "estimated"


def test_min_cell_is_configurable_and_checked():
    table = np.array([[7, 20], [30, 40]])
    assert protect(table.ravel(), grid_groups(2, 2), 5).primary == 0
    assert protect(table.ravel(), grid_groups(2, 2), 10).primary == 1
    with pytest.raises(ConfigError, match="min_cell"):
        protect(table.ravel(), grid_groups(2, 2), 0)
