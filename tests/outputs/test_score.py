"""Tests of outputs/score.py: known answers, uncomputable rows with their reasons, the printed
summary line, a missing run file (exit status 2). The targets file rules: test_targets.py."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from livschancer.outputs import io, runfile, score, targets
from tests.outputs.builders import put, zero_tallies

HEADER = "id,indicator,age_from,age_to,area,origin,ethnicity,sex,year,value,n,source,ref,line,note"
ROWS = [
    "T1,neet_share,18,20,supported,all,all,all,2019,0.7,100,001a,Fig 2.6 text,1,residence",
    "T2,neet_share,18,20,supported,all,all,all,2018,0.3,,001b,Fig 6.4 text,2,grew-up-in",
    "T3,neet_share,19,19,population,all,all,all,2019,0.5,1000,001b,Fig 6.4 text,3,",
    "T4,neet_share,16,24,supported,all,danish,all,2019,0.27,13874,000,Fig 4.4 text,4,dansk",
    "T5,employed_share,25,50,supported,all,all,all,2019,0.6,,000,Ch1 text,5,adults",
    "T6,poverty_share,0,6,supported,all,all,m,2019,0.2,,002,Tab 4.1,6,boys",
    "T7,in_education_share,18,18,population,all,all,all,2019,0.5,500,000,Fig 4.9 Anm,7,"
    '"education = registered in education AND <=110 wage hours Q4 (working students count as '
    'employed)"',
    "T8,in_education_share,18,18,population,all,all,all,2018,0.5,500,001b,Fig 6.4 text,8,",
    "T9,neet_share,18,20,population,all,all,all,1990,0.5,,001a,Fig 2.6 text,9,",
    "T10,neet_share,19,19,supported,all,all,all,2019,0.3,,001b,Fig 6.4 text,10,",
]


def _tallies():
    ds = zero_tallies(range(2015, 2020))

    def stay(n, state, **kw):
        put(ds, "lifecourse", n, frm=state, to=state, year=2019, **kw)

    stay(3, "neet|grundskole", age=19, area="supported")
    stay(1, "employed|grundskole", age=19, area="supported")
    stay(1, "neet|grundskole", age=19, member="member")
    stay(3, "employed|grundskole", age=19, member="member")
    stay(4, "youth_edu|grundskole", age=18)
    stay(1, "neet|grundskole", age=18)
    put(ds, "job", 1, year=2019, age=18, activity="youth_edu", job_from="no", job_to="yes")
    put(ds, "job", 3, year=2019, age=18, activity="youth_edu", job_from="no", job_to="no")
    return ds


def _write(path, rows, header=HEADER):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_score_known_answers_and_reasons(tmp_path):
    df = targets.read_targets(_write(tmp_path / "t.csv", ROWS))
    out = score.score_targets(_tallies(), df).set_index("id")
    t1 = out.loc["T1"]
    assert t1["group"] == "supported"
    assert t1["simulated"] == pytest.approx(0.75)
    assert t1["diff_pp"] == pytest.approx(5.0)
    assert t1["sim_se"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    assert t1["target_se"] == pytest.approx(math.sqrt(0.7 * 0.3 / 100))
    assert bool(t1["within_error"]) is True
    t10 = out.loc["T10"]
    assert t10["group"] == "grew_up_in"
    assert t10["simulated"] == pytest.approx(0.25)
    assert pd.isna(t10["within_error"])  # no n: the target's error is unknown
    assert out.loc["T3", "simulated"] == pytest.approx(0.5)
    assert out.loc["T7", "rule"] == "wage_hours"
    assert out.loc["T7", "simulated"] == pytest.approx(3 / 5)
    reasons = out.loc[~out["computable"], "reason"].to_dict()
    assert "ethnicity 'danish'" in reasons["T4"]
    assert reasons["T5"].startswith("ages above 29")
    assert reasons["T6"] == "the 'poverty' tally has no 'sex' dim"
    assert reasons["T9"] == "year 1990 is not in the tallies (2015-2019)"
    assert reasons["T2"] == "no simulated persons in this cell"
    assert set(reasons) == {"T2", "T4", "T5", "T6", "T8", "T9"}
    assert list(out.reset_index().columns) == list(score.COLUMNS)


def test_plan_is_reusable_and_the_summary_line(tmp_path):
    plan = targets.plan_targets(targets.read_targets(_write(tmp_path / "t.csv", ROWS)))
    a = score.score_targets(_tallies(), plan)
    b = score.score_targets(_tallies(), plan)
    pd.testing.assert_frame_equal(a, b)
    line = score.summary_line(a)
    # computable: T1 (5 pp), T3 (0), T7 (10 pp), T10 (5 pp)
    assert line == "score targets=10 computable=4 median_abs_pp=5.00 within_3pp=0.250"


def test_main_writes_csv_and_ends_with_the_score_line(tmp_path, capsys):
    run = io.write_dataset(
        runfile.build_run_dataset(_tallies(), None, runfile.run_attrs(seed=1, scenario="t")),
        tmp_path / "run.nc",
    )
    tfile = _write(tmp_path / "t.csv", ROWS)
    assert score.main([str(run), str(tfile)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(
        r"score targets=10 computable=4 median_abs_pp=\d+\.\d\d within_3pp=\d\.\d{3}", lines[-1]
    )
    assert sum(line.startswith("score ") for line in lines) == 1
    written = pd.read_csv(tmp_path / "run.score.csv")
    assert len(written) == 10
    assert written.set_index("id").loc["T5", "reason"].startswith("ages above 29")
    out = tmp_path / "sub" / "fit.csv"
    assert score.main([str(run), str(tfile), "--out", str(out)]) == 0
    assert out.is_file()


def test_missing_run_file_is_exit_2(tmp_path, capsys):
    tfile = _write(tmp_path / "t.csv", ROWS)
    assert score.main([str(tmp_path / "nope.nc"), str(tfile)]) == 2
    assert "no such run file" in capsys.readouterr().err
