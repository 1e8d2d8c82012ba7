"""Tests of outputs/report.py: a self-contained page, marked few-person cells, both languages,
the hooks, and the page opened in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from livschancer.errors import ConfigError
from livschancer.outputs import report
from livschancer.outputs.labels import check_language

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_report_is_self_contained_with_headline_and_uncertainty(run, tmp_path):
    path = report.write_report(run, tmp_path / "report.html", language="en")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    # nothing fetched from anywhere: no external src/href/url() (SVG namespaces are names only)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(http" not in page
    assert "<script" not in page
    assert page.count("<svg") >= 2
    assert "PROVISIONAL PARAMETERS" in page
    assert "21.0 % ± 4.6" in page  # NEET 18-20 in the population: 63 of 300
    assert "66.7 % ± 37.7 †" in page  # supported residents: 4 of 6, marked as few persons
    assert "(n&lt;5)" in page  # the grew-up-in 25-year-olds: 3 persons, not shown
    assert "seed=11" in page
    assert "0" * 64 in page


def test_report_in_danish_and_language_check(run):
    page = report.build_report(run, language="da")
    assert '<html lang="da">' in page
    assert "Hovedtal" in page
    assert "FORELØBIGE PARAMETRE" in page
    with pytest.raises(ConfigError, match=r"report\.language: must be one of"):
        report.build_report(run, language="sv")
    assert check_language("da") == "da"


def test_report_hooks_for_comparison_and_fit(run):
    score = pd.DataFrame(
        {
            "id": ["C1", "C2"],
            "indicator": ["neet_share", "restgruppe_share"],
            "age_from": [18, 25],
            "age_to": [20, 50],
            "group": ["population", "supported"],
            "year": [2019, 2019],
            "published": [0.2, 0.25],
            "simulated": [0.21, float("nan")],
            "sim_se": [0.02, float("nan")],
            "combined_se": [0.03, float("nan")],
            "diff_pp": [1.0, float("nan")],
            "computable": [True, False],
            "reason": ["", "ages above 29"],
        }
    )
    section = report.Section("with_plan against without_plan", "<p id='cmp'>+1.2 pp</p>")
    page = report.build_report(run, score=score, comparison=[section])
    assert "<p id='cmp'>+1.2 pp</p>" in page
    assert "score targets=2 computable=1 median_abs_pp=1.00 within_3pp=1.000" in page
    assert "ages above 29" in page
    plain = report.build_report(run)
    assert "No scenario comparison was made" in plain
    assert "was not scored" in plain


def _chromium(*args: str, tmp) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")
def test_report_opens_in_a_headless_browser(run, tmp_path):
    path = report.write_report(run, tmp_path / "report.html", language="en")
    url = path.resolve().as_uri()
    shot = tmp_path / "first_page.png"
    res = _chromium(f"--screenshot={shot}", "--window-size=1280,2000", url, tmp=tmp_path)
    assert shot.is_file(), res.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
    dom = _chromium("--dump-dom", url, tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Headline figures (2019)" in dom.stdout
    assert "21.0 % ± 4.6" in dom.stdout
    assert dom.stdout.count("<svg") >= 2
    for log in (res.stderr, dom.stderr):
        console = [ln for ln in log.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
        assert not console, console
