"""Tests of progress.py: a bar on a terminal, log lines at most every N seconds otherwise."""

from __future__ import annotations

import io
import logging

import pytest

from livschancer import progress as pg


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "livschancer.progress"]


def test_logs_at_most_every_interval_with_percent_and_elapsed(caplog):
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="livschancer.progress")
    it = pg.progress(
        range(10), "simulating", enabled=True, interval=30, clock=clock, stream=io.StringIO()
    )
    assert isinstance(it, pg.LogProgress)
    for i in it:
        clock.now += 12.0  # each step takes 12 s: lines after steps 3, 6 and 9 (36 s apart)
        if i == 1:
            assert _lines(caplog) == []
    assert _lines(caplog) == [
        "simulating: 3/10 (30%), elapsed 36s, about 1m24s left",
        "simulating: 6/10 (60%), elapsed 1m12s, about 48s left",
        "simulating: 9/10 (90%), elapsed 1m48s, about 12s left",
        "simulating: 10/10 (100%), elapsed 2m00s - finished",
    ]


def test_short_loops_log_nothing(caplog):
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="livschancer.progress")
    for _ in pg.progress([1, 2, 3], "simulating", interval=30, clock=clock, stream=io.StringIO()):
        clock.now += 1.0
    assert _lines(caplog) == []


def test_update_and_context_manager_without_total(caplog):
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="livschancer.progress")
    with pg.progress(None, "reading", interval=5, clock=clock, stream=io.StringIO()) as bar:
        clock.now += 6
        bar.update(4)
    assert _lines(caplog)[0] == "reading: 4 done, elapsed 6s"


def test_terminal_gets_a_tqdm_bar_and_disabled_is_silent(caplog):
    from tqdm import tqdm

    bar = pg.progress(range(3), "simulating", stream=Tty())
    assert isinstance(bar, tqdm)
    assert list(bar) == [0, 1, 2]
    caplog.set_level(logging.INFO, logger="livschancer.progress")
    silent = pg.progress(range(3), "simulating", enabled=False, interval=0)
    with silent as it:
        assert list(it) == [0, 1, 2]
        it.update(5)
    assert _lines(caplog) == []


def test_interval_from_environment(monkeypatch):
    monkeypatch.setenv(pg.INTERVAL_ENV, "2.5")
    assert pg.LogProgress(range(2), "x").interval == 2.5
    monkeypatch.setenv(pg.INTERVAL_ENV, "soon")
    assert pg.default_interval() == pg.DEFAULT_INTERVAL


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (125, "2m05s"), (3725, "1h02m05s")])
def test_format_seconds(seconds, text):
    assert pg.format_seconds(seconds) == text
