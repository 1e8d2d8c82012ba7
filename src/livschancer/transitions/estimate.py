"""Estimating a parameter set from tallies (model.md section 5): ``livschancer estimate``.

Every process of the yearly step is a set of categorical rows (a life-course ``from`` state, an
area, a flag last year) in covariate cells. Its tally, summed over calendar years into the
periods, gives counts ``n[cell, outcome]``. The estimate is the posterior mean of a Dirichlet
(Beta, for a flag) whose prior is centred on the same row pooled over a coarser cell::

    p[cell] = (n[cell] + k * p[parent(cell)]) / (N[cell] + k)

applied level by level down a pooling hierarchy (for the life course: all cells of an age and
``from`` state pooled over periods and ages, then over covariates, then the full cell; see
:data:`HIERARCHY`). A cell with many persons keeps its own frequencies; a small one is pulled
toward its pooled row; an empty one takes it. The strength ``k`` of each level is chosen by
empirical Bayes: the value on a log grid (:data:`K_GRID`) that maximises the Dirichlet-
multinomial marginal likelihood of all the level's rows given their parents. A process whose
cells truly differ gets a small ``k``; one whose cells differ only by noise gets a large one.

Structural zeros are respected: an outcome is given mass only if it was observed in the row or
its pooled parents, which never happens for a forbidden transition; job rows outside ages 13-29
or outside enrolment and crime rows below age 10 are zero; rows never observed at any level
fall back to staying put (life course, area) or to zero (flags). Risk-flag odds ratios
(``risk_or``) are not identified by the tallies (the life-course tally carries no risk flags):
the life-course rows are the observed rows, which already hold the flags' average effect, and
``risk_or`` is set to 1 (no further effect). Poverty and parental psychiatric treatment depend on
this year's ``parent_rg`` in the engine but their tallies carry the origin (``parent_rg`` frozen
at 15): the two agree up to age 15 and in a person's first year, and above 15 the estimate by
origin stands for the one by ``parent_rg`` (docs/panel.md).

The posterior of every row is Dirichlet(``n + k p_parent``) (empirical Bayes: the parents are
held at their estimates); :func:`posterior_draw` draws whole parameter sets from it for
parameter uncertainty, and :func:`save_estimate` stores it beside the estimate.
"""

from __future__ import annotations

import argparse
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.special import gammaln

from livschancer import dims, states
from livschancer.errors import ConfigError, TallyError, exit_on_error
from livschancer.tallies import spec
from livschancer.transitions.params import ModelParameters, Period, labels

#: Candidate prior strengths (pseudo-persons) of a pooling level.
K_GRID: np.ndarray = np.logspace(-1, 5, 31)
#: Binary outcome labels of a flag's posterior.
OUTCOME: tuple[str, ...] = ("no", "yes")

#: For each process, the dims pooled at each level, from the coarsest pooling to the finest
#: (the full cell keeps every dim of the parameter array).
HIERARCHY: dict[str, tuple[tuple[str, ...], ...]] = {
    "lifecourse": (
        ("period", "age", "sex", "menapt", "area", "member", "origin"),
        ("period", "sex", "menapt", "area", "member", "origin"),
        ("sex", "menapt", "area", "member", "origin"),
        (),
    ),
    "move": (("age", "menapt", "parent_rg"), ("menapt", "parent_rg"), ()),
    "parent": (("period", "area", "menapt"), ("area", "menapt"), ()),
    "job": (
        ("period", "age", "sex", "menapt", "area"),
        ("period", "sex", "menapt", "area"),
        ("sex", "menapt", "area"),
        (),
    ),
    "poverty": (
        ("period", "age", "menapt", "area", "parent_rg"),
        ("period", "menapt", "area", "parent_rg"),
        ("menapt", "area", "parent_rg"),
        (),
    ),
    "parent_psych": (
        ("period", "age", "menapt", "area", "parent_rg"),
        ("period", "menapt", "area", "parent_rg"),
        ("menapt", "area", "parent_rg"),
        (),
    ),
    "crime": (
        ("period", "age", "sex", "menapt", "area", "origin"),
        ("period", "sex", "menapt", "area", "origin"),
        ("sex", "menapt", "area", "origin"),
        (),
    ),
}


@dataclass
class Estimate:
    """An estimated parameter set, its posterior concentrations and the chosen strengths."""

    params: ModelParameters
    posterior: dict[str, xr.DataArray]
    strengths: dict[str, list[float]] = field(default_factory=dict)
    counts: dict[str, xr.DataArray] = field(default_factory=dict)


def default_periods() -> tuple[Period, ...]:
    """The periods of the shipped parameter set."""
    from livschancer.transitions.provisional import load_provisional

    return load_provisional().periods


def _period_index(years: np.ndarray, periods: tuple[Period, ...]) -> np.ndarray:
    out = np.empty(years.shape[0], np.int64)
    for i, y in enumerate(years):
        out[i] = next(
            (j for j, p in enumerate(periods) if p.first <= y <= p.last),
            0 if y < periods[0].first else len(periods) - 1,
        )
    return out


def _by_period(da: xr.DataArray, periods: tuple[Period, ...]) -> xr.DataArray:
    """Sum the ``year`` dim of ``da`` into the ``period`` dim (first dim)."""
    idx = _period_index(np.asarray(da["year"].values), periods)
    names = [p.name for p in periods]
    grouped = xr.DataArray(np.array(names)[idx], dims="year", name="period")
    out = da.groupby(grouped).sum("year")
    out = out.reindex(period=names, fill_value=0)
    return out.transpose("period", *[d for d in da.dims if d != "year"])


def _flag_labels(da: xr.DataArray, dim: str, new: str) -> xr.DataArray:
    """A flag dim labelled no/yes (tallies) relabelled 0/1 (parameters) and renamed."""
    return da.assign_coords({dim: [0, 1]}).rename({dim: new})


#: The tallies estimation reads (a disclosure-safe export holds these by default).
TALLIES_USED: tuple[str, ...] = (
    "lifecourse",
    "move",
    "parent_rg",
    "job",
    "poverty",
    "parent_psych",
    "crime",
)
#: The outcome dim of each process's counts and posterior (the rest are parameter dims).
OUTCOME_OF: dict[str, str] = {
    "lifecourse": "to",
    "move": "area_to",
    "parent": "outcome",
    "job": "outcome",
    "poverty": "outcome",
    "parent_psych": "outcome",
    "crime": "outcome",
}


def process_counts(tallies: xr.Dataset, periods: tuple[Period, ...]) -> dict[str, xr.DataArray]:
    """Counts of every process with the parameter array's dims plus the outcome dim last
    (``to``, ``area_to`` or ``outcome``), float64, summed over years into periods."""
    missing = [n for n in TALLIES_USED if n not in tallies]
    if missing:
        raise TallyError(f"the tallies need {list(TALLIES_USED)}; missing {missing}")
    out: dict[str, xr.DataArray] = {}
    tl = tallies
    # life course: the transition dim scattered into a dense (from, to) square
    lc = _by_period(tl["lifecourse"].astype(np.float64), periods)
    f, t = spec.transitions()
    keep = f >= 0
    s = states.N_STATE
    dense = np.zeros((*lc.shape[:-1], s, s))
    dense[..., f[keep], t[keep]] = lc.values[..., keep]
    cell = lc.dims[:-1]
    coords = {d: lc[d].values for d in cell}
    coords.update({"from": list(states.LIFECOURSE), "to": list(states.LIFECOURSE)})
    out["lifecourse"] = xr.DataArray(dense, dims=(*cell, "from", "to"), coords=coords)
    # moves: no period dim, first records dropped
    mv = tl["move"].astype(np.float64).sum("year").sel(area_from=list(states.AREA))
    mv = _flag_labels(mv, "parent_rg_last", "parent_rg")
    out["move"] = mv.transpose(*dims.MOVE_PROBS)
    # parents' restgruppe status
    pr = _by_period(tl["parent_rg"].astype(np.float64), periods).sum(["age", "member"])
    pr = pr.sel(parent_rg_from=list(spec.FLAG))
    pr = _flag_labels(pr, "parent_rg_from", "parent_rg_from")
    out["parent"] = pr.rename(parent_rg_to="outcome").transpose(*dims.PARENT_PROBS, "outcome")
    # job while enrolled
    jb = _by_period(tl["job"].astype(np.float64), periods).sum("member")
    jb = _flag_labels(jb.sel(job_from=list(spec.FLAG)), "job_from", "job_from")
    out["job"] = jb.rename(job_to="outcome").transpose(*dims.JOB_PROBS, "outcome")
    # poverty and parent_psych: the first record at age 0 is the birth draw (from "no");
    # the origin stands for this year's parent_rg (module docstring)
    for name, tally, frm in (
        ("poverty", "poverty", "poverty_from"),
        ("parent_psych", "parent_psych", "parent_psych_from"),
    ):
        da = _by_period(tl[tally].astype(np.float64), periods).sum("member")
        birth = da.sel({frm: spec.ENTRY}) * (da["age"] == 0)
        da = da.sel({frm: list(spec.FLAG)})
        da = da + birth.expand_dims({frm: ["no"]}).reindex({frm: list(spec.FLAG)}, fill_value=0)
        da = _flag_labels(da, "origin", "parent_rg")
        da = da.assign_coords({"origin": None} if "origin" in da.coords else {})
        da = da.rename({f"{tally}_to": "outcome"})
        if name == "parent_psych":
            da = da.sel({frm: "no"}, drop=True)  # absorbing: the hazard of a first treatment
            out[name] = da.transpose(*dims.PSYCH_PROBS, "outcome")
        else:
            da = _flag_labels(da, frm, "poverty_from")
            out[name] = da.transpose(*dims.POVERTY_PROBS, "outcome")
    cr = _by_period(tl["crime"].astype(np.float64), periods).sum("member")
    cr = _flag_labels(cr.sel(crime_ever_from=list(spec.FLAG)), "crime_ever_from", "crime_ever_from")
    out["crime"] = cr.rename(crime_event="outcome").transpose(*dims.CRIME_PROBS, "outcome")
    for name, da in out.items():
        if name in ("move", "lifecourse"):
            continue
        out[name] = da.assign_coords(outcome=list(OUTCOME))
    return out


def _log_marginal(n: np.ndarray, prior: np.ndarray, k: float) -> float:
    """Dirichlet-multinomial log marginal likelihood (up to a constant) of rows ``n`` given
    prior means ``prior`` and strength ``k`` (last axis = outcome)."""
    a = k * prior
    pos = a > 0
    term = np.where(pos, gammaln(n + np.where(pos, a, 1.0)) - gammaln(np.where(pos, a, 1.0)), 0.0)
    big_n = n.sum(-1)
    return float((gammaln(k) - gammaln(k + big_n)).sum() + term.sum())


def shrink(
    counts: xr.DataArray, outcome: str, levels: tuple[tuple[str, ...], ...], fallback: xr.DataArray
) -> tuple[xr.DataArray, xr.DataArray, list[float]]:
    """Posterior means, Dirichlet concentrations and the strength of each level.

    ``levels`` lists the dims pooled at each level from coarse to fine (the last is usually
    ``()``, the full cell). The coarsest level is the observed frequency, or ``fallback`` where
    its row is empty.
    """
    dims_all = counts.dims
    top = counts.sum(list(levels[0])) if levels[0] else counts
    tot = top.sum(outcome)
    mean = xr.where(tot > 0, top / tot.where(tot > 0, 1.0), fallback)
    strengths: list[float] = []
    alpha = top
    for pooled in levels[1:]:
        n = counts.sum(list(pooled)) if pooled else counts
        prior = mean.broadcast_like(n).transpose(*n.dims)
        nv, pv = n.values, prior.values
        ll = [_log_marginal(nv, pv, k) for k in K_GRID]
        k = float(K_GRID[int(np.argmax(ll))])
        strengths.append(k)
        alpha = n + k * prior
        mean = alpha / alpha.sum(outcome)
    return mean.transpose(*dims_all), alpha.transpose(*dims_all), strengths


def estimate(
    tallies: xr.Dataset,
    periods: tuple[Period, ...] | None = None,
    source: str = "tallies",
) -> Estimate:
    """Estimate every process from ``tallies`` (module docstring); the result validates."""
    periods = periods or default_periods()
    counts = process_counts(tallies, periods)
    post: dict[str, xr.DataArray] = {}
    means: dict[str, xr.DataArray] = {}
    strengths: dict[str, list[float]] = {}
    lab = labels(dims.LIFECOURSE_PROBS, periods)
    stay = xr.DataArray(
        np.eye(states.N_STATE), dims=("from", "to"), coords={"from": lab["from"], "to": lab["to"]}
    )
    m, a, k = shrink(counts["lifecourse"], "to", HIERARCHY["lifecourse"], stay)
    m = m.transpose(*dims.LIFECOURSE_PROBS).copy()
    a = a.transpose(*dims.LIFECOURSE_PROBS).copy()
    m.loc[{"age": 0}] = stay  # age 0 rows are unused: everyone is born in the birth state
    a.loc[{"age": 0}] = stay
    means["lifecourse"], post["lifecourse"], strengths["lifecourse"] = m, a, k
    area_stay = xr.DataArray(
        np.eye(len(states.AREA)),
        dims=("area_from", "area_to"),
        coords={"area_from": list(states.AREA), "area_to": list(states.AREA)},
    )
    means["move"], post["move"], strengths["move"] = shrink(
        counts["move"], "area_to", HIERARCHY["move"], area_stay
    )
    never = xr.DataArray([1.0, 0.0], dims="outcome", coords={"outcome": list(OUTCOME)})
    for name in ("parent", "job", "poverty", "parent_psych", "crime"):
        mean, alpha, k = shrink(counts[name], "outcome", HIERARCHY[name], never)
        zero = _structural_zero(name, mean.isel(outcome=0, drop=True))
        if zero is not None:
            mean, alpha = _never(mean, zero), _never(alpha, zero)
        means[name] = mean.sel(outcome="yes", drop=True)
        post[name] = alpha.transpose(*ModelParameters.ARRAYS[name], "outcome")
        strengths[name] = k
    risk = labels(dims.RISK_OR, periods)
    risk_or = xr.DataArray(
        np.ones((len(risk["risk"]), len(risk["group"]))), dims=dims.RISK_OR, coords=risk
    )
    n_persons = tallies.attrs.get("n_persons", "")
    k_text = "; ".join(f"{n}: {', '.join(f'{v:g}' for v in ks)}" for n, ks in strengths.items())
    params = ModelParameters(
        lifecourse=_clean(means["lifecourse"], dims.LIFECOURSE_PROBS, periods),
        move=_clean(means["move"], dims.MOVE_PROBS, periods),
        parent=_clean(means["parent"], dims.PARENT_PROBS, periods),
        job=_clean(means["job"], dims.JOB_PROBS, periods),
        poverty=_clean(means["poverty"], dims.POVERTY_PROBS, periods),
        parent_psych=_clean(means["parent_psych"], dims.PSYCH_PROBS, periods),
        crime=_clean(means["crime"], dims.CRIME_PROBS, periods),
        risk_or=risk_or,
        periods=periods,
        provenance={
            "status": "estimated",
            "source": source,
            "method": "Dirichlet posterior means with empirical-Bayes shrinkage toward pooled "
            "cells (transitions/estimate.py); risk_or = 1 (not identified by the tallies)",
            "strengths": k_text,
            "n_persons": str(n_persons),
            "note": f"estimated from {source}",
        },
    )
    params.validate(where="estimate")
    return Estimate(params, post, strengths, counts)


def _never(da: xr.DataArray, zero: xr.DataArray) -> xr.DataArray:
    """``da`` over outcome (no, yes) with the cells ``zero`` set to (1, 0): never "yes"."""
    return xr.concat(
        [xr.where(zero, 1.0, da.sel(outcome="no")), da.sel(outcome="yes").where(~zero, 0.0)],
        dim="outcome",
    ).assign_coords(outcome=list(OUTCOME))


def _structural_zero(name: str, like: xr.DataArray) -> xr.DataArray | None:
    """Cells whose P(yes) the model fixes at 0."""
    if name == "job":
        lo, hi = states.JOB_AGES
        enrolled = xr.DataArray(
            [a in states.ENROLLED for a in states.ACTIVITY],
            dims="activity",
            coords={"activity": list(states.ACTIVITY)},
        )
        return ((like.age < lo) | (like.age > hi) | ~enrolled).broadcast_like(like)
    if name == "crime":
        return (like.age < states.SUSPICION_AGES[0]).broadcast_like(like)
    return None


def _clean(da: xr.DataArray, names: tuple[str, ...], periods: tuple[Period, ...]) -> xr.DataArray:
    """``da`` with exactly the dims, order and labels of a parameter array."""
    want = labels(names, periods)
    da = da.transpose(*names)
    vals = np.clip(np.asarray(da.values, dtype=np.float64), 0.0, 1.0)
    return xr.DataArray(vals, dims=names, coords=want)


POSTERIOR_STREAM = zlib.crc32(b"posterior")


def posterior_draw(
    est: ModelParameters, posterior: dict[str, xr.DataArray], seed: int, index: int
) -> ModelParameters:
    """Parameter set number ``index`` drawn from the posterior (Dirichlet rows, Beta flags).

    The random stream is keyed by the name ``"posterior"``, the seed and the draw index, so
    draw 3 is the same set whether or not draws 0-2 were made (both arms of a comparison with
    the same seed and index get the same set).
    """
    rng = np.random.default_rng([int(seed), POSTERIOR_STREAM, int(index)])
    arrays = {}
    for name, outcome in OUTCOME_OF.items():
        alpha = posterior[name]
        av = np.asarray(alpha.transpose(..., outcome).values, dtype=np.float64)
        g = np.where(av > 0, rng.gamma(np.where(av > 0, av, 1.0)), 0.0)
        tot = g.sum(-1, keepdims=True)
        mean = av / np.maximum(av.sum(-1, keepdims=True), 1e-300)
        p = np.where(tot > 0, g / np.where(tot > 0, tot, 1.0), mean)
        da = xr.DataArray(p, dims=alpha.transpose(..., outcome).dims)
        if outcome == "outcome":
            da = da.isel(outcome=1)
        arrays[name] = _clean(da, ModelParameters.ARRAYS[name], est.periods)
    prov = {**est.provenance, "parameter_draw": f"posterior seed {seed}, draw {index}"}
    return ModelParameters(
        **arrays, risk_or=est.risk_or, periods=est.periods, provenance=prov
    ).validate(where=f"posterior draw {index}")


def save_estimate(est: Estimate, path: str | Path) -> Path:
    """Write the estimate and its posterior (``transitions/store.py``)."""
    from livschancer.transitions.store import save_parameters

    return save_parameters(est.params, path, est.posterior)


def parse_periods(text: str) -> tuple[Period, ...]:
    """``"pre2008:1971-2007,after:2008-2100"`` as periods."""
    out = []
    for part in text.split(","):
        try:
            name, _, rng_ = part.partition(":")
            first, _, last = rng_.partition("-")
            out.append(Period(name.strip(), int(first), int(last)))
        except ValueError:
            raise ConfigError(
                "estimate.periods", "must be NAME:FIRST-LAST[,NAME:FIRST-LAST...]", text
            ) from None
    return tuple(out)


def load_tallies(path: str | Path, drop_invalid: bool = False) -> tuple[xr.Dataset, str]:
    """Tallies from a panel (Parquet / CSV, counted) or a NetCDF of tallies (a run file or an
    export)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("estimate.input", "must be an existing panel or tallies file", str(path))
    if path.suffix == ".nc":
        with xr.open_dataset(path) as ds:
            ds = ds.load()
        if ds.attrs.get("disclosure_min_cell"):
            from livschancer.transitions.disclosure import tallies_from_export

            ds = tallies_from_export(ds)
        return ds, f"tallies {path.name}"
    from livschancer.panel.count import count_panel

    res = count_panel(path, drop_invalid=drop_invalid)
    if drop_invalid and res.report.persons:
        for line in res.report.lines():
            print(line)
    return res.tallies, f"panel {path.name}"


@exit_on_error()
def main(argv: list[str]) -> int:
    """``livschancer estimate PANEL_OR_TALLIES OUT.nc [--periods ...] [--drop-invalid]``."""
    ap = argparse.ArgumentParser(
        prog="livschancer estimate",
        description="Estimate every transition process from a person-year panel (Parquet/CSV) "
        "or a NetCDF of tallies (a run file or a disclosure-safe export); writes a parameter "
        "set that `livschancer parameters.file=OUT.nc` runs (docs/panel.md).",
    )
    ap.add_argument("input", help="panel (.parquet / .csv) or tallies (.nc)")
    ap.add_argument("out", help="the parameter file to write (.nc)")
    ap.add_argument("--periods", help="NAME:FIRST-LAST,... (default: the shipped set's)")
    ap.add_argument("--drop-invalid", action="store_true", help="drop persons with invalid rows")
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.suffix != ".nc":
        raise ConfigError("estimate.out", "must end in .nc", str(out))
    if out.exists() and not args.overwrite:
        raise ConfigError("estimate.out", "exists already; pass --overwrite", str(out))
    if not out.parent.is_dir():
        raise ConfigError("estimate.out", "the directory must exist", str(out.parent))
    periods = parse_periods(args.periods) if args.periods else None
    tallies, source = load_tallies(args.input, args.drop_invalid)
    est = estimate(tallies, periods, source)
    save_estimate(est, out)
    ks = "; ".join(f"{n} {', '.join(f'{v:g}' for v in k)}" for n, k in est.strengths.items())
    print(f"shrinkage strengths (coarse to fine): {ks}")
    print(f"wrote {out} (status estimated, from {source})")
    return 0
