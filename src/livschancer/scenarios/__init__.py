"""Scenarios (with and without helhedsplan) built from explicit, sourced activity effects.

- ``schema.py``: the typed config (``ScenarioConfig``, ``ActivityConfig``, ``EffectConfig``,
  ``LinkConfig``) of ``conf/scenario/``, ``conf/activity/`` and ``conf/link/``;
- ``build.py``: ``validate_scenario(cfg) -> list[Activity]`` (the one check) and the checked
  ``Scenario`` (plan years, links, effect uncertainty);
- ``draws.py``: effect sizes drawn from their uncertainty, keyed by activity name;
- ``paired.py``: paired runs whose cost grows with the persons reached;
- ``contrast.py``, ``headline.py``, ``compare.py``: ``livschancer compare``.

docs/scenarios.md describes the schema, the catalogue and its sources, and why compare is
cheap and exact.
"""
