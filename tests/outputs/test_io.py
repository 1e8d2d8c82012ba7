"""Tests of outputs/io.py: round trip and atomic writes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from livschancer.outputs import io


def _ds():
    return xr.Dataset({"x": (("a",), np.arange(5, dtype=np.int32))}, attrs={"seed": 3})


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
        io.write_dataset(_ds(), path)
    assert path.read_bytes() == before
