"""LC6 in neworder: a ``neworder.Model`` whose ``step`` draws with the model's MonteCarlo.

Two variants, both timed:

- ``neworder``: the state is a NumPy array; each step takes ``self.mc.ustream(N)`` and one
  vectorised ``searchsorted`` over the cumulative rows (the same draw as run.py's NumPy
  reference, but with neworder's random stream and timeline).
- ``neworder_df``: the state is a pandas column changed by neworder's own
  ``neworder.df.transition`` with the age's 6 x 6 matrix (its built-in for Markov transitions).

Prints ``neworder persons=N seconds=S ...`` and ``neworder_df persons=N seconds=S ...``
(seconds: ``neworder.run(model)`` only, best of the repeats).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lc6_common as common
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", message="neworder installed in serial mode")
t_import = time.perf_counter()
import neworder as no  # noqa: E402

t_import = time.perf_counter() - t_import


class LC6(no.Model):
    """Numpy state array, neworder MonteCarlo uniforms."""

    def __init__(self, n: int, p: np.ndarray) -> None:
        super().__init__(
            no.LinearTimeline(0, common.N_AGE, common.N_AGE),
            no.MonteCarlo.deterministic_identical_stream,
        )
        self.flats = [common.offset_cumulative(p[a]) for a in range(common.N_AGE)]
        self.state = np.full(n, common.START_STATE, dtype=np.int64)
        self.counts = np.zeros((common.N_AGE, common.N_STATE), dtype=np.int64)

    def step(self) -> None:
        age = self.timeline.index
        self.counts[age] = np.bincount(self.state, minlength=common.N_STATE)
        u = self.mc.ustream(len(self.state))
        self.state = common.draw_next(self.flats[age], self.state, u)


class LC6DataFrame(no.Model):
    """pandas population, ``neworder.df.transition`` per step."""

    def __init__(self, n: int, p: np.ndarray) -> None:
        super().__init__(
            no.LinearTimeline(0, common.N_AGE, common.N_AGE),
            no.MonteCarlo.deterministic_identical_stream,
        )
        self.p = np.ascontiguousarray(p)
        self.categories = np.arange(common.N_STATE, dtype=np.int64)
        self.pop = pd.DataFrame({"state": np.full(n, common.START_STATE, dtype=np.int64)})
        self.counts = np.zeros((common.N_AGE, common.N_STATE), dtype=np.int64)

    def step(self) -> None:
        age = self.timeline.index
        self.counts[age] = np.bincount(self.pop["state"].to_numpy(), minlength=common.N_STATE)
        no.df.transition(self, self.categories, self.p[age], self.pop, "state")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default="neworder,neworder_df")
    args = ap.parse_args()
    p = common.load_matrices()
    models = {"neworder": LC6, "neworder_df": LC6DataFrame}
    for name in args.variants.split(","):
        best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            model = models[name](args.persons, p)
            setup = time.perf_counter() - t0
            t0 = time.perf_counter()
            ok = no.run(model)
            seconds = time.perf_counter() - t0
            if not ok:
                raise RuntimeError("neworder.run failed")
            best = min(best, seconds)
        common.report(
            name,
            args.persons,
            best,
            model.counts,
            p,
            version=no.__version__,
            setup_seconds=f"{setup:.3f}",
            import_seconds=f"{t_import:.2f}",
        )


if __name__ == "__main__":
    main()
