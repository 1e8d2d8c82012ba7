"""Tests of sim/rng.py: Philox4x32-10 known-answer vectors, the NumPy twin, the stream registry."""

from __future__ import annotations

import numpy as np
import pytest

from livschancer.sim import activities, rng
from tests.sim import reference

# Random123's kat_vectors for philox4x32 with 10 rounds: counter[4], key[2] -> output[4].
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (
        (0xFFFFFFFF,) * 4,
        (0xFFFFFFFF, 0xFFFFFFFF),
        (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
    ),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize(("ctr", "key", "expected"), KAT)
def test_philox_known_answers(ctr, key, expected):
    assert tuple(int(x) for x in rng.philox4x32(*ctr, *key)) == expected


@pytest.mark.parametrize(("ctr", "key", "expected"), KAT)
def test_numpy_twin_known_answers(ctr, key, expected):
    out = reference.philox4x32_10(np.array([ctr], np.uint64), np.array([key], np.uint64))
    assert tuple(int(x) for x in out[0]) == expected


def test_block_words_match_twin_on_random_keys():
    g = np.random.default_rng(5)
    pids = g.integers(0, 2**63, size=200, dtype=np.uint64)
    seed = int(g.integers(0, 2**63))
    for age, blk in [(0, 0), (17, 0), (29, 1), (3, 2), (9, 3), (5, 2**31 + 12345)]:
        twin = reference.block(seed, pids, age, blk)
        got = np.array([rng.block_words(np.uint64(seed), p, age, blk) for p in pids], np.uint64)
        np.testing.assert_array_equal(got, twin)


@pytest.mark.parametrize("name", list(rng.STREAMS))
def test_uniform_picks_lane_of_its_stream(name):
    pid = np.uint64(123456789012)
    s = rng.STREAMS[name]
    words = rng.block_words(np.uint64(99), pid, 7, s // 4)
    assert rng.uniform(np.uint64(99), s, pid, 7) == words[s % 4] * 2.0**-32
    want = reference.unit(reference.block(99, np.array([pid]), 7, s // 4))[0, s % 4]
    assert rng.uniform(np.uint64(99), s, pid, 7) == want


def test_uniforms_are_in_unit_interval_and_look_uniform():
    u = rng.uniforms(
        np.uint64(1), rng.STREAMS["lifecourse"], np.arange(200_000, dtype=np.uint64), 5
    )
    assert u.min() >= 0.0
    assert u.max() < 1.0
    counts, _ = np.histogram(u, bins=20, range=(0, 1))
    expected = len(u) / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 45.3  # chi-square(19) 0.9995 quantile


def test_to_unit_extremes():
    assert rng.to_unit(np.uint32(0)) == 0.0
    assert rng.to_unit(np.uint32(0xFFFFFFFF)) == 1.0 - 2.0**-32


def test_stream_numbers_are_pinned():
    # Changing a number changes every result for that seed: this test is the guard. A new
    # decision gets a new name with a new number, added here.
    assert rng.STREAMS == {
        "move": 0,
        "parent_rg": 1,
        "lifecourse": 2,
        "job": 3,
        "birth_sex": 4,
        "birth_menapt": 5,
        "birth_area": 6,
        "birth_parent_rg": 7,
        "poverty": 8,
        "parent_psych": 9,
        "crime": 10,
        "arrival_sex": 12,
        "arrival_menapt": 13,
        "arrival_area": 14,
        "arrival_parent_rg": 15,
    }
    assert len(set(rng.STREAMS.values())) == len(rng.STREAMS)
    # the twin's blocks of the yearly step are the registry's
    assert rng.STREAMS["move"] // 4 == reference.BLOCK_STEP
    assert rng.STREAMS["poverty"] // 4 == reference.BLOCK_RISK


def test_takeup_blocks_are_crc32_of_the_name_and_never_meet_a_fixed_stream():
    names = ["fritidsjob", "lektiecafe", "job-hjælp", "x", "", "a" * 300]
    fixed = {s // 4 for s in rng.STREAMS.values()}
    for name in names:
        b = activities.takeup_block(name)
        assert b == reference.takeup_block(name)
        assert b >= 2**31
        assert b < 2**32
        assert b not in fixed
    assert len({activities.takeup_block(n) for n in names}) == len(names)


def test_unknown_stream_names_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown random stream 'mvoe'.*'move'"):
        rng.stream("mvoe")
