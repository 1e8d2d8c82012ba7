"""The panel format: one row per person and calendar year (model.md section 8, docs/panel.md).

Every coded column holds names from :mod:`livschancer.states` (``"youth_edu"``, ``"supported"``),
never integer codes; flags are 0/1 integers. :data:`COLUMNS` is the one table of the format:
name, type, codes, the register a real panel takes it from (domain.md section 3) and what it
means. :func:`row_schema` turns it into a pandera schema (presence, type, codes, ranges and the
row rule ``age == year - birth_year``); the rules across a person's rows (sorted, no duplicate
year, no gap, attainment never falls, the person's fixed attributes do not change) are checked
in :mod:`livschancer.panel.read`, where the rows of a person meet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa
import pyarrow as pa_arrow

from livschancer import states


@dataclass(frozen=True)
class Column:
    """One panel column: its name, kind (``id``, ``int``, ``code`` or ``flag``), the registry
    of its codes (for ``code`` columns), the register it comes from, and its meaning."""

    name: str
    kind: str
    codes: tuple[str, ...] = ()
    register: str = ""
    description: str = ""

    @property
    def arrow_type(self) -> pa_arrow.DataType:
        """The Parquet (Arrow) type a synthetic panel writes."""
        return {
            "id": pa_arrow.int64(),
            "int": pa_arrow.int16(),
            "age": pa_arrow.int8(),
            "code": pa_arrow.dictionary(pa_arrow.int8(), pa_arrow.string()),
            "flag": pa_arrow.int8(),
        }[self.kind]


#: The panel's columns in file order. Flags are this year's values unless the text says so.
COLUMNS: tuple[Column, ...] = (
    Column("person_id", "id", register="CPR (pseudonymised person number)", description="person"),
    Column("year", "int", register="reference year of the row", description="calendar year"),
    Column("birth_year", "int", register="BEF (FOED_DAG)", description="year of birth"),
    Column("age", "age", register="BEF", description="age reached in the year: year - birth_year"),
    Column("sex", "code", states.SEX, "BEF (KOEN)", "sex"),
    Column("menapt", "code", states.MENAPT, "IEPE (IE_TYPE, OPR_LAND)", "MENAPT background"),
    Column(
        "area",
        "code",
        states.AREA,
        "BEF address x LBF driftsstøttesystem (afdeling in a helhedsplan)",
        "where the family lives this year (after this year's move)",
    ),
    Column(
        "activity",
        "code",
        states.ACTIVITY,
        "KOTRE (enrolment), AKM SOCIO13 / IDAP (employment), DAGI (preschool)",
        "what the person does this year",
    ),
    Column(
        "attain",
        "code",
        states.ATTAIN,
        "UDDA / BUE (HFAUDD), UDFK (the exit exam)",
        "highest completed education; never decreases",
    ),
    Column(
        "member",
        "flag",
        register="BEF addresses at 15-18 (domain.md 2.3)",
        description="grew up in a supported area by the reports' 2-year rule (supported_member)",
    ),
    Column(
        "origin",
        "flag",
        register="BEF family links x AKM/UDDA of the parents at the child's 15",
        description="parental restgruppe origin (parent_rg at 15, or at arrival if later)",
    ),
    Column(
        "parent_rg",
        "flag",
        register="BEF family links x AKM SOCIO13 and UDDA of the resident parents",
        description="at least one resident parent in the restgruppe this year",
    ),
    Column(
        "job",
        "flag",
        register="BFL eIndkomst (wage hours), qlon before 2008",
        description="a job while enrolled (ages 13-29); the fritidsjob at 13-20 in school or "
        "youth education",
    ),
    Column("poverty", "flag", register="IND (family disposable income)", description="poor"),
    Column(
        "parent_psych",
        "flag",
        register="LPR / LPSY of the parents",
        description="a parent has ever been treated for mental illness (absorbing)",
    ),
    Column(
        "crime",
        "flag",
        register="KRSI (suspicions, 10-14), KRSI/KRAF (charges, 15+)",
        description="a suspicion (10-14) or a charge (15+) this year",
    ),
    Column(
        "poverty_ever",
        "flag",
        register="IND, from age 6",
        description="poor in some year since age 6, this year included",
    ),
    Column(
        "crime_before",
        "flag",
        register="KRSI/KRAF",
        description="a suspicion or charge in an earlier year",
    ),
    Column(
        "dropout_ever",
        "flag",
        register="KOTRE/UDDA histories",
        description="left an education (not grundskole) without completing it, up to this year",
    ),
)

COLUMN: dict[str, Column] = {c.name: c for c in COLUMNS}
NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
#: Attributes that must be the same in every row of a person.
FIXED: tuple[str, ...] = ("birth_year", "sex", "menapt")
#: Key-value metadata a synthetic panel carries in its Parquet footer.
META_SYNTHETIC: bytes = b"livschancer.synthetic"
#: Rule names (the ``rule`` of an error and the keys of a drop report).
RULES: dict[str, str] = {
    "missing": "the column is required",
    "type": "values must be {kind}",
    "code": "values must be one of {codes}",
    "range": "values must be in {lo}-{hi}",
    "pair": "(activity, attain) must be a valid pair of states.LIFECOURSE_PAIRS",
    "age": "age must equal year - birth_year",
    "duplicate": "one row per (person_id, year)",
    "sorted": "rows must be sorted by person_id, then year",
    "gap": "a person's years must be consecutive from their first year to the last",
    "attain": "attainment must not decrease from one year to the next",
    "complete": "a person's rows must run to age 29 (right-censored persons cannot be counted)",
    "fixed": "birth_year, sex and menapt must be the same in all rows of a person",
}


#: The working dtype of each kind of column once a chunk is read (codes as int8, -1 = unknown).
WORK_DTYPE: dict[str, str] = {
    "id": "int64",
    "int": "int32",
    "age": "int16",
    "code": "int8",
    "flag": "int8",
}


def row_schema() -> pa.DataFrameSchema:
    """The pandera schema of one chunk of rows as the reader converts it: every column present
    with its working type, codes known (a coded column holds the index of its name in the
    registry, -1 for a name that is not in it), flags 0/1, ages 0-29, and the row rule
    ``age == year - birth_year``. Which rule a failure breaks is the check's name."""
    cols: dict[str, pa.Column] = {}
    for c in COLUMNS:
        dtype = WORK_DTYPE[c.kind]
        if c.kind == "code":
            check = pa.Check.in_range(0, len(c.codes) - 1, name="code")
        elif c.kind == "flag":
            check = pa.Check.in_range(0, 1, name="range")
        elif c.kind == "age":
            check = pa.Check.in_range(states.AGE_MIN, states.AGE_MAX, name="range")
        else:
            check = None
        cols[c.name] = pa.Column(dtype, check, nullable=False)
    return pa.DataFrameSchema(
        cols,
        checks=[pa.Check(lambda df: df["age"] == df["year"] - df["birth_year"], name="age")],
        strict=False,
    )
