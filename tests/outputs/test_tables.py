"""Tests of outputs/tables.py: the CSV and the workbook with labelled columns."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from livschancer.errors import ConfigError
from livschancer.outputs import tables


def test_long_table_has_labelled_columns_and_flags(run):
    df = tables.indicator_table(run, "en")
    assert list(df.columns) == [
        "Indicator", "Indicator key", "Ages", "Year", "Group", "Parental origin", "Ethnicity",
        "Sex", "Value", "MC standard error", "Unit", "Persons behind", "Few persons",
    ]  # fmt: skip
    row = df[
        (df["Indicator key"] == "neet_share")
        & (df["Ages"] == "18-20")
        & (df["Year"] == 2019)
        & (df["Group"] == "Population")
        & (df["Parental origin"] == "All")
        & (df["Ethnicity"] == "All")
        & (df["Sex"] == "All")
    ]
    assert row["Value"].item() == pytest.approx(21.0)  # 63 of 300
    assert row["Persons behind"].item() == 300
    assert not row["Few persons"].item()
    sup = df[(df["Indicator key"] == "neet_share") & (df["Ages"] == "18-20")]
    sup = sup[(sup["Group"] == "Supported areas (residents)") & (sup["Parental origin"] == "All")]
    assert sup["Few persons"].all()
    assert (df["Persons behind"] > 0).all()


def test_write_tables_csv_and_xlsx(run, tmp_path):
    csv, xlsx = tables.write_tables(run, tmp_path, language="da")
    df = pd.read_csv(csv)
    assert "Indikator" in df.columns
    assert "Antal personer bag" in df.columns
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert wb.sheetnames == ["Headline", "Trends", "Splits", "Gap", "Definitions"]
    head = [c.value for c in next(wb["Definitions"].iter_rows(max_row=1))]
    assert head == ["Indikatornøgle", "Indikator", "Definition"]


def test_language_is_checked(run):
    with pytest.raises(ConfigError, match=r"report\.language"):
        tables.indicator_table(run, "fr")


def test_console_summary_marks_and_hides_small_cells(run):
    t = tables.summary_table(run)
    assert t.loc["NEET share (18-20)", "Population"] == "21.0"
    assert t.loc["NEET share (18-20)", "Supported areas (residents)"] == "66.7 †"
    assert t.loc["NEET share (21-25)", "Population"] == "·"
