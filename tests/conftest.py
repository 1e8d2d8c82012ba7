"""Shared fixtures: small synthetic parameter sets and populations (never real data)."""

from __future__ import annotations

import pytest

from tests.helpers import random_params, small_population


@pytest.fixture(scope="session")
def params():
    return random_params(seed=0)


@pytest.fixture(scope="session")
def population():
    return small_population()
