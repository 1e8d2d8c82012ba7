"""The sweeper's batch check: one composition per batch of plain value sweeps, and exactly the
errors Hydra's own check (one composition per job) raises."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.types import HydraContext
from omegaconf import open_dict
from omegaconf.errors import OmegaConfBaseException

import livschancer.cli  # noqa: F401  registers the run schema
from hydra_plugins.livschancer_sweeper import sweeper as plugin
from livschancer.config import from_hydra_error


@pytest.fixture
def sweeper():
    """A sweeper set up as Hydra sets it up for ``livschancer -m``, without its launcher."""
    with initialize_config_module("livschancer.conf", version_base=None):
        loader = GlobalHydra.instance().hydra.config_loader
        # Hydra's plugin scan executes the plugin modules again: take the class it made
        s = plugin.LivschancerSweeper(max_batch_size=None)
        s.hydra_context = HydraContext(config_loader=loader, callbacks=None)
        s.config = compose("config", return_hydra_config=True)
        yield s


def _count_compositions(monkeypatch, s) -> list:
    calls: list = []
    real = s.hydra_context.config_loader.load_sweep_config

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(s.hydra_context.config_loader, "load_sweep_config", counted)
    return calls


def _parse(jobs):
    parser = OverridesParser.create()
    return [parser.parse_overrides(list(j)) for j in jobs]


def test_swept_positions_are_the_keys_whose_values_differ():
    jobs = _parse([["seed=1", "sim.threads=1", "x.y=2"], ["seed=2", "sim.threads=1", "x.y=3"]])
    assert plugin.swept_positions(jobs) == [0, 2]
    assert plugin.swept_positions(_parse([["seed=1"]])) == []


def test_jobs_with_different_keys_or_nested_swept_keys_are_not_fast_checked():
    assert plugin.swept_positions(_parse([["seed=1"], ["sim.threads=1"]])) is None
    assert plugin.swept_positions(_parse([["a=1", "a.b=2"], ["a=2", "a.b=2"]])) is None
    assert plugin.swept_positions(_parse([["a=1", "a.b=2"], ["a=1", "a.b=3"]])) is None


def test_a_value_sweep_is_composed_once(monkeypatch, sweeper):
    calls = _count_compositions(monkeypatch, sweeper)
    cover = "scenario.activities.fritidsjob.coverage"
    batch = [[f"seed={i}", f"{cover}={c}"] for i in range(3) for c in (0.1, 0.5)]
    sweeper.validate_batch_is_legal(batch)
    assert len(calls) == 1


def test_a_config_group_sweep_is_composed_job_by_job(monkeypatch, sweeper):
    calls = _count_compositions(monkeypatch, sweeper)
    sweeper.validate_batch_is_legal([["scenario=with_plan"], ["scenario=without_plan"]])
    assert len(calls) == 2


def test_a_group_the_repository_missed_is_still_composed_job_by_job(monkeypatch, sweeper):
    """If a swept key passes for a plain value but the composed config chose it as a config
    group, every job is composed, not patched."""
    monkeypatch.setattr(plugin, "_plain", lambda loader, override: True)
    calls = _count_compositions(monkeypatch, sweeper)
    sweeper.validate_batch_is_legal([["scenario=with_plan"], ["scenario=without_plan"]])
    assert len(calls) == 2


@pytest.mark.parametrize(
    "bad",
    [
        "seed=abc",  # wrong type
        "sim.threads=x",
        "population.scalez=0.1",  # unknown key (not swept in the other jobs: keys differ)
    ],
)
def test_a_bad_value_in_the_last_job_raises_what_hydra_raises(sweeper, bad):
    key = bad.partition("=")[0]
    good = {"seed": "seed=2", "sim.threads": "sim.threads=2", "population.scalez": "seed=3"}[key]
    batch = [[good], [good.replace("2", "4").replace("3", "5")], [bad]]
    with pytest.raises((HydraException, OmegaConfBaseException)) as ours:
        sweeper.validate_batch_is_legal(batch)
    with pytest.raises((HydraException, OmegaConfBaseException)) as hydras:
        super(type(sweeper), sweeper).validate_batch_is_legal(batch)
    assert str(from_hydra_error(ours.value)) == str(from_hydra_error(hydras.value))
    assert key in str(from_hydra_error(ours.value))


def test_a_bad_value_in_a_swept_key_of_many_raises(sweeper):
    batch = [[f"seed={i}", "sim.threads=1"] for i in range(5)] + [["seed=1.5", "sim.threads=1"]]
    with pytest.raises((HydraException, OmegaConfBaseException)) as err:
        sweeper.validate_batch_is_legal(batch)
    assert "seed" in str(from_hydra_error(err.value))


def test_applying_a_jobs_swept_values_gives_the_config_hydra_composes_for_it(sweeper):
    """The fast check's premise: the first job's config with another job's swept values
    applied is that job's own config (the run config; Hydra's runtime node aside)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from omegaconf import OmegaConf

    cover = "scenario.activities.fritidsjob.coverage"
    batch = [
        ["seed=1", f"{cover}=0.1", "sim.threads=1"],
        ["seed=7", f"{cover}=0.5", "sim.threads=1"],
    ]
    loader = sweeper.hydra_context.config_loader
    jobs = [OverridesParser.create().parse_overrides(job) for job in batch]
    swept = plugin.swept_positions(jobs)
    assert swept == [0, 1]
    fast = loader.load_sweep_config(sweeper.config, batch[0])
    ConfigLoaderImpl._apply_overrides_to_config([jobs[1][i] for i in swept], fast)
    full = loader.load_sweep_config(sweeper.config, batch[1])
    for cfg in (fast, full):
        with open_dict(cfg):
            del cfg["hydra"]
    assert OmegaConf.to_container(fast) == OmegaConf.to_container(full)
    assert OmegaConf.select(fast, cover) == 0.5
