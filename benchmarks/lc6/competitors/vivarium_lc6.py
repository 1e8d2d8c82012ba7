"""LC6 in Vivarium: one ``Component`` owning a ``lc_state`` column of the population state
table, initialised to ``school``, and a randomness stream; run with ``InteractiveContext``.

Each time step (one year) ``on_time_step`` counts the simulants in each state (the share at the
current age), then draws their next state. Two variants, both timed:

- ``vivarium``: ``self.randomness.get_draw(index)`` (one uniform per simulant) and a vectorised
  ``searchsorted`` over the cumulative rows (``lc6_common.draw_next``), then
  ``population_view.update``.
- ``vivarium_choice``: Vivarium's own ``self.randomness.choice(index, states, p)`` with a
  per-simulant weight matrix (the age's matrix rows picked by state).

Prints ``vivarium persons=N seconds=S ...`` (seconds: ``take_steps(30)`` only, best of the
repeats; ``setup_seconds``: building the ``InteractiveContext`` with its population).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lc6_common as common
import numpy as np
import pandas as pd

t_import = time.perf_counter()
import vivarium  # noqa: E402
from vivarium import Component, InteractiveContext  # noqa: E402

t_import = time.perf_counter() - t_import


class LC6(Component):
    def __init__(self, p: np.ndarray, use_choice: bool = False) -> None:
        super().__init__()
        self.p = p
        self.use_choice = use_choice
        self.flats = [common.offset_cumulative(p[a]) for a in range(common.N_AGE)]
        self.counts = np.zeros((common.N_AGE, common.N_STATE), dtype=np.int64)
        self.age = 0

    def setup(self, builder) -> None:
        self.randomness = builder.randomness.get_stream("lc6_transition")
        builder.population.register_initializer(
            initializer=self.initialize_state, columns="lc_state", required_resources=[]
        )

    def initialize_state(self, pop_data) -> None:
        self.population_view.initialize(
            pd.Series(common.START_STATE, index=pop_data.index, name="lc_state", dtype=np.int64)
        )

    def on_time_step(self, event) -> None:
        age = self.age
        state = self.population_view.get(event.index, "lc_state").to_numpy()
        self.counts[age] = np.bincount(state, minlength=common.N_STATE)
        if self.use_choice:
            choices = np.arange(common.N_STATE)
            new = self.randomness.choice(event.index, choices, p=self.p[age][state])
            new = new.to_numpy(dtype=np.int64)
        else:
            u = self.randomness.get_draw(event.index).to_numpy()
            new = common.draw_next(self.flats[age], state, u)
        self.population_view.update(
            "lc_state", lambda _: pd.Series(new, index=event.index, name="lc_state")
        )
        self.age += 1


def make_sim(n: int, component: LC6) -> InteractiveContext:
    config = {
        "population": {"population_size": n},
        "time": {
            "start": {"year": 2000, "month": 1, "day": 1},
            "end": {"year": 2030, "month": 1, "day": 1},
            "step_size": 365,  # days
        },
        "randomness": {"key_columns": [], "random_seed": common.SEED},
    }
    return InteractiveContext(components=[component], configuration=config, logging_verbosity=0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default="vivarium,vivarium_choice")
    args = ap.parse_args()
    p = common.load_matrices()
    for name in args.variants.split(","):
        best = float("inf")
        for _ in range(args.repeats):
            comp = LC6(p, use_choice=name == "vivarium_choice")
            t0 = time.perf_counter()
            sim = make_sim(args.persons, comp)
            setup = time.perf_counter() - t0
            t0 = time.perf_counter()
            sim.take_steps(common.N_AGE)
            best = min(best, time.perf_counter() - t0)
        if comp.age != common.N_AGE:
            raise RuntimeError(f"expected {common.N_AGE} time steps, got {comp.age}")
        common.report(
            name,
            args.persons,
            best,
            comp.counts,
            p,
            version=vivarium.__version__,
            setup_seconds=f"{setup:.3f}",
            import_seconds=f"{t_import:.2f}",
        )


if __name__ == "__main__":
    main()
