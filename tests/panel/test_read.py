"""Bad panels stop with one line naming the file, column, rule, count and examples; exit 2,
nothing written; ``--drop-invalid`` drops the persons instead and says what it dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livschancer.cli import main as cli_main
from livschancer.panel.count import count_panel
from livschancer.panel.read import PanelError, check_panel
from tests.panel.common import frame, synth


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = synth(tmp_path_factory.mktemp("good") / "good.parquet", per_year=40, arrivals=0.0)
    return frame(path)


def _person_rows(df: pd.DataFrame, person: int) -> np.ndarray:
    return np.flatnonzero(df["person_id"].to_numpy() == person)


def _missing(df):
    return df.drop(columns=["poverty"])


def _wrong_type(df):
    df = df.copy()
    df["age"] = df["age"].astype(str)
    df.loc[5, "age"] = "five"
    return df


def _unknown_code(df):
    df = df.copy()
    df.loc[[7, 8], "area"] = "suburb"
    return df


def _duplicate(df):
    rows = _person_rows(df, 3)
    return pd.concat([df.iloc[: rows[4] + 1], df.iloc[[rows[4]]], df.iloc[rows[4] + 1 :]])


def _age(df):
    df = df.copy()
    df.loc[_person_rows(df, 4)[10], "age"] += 1
    return df


def _attain(df):
    df = df.copy()
    rows = _person_rows(df, 5)
    # a person with grundskole or more at 29 falls back to none at 29 (state stays valid)
    df.loc[rows[-1], ["activity", "attain"]] = ["neet", "none"]
    df.loc[rows[-2], ["activity", "attain"]] = ["neet", "grundskole"]
    return df


def _gap(df):
    return df.drop(index=_person_rows(df, 6)[12])


CASES = {
    "missing": (_missing, "poverty", "the column is required"),
    "type": (_wrong_type, "age", "values must be integers"),
    "code": (_unknown_code, "area", "values must be one of"),
    "duplicate": (_duplicate, "year", "one row per (person_id, year)"),
    "age": (_age, "age", "age must equal year - birth_year"),
    "attain": (_attain, "attain", "attainment must not decrease"),
    "gap": (_gap, "year", "consecutive"),
}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_rule_is_one_clear_error(good, tmp_path, case, fmt):
    edit, column, rule = CASES[case]
    path = tmp_path / f"bad.{fmt}"
    df = edit(good).reset_index(drop=True)
    df.to_parquet(path) if fmt == "parquet" else df.to_csv(path, index=False)
    with pytest.raises(PanelError) as err:
        check_panel(path)
    msg = str(err.value)
    assert f"bad.{fmt}" in msg, msg
    assert f"column {column!r}" in msg, msg
    assert rule in msg, msg
    assert "offending rows" in msg
    if case != "missing":
        assert "'person_id'" in msg  # example rows


@pytest.mark.parametrize("case", [c for c in CASES if c != "missing"])
def test_drop_invalid_drops_the_persons_and_reports(good, tmp_path, case):
    edit, column, rule = CASES[case]
    path = tmp_path / "bad.parquet"
    bad = edit(good).reset_index(drop=True)
    bad.to_parquet(path)
    res = count_panel(path, drop_invalid=True)
    assert res.report.persons >= 1
    assert any(rule in k and k.startswith(column) for k in res.report.rows_by_rule)
    assert res.n_rows + res.report.rows == len(bad)
    assert any("dropped" in line for line in res.report.lines())


def test_cli_bad_panel_exits_2_and_writes_nothing(good, tmp_path, capsys):
    path = tmp_path / "bad.parquet"
    _age(good).to_parquet(path)
    out = tmp_path / "est.nc"
    with pytest.raises(SystemExit) as err:
        cli_main(["estimate", str(path), str(out)])
    assert err.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "bad.parquet" in lines[0]
    assert "age" in lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".*tmp"))
