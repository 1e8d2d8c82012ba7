"""Calibration targets: read and validate a targets CSV, and map each row to an indicator call.

The file format is ``shared/targets/calibration.csv`` (targets README section 1). Validation
stops at the first broken rule with a :class:`~livschancer.errors.TargetsError` naming the file,
the line, the row's id, the column, the rule and the value. A valid row the model cannot
compute (an ethnicity it does not have, ages above 29) is not an error: :func:`plan_targets`
records the reason and the score reports it.

How a row is read (targets README sections 1 and 3):

- ``area = supported`` is residence in a supported area, except for seed 001 chapter 6 (source
  001b, refs "Fig 6.*", "Tab 6.*", "Bilagsfig 8.*", "9.4.*"), which follows the grew-up-in
  cohort wherever it lives: group ``grew_up_in`` (``member == "member"``). A row whose note says
  its figure is about residents (the 2011-14 evaluation quoted in 9.4.2) stays residence.
- ``public_housing`` and ``population`` are the groups of the same names.
- Seed 000's wage-hour rule (working students count as employed) applies where the note says
  so: the ``wage_hours`` rule of the status indicators.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from livschancer import states
from livschancer.errors import TargetsError
from livschancer.outputs.indicators import REGISTRY

REQUIRED: tuple[str, ...] = (
    "id",
    "indicator",
    "age_from",
    "age_to",
    "area",
    "origin",
    "ethnicity",
    "sex",
    "year",
    "value",
    "n",
)
OPTIONAL: tuple[str, ...] = ("source", "ref", "line", "note")
AREAS: tuple[str, ...] = ("supported", "public_housing", "population")
ORIGINS: tuple[str, ...] = ("restgruppe", "not_restgruppe", "all", "mother_restgruppe")
ETHNICITIES: tuple[str, ...] = ("menapt", "non_menapt", "all", "danish", "nonwestern")
SEXES: tuple[str, ...] = ("m", "f", "all")
#: A row is identified by these columns; two rows with the same key are an error.
KEY: tuple[str, ...] = (
    "indicator",
    "age_from",
    "age_to",
    "area",
    "origin",
    "ethnicity",
    "sex",
    "year",
)
#: Oldest age a row may name (README: "ages 0-99" means all residents).
AGE_LIMIT = 99
YEARS: tuple[int, int] = (1900, 2100)

_GREW_UP_IN_REF = re.compile(r"^\s*((Fig|Tab)\s+6\.|Bilagsfig\s+8\.|9\.4)")
_RESIDENTS_NOTE = re.compile(r"residents in 20\d\d", re.IGNORECASE)
_WAGE_HOURS_NOTE = re.compile(r"working students count as employed|students earning", re.IGNORECASE)
_NO_ETHNICITY = {
    "danish": "ethnicity 'danish' (DST dansk oprindelse) is not in the model (menapt/non_menapt)",
    "nonwestern": "ethnicity 'nonwestern' (DST ikke-vestlig) is not in the model "
    "(menapt/non_menapt)",
}


def _fail(source: str, line: int, rid: str, column: str, rule: str, value: object) -> None:
    raise TargetsError(f"{source}, line {line} (id {rid or '?'}): {column}: {rule}; got {value!r}")


def _int(text: str) -> int | None:
    try:
        f = float(text)
    except ValueError:
        return None
    return int(f) if math.isfinite(f) and f == int(f) else None


def validate_targets(df: pd.DataFrame, source: str = "<targets>") -> pd.DataFrame:
    """Check a targets table (all columns as strings) and return it typed.

    Rules: the required columns exist; ``id`` is non-empty and unique; ``indicator`` is in the
    registry; ages are integers with 0 <= age_from <= age_to <= 99; ``area``, ``origin``,
    ``ethnicity`` and ``sex`` are in their vocabularies; ``year`` is an integer in 1900-2100;
    ``value`` is a number in [0, 1]; ``n`` is empty or a positive integer; no two rows share the
    key :data:`KEY`.

    Raises
    ------
    TargetsError
        ``"<source>, line <L> (id <ID>): <column>: <rule>; got <value>"``.
    """
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise TargetsError(
            f"{source}: header: missing columns {missing}; a targets file has {list(REQUIRED)}"
        )
    df = df.fillna("").astype(str)
    for c in df.columns:
        df[c] = df[c].str.strip()
    rows: list[dict] = []
    seen_id: dict[str, int] = {}
    seen_key: dict[tuple, int] = {}
    vocab = {"area": AREAS, "origin": ORIGINS, "ethnicity": ETHNICITIES, "sex": SEXES}
    for i, rec in enumerate(df.to_dict("records")):
        line = i + 2  # line 1 is the header
        rid = rec["id"]

        def fail(column: str, rule: str, value: object, line=line, rid=rid) -> None:
            _fail(source, line, rid, column, rule, value)

        if not rid:
            fail("id", "must not be empty", rid)
        if rid in seen_id:
            fail("id", f"duplicate id (also on line {seen_id[rid]})", rid)
        seen_id[rid] = line
        if rec["indicator"] not in REGISTRY:
            fail(
                "indicator",
                f"unknown indicator; expected one of {sorted(REGISTRY)}",
                rec["indicator"],
            )
        lo, hi = _int(rec["age_from"]), _int(rec["age_to"])
        if lo is None:
            fail("age_from", "must be an integer age", rec["age_from"])
        if hi is None:
            fail("age_to", "must be an integer age", rec["age_to"])
        if not (0 <= lo <= hi <= AGE_LIMIT):  # type: ignore[operator]
            fail(
                "age_from/age_to",
                f"impossible age range: need 0 <= age_from <= age_to <= {AGE_LIMIT}",
                f"{rec['age_from']}-{rec['age_to']}",
            )
        for col, allowed in vocab.items():
            if rec[col] not in allowed:
                fail(col, f"must be one of {list(allowed)}", rec[col])
        year = _int(rec["year"])
        if year is None or not YEARS[0] <= year <= YEARS[1]:
            fail("year", f"must be an integer year in {YEARS[0]}-{YEARS[1]}", rec["year"])
        try:
            value = float(rec["value"])
        except ValueError:
            value = math.nan
        if not (0.0 <= value <= 1.0):
            fail(
                "value", "must be a proportion in [0, 1] (percentages divided by 100)", rec["value"]
            )
        n = None
        if rec["n"] != "":
            n = _int(rec["n"])
            if n is None or n <= 0:
                fail("n", "must be empty or a positive integer", rec["n"])
        typed = {**rec, "age_from": lo, "age_to": hi, "year": year, "value": value, "n": n}
        key = tuple(typed[k] for k in KEY)
        if key in seen_key:
            fail(
                "key",
                f"duplicate key {dict(zip(KEY, key, strict=True))} (also on line {seen_key[key]})",
                rid,
            )
        seen_key[key] = line
        rows.append(typed)
    out = pd.DataFrame(rows, columns=list(df.columns))
    out["n"] = pd.array([r["n"] for r in rows], dtype="Int64")
    for c in OPTIONAL:
        if c not in out.columns:
            out[c] = ""
    return out


def read_targets(path: str | Path) -> pd.DataFrame:
    """Read and validate a targets CSV (see :func:`validate_targets`)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise TargetsError(f"{path}: cannot read the targets file: {e}") from None
    return validate_targets(df, str(path))


def group_of(area: str, source: str, ref: str, note: str) -> str:
    """The indicator ``group`` of a row's ``area`` (module docstring)."""
    if area != "supported":
        return area
    if source.startswith("001") and _GREW_UP_IN_REF.match(ref) and not _RESIDENTS_NOTE.search(note):
        return "grew_up_in"
    return "supported"


def rule_of(indicator: str, note: str) -> str:
    """``wage_hours`` where the note states seed 000's working-student rule, else ``socio13``."""
    if "wage_hours" in REGISTRY[indicator].rules and _WAGE_HOURS_NOTE.search(note):
        return "wage_hours"
    return "socio13"


@dataclass(frozen=True)
class PlannedRow:
    """One target row mapped to an indicator call (what does not depend on the tallies)."""

    id: str
    indicator: str
    ages: tuple[int, int]
    group: str
    origin_group: str
    ethnicity: str
    sex_group: str
    year: int
    value: float
    n: int | None
    rule: str
    reason: str | None  # why it cannot be computed, known before any tally is seen


@dataclass(frozen=True)
class TargetPlan:
    """The validated targets and their planned indicator calls (built once, reused per run)."""

    table: pd.DataFrame
    rows: tuple[PlannedRow, ...]
    #: ``table`` as records (made once: pandas' conversion costs more than the score loop)
    records: tuple[dict, ...] = ()

    @property
    def calls(self) -> list[tuple[str, tuple[int, int], str]]:
        """Distinct (indicator, ages, rule) calls of the computable rows."""
        return sorted({(r.indicator, r.ages, r.rule) for r in self.rows if r.reason is None})

    @property
    def last_year(self) -> int:
        return max((r.year for r in self.rows), default=YEARS[1])


#: Indicators of a family's state (every member has it): a row over all ages (``0-99``, all
#: residents) is scored on the simulated members aged 0-29, an approximation the score table
#: shows by its ``age_to`` of 29 (docs/outputs.md).
FAMILY_LEVEL = frozenset({"poverty_share"})


def plan_targets(df: pd.DataFrame) -> TargetPlan:
    """Map validated rows (:func:`validate_targets`) to indicator calls and static reasons."""
    rows = []
    records = tuple(df.to_dict("records"))
    for rec in records:
        lo, hi = int(rec["age_from"]), int(rec["age_to"])
        note = str(rec.get("note", ""))
        reason = None
        if hi > states.AGE_MAX and rec["indicator"] in FAMILY_LEVEL and lo <= states.AGE_MAX:
            hi = states.AGE_MAX  # a family's flag: scored on the family members simulated
        if hi > states.AGE_MAX:
            reason = f"ages above {states.AGE_MAX} (the model simulates ages 0-{states.AGE_MAX})"
        elif rec["ethnicity"] in _NO_ETHNICITY:
            reason = _NO_ETHNICITY[rec["ethnicity"]]
        elif rec["origin"] == "mother_restgruppe":
            reason = "origin 'mother_restgruppe': the model has no mother-based origin"
        n = rec["n"]
        rows.append(
            PlannedRow(
                id=str(rec["id"]),
                indicator=str(rec["indicator"]),
                ages=(lo, hi),
                group=group_of(
                    rec["area"], str(rec.get("source", "")), str(rec.get("ref", "")), note
                ),
                origin_group=str(rec["origin"]),
                ethnicity=str(rec["ethnicity"]),
                sex_group=str(rec["sex"]),
                year=int(rec["year"]),
                value=float(rec["value"]),
                n=None if n is None or pd.isna(n) else int(n),
                rule=rule_of(str(rec["indicator"]), note),
                reason=reason,
            )
        )
    return TargetPlan(df, tuple(rows), records)
