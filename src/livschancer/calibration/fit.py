"""``livschancer calibrate``: fit the free parameters to the published figures.

The fit (docs/calibration.md):

1. **Targets**: every computable row of the targets file (``outputs.targets``); rows the model
   cannot compute (adults above 29, ethnic groups the model does not have) are left out and
   listed with the reason.
2. **Objective**: weighted least squares of ``(simulated - published) / sigma`` with ``sigma``
   the target's binomial error from its N and a model-error floor (default 1 pp) in quadrature
   (:mod:`livschancer.calibration.objective`), on the ``observed`` scenario, with common random
   numbers (one seed for every evaluation).
3. **Identification**: the Jacobian at the start (finite differences with a step of
   ``--step`` log-odds units: at numerical-derivative steps the simulated shares would not move)
   says which targets each parameter moves; a parameter that moves no target by more than
   0.5 percentage points per unit is fixed at its start value (0 unless ``--start``) and
   reported.
4. **Search**: ``scipy.optimize.least_squares`` (trust-region reflective, bounds) with that
   Jacobian computed in parallel worker processes; a coordinate search over the parameters
   (:func:`coordinate_search`) runs first when ``--global-rounds`` > 0, to get out of flat
   regions the local search stalls in.
5. **Uncertainty**: the covariance ``(J'J)^-1 s^2`` at the optimum (``s^2`` = the mean squared
   weighted residual, at least 1), stored with the fit so that ``livschancer compare`` can draw
   parameter sets from it.

The result is a calibrated parameter file (``status: calibrated``: the base knob file, the
fitted shifts, the covariance and a provenance record with the targets file's checksum, the
settings, the seed, the fit statistics and the version), a fit table (CSV) and an HTML report
with the fit section. The command's last line is
``calibration targets=N fitted=K median_abs_pp=M within_3pp=W seconds=S``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import least_squares

from livschancer import __version__
from livschancer.calibration.free import FREE, FreeParameter, by_name, shifts_of, theta_of
from livschancer.calibration.objective import (
    Evaluator,
    EvaluatorPool,
    Settings,
    default_workers,
    residuals,
    sigma,
)
from livschancer.errors import EXIT_USAGE, LivschancerError, error_line
from livschancer.outputs.score import WITHIN_PP, score_targets, summary_line
from livschancer.transitions.provisional import default_path, file_sha256

#: Scale of the robust loss in units of a target's sigma (least_squares' ``f_scale``): residuals
#: beyond 2 sigma count less than quadratically (docs/calibration.md).
F_SCALE = 2.0


@dataclass
class FitResult:
    """The fitted values, what was fixed, the fit table and the statistics."""

    free: tuple[FreeParameter, ...]
    theta: np.ndarray
    fitted: np.ndarray  # bool per free parameter
    moved: np.ndarray  # targets each parameter moves (count)
    covariance: np.ndarray  # over the fitted parameters
    scored: pd.DataFrame
    start: pd.DataFrame
    evaluations: int
    seconds: float
    settings: Settings

    def stats(self, scored: pd.DataFrame | None = None) -> dict[str, float]:
        s = self.scored if scored is None else scored
        ok = s[s["computable"]]
        a = ok["diff_pp"].abs()
        return {
            "targets": len(s),
            "computable": len(ok),
            "median_abs_pp": round(float(a.median()), 3) if len(ok) else math.nan,
            "within_3pp": round(float((a <= WITHIN_PP).mean()), 3) if len(ok) else math.nan,
        }


def _say(msg: str) -> None:
    print(msg, flush=True)


def jacobian(
    pool: EvaluatorPool, theta: np.ndarray, sim0: np.ndarray, step: float, active: np.ndarray
) -> np.ndarray:
    """Forward differences of the simulated target values (share units per unit of each
    active parameter), one evaluation per parameter, in parallel."""
    idx = np.flatnonzero(active)
    points = []
    for k in idx:
        t = theta.copy()
        t[k] += step
        points.append(t)
    sims = pool.simulated(points)
    jac = np.zeros((sim0.size, theta.size))
    for k, sim in zip(idx, sims, strict=True):
        d = (sim - sim0) / step
        jac[:, k] = np.where(np.isfinite(d), d, 0.0)
    return jac


def coordinate_search(
    pool: EvaluatorPool,
    theta: np.ndarray,
    cost_of,
    active: np.ndarray,
    bounds: np.ndarray,
    steps: tuple[float, ...] = (-1.0, -0.5, 0.5, 1.0),
) -> tuple[np.ndarray, float]:
    """One round of a coordinate search: for each active parameter, try the listed moves (all
    in parallel) and keep the best if it lowers the cost."""
    best = theta.copy()
    best_cost = cost_of(pool.simulated([best])[0])
    for k in np.flatnonzero(active):
        trials = []
        for s in steps:
            t = best.copy()
            t[k] = np.clip(t[k] + s, bounds[k, 0], bounds[k, 1])
            trials.append(t)
        costs = [cost_of(sim) for sim in pool.simulated(trials)]
        j = int(np.argmin(costs))
        if costs[j] < best_cost:
            best, best_cost = trials[j], costs[j]
    return best, best_cost


def fit(
    settings: Settings,
    *,
    workers: int | None = None,
    step: float = 0.2,
    min_effect_pp: float = 0.5,
    max_nfev: int = 12,
    global_rounds: int = 0,
    loss: str = "soft_l1",
    start_theta: np.ndarray | None = None,
) -> FitResult:
    """Fit the free parameters of ``settings`` (module docstring); prints progress."""
    t0 = time.perf_counter()
    free = by_name(list(settings.free) or None)
    settings = Settings(**{**asdict(settings), "free": tuple(p.name for p in free)})
    main = Evaluator(settings)
    n_par = len(free)
    bounds = np.array([p.bounds for p in free], dtype=float)
    evaluations = 0
    with EvaluatorPool(settings, workers or default_workers()) as pool:
        theta0 = np.zeros(n_par) if start_theta is None else np.asarray(start_theta, float)
        start = main.score(theta0)
        evaluations += 1
        mask = start["computable"].to_numpy(dtype=bool)
        _say(
            f"calibrate: {mask.sum()} of {len(start)} targets computable; start: "
            f"{summary_line(start)}"
        )
        for reason, n in start.loc[~mask, "reason"].value_counts().items():
            _say(f"  left out ({n}): {reason}")
        sim0 = start["simulated"].to_numpy(dtype=float)

        def res_of(sim: np.ndarray) -> np.ndarray:
            scored = start.assign(simulated=sim)
            return residuals(scored, mask, settings.floor)

        def cost_of(sim: np.ndarray) -> float:  # least_squares' cost for ``loss``
            z = (res_of(sim) / F_SCALE) ** 2
            rho = 2 * (np.sqrt(1 + z) - 1) if loss == "soft_l1" else z
            return float(0.5 * F_SCALE**2 * np.sum(rho))

        _say(f"calibrate: Jacobian of {n_par} parameters at the start (step {step})")
        jac0 = jacobian(pool, theta0, sim0, step, np.ones(n_par, bool))
        evaluations += n_par
        # targets each parameter moves, among the indicators that should identify it
        indicator = start["indicator"].to_numpy()
        own = np.stack([np.isin(indicator, p.identified_by) for p in free], axis=1)
        moved = ((np.abs(jac0) * 100 > min_effect_pp) & own & mask[:, None]).sum(axis=0)
        active = moved > 0
        for p, m in zip(free, moved, strict=True):
            if m == 0:
                _say(
                    f"  fixed at its start value (moves none of its targets "
                    f"{', '.join(p.identified_by)} by "
                    f"> {min_effect_pp} pp per unit): {p.name}"
                )
        _say(f"calibrate: fitting {active.sum()} parameters to {mask.sum()} targets")

        theta = theta0.copy()
        for r in range(global_rounds):
            theta, c = coordinate_search(pool, theta, cost_of, active, bounds)
            evaluations += 1 + 4 * int(active.sum())
            _say(f"  coordinate search round {r + 1}: cost {c:.1f}")

        cache: dict[bytes, np.ndarray] = {theta0.tobytes(): sim0}
        last_jac: dict[str, np.ndarray] = {}
        idx = np.flatnonzero(active)

        def full(x: np.ndarray) -> np.ndarray:
            t = theta0.copy()
            t[idx] = x
            return t

        def sim_at(x: np.ndarray) -> np.ndarray:
            nonlocal evaluations
            t = full(x)
            key = t.tobytes()
            if key not in cache:
                cache[key] = pool.simulated([t])[0]
                evaluations += 1
                scored = start.assign(simulated=cache[key])
                ok = scored[mask]
                a = (100 * (ok["simulated"] - ok["published"])).abs()
                _say(
                    f"  evaluation {evaluations}: cost {cost_of(cache[key]):.1f} median_abs_pp "
                    f"{a.median():.2f} within_3pp {(a <= WITHIN_PP).mean():.3f} "
                    f"({time.perf_counter() - t0:.0f} s)"
                )
            return cache[key]

        def fun(x: np.ndarray) -> np.ndarray:
            return res_of(sim_at(x))

        def jac(x: np.ndarray) -> np.ndarray:
            nonlocal evaluations
            t = full(x)
            if np.array_equal(t, theta0):  # the start's Jacobian is known already
                j = jac0
            else:
                j = jacobian(pool, t, sim_at(x), step, active)
                evaluations += int(active.sum())
            # d residual / d theta = (d simulated / d theta) / sigma
            jr = j[mask][:, idx] / sigma(start, settings.floor)[mask][:, None]
            last_jac["j"] = jr
            return jr

        sol = least_squares(
            fun,
            theta[idx],
            jac=jac,
            bounds=(bounds[idx, 0], bounds[idx, 1]),
            method="trf",
            max_nfev=max_nfev,
            x_scale=1.0,
            loss=loss,
            f_scale=F_SCALE,
        )
        theta = full(sol.x)
        jr = last_jac.get("j")
        if jr is None:
            jr = jac(sol.x)
        r = sol.fun
        s2 = max(1.0, float(np.mean(r**2)))
        cov = np.linalg.pinv(jr.T @ jr) * s2
    scored = main.score(theta)
    evaluations += 1
    return FitResult(
        free=free,
        theta=theta,
        fitted=active,
        moved=moved,
        covariance=cov,
        scored=scored,
        start=start,
        evaluations=evaluations,
        seconds=time.perf_counter() - t0,
        settings=settings,
    )


def calibrated_document(res: FitResult, targets: Path) -> dict:
    """The ``status: calibrated`` parameter file of a fit (see the module docstring)."""
    base = Path(res.settings.base) if res.settings.base else default_path()
    names = [p.name for p, a in zip(res.free, res.fitted, strict=True) if a]
    stats = res.stats()
    start = res.stats(res.start)
    return {
        "status": "calibrated",
        "description": (
            "The provisional knobs (base) with fitted shifts: each free parameter moves the "
            "knobs it names on their log-odds (probabilities) or log (odds ratios) scale; "
            "docs/calibration.md."
        ),
        "base": base.name,
        "shifts": {k: round(v, 6) for k, v in shifts_of(res.theta, res.free).items()},
        "parameters": {
            p.name: {
                "value": round(float(t), 6),
                "fitted": bool(a),
                "targets_moved": int(m),
                "paths": list(p.paths),
                "meaning": p.meaning,
                "source": "calibration" if a else "fixed: no target moves it",
            }
            for p, t, a, m in zip(res.free, res.theta, res.fitted, res.moved, strict=True)
        },
        "covariance": {
            "parameters": names,
            "matrix": [[round(float(x), 8) for x in row] for row in res.covariance],
        },
        "calibration": {
            "targets_file": targets.name,
            "targets_sha256": file_sha256(targets),
            "base_sha256": file_sha256(base),
            "scenario": res.settings.scenario,
            "seed": res.settings.seed,
            "scale": res.settings.scale,
            "floor_pp": 100 * res.settings.floor,
            "evaluations": res.evaluations,
            "seconds": round(res.seconds, 1),
            "targets": stats["targets"],
            "computable": stats["computable"],
            "median_abs_pp": stats["median_abs_pp"],
            "within_3pp": stats["within_3pp"],
            "start_median_abs_pp": start["median_abs_pp"],
            "start_within_3pp": start["within_3pp"],
            "livschancer_version": __version__,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }


def write_yaml(doc: dict, path: Path) -> Path:
    """Write ``doc`` to ``path`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    head = (
        "# Calibrated parameter set of livschancer, written by `livschancer calibrate`\n"
        "# (docs/calibration.md). Do not edit: rerun the calibration.\n"
    )
    tmp.write_text(head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    """``livschancer calibrate TARGETS.csv [options]``; returns the exit status."""
    ap = argparse.ArgumentParser(
        prog="livschancer calibrate",
        description="Fit the free parameters (calibration/free.py) to published targets.",
    )
    ap.add_argument("targets", type=Path, help="targets CSV (shared/targets format)")
    ap.add_argument("--out", type=Path, default=Path("calibration"), help="output directory")
    ap.add_argument(
        "--install",
        type=Path,
        default=None,
        help="also write the calibrated set to this path (e.g. the shipped "
        "src/livschancer/data/calibrated.yaml)",
    )
    ap.add_argument("--base", type=Path, default=None, help="knob file (default: shipped)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=0.1, help="population.scale of the fit")
    ap.add_argument("--free", nargs="*", default=None, help="free parameter names (all)")
    ap.add_argument("--floor-pp", type=float, default=1.0, help="model-error floor in pp")
    ap.add_argument("--step", type=float, default=0.2, help="finite-difference step")
    ap.add_argument("--max-nfev", type=int, default=12, help="objective evaluations")
    ap.add_argument("--global-rounds", type=int, default=0, help="coordinate-search rounds")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    ap.add_argument(
        "--start",
        type=Path,
        default=None,
        help="start from the shifts of an earlier calibrated.yaml (default: 0)",
    )
    ap.add_argument("override", nargs="*", help="Hydra overrides of the run config")
    args = ap.parse_args(argv)  # fmt: skip
    t0 = time.perf_counter()
    try:
        from livschancer.outputs.targets import read_targets

        read_targets(args.targets)  # bad targets stop here, before any simulation
        names = None if args.free is None else list(args.free)
        try:
            by_name(names)
        except KeyError as err:
            raise LivschancerError(f"--free: {err.args[0]}") from None
        settings = Settings(
            targets=str(args.targets),
            base=str(args.base) if args.base else None,
            seed=args.seed,
            scale=args.scale,
            free=tuple(names or ()),
            overrides=tuple(args.override),
            floor=args.floor_pp / 100,
        )
        start_theta, started_from = None, None
        if args.start is not None:
            prior = yaml.safe_load(args.start.read_text())
            if not (isinstance(prior, dict) and isinstance(prior.get("shifts"), dict)):
                raise LivschancerError(f"--start: {args.start} holds no fitted shifts")
            start_theta = theta_of(prior["shifts"], by_name(names))
            record = prior.get("calibration") or {}
            started_from = {  # the chain of fits that led here
                "file": str(args.start),
                "sha256": file_sha256(args.start),
                "command": record.get("command", ""),
                "seconds": record.get("seconds"),
                "started_from": record.get("started_from"),
            }
        res = fit(
            settings,
            start_theta=start_theta,
            workers=args.workers,
            step=args.step,
            max_nfev=args.max_nfev,
            global_rounds=args.global_rounds,
        )
    except LivschancerError as err:
        print(error_line(err, "livschancer calibrate"), file=sys.stderr)
        return EXIT_USAGE
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    doc = calibrated_document(res, args.targets)
    doc["calibration"]["command"] = "livschancer calibrate " + " ".join(
        argv if argv is not None else sys.argv[2:]
    )
    if started_from is not None:
        doc["calibration"]["started_from"] = started_from
    path = write_yaml(doc, out / "calibrated.yaml")
    if args.install:
        write_yaml(doc, args.install)
    table = res.scored.assign(start_simulated=res.start["simulated"])
    csv = out / "calibration_fit.csv"
    tmp = csv.with_name(f".{csv.name}.tmp")
    table.to_csv(tmp, index=False, float_format="%.6g")
    tmp.replace(csv)
    html = write_fit_report(res, out / "calibration_report.html")
    s = res.stats()
    _say(f"wrote {path}, {csv}, {html}")
    _say(
        f"parameters: {int(res.fitted.sum())} fitted, {int((~res.fitted).sum())} fixed; "
        f"start {summary_line(res.start)}"
    )
    _say(
        f"calibration targets={s['targets']} fitted={s['computable']} "
        f"median_abs_pp={s['median_abs_pp']:.2f} within_3pp={s['within_3pp']:.3f} "
        f"seconds={time.perf_counter() - t0:.0f}"
    )  # fmt: skip
    return 0


def write_fit_report(res: FitResult, path: Path) -> Path:
    """An HTML page with the fit section of the run report (plot and table) and the fitted
    parameters with their standard errors."""
    from livschancer.outputs import report

    se = np.sqrt(np.clip(np.diag(res.covariance), 0, None))
    rows = []
    j = 0
    for p, t, a, m in zip(res.free, res.theta, res.fitted, res.moved, strict=True):
        err = f"{se[j]:.3f}" if a else "fixed"
        j += int(a)
        rows.append(
            f"<tr><td><code>{p.name}</code></td><td>{t:+.3f}</td><td>{err}</td><td>{m}</td>"
            f"<td>{report._esc(p.meaning)}</td></tr>"
        )
    params = (
        "<table><tr><th>parameter</th><th>shift</th><th>se</th><th>targets moved</th>"
        "<th>meaning</th></tr>" + "".join(rows) + "</table>"
    )
    body = report._fit_section(res.scored, "en")
    s = res.settings
    html = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>livschancer "
        f"calibration</title><style>{report._CSS}</style></head><body><h1>Calibration</h1>"
        f"<p>Observed scenario ({s.scenario}), seed {s.seed}, population.scale {s.scale}, "
        f"model-error floor {100 * s.floor:.1f} pp; {res.evaluations} evaluations in "
        f"{res.seconds:.0f} s. The without-plan counterfactual is this calibrated model with "
        f"the plan's activities off (scenario=without_plan).</p>"
        f"<h2>Fit</h2>{body}<h2>Parameters</h2>{params}</body></html>\n"
    )
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html)
    tmp.replace(path)
    return path


__all__ = ["FREE", "FitResult", "fit", "main", "score_targets"]
