"""Scenarios (with and without helhedsplan) built from explicit, sourced activity effects.

The engine already takes activities as plain data (``livschancer.sim.pack.Activity``): who is
eligible, coverage, the odds ratio on named transitions and how long it lasts. The Hydra schema
for scenarios and the shipped activity files come with the scenarios issue.
"""
