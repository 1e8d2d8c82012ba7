"""Fixtures of the outputs tests: a small run file built from hand-made tallies."""

from __future__ import annotations

import pytest

from livschancer.outputs import runfile
from livschancer.outputs.standard import standard_indicators
from tests.outputs.builders import put, zero_tallies


def small_run():
    """Tallies 2000-2019 with a few hundred persons: the population's 19-year-olds in 2019 are
    300 (63 NEET); supported residents 6 (4 NEET: a few-persons cell); grew-up-in 3 (under 5)."""
    ds = zero_tallies(range(2000, 2020))

    def stay(n, state, **kw):
        put(ds, "lifecourse", n, frm=state, to=state, **kw)

    for year in range(2000, 2020):
        stay(59, "neet|grundskole", year=year, age=19)
        stay(235, "employed|youth_edu", year=year, age=19)
        stay(4, "neet|grundskole", year=year, age=19, area="supported")
        stay(2, "employed|youth_edu", year=year, age=19, area="supported")
        stay(3, "employed|youth_edu", year=year, age=25, member="member")
        stay(50, "youth_edu|grundskole", year=year, age=17)
    attrs = runfile.run_attrs(
        seed=11,
        scenario="without_plan",
        overrides=["seed=11"],
        parameters_file="livschancer/data/provisional.yaml",
        parameters_sha256="0" * 64,
        parameters_status="PROVISIONAL: hand-built from published figures",
    )
    return runfile.build_run_dataset(ds, standard_indicators(ds, 2019), attrs)


@pytest.fixture(scope="module")
def run():
    return small_run()
