"""The reports' comparison groups and splits as indicator dims (targets README s.1, domain.md 2.3).

The tallies count persons by the model's covariate cell (``sex``, ``menapt``, ``area``,
``member``, ``origin``). The reports compare overlapping populations instead, so an indicator
has its own dims, never the tallies' names (a run file holds both, and a shared name would
have to mean the same labels):

``group``
    ``supported``: lives in a supported area this year (residence; seeds 000, 002 and 001
    chapters 2-5); ``grew_up_in``: the reports' grew-up-in cohort (``member == "member"``,
    wherever the person lives now; seed 001 chapter 6); ``public_housing``: lives in the
    almene sector (``area`` in supported, other_public); ``population``: everyone. The groups
    overlap: ``population`` includes all the others.
``origin_group``
    ``restgruppe``, ``not_restgruppe`` (at least one resident parent in the restgruppe when the
    person was 15) or ``all``.
``ethnicity``
    ``menapt``, ``non_menapt`` or ``all``. The DST categories ``danish`` and ``nonwestern`` of
    seeds 000 and 002 are not in the model.
``sex_group``
    ``m``, ``f`` or ``all``.

:func:`expand` turns an array over the cell axes into one over these dims. A label that needs
a cell dim the tally does not have (``sex_group="m"`` from the poverty tally, which has no
``sex``) is NaN, and :func:`unavailable` says why.
"""

from __future__ import annotations

import numpy as np

from livschancer import states

GROUP: tuple[str, ...] = ("supported", "grew_up_in", "public_housing", "population")
ORIGIN_GROUP: tuple[str, ...] = ("restgruppe", "not_restgruppe", "all")
ETHNICITY: tuple[str, ...] = ("menapt", "non_menapt", "all")
SEX_GROUP: tuple[str, ...] = ("m", "f", "all")
#: The indicator dims after ``year``, in order.
SPLIT_DIMS: tuple[str, ...] = ("group", "origin_group", "ethnicity", "sex_group")
SPLIT_LABELS: dict[str, tuple[str, ...]] = {
    "group": GROUP,
    "origin_group": ORIGIN_GROUP,
    "ethnicity": ETHNICITY,
    "sex_group": SEX_GROUP,
}
#: The tallies' covariate-cell dims, in the order :func:`expand` takes them.
CELL: tuple[str, ...] = ("sex", "menapt", "area", "member", "origin")

#: Which cell dim each non-"all" label needs.
NEEDS: dict[tuple[str, str], str] = {
    ("group", "supported"): "area",
    ("group", "public_housing"): "area",
    ("group", "grew_up_in"): "member",
    ("origin_group", "restgruppe"): "origin",
    ("origin_group", "not_restgruppe"): "origin",
    ("ethnicity", "menapt"): "menapt",
    ("ethnicity", "non_menapt"): "menapt",
    ("sex_group", "m"): "sex",
    ("sex_group", "f"): "sex",
}


def _split_matrix(labels_in: tuple[str, ...], labels_out: tuple[str, ...]) -> np.ndarray:
    """(len(in), len(out)) 0/1: input label -> the same label and ``all``."""
    w = np.zeros((len(labels_in), len(labels_out)))
    for i, lab in enumerate(labels_in):
        w[i, labels_out.index(lab)] = 1.0
        w[i, labels_out.index("all")] = 1.0
    return w


def _group_matrix() -> np.ndarray:
    """(area, member, group) 0/1: which cells belong to each group."""
    w = np.zeros((len(states.AREA), len(states.MEMBER), len(GROUP)))
    sup = states.AREA.index("supported")
    pub = [states.AREA.index(a) for a in ("supported", "other_public")]
    mem = states.MEMBER.index("member")
    w[sup, :, GROUP.index("supported")] = 1.0
    w[:, mem, GROUP.index("grew_up_in")] = 1.0
    w[pub, :, GROUP.index("public_housing")] = 1.0
    w[:, :, GROUP.index("population")] = 1.0
    return w


_W_SEX = _split_matrix(states.SEX, SEX_GROUP)
_W_ETH = _split_matrix(states.MENAPT, ETHNICITY)
_W_ORIGIN = _split_matrix(states.ORIGIN, ORIGIN_GROUP)
_W_GROUP = _group_matrix()
_ALL_ONLY = {dim: np.array([[0.0, 0.0, 1.0]]) for dim in ("sex", "menapt", "origin")}


def _weights(present: frozenset[str]) -> tuple[np.ndarray, ...]:
    w_sex = _W_SEX if "sex" in present else _ALL_ONLY["sex"]
    w_eth = _W_ETH if "menapt" in present else _ALL_ONLY["menapt"]
    w_org = _W_ORIGIN if "origin" in present else _ALL_ONLY["origin"]
    w_grp = _W_GROUP
    if "area" not in present:
        w_grp = w_grp.sum(axis=0, keepdims=True).clip(0, 1)
    if "member" not in present:
        w_grp = w_grp.sum(axis=1, keepdims=True).clip(0, 1)
    return w_sex, w_eth, w_grp, w_org


_MATRICES: dict[tuple, np.ndarray] = {}


def _matrix(present: frozenset[str], cell_shape: tuple[int, ...]) -> np.ndarray:
    """(cells, group x origin_group x ethnicity x sex_group) 0/1 matrix, made once per case."""
    key = (present, cell_shape)
    if key not in _MATRICES:
        w_sex, w_eth, w_grp, w_org = _weights(present)
        w = np.einsum("sw,me,rtg,oq->smrtogqew", w_sex, w_eth, w_grp, w_org)
        _MATRICES[key] = w.reshape(int(np.prod(cell_shape)), -1)
    return _MATRICES[key]


def expand(x: np.ndarray, present: frozenset[str]) -> np.ndarray:
    """Sum a cell array into the indicator dims.

    Parameters
    ----------
    x
        float array (year, sex, menapt, area, member, origin); a cell dim the tally does not
        have is an axis of length 1.
    present
        The cell dims the tally has.

    Returns
    -------
    float64 array (year, group, origin_group, ethnicity, sex_group); NaN where a label needs
    a cell dim that is not present.
    """
    cell_shape = tuple(x.shape[1:])
    w = _matrix(present, cell_shape)
    out = (x.reshape(x.shape[0], -1) @ w).reshape(
        x.shape[0], *(len(SPLIT_LABELS[d]) for d in SPLIT_DIMS)
    )
    mask = nan_mask(present)
    if mask is not None:
        out[:, mask] = np.nan
    return out


def nan_mask(present: frozenset[str]) -> np.ndarray | None:
    """Bool (group, origin_group, ethnicity, sex_group): True where a label is unavailable."""
    if present >= set(CELL):
        return None
    mask = np.zeros(tuple(len(SPLIT_LABELS[d]) for d in SPLIT_DIMS), dtype=bool)
    for (dim, label), need in NEEDS.items():
        if need not in present:
            idx = [slice(None)] * len(SPLIT_DIMS)
            idx[SPLIT_DIMS.index(dim)] = SPLIT_LABELS[dim].index(label)
            mask[tuple(idx)] = True
    return mask
