"""What every LC6 implementation shares: the matrix, the exact shares and the result line.

Only NumPy and the standard library, so that the competitor scripts can import it from their
own virtualenv (``benchmarks/.venv-compare``) as well as ``run.py`` from the project's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TRANSITIONS_CSV = HERE / "transitions.csv"
STATES = ("school", "youth_edu", "vocational", "higher_edu", "employed", "neet")
N_STATE = len(STATES)
N_AGE = 30
START_STATE = STATES.index("school")
SEED = 20240601


def load_matrices(path: Path = TRANSITIONS_CSV) -> np.ndarray:
    """float64 (30, 6, 6) array ``P[age, from, to]`` from the long-format CSV; checks that every
    (age, from, to) appears exactly once and that every row sums to 1."""
    p = np.full((N_AGE, N_STATE, N_STATE), np.nan)
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            age = int(rec["age"])
            i = STATES.index(rec["from_state"])
            j = STATES.index(rec["to_state"])
            if not np.isnan(p[age, i, j]):
                key = f"{age},{rec['from_state']},{rec['to_state']}"
                raise ValueError(f"{path}: duplicate row {key}")
            p[age, i, j] = float(rec["probability"])
    if np.isnan(p).any():
        raise ValueError(f"{path}: missing (age, from, to) rows")
    if (p < 0).any() or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-9):
        raise ValueError(f"{path}: probabilities must be >= 0 with rows summing to 1")
    return p


def exact_shares(p: np.ndarray) -> np.ndarray:
    """(30, 6) exact Markov-chain shares: ``share[a] = e_school @ P[0] @ ... @ P[a-1]``."""
    share = np.zeros((N_AGE, N_STATE))
    v = np.zeros(N_STATE)
    v[START_STATE] = 1.0
    for age in range(N_AGE):
        share[age] = v
        v = v @ p[age]
    return share


def max_share_error(counts: np.ndarray, p: np.ndarray) -> float:
    """Largest absolute difference between simulated shares (counts (30, 6) / persons) and the
    exact shares."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (N_AGE, N_STATE):
        raise ValueError(f"counts must have shape (30, 6), got {counts.shape}")
    n = counts[0].sum()
    if not np.all(counts.sum(axis=1) == n):
        raise ValueError("every age must count every person once")
    return float(np.abs(counts / n - exact_shares(p)).max())


def offset_cumulative(p_age: np.ndarray) -> np.ndarray:
    """(36,) float64: row ``s`` of the cumulative matrix shifted by ``s``, so that one
    ``np.searchsorted(flat, u + state, side="right") - 6 * state`` draws every person's next
    state at once (the vectorised NumPy draw used by the reference and the competitors).

    Entries from each row's last positive probability on are exactly ``s + 1``, so a
    zero-probability outcome is never chosen (``side="right"`` skips ties)."""
    cum = np.cumsum(p_age, axis=-1)
    for s in range(N_STATE):
        last = np.flatnonzero(p_age[s] > 0)[-1]
        cum[s, last:] = 1.0
    return (cum + np.arange(N_STATE)[:, None]).ravel()


def draw_next(flat: np.ndarray, state: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Next states (int64) of persons in ``state`` given uniforms ``u`` in [0, 1); ``flat`` from
    :func:`offset_cumulative`. The clip guards against ``u + state`` rounding up to
    ``state + 1`` for u within 2**-50 of 1."""
    idx = np.searchsorted(flat, u + state, side="right") - N_STATE * state
    np.clip(idx, 0, N_STATE - 1, out=idx)
    return idx


def result_line(name: str, persons: int, seconds: float, error: float, **extra) -> str:
    """The parseable line every implementation prints (``key=value`` fields)."""
    rate = persons * N_AGE / seconds
    fields = [
        name,
        f"persons={persons}",
        f"seconds={seconds:.4g}",
        f"person_periods_per_second={rate:.4g}",
        f"max_share_error={error:.3g}",
    ]
    fields += [f"{k}={v}" for k, v in extra.items()]
    return " ".join(fields)


def report(
    name: str, persons: int, seconds: float, counts: np.ndarray, p: np.ndarray, **extra
) -> None:
    """Check ``counts`` against the exact shares and print the result line."""
    error = max_share_error(counts, p)
    print(result_line(name, persons, seconds, error, **extra), flush=True)


def parse_line(line: str) -> dict[str, str]:
    """``key=value`` fields of a result line; the first word goes to ``"name"``."""
    words = line.split()
    out = {"name": words[0]}
    for w in words[1:]:
        k, _, v = w.partition("=")
        out[k] = v
    return out
