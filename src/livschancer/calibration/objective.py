"""The calibration objective: simulate the observed world with shifted knobs, score the targets.

One evaluation builds the parameter set (``transitions.provisional.build_parameters`` with the
free parameters' shifts), links the ``observed`` scenario's activities (the published
supported-area figures describe areas that had plan activities for 10-15 years), simulates a
sample of the population with a fixed seed and scores every target with the outputs' scoring
code (``outputs.score.score_targets``). The seed is the same in every evaluation (common random
numbers), so that two nearby parameter values see the same persons and the same draws and the
objective changes smoothly except where a draw flips.

Evaluations run in worker processes (:class:`EvaluatorPool`, one numba thread each); the result
of an evaluation does not depend on the worker.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from livschancer.calibration.free import FreeParameter, by_name, shifts_of


@dataclass(frozen=True)
class Settings:
    """What an evaluation needs; plain values, so that it pickles to the workers."""

    targets: str
    base: str | None = None  # knob file; None = the shipped provisional.yaml
    seed: int = 1
    scale: float = 0.1
    scenario: str = "observed"
    free: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()  # Hydra overrides of the run config
    #: model-error floor added in quadrature to each target's sampling error (share units)
    floor: float = 0.01
    extra_shifts: tuple[tuple[str, float], ...] = field(default_factory=tuple)


class Evaluator:
    """Builds, simulates and scores: :meth:`score` of a parameter vector ``theta``."""

    def __init__(self, settings: Settings) -> None:
        from hydra import compose, initialize_config_module

        from livschancer.config import register, validate
        from livschancer.outputs.targets import plan_targets, read_targets
        from livschancer.scenarios.build import build_scenario
        from livschancer.transitions import provisional

        self.settings = settings
        self.free: tuple[FreeParameter, ...] = by_name(list(settings.free) or None)
        register()
        overrides = [
            f"scenario={settings.scenario}",
            f"population.scale={settings.scale}",
            f"seed={settings.seed}",
            *settings.overrides,
        ]
        with initialize_config_module(config_module="livschancer.conf", version_base=None):
            cfg = compose(config_name="config", overrides=overrides)
        self.run = validate(cfg)
        self.scenario = build_scenario(self.run.scenario)
        self.targets = read_targets(settings.targets)
        self.plan = plan_targets(self.targets)
        self.base = Path(settings.base) if settings.base else provisional.default_path()
        self._doc = provisional._read_yaml(self.base)

    def params(self, theta: Sequence[float]):
        """The linked parameter set at ``theta``."""
        from livschancer.scenarios.build import apply_links
        from livschancer.transitions.provisional import build_parameters

        shifts = shifts_of(theta, self.free)
        for k, v in self.settings.extra_shifts:
            shifts[k] = shifts.get(k, 0.0) + v
        params = build_parameters(self._doc, self.base, shifts=shifts)
        return apply_links(params, self.scenario)

    def score(self, theta: Sequence[float]) -> pd.DataFrame:
        """The score table (``outputs.score.COLUMNS``) of a simulation at ``theta``."""
        from livschancer.outputs.score import score_targets
        from livschancer.sim.config import SimConfig
        from livschancer.sim.run import simulate

        result = simulate(
            self.run.seed,
            self.run.population,
            self.params(theta),
            SimConfig(threads=1, progress=False, chunk_size=self.run.sim.chunk_size),
            activities=self.scenario.engine_activities(),
            plan_years=self.scenario.plan_years().get("supported", ()),
        )
        return score_targets(result.tallies, self.plan)


def sigma(scored: pd.DataFrame, floor: float) -> np.ndarray:
    """Each target's weight denominator: its sampling error (binomial from its n; none where
    the report gives no n) and the model-error ``floor``, in quadrature."""
    t_se = scored["target_se"].to_numpy(dtype=float)
    t_se = np.where(np.isfinite(t_se), t_se, 0.0)
    return np.sqrt(t_se**2 + floor**2)


def residuals(scored: pd.DataFrame, mask: np.ndarray, floor: float) -> np.ndarray:
    """Weighted residuals ``(simulated - published) / sigma`` of the targets in ``mask``; a
    target that became not computable counts as a large miss (10 sigma)."""
    sim = scored["simulated"].to_numpy(dtype=float)
    pub = scored["published"].to_numpy(dtype=float)
    r = (sim - pub) / sigma(scored, floor)
    r = np.where(np.isfinite(r), r, 10.0)
    return r[mask]


# --- worker processes ------------------------------------------------------------------------

_EVALUATOR: Evaluator | None = None


def _init(settings: Settings) -> None:
    global _EVALUATOR
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    _EVALUATOR = Evaluator(settings)


def _simulated(theta: np.ndarray) -> np.ndarray:
    """Simulated target values at ``theta``; all NaN (a large miss for every target) where the
    shifted knobs break a rule of the builder (a share above what its persistence allows)."""
    from livschancer.errors import ParameterError

    assert _EVALUATOR is not None
    try:
        return _EVALUATOR.score(theta)["simulated"].to_numpy(dtype=float)
    except ParameterError:
        return np.full(len(_EVALUATOR.plan.rows), np.nan)


class EvaluatorPool:
    """``workers`` processes, each with its own :class:`Evaluator`; :meth:`simulated` maps
    parameter vectors to the simulated target values (NaN where not computable)."""

    def __init__(self, settings: Settings, workers: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.workers = max(1, workers)
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_init, initargs=(settings,)
        )

    def simulated(self, thetas: Sequence[np.ndarray]) -> list[np.ndarray]:
        return list(self._pool.map(_simulated, [np.asarray(t, dtype=float) for t in thetas]))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> EvaluatorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    """One worker per core (``os.sched_getaffinity``), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def finite_mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan
