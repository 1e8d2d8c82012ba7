"""Tests of errors.py: the one-line report and exit status 2 shared by every command."""

from __future__ import annotations

import pytest

from livschancer.errors import EXIT_USAGE, ConfigError, error_line, exit_on_error


def test_error_line_is_one_line_naming_field_rule_and_value():
    err = ConfigError("report.year", "must be a simulated year", "19\n99")
    line = error_line(err)
    assert (
        line
        == "livschancer: error: ConfigError: report.year: must be a simulated year; got '19\\n99'"
    )
    assert "\n" not in error_line(ConfigError("a", "rule\nover two lines", 1))


def test_exit_on_error_as_context_manager(capsys):
    with pytest.raises(SystemExit) as info, exit_on_error():
        raise ConfigError("seed", "must be an integer", "abc")
    assert info.value.code == EXIT_USAGE == 2
    err = capsys.readouterr().err
    assert err == "livschancer: error: ConfigError: seed: must be an integer; got 'abc'\n"


def test_exit_on_error_as_decorator_and_prog_name(capsys):
    @exit_on_error(prog="livschancer score")
    def main(argv: list[str]) -> int:
        raise ConfigError("score.file", "must exist", argv[0])

    with pytest.raises(SystemExit) as info:
        main(["x.nc"])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("livschancer score: error: ConfigError: score.file")


def test_exit_on_error_lets_other_exceptions_through():
    with pytest.raises(ZeroDivisionError), exit_on_error():
        _ = 1 / 0
