"""Tests of sim/kernel.py: the single draw, the odds-ratio arithmetic, the kernel against its
NumPy twin (tests/sim/reference.py), and the per-person guarantees of the yearly step."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy import stats

from livschancer import states
from livschancer.sim import kernel, pack
from livschancer.sim.activities import Activity, pack_activities
from livschancer.sim.pack import cumulative, pack_parameters
from livschancer.sim.population import build_population, draw_people
from livschancer.sim.run import year_tables
from livschancer.tallies import count
from livschancer.tallies.records import ABSENT, BITS, empty_records
from livschancer.transitions.params import Period
from tests.helpers import random_params, small_population
from tests.sim import reference
from tests.sim.direct import kernel_records

ALMOST_ONE = np.nextafter(1.0, 0.0)
SEED = 11

#: Activities of every process: target groups and target states, from_states, cell
#: restrictions, yearly and once, one-year and multi-year odds-ratio schedules.
EVERY_PROCESS = (
    Activity(
        "lc_groups",
        "lifecourse",
        (2.5, 1.8, 0.6),
        0.5,
        ages=(14, 22),
        target_groups=("dropout", "neet_entry"),
        to_states=("youth_edu|grundskole",),
    ),
    Activity(
        "lc_states",
        "lifecourse",
        (0.4,),
        0.7,
        ages=(6, 29),
        years=(2005, 2030),
        to_states=("vocational|grundskole", "higher_edu|youth_edu"),
        target_groups=("completion",),
        from_states=("school|grundskole", "employed|youth_edu", "neet|youth_edu"),
    ),
    Activity(
        "lc_once",
        "lifecourse",
        (3.0, 3.0, 2.0, 1.5),
        0.6,
        ages=(15, 18),
        once=True,
        target_groups=("youth_edu_entry", "vocational_entry", "exam"),
        areas=("supported",),
    ),
    Activity("parents", "parent_rg", (0.5, 0.7), 0.4, areas=("supported", "other_public")),
    Activity("jobs", "job", (3.0, 2.0), 0.6, ages=(13, 18), once=True, sex=("f",)),
    Activity("poverty", "poverty", (0.3,), 0.5, menapt=("menapt",), origins=("restgruppe",)),
    Activity("psych", "parent_psych", (4.0, 1.0, 2.0), 0.5, ages=(1, 12)),
    Activity("crime", "crime", (0.2, 0.5), 0.5, ages=(10, 20), member=("member",)),
)


# --- a single draw -------------------------------------------------------------------------


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
        # rows may fall short of 1 by up to ROW_SUM_TOL (transitions/params.py)
        [0.5, 0.5 - 5e-7, 0.0],
        [0.0, 0.25, 0.75 - 9e-7, 0.0, 0.0],
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
    np.testing.assert_array_equal(cum, reference.cumulative(np.array(p)))


def test_draw_categorical_frequencies_follow_the_row():
    p = np.array([0.2, 0.0, 0.5, 0.3])
    cum = cumulative(p)
    u = np.linspace(0, ALMOST_ONE, 100_001)
    got = np.bincount([kernel.draw_categorical(cum, x) for x in u], minlength=4) / len(u)
    np.testing.assert_allclose(got, p, atol=1e-4)


def test_cumulative_tail_is_exactly_one_and_equals_the_twin():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(26) * 0.3, size=2000)
    p[p < 0.01] = 0
    p /= p.sum(axis=1, keepdims=True)
    p[::2] *= 1 - 8e-7  # within the tolerance of a row sum
    cum = cumulative(p)
    assert cum.dtype == np.float32
    assert (np.diff(cum, axis=1) >= 0).all()
    last = 25 - np.argmax((p > 0)[:, ::-1], axis=1)
    for i in range(len(p)):
        assert (cum[i, last[i] :] == 1.0).all()
    np.testing.assert_array_equal(cum, reference.cumulative(p))


def test_draw_row_and_branchless_draw_equal_draw_categorical_and_the_twin():
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(26) * 0.4, size=50)
    p[p < 0.02] = 0
    p /= p.sum(axis=1, keepdims=True)
    table = cumulative(p)
    for u in np.concatenate([[0.0, ALMOST_ONE], np.linspace(0, ALMOST_ONE, 301)]):
        want = reference.categorical(table, np.full(50, u))
        for r in range(50):
            assert kernel.draw_row(table, r, u) == kernel.draw_categorical(table[r], u) == want[r]
            assert kernel.draw_categorical_branchless(table[r], u) == want[r]


# --- odds ratios -----------------------------------------------------------------------------


def test_odds_ratio_changes_target_mass_as_the_odds_formula_says():
    p = np.array([0.5, 0.0, 0.2, 0.3])
    target = np.array([False, False, True, False])
    q = p.copy()
    kernel.scale_odds(q, target[None, None, :], 0, 0, 4, 3.0)
    p1 = 3 * 0.2 / (1 - 0.2 + 3 * 0.2)
    np.testing.assert_allclose(q[2], p1, rtol=1e-12)
    np.testing.assert_allclose(q[[0, 3]], p[[0, 3]] * (1 - p1) / 0.8, rtol=1e-12)
    assert q[1] == 0.0
    np.testing.assert_allclose(q.sum(), 1.0, rtol=1e-12)


def test_odds_ratio_on_row_without_target_or_complement_mass_leaves_it_alone():
    p = np.array([0.4, 0.6, 0.0])
    for target in ([False, False, True], [True, True, False]):
        q = p.copy()
        kernel.scale_odds(q, np.array([[target]]), 0, 0, 3, 2.0)
        np.testing.assert_array_equal(q, p)


def _random_rows(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    allowed = states.allowed_matrix()
    s = rng.integers(0, states.N_STATE, n)
    p = rng.gamma(0.5, size=(n, states.N_STATE)) * allowed[s]
    p[rng.random(p.shape) < 0.2] = 0
    p[np.arange(n), s] += 0.01
    p /= p.sum(axis=1, keepdims=True)
    return s, cumulative(p)


@pytest.mark.parametrize("group", states.RISK_GROUPS)
def test_odds_ratios_and_draws_over_reachable_states_equal_the_twin(group):
    """Load, scale twice and draw over each state's reachable outcomes (the kernel) = the
    twin's float64 rows over all outcomes; zero stays zero; unmodified draws = draw_row."""
    s, cum = _random_rows(1)
    reach, n_reach = pack.reachable(states.allowed_matrix()[None])
    mask = np.stack([states.transition_group(group), states.transition_group("exam")])
    compact = kernel.compact_mask(mask, reach, n_reach)
    rng = np.random.default_rng(2)
    us = np.concatenate([[0.0, ALMOST_ONE], rng.random(40)])
    for r in range(cum.shape[0]):
        st, nr = s[r], n_reach[s[r]]
        odds = rng.choice([0.2, 0.77, 1.3, 4.0, 25.0], size=2)
        probs = np.empty(states.N_STATE)
        crow = np.ones((1, states.N_STATE), np.float32)  # the compact row (Tables.lc_reach)
        crow[0, :nr] = cum[r, reach[st, :nr]]
        kernel.load_probs(crow, 0, nr, probs)
        kernel.scale_odds(probs, compact, 0, st, nr, float(odds[0]))
        kernel.scale_odds(probs, compact, 1, st, nr, float(odds[1]))
        want = np.diff(cum[r : r + 1].astype(np.float64), prepend=0.0, axis=1)
        for t in range(2):
            want = reference.modify_probs(want, mask[t][st][None], np.array([odds[t]]))
        got = np.zeros(states.N_STATE)
        got[reach[st, :nr]] = probs[:nr]
        np.testing.assert_array_equal(got, want[0])
        assert ((got == 0) >= (np.diff(cum[r], prepend=0) == 0)).all()
        rows = reference.cumulative64(want)
        for u in us:
            assert (
                kernel.draw_probs(probs, reach, st, nr, u, states.N_STATE)
                == (reference.categorical(rows, np.array([u]))[0])
            )
            assert kernel.draw_reach(crow, 0, reach, st, nr, u, states.N_STATE) == (
                kernel.draw_row(cum, r, u)
            )


def test_compact_mask_reads_each_states_reachable_outcomes_and_pads_false():
    reach, n_reach = pack.reachable(states.allowed_matrix()[None])
    target = np.random.default_rng(3).random((2, states.N_STATE, states.N_STATE)) < 0.5
    got = kernel.compact_mask(target, reach, n_reach)
    assert got.shape == (2, states.N_STATE, int(n_reach.max()))
    for s in range(states.N_STATE):
        k = int(n_reach[s])
        np.testing.assert_array_equal(got[:, s, :k], target[:, s, reach[s, :k]])
        assert not got[:, s, k:].any()


def test_reachable_lists_the_positive_outcomes_of_each_state_in_order():
    lc = np.zeros((2, 3, 4, 4))
    lc[0, 1, 0, [2, 0]] = 0.5
    lc[1, 2, 3, 1] = 1.0
    reach, n_reach = pack.reachable(lc)
    assert n_reach.tolist() == [2, 0, 0, 1]
    assert reach[0, :2].tolist() == [0, 2]
    assert reach[3, :1].tolist() == [1]
    assert (reach[1] == -1).all()
    cum = cumulative(lc)
    compact = pack.compact_rows(cum, reach, n_reach)
    assert compact.shape == (2, 3, 4, 2)
    np.testing.assert_array_equal(compact[0, 1, 0], cum[0, 1, 0, [0, 2]])
    np.testing.assert_array_equal(compact[1, 2, 3], [cum[1, 2, 3, 1], 1.0])


def test_row_groups_mark_exactly_the_rows_whose_kernel_target_sum_is_positive():
    """A flagged row is left unscaled when its bit is clear: that must be exactly when the
    kernel's own target sum (``load_probs`` then the masked sum) is 0, for every row."""
    params = random_params(5, sparsity=0.5)
    pop = build_population(small_population(per_year=10))
    y0, per = year_tables(params, pop)
    tb = pack_parameters(params, per, y0)
    lc2 = tb.lc_reach.reshape(-1, tb.lc_reach.shape[-1])
    n_state = tb.lc_reach.shape[3]
    assert tb.row_groups.shape == (lc2.shape[0],)
    probs = np.empty(n_state)
    seen = np.zeros(tb.group_mask.shape[0], dtype=int)
    for ri in range(lc2.shape[0]):
        s = ri % n_state
        nr = int(tb.n_reach[s])
        kernel.load_probs(lc2, ri, nr, probs)
        for g in range(tb.group_mask.shape[0]):
            has = probs[:nr][tb.group_mask[g, s, :nr]].sum() > 0.0
            assert bool(tb.row_groups[ri] >> g & 1) == has, (ri, g)
            seen[g] += has
    assert (seen > 0).all()  # every group has rows with mass, so the bits were tested both ways


def test_larger_odds_ratio_never_lowers_the_target_mass():
    s, cum = _random_rows(4)
    mask = states.transition_group("dropout")
    ors = [0.25, 0.5, 1.0, 2.0, 4.0, 16.0]
    for r in range(cum.shape[0]):
        masses = []
        p = np.diff(cum[r : r + 1].astype(np.float64), prepend=0.0, axis=1)
        for o in ors:
            q = reference.modify_probs(p, mask[s[r : r + 1]], np.array([o]))
            masses.append(q[0][mask[s[r]]].sum())
        assert all(b >= a - 1e-12 for a, b in itertools.pairwise(masses)), masses


# --- no reference counting in the person loop ----------------------------------------------


@pytest.mark.slow
def test_person_loop_is_compiled_without_reference_counting():
    """simulate_persons is compiled without numba's NRT: its inlined helpers would otherwise
    add atomic incref/decref calls per person and per person-year on counts both threads
    share (24% of the kernel's time, BENCHMARKS.md). Compiled afresh (the cache holds no IR) with
    the function's own options and the argument types the kernel passes; the same run with
    the options' NRT switched on shows the calls are there to find."""
    from numba import njit, typeof

    params = random_params(seed=0)
    pop = build_population(small_population(per_year=20, last=1996))
    year0, period_of_year = year_tables(params, pop)
    tb = pack_parameters(params, period_of_year, year0)
    acts = pack_activities(list(EVERY_PROCESS))
    args = (
        np.uint64(SEED),
        0,
        pop.n,
        draw_people(SEED, pop, np.arange(pop.n, dtype=np.uint64)),
        tb,
        acts,
        kernel.compact_mask(acts.target, tb.reach, tb.n_reach),
        empty_records(pop.n),
        np.empty(tb.lc_reach.shape[3]),
        np.empty(len(EVERY_PROCESS), np.int16),
        np.empty(len(EVERY_PROCESS), np.bool_),
        np.ones(kernel.N_PROCESS),
    )
    sig = tuple(typeof(a) for a in args)
    options = dict(kernel.simulate_persons.targetoptions)
    options.pop("nopython", None)
    assert options.get("_nrt") is False
    calls = {}
    for nrt in (False, True):
        fresh = njit(**{**options, "_nrt": nrt})(kernel.simulate_persons.py_func)
        fresh.compile(sig)
        calls[nrt] = fresh.inspect_llvm(sig).count("call void @NRT_")
    assert calls[False] == 0
    assert calls[True] > 0


# --- model constants ------------------------------------------------------------------------


def test_model_constants_agree_between_registry_kernel_counting_and_twin():
    table = states.KERNEL_CONSTANTS
    assert table == reference.CONSTANTS
    used = [name for name in table if hasattr(kernel, name)]
    assert len(used) >= 10, used
    for name in used:
        assert getattr(kernel, name) == table[name], name
    assert count.N_AGE == table["N_AGE"] == len(states.AGES)
    assert count.FOLLOW_YEARS == states.FOLLOW_YEARS
    # the registry's tuples say the same as the flat table
    assert (table["MEMBER_AGE_LO"], table["MEMBER_AGE_HI"]) == states.MEMBER_AGES
    assert (table["FJ_AGE_LO"], table["FJ_AGE_HI"]) == states.FRITIDSJOB_AGES
    assert (table["SUSPICION_AGE_LO"], table["SUSPICION_AGE_HI"]) == states.SUSPICION_AGES
    assert table["SUSPICION_AGE_HI"] + 1 == table["CHARGE_MIN_AGE"]


# --- the kernel against its twin ------------------------------------------------------------


def _assert_records_equal(run, ref, who=None):
    who = np.ones(run.records.state.shape[0], bool) if who is None else who
    for field in ("state", "area", "bits", "took_part"):
        got, want = getattr(run.records, field)[who], getattr(ref, field)[who]
        bad = np.argwhere(got != want)
        assert bad.size == 0, (field, bad[:5].tolist(), int(bad.shape[0]))


@pytest.mark.parametrize(
    ("param_seed", "activities", "arrivals"),
    [(0, (), 0.0), (1, (), 40.0), (2, EVERY_PROCESS, 40.0), (3, EVERY_PROCESS[::-1], 25.0)],
    ids=["plain", "arrivals", "activities", "activities-reversed"],
)
def test_kernel_equals_numpy_twin(param_seed, activities, arrivals):
    params = random_params(seed=param_seed)
    run = kernel_records(
        SEED, small_population(per_year=150, arrivals=arrivals), params, activities
    )
    ref = reference.simulate_reference(SEED, run.people, params, activities)
    _assert_records_equal(run, ref)
    # the comparison is not vacuous: the population and the activities do something
    if arrivals:
        assert (run.people.arrival_age > 0).sum() > 100
    if activities:
        assert 0.3 < run.records.took_part.mean() < 1.0


def test_kernel_equals_twin_with_strong_risk_odds_ratios():
    params = random_params(seed=5)
    ors = np.random.default_rng(5).choice([0.05, 0.3, 1.0, 6.0, 40.0], params.risk_or.shape)
    params = dataclasses.replace(params, risk_or=params.risk_or.copy(data=ors))
    run = kernel_records(SEED, small_population(per_year=150, arrivals=20.0), params)
    _assert_records_equal(run, reference.simulate_reference(SEED, run.people, params))


# --- per-person guarantees --------------------------------------------------------------------


@pytest.fixture(scope="module")
def run():
    return kernel_records(
        SEED, small_population(per_year=300, arrivals=60.0), random_params(7), EVERY_PROCESS
    )


def _bit(rec, name):
    return ((rec.bits >> BITS[name]) & 1).astype(np.int64)


def test_member_follows_the_area_history(run):
    """domain.md 2.3, computed afresh from each person's recorded areas: at least 2 consecutive
    years in a supported area within ages 15-18, counted only from arrival; member from the
    first year of the spell to 29."""
    rec, arrive = run.records, run.people.arrival_age.astype(np.int64)
    ages = np.arange(30)
    present = ages[None, :] >= arrive[:, None]
    sup = present & (rec.area == states.code("area", "supported"))
    want = np.zeros_like(rec.state, dtype=np.int64)
    for i in range(rec.state.shape[0]):
        for a0 in range(15, 18):
            if sup[i, a0] and sup[i, a0 + 1]:
                want[i, a0:] = 1
                break
    got = np.where(present, _bit(rec, "member"), 0)
    np.testing.assert_array_equal(got, want)
    assert want[:, -1].sum() > 50
    # arrivals inside the window become members too (their spell counts from arrival only)
    assert ((arrive >= 15) & (want[:, -1] == 1)).sum() > 0


def test_origin_is_parent_rg_frozen_at_15_or_at_arrival(run):
    rec, arrive = run.records, run.people.arrival_age.astype(np.int64)
    prg, origin = _bit(rec, "parent_rg"), _bit(rec, "origin")
    for i in range(rec.state.shape[0]):
        freeze = max(15, int(arrive[i]))
        for a in range(int(arrive[i]), 30):
            assert origin[i, a] == prg[i, min(a, freeze)], (i, a, int(arrive[i]))


def test_parent_psych_never_switches_off_and_ever_flags_follow_history(run):
    rec, arrive = run.records, run.people.arrival_age.astype(np.int64)
    born = arrive == 0
    psych = _bit(rec, "parent_psych")
    for i in range(rec.state.shape[0]):
        assert (np.diff(psych[i, arrive[i] :]) >= 0).all()
    pov, crime = _bit(rec, "poverty")[born], _bit(rec, "crime")[born]
    ages = np.arange(30)
    want_pov_ever = np.maximum.accumulate(pov * (ages >= 6), axis=1)
    np.testing.assert_array_equal(_bit(rec, "poverty_ever")[born], want_pov_ever)
    before = np.concatenate([np.zeros((born.sum(), 1), int), crime[:, :-1]], axis=1)
    np.testing.assert_array_equal(
        _bit(rec, "crime_before")[born], np.maximum.accumulate(before, axis=1)
    )
    st = rec.state[born].astype(np.int64)
    drop = states.transition_group("dropout")[st[:, :-1], st[:, 1:]]
    want_drop = np.maximum.accumulate(
        np.concatenate([np.zeros((st.shape[0], 1), bool), drop], axis=1), axis=1
    )
    np.testing.assert_array_equal(_bit(rec, "dropout_ever")[born], want_drop)
    assert want_drop[:, -1].mean() > 0.1
    assert psych[:, -1].sum() > 0


def test_records_are_absent_exactly_before_arrival(run):
    rec, arrive = run.records, run.people.arrival_age.astype(np.int64)
    absent = np.arange(30)[None, :] < arrive[:, None]
    np.testing.assert_array_equal(rec.state == ABSENT, absent)
    assert (rec.bits[absent] == 0).all()
    assert (rec.state[~absent] < states.N_STATE).all()


def _tables_with(run_params, pop, **probs):
    p = build_population(pop)
    year0, per = year_tables(run_params, p)
    tb = pack_parameters(run_params, per, year0)
    return tb._replace(**{k: np.full_like(getattr(tb, k), v) for k, v in probs.items()})


def test_crime_events_only_from_10_and_jobs_only_at_13_29_while_enrolled():
    """Even with every crime and job probability at 0.5 (tables ``validate`` would refuse) and
    an activity raising their odds at every age, the kernel's age gates hold."""
    params = random_params(seed=8)
    pop = small_population(per_year=150, arrivals=20.0)
    tb = _tables_with(params, pop, crime_p=0.5, job_p=0.5)
    acts = [
        Activity("crime_up", "crime", (5.0,), 1.0),
        Activity("job_up", "job", (5.0,), 1.0),
    ]
    rec = kernel_records(SEED, pop, params, acts, tables=tb).records
    crime, job = _bit(rec, "crime"), _bit(rec, "job")
    present = rec.state != ABSENT
    ages = np.broadcast_to(np.arange(30), rec.state.shape)
    assert crime[ages < 10].sum() == 0
    assert crime[present & (ages >= 10) & (ages <= 14)].mean() > 0.5  # suspicions
    assert crime[present & (ages >= 15)].mean() > 0.5  # charges
    enrolled = states.enrolled_mask()[np.where(present, rec.state, 0)] & present
    assert job[~enrolled | (ages < 13)].sum() == 0
    assert job[enrolled & (ages >= 13)].mean() > 0.5


# --- activities -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base():
    params = random_params(seed=9)
    pop = small_population(per_year=200, arrivals=30.0)
    return params, pop, kernel_records(SEED, pop, params)


def _same_lives(a, b, who=None):
    who = slice(None) if who is None else who
    return all(
        np.array_equal(getattr(a.records, f)[who], getattr(b.records, f)[who])
        for f in ("state", "area", "bits")
    )


def test_activities_with_coverage_0_or_odds_ratios_1_change_no_record(base):
    params, pop, none = base
    off = [dataclasses.replace(a, coverage=0.0) for a in EVERY_PROCESS]
    neutral = [
        dataclasses.replace(a, odds_ratios=(1.0,) * len(a.odds_ratios), coverage=1.0)
        for a in EVERY_PROCESS
    ]
    on = kernel_records(SEED, pop, params, EVERY_PROCESS)
    r_off = kernel_records(SEED, pop, params, off)
    r_neutral = kernel_records(SEED, pop, params, neutral)
    assert _same_lives(r_off, none)
    assert r_off.records.took_part.sum() == 0
    assert _same_lives(r_neutral, none)
    assert r_neutral.records.took_part.mean() > 0.5
    assert not _same_lives(on, none)


def test_reordering_activities_or_adding_one_that_reaches_nobody_changes_nothing(base):
    params, pop, _ = base
    acts = list(EVERY_PROCESS)
    first = kernel_records(SEED, pop, params, acts)
    order = np.random.default_rng(1).permutation(len(acts))
    shuffled = kernel_records(SEED, pop, params, [acts[i] for i in order])
    nobody = Activity(
        "never", "lifecourse", (50.0,), 1.0, years=(2150, 2160), target_groups=("dropout",)
    )
    added = kernel_records(SEED, pop, params, [*acts[:3], nobody, *acts[3:]])
    for other in (shuffled, added):
        assert _same_lives(other, first)
        np.testing.assert_array_equal(other.records.took_part, first.records.took_part)


def test_packed_activities_do_not_depend_on_the_order_given():
    a = pack_activities(list(EVERY_PROCESS))
    b = pack_activities(list(EVERY_PROCESS[::-1]))
    for field in a._fields:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def test_an_activity_leaves_those_it_cannot_reach_untouched(base):
    params, pop, none = base
    act = Activity(
        "menapt_only",
        "lifecourse",
        (8.0, 8.0),
        1.0,
        menapt=("menapt",),
        ages=(1, 29),
        target_groups=("dropout", "neet_entry", "youth_edu_entry"),
    )
    r = kernel_records(SEED, pop, params, [act])
    non_menapt = r.people.menapt == states.code("menapt", "non_menapt")
    assert _same_lives(r, none, non_menapt)
    assert not _same_lives(r, none, ~non_menapt)
    assert (r.records.took_part[non_menapt] == 0).all()


def test_takeup_depends_on_the_activity_name_only(base):
    params, pop, _ = base
    x = Activity("outreach", "parent_rg", (1.0,), 0.5, ages=(1, 1), once=True)
    variants = [
        [x],
        [
            dataclasses.replace(
                x, process="lifecourse", odds_ratios=(9.0, 3.0), target_groups=("dropout",)
            )
        ],
        [*EVERY_PROCESS[:2], dataclasses.replace(x, odds_ratios=(0.1,))],
    ]
    runs = [kernel_records(SEED, pop, params, v) for v in variants]
    people = runs[0].people
    born = people.arrival_age <= 1  # present at age 1
    u = reference.unit(reference.block(SEED, people.person_id, 1, reference.takeup_block(x.name)))
    want = born & (u[:, 0] < 0.5)
    took_x = runs[0].records.took_part == 1
    np.testing.assert_array_equal(took_x, want)
    np.testing.assert_array_equal(runs[1].records.took_part == 1, want)
    # with two other activities a person may take part in those as well, but never less in x
    assert (runs[2].records.took_part[want] == 1).all()
    renamed = kernel_records(SEED, pop, params, [dataclasses.replace(x, name="outreach2")])
    assert not np.array_equal(renamed.records.took_part, runs[0].records.took_part)


# --- risk flags -----------------------------------------------------------------------------


def _with_risk_row(params, risk, value):
    ro = params.risk_or.copy()
    ro.loc[{"risk": risk}] = value
    return dataclasses.replace(params, risk_or=ro)


_FLAG_INPUTS = {
    # risk flag -> (parameter array whose change must stay inside the flag, bits it may change)
    "poverty": ("poverty", ("poverty", "poverty_ever")),
    "parent_psych": ("parent_psych", ("parent_psych",)),
    "crime_ever": ("crime", ("crime", "crime_before")),
    "fritidsjob": ("job", ("job",)),
}


@pytest.mark.parametrize("risk", list(_FLAG_INPUTS))
def test_risk_odds_ratio_1_makes_the_flag_draws_shift_no_other_draw(risk):
    """With the flag's odds ratios at 1, changing the flag's own probabilities changes the flag
    and nothing else (its stream is its own); with them away from 1 it does change lives."""
    array, own_bits = _FLAG_INPUTS[risk]
    pop = small_population(per_year=150, arrivals=20.0)
    p = _with_risk_row(random_params(seed=12), risk, 1.0)
    other = getattr(p, array)
    rng = np.random.default_rng(3)
    changed = other.copy(data=np.where(other.values > 0, rng.uniform(0.05, 0.95, other.shape), 0))
    q = dataclasses.replace(p, **{array: changed})
    a, b = kernel_records(SEED, pop, p), kernel_records(SEED, pop, q)
    mask = np.uint16(sum(1 << BITS[n] for n in own_bits))
    np.testing.assert_array_equal(a.records.state, b.records.state)
    np.testing.assert_array_equal(a.records.area, b.records.area)
    np.testing.assert_array_equal(a.records.bits & ~mask, b.records.bits & ~mask)
    assert not np.array_equal(a.records.bits & mask, b.records.bits & mask)
    # the same change with the flag's odds ratios at 3 moves life courses
    p3, q3 = _with_risk_row(p, risk, 3.0), _with_risk_row(q, risk, 3.0)
    a3, b3 = kernel_records(SEED, pop, p3), kernel_records(SEED, pop, q3)
    assert not np.array_equal(a3.records.state, b3.records.state)


def test_larger_poverty_odds_ratio_never_lowers_dropout_among_the_poor():
    params = random_params(seed=13, risk_or=1.0)
    pop = small_population(per_year=400)
    drop = states.transition_group("dropout")
    can_drop = drop.any(axis=1)
    freqs = []
    for o in (0.25, 1.0, 2.0, 4.0):
        ro = params.risk_or.copy()
        ro.loc[{"risk": "poverty", "group": "dropout"}] = o
        rec = kernel_records(SEED, pop, dataclasses.replace(params, risk_or=ro)).records
        st = rec.state.astype(np.int64)
        poor_last = _bit(rec, "poverty")[:, :-1] == 1
        at_risk = poor_last & can_drop[st[:, :-1]]
        dropped = drop[st[:, :-1], st[:, 1:]]
        freqs.append(dropped[at_risk].mean())
        assert at_risk.sum() > 3000
    assert all(b > a for a, b in itertools.pairwise(freqs)), freqs


# --- frequencies ----------------------------------------------------------------------------


def _within_binomial_bounds(p: np.ndarray, hit: np.ndarray, what: str) -> None:
    """Person-years with success probabilities ``p`` (float32 table entries) and outcomes
    ``hit``: per distinct probability, the number of successes lies within exact two-sided
    binomial bounds (family-wise 1e-4), and the cells together pass a chi-square test."""
    cells, inv = np.unique(p, return_inverse=True)
    n = np.bincount(inv, minlength=cells.size)
    k = np.bincount(inv, weights=hit, minlength=cells.size)
    pc = cells.astype(np.float64)
    lo, hi = stats.binom.interval(1 - 1e-4 / cells.size, n, pc)
    bad = (k < lo) | (k > hi)
    assert not bad.any(), (what, pc[bad][:5], k[bad][:5], n[bad][:5])
    var = n * pc * (1 - pc)
    use = (n * pc >= 5) & (n * (1 - pc) >= 5)  # where the chi-square approximation holds
    chi2 = (((k - n * pc) ** 2)[use] / var[use]).sum()
    assert chi2 < stats.chi2.ppf(1 - 1e-6, max(use.sum(), 1)), (what, chi2, use.sum())
    assert (k[pc == 0] == 0).all(), what
    assert (k[pc == 1] == n[pc == 1]).all(), what
    assert n.sum() > 2000, (what, n.sum())


def test_flag_and_transition_frequencies_match_their_probabilities():
    """Every Bernoulli process (parents, job, the risk flags), the move and the life-course
    draw, checked cell by cell against the parameter table (risk odds ratios 1, one period)."""
    params = random_params(seed=14, risk_or=1.0, periods=(Period("all", 1900, 2200),))
    run = kernel_records(SEED, small_population(per_year=500, arrivals=60.0), params)
    rec, people = run.records, run.people
    n = rec.state.shape[0]
    arrive = people.arrival_age.astype(np.int64)[:, None]
    ages = np.broadcast_to(np.arange(30), (n, 30))
    present = ages >= arrive
    later = present & (ages > arrive)  # a record with a previous record
    born0 = (ages == 0) & (arrive == 0)
    flag = {name: _bit(rec, name) for name in BITS}
    last = {
        name: np.concatenate([np.zeros((n, 1), np.int64), v[:, :-1]], axis=1)
        for name, v in flag.items()
    }
    st = rec.state.astype(np.int64)
    st_last = np.concatenate([np.zeros((n, 1), np.int64), st[:, :-1]], axis=1)
    area = rec.area.astype(np.int64)
    area_last = np.concatenate([np.zeros((n, 1), np.int64), area[:, :-1]], axis=1)
    sex = np.broadcast_to(people.sex.astype(np.int64)[:, None], (n, 30))
    men = np.broadcast_to(people.menapt.astype(np.int64)[:, None], (n, 30))

    def table(da, order):
        return np.asarray(da.transpose(*order).values, np.float32)[0]

    par = table(params.parent, ("period", "area", "menapt", "parent_rg_from"))
    w = later
    _within_binomial_bounds(
        par[area[w], men[w], last["parent_rg"][w]], flag["parent_rg"][w], "parent_rg"
    )
    pov = table(params.poverty, ("period", "age", "menapt", "area", "parent_rg", "poverty_from"))
    w = later | born0
    _within_binomial_bounds(
        pov[ages[w], men[w], area[w], flag["parent_rg"][w], last["poverty"][w]],
        flag["poverty"][w],
        "poverty",
    )
    psy = table(params.parent_psych, ("period", "age", "menapt", "area", "parent_rg"))
    w = (later & (last["parent_psych"] == 0)) | born0
    _within_binomial_bounds(
        psy[ages[w], men[w], area[w], flag["parent_rg"][w]], flag["parent_psych"][w], "parent_psych"
    )
    cri = table(
        params.crime, ("period", "age", "sex", "menapt", "area", "origin", "crime_ever_from")
    )
    w = present & (ages >= 10)
    _within_binomial_bounds(
        cri[ages[w], sex[w], men[w], area[w], flag["origin"][w], flag["crime_before"][w]],
        flag["crime"][w],
        "crime",
    )
    job = table(params.job, ("period", "age", "sex", "menapt", "area", "activity", "job_from"))
    enrolled = states.enrolled_mask()[np.where(present, st, 0)]
    w = later & enrolled & (ages >= 13)
    act = states.ACTIVITY_OF[st[w]]
    _within_binomial_bounds(
        job[ages[w], sex[w], men[w], area[w], act, last["job"][w]], flag["job"][w], "job"
    )
    move = np.asarray(
        params.move.transpose("age", "menapt", "parent_rg", "area_from", "area_to").values,
        np.float32,
    )
    w = later
    rows = move[ages[w], men[w], last["parent_rg"][w], area_last[w]]
    for j, name in enumerate(states.AREA):
        _within_binomial_bounds(rows[:, j], area[w] == j, f"move to {name}")
    lc = np.asarray(params.lifecourse.transpose(*reference.LC_DIMS).values, np.float32)[0]
    w = later
    # the first year of a membership spell is marked only in the next year, after the draw
    member_drawn = flag["member"] & last["member"]
    rows = lc[ages[w], sex[w], men[w], area[w], member_drawn[w], flag["origin"][w], st_last[w]]
    for j, name in enumerate(states.LIFECOURSE[1:], start=1):
        hit = st[w] == j
        if rows[:, j].sum() > 50:
            _within_binomial_bounds(rows[:, j], hit, f"lifecourse to {name}")
        else:
            assert not hit[rows[:, j] == 0].any(), name
