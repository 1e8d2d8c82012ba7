"""The panel format: one table of columns, codes from the state registry, pandera rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors
import pytest

from livschancer import states
from livschancer.panel import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "panel.md"


def test_codes_come_from_the_state_registry():
    assert schema.COLUMN["activity"].codes == states.ACTIVITY
    assert schema.COLUMN["attain"].codes == states.ATTAIN
    assert schema.COLUMN["area"].codes == states.AREA
    assert schema.COLUMN["sex"].codes == states.SEX
    assert schema.COLUMN["menapt"].codes == states.MENAPT
    assert len(set(schema.NAMES)) == len(schema.NAMES)


def test_every_column_is_documented_with_its_register():
    text = DOC.read_text()
    for c in schema.COLUMNS:
        assert f"`{c.name}`" in text, c.name
        assert c.register, c.name


def _good(n: int = 4) -> pd.DataFrame:
    cols = {}
    for c in schema.COLUMNS:
        cols[c.name] = np.zeros(n, dtype=schema.WORK_DTYPE[c.kind])
    df = pd.DataFrame(cols)
    df["year"] = 2000 + np.arange(n)
    df["birth_year"] = 2000
    df["age"] = np.arange(n)
    return df.astype({c.name: schema.WORK_DTYPE[c.kind] for c in schema.COLUMNS})


def test_row_schema_accepts_good_rows():
    schema.row_schema().validate(_good())


@pytest.mark.parametrize(
    ("column", "value", "check"),
    [("area", 3, "code"), ("area", -1, "code"), ("poverty", 2, "range"), ("age", 30, "range")],
)
def test_row_schema_rejects_bad_values(column, value, check):
    df = _good()
    df.loc[1, column] = value
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        schema.row_schema().validate(df, lazy=True)
    assert column in set(err.value.failure_cases["column"])


def test_row_schema_checks_age_against_year():
    df = _good()
    df.loc[2, "year"] = 2005
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        schema.row_schema().validate(df, lazy=True)
    assert "age" in set(err.value.failure_cases["check"])
