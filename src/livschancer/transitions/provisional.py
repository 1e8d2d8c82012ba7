"""The provisional default parameter set: transition arrays built from a small file of knobs.

``data/provisional.yaml`` holds hazards, shares and odds ratios read off the published figures
(domain.md), each with its source. :func:`load_provisional` checks the file, builds the four
labelled probability arrays of :class:`ModelParameters` from it and validates them.

How the knobs become probabilities (ages are the ages reached in the year of the transition):

- A covariate odds ratio multiplies the odds of a hazard; the odds ratios of a hazard
  (``lifecourse.odds_ratios.<hazard>``) combine multiplicatively over origin, area, their
  interaction, MENAPT and sex, relative to the reference cell (rest, not_restgruppe,
  non_menapt, m).
- A row of the life-course matrix is a set of competing branches (completion, dropout, NEET
  entry, ...); whatever the branches leave over stays in the current state.
- Shares of a destination split (``after_exam``, ``no_exam``, ...) sum to 1; an odds ratio on
  the NEET share rescales the other shares proportionally.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml

from livschancer import dims, states
from livschancer.errors import ParameterError
from livschancer.transitions.params import ModelParameters, Period, apply_odds_ratio, labels

NOTE = (
    "Provisional parameters built by hand from published figures (domain.md); "
    "they will be replaced by a calibrated set."
)

#: The exit exam is taken in the summer of the year a pupil turns 16 (grade 9; domain.md 2.7).
EXAM_AGE: int = 16

AGES = np.array(states.AGES)
N_AGE = len(AGES)
N_STATE = len(states.LIFECOURSE)
_SHARE_TOL = 1e-6

# Indicator arrays over the covariate cell (period, age, sex, menapt, area, origin).
_FEMALE = (np.array(states.SEX) == "f").reshape(1, 1, 2, 1, 1, 1)
_MENAPT = (np.array(states.MENAPT) == "menapt").reshape(1, 1, 1, 2, 1, 1)
_SUPPORTED = (np.array(states.AREA) == "supported").reshape(1, 1, 1, 1, 3, 1)
_OTHER_PUBLIC = (np.array(states.AREA) == "other_public").reshape(1, 1, 1, 1, 3, 1)
_RESTGRUPPE = (np.array(states.ORIGIN) == "restgruppe").reshape(1, 1, 1, 1, 1, 2)
_AGE = AGES.reshape(1, N_AGE, 1, 1, 1, 1)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of the bytes of ``path``."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def default_path() -> Path:
    """The shipped ``provisional.yaml``."""
    return Path(str(resources.files("livschancer.data").joinpath("provisional.yaml")))


def load_provisional(path: str | Path | None = None) -> ModelParameters:
    """Read, check and build the provisional parameter set (default: the shipped file).

    Raises
    ------
    ParameterError
        Naming the file and the key path of a missing key, a wrong type, a probability outside
        [0, 1], an odds ratio <= 0, a missing source, or shares that do not sum to 1.
    """
    path = default_path() if path is None else Path(path)
    knobs = Knobs(yaml.safe_load(path.read_bytes()), path.name)
    params = ModelParameters(
        lifecourse=_label(build_lifecourse(knobs), dims.LIFECOURSE_PROBS, knobs.periods),
        move=_label(build_move(knobs), dims.MOVE_PROBS, knobs.periods),
        parent=_label(build_parent(knobs), dims.PARENT_PROBS, knobs.periods),
        fritidsjob=_label(build_fritidsjob(knobs), dims.FRITIDSJOB_PROBS, knobs.periods),
        fritidsjob_youth_edu_or=float(knobs.odds("fritidsjob_youth_edu_or", ("scalar",))[0, 0]),
        periods=knobs.periods,
        provenance={
            "file": str(path),
            "sha256": file_sha256(path),
            "provisional": "true",
            "note": NOTE,
        },
    )
    return params.validate(where=path.name)


# --------------------------------------------------------------------------------------------
# Reading knobs
# --------------------------------------------------------------------------------------------


class Knobs:
    """The parsed YAML with checked accessors; every error names ``<file>:<key.path>``."""

    def __init__(self, doc: Any, file: str) -> None:
        self.file = file
        if not isinstance(doc, dict):
            raise ParameterError(file, "the file must hold a YAML mapping", type(doc).__name__)
        self.doc = doc
        if self.node("provisional") is not True:
            raise ParameterError(self._f("provisional"), "must be true", doc["provisional"])
        if not isinstance(self.node("description"), str):
            raise ParameterError(self._f("description"), "must be a string", doc["description"])
        self._check_sources(doc, "")
        self.periods = self._periods()

    def _f(self, key: str) -> str:
        return f"{self.file}:{key}"

    def node(self, key: str) -> Any:
        """The YAML node at dotted ``key``."""
        cur = self.doc
        for i, part in enumerate(key.split(".")):
            if not isinstance(cur, dict) or part not in cur:
                have = sorted(map(str, cur)) if isinstance(cur, dict) else []
                where = ".".join(key.split(".")[:i]) or "<top level>"
                rule = f"missing key (keys under {where}: {have})"
                raise ParameterError(self._f(key), rule, None)
            cur = cur[part]
        return cur

    def _check_sources(self, node: Any, key: str) -> None:
        """Every knob (a mapping with ``value``) needs a source: 'assumption' or 'domain.md ...'."""
        if not isinstance(node, dict):
            return
        if "value" in node:
            src = node.get("source")
            if not (isinstance(src, str) and (src == "assumption" or src.startswith("domain.md"))):
                raise ParameterError(
                    self._f(f"{key}.source"),
                    "every value needs a source: 'assumption' or a 'domain.md <section>: ...' "
                    "citation",
                    src,
                )
            return
        for k, v in node.items():
            self._check_sources(v, f"{key}.{k}" if key else str(k))

    def _periods(self) -> tuple[Period, ...]:
        key = "periods.value"
        raw = self.node(key)
        if not isinstance(raw, list) or not raw:
            raise ParameterError(self._f(key), "must be a non-empty list of periods", raw)
        out = []
        for i, p in enumerate(raw):
            ok = isinstance(p, dict) and set(p) == {"name", "first", "last"}
            if (
                not ok
                or not isinstance(p["name"], str)
                or not all(
                    isinstance(p[f], int) and not isinstance(p[f], bool) for f in ("first", "last")
                )
            ):
                raise ParameterError(
                    self._f(f"{key}[{i}]"), "must be {name: str, first: int, last: int}", p
                )
            out.append(Period(p["name"], p["first"], p["last"]))
        return tuple(out)

    def value(self, key: str, forms: tuple[str, ...]) -> np.ndarray:
        """The knob at ``key`` as a (period, age) array.

        ``forms`` lists the accepted forms: ``scalar`` (a number), ``period`` (a mapping over
        all period names) and ``age`` (a step schedule over ages 0-29).
        """
        node = self.node(key)
        if not isinstance(node, dict) or "value" not in node:
            raise ParameterError(self._f(key), "must be a mapping with 'value' and 'source'", node)
        key = f"{key}.value"
        val = node["value"]
        names = [p.name for p in self.periods]
        if _is_number(val) and "scalar" in forms:
            return np.full((len(names), N_AGE), float(val))
        if isinstance(val, dict) and val:
            for k, v in val.items():
                if not _is_number(v):
                    raise ParameterError(self._f(f"{key}.{k}"), "must be a number", v)
            if "period" in forms and all(isinstance(k, str) for k in val):
                if sorted(val) != sorted(names):
                    rule = f"must name exactly the periods {names}"
                    raise ParameterError(self._f(key), rule, val)
                col = np.array([float(val[n]) for n in names])
                return np.repeat(col[:, None], N_AGE, axis=1)
            if "age" in forms and all(_is_int(k) and 0 <= k <= states.AGE_MAX for k in val):
                keys = np.array(sorted(val))
                vals = np.array([float(val[k]) for k in keys])
                idx = np.searchsorted(keys, AGES, side="right") - 1
                row = np.where(idx >= 0, vals[np.clip(idx, 0, None)], 0.0)
                return np.repeat(row[None, :], len(names), axis=0)
        raise ParameterError(
            self._f(key), f"must be one of the forms {list(forms)} (see the file header)", val
        )

    def prob(self, key: str, forms: tuple[str, ...] = ("scalar", "period")) -> np.ndarray:
        """A probability or share knob, checked to lie in [0, 1]."""
        arr = self.value(key, forms)
        if np.any((arr < 0) | (arr > 1)):
            raise ParameterError(
                self._f(f"{key}.value"),
                "a probability must lie in [0, 1]",
                _bad(arr, (arr < 0) | (arr > 1)),
            )
        return arr

    def odds(self, key: str, forms: tuple[str, ...] = ("scalar", "period")) -> np.ndarray:
        """An odds-ratio knob, checked to be finite and > 0."""
        arr = self.value(key, forms)
        if np.any(~np.isfinite(arr) | (arr <= 0)):
            raise ParameterError(
                self._f(f"{key}.value"), "an odds ratio must be > 0", _bad(arr, ~(arr > 0))
            )
        return arr

    def shares(self, key: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """The shares ``key.<name>`` of a destination split; they must sum to 1."""
        out = {n: self.prob(f"{key}.{n}") for n in names}
        total = sum(out.values())
        if np.any(np.abs(total - 1) > _SHARE_TOL):
            raise ParameterError(self._f(key), f"shares {list(names)} must sum to 1", _bad(total))
        return out

    def fail(self, key: str, rule: str, value: object) -> ParameterError:
        return ParameterError(self._f(key), rule, value)


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _bad(arr: np.ndarray, mask: np.ndarray | None = None) -> float:
    """An example offending value for an error message."""
    if mask is not None and mask.any():
        return float(arr[mask].flat[0])
    return float(np.asarray(arr).flat[0])


# --------------------------------------------------------------------------------------------
# Helpers on the covariate cell (period, age, sex, menapt, area, origin)
# --------------------------------------------------------------------------------------------


def _cell(arr: np.ndarray) -> np.ndarray:
    """A (period, age) knob array reshaped to broadcast over the covariate cell."""
    return arr.reshape(arr.shape[0], N_AGE, 1, 1, 1, 1)


def covariate_or(k: Knobs, key: str) -> np.ndarray:
    """Combined odds ratio of the hazard ``key`` over the covariate cell."""

    def get(name: str) -> np.ndarray:
        return _cell(k.odds(f"{key}.{name}"))

    return (
        np.where(_RESTGRUPPE, get("restgruppe"), 1.0)
        * np.where(_SUPPORTED, get("supported"), 1.0)
        * np.where(_OTHER_PUBLIC, get("other_public"), 1.0)
        * np.where(_SUPPORTED & _RESTGRUPPE, get("supported_x_restgruppe"), 1.0)
        * np.where(_MENAPT, get("menapt"), 1.0)
        * np.where(_FEMALE, get("female"), 1.0)
    )


def split_with_or(
    shares: dict[str, np.ndarray], key: str, odds_ratio: np.ndarray
) -> dict[str, np.ndarray]:
    """Shares with ``shares[key]`` odds-adjusted and the others rescaled to keep the sum 1."""
    target = apply_odds_ratio(_cell(shares[key]), odds_ratio)
    rest = 1.0 - _cell(shares[key])
    scale = np.divide(1.0 - target, rest, out=np.zeros_like(target), where=rest > 0)
    return {n: target if n == key else _cell(s) * scale for n, s in shares.items()}


class _Matrix:
    """The life-course array (period, age, sex, menapt, area, origin, from, to) being filled."""

    def __init__(self, n_periods: int, k: Knobs) -> None:
        self.shape = (n_periods, N_AGE, 2, 2, 3, 2)
        self.t = np.zeros((*self.shape, N_STATE, N_STATE))
        self.k = k

    def row(self, frm: str, branches: dict[str, np.ndarray], stay: str) -> None:
        """Fill row ``frm`` with ``branches`` (destination -> probability); the rest stays."""
        i = states.parse_state(frm)
        total = np.zeros(self.shape)
        for to, p in branches.items():
            p = np.broadcast_to(p, self.shape)
            self.t[..., i, states.parse_state(to)] += p
            total = total + p
        if np.any(total > 1 + 1e-9):
            raise self.k.fail(
                "lifecourse", f"branches out of {frm!r} sum to more than 1", float(total.max())
            )
        self.t[..., i, states.parse_state(stay)] += np.clip(1.0 - total, 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Life course
# --------------------------------------------------------------------------------------------


def build_lifecourse(k: Knobs) -> np.ndarray:
    """The life-course array; rows at age 0 are the identity (unused)."""
    m = _Matrix(len(k.periods), k)
    ors = {
        h: covariate_or(k, f"lifecourse.odds_ratios.{h}")
        for h in ("neet_entry", "neet_exit", "dropout", "higher_edu_choice")
    }
    _preschool_rows(k, m)
    _school_rows(k, m, ors)
    _youth_edu_rows(k, m, ors)
    _vocational_rows(k, m, ors)
    _higher_edu_rows(k, m, ors)
    _adult_rows(k, m, ors)
    m.t[:, 0] = np.eye(N_STATE)
    return m.t


def _preschool_rows(k: Knobs, m: _Matrix) -> None:
    entry = _cell(k.prob("lifecourse.school_entry", ("age",)))
    m.row("preschool|none", {"school|none": entry}, stay="preschool|none")


def _exam_pass(k: Knobs) -> np.ndarray:
    """P(pass the exit exam at 16) over the cell: printed area x origin rates, sex and MENAPT."""
    key = "lifecourse.exam"
    sup = np.where(
        _RESTGRUPPE,
        _cell(k.prob(f"{key}.pass_supported_restgruppe")),
        _cell(k.prob(f"{key}.pass_supported_not_restgruppe")),
    )
    rest = np.where(
        _RESTGRUPPE,
        _cell(k.prob(f"{key}.pass_rest_restgruppe")),
        _cell(k.prob(f"{key}.pass_rest_not_restgruppe")),
    )
    other = apply_odds_ratio(rest, _cell(k.odds(f"{key}.other_public_or")))
    p = np.where(_SUPPORTED, sup, np.where(_OTHER_PUBLIC, other, rest))
    # The sex odds ratio is centred: boys get OR^-1/2, girls OR^+1/2, so the average is kept.
    sex_or = _cell(k.odds(f"{key}.female_or")) ** np.where(_FEMALE, 0.5, -0.5)
    return apply_odds_ratio(p, sex_or * np.where(_MENAPT, _cell(k.odds(f"{key}.menapt_or")), 1.0))


def _school_rows(k: Knobs, m: _Matrix, ors: dict[str, np.ndarray]) -> None:
    """Compulsory school, the exit exam at 16, late passes and leaving at 17+; 10th grade."""
    at16, late = _AGE == EXAM_AGE, _AGE > EXAM_AGE
    lc = "lifecourse"
    pass16 = _exam_pass(k)
    late_pass = _cell(k.prob(f"{lc}.exam.late_pass"))
    after = {
        n: _cell(v)
        for n, v in k.shares(
            f"{lc}.after_exam", ("tenth_grade", "youth_edu", "employed", "neet")
        ).items()
    }
    no_exam = split_with_or(
        k.shares(f"{lc}.no_exam", ("stay_school", "youth_edu", "employed", "neet")),
        "neet",
        ors["neet_entry"],
    )
    leave = split_with_or(
        k.shares(f"{lc}.school_leave", ("youth_edu", "employed", "neet")), "neet", ors["neet_entry"]
    )
    p = np.where(at16, pass16, np.where(late, late_pass, 0.0))
    tenth = np.where(at16, after["tenth_grade"], 0.0)  # late passers go on directly
    fail16, fail_late = np.where(at16, 1 - p, 0.0), np.where(late, 1 - p, 0.0)
    m.row(
        "school|none",
        {
            "school|grundskole": p * tenth,
            "youth_edu|grundskole": p * (after["youth_edu"] + after["tenth_grade"] - tenth),
            "employed|grundskole": p * after["employed"],
            "neet|grundskole": p * after["neet"],
            "youth_edu|none": fail16 * no_exam["youth_edu"] + fail_late * leave["youth_edu"],
            "employed|none": fail16 * no_exam["employed"] + fail_late * leave["employed"],
            "neet|none": fail16 * no_exam["neet"] + fail_late * leave["neet"],
        },
        stay="school|none",
    )
    tenth_leave = split_with_or(
        k.shares(f"{lc}.tenth_grade_leave", ("youth_edu", "employed", "neet")),
        "neet",
        ors["neet_entry"],
    )
    go = late.astype(float)
    m.row(
        "school|grundskole",
        {f"{a}|grundskole": go * tenth_leave[a] for a in ("youth_edu", "employed", "neet")},
        stay="school|grundskole",
    )


def _completion_and_dropout(
    k: Knobs, key: str, dropout_or: np.ndarray, completion_or: float | np.ndarray = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    c = apply_odds_ratio(_cell(k.prob(f"{key}.completion", ("scalar", "age"))), completion_or)
    d = apply_odds_ratio(_cell(k.prob(f"{key}.dropout", ("scalar", "age"))), dropout_or)
    return c, d


def _edu_choice(k: Knobs, ors: dict[str, np.ndarray]) -> np.ndarray:
    """P(higher rather than vocational education | entering education with a youth education)."""
    return apply_odds_ratio(
        _cell(k.prob("lifecourse.youth_edu.higher_edu_choice")), ors["higher_edu_choice"]
    )


def _youth_edu_rows(k: Knobs, m: _Matrix, ors: dict[str, np.ndarray]) -> None:
    key = "lifecourse.youth_edu"
    edu = _cell(k.prob(f"{key}.after_completion_education"))
    neet = _cell(k.prob(f"{key}.after_completion_neet"))
    if np.any(1 - edu - neet < 0):
        raise k.fail(
            key,
            "after_completion_education + after_completion_neet must be <= 1",
            float((edu + neet).max()),
        )
    after = split_with_or(
        {"edu": edu, "neet": neet, "emp": 1 - edu - neet}, "neet", ors["neet_entry"]
    )
    higher = _edu_choice(k, ors)
    to_neet = apply_odds_ratio(_cell(k.prob(f"{key}.dropout_to_neet")), ors["neet_entry"])
    for attain in ("none", "grundskole"):
        c_or = 1.0 if attain == "grundskole" else k.odds(f"{key}.no_exam_completion_or")[0, 0]
        d_or = ors["dropout"] * (
            1.0 if attain == "grundskole" else k.odds(f"{key}.no_exam_dropout_or")[0, 0]
        )
        c, d = _completion_and_dropout(k, key, d_or, c_or)
        m.row(
            f"youth_edu|{attain}",
            {
                "higher_edu|youth_edu": c * after["edu"] * higher,
                "vocational|youth_edu": c * after["edu"] * (1 - higher),
                "employed|youth_edu": c * after["emp"],
                "neet|youth_edu": c * after["neet"],
                f"neet|{attain}": d * to_neet,
                f"employed|{attain}": d * (1 - to_neet),
            },
            stay=f"youth_edu|{attain}",
        )


def _vocational_rows(k: Knobs, m: _Matrix, ors: dict[str, np.ndarray]) -> None:
    key = "lifecourse.vocational"
    c, d = _completion_and_dropout(k, key, ors["dropout"])
    emp = k.prob(f"{key}.completion_to_employed")
    neet = k.prob(f"{key}.completion_to_neet")
    if np.any(emp + neet > 1 + _SHARE_TOL):
        raise k.fail(
            key,
            "completion_to_employed + completion_to_neet must be <= 1",
            float((emp + neet).max()),
        )
    after = split_with_or(
        {"emp": emp, "neet": neet, "edu": np.clip(1 - emp - neet, 0, 1)}, "neet", ors["neet_entry"]
    )
    to_neet = apply_odds_ratio(_cell(k.prob(f"{key}.dropout_to_neet")), ors["neet_entry"])
    m.row(
        "vocational|youth_edu",
        {
            "employed|vocational": c * after["emp"],
            "neet|vocational": c * after["neet"],
            "higher_edu|vocational": c * after["edu"],
            "neet|youth_edu": d * to_neet,
            "employed|youth_edu": d * (1 - to_neet),
        },
        stay="vocational|youth_edu",
    )


def _higher_edu_rows(k: Knobs, m: _Matrix, ors: dict[str, np.ndarray]) -> None:
    key = "lifecourse.higher_edu"
    c, d = _completion_and_dropout(k, key, ors["dropout"])
    to_neet_c = apply_odds_ratio(_cell(k.prob(f"{key}.completion_to_neet")), ors["neet_entry"])
    to_neet_d = apply_odds_ratio(_cell(k.prob(f"{key}.dropout_to_neet")), ors["neet_entry"])
    for attain in ("youth_edu", "vocational"):
        m.row(
            f"higher_edu|{attain}",
            {
                "employed|higher_edu": c * (1 - to_neet_c),
                "neet|higher_edu": c * to_neet_c,
                f"neet|{attain}": d * to_neet_d,
                f"employed|{attain}": d * (1 - to_neet_d),
            },
            stay=f"higher_edu|{attain}",
        )


def _education_targets(attain: str, higher: np.ndarray) -> dict[str, np.ndarray | float]:
    """Where a returner to education with ``attain`` goes, as shares of the return hazard."""
    if attain in ("none", "grundskole"):
        return {f"youth_edu|{attain}": 1.0}
    if attain == "youth_edu":
        return {"higher_edu|youth_edu": higher, "vocational|youth_edu": 1 - higher}
    if attain == "vocational":
        return {"higher_edu|vocational": 1.0}
    return {}  # nobody re-enters education after a completed higher education


def _adult_rows(k: Knobs, m: _Matrix, ors: dict[str, np.ndarray]) -> None:
    """Employed and NEET persons: NEET entry, NEET exit, and return to education."""
    key = "lifecourse.adult"
    period_or = _cell(k.odds(f"{key}.period_neet_entry_or"))
    ret = apply_odds_ratio(
        _cell(k.prob(f"{key}.education_return", ("age",))),
        _cell(k.odds(f"{key}.period_education_return_or")),
    )
    ret_emp = apply_odds_ratio(ret, _cell(k.odds(f"{key}.employed_return_or")))
    ret_neet = apply_odds_ratio(ret, ors["neet_exit"])
    higher = _edu_choice(k, ors)
    for attain in states.ATTAIN:
        entry = apply_odds_ratio(
            _cell(k.prob(f"{key}.neet_entry.{attain}")), ors["neet_entry"] * period_or
        )
        exit_ = apply_odds_ratio(
            _cell(k.prob(f"{key}.neet_exit_employed.{attain}")), ors["neet_exit"]
        )
        targets = _education_targets(attain, higher)
        r_emp = ret_emp if targets else 0.0
        r_neet = ret_neet if targets else 0.0
        # Education return first, then the NEET entry/exit hazard on the remainder.
        emp_row = {to: r_emp * s for to, s in targets.items()}
        emp_row[f"neet|{attain}"] = (1 - r_emp) * entry
        neet_row = {to: r_neet * s for to, s in targets.items()}
        neet_row[f"employed|{attain}"] = (1 - r_neet) * exit_
        m.row(f"employed|{attain}", emp_row, stay=f"employed|{attain}")
        m.row(f"neet|{attain}", neet_row, stay=f"neet|{attain}")


# --------------------------------------------------------------------------------------------
# Moves, parents, fritidsjob
# --------------------------------------------------------------------------------------------


def _by_menapt_rg(k: Knobs, key: str) -> np.ndarray:
    """A (menapt, parent_rg) table of shares from keys ``<menapt>_<rg>``."""
    return np.array([[k.prob(f"{key}.{m}_{rg}")[0, 0] for rg in (0, 1)] for m in states.MENAPT])


def build_move(k: Knobs) -> np.ndarray:
    """(age, menapt, parent_rg, area_from, area_to): a mover redraws the area from target shares.

    With P = (1 - rate) I + rate * 1 share', ``share`` is the stationary area distribution of
    each (menapt, parent_rg) group, so a cohort's area shares stay stable over ages.
    """
    rate = k.prob("move.rate", ("scalar", "age"))[0]  # (age,)
    sup = _by_menapt_rg(k, "move.supported_share")
    other = _by_menapt_rg(k, "move.other_public_share")
    if np.any(sup + other > 1):
        raise k.fail(
            "move", "supported_share + other_public_share must be <= 1", float((sup + other).max())
        )
    target = np.stack([sup, other, 1 - sup - other], axis=-1)  # (menapt, rg, area_to)
    r = rate[:, None, None, None, None]
    eye = np.eye(len(states.AREA))[None, None, None]
    return (1 - r) * eye + r * target[None, :, :, None, :]


def build_parent(k: Knobs) -> np.ndarray:
    """(period, area, menapt, parent_rg_from): P(parent_rg = 1).

    Persistence q = P(1 | 1) is a knob; the entry rate P(1 | 0) = s (1 - q) / (1 - s) makes the
    target share s stationary within an area.
    """
    q = k.prob("parent.persistence")[:, 0]  # (period,)
    s = np.stack(
        [
            np.stack([k.prob(f"parent.target_share.{a}_{m}")[:, 0] for m in states.MENAPT], axis=-1)
            for a in states.AREA
        ],
        axis=1,
    )  # (period, area, menapt)
    qq = q[:, None, None]
    entry = s * (1 - qq) / (1 - s)
    if np.any(s >= 1) or np.any(entry > 1):
        raise k.fail(
            "parent.target_share",
            "target share too high for the persistence (need s <= 1 / (2 - persistence))",
            float(s.max()),
        )
    return np.stack([entry, np.broadcast_to(qq, entry.shape)], axis=-1)


def build_fritidsjob(k: Knobs) -> np.ndarray:
    """(period, age, sex, menapt, area, fritidsjob_from): P(fritidsjob this year).

    Target prevalence = level(period, sex, area) x age profile (normalised to mean 1 over
    15-20) x MENAPT odds ratio; the entry rate is solved from the persistence so that a
    cohort in school follows the target prevalence exactly. Zero outside ages 13-20.
    """
    key = "fritidsjob"
    lo, hi = states.FRITIDSJOB_AGES
    w = k.prob(f"{key}.level.other_public_weight")[:, 0]
    lev = {}
    for sex in states.SEX:
        sup = k.prob(f"{key}.level.supported_{sex}")[:, 0]
        rest = k.prob(f"{key}.level.rest_{sex}")[:, 0]
        lev[sex] = np.stack([sup, w * sup + (1 - w) * rest, rest], axis=-1)  # (period, area)
    level = np.stack([lev[s] for s in states.SEX], axis=1)  # (period, sex, area)
    profile = k.value(f"{key}.age_profile", ("age",))[0]
    if np.any(profile < 0):
        raise k.fail(f"{key}.age_profile.value", "must be >= 0", float(profile.min()))
    profile = profile / profile[15 : hi + 1].mean()
    ages = AGES
    in_ages = (ages >= lo) & (ages <= hi)
    # prevalence over (period, age, sex, menapt, area)
    prev = np.clip(level[:, None, :, None, :] * profile[None, :, None, None, None], 0.0, 0.99)
    menapt_or = k.odds(f"{key}.menapt_or")[:, 0].reshape(-1, 1, 1, 1, 1)
    is_menapt = (np.array(states.MENAPT) == "menapt").reshape(1, 1, 1, 2, 1)
    prev = apply_odds_ratio(prev, np.where(is_menapt, menapt_or, 1.0))
    prev = np.where(in_ages[None, :, None, None, None], prev, 0.0)
    q = k.prob(f"{key}.persistence")[:, 0].reshape(-1, 1, 1, 1, 1)
    before = np.concatenate([np.zeros_like(prev[:, :1]), prev[:, :-1]], axis=1)
    entry = np.clip((prev - before * q) / (1 - before), 0.0, 1.0)
    keep = np.broadcast_to(q, prev.shape)
    out = np.stack([entry, keep], axis=-1)
    return np.where(in_ages[None, :, None, None, None, None], out, 0.0)


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------


def _label(arr: np.ndarray, names: tuple[str, ...], periods: tuple[Period, ...]) -> xr.DataArray:
    return xr.DataArray(arr, dims=names, coords=labels(names, periods))
