"""Resume: a job's result counts as complete only if it opens, has the run attrs and its config."""

from __future__ import annotations

import yaml

from livschancer.sweeps.resume import result_is_complete, same_config
from tests.sweeps import fake


def test_complete_result(tmp_path):
    path = tmp_path / "r.nc"
    ds = fake.job_dataset({"seed": 3, "x": 0.5})
    ds.to_netcdf(path)
    assert result_is_complete(path)
    assert result_is_complete(path, ds.attrs["config"])


def test_missing_truncated_or_foreign_files_are_not_complete(tmp_path):
    assert not result_is_complete(tmp_path / "none.nc")
    good = tmp_path / "good.nc"
    fake.job_dataset({"seed": 1}).to_netcdf(good)
    cut = tmp_path / "cut.nc"
    cut.write_bytes(good.read_bytes()[:200])
    assert not result_is_complete(cut)
    foreign = tmp_path / "foreign.nc"
    fake.job_dataset({"seed": 1}).drop_attrs().to_netcdf(foreign)
    assert not result_is_complete(foreign)


def test_a_result_of_another_config_is_not_complete(tmp_path):
    path = tmp_path / "r.nc"
    fake.job_dataset({"seed": 3, "x": 0.5}).to_netcdf(path)
    assert not result_is_complete(path, yaml.safe_dump({"seed": 3, "x": 0.7}))


def test_engine_keys_do_not_count():
    a = yaml.safe_dump({"seed": 1, "sim": {"threads": 0, "chunk_size": 10, "progress": True}})
    b = yaml.safe_dump({"seed": 1, "sim": {"threads": 4, "chunk_size": 99, "progress": False}})
    c = yaml.safe_dump({"seed": 2, "sim": {"threads": 4, "chunk_size": 99, "progress": False}})
    assert same_config(a, b)
    assert not same_config(a, c)
