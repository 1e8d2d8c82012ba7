"""Score a run against published targets: ``livschancer score RUN.nc TARGETS.csv``.

For every target row the score gives the published value, the simulated value with its Monte
Carlo error, the difference in percentage points, and whether the difference lies within the
combined sampling error; a row the model cannot compute gets the reason instead. The printed
output ends with exactly one line::

    score targets=N computable=K median_abs_pp=M within_3pp=W

(``W`` is the fraction of computable rows within 3 percentage points).

Calibration calls :func:`score_targets` in a loop: pass it a :class:`TargetPlan` made once with
:func:`plan_targets`, so that only the tallies are new on each call.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from livschancer.errors import EXIT_USAGE, LivschancerError, TallyError, error_line
from livschancer.outputs import groups
from livschancer.outputs.indicators import REGISTRY, compute
from livschancer.outputs.ratio import Ratio
from livschancer.outputs.runfile import tallies_of
from livschancer.outputs.targets import TargetPlan, plan_targets, read_targets
from livschancer.outputs.view import TallyView

#: z for "within the sampling error": a two-sided 95% interval.
Z = 1.96
#: Threshold of the ``within_3pp`` summary (percentage points).
WITHIN_PP = 3.0

COLUMNS: tuple[str, ...] = (
    "id",
    "indicator",
    "age_from",
    "age_to",
    "area",
    "group",
    "origin",
    "ethnicity",
    "sex",
    "year",
    "rule",
    "published",
    "n",
    "simulated",
    "sim_se",
    "sim_persons",
    "diff_pp",
    "target_se",
    "combined_se",
    "within_error",
    "computable",
    "reason",
    "source",
    "ref",
)


def _target_se(value: float, n: int | None, kind: str) -> float:
    if n is None or n <= 0:
        return math.nan
    if kind == "rate":
        return math.sqrt(max(value, 0.0) / n)
    return math.sqrt(value * (1.0 - value) / n)


def score_targets(
    tallies: xr.Dataset, targets: pd.DataFrame | TargetPlan, *, view: TallyView | None = None
) -> pd.DataFrame:
    """Score every target row against the tallies.

    Parameters
    ----------
    tallies
        A tallies Dataset or run file.
    targets
        Validated targets (:func:`~livschancer.outputs.targets.read_targets`) or a plan made
        from them once (:func:`~livschancer.outputs.targets.plan_targets`).
    view
        A :class:`TallyView` of ``tallies`` to reuse (else one is made).

    Returns
    -------
    One row per target with :data:`COLUMNS`: ``simulated`` and ``sim_se`` (MC error) are NaN
    and ``reason`` says why where ``computable`` is False; ``diff_pp`` is 100 x (simulated -
    published); ``within_error`` is ``|diff| <= 1.96 x combined_se`` with ``combined_se`` the
    binomial error of the target's n (Poisson for rates) and the MC error, NA without an n.
    """
    plan = targets if isinstance(targets, TargetPlan) else plan_targets(targets)
    if view is None:
        view = TallyView(tallies, last_year=plan.last_year)
    v = view
    results: dict[tuple, tuple[Ratio, np.ndarray, np.ndarray] | str] = {}
    for name, ages, rule in plan.calls:
        try:
            r = compute(v, name, ages, rule)
            results[(name, ages, rule)] = (r, r.value, r.se)
        except TallyError as e:
            results[(name, ages, rule)] = str(e)
    out = []
    for rec, row in zip(plan.records, plan.rows, strict=True):
        kind = REGISTRY[row.indicator].kind
        sim = se = persons = math.nan
        reason = row.reason
        if reason is None:
            res = results[(row.indicator, row.ages, row.rule)]
            yi = v.year_index(row.year)
            if isinstance(res, str):
                reason = res
            elif yi is None:
                reason = f"year {row.year} is not in the tallies ({v.years[0]}-{v.years[-1]})"
            else:
                res, values, ses = res
                reason = res.reason(row.group, row.origin_group, row.ethnicity, row.sex_group)
                if reason is None:
                    idx = (
                        yi,
                        groups.GROUP.index(row.group),
                        groups.ORIGIN_GROUP.index(row.origin_group),
                        groups.ETHNICITY.index(row.ethnicity),
                        groups.SEX_GROUP.index(row.sex_group),
                    )
                    persons = float(res.den[idx])
                    if persons > 0:
                        sim, se = float(values[idx]), float(ses[idx])
                    else:
                        reason = "no simulated persons in this cell"
        t_se = _target_se(row.value, row.n, kind)
        comb = math.sqrt(t_se**2 + se**2) if reason is None else math.nan
        diff = 100.0 * (sim - row.value) if reason is None else math.nan
        within = (
            pd.NA
            if (reason is not None or math.isnan(t_se))
            else bool(abs(diff) <= 100.0 * Z * comb)
        )
        out.append(
            {
                "id": row.id,
                "indicator": row.indicator,
                "age_from": row.ages[0],
                "age_to": row.ages[1],
                "area": rec["area"],
                "group": row.group,
                "origin": row.origin_group,
                "ethnicity": row.ethnicity,
                "sex": row.sex_group,
                "year": row.year,
                "rule": row.rule,
                "published": row.value,
                "n": row.n,
                "simulated": sim,
                "sim_se": se,
                "sim_persons": persons,
                "diff_pp": diff,
                "target_se": t_se,
                "combined_se": comb,
                "within_error": within,
                "computable": reason is None,
                "reason": reason or "",
                "source": rec.get("source", ""),
                "ref": rec.get("ref", ""),
            }
        )
    df = pd.DataFrame(out, columns=list(COLUMNS))
    df["n"] = df["n"].astype("Int64")
    df["within_error"] = df["within_error"].astype("boolean")
    return df


def summary_line(scored: pd.DataFrame) -> str:
    """``score targets=N computable=K median_abs_pp=M within_3pp=W``."""
    ok = scored[scored["computable"]]
    absdiff = ok["diff_pp"].abs()
    med = float(absdiff.median()) if len(ok) else math.nan
    within = float((absdiff <= WITHIN_PP).mean()) if len(ok) else math.nan
    return (
        f"score targets={len(scored)} computable={len(ok)} "
        f"median_abs_pp={med:.2f} within_3pp={within:.3f}"
    )


def _read_tallies(path: Path) -> xr.Dataset:
    if not path.is_file():
        raise TallyError(f"{path}: no such run file")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return tallies_of(ds).load()
    except (OSError, ValueError) as e:
        if isinstance(e, LivschancerError):
            raise
        raise TallyError(f"{path}: cannot read the run file: {e}") from None


def default_out(run: Path) -> Path:
    """The score CSV beside the run file: ``<run stem>.score.csv``."""
    return run.with_name(f"{run.stem}.score.csv")


def main(argv: list[str]) -> int:
    """``livschancer score RUN.nc TARGETS.csv [--out FILE]``; returns the exit status.

    Exit status 2 with one line on stderr for a bad targets file or an unreadable run file.
    """
    parser = argparse.ArgumentParser(
        prog="livschancer score",
        description="Score a run file against published targets (shared/targets format).",
    )
    parser.add_argument("run", type=Path, help="the run's NetCDF file")
    parser.add_argument("targets", type=Path, help="targets CSV (calibration.csv format)")
    parser.add_argument("--out", type=Path, default=None, help="score CSV (default: beside RUN)")
    args = parser.parse_args(argv)
    try:
        targets = read_targets(args.targets)
        tallies = _read_tallies(args.run)
        scored = score_targets(tallies, targets)
    except LivschancerError as err:
        print(error_line(err, "livschancer score"), file=sys.stderr)
        return EXIT_USAGE
    out = args.out or default_out(args.run)
    out.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(out, index=False, float_format="%.6g")
    ok = scored[scored["computable"]]
    print(f"scored {args.run} against {args.targets}: wrote {out}")
    reasons = scored.loc[~scored["computable"], "reason"].value_counts()
    for reason, count in reasons.items():
        print(f"  not computable ({count}): {reason}")
    if len(ok):
        worst = ok.reindex(ok["diff_pp"].abs().sort_values(ascending=False).index).head(5)
        for _, r in worst.iterrows():
            print(
                f"  largest gap {r['id']} {r['indicator']} {r['age_from']}-{r['age_to']} "
                f"{r['group']} {r['year']}: published {100 * r['published']:.1f}% "
                f"simulated {100 * r['simulated']:.1f}% ({r['diff_pp']:+.1f} pp)"
            )
    print(summary_line(scored))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
