"""SLURM helpers that need no cluster: array ids, submitit folders and logs; the presets."""

from __future__ import annotations

import os
import time

import pytest
from hydra import compose, initialize_config_module

from livschancer.config import register
from livschancer.sweeps import slurm


def test_expand_array_ids():
    assert slurm.expand_array_ids("41_3") == ["41_3"]
    assert slurm.expand_array_ids("41_[2-4,7%2]") == ["41_2", "41_3", "41_4", "41_7"]
    assert slurm.expand_array_ids("41") == ["41"]


def test_latest_array_and_log_tail(tmp_path):
    root = tmp_path / ".submitit"
    for name in ("7", "7_0", "7_1", "12", "12_0"):
        (root / name).mkdir(parents=True)
    old = time.time() - 100
    for name in ("12", "12_0"):
        os.utime(root / name, (old, old))
    assert slurm.latest_array(tmp_path) == 7  # the newest folder, not the highest id
    assert slurm.task_dirs(tmp_path)[(7, 1)] == root / "7_1"
    (root / "7_1" / "7_1_0_log.err").write_text("a\n\nslurmstepd: error: *** CANCELLED ***\n\n")
    tail, path = slurm.log_tail(root / "7_1")
    assert tail == "slurmstepd: error: *** CANCELLED ***"
    assert path.name == "7_1_0_log.err"
    assert slurm.log_tail(root / "7_0") == (None, None)
    assert slurm.latest_array(tmp_path / "none") is None


@pytest.mark.parametrize("preset", ["local", "slurm"])
def test_launcher_presets_compose(preset):
    register()
    with initialize_config_module("livschancer.conf", version_base=None):
        cfg = compose("config", overrides=[f"hydra/launcher={preset}"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    if preset == "local":
        assert launcher._target_.endswith("JoblibLauncher")
        assert launcher.n_jobs == -1
    else:
        assert launcher._target_.endswith("SlurmLauncher")
        assert launcher.array_parallelism == 100
        assert launcher.setup == []
