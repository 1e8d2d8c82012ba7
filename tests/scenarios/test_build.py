"""Tests of scenarios/schema.py and build.py: the shipped scenarios and catalogue compose and
validate; bad scenarios give one error naming the activity, the field, the rule and the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from livschancer import config
from livschancer.errors import ConfigError
from livschancer.scenarios.build import (
    apply_links,
    build_scenario,
    catalogue_names,
    validate_scenario,
)
from livschancer.scenarios.schema import EVIDENCE
from livschancer.sim.activities import Activity
from tests.helpers import random_params

CONF = Path(config.__file__).parent / "conf"


def _compose(overrides=()):
    config.register()
    with initialize_config_module(config_module="livschancer.conf", version_base=None):
        return compose(config_name="config", overrides=list(overrides))


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONF / "scenario").glob("*.yaml")))
def test_every_scenario_composes_and_validates(name):
    cfg = _compose([f"scenario={name}"])
    run = config.validate(cfg)
    assert run.scenario.name == name
    acts = validate_scenario(cfg.scenario)
    assert all(isinstance(a, Activity) for a in acts)


def test_default_run_is_the_observed_history_and_without_plan_has_none():
    # the default run is the world the published figures describe (the fit section scores it)
    cfg = _compose()
    assert cfg.scenario.name == "observed"
    assert validate_scenario(cfg.scenario), "the observed plans must reach someone"
    assert build_scenario(cfg.scenario).plan_years()["supported"] != ()
    off = _compose(["scenario=without_plan"])
    assert validate_scenario(off.scenario) == []
    assert build_scenario(off.scenario).plan_years()["supported"] == ()


def test_with_plan_switches_on_only_causal_effects():
    sc = build_scenario(_compose(["scenario=with_plan"]).scenario)
    assert sc.active, "with_plan must reach someone"
    assert {a.evidence for a in sc.active} == {"causal"}
    # every activity of the catalogue is in with_plan; the non-causal ones are opt-in
    assert {a.key for a in sc.activities} >= {"fritidsjob", "crime_prevention", "youth_guidance"}
    wider = build_scenario(
        _compose(["scenario=with_plan", "scenario.evidence=[causal,controlled]"]).scenario
    )
    assert {a.evidence for a in wider.active} == {"causal", "controlled"}


def test_null_evidence_has_no_effect_by_default():
    sc = build_scenario(
        _compose(["scenario=with_plan", f"scenario.evidence={list(EVIDENCE)}"]).scenario
    )
    by_key = {a.key: a for a in sc.activities}
    for key in ("school_support", "mentoring", "network_mothers"):
        pa = by_key[key]
        assert all(o == 1.0 for s in pa.schedules for o in s.odds_ratios), key
        assert not pa.active, key  # OR 1 without uncertainty can change nothing
    assert by_key["parent_employment"].schedules[0].odds_ratios == (1.0,)
    assert by_key["parent_employment"].active  # null centre, but a range to draw from


def test_command_line_composes_coverage_and_alternative_estimates():
    cfg = _compose(["scenario=with_plan", "scenario.activities.fritidsjob.coverage=0.4"])
    acts = validate_scenario(cfg.scenario)
    assert {a.name for a in acts} == {"fritidsjob/m", "fritidsjob/f"}
    assert all(a.coverage == 0.4 for a in acts)
    girls = next(a for a in acts if a.name == "fritidsjob/f")
    assert girls.odds_ratios == (2.648, 3.441, 5.928)
    assert girls.sex == ("f",)
    alt = _compose(
        ["scenario=with_plan", "activity@scenario.activities.fritidsjob=fritidsjob_2011_14"]
    )
    (a,) = validate_scenario(alt.scenario)
    assert a.name == "fritidsjob"
    assert a.odds_ratios == (3.271, 2.577)
    assert a.ages == (14, 19)


def test_observed_runs_2006_to_2019_with_the_documented_pools():
    sc = build_scenario(_compose(["scenario=observed"]).scenario)
    years = sc.plan_years()
    assert years["supported"][0] == 2006
    assert years["supported"][-1] == 2019
    assert years["rest"] == ()
    fj = next(a for a in sc.activities if a.key == "fritidsjob")
    assert fj.template.years == (2012, 2019)


@pytest.mark.parametrize("entry", catalogue_names())
def test_every_catalogue_entry_validates_and_names_its_source(entry):
    cfg = _compose(
        [
            "scenario=with_plan",
            f"+activity@scenario.activities.extra_{entry}={entry}",
            f"scenario.evidence={list(EVIDENCE)}",
        ]
    )
    sc = build_scenario(cfg.scenario)
    pa = next(a for a in sc.activities if a.key == f"extra_{entry}")
    assert pa.source.strip()
    assert pa.evidence in EVIDENCE
    assert pa.source == "assumption" or ".txt" in pa.source
    ac = cfg.scenario.activities[f"extra_{entry}"]
    assert ac.coverage_source.strip()


def test_links_are_off_by_default_and_write_risk_or_when_enabled():
    params = random_params(seed=1)
    off = build_scenario(_compose(["scenario=with_plan"]).scenario)
    assert off.links == ()
    assert apply_links(params, off) is params
    on = build_scenario(
        _compose(
            ["scenario=with_plan", "scenario.links.fritidsjob_youth_edu.enabled=true"]
        ).scenario
    )
    new = apply_links(params, on)
    assert float(new.risk_or.sel(risk="fritidsjob", group="youth_edu_entry")) == 1.21
    assert float(params.risk_or.sel(risk="fritidsjob", group="youth_edu_entry")) != 1.21
    new.validate("linked")


BAD = [
    (
        "scenario.activities.fritidsjob.coverage=1.5",
        r"^scenario\.activities\.fritidsjob\.coverage: must lie in \[0, 1\]; got 1\.5$",
    ),
    (
        "scenario.activities.youth_guidance.effect.target_groups=[drop_out]",
        r"^scenario\.activities\.youth_guidance\.effect\.target_groups: unknown transition; "
        r"expected one of \[.*'dropout'.*\]; got 'drop_out'$",
    ),
    (
        "scenario.activities.fritidsjob.effect.by_sex.m.odds_ratios=[-1,2,3]",
        r"^scenario\.activities\.fritidsjob\.effect\.by_sex\.m\.odds_ratios: must be positive, "
        r"finite numbers; got \[-1\.0, 2\.0, 3\.0\]$",
    ),
    (
        "scenario.activities.fritidsjob.effect.se=[-0.1,0.4,0.6]",
        r"^scenario\.activities\.fritidsjob\.effect\.se: must be finite numbers >= 0; got "
        r"\[-0\.1, 0\.4, 0\.6\]$",
    ),
    (
        "scenario.activities.fritidsjob.years=[1990,2000]",
        r"^scenario\.activities\.fritidsjob\.years: must lie within the plan years of its pools "
        r"\(2006-2023\); got \[1990, 2000\]$",
    ),
    (
        "scenario.plan.pools.lbf_2006_10=[1800,1810]",
        r"^scenario\.plan\.pools\.lbf_2006_10: must be \[first, last\] calendar years with "
        r"1950 <= first <= last <= 2100; got \[1800, 1810\]$",
    ),
    (
        "scenario.activities.fritidsjob.from_states=[gymnasium]",
        r"^scenario\.activities\.fritidsjob\.from_states: unknown state; .*got 'gymnasium'$",
    ),
    (
        "scenario.activities.fritidsjob.areas=[ghetto]",
        r"^scenario\.activities\.fritidsjob\.areas: unknown area; expected one of "
        r"\['supported', 'other_public', 'rest'\]; got 'ghetto'$",
    ),
    (
        "scenario.activities.fritidsjob.ages=[13,35]",
        r"^scenario\.activities\.fritidsjob\.ages: must be \[from, to\] with 0 <= from <= to <= "
        r"29; got \[13, 35\]$",
    ),
    (
        "scenario.activities.fritidsjob.effect.process=wellbeing",
        r"^scenario\.activities\.fritidsjob\.effect\.process: unknown process; .*got 'wellbeing'$",
    ),
    (
        "scenario.activities.crime_prevention.effect.evidence=anecdotal",
        r"^scenario\.activities\.crime_prevention\.effect\.evidence: unknown evidence class; "
        r".*got 'anecdotal'$",
    ),
    (
        "scenario.activities.crime_prevention.effect.range=[[0.9,1.2]]",
        r"^scenario\.activities\.crime_prevention\.effect\.range: must be \[low, high\] positive "
        r"odds ratios with low <= odds_ratio <= high; got \[\[0\.9, 1\.2\]\]$",
    ),
    (
        "scenario.activities.fritidsjob.pools=[lbf_2030]",
        r"^scenario\.activities\.fritidsjob\.pools: unknown plan pool; .*got 'lbf_2030'$",
    ),
    (
        "scenario.evidence=[causal,rumour]",
        r"^scenario\.evidence: unknown evidence class; .*got 'rumour'$",
    ),
]


@pytest.mark.parametrize(("override", "pattern"), BAD, ids=[b[0].split("=")[0] for b in BAD])
def test_bad_scenario_names_field_rule_and_value(override, pattern):
    cfg = _compose(["scenario=with_plan", override])
    with pytest.raises(ConfigError, match=pattern):
        validate_scenario(cfg.scenario)


def test_the_checks_do_not_depend_on_the_evidence_switch():
    # a broken activity is an error even when its effect is not switched on
    cfg = _compose(["scenario=with_plan", "scenario.activities.mentoring.coverage=-0.1"])
    with pytest.raises(ConfigError, match=r"mentoring\.coverage: must lie in \[0, 1\]"):
        validate_scenario(cfg.scenario)


def test_an_activity_in_a_scenario_without_plan_years_is_refused():
    cfg = _compose(["scenario=without_plan", "+activity@scenario.activities.fj=fritidsjob"])
    with pytest.raises(ConfigError, match=r"^scenario\.activities\.fj\.years: the activity runs"):
        validate_scenario(cfg.scenario)


def test_an_activity_outside_the_catalogue_without_an_effect_is_unknown():
    # e.g. a scenario file naming an activity that is not in conf/activity/
    cfg = {"plan": {"pools": {"p": [2010, 2020]}}, "activities": {"fritidsjb": {"coverage": 0.4}}}
    with pytest.raises(
        ConfigError,
        match=r"^scenario\.activities\.fritidsjb: unknown activity: not in the catalogue \[.*"
        r"'fritidsjob'.*\] and no effect\.process given; got 'fritidsjb'$",
    ):
        validate_scenario(cfg)


def test_config_validate_checks_the_scenario():
    cfg = _compose(["scenario=with_plan", "scenario.activities.fritidsjob.coverage=1.5"])
    with pytest.raises(ConfigError, match=r"^scenario\.activities\.fritidsjob\.coverage: "):
        config.validate(cfg)
