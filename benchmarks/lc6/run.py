"""LC6 benchmark: livschancer's engine primitives on a 6-state, 30-period life-course model.

See ``benchmarks/lc6/README.md``. One cohort of N persons starts at age 0 in ``school``; each of
30 yearly periods records the share of persons in each state at the current age, then draws the
next state from the row of ``transitions.csv`` for (age, state).

The kernel is written like the engine's (``livschancer.sim.kernel.simulate_chunk``): one
``@njit(parallel=True, cache=True)`` function, persons split into contiguous blocks, one block per
thread, each with its own count array (age x state), summed afterwards. Every draw is a pure
function of (seed, person id, age) through ``block_words`` (Philox4x32-10), so the counts do not
depend on the number of threads. LC6 has one random decision a year where the engine's yearly
step has four, so one Philox call (four 32-bit words, the four lanes) serves four consecutive
ages: the draw at age ``a`` is lane ``a % 4`` of block ``(seed, person, a // 4)``; the engine
likewise uses all four lanes of each call (move, parent_rg, lifecourse, fritidsjob).

    python benchmarks/lc6/run.py --persons 100000 [--persons 1000000] [--compare]

The output ends with one line per size (the last size last):
``lc6 persons=N seconds=S person_periods_per_second=R max_share_error=E``
(S: best simulation time after compilation; E: max |simulated - exact Markov-chain share|).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
try:
    import livschancer  # noqa: F401
except ImportError:  # run without PYTHONPATH=src
    sys.path.insert(0, str(ROOT / "src"))

import lc6_common as common  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from livschancer.sim.kernel import draw_categorical_branchless  # noqa: E402
from livschancer.sim.pack import cumulative  # noqa: E402
from livschancer.sim.rng import block_words, to_unit  # noqa: E402

DEFAULT_SIZES = (100_000, 1_000_000)
COMPARE_VENV = ROOT / "benchmarks" / ".venv-compare"
COMPETITORS = ("neworder", "starsim", "vivarium")
#: A competitor is timed at the larger sizes only if its time, extrapolated linearly from the
#: previous size, stays under this many seconds.
COMPETITOR_BUDGET = 120.0


#: Persons per batch: their Philox words are computed in one tight loop that LLVM vectorises
#: (SIMD multiply-high), then the draws run over the batch. 256 keeps the batch in L1.
BATCH = 256


@njit(parallel=True, cache=True)
def lc6_counts(seed, n_persons, cum, start_state, counts):
    """Simulate persons 0..n_persons-1 and add their states to ``counts``.

    seed : uint64; cum : float32 (30, 6, 6) cumulative rows from ``pack.cumulative``;
    start_state : int; counts : int64 (n_block, 30, 6), one slice per block, zeroed by the
    caller and summed over blocks afterwards. Person ``i``'s draw at age ``a`` (the move to age
    ``a + 1``) is word ``a % 4`` of ``block_words(seed, i, a // 4, 0)``: every word of every
    Philox call is used. The batching changes only the order of work, not any draw.
    """
    n_block = counts.shape[0]
    n_age = cum.shape[0]
    for b in prange(n_block):
        lo = (n_persons * b) // n_block
        hi = (n_persons * (b + 1)) // n_block
        c = counts[b]
        words = np.empty((4, BATCH), np.uint32)
        state = np.empty(BATCH, np.int64)
        for start in range(lo, hi, BATCH):
            m = min(BATCH, hi - start)
            for j in range(m):
                state[j] = start_state
            for group in range((n_age + 3) // 4):
                for j in range(m):
                    w0, w1, w2, w3 = block_words(seed, np.uint64(start + j), group, 0)
                    words[0, j] = w0
                    words[1, j] = w1
                    words[2, j] = w2
                    words[3, j] = w3
                for lane in range(4):
                    age = 4 * group + lane
                    if age >= n_age:
                        break
                    for j in range(m):
                        s = state[j]
                        c[age, s] += 1
                        state[j] = draw_categorical_branchless(cum[age, s], to_unit(words[lane, j]))


def simulate(n_persons: int, cum: np.ndarray, seed: int = common.SEED) -> np.ndarray:
    """(30, 6) int64 counts of persons by age and state."""
    n_block = numba.get_num_threads()
    counts = np.zeros((n_block, cum.shape[0], cum.shape[1]), dtype=np.int64)
    lc6_counts(np.uint64(seed), n_persons, cum, common.START_STATE, counts)
    return counts.sum(axis=0)


def best_time(fn, repeats: int) -> tuple[float, object]:
    """Smallest wall time of ``repeats`` calls and the last call's result."""
    best = float("inf")
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def numpy_reference(n_persons: int, p: np.ndarray, seed: int = common.SEED) -> np.ndarray:
    """Plain vectorised NumPy: per period one ``rng.random(N)`` and one ``searchsorted`` over
    the cumulative rows (shifted by state, ``common.offset_cumulative``)."""
    rng = np.random.default_rng(seed)
    flats = [common.offset_cumulative(p[a]) for a in range(common.N_AGE)]
    state = np.full(n_persons, common.START_STATE, dtype=np.int64)
    counts = np.zeros((common.N_AGE, common.N_STATE), dtype=np.int64)
    for age in range(common.N_AGE):
        counts[age] = np.bincount(state, minlength=common.N_STATE)
        state = common.draw_next(flats[age], state, rng.random(n_persons))
    return counts


def child(n_persons: int) -> None:
    """Entry point of the start-up runs: compile (or load from cache) and simulate once."""
    p = common.load_matrices()
    cum = cumulative(p)
    t0 = time.perf_counter()
    counts = simulate(n_persons, cum)
    seconds = time.perf_counter() - t0
    err = common.max_share_error(counts, p)
    print(common.result_line("lc6_child", n_persons, seconds, err))


def startup_runs(n_persons: int) -> tuple[float, float]:
    """Whole-process wall times of a fresh interpreter that imports, compiles and simulates
    once: first with an empty ``NUMBA_CACHE_DIR`` (cold: every kernel compiled), then again
    with the cache it left (warm start: kernels loaded from the cache)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="lc6-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cmd = [sys.executable, str(HERE / "run.py"), "--child", "--persons", str(n_persons)]
        for _ in range(2):
            t0 = time.perf_counter()
            res = subprocess.run(cmd, env=env, capture_output=True, text=True)
            out.append(time.perf_counter() - t0)
            if res.returncode != 0:
                raise RuntimeError(f"start-up run failed:\n{res.stderr}")
    return out[0], out[1]


def competitor_python() -> Path | None:
    py = COMPARE_VENV / "bin" / "python"
    return py if py.exists() else None


def run_competitor(name: str, n_persons: int, repeats: int, timeout: float) -> dict:
    """Run ``competitors/<name>_lc6.py`` in the comparison venv. Returns ``{"wall": seconds of
    the whole process, "variants": [parsed result lines]}`` or ``{"error": message}``."""
    py = competitor_python()
    if py is None:
        return {"error": f"{COMPARE_VENV} missing: run benchmarks/lc6/setup_compare.sh"}
    script = HERE / "competitors" / f"{name}_lc6.py"
    cmd = [str(py), str(script), "--persons", str(n_persons), "--repeats", str(repeats)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith(name) and " persons=" in ln]
    if res.returncode != 0 or not lines:
        tail = (res.stderr.strip().splitlines() or res.stdout.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {res.returncode}: {tail}"}
    return {"wall": wall, "variants": [common.parse_line(ln) for ln in lines]}


def compare(sizes: list[int], results: dict) -> None:
    """Time every competitor at each size (while the extrapolated time stays in budget) and
    print its ratios to livschancer and to the NumPy reference."""
    print("\n== competitors (benchmarks/.venv-compare; seconds: simulation only, best run)")
    status = COMPARE_VENV / "install-status.txt"
    if status.exists():
        print("installed: " + "; ".join(status.read_text().strip().splitlines()))
    for name in COMPETITORS:
        prev_n = prev_wall = None
        for n in sizes:
            if prev_wall is not None and prev_wall * n / prev_n > COMPETITOR_BUDGET:
                print(
                    f"{name} persons={n}: skipped (about {prev_wall * n / prev_n:.0f} s "
                    f"expected from persons={prev_n})"
                )
                break
            reps = 3 if n <= 100_000 else 1
            res = run_competitor(name, n, reps, timeout=max(300.0, 3 * COMPETITOR_BUDGET))
            if "error" in res:
                print(f"{name} persons={n}: FAILED ({res['error']})")
                break
            prev_n, prev_wall = n, res["wall"]
            for v in res["variants"]:
                s = float(v["seconds"])
                lc = results[n]["seconds"]
                ref = results[n]["ref_seconds"]
                notes = ", ".join(
                    f"{k} {v[k]}"
                    for k in ("version", "import_seconds", "setup_seconds", "init_seconds")
                    if k in v
                )
                print(
                    f"{v['name']:16s} persons={n}: {s:.3f} s (best of {reps}), "
                    f"{float(v['person_periods_per_second']):.3g} person-periods/s, "
                    f"max share error {float(v['max_share_error']):.2e}; "
                    f"/livschancer = {s / lc:.1f}x, /numpy = {s / ref:.2f}x ({notes})"
                )
            print(f"{'':16s} (whole {name} process: {res['wall']:.1f} s)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--persons", type=int, action="append", help="cohort size (repeatable; default 1e5 and 1e6)"
    )
    ap.add_argument("--compare", action="store_true", help="also time the competitor packages")
    ap.add_argument("--repeats", type=int, default=5, help="timed repeats, best kept (default 5)")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up (cold) runs")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = args.persons or list(DEFAULT_SIZES)
    if args.child:
        child(sizes[0])
        return

    p = common.load_matrices()
    cum = cumulative(p)
    threads = numba.get_num_threads()
    print(
        f"LC6: {common.N_STATE} states, {common.N_AGE} periods; numba {numba.__version__}, "
        f"{threads} threads; numpy {np.__version__}; {os.cpu_count()} cores"
    )

    t0 = time.perf_counter()
    simulate(1000, cum)  # compile (or load from cache) before timing
    print(f"warm-up call (compile or cache load): {time.perf_counter() - t0:.2f} s")

    results = {}
    for n in sizes:
        seconds, counts = best_time(lambda n=n: simulate(n, cum), args.repeats)
        err = common.max_share_error(counts, p)
        numba.set_num_threads(1)
        one_seconds, one_counts = best_time(lambda n=n: simulate(n, cum), min(args.repeats, 3))
        numba.set_num_threads(threads)
        same = np.array_equal(one_counts, counts)
        ref_seconds, ref_counts = best_time(lambda n=n: numpy_reference(n, p), args.repeats)
        ref_err = common.max_share_error(ref_counts, p)
        row = {
            "seconds": seconds,
            "error": err,
            "ref_seconds": ref_seconds,
            "one_thread_seconds": one_seconds,
        }
        print(f"\n== persons={n} ({n * common.N_AGE:,} person-periods)")
        print(
            f"livschancer  simulation {seconds:.4f} s (best of {args.repeats}), "
            f"{n * common.N_AGE / seconds:.3g} person-periods/s, max share error {err:.2e}, "
            f"counts identical with 1 thread: {same}"
        )
        print(
            f"livschancer  1 thread   {one_seconds:.4f} s, "
            f"{n * common.N_AGE / one_seconds:.3g} person-periods/s"
        )
        print(
            f"numpy ref    simulation {ref_seconds:.4f} s (best of {args.repeats}), "
            f"{n * common.N_AGE / ref_seconds:.3g} person-periods/s, "
            f"max share error {ref_err:.2e}; numpy/livschancer = {ref_seconds / seconds:.1f}x"
        )
        if not args.no_startup:
            cold, warm_start = startup_runs(n)
            row.update(cold=cold, warm_start=warm_start)
            print(
                f"livschancer  whole process incl. start-up: cold (empty numba cache) "
                f"{cold:.2f} s, with numba cache {warm_start:.2f} s"
            )
        results[n] = row

    if args.compare:
        compare(sizes, results)

    print()
    for n in sizes:
        r = results[n]
        print(common.result_line("lc6", n, r["seconds"], r["error"]))


if __name__ == "__main__":
    main()
