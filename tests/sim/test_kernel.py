"""Tests of sim/kernel.py against its NumPy twin, and the guarantees of a single draw."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer import states
from livschancer.sim import kernel
from livschancer.sim.config import PlanConfig
from livschancer.sim.pack import cumulative, pack_activities, pack_parameters
from livschancer.sim.population import draw_population
from livschancer.sim.run import (
    _year_tables,
    births_from_config,
    cohorts_from_config,
    run_kernel,
)
from tests.sim import reference

ALMOST_ONE = np.nextafter(1.0, 0.0)


@pytest.mark.parametrize(
    "p",
    [
        [0.0, 0.5, 0.0, 0.5, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.1, 0.2, 0.3, 0.4, 0.0],
        [0.0] * 17 + [1.0],
        # float32 rounding: the float32 cumulative of these ends a hair below 1
        [1 / 3, 1 / 3, 1 / 3, 0.0],
        [0.7, 0.1, 0.1, 0.1 - 1e-9, 0.0, 1e-9],
    ],
)
def test_zero_probability_outcome_never_drawn_even_at_extreme_uniforms(p):
    cum = cumulative(np.array(p))
    zero = np.array(p) == 0
    us = np.concatenate(
        [[0.0, 2.0**-32, 0.5, 1 - 2.0**-32, ALMOST_ONE], np.linspace(0, ALMOST_ONE, 5001)]
    )
    for u in us:
        j = kernel.draw_categorical(cum, u)
        assert not zero[j], (p, u, j)


def test_draw_categorical_frequencies_follow_the_row():
    p = np.array([0.2, 0.0, 0.5, 0.3])
    cum = cumulative(p)
    u = np.linspace(0, ALMOST_ONE, 100_001)
    got = np.bincount([kernel.draw_categorical(cum, x) for x in u], minlength=4) / len(u)
    np.testing.assert_allclose(got, p, atol=1e-4)


def test_cumulative_tail_is_exactly_one_and_monotone():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(18) * 0.3, size=2000)
    p[p < 0.01] = 0
    p /= p.sum(axis=1, keepdims=True)
    cum = cumulative(p)
    assert cum.dtype == np.float32
    assert (np.diff(cum, axis=1) >= 0).all()
    last = 17 - np.argmax((p > 0)[:, ::-1], axis=1)
    for i in range(len(p)):
        assert (cum[i, last[i] :] == 1.0).all()


def test_odds_ratio_changes_target_mass_as_the_odds_formula_says():
    p = np.array([0.5, 0.0, 0.2, 0.3])
    target = np.array([False, False, True, False])
    out = np.empty((2, 4), np.float32)
    assert kernel.modify_row(cumulative(p)[None, :], 0, target[None, :], 0, 3.0, out, 1)
    out = out[1]
    q = np.diff(out.astype(np.float64), prepend=0.0)
    p1 = 3 * 0.2 / (1 - 0.2 + 3 * 0.2)
    np.testing.assert_allclose(q[2], p1, atol=1e-6)
    np.testing.assert_allclose(q[[0, 3]], p[[0, 3]] * (1 - p1) / 0.8, atol=1e-6)
    assert q[1] == 0.0
    assert out[-1] == 1.0


def test_odds_ratio_on_row_without_target_mass_leaves_it_alone():
    out = np.full((1, 3), -1, np.float32)
    cum = cumulative(np.array([[0.4, 0.6, 0.0]]))
    assert not kernel.modify_row(cum, 0, np.array([[False, False, True]]), 0, 2.0, out, 0)
    assert (out == -1).all()


def test_draw_row_equals_draw_categorical_on_each_row():
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(18) * 0.4, size=50)
    p[p < 0.02] = 0
    p /= p.sum(axis=1, keepdims=True)
    table = cumulative(p)
    for u in np.linspace(0, ALMOST_ONE, 301):
        for r in range(50):
            assert kernel.draw_row(table, r, u) == kernel.draw_categorical(table[r], u)


def _setup(params, population, seed=11):
    cohorts = cohorts_from_config(population)
    births = births_from_config(population)
    people = draw_population(seed, cohorts, births, 0, cohorts.n)
    kp = pack_parameters(params)
    year0 = int(cohorts.years.min())
    n_year = int(cohorts.years.max()) + 30 - year0
    per, active = _year_tables(params, PlanConfig(), year0, n_year)
    return people, kp, year0, per, active, n_year


def test_kernel_matches_numpy_twin(params, population):
    seed = 11
    people, kp, year0, per, active, n_year = _setup(params, population, seed)
    ka = pack_activities([])
    counts = np.zeros((2, n_year, 30, 24, 18, 18), np.int32)
    final = np.zeros((people.person_id.shape[0], kernel.N_FINAL), np.int16)
    run_kernel(seed, people, kp, ka, year0, per, active, counts, final)
    ref_counts, ref_final = reference.simulate_reference(seed, people, kp, year0, per, active)
    np.testing.assert_array_equal(counts.sum(axis=0), ref_counts)
    np.testing.assert_array_equal(final, ref_final)
    assert len(states.LIFECOURSE) == 18


def test_fritidsjob_table_applies_the_odds_ratio_to_youth_education_entry(params):
    kp = pack_parameters(params)
    base = np.diff(kp.lc_cum[0].astype(np.float64), prepend=0.0, axis=-1)
    job = np.diff(kp.lc_cum[1].astype(np.float64), prepend=0.0, axis=-1)
    # the NumPy twin's independent row-by-row modification of the float32 rows
    flat = kp.lc_cum[0].reshape(-1, 18)
    target = np.broadcast_to(kp.youth_entry, kp.lc_cum[0].shape).reshape(-1, 18)
    want = reference.modify_rows(flat, target, params.fritidsjob_youth_edu_or)
    np.testing.assert_allclose(kp.lc_cum[1].reshape(-1, 18), want, atol=2e-6)
    # rows without any youth-education entry are untouched; zeros stay zeros
    pt = (base * kp.youth_entry).sum(-1)
    same = (pt == 0) | (pt == 1)
    np.testing.assert_array_equal(job[same], base[same])
    assert ((base == 0) <= (job == 0)).all()


def test_branchless_draw_equals_early_exit_draw():
    rng = np.random.default_rng(12)
    p = rng.dirichlet(np.ones(6) * 0.5, size=200)
    p[p < 0.05] = 0
    p /= p.sum(axis=1, keepdims=True)
    table = cumulative(p)
    for u in np.concatenate([[0.0, ALMOST_ONE], np.linspace(0, ALMOST_ONE, 201)]):
        for r in range(200):
            assert kernel.draw_categorical_branchless(table[r], u) == kernel.draw_categorical(
                table[r], u
            )
