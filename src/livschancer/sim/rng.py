"""Named random streams and counter-based Philox4x32-10 uniforms (njit).

Why counter-based: every random decision is a pure function of (seed, stream, person id, age),
so results do not depend on thread count, chunking or the order persons are visited, and two
scenarios run with the same seed see the same numbers for the same decision (common random
numbers, model.md section 4; vivarium's "hit by the same truck" rule, style.md 1.4). Seeding
``np.random`` inside ``prange`` is not reproducible across thread counts, and sharing one numpy
Generator between threads is a data race, so neither is used inside kernels.

Philox4x32-10 (Salmon et al. 2011, Random123) maps a 128-bit counter and a 64-bit key to four
32-bit words. Here the key is the 64-bit seed and the counter is
``(person_id_lo, person_id_hi, age, block)``. One call gives four words, the four *lanes* of a
*block*; a stream is a (block, lane) pair, numbered ``4 * block + lane``. The four decisions of
the yearly step share block 0 and the three risk flags block 2, so a person-year costs two
Philox calls.

Rules for :data:`STREAMS`: a new decision gets a new name with a new number; existing numbers
never change (that would change every result for that seed).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Decision name -> stream number (block = number // 4, lane = number % 4).
STREAMS: dict[str, int] = {
    # block 0: the yearly step (model.md section 4), drawn at the age the person reaches
    "move": 0,
    "parent_rg": 1,
    "lifecourse": 2,
    "job": 3,
    # block 1: attributes drawn at birth (age 0)
    "birth_sex": 4,
    "birth_menapt": 5,
    "birth_area": 6,
    "birth_parent_rg": 7,
    # block 2: the risk flags of the yearly step (model.md section 4, step 4), every age 0-29
    "poverty": 8,
    "parent_psych": 9,
    "crime": 10,
    # block 3: attributes of immigrants drawn at arrival (at age 0 of the person's counter)
    "arrival_sex": 12,
    "arrival_menapt": 13,
    "arrival_area": 14,
    "arrival_parent_rg": 15,
}
#: Activities draw take-up from a block derived from their name (``sim/activities.py``,
#: ``takeup_block``: blocks >= 2**31), never from a position in a list.
#: Scale from a 32-bit word to a uniform in [0, 1): u = word * 2**-32, so 0 <= u <= 1 - 2**-32.
U32_SCALE: float = 2.0**-32

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


@njit(cache=True, inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) and key (k0, k1); all uint32. Returns four uint32."""
    c0 = np.uint32(c0)
    c1 = np.uint32(c1)
    c2 = np.uint32(c2)
    c3 = np.uint32(c3)
    k0 = np.uint32(k0)
    k1 = np.uint32(k1)
    for r in range(10):
        if r > 0:
            # key schedule: bump before every round but the first
            k0 = np.uint32(k0 + _W0)
            k1 = np.uint32(k1 + _W1)
        p0 = _M0 * np.uint64(c0)
        p1 = _M1 * np.uint64(c2)
        hi0 = np.uint32(p0 >> _S32)
        lo0 = np.uint32(p0 & _LO)
        hi1 = np.uint32(p1 >> _S32)
        lo1 = np.uint32(p1 & _LO)
        c0 = np.uint32(hi1 ^ c1 ^ k0)
        c1 = lo1
        c2 = np.uint32(hi0 ^ c3 ^ k1)
        c3 = lo0
    return c0, c1, c2, c3


@njit(cache=True, inline="always")
def block_words(seed, person_id, age, block):
    """The four 32-bit words of ``block`` for (seed, person_id, age); seed and id are uint64."""
    seed = np.uint64(seed)
    pid = np.uint64(person_id)
    return philox4x32(
        np.uint32(pid & _LO),
        np.uint32(pid >> _S32),
        np.uint32(age),
        np.uint32(block),
        np.uint32(seed & _LO),
        np.uint32(seed >> _S32),
    )


@njit(cache=True, inline="always")
def to_unit(word):
    """Uniform in [0, 1) from a 32-bit word: exactly 0 is possible, 1 is not."""
    return np.float64(word) * U32_SCALE


@njit(cache=True)
def uniform(seed, stream, person_id, age):
    """One uniform for decision ``stream`` (a number from :data:`STREAMS`)."""
    w = block_words(seed, person_id, age, stream // 4)
    lane = stream % 4
    if lane == 0:
        return to_unit(w[0])
    if lane == 1:
        return to_unit(w[1])
    if lane == 2:
        return to_unit(w[2])
    return to_unit(w[3])


@njit(cache=True)
def uniforms(seed, stream, person_ids, age):
    """Uniforms of ``stream`` for each of ``person_ids`` (uint64 array) at ``age``; float64."""
    out = np.empty(person_ids.shape[0], dtype=np.float64)
    for i in range(person_ids.shape[0]):
        out[i] = uniform(seed, stream, person_ids[i], age)
    return out


def stream(name: str) -> int:
    """Number of the decision ``name``; KeyError listing the known names."""
    try:
        return STREAMS[name]
    except KeyError:
        raise KeyError(f"unknown random stream {name!r}; expected one of {list(STREAMS)}") from None
