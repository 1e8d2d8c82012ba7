"""LC6 in Starsim: a custom ``ss.Module`` with an integer agent state and an ``ss.random()``
distribution (Starsim's per-agent common-random-number stream), run by ``ss.Sim``.

Each time step the module counts the agents in each state (the share at the current age), draws
one uniform per agent with ``self.unif.rvs(uids)`` and moves every agent at once with a
vectorised ``searchsorted`` over the cumulative rows of that age (``lc6_common.draw_next``).
The sim has 30 time steps of one year (age = time-step index); Starsim's own agent ages and
demographics play no part (none are added).

Prints ``starsim persons=N seconds=S ...`` (seconds: ``sim.run()`` only, best of the repeats;
``init_seconds``: ``sim.init()``, creating the agents).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

import lc6_common as common
import numpy as np

t_import = time.perf_counter()
import starsim as ss  # noqa: E402

t_import = time.perf_counter() - t_import


class LC6(ss.Module):
    def __init__(self, p: np.ndarray, **kwargs) -> None:
        super().__init__(**kwargs)
        self.define_states(ss.IntArr("lc_state", default=common.START_STATE))
        self.unif = ss.random()
        self.flats = [common.offset_cumulative(p[a]) for a in range(common.N_AGE)]
        self.counts = np.zeros((common.N_AGE, common.N_STATE), dtype=np.int64)

    def step(self) -> None:
        age = self.ti
        uids = self.sim.people.auids
        state = self.lc_state[uids]
        self.counts[age] = np.bincount(state, minlength=common.N_STATE)
        u = self.unif.rvs(uids)
        self.lc_state[uids] = common.draw_next(self.flats[age], state, u)


def make_sim(n: int, p: np.ndarray) -> ss.Sim:
    return ss.Sim(
        n_agents=n,
        modules=LC6(p),
        start=2000,
        dur=common.N_AGE - 1,  # 30 time points, 2000 to 2029
        dt=1,
        rand_seed=common.SEED,
        verbose=0,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, required=True)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    p = common.load_matrices()
    best = float("inf")
    for _ in range(args.repeats):
        sim = make_sim(args.persons, p)
        t0 = time.perf_counter()
        sim.init()
        init = time.perf_counter() - t0
        t0 = time.perf_counter()
        sim.run()
        best = min(best, time.perf_counter() - t0)
    mod = next(m for m in sim.modules if isinstance(m, LC6))
    steps = len(sim.t.tvec)
    if steps != common.N_AGE:
        raise RuntimeError(f"expected {common.N_AGE} time steps, got {steps}")
    common.report(
        "starsim",
        args.persons,
        best,
        mod.counts,
        p,
        version=ss.__version__,
        init_seconds=f"{init:.3f}",
        import_seconds=f"{t_import:.2f}",
    )


if __name__ == "__main__":
    main()
