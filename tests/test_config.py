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
    for point in run.population.area_at_birth:
        assert abs(sum(point.shares.values()) - 1) < 1e-9
    assert run.population.arrivals.persons  # the shipped population has immigrants


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
        (
            "population.area_at_birth.0.shares.rest=0.5",
            r"area_at_birth\[0\]\.shares: shares must sum to 1 \(birth year 1971\); got 0\.66",
        ),
        (
            "population.area_at_birth.0.shares.rest=-0.1",
            r"area_at_birth\[0\]\.shares\.rest: must be a probability",
        ),
        (
            "population.arrivals.persons.0.value=-5",
            r"arrivals\.persons\[0\]\.value: arrivals must be >= 0; got -5",
        ),
        (
            "population.arrivals.age_bands.0.from_age=0",
            r"arrivals\.age_bands\[0\]\.from_age: arrival ages must lie in 1-29; got 0",
        ),
        (
            "population.arrivals.age_bands.2.to_age=31",
            r"arrivals\.age_bands\[2\]\.to_age: arrival ages must lie in 1-29; got 31",
        ),
        (
            "population.arrivals.persons.0.year=1900",
            r"arrivals\.persons\[0\]\.year: must lie in 1901-2129; got 1900",
        ),
        (
            "population.menapt_share.1.year=1960",
            r"menapt_share: points must have increasing, distinct years",
        ),
        (
            "+population.area_at_birth.0.shares.suported=0.0",
            r"area_at_birth\[0\]\.shares\.suported: unknown area; expected one of \['supported'",
        ),
        (
            "+population.parent_rg_at_birth.0.shares.rest.menapt_x=0.3",
            r"parent_rg_at_birth\[0\]\.shares\.rest\.menapt_x: unknown menapt",
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
        ("report.neet_bands=[]", r"report\.neet_bands: must list at least one .* band; got \[\]"),
        ("output.file=..", r"output\.file: must be a plain file name .*; got '\.\.'"),
        ("output.file=.", r"output\.file: must be a plain file name .*; got '\.'"),
        ("output.file=runs/a.nc", r"output\.file: must be a plain file name .*; got 'runs/a\.nc'"),
        ("output.file=''", r"output\.file: must be a plain file name"),
        (
            "population.first_birth_year=-1000000",
            r"population\.first_birth_year: must be a year in 1900-2100; got -1000000",
        ),
        (
            "population.last_birth_year=20190",
            r"population\.last_birth_year: must be a year in 1900-2100; got 20190",
        ),
        (
            "population.births_per_year=0",
            r"population\.births_per_year: must give at least one birth \(0 persons\); got 0",
        ),
        ("population.scale=1e-6", r"population\.scale: is too small: every cohort rounds to 0"),
        (
            "population.first_birth_year=2010",
            r"report\.neet_bands\[0\]: has no simulated persons in report\.year 2019 "
            r"\(born 2002-2004; the cohorts are 2010-2019\); got \[15, 17\]",
        ),
        ("+sim.thread=1", r"sim\.thread: unknown field; expected one of \['threads', "),
        ("+output.overwrit=true", r"output\.overwrit: unknown field"),
        ("+foo=1", r"^foo: unknown field; expected one of \['seed', "),
        ("~seed", r"^seed: is required \(it cannot be removed\)"),
        ("seed=${oops}", r"^seed: interpolation cannot be resolved .*; got '\$\{oops\}'"),
    ],
)
def test_bad_values_name_field_rule_and_value(override, pattern):
    with pytest.raises(ConfigError, match=pattern):
        config.validate(_compose([override]))


def test_persons_are_counted_as_the_engine_does():
    # 0.5 rounds to even (0), as numpy.rint in sim/run.py: 1 birth x 0.5 -> 0 persons
    with pytest.raises(ConfigError, match=r"population\.scale: is too small"):
        config.validate(_compose(["population.births_per_year=1", "population.scale=0.5"]))
    # a few cohorts with persons are enough when every report band holds one of them
    config.validate(
        _compose(
            [
                "population.births_per_year=0",
                "population.births_by_year=[[1990,100],[1995,100],[2000,100],[2004,100]]",
                "population.first_birth_year=1990",
                "population.last_birth_year=2004",
            ]
        )
    )


def test_invalid_parameter_yaml_names_file_line_and_column(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("provisional: true\nperiods:\n  - {name: a, first_year: 1900\n")
    with pytest.raises(ConfigError) as info:
        config.validate(_compose([f"parameters.file={bad}"]))
    err = info.value
    assert err.field == "parameters.file"
    assert err.value == str(bad)
    assert err.rule.startswith("must be valid YAML (")
    assert "line 4, column 1" in err.rule
    assert "<byte string>" not in str(err)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=abc", "seed: must be an integer; got 'abc'"),
        ("population.scale=abc", "population.scale: must be a number; got 'abc'"),
        ("sim.write_persons=maybe", "sim.write_persons: must be true or false; got 'maybe'"),
        ("report.neet_bands=abc", "report.neet_bands: must be a list of lists of integers"),
        ("report.neet_bands=[[1,a]]", "report.neet_bands[0]: must be a list of integers"),
        ("seed=null", "seed: must not be null; got None"),
        ("sim=3", "sim: must be a SimConfig mapping; got 3"),
        ("sim.thred=1", "sim.thred: unknown field; expected one of ['threads'"),
        ("~sim.threads", "sim.threads: is required (it cannot be removed)"),
        ("population=nowhere", "population: must be one of the available options"),
        ("seed=[1", "command line: must follow Hydra's override syntax"),
    ],
)
def test_hydra_errors_become_config_errors(override, message):
    from hydra.errors import HydraException

    with pytest.raises(HydraException) as info:
        _compose([override])
    err = config.from_hydra_error(info.value)
    assert isinstance(err, ConfigError)
    assert str(err).startswith(message)
    assert "\n" not in str(err)


def test_from_hydra_error_ignores_other_exceptions():
    assert config.from_hydra_error(ValueError("x")) is None


def test_describe_type():
    assert config.describe_type(int) == "an integer"
    assert config.describe_type(list[list[int]]) == "a list of lists of integers"
    assert config.describe_type(dict[str, float]) == "a mapping"
    assert config.describe_type(int | None) == "an integer or null"
