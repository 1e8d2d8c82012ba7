"""Keyspace: swept keys, constants and the job list, in Hydra's own job-number order."""

from __future__ import annotations

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

from livschancer.sweeps import keyspace
from tests.sweeps import fake


def test_expand_matches_hydras_job_order():
    task = ["population.scale=0.002", "seed=range(3)", "x=0.1,0.3", "+g=a"]
    keys, constants, jobs = keyspace.expand(task)
    assert keys == ["seed", "x"]
    assert constants == {"population.scale": 0.002, "g": "a"}
    hydra_jobs = BasicSweeper.split_arguments(keyspace.parse_overrides(task), None)[0]
    assert [list(j) for j in jobs] == hydra_jobs


def test_later_override_of_a_key_replaces_the_earlier_one():
    keys, constants, jobs = keyspace.expand(["seed=1,2", "seed=5"])
    assert keys == []
    assert constants == {"seed": 5}
    assert jobs == [("seed=5",)]


def test_glob_sweep_is_listed_from_the_given_options_only():
    keys, _, jobs = keyspace.expand(["+design_point=glob(p*)", "seed=1,2"])
    assert keys == ["design_point", "seed"]
    assert jobs is None  # the options of a config group are not known here
    _, _, jobs = keyspace.expand(
        ["+design_point=glob(p*)", "seed=1,2"], {"design_point": ["p0000", "p0001", "x"]}
    )
    assert jobs == [
        ("+design_point=p0000", "seed=1"),
        ("+design_point=p0000", "seed=2"),
        ("+design_point=p0001", "seed=1"),
        ("+design_point=p0001", "seed=2"),
    ]


def test_build_finds_jobs_and_the_ones_that_never_started(tmp_path):
    fake.grid_sweep(tmp_path, never_started=[(2, 0.5)])
    ks = keyspace.build(tmp_path)
    assert ks.keys == ["seed", "x"]
    assert ks.values == {"seed": [1, 2], "x": [0.1, 0.3, 0.5]}
    assert ks.constants == {"population.scale": 0.002}
    assert ks.expected_known
    assert len(ks.jobs) == 6
    never = [j for j in ks.jobs if j.dir is None]
    assert [(j.label(), j.num) for j in never] == [("seed=2 x=0.5", 5)]
    assert ks.index(never[0]) == (1, 2)
    assert {j.num for j in ks.jobs} == set(range(6))


def test_jobs_of_an_earlier_invocation_take_the_missing_key_from_their_config(tmp_path):
    # first `seed=1,2` alone, then `seed=1,2 x=0.7` into the same dir
    fake.write_job(tmp_path, ["seed=1"], 0, config={"x": 0.1})
    fake.write_job(tmp_path, ["seed=2"], 1, config={"x": 0.1})
    fake.write_multirun(tmp_path, ["seed=1,2", "x=0.7"])
    ks = keyspace.build(tmp_path)
    assert ks.values == {"seed": [1, 2]}  # x=0.7 is a constant of the last invocation
    fake.write_multirun(tmp_path, ["seed=1,2", "x=0.1,0.7"])
    ks = keyspace.build(tmp_path)
    assert ks.values == {"seed": [1, 2], "x": [0.1, 0.7]}
    found = sorted(j.label() for j in ks.jobs if j.dir is not None)
    assert found == ["seed=1 x=0.1", "seed=2 x=0.1"]


def test_without_multirun_yaml_the_keys_that_vary_are_swept(tmp_path):
    for n, s in enumerate((1, 2)):
        fake.write_job(tmp_path, ["population.scale=0.002", f"seed={s}"], n)
    ks = keyspace.build(tmp_path)
    assert ks.keys == ["seed"]
    assert ks.constants == {"population.scale": 0.002}
    assert not ks.expected_known


def test_submitit_folders_are_not_jobs(tmp_path):
    fake.write_job(tmp_path, ["seed=1"], 0)
    (tmp_path / ".submitit" / "7_0" / ".hydra").mkdir(parents=True)
    (tmp_path / ".submitit" / "7_0" / ".hydra" / "overrides.yaml").write_text("[]")
    assert keyspace.job_dirs(tmp_path) == [tmp_path / "seed=1"]
