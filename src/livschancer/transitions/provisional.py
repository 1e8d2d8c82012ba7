"""The provisional default parameter set: every probability array built from a small file of knobs.

``data/provisional.yaml`` holds hazards, shares and odds ratios read off the published figures
(domain.md), each with its source. :func:`load_provisional` checks the file, builds all the
labelled arrays of :class:`ModelParameters` from it and validates them.

How the knobs become probabilities (ages are the ages reached in the year of the transition):

- **Covariates.** The odds ratios of a family of transitions (``lifecourse.odds_ratios.<family>``:
  NEET entry, NEET exit, dropout, completion, entry to each education, return to education) combine
  multiplicatively over origin, MENAPT and sex, relative to the reference cell (area rest, not a
  member, origin not_restgruppe, non_menapt, m). The supported-area gap ``G`` of a family (its
  ``supported`` odds ratio, times ``supported_x_restgruppe`` for restgruppe origin and
  ``supported_x_menapt`` for MENAPT) is split between where the person grew up and where they
  live: a member gets ``G ** w`` and residence in a supported area ``G ** (1 - w)``, with
  ``w = lifecourse.covariates.member_weight``; residence in other public housing gets
  ``G ** ((1 - w) * other_public_weight)``. A member living in a supported area has the full gap.
- **Rows.** A row of the life-course matrix is a set of competing hazards (completion, dropout,
  exit, NEET entry, return to education); each hazard's destinations are a split of shares that
  sum to 1 (``after_completion``, ``after_dropout``, ...), and an odds ratio on one destination
  (``p1 = OR p / (1 - p + OR p)``) rescales the others proportionally. Whatever the hazards leave
  over stays in the current state.
- **Periods.** A knob is a number, a mapping over all periods, or a step schedule over ages.
  Period trends enter through period mappings of shares and through ``*_period_or`` knobs on the
  age-scheduled hazards.
- **Flags.** Poverty and the parent's restgruppe status are two-state chains whose entry rate is
  solved from a persistence so that the target share is stationary; parental psychiatric
  treatment is an absorbing flag with a yearly first-treatment hazard; a suspicion or charge is
  a yearly event whose first-time rate is solved, age by age, so that the yearly share hits the
  printed rate given the raised odds after an earlier event. Where a printed share is an
  average over sub-groups (origin, MENAPT, sex), the reference odds are solved so that the
  mixture with the sub-groups' odds ratios reproduces it (:func:`solve_base`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
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
N_STATE = states.N_STATE
_SHARE_TOL = 1e-6
#: The C-accelerated safe YAML loader where PyYAML was built with libyaml.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A source is "assumption" or a domain.md citation: a section number, then the seed file(s) and
#: lines in parentheses (several such groups separated by "; "), then optionally ": <what>".
_LINES = r"\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*"
_REF = rf"\d{{3}}_[0-9a-f]{{16}}\.txt, {_LINES}"
_GROUP = rf"\d+(?:\.\d+)* \({_REF}(?:; (?:{_REF}|{_LINES}))*\)"
SOURCE_RE = re.compile(rf"^domain\.md {_GROUP}(?:; {_GROUP})*(?:: .+)?$")

# Indicator arrays over the life-course cell (period, age, sex, menapt, area, member, origin).
_CELL_NDIM = 7


def _axis(values: tuple[str, ...], label: str, axis: int) -> np.ndarray:
    shape = [1] * _CELL_NDIM
    shape[axis] = len(values)
    return (np.array(values) == label).reshape(shape)


_FEMALE = _axis(states.SEX, "f", 2)
_MENAPT = _axis(states.MENAPT, "menapt", 3)
_SUPPORTED = _axis(states.AREA, "supported", 4)
_OTHER_PUBLIC = _axis(states.AREA, "other_public", 4)
_MEMBER = _axis(states.MEMBER, "member", 5)
_RESTGRUPPE = _axis(states.ORIGIN, "restgruppe", 6)
_AGE = AGES.reshape(1, N_AGE, 1, 1, 1, 1, 1)


def _between(lo: int, hi: int) -> np.ndarray:
    """Boolean over ages 0-29: True at ages lo..hi."""
    return np.array([lo <= a <= hi for a in states.AGES])


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of the bytes of ``path``."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def default_path() -> Path:
    """The shipped knob file ``provisional.yaml``."""
    return Path(str(resources.files("livschancer.data").joinpath("provisional.yaml")))


def shipped_path() -> Path:
    """The shipped default parameter set: ``calibrated.yaml`` (the fitted shifts on the knobs
    of ``provisional.yaml``), or ``provisional.yaml`` where no calibrated set is shipped."""
    cal = Path(str(resources.files("livschancer.data").joinpath("calibrated.yaml")))
    return cal if cal.is_file() else default_path()


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_bytes(), Loader=_LOADER)
    except yaml.YAMLError as err:
        raise ParameterError(path.name, "the file must be valid YAML", str(err)) from None


def load_provisional(path: str | Path | None = None) -> ModelParameters:
    """Read, check and build the provisional knob file (default: the shipped one).

    Raises
    ------
    ParameterError
        Naming the file and the key path of a missing key, a wrong type, a probability outside
        [0, 1], an odds ratio <= 0, a missing source, or shares that do not sum to 1.
    """
    path = default_path() if path is None else Path(path)
    return build_parameters(_read_yaml(path), path)


def load_parameters(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    shifts: Mapping[str, float] | None = None,
) -> ModelParameters:
    """The parameter set of a knob file (``status: provisional``) or of a calibrated set
    (``status: calibrated``: a ``base`` knob file plus fitted ``shifts``); default: the shipped
    set (:func:`shipped_path`). ``overrides`` and ``shifts`` change knobs in memory (see
    :func:`build_parameters`); a calibrated set's own shifts come first, ``shifts`` add to them.
    A ``.nc`` file is a stored set (an estimated one, ``transitions/store.py``): it has no
    knobs, so it takes neither ``overrides`` nor ``shifts``.
    """
    path = shipped_path() if path is None else Path(path)
    if path.suffix == ".nc":
        if overrides or shifts:
            raise ParameterError(path.name, "a stored (.nc) set has no knobs to change", None)
        from livschancer.transitions.store import open_parameters

        return open_parameters(path)
    key = _stamp(path)
    plain = not overrides and not shifts and key is not None
    if plain and key in _BUILT:
        params, base_key = _BUILT[key]
        if base_key is None or _stamp(Path(base_key[0])) == base_key:
            return replace(params, provenance=dict(params.provenance))
    doc = _read_yaml(path)
    if isinstance(doc, dict) and doc.get("status") == "calibrated":
        params = _load_calibrated(doc, path, overrides, shifts)
        base_key = _stamp(Path(params.provenance["base_file"]))
    else:
        params = build_parameters(doc, path, overrides=overrides, shifts=shifts)
        base_key = None
    if plain:
        # a process that runs many jobs (a sweep's worker) builds each file once; the key
        # holds the file's (and a calibrated set's base file's) modification time and size
        _BUILT.clear()
        _BUILT[key] = (params, base_key)
        return replace(params, provenance=dict(params.provenance))
    return params


_BUILT: dict[tuple, tuple[ModelParameters, tuple | None]] = {}


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None  # reading it says what is wrong
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def _load_calibrated(
    doc: dict, path: Path, overrides: Mapping[str, Any] | None, shifts: Mapping[str, float] | None
) -> ModelParameters:
    for key in ("base", "shifts", "calibration"):
        if key not in doc:
            raise ParameterError(f"{path.name}:{key}", "a calibrated set needs this key", None)
    base = (path.parent / str(doc["base"])).resolve()
    if not base.is_file():  # a calibration written elsewhere names the shipped knob file
        base = default_path().parent / str(doc["base"])
    if not base.is_file():
        raise ParameterError(f"{path.name}:base", "must name an existing knob file", doc["base"])
    fitted = doc["shifts"]
    if not isinstance(fitted, dict) or not all(_is_number(v) for v in fitted.values()):
        raise ParameterError(f"{path.name}:shifts", "must map knob paths to numbers", fitted)
    total = {k: float(v) for k, v in fitted.items()}
    for k, v in (shifts or {}).items():
        total[k] = total.get(k, 0.0) + float(v)
    rec = doc["calibration"] if isinstance(doc["calibration"], dict) else {}
    want = rec.get("base_sha256")
    if want and want != file_sha256(base):
        raise ParameterError(
            f"{path.name}:calibration.base_sha256",
            f"the knob file {base.name} changed after the calibration; rerun "
            "`livschancer calibrate`",
            want[:12],
        )
    note = (
        f"Calibrated to {rec.get('targets_file', 'the published figures')} "
        f"(median |error| {rec.get('median_abs_pp', '?')} pp, "
        f"{rec.get('within_3pp', '?')} within 3 pp; record {path.name})."
    )
    params = build_parameters(_read_yaml(base), base, overrides=overrides, shifts=total)
    params.provenance.update(
        file=str(path),
        sha256=file_sha256(path),
        status="calibrated",
        note=note,
        base_file=str(base),
        base_sha256=file_sha256(base),
    )
    return params


def build_parameters(
    doc: Any,
    path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    shifts: Mapping[str, float] | None = None,
) -> ModelParameters:
    """Build and validate the labelled parameter set from a parsed knob file ``doc``.

    Parameters
    ----------
    doc, path
        The parsed YAML and the file it came from (named in errors and the provenance).
    overrides
        ``{"lifecourse.exam.late_pass": 0.5, ...}``: knob values replacing the file's (any
        value form of the file header).
    shifts
        ``{"lifecourse.exam.late_pass": 0.2, ...}``: additive shifts of a knob on its natural
        scale, the log-odds for probabilities, the log for odds ratios and positive numbers,
        applied to every period and age of the knob (0 and 1 stay 0 and 1). Calibration's free
        parameters are such shifts. A shift of a knob that the builder never reads, or of a
        share of a split (whose parts must sum to 1), is an error.
    """
    path = Path(path)
    if overrides:
        doc = _with_overrides(doc, overrides, path.name)
    knobs = Knobs(doc, path.name, shifts=shifts)
    p = knobs.periods
    params = ModelParameters(
        lifecourse=_label(build_lifecourse(knobs), dims.LIFECOURSE_PROBS, p),
        move=_label(build_move(knobs), dims.MOVE_PROBS, p),
        parent=_label(build_parent(knobs), dims.PARENT_PROBS, p),
        job=_label(build_job(knobs), dims.JOB_PROBS, p),
        poverty=_label(build_poverty(knobs), dims.POVERTY_PROBS, p),
        parent_psych=_label(build_parent_psych(knobs), dims.PSYCH_PROBS, p),
        crime=_label(build_crime(knobs), dims.CRIME_PROBS, p),
        risk_or=_label(build_risk_or(knobs), dims.RISK_OR, p),
        periods=p,
        provenance={
            "file": str(path),
            "sha256": file_sha256(path) if path.is_file() else "",
            "status": "provisional",
            "note": NOTE,
        },
    )
    unused = sorted(set(knobs.shifts) - knobs.shifted)
    if unused:
        raise ParameterError(
            f"{path.name}:shifts", "shifts of knobs the builder never reads", unused[:5]
        )
    return params.validate(where=path.name)


def _with_overrides(doc: Any, overrides: Mapping[str, Any], file: str) -> Any:
    import copy

    doc = copy.deepcopy(doc)
    for key, value in overrides.items():
        cur = doc
        parts = key.split(".")
        for i, part in enumerate(parts):
            if not isinstance(cur, dict) or part not in cur:
                raise ParameterError(
                    f"{file}:{key}",
                    "override of a knob that does not exist",
                    ".".join(parts[: i + 1]),
                )
            cur = cur[part]
        if not (isinstance(cur, dict) and "value" in cur):
            raise ParameterError(
                f"{file}:{key}", "an override must name a knob (with a value)", value
            )
        cur["value"] = value
    return doc


# --------------------------------------------------------------------------------------------
# Reading knobs
# --------------------------------------------------------------------------------------------


class Knobs:
    """The parsed YAML with checked accessors; every error names ``<file>:<key.path>``."""

    def __init__(self, doc: Any, file: str, shifts: Mapping[str, float] | None = None) -> None:
        self.file = file
        #: additive shifts by knob path (see :func:`build_parameters`) and those applied so far
        self.shifts = {k: float(v) for k, v in (shifts or {}).items()}
        self.shifted: set[str] = set()
        if not isinstance(doc, dict):
            raise ParameterError(file, "the file must hold a YAML mapping", type(doc).__name__)
        self.doc = doc
        if self.node("status") != "provisional":
            raise ParameterError(self._f("status"), "must be 'provisional'", doc["status"])
        if not isinstance(self.node("description"), str):
            raise ParameterError(self._f("description"), "must be a string", doc["description"])
        self._check_sources(doc, "")
        self.periods = self._periods()
        self.names = [p.name for p in self.periods]

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
        """Every knob (a mapping with ``value``) needs a source: 'assumption' or a domain.md
        citation naming the section, the seed file and the lines."""
        if not isinstance(node, dict):
            return
        if "value" in node:
            src = node.get("source")
            if not (isinstance(src, str) and (src == "assumption" or SOURCE_RE.match(src))):
                raise ParameterError(
                    self._f(f"{key}.source"),
                    "every value needs a source: 'assumption' or 'domain.md <section> "
                    "(<seed file>, <lines>): ...'",
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
        names = self.names
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
        """A probability or share knob, checked to lie in [0, 1]; a shift moves its log-odds."""
        arr = self.value(key, forms)
        bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
        if np.any(bad):
            raise ParameterError(
                self._f(f"{key}.value"), "a probability must lie in [0, 1]", _bad(arr, bad)
            )
        delta = self._delta(key)
        if delta is not None:
            inner = (arr > 0) & (arr < 1)
            safe = np.where(inner, arr, 0.5)
            moved = 1.0 / (1.0 + np.exp(-(np.log(safe / (1 - safe)) + delta)))
            arr = np.where(inner & (delta != 0.0), moved, arr)  # other periods keep their bits
        return arr

    def _delta(self, key: str) -> np.ndarray | None:
        """The shift of knob ``key`` by period, a (period, 1) column: ``shifts[key]`` plus
        ``shifts[key@<period>]`` for that period only; None where every shift is 0."""
        delta = np.zeros((len(self.names), 1))
        for name, value in self.shifts.items():
            base, _, period = name.partition("@")
            if base != key:
                continue
            self.shifted.add(name)
            if period:
                if period not in self.names:
                    raise ParameterError(
                        self._f(name), f"a period shift must name one of {self.names}", period
                    )
                delta[self.names.index(period)] += value
            else:
                delta += value
        return delta if np.any(delta != 0.0) else None

    def _log_shift(self, key: str, arr: np.ndarray) -> np.ndarray:
        delta = self._delta(key)
        return arr if delta is None else arr * np.exp(delta)

    def odds(self, key: str, forms: tuple[str, ...] = ("scalar", "period")) -> np.ndarray:
        """An odds-ratio knob, checked to be finite and > 0."""
        arr = self.value(key, forms)
        bad = ~np.isfinite(arr) | (arr <= 0)
        if np.any(bad):
            raise ParameterError(
                self._f(f"{key}.value"), "an odds ratio must be finite and > 0", _bad(arr, bad)
            )
        return self._log_shift(key, arr)

    def positive(self, key: str, forms: tuple[str, ...] = ("scalar", "period")) -> np.ndarray:
        """A positive number that is neither a probability nor an odds ratio (a ratio of rates)."""
        arr = self.value(key, forms)
        bad = ~np.isfinite(arr) | (arr <= 0)
        if np.any(bad):
            raise ParameterError(self._f(f"{key}.value"), "must be > 0", _bad(arr, bad))
        return self._log_shift(key, arr)

    def weights(self, key: str, forms: tuple[str, ...] = ("age",)) -> np.ndarray:
        """A relative level (an age profile): finite and >= 0."""
        arr = self.value(key, forms)
        bad = ~np.isfinite(arr) | (arr < 0)
        if np.any(bad):
            raise ParameterError(self._f(f"{key}.value"), "must be >= 0", _bad(arr, bad))
        return self._log_shift(key, arr)

    def shares(self, key: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """The shares ``key.<name>`` of a destination split; they must sum to 1. A shift of one
        share moves its log-odds and rescales the others of the split proportionally."""
        # read the shares unshifted; a shifted share moves below, keeping the sum
        plain = {**self.shifts}
        self.shifts = {k: v for k, v in plain.items() if not k.startswith(f"{key}.")}
        try:
            out = {n: self.prob(f"{key}.{n}") for n in names}
        finally:
            self.shifts = plain
        extra = sorted(set(self.node(key)) - set(names))
        if extra:
            raise ParameterError(self._f(key), f"unknown shares (expected {list(names)})", extra)
        total = sum(out.values())
        if np.any(np.abs(total - 1) > _SHARE_TOL):
            raise ParameterError(
                self._f(key), f"shares {list(names)} must sum to 1", _bad(total, total != 1)
            )
        for n in names:
            delta = self._delta(f"{key}.{n}")
            if delta is None:
                continue
            old = out[n]
            inner = (old > 0) & (old < 1)
            safe = np.where(inner, old, 0.5)
            new = np.where(inner, 1.0 / (1.0 + np.exp(-(np.log(safe / (1 - safe)) + delta))), old)
            rest = np.where(inner, (1 - new) / (1 - safe), 1.0)
            out = {m: (new if m == n else v * rest) for m, v in out.items()}
        return out

    def fail(self, key: str, rule: str, value: object) -> ParameterError:
        return ParameterError(self._f(key), rule, value)


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _bad(arr: np.ndarray, mask: np.ndarray | None = None) -> float:
    """An example offending value for an error message."""
    arr = np.asarray(arr, dtype=float)
    if mask is not None and np.any(mask):
        return float(arr[np.broadcast_to(mask, arr.shape)].flat[0])
    return float(arr.flat[0])


def solve_base(
    target: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray]], iters: int = 60
) -> np.ndarray:
    """The reference probability ``b`` with ``sum_k w_k * OR(b, or_k) = target``.

    ``parts`` lists (weight, odds ratio) pairs whose weights sum to 1 (arrays broadcasting
    against ``target``). The mixture is increasing in ``b``, so bisection finds it.
    """
    lo = np.zeros(np.broadcast_shapes(target.shape, *(np.shape(w) for w, _ in parts)))
    hi = np.ones_like(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        mix = sum(w * apply_odds_ratio(mid, o) for w, o in parts)
        up = mix < target
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------------------------
# The life-course cell (period, age, sex, menapt, area, member, origin)
# --------------------------------------------------------------------------------------------


def _cell(arr: np.ndarray) -> np.ndarray:
    """A (period, age) knob array reshaped to broadcast over the life-course cell."""
    return arr.reshape(arr.shape[0], N_AGE, *([1] * (_CELL_NDIM - 2)))


class Cell:
    """Knob accessors that return arrays over the life-course cell (fully broadcast)."""

    def __init__(self, k: Knobs) -> None:
        self.k = k
        self.shape = (len(k.periods), N_AGE, 2, 2, 3, 2, 2)
        key = "lifecourse.covariates"
        w = _cell(k.prob(f"{key}.member_weight"))
        op = _cell(k.prob(f"{key}.other_public_weight"))
        #: Exponent of the supported-area gap G in each cell (0 in the reference cell).
        self.gap_exponent = self.full(
            np.where(_MEMBER, w, 0.0)
            + np.where(_SUPPORTED, 1.0 - w, 0.0)
            + np.where(_OTHER_PUBLIC, (1.0 - w) * op, 0.0)
        )
        self._family: dict[str, np.ndarray] = {}

    def full(self, arr: np.ndarray | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(arr, dtype=float), self.shape).copy()

    def prob(self, key: str, forms: tuple[str, ...] = ("scalar", "period")) -> np.ndarray:
        return self.full(_cell(self.k.prob(key, forms)))

    def odds(self, key: str, forms: tuple[str, ...] = ("scalar", "period")) -> np.ndarray:
        return self.full(_cell(self.k.odds(key, forms)))

    def shares(self, key: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        return {n: self.full(_cell(v)) for n, v in self.k.shares(key, names).items()}

    def family(self, name: str) -> np.ndarray:
        """Combined covariate odds ratio of the transition family ``name`` in every cell."""
        if name not in self._family:
            key = f"lifecourse.odds_ratios.{name}"

            o = {n: _cell(self.k.odds(f"{key}.{n}")) for n in FAMILY_ORS}
            gap = (
                o["supported"]
                * np.where(_RESTGRUPPE, o["supported_x_restgruppe"], 1.0)
                * np.where(_MENAPT, o["supported_x_menapt"], 1.0)
            )
            self._family[name] = self.full(
                gap**self.gap_exponent
                * np.where(_RESTGRUPPE, o["restgruppe"], 1.0)
                * np.where(_MENAPT, o["menapt"], 1.0)
                * np.where(_FEMALE, o["female"], 1.0)
            )
        return self._family[name]


#: Transition families whose covariate odds ratios the file gives, and the odds ratios of each.
FAMILIES: tuple[str, ...] = (
    "neet_entry",
    "neet_exit",
    "dropout",
    "completion",
    "youth_edu_entry",
    "vocational_entry",
    "higher_edu_entry",
    "education_return",
)
FAMILY_ORS: tuple[str, ...] = (
    "restgruppe",
    "supported",
    "supported_x_restgruppe",
    "supported_x_menapt",
    "menapt",
    "female",
)
#: The family whose odds ratio acts on a destination of a split, by destination name.
DESTINATION_FAMILY: dict[str, str] = {
    "neet": "neet_entry",
    "youth_edu": "youth_edu_entry",
    "vocational": "vocational_entry",
    "higher_edu": "higher_edu_entry",
}


def adjust(
    shares: Mapping[str, np.ndarray], ors: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Shares with the odds of each ``ors`` destination multiplied by its odds ratio (in the
    order given), the other destinations rescaled so the split still sums to 1."""
    out = dict(shares)
    for name, orv in ors.items():
        p = out[name]
        p1 = apply_odds_ratio(p, orv)
        rest = 1.0 - p
        scale = np.divide(1.0 - p1, rest, out=np.zeros_like(p1), where=rest > 0)
        out = {n: (p1 if n == name else v * scale) for n, v in out.items()}
    return out


def split(c: Cell, shares: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A destination split with the covariate odds ratios of its destinations applied."""
    return adjust(shares, {n: c.family(f) for n, f in DESTINATION_FAMILY.items() if n in shares})


def drop(shares: Mapping[str, np.ndarray], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The split without ``names``, renormalised (destinations a state cannot reach)."""
    kept = {n: v for n, v in shares.items() if n not in names}
    total = sum(kept.values())
    return {n: np.divide(v, total, out=np.zeros_like(v), where=total > 0) for n, v in kept.items()}


class _Matrix:
    """The life-course array (period, age, sex, menapt, area, member, origin, from, to)."""

    def __init__(self, c: Cell) -> None:
        self.shape = c.shape
        self.t = np.zeros((*self.shape, N_STATE, N_STATE))
        self.k = c.k

    def row(self, frm: str, branches: Mapping[str, np.ndarray | float], stay: str) -> None:
        """Fill row ``frm`` with ``branches`` (destination -> probability); the rest stays."""
        i = states.parse_state(frm)
        total = np.zeros(self.shape)
        for to, p in branches.items():
            p = np.broadcast_to(p, self.shape)
            self.t[..., i, states.parse_state(to)] += p
            total = total + p
        if np.any(total > 1 + 1e-9):
            raise self.k.fail(
                "lifecourse",
                f"hazards out of {frm!r} sum to more than 1 (lower a completion or dropout "
                "hazard, or an odds ratio)",
                float(total.max()),
            )
        self.t[..., i, states.parse_state(stay)] += np.clip(1.0 - total, 0.0, 1.0)


def _route(
    out: dict[str, np.ndarray], hazard: np.ndarray, dest: Mapping[str, np.ndarray], to: Mapping
) -> None:
    """Add ``hazard * dest[name]`` to the branch ``to[name]`` for every destination."""
    for name, share in dest.items():
        label = to[name]
        out[label] = out.get(label, 0.0) + hazard * share


# --------------------------------------------------------------------------------------------
# Life course
# --------------------------------------------------------------------------------------------


def build_lifecourse(k: Knobs) -> np.ndarray:
    """The life-course array; rows at age 0 are the identity (unused)."""
    c = Cell(k)
    for fam in FAMILIES:
        c.family(fam)  # check every family's knobs, even where a family acts on nothing
    m = _Matrix(c)
    _preschool_rows(c, m)
    _school_rows(c, m)
    _youth_edu_rows(c, m)
    _vocational_rows(c, m)
    _other_edu_rows(c, m)
    _higher_edu_rows(c, m)
    _adult_rows(c, m)
    m.t[:, 0] = np.eye(N_STATE)
    return m.t


def _preschool_rows(c: Cell, m: _Matrix) -> None:
    entry = c.prob("lifecourse.school_entry", ("age",))
    m.row("preschool|none", {"school|none": entry}, stay="preschool|none")


def exam_pass(c: Cell) -> np.ndarray:
    """P(pass the exit exam at 16) in every cell: the printed rates by area and origin (the
    supported-area gap split between member and residence like the families' gaps), sex
    (centred: the odds ratio girls/boys is applied as its square root both ways) and MENAPT."""
    key = "lifecourse.exam"
    pop = np.where(
        _RESTGRUPPE,
        c.prob(f"{key}.pass_population_restgruppe"),
        c.prob(f"{key}.pass_population_not_restgruppe"),
    )
    sup = np.where(
        _RESTGRUPPE,
        c.prob(f"{key}.pass_supported_restgruppe"),
        c.prob(f"{key}.pass_supported_not_restgruppe"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = (sup / (1 - sup)) / (pop / (1 - pop))
    if not np.all(np.isfinite(gap) & (gap > 0)):
        raise c.k.fail(key, "pass rates must lie strictly between 0 and 1", float(gap.min()))
    sex = c.odds(f"{key}.female_or") ** np.where(_FEMALE, 0.5, -0.5)
    menapt = np.where(_MENAPT, c.odds(f"{key}.menapt_or"), 1.0)
    return apply_odds_ratio(pop, gap**c.gap_exponent * sex * menapt)


def _school_rows(c: Cell, m: _Matrix) -> None:
    """Grundskole, the exit exam at 16, late passes and leaving at 17+; the 10th grade."""
    lc = "lifecourse"
    at16, late = _AGE == EXAM_AGE, _AGE > EXAM_AGE
    p16 = exam_pass(c)
    p_late = c.prob(f"{lc}.exam.late_pass")
    edu = ("youth_edu", "vocational", "other_edu", "employed", "neet")
    after = split(c, c.shares(f"{lc}.after_exam", ("tenth_grade", *edu)))
    no_exam = split(c, c.shares(f"{lc}.no_exam", ("stay_school", *edu)))
    leave = split(c, c.shares(f"{lc}.school_leave", edu))
    tenth_leave = split(c, c.shares(f"{lc}.tenth_grade_leave", edu))
    passed = {"tenth_grade": "school|grundskole", **{a: f"{a}|grundskole" for a in edu}}
    failed = {"stay_school": "school|none", **{a: f"{a}|none" for a in edu}}
    row: dict[str, np.ndarray] = {}
    _route(row, np.where(at16, p16, 0.0), after, passed)
    _route(row, np.where(at16, 1 - p16, 0.0), no_exam, failed)
    # at 17+ nobody stays in grundskole: late passers go on as 10th graders leave, the rest leave
    _route(row, np.where(late, p_late, 0.0), tenth_leave, passed)
    _route(row, np.where(late, 1 - p_late, 0.0), leave, failed)
    m.row("school|none", row, stay="school|none")
    tenth: dict[str, np.ndarray] = {}
    _route(tenth, np.where(late, 1.0, 0.0), tenth_leave, passed)
    m.row("school|grundskole", tenth, stay="school|grundskole")


def _hazards(
    c: Cell, key: str, dropout_or: np.ndarray, completion_weight: float | np.ndarray = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Completion and dropout hazards of a level: age schedules with the covariate odds ratios
    of the completion and dropout families and the period odds ratio of dropout."""
    comp = apply_odds_ratio(
        c.prob(f"{key}.completion", ("scalar", "age")), c.family("completion") ** completion_weight
    )
    drop_ = c.prob(f"{key}.dropout", ("scalar", "age"))
    period = c.odds(f"{key}.dropout_period_or")
    return comp, apply_odds_ratio(drop_, dropout_or * period)


def _dropout_split(c: Cell, key: str) -> dict[str, np.ndarray]:
    """After dropping out: new education, employment or NEET (NEET with its odds ratios)."""
    s = c.shares(f"{key}.after_dropout", ("new_education", "employed", "neet"))
    return adjust(s, {"neet": c.family("neet_entry")})


def _youth_edu_rows(c: Cell, m: _Matrix) -> None:
    key = "lifecourse.youth_edu"
    comp, drop_ = _hazards(c, key, c.family("dropout"))
    after = split(
        c,
        c.shares(
            f"{key}.after_completion", ("higher_edu", "vocational", "other_edu", "employed", "neet")
        ),
    )
    out = _dropout_split(c, key)
    to_voc = apply_odds_ratio(c.prob(f"{key}.switch_to_vocational"), c.family("vocational_entry"))
    for attain in ("none", "grundskole"):
        if attain == "none":
            cc = apply_odds_ratio(comp, c.odds(f"{key}.no_exam_completion_or"))
            dd = apply_odds_ratio(drop_, c.odds(f"{key}.no_exam_dropout_or"))
        else:
            cc, dd = comp, drop_
        row: dict[str, np.ndarray] = {}
        _route(row, cc, after, {a: f"{a}|youth_edu" for a in after})
        dest = {
            "vocational": out["new_education"] * to_voc,
            "other_edu": out["new_education"] * (1 - to_voc),
            "employed": out["employed"],
            "neet": out["neet"],
        }
        _route(row, dd, dest, {a: f"{a}|{attain}" for a in dest})
        m.row(f"youth_edu|{attain}", row, stay=f"youth_edu|{attain}")


def _vocational_rows(c: Cell, m: _Matrix) -> None:
    key = "lifecourse.vocational"
    comp, drop_ = _hazards(c, key, c.family("dropout"))
    after = split(
        c, c.shares(f"{key}.after_completion", ("higher_edu", "other_edu", "employed", "neet"))
    )
    out = _dropout_split(c, key)
    switch = c.prob(f"{key}.switch_to_youth_edu")
    for attain in ("none", "grundskole", "youth_edu"):
        cc = comp
        if attain == "youth_edu":
            cc = apply_odds_ratio(comp, c.odds(f"{key}.youth_edu_completion_or"))
            # a gymnasial graduate who leaves vocational training switches to higher education
            to_next = apply_odds_ratio(switch, c.family("higher_edu_entry"))
            nxt = "higher_edu"
        else:
            to_next = apply_odds_ratio(switch, c.family("youth_edu_entry"))
            nxt = "youth_edu"
        row: dict[str, np.ndarray] = {}
        _route(row, cc, after, {a: f"{a}|vocational" for a in after})
        dest = {
            nxt: out["new_education"] * to_next,
            "other_edu": out["new_education"] * (1 - to_next),
            "employed": out["employed"],
            "neet": out["neet"],
        }
        _route(row, drop_, dest, {a: f"{a}|{attain}" for a in dest})
        m.row(f"vocational|{attain}", row, stay=f"vocational|{attain}")


def _other_edu_rows(c: Cell, m: _Matrix) -> None:
    key = "lifecourse.other_edu"
    exit_ = c.prob(f"{key}.exit", ("scalar", "age"))
    low = split(c, c.shares(f"{key}.to_low", ("youth_edu", "vocational", "employed", "neet")))
    qual = c.shares(f"{key}.to_qualified", ("higher_edu", "vocational", "employed", "neet"))
    for attain in states.ATTAIN:
        if attain in ("none", "grundskole"):
            dest = low
            to = {a: f"{a}|{attain}" for a in dest}
        else:
            gone = ("vocational",) if attain in ("vocational", "higher_edu") else ()
            dest = split(c, drop(qual, gone))
            to = {a: f"{a}|{attain}" for a in dest}
        row: dict[str, np.ndarray] = {}
        _route(row, exit_, dest, to)
        m.row(f"other_edu|{attain}", row, stay=f"other_edu|{attain}")


def _higher_edu_rows(c: Cell, m: _Matrix) -> None:
    key = "lifecourse.higher_edu"
    comp, drop_ = _hazards(
        c, key, c.family("dropout"), c.prob(f"{key}.completion_covariate_weight")
    )
    after = c.shares(f"{key}.after_completion", ("further", "employed", "neet"))
    after = adjust(after, {"further": c.family("higher_edu_entry"), "neet": c.family("neet_entry")})
    out = _dropout_split(c, key)
    to_voc = c.prob(f"{key}.switch_to_vocational")
    for attain in ("youth_edu", "vocational", "higher_edu"):
        row: dict[str, np.ndarray] = {}
        if attain == "higher_edu":
            # a further programme: completing or leaving it ends in employment or NEET
            done = drop(after, ("further",))
            _route(row, comp, done, {a: f"{a}|higher_edu" for a in done})
            dest = {
                "other_edu": out["new_education"],
                "employed": out["employed"],
                "neet": out["neet"],
            }
        else:
            _route(
                row,
                comp,
                after,
                {
                    "further": "higher_edu|higher_edu",
                    "employed": "employed|higher_edu",
                    "neet": "neet|higher_edu",
                },
            )
            v = to_voc if attain == "youth_edu" else np.zeros_like(to_voc)
            dest = {
                "vocational": out["new_education"] * v,
                "other_edu": out["new_education"] * (1 - v),
                "employed": out["employed"],
                "neet": out["neet"],
            }
            if attain == "vocational":
                dest.pop("vocational")
        _route(row, drop_, dest, {a: f"{a}|{attain}" for a in dest})
        m.row(f"higher_edu|{attain}", row, stay=f"higher_edu|{attain}")


def _adult_rows(c: Cell, m: _Matrix) -> None:
    """Employed and NEET persons: return to education, NEET entry and NEET exit."""
    key = "lifecourse.adult"
    base = apply_odds_ratio(
        c.prob(f"{key}.education_return", ("age",)),
        c.family("education_return") * c.odds(f"{key}.education_return_period_or"),
    )
    entry_or = c.family("neet_entry") * c.odds(f"{key}.neet_entry_period_or")
    exit_or = c.family("neet_exit") * c.odds(f"{key}.neet_exit_period_or")
    low = split(c, c.shares(f"{key}.return_to_low", ("youth_edu", "vocational", "other_edu")))
    qual = c.shares(f"{key}.return_to_qualified", ("higher_edu", "vocational", "other_edu"))
    for attain in states.ATTAIN:
        if attain in ("none", "grundskole"):
            dest = low
        else:
            gone = ("vocational",) if attain in ("vocational", "higher_edu") else ()
            dest = split(c, drop(qual, gone))
        to = {a: f"{a}|{attain}" for a in dest}
        ret = apply_odds_ratio(base, c.odds(f"{key}.return_or_by_attain.{attain}"))
        ret_emp = apply_odds_ratio(ret, c.odds(f"{key}.employed_return_or"))
        entry = apply_odds_ratio(c.prob(f"{key}.neet_entry.{attain}", ("scalar", "age")), entry_or)
        exit_ = apply_odds_ratio(c.prob(f"{key}.neet_exit.{attain}", ("scalar", "age")), exit_or)
        # return to education first, then NEET entry (or exit) on the remainder
        emp: dict[str, np.ndarray] = {}
        _route(emp, ret_emp, dest, to)
        emp[f"neet|{attain}"] = (1 - ret_emp) * entry
        neet: dict[str, np.ndarray] = {}
        _route(neet, ret, dest, to)
        neet[f"employed|{attain}"] = (1 - ret) * exit_
        m.row(f"employed|{attain}", emp, stay=f"employed|{attain}")
        m.row(f"neet|{attain}", neet, stay=f"neet|{attain}")


# --------------------------------------------------------------------------------------------
# Composition, moves, parents
# --------------------------------------------------------------------------------------------


def _by_area(k: Knobs, key: str, kind: Callable[..., np.ndarray] | None = None) -> np.ndarray:
    """A (period, area) array from keys ``<key>.<area>``."""
    get = kind or k.prob
    return np.stack([get(f"{key}.{a}")[:, 0] for a in states.AREA], axis=-1)


def _by_area_menapt(k: Knobs, key: str) -> np.ndarray:
    """A (period, area, menapt) array of probabilities from keys ``<key>.<area>_<menapt>``."""
    return np.stack(
        [
            np.stack([k.prob(f"{key}.{a}_{m}")[:, 0] for m in states.MENAPT], axis=-1)
            for a in states.AREA
        ],
        axis=1,
    )


def parent_share(k: Knobs) -> np.ndarray:
    """(period, area, menapt): target share of children with a restgruppe parent."""
    return _by_area_menapt(k, "parent.target_share")


def composition(k: Knobs) -> np.ndarray:
    """(period, area, menapt, parent_rg): the weights of the sub-groups of children in an area,
    used to solve reference odds from printed area averages."""
    mshare = _by_area(k, "composition.menapt_share")  # (period, area)
    w_m = np.stack([1 - mshare, mshare], axis=-1)  # (period, area, menapt)
    rg = parent_share(k)
    return np.stack([w_m * (1 - rg), w_m * rg], axis=-1)


def _by_menapt_rg(k: Knobs, key: str) -> np.ndarray:
    """A (menapt, parent_rg) table of shares from keys ``<key>.<menapt>_<rg>``."""
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


def _stationary_entry(share: np.ndarray, persistence: np.ndarray, k: Knobs, key: str) -> np.ndarray:
    """Entry rate e = s (1 - q) / (1 - s) that keeps share s stationary with persistence q."""
    with np.errstate(divide="ignore", invalid="ignore"):
        entry = share * (1 - persistence) / (1 - share)
    if np.any(~np.isfinite(entry) | (entry > 1)):
        bad = ~np.isfinite(entry) | (entry > 1)
        raise k.fail(
            key,
            "share too high for the persistence (need share <= 1 / (2 - persistence))",
            _bad(share, bad),
        )
    return entry


def build_parent(k: Knobs) -> np.ndarray:
    """(period, area, menapt, parent_rg_from): P(parent_rg = 1).

    Persistence q = P(1 | 1) is a knob; the entry rate P(1 | 0) = s (1 - q) / (1 - s) makes the
    target share s stationary within an area.
    """
    q = k.prob("parent.persistence")[:, 0, None, None]  # (period, 1, 1)
    s = parent_share(k)  # (period, area, menapt)
    entry = _stationary_entry(s, q, k, "parent.target_share")
    return np.stack([entry, np.broadcast_to(q, entry.shape)], axis=-1)


# --------------------------------------------------------------------------------------------
# Job while enrolled: the fritidsjob at 13-20 in school or youth education, the working student
# --------------------------------------------------------------------------------------------


def _area_levels(k: Knobs, key: str) -> np.ndarray:
    """(period, sex, area) prevalence from ``<key>.supported_<sex>``, ``population_<sex>`` and
    ``other_public_weight`` (other public housing in between)."""
    w = k.prob(f"{key}.other_public_weight")[:, 0]
    lev = []
    for sex in states.SEX:
        sup = k.prob(f"{key}.supported_{sex}")[:, 0]
        pop = k.prob(f"{key}.population_{sex}")[:, 0]
        lev.append(np.stack([sup, w * sup + (1 - w) * pop, pop], axis=-1))
    return np.stack(lev, axis=1)


def _fritidsjob(k: Knobs) -> np.ndarray:
    """(period, age, sex, menapt, area, job_from) for a pupil in school or youth education.

    Target prevalence = level(period, sex, area) x age profile (normalised to mean 1 over
    15-20) x MENAPT odds ratio; the entry rate is solved from the persistence so that a
    cohort in school follows the target prevalence exactly. Zero outside ages 13-20.
    """
    key = "job.fritidsjob"
    lo, hi = states.FRITIDSJOB_AGES
    level = _area_levels(k, f"{key}.level")  # (period, sex, area)
    profile = k.weights(f"{key}.age_profile")[0]
    profile = profile / profile[15 : hi + 1].mean()
    in_ages = _between(lo, hi)
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


def _working_student(k: Knobs) -> np.ndarray:
    """(period, age, sex, menapt, area, activity, job_from): a student with a job (seed 000's
    wage-hour rule), stationary at the target share in each activity."""
    key = "job.working_student"
    share = k.prob(f"{key}.share")[:, 0]  # (period,) supported-area students
    area_or = np.stack(
        [
            np.ones_like(share),
            k.odds(f"{key}.other_public_or")[:, 0],
            k.odds(f"{key}.population_or")[:, 0],
        ],
        axis=-1,
    )  # (period, area)
    profile = k.odds(f"{key}.age_or", ("age",))[0]  # (age,)
    act_or = np.array(
        [
            k.odds(f"{key}.activity_or.{a}")[0, 0] if a in ("vocational", "higher_edu") else 1.0
            for a in states.ACTIVITY
        ]
    )
    female = k.odds(f"{key}.female_or")[:, 0]
    menapt = k.odds(f"{key}.menapt_or")[:, 0]
    sex_or = np.stack([np.ones_like(female), female], axis=-1)  # (period, sex)
    men_or = np.stack([np.ones_like(menapt), menapt], axis=-1)  # (period, menapt)
    total_or = (
        profile[None, :, None, None, None, None]
        * sex_or[:, None, :, None, None, None]
        * men_or[:, None, None, :, None, None]
        * area_or[:, None, None, None, :, None]
        * act_or[None, None, None, None, None, :]
    )
    s = apply_odds_ratio(share[:, None, None, None, None, None], total_or)
    q = k.prob(f"{key}.persistence")[:, 0].reshape(-1, 1, 1, 1, 1, 1)
    entry = _stationary_entry(s, q, k, f"{key}.share")
    return np.stack([entry, np.broadcast_to(q, entry.shape)], axis=-1)


def build_job(k: Knobs) -> np.ndarray:
    """(period, age, sex, menapt, area, activity, job_from): P(job this year | last year's)."""
    n_p = len(k.periods)
    out = np.zeros((n_p, N_AGE, 2, 2, 3, len(states.ACTIVITY), 2))
    fj = _fritidsjob(k)
    ws = _working_student(k)
    first = int(k.value("job.working_student.first_age", ("scalar",))[0, 0])
    lo, hi = states.JOB_AGES
    if not lo <= first <= hi:
        raise k.fail("job.working_student.first_age.value", f"must lie in {lo}-{hi}", first)
    fj_lo, fj_hi = states.FRITIDSJOB_AGES
    for j, act in enumerate(states.ACTIVITY):
        if act not in states.ENROLLED:
            continue
        if act in states.FRITIDSJOB_ACTIVITIES:
            out[:, fj_lo : fj_hi + 1, ..., j, :] = fj[:, fj_lo : fj_hi + 1]
            out[:, fj_hi + 1 : hi + 1, ..., j, :] = ws[:, fj_hi + 1 : hi + 1, ..., j, :]
        else:
            out[:, first : hi + 1, ..., j, :] = ws[:, first : hi + 1, ..., j, :]
    return out


# --------------------------------------------------------------------------------------------
# Risk flags: poverty, parental psychiatric treatment, suspicion and charge
# --------------------------------------------------------------------------------------------


def poverty_share(k: Knobs) -> np.ndarray:
    """(period, age, menapt, area, parent_rg): the target share of persons in poor families.

    The printed all-residents shares by area and MENAPT are split over parent_rg with the
    parent_rg odds ratio (the reference odds solved so that the mixture over the area's
    restgruppe-parent share reproduces the printed share), then the age odds ratios apply.
    """
    key = "poverty"
    printed = _by_area_menapt(k, f"{key}.share")  # (period, area, menapt)
    rg_or = k.odds(f"{key}.parent_rg_or")[:, 0, None, None]
    r = parent_share(k)
    base = solve_base(printed, [(1 - r, np.ones_like(r)), (r, np.broadcast_to(rg_or, r.shape))])
    age_or = k.odds(f"{key}.age_or", ("age",))  # (period, age)
    young = k.odds(f"{key}.young_child_or")  # (period, age), applies at 0-6
    age_or = age_or * np.where(AGES[None, :] <= 6, young, 1.0)
    rg = np.stack([np.ones_like(rg_or[:, 0, 0]), rg_or[:, 0, 0]], axis=-1)  # (period, parent_rg)
    s = apply_odds_ratio(
        base.transpose(0, 2, 1)[:, None, :, :, None],  # (period, 1, menapt, area, 1)
        age_or[:, :, None, None, None] * rg[:, None, None, None, :],
    )
    return s


def build_poverty(k: Knobs) -> np.ndarray:
    """(period, age, menapt, area, parent_rg, poverty_from): P(poor this year | last year).

    Persistence q is a knob; the entry rate keeps the target share stationary. At age 0 (the
    first record) both rows hold the target share itself.
    """
    s = poverty_share(k)
    q = np.broadcast_to(k.prob("poverty.persistence")[:, 0].reshape(-1, 1, 1, 1, 1), s.shape)
    entry = _stationary_entry(s, q, k, "poverty.share")
    out = np.stack([entry, q], axis=-1)
    out[:, 0] = s[:, 0, ..., None]
    return out


def build_parent_psych(k: Knobs) -> np.ndarray:
    """(period, age, menapt, area, parent_rg): P(a parent is first treated this year).

    The printed share at 6 (treated while the child was 0-6) gives the area's yearly hazard at
    0-6, ``1 - (1 - share) ** (1 / 7)``; older children's parents have the odds of that hazard
    times ``older_child_or`` (by area). The area hazard is split over MENAPT and parent_rg with
    their odds ratios (reference solved so the area's mixture keeps it); other public housing
    lies between supported and population (``other_public_weight`` on the log odds).
    """
    key = "parent_psych"
    sup = k.prob(f"{key}.share_at_6.supported")[:, 0]
    pop = k.prob(f"{key}.share_at_6.population")[:, 0]
    w = k.prob(f"{key}.other_public_weight")[:, 0]
    h_sup, h_pop = 1 - (1 - sup) ** (1 / 7), 1 - (1 - pop) ** (1 / 7)
    logit = np.log(h_sup / (1 - h_sup)) * w + np.log(h_pop / (1 - h_pop)) * (1 - w)
    h_op = 1 / (1 + np.exp(-logit))
    h_area = np.stack([h_sup, h_op, h_pop], axis=-1)  # (period, area)
    o_sup = np.log(k.odds(f"{key}.older_child_or.supported")[:, 0])
    o_pop = np.log(k.odds(f"{key}.older_child_or.population")[:, 0])
    older = np.exp(np.stack([o_sup, w * o_sup + (1 - w) * o_pop, o_pop], axis=-1))  # (p, area)
    h = apply_odds_ratio(
        h_area[:, None, :], np.where(AGES[None, :, None] <= 6, 1.0, older[:, None, :])
    )  # (period, age, area)
    m_or = k.odds(f"{key}.menapt_or")[:, 0]
    rg_or = k.odds(f"{key}.parent_rg_or")[:, 0]
    ors = (
        np.stack([np.ones_like(m_or), m_or], axis=-1)[:, :, None]
        * np.stack([np.ones_like(rg_or), rg_or], axis=-1)[:, None, :]
    )  # (period, menapt, parent_rg)
    wts = composition(k)  # (period, area, menapt, parent_rg)
    parts = [
        (wts[:, None, :, mi, ri], ors[:, mi, ri, None, None]) for mi in range(2) for ri in range(2)
    ]
    base = solve_base(h, parts)  # (period, age, area)
    out = apply_odds_ratio(base[:, :, None, :, None], ors[:, None, :, None, :])
    return out  # (period, age, menapt, area, parent_rg)


def build_crime(k: Knobs) -> np.ndarray:
    """(period, age, sex, menapt, area, origin, crime_ever_from): P(an event this year).

    The printed rates per person-year (suspicions at 10-14, charges at 15-17) divided by the
    events per person with an event give the yearly share of persons with one; an age profile
    spreads it over ages (and continues charges after 17). Sex, MENAPT and origin odds ratios
    split the area share (reference solved from the area's composition); then, age by age in a
    cohort, the first-event rate is solved so that first events plus repeat events (odds times
    ``crime_ever_or``) give the share.
    """
    key = "crime"
    susp = _by_area(k, f"{key}.suspicion_rate") / k.positive(f"{key}.suspicions_per_suspect")[:, :1]
    charge = _by_area(k, f"{key}.charge_rate") / k.positive(f"{key}.charges_per_charged")[:, :1]
    profile = k.weights(f"{key}.age_profile")[0]  # (age,)
    lo, hi = states.SUSPICION_AGES
    young = _between(lo, hi)
    teen = _between(states.CHARGE_MIN_AGE, 17)
    prof = np.where(young, profile / profile[young].mean(), 0.0)
    prof = np.where(AGES >= states.CHARGE_MIN_AGE, profile / profile[teen].mean(), prof)
    level = np.where(young[None, :, None], susp[:, None, :], charge[:, None, :])
    share = level * prof[None, :, None]  # (period, age, area)
    if np.any(share >= 1):
        raise k.fail(
            f"{key}.charge_rate", "the yearly share of offenders must be < 1", float(share.max())
        )
    f_or = k.odds(f"{key}.female_or")[:, 0]
    m_or = k.odds(f"{key}.menapt_or")[:, 0]
    o_or = k.odds(f"{key}.restgruppe_or")[:, 0]
    ors = (
        np.stack([np.ones_like(f_or), f_or], -1)[:, :, None, None]
        * np.stack([np.ones_like(m_or), m_or], -1)[:, None, :, None]
        * np.stack([np.ones_like(o_or), o_or], -1)[:, None, None, :]
    )  # (period, sex, menapt, origin)
    wts = composition(k)  # (period, area, menapt, rg)
    parts = []
    for si in range(2):
        for mi in range(2):
            for oi in range(2):
                w = 0.5 * wts[:, None, :, mi, oi]  # (period, 1, area)
                parts.append((w, np.broadcast_to(ors[:, si, mi, oi, None, None], w.shape)))
    base = solve_base(share, parts)  # (period, age, area)
    # cell share (period, age, sex, menapt, area, origin)
    s = apply_odds_ratio(base[:, :, None, None, :, None], ors[:, None, :, :, None, :])
    ever_or = k.odds(f"{key}.crime_ever_or")[:, 0].reshape(-1, 1, 1, 1, 1)
    first = np.zeros_like(s)
    ever = np.zeros_like(s[:, 0])
    for a in range(N_AGE):
        if s[:, a].max() <= 0:
            continue
        e_share = ever
        first[:, a] = solve_base(
            s[:, a],
            [
                (1 - e_share, np.ones_like(e_share)),
                (e_share, np.broadcast_to(ever_or, e_share.shape)),
            ],
        )
        ever = ever + (1 - ever) * first[:, a]
    repeat = apply_odds_ratio(first, ever_or[:, None])
    out = np.stack([first, repeat], axis=-1)
    out[:, :lo] = 0.0  # ages index their own position
    return out


def build_risk_or(k: Knobs) -> np.ndarray:
    """(risk, group): odds ratios of last year's risk flags on this year's transition groups."""
    return np.array(
        [
            [k.odds(f"risk_or.{r}.{g}", ("scalar",))[0, 0] for g in states.RISK_GROUPS]
            for r in states.RISKS
        ]
    )


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------


def _label(arr: np.ndarray, names: tuple[str, ...], periods: tuple[Period, ...]) -> xr.DataArray:
    return xr.DataArray(arr, dims=names, coords=labels(names, periods))
