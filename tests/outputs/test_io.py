"""Tests of outputs/io.py: round trip, atomic writes, umask, no silent overwrite, signals."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from livschancer.errors import ConfigError
from livschancer.outputs import io


def _ds():
    return xr.Dataset({"x": (("a",), np.arange(5, dtype=np.int32))}, attrs={"seed": 3})


def test_tallies_are_chunked_by_year_small_and_per_person_variables_are_not(tmp_path):
    rng = np.random.default_rng(0)
    tally = rng.integers(0, 3, (4, 30, 2, 600), dtype=np.int32)  # 144 kB per year
    ds = xr.Dataset(
        {
            "tally": (("year", "age", "sex", "cell"), tally),
            "small": (("year", "age"), tally[:, :, 0, 0]),
            "person_state": (("person",), rng.integers(0, 9, 200_000).astype(np.int8)),
            "share": (("year",), np.array([0.1, np.nan, 0.3, 0.4])),
        }
    )
    path = io.write_dataset(ds, tmp_path / "run.nc")
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), ds)
        assert back["tally"].encoding["chunksizes"] == (1, 30, 2, 600)
        assert back["tally"].encoding["zlib"]
        assert not back["tally"].encoding["shuffle"]
        assert back["small"].encoding.get("chunksizes") != (1, 30)
        assert back["person_state"].encoding.get("chunksizes") not in {(1,)}


def test_round_trip(tmp_path):
    path = io.write_dataset(_ds(), tmp_path / "run.nc")
    back = io.read_dataset(path)
    assert back["x"].values.tolist() == [0, 1, 2, 3, 4]
    assert int(back.attrs["seed"]) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(self, path, **kw):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        io.write_dataset(_ds(), tmp_path / "run.nc")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = io.write_dataset(_ds(), tmp_path / "run.nc")
    before = path.read_bytes()
    monkeypatch.setattr(
        xr.Dataset, "to_netcdf", lambda *a, **k: (_ for _ in ()).throw(OSError("x"))
    )
    with pytest.raises(OSError, match="x"):
        io.write_dataset(_ds(), path, overwrite=True)
    assert path.read_bytes() == before


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_file_mode_follows_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = io.write_dataset(_ds(), tmp_path / "run.nc")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_existing_file_is_refused_unless_overwrite(tmp_path):
    path = io.write_dataset(_ds(), tmp_path / "run.nc")
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"output\.file: exists already; set output\.overwrite"):
        io.write_dataset(_ds().assign(x=lambda d: d.x + 1), path)
    assert path.read_bytes() == before
    io.write_dataset(_ds().assign(x=lambda d: d.x + 1), path, overwrite=True)
    assert io.read_dataset(path)["x"].values.tolist() == [1, 2, 3, 4, 5]
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]


def test_file_created_by_another_run_while_writing_is_not_replaced(tmp_path, monkeypatch):
    """The existence check before writing is repeated atomically when the file is published."""
    path = tmp_path / "run.nc"
    real = xr.Dataset.to_netcdf

    def racing(self, target, **kw):
        path.write_bytes(b"the other run's result")
        return real(self, target, **kw)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", racing)
    with pytest.raises(ConfigError, match="exists already"):
        io.write_dataset(_ds(), path)
    assert path.read_bytes() == b"the other run's result"
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]


def test_signal_while_writing_is_deferred_and_the_file_abandoned(tmp_path, monkeypatch):
    """A signal during the write is noted, the half-written file removed, and the signal
    re-delivered to the program's own handler afterwards."""
    seen: list[int] = []
    old = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    real = xr.Dataset.to_netcdf

    def signalled(self, target, **kw):
        real(self, target, **kw)
        signal.raise_signal(signal.SIGTERM)
        assert seen == []  # deferred: not delivered inside the write

    monkeypatch.setattr(xr.Dataset, "to_netcdf", signalled)
    try:
        with pytest.raises(InterruptedError, match="nothing was written"):
            io.write_dataset(_ds(), tmp_path / "run.nc")
    finally:
        signal.signal(signal.SIGTERM, old)
    assert seen == [signal.SIGTERM]
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_writing_raises_keyboard_interrupt_after_cleanup(tmp_path, monkeypatch):
    real = xr.Dataset.to_netcdf

    def interrupted(self, target, **kw):
        real(self, target, **kw)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", interrupted)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            io.write_dataset(_ds(), tmp_path / "run.nc")
    finally:
        signal.signal(signal.SIGINT, old)
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is old


WRITER = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
import numpy as np, xarray as xr
from livschancer.outputs.io import write_dataset
rng = np.random.default_rng(0)
n = 4_000_000
ds = xr.Dataset({f"v{i}": ("x", rng.integers(0, 100, n).astype(np.int32)) for i in range(4)})
print("writing", flush=True)
while True:  # keep writing, so that the signal arrives during a write
    write_dataset(ds, sys.argv[1], overwrite=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_real_signal_during_write_stops_promptly_and_leaves_file_or_nothing(tmp_path, signum):
    """A real process gets Ctrl-C / SIGTERM while writing. Before the fix, Ctrl-C hung in
    xarray's lock (an exception raised inside its netCDF4 backend) and SIGTERM left the hidden
    ``.tmp`` file behind."""
    target = tmp_path / "run.nc"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(1.5)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the process hung after the signal")
    if signum == signal.SIGINT:
        assert "KeyboardInterrupt" in err
    else:
        assert proc.returncode == -signal.SIGTERM
    assert [p.name for p in tmp_path.iterdir() if p.name != "run.nc"] == []
    if target.exists():  # a complete file from an earlier round
        assert io.read_dataset(target)["v3"].size == 4_000_000
