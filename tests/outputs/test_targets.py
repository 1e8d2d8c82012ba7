"""Tests of outputs/targets.py: validation of a targets file (each rule stops with the file, the
line and the rule; exit status 2 from the score command) and the mapping of rows to calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from livschancer.errors import TargetsError
from livschancer.outputs import score, targets
from tests.outputs.test_score import HEADER, ROWS, _write


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        (lambda r: r.replace("neet_share", "neat_share", 1), "unknown indicator"),
        (lambda r: r.replace(",0.7,", ",1.7,"), "must be a proportion in [0, 1]"),
        (lambda r: r.replace(",18,20,", ",20,18,"), "impossible age range"),
        (lambda r: r.replace(",18,20,", ",18,120,"), "impossible age range"),
        (lambda r: r.replace("supported", "everywhere"), "must be one of"),
        (lambda r: r.replace(",100,", ",-3,"), "positive integer"),
        (lambda r: r.replace(",2019,", ",19x9,"), "integer year"),
    ],
)
def test_bad_targets_stop_with_file_line_and_rule(tmp_path, capsys, edit, rule):
    tfile = _write(tmp_path / "bad.csv", [edit(ROWS[0]), *ROWS[1:]])
    with pytest.raises(TargetsError) as err:
        targets.read_targets(tfile)
    assert str(tfile) in str(err.value)
    assert "line 2 (id T1)" in str(err.value)
    assert rule in str(err.value)
    assert score.main(["missing-run.nc", str(tfile)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("livschancer score: error: TargetsError:")
    assert "line 2 (id T1)" in stderr


def test_duplicates_and_missing_columns(tmp_path, capsys):
    dup = _write(tmp_path / "dup.csv", [*ROWS, ROWS[0].replace("T1,", "T99,", 1)])
    with pytest.raises(TargetsError, match=r"line 12 \(id T99\): key: duplicate key .* line 2"):
        targets.read_targets(dup)
    dup_id = _write(tmp_path / "dupid.csv", [*ROWS, ROWS[2].replace(",2019,", ",2017,")])
    dup_id.write_text(dup_id.read_text().replace("T3,", "T1,"))
    with pytest.raises(TargetsError, match="duplicate id"):
        targets.read_targets(dup_id)
    nocol = _write(tmp_path / "nocol.csv", [r.rsplit(",", 1)[0] for r in ROWS[:1]],
                   header=HEADER.replace(",value", ""))  # fmt: skip
    assert score.main(["run.nc", str(nocol)]) == 2
    assert "missing columns ['value']" in capsys.readouterr().err
    assert score.main(["run.nc", str(tmp_path / "absent.csv")]) == 2
    assert "cannot read the targets file" in capsys.readouterr().err


def test_shipped_targets_validate_and_map():
    p = Path(__file__).resolve().parents[2].parent / "shared" / "targets" / "calibration.csv"
    if not p.is_file():
        pytest.skip(f"{p} not present (shared/ sits beside the repository)")
    plan = targets.plan_targets(targets.read_targets(p))
    assert len(plan.rows) == 244
    by_id = {r.id: r for r in plan.rows}
    assert by_id["C121"].group == "grew_up_in"  # Fig 6.2
    assert by_id["C195"].group == "grew_up_in"  # Bilagsfig 8.11
    assert by_id["C054"].group == "supported"  # 001a Fig 2.3: residence
    assert by_id["C008"].group == "supported"  # seed 000
    assert by_id["C012"].rule == "wage_hours"
    assert by_id["C001"].rule == "wage_hours"
    assert by_id["C121"].rule == "socio13"
    assert by_id["C024"].reason.startswith("ages above 29")
