"""Tests of config.py: the shipped configs compose and validate; bad values give one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from livschancer import config
from livschancer.errors import ConfigError

CONF = Path(config.__file__).parent / "conf"


def _compose(overrides=()):
    config.register()
    with initialize_config_module(config_module="livschancer.conf", version_base=None):
        return compose(config_name="config", overrides=list(overrides))


def test_shipped_config_composes_and_validates():
    run = config.validate(_compose())
    assert isinstance(run, config.RunConfig)
    assert run.seed == 1
    assert run.population.first_birth_year == 1971
    assert run.population.last_birth_year == 2019
    assert abs(sum(run.population.area_at_birth.values()) - 1) < 1e-9


@pytest.mark.parametrize("group_file", sorted((CONF / "population").glob("*.yaml")))
def test_every_population_yaml_validates(group_file):
    config.validate(_compose([f"population={group_file.stem}"]))


@pytest.mark.parametrize(
    ("override", "pattern"),
    [
        ("population.births_per_year=-5", r"population\.births_per_year: must be >= 0; got -5"),
        ("population.scale=-1", r"population\.scale: must be a positive number; got -1"),
        ("population.births_by_year=[[1980,-3]]", r"births_by_year\.1980: must be >= 0; got -3"),
        (
            "population.births_by_year=[[1950,3]]",
            r"births_by_year\.1950: year must lie in 1971-2019",
        ),
        ("population.p_female=1.2", r"population\.p_female: must be a probability in \[0, 1\]"),
        ("population.area_at_birth.rest=0.5", r"area_at_birth: shares must sum to 1; got 0\.674"),
        ("population.area_at_birth.rest=-0.1", r"area_at_birth\.rest: must be a probability"),
        (
            "+population.area_at_birth.suported=0.0",
            r"area_at_birth\.suported: unknown area; expected one of \['supported'",
        ),
        (
            "+population.parent_rg_at_birth.rest.menapt_x=0.3",
            r"parent_rg_at_birth\.rest\.menapt_x: unknown menapt",
        ),
        (
            "report.neet_bands=[[15,31]]",
            r"report\.neet_bands\[0\]\[1\]: must be an age in 0-29; got 31",
        ),
        ("report.restgruppe_ages=[-1,29]", r"restgruppe_ages\[0\]: must be an age in 0-29; got -1"),
        ("report.restgruppe_ages=[16,29]", r"restgruppe is 18\+"),
        ("report.year=1900", r"report\.year: must be a simulated year \(1971-2048\); got 1900"),
        ("sim.chunk_size=0", r"sim\.chunk_size: must be >= 1 person; got 0"),
        ("sim.threads=-2", r"sim\.threads: must be >= 0"),
        ("seed=-1", r"seed: must be an integer"),
        ("parameters.file=/no/such/file.yaml", r"parameters\.file: must be an existing file"),
    ],
)
def test_bad_values_name_field_rule_and_value(override, pattern):
    with pytest.raises(ConfigError, match=pattern):
        config.validate(_compose([override]))
