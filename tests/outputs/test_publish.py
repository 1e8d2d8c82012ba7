"""Tests of outputs/publish.py: the files a run writes beside its NetCDF file."""

from __future__ import annotations

import pytest

from livschancer.errors import ConfigError
from livschancer.outputs.publish import publish


def test_publish_writes_tables_and_report(run, tmp_path):
    paths = publish(run, tmp_path, stem="livschancer", language="da")
    assert {p.name for p in paths.values()} == {
        "livschancer_indicators.csv",
        "livschancer_indicators.xlsx",
        "livschancer_report.html",
    }
    assert all(p.is_file() for p in paths.values())
    assert '<html lang="da">' in paths["html"].read_text(encoding="utf-8")


def test_publish_refuses_an_unknown_language(run, tmp_path):
    with pytest.raises(ConfigError, match=r"report\.language"):
        publish(run, tmp_path, language="de")
    assert list(tmp_path.iterdir()) == []
