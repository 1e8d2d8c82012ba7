"""The LC6 benchmark script runs and agrees with the exact Markov-chain shares."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "lc6" / "run.py"
FINAL = re.compile(
    r"^lc6 persons=(\d+) seconds=(\S+) person_periods_per_second=(\S+) max_share_error=(\S+)$"
)


@pytest.mark.slow
def test_lc6_run_final_line():
    res = subprocess.run(
        [sys.executable, str(RUN), "--persons", "20000"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    last = res.stdout.strip().splitlines()[-1]
    m = FINAL.match(last)
    assert m, f"unexpected final line: {last!r}"
    persons, seconds, rate, error = m.groups()
    assert int(persons) == 20000
    assert float(seconds) > 0
    assert float(rate) == pytest.approx(20000 * 30 / float(seconds), rel=2e-3)
    assert float(error) < 0.01
