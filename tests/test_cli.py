"""End-to-end tests of the ``livschancer`` command (subprocesses, as an analyst runs it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
import xarray as xr

from livschancer import __version__, cli, dims


def _run(args, tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "livschancer", f"hydra.run.dir={tmp_path}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("population.births_per_year=-1", "population.births_per_year: must be >= 0; got -1"),
        (
            "population.area_at_birth.0.shares.rest=2",
            "population.area_at_birth[0].shares.rest: must be a probability",
        ),
        (
            "+population.menapt_share.0.shares.nowhere=0.1",
            "menapt_share[0].shares.nowhere: unknown area",
        ),
        ("population.arrivals.age_bands.0.from_age=40", "arrival ages must lie in 1-29"),
        ("report.neet_bands=[[10,40]]", "must be an age in 0-29; got 40"),
        # mistakes Hydra finds itself (before: five lines and exit status 1)
        ("seed=abc", "seed: must be an integer; got 'abc'"),
        ("sim.thred=1", "sim.thred: unknown field; expected one of ['threads'"),
        ("+sim.thread=1", "sim.thread: unknown field; expected one of ['threads'"),
        ("population=nowhere", "population: must be one of the available options"),
        ("seed=[1", "command line: must follow Hydra's override syntax"),
        ("report.year=1.5", "report.year: must be an integer; got 1.5"),
        # refused at validation instead of running (before: exit 0 and NaN or a crash)
        ("report.neet_bands=[]", "report.neet_bands: must list at least one"),
        ("output.file=..", "output.file: must be a plain file name"),
        ("population.births_per_year=0", "population.births_per_year: must give at least one"),
        ("population.scale=1e-9", "population.scale: is too small"),
        ("population.first_birth_year=-1000000", "must be a year in 1900-2100; got -1000000"),
        ("population.first_birth_year=2015", "report.neet_bands[0]: has no simulated persons"),
    ],
)
def test_bad_config_exits_2_with_one_message_and_no_output(tmp_path, override, fragment):
    out = _run([override, "sim.progress=false"], tmp_path)
    assert out.returncode == 2, out.stderr
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("livschancer: error")]
    assert len(errors) == 1
    assert fragment not in out.stdout  # said once, on stderr
    assert not list(tmp_path.glob("*.nc"))
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_run_writes_netcdf_with_provenance_and_prints_table(tmp_path):
    out = _run(["seed=7", "population.scale=0.02", "sim.write_persons=true"], tmp_path)
    assert out.returncode == 0, out.stderr
    for word in ("NEET", "restgruppe", "fit to the published figures", "score targets=244"):
        assert word in out.stdout
    assert "NOTE: parameters are" not in out.stdout  # the shipped set is calibrated
    path = Path(tmp_path) / "livschancer.nc"
    with xr.open_dataset(path) as ds:
        assert ds["lifecourse"].dims == ("year", "age", *dims.CELL, "transition")
        assert int(ds.attrs["seed"]) == 7
        assert ds.attrs["parameters_status"].startswith("CALIBRATED")
        assert len(ds.attrs["parameters_sha256"]) == 64
        assert "seed: 7" in ds.attrs["config"]
        assert ds.attrs["livschancer_version"]
        n = int(ds.attrs["n_persons"])
        assert ds.sizes["person"] == n
        # every person-year is one lifecourse transition (births from 0, arrivals from arrival)
        assert int(ds["lifecourse"].sum()) == int((30 - ds["arrival_age"].astype(int)).sum())
        share = ds["indicator_value"].sel(
            indicator="neet_share[18-20]",
            year=2019,
            group="supported",
            origin_group="all",
            ethnicity="all",
            sex_group="all",
        )
        assert 0 < float(share) < 1
    for suffix in ("_report.html", "_indicators.csv", "_indicators.xlsx"):
        assert (Path(tmp_path) / f"livschancer{suffix}").stat().st_size > 0


def test_existing_result_file_is_refused_before_simulating(tmp_path):
    (tmp_path / "livschancer.nc").write_bytes(b"an earlier result")
    out = _run(["sim.progress=false"], tmp_path)
    assert out.returncode == 2, out.stderr
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("livschancer: error")]
    assert errors == [
        "livschancer: error: ConfigError: output.file: exists already; set "
        f"output.overwrite=true to replace it; got '{tmp_path / 'livschancer.nc'}'"
    ]
    assert (tmp_path / "livschancer.nc").read_bytes() == b"an earlier result"


def test_invalid_parameter_yaml_names_the_file(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("provisional: true\nlifecourse: [1, 2\n")
    out = _run([f"parameters.file={bad}", "sim.progress=false"], tmp_path / "run")
    assert out.returncode == 2, out.stderr
    assert "parameters.file: must be valid YAML" in out.stderr
    assert str(bad) in out.stderr
    assert "line 3" in out.stderr
    assert "<byte string>" not in out.stderr


def test_runs_started_together_get_their_own_run_directory(tmp_path):
    """The default hydra.run.dir holds the time to the microsecond and the process id, so two
    runs started in the same second never share a directory (Hydra's default did)."""
    cmd = [
        sys.executable,
        "-m",
        "livschancer",
        "--cfg",
        "hydra",
        "--resolve",
        "-p",
        "hydra.run.dir",
    ]
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    dirs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        dirs.append(out.strip())
        assert re.fullmatch(
            rf"outputs/\d{{4}}-\d\d-\d\d/\d\d-\d\d-\d\d-\d{{6}}-{proc.pid}", dirs[-1]
        )
    assert dirs[0] != dirs[1]


def test_version_and_help_exit_0(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"livschancer {__version__}\n"
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for part in (
        "usage: livschancer",
        "population.scale=",
        "output.overwrite=true",
        "hydra.run.dir=",
        "Subcommands:",
        *cli.SUBCOMMANDS,
        "outputs/<date>/",
        "Exit status",
    ):
        assert part in text, part


def test_help_from_the_console_script_exits_0(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "livschancer", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert out.returncode == 0
    assert "NEET" in out.stdout
    assert not (tmp_path / "outputs").exists()  # no Hydra run started


def test_subcommand_table():
    expected = {
        "score": "livschancer.outputs.score:main",
        "compare": "livschancer.scenarios.compare:main",
        "collect": "livschancer.sweeps.collect:main",
        "synth": "livschancer.panel.synth:main",
        "calibrate": "livschancer.calibration.fit:main",
    }
    assert {k: cli.SUBCOMMANDS.get(k) for k in expected} == expected


def test_subcommand_gets_its_arguments_and_sets_the_exit_status(monkeypatch):
    calls = []
    fake = types.ModuleType("livschancer_fake_subcommand")
    fake.main = lambda argv: calls.append(argv) or 3
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setitem(cli.SUBCOMMANDS, "fake", f"{fake.__name__}:main")
    with pytest.raises(SystemExit) as info:
        cli.main(["fake", "a.nc", "--flag"])
    assert (info.value.code, calls) == (3, [["a.nc", "--flag"]])


def test_missing_subcommand_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setitem(cli.SUBCOMMANDS, "later", "livschancer.not_yet.module:main")
    with pytest.raises(SystemExit) as info:
        cli.main(["later", "x"])
    assert info.value.code == 2
    assert capsys.readouterr().err == "livschancer: error: later is not available in this version\n"


def test_subcommand_config_error_is_one_line_and_exit_2(monkeypatch, capsys):
    from livschancer.errors import ConfigError

    def main(argv):
        raise ConfigError("score.file", "must be an existing file", argv[0])

    fake = types.ModuleType("livschancer_fake_failing")
    fake.main = main
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setitem(cli.SUBCOMMANDS, "failing", f"{fake.__name__}:main")
    with pytest.raises(SystemExit) as info:
        cli.main(["failing", "nope.nc"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert (
        err
        == "livschancer: error: ConfigError: score.file: must be an existing file; got 'nope.nc'\n"
    )


def test_report_targets_default_copy_none_and_a_bad_file(tmp_path):
    from livschancer.config import RunConfig
    from livschancer.errors import TargetsError

    run = RunConfig()
    shipped = cli.report_targets(run)  # null: the packaged copy of the published figures
    assert len(shipped) == 244
    assert shipped.attrs["source"] == "calibration_targets.csv"
    run.report.targets = "none"
    assert cli.report_targets(run) is None
    run.report.targets = str(tmp_path / "missing.csv")
    with pytest.raises(TargetsError, match=r"missing\.csv"):
        cli.report_targets(run)


def test_packaged_targets_are_the_shared_file():
    # data/calibration_targets.csv is a copy for installs without ../shared; it must not drift
    shared = Path(__file__).resolve().parents[1].parent / "shared/targets/calibration.csv"
    if not shared.is_file():
        pytest.skip("shared targets not present")
    from importlib import resources

    packaged = resources.files("livschancer.data").joinpath("calibration_targets.csv")
    assert packaged.read_bytes() == shared.read_bytes()
