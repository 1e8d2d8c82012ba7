"""A self-contained HTML report of one run (plots inline as SVG; no network needed).

:func:`build_report` returns the HTML of a run file (tallies, indicators and attrs, see
``outputs/runfile.py``); :func:`write_report` writes it. Sections:

1. the run: scenario, seed, overrides, version, parameter file, its SHA-256 and status (a
   banner when the parameters are provisional);
2. headline figures of the report year with their 95% Monte Carlo intervals, by group, and by
   parental origin with the chanceulighed gap;
3. figures: status by age, trends;
4. calibration fit (from a score table, when given);
5. scenario comparison (a hook: sections passed in by the caller);
6. assumptions and definitions.

Cells with few persons behind them are marked (``†``, fewer than ``tables.FEW_PERSONS``) or
not shown (fewer than ``tables.SUPPRESS_PERSONS``), never printed as if exact. The language is
``"en"`` or ``"da"`` (``report.language``; :func:`check_language`).
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xarray as xr

from livschancer.outputs import plots
from livschancer.outputs.indicators import REGISTRY
from livschancer.outputs.labels import check_language, text
from livschancer.outputs.score import summary_line
from livschancer.outputs.tables import (
    FEW_PERSONS,
    SUPPRESS_PERSONS,
    band_text,
    indicator_label,
)

__all__ = ["HEADLINE", "Section", "build_report", "check_language", "write_report"]

#: Headline rows: (indicator, band).
HEADLINE: tuple[tuple[str, tuple[int, int]], ...] = (
    ("neet_share", (15, 17)),
    ("neet_share", (18, 20)),
    ("neet_share", (21, 25)),
    ("neet_share", (26, 29)),
    ("neet_share", (15, 29)),
    ("restgruppe_share", (18, 29)),
    ("restgruppe_share", (25, 25)),
    ("restgruppe_share", (29, 29)),
    ("afgangseksamen_rate", (15, 16)),
    ("youth_edu_completed_share", (21, 21)),
    ("vocational_completed_share", (25, 25)),
    ("higher_completed_share", (29, 29)),
)
_HEAD_GROUPS = ("supported", "grew_up_in", "public_housing", "population")

#: General assumptions listed in every report (the per-indicator ones come from the registry).
ASSUMPTIONS_EN: tuple[str, ...] = (
    "Every figure is computed from the run's tallies only, as it would be from a register "
    "panel counted into the same tallies (model.md section 5).",
    "'Supported areas' counts residents of a supported area in the year; 'grew up in' is the "
    "reports' grew-up-in cohort (at least 2 consecutive years in a supported area at 15-18), "
    "followed wherever it lives; 'public housing' is the almene sector including the "
    "supported areas; 'population' is everyone, including all the others.",
    "Parental origin is at least one resident parent in the restgruppe when the person was 15.",
    "The model simulates ages 0-29; figures about adults are not computed.",
    "± is the 95% Monte Carlo interval from the counts behind each figure (binomial for "
    "shares, Poisson for rates). Parameter uncertainty is not included.",
)
ASSUMPTIONS_DA: tuple[str, ...] = (
    "Alle tal er beregnet alene ud fra kørslens tællinger, som de ville blive det fra et "
    "registerpanel talt op i de samme tællinger (model.md afsnit 5).",
    "'Støttede områder' tæller årets beboere i et støttet område; 'opvokset i' er rapporternes "
    "opvækstkohorte (mindst 2 år i træk i et støttet område i alderen 15-18), fulgt hvor de "
    "end bor; 'den almene sektor' omfatter de støttede områder; 'befolkningen' er alle.",
    "Social baggrund er mindst én bopælsforælder i restgruppen, da personen var 15.",
    "Modellen simulerer alderen 0-29; tal om voksne beregnes ikke.",
    "± er 95 %-Monte Carlo-intervallet ud fra antallene bag hvert tal (binomialt for andele, "
    "Poisson for rater). Usikkerhed på parametrene er ikke medregnet.",
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2em auto;
max-width:70em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3}
td.few{color:#888;font-style:italic}td.none{color:#bbb}
.banner{background:#fff3cd;border:1px solid #e0b84a;padding:.6em 1em;font-weight:bold}
.note{font-size:.85em;color:#555}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
code{font-size:.9em}
"""


@dataclass(frozen=True)
class Section:
    """An extra report section (the scenario comparison and calibration hooks): a title and
    trusted HTML (built by livschancer code, not user text)."""

    title: str
    html: str


def _esc(x: object) -> str:
    return html.escape(str(x))


def _doc(text_: str) -> str:
    """A docstring sentence as HTML: escaped, with its ``literals`` as <code>."""
    return re.sub(r"``(.+?)``", r"<code>\1</code>", _esc(text_))


def _fmt_cell(value: float, se: float, persons: float, kind: str) -> tuple[str, str]:
    """(text, css class) of a value with its 95% MC interval and its few-persons mark."""
    if not persons or math.isnan(persons) or persons <= 0 or math.isnan(value):
        return "·", "none"
    if persons < SUPPRESS_PERSONS:
        return f"(n&lt;{SUPPRESS_PERSONS})", "none"
    factor, unit = (1000.0, "‰") if kind == "rate" else (100.0, "%")
    txt = f"{factor * value:.1f} {unit} ± {factor * 1.96 * se:.1f}"
    if persons < FEW_PERSONS:
        return f"{txt} †", "few"
    return txt, ""


def _headline_rows(ind: xr.Dataset) -> list[tuple[str, tuple[int, int]]]:
    have = set(map(str, ind["indicator"].values)) if "indicator" in ind.dims else set()
    return [(n, a) for n, a in HEADLINE if f"{n}[{a[0]}-{a[1]}]" in have]


def _headline_table(ind: xr.Dataset, year: int, language: str) -> str:
    rows = []
    head = "".join(f"<th>{_esc(text(g, language))}</th>" for g in _HEAD_GROUPS)
    rows.append(f"<tr><th>{_esc(text('col_indicator', language))}</th>{head}</tr>")
    for name, ages in _headline_rows(ind):
        sel = {
            "indicator": f"{name}[{ages[0]}-{ages[1]}]",
            "year": year,
            "origin_group": "all",
            "ethnicity": "all",
            "sex_group": "all",
        }
        cells = []
        for g in _HEAD_GROUPS:
            v = float(ind["indicator_value"].sel(group=g, **sel))
            se = float(ind["indicator_se"].sel(group=g, **sel))
            n = float(ind["indicator_den"].sel(group=g, **sel))
            txt, cls = _fmt_cell(v, se, n, REGISTRY[name].kind)
            cells.append(f'<td class="{cls}" data-persons="{n:.0f}">{txt}</td>')
        label = f"{indicator_label(name, language)} ({band_text(ages)})"
        rows.append(f"<tr><td>{_esc(label)}</td>{''.join(cells)}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _origin_table(ind: xr.Dataset, year: int, language: str) -> str:
    groups = ("grew_up_in", "population")
    head = ""
    for g in groups:
        for o in ("restgruppe", "not_restgruppe"):
            head += f"<th>{_esc(text(g, language))}: {_esc(text(o, language))}</th>"
        head += f"<th>{_esc(text(g, language))}: {_esc(text('col_gap', language))}</th>"
    rows = [f"<tr><th>{_esc(text('col_indicator', language))}</th>{head}</tr>"]
    for name, ages in _headline_rows(ind):
        lab = f"{name}[{ages[0]}-{ages[1]}]"
        sel = {"indicator": lab, "year": year, "ethnicity": "all", "sex_group": "all"}
        kind = REGISTRY[name].kind
        cells = []
        for g in groups:
            for o in ("restgruppe", "not_restgruppe"):
                s = {**sel, "group": g, "origin_group": o}
                txt, cls = _fmt_cell(
                    float(ind["indicator_value"].sel(s)),
                    float(ind["indicator_se"].sel(s)),
                    float(ind["indicator_den"].sel(s)),
                    kind,
                )
                cells.append(f'<td class="{cls}">{txt}</td>')
            gv = float(ind["gap_value"].sel({**sel, "group": g}))
            gs = float(ind["gap_se"].sel({**sel, "group": g}))
            n = min(
                float(ind["indicator_den"].sel({**sel, "group": g, "origin_group": o}))
                for o in ("restgruppe", "not_restgruppe")
            )
            factor = 1000.0 if kind == "rate" else 100.0
            if math.isnan(gv) or n < SUPPRESS_PERSONS:
                cells.append('<td class="none">·</td>')
            else:
                mark, cls = (" †", "few") if n < FEW_PERSONS else ("", "")
                cells.append(
                    f'<td class="{cls}">{factor * gv:+.1f} ± {factor * 1.96 * gs:.1f}{mark}</td>'
                )
        label = f"{indicator_label(name, language)} ({band_text(ages)})"
        rows.append(f"<tr><td>{_esc(label)}</td>{''.join(cells)}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _run_table(attrs: dict, language: str) -> str:
    keys = (
        "scenario",
        "seed",
        "overrides",
        "livschancer_version",
        "created",
        "parameters_file",
        "parameters_sha256",
        "parameters_status",
        "report_year",
    )
    rows = []
    for k in keys:
        if k not in attrs:
            continue
        value = attrs[k]
        if k == "overrides":
            with contextlib.suppress(TypeError, ValueError):
                value = " ".join(json.loads(value)) or "—"
        label = text("version" if k == "livschancer_version" else k, language)
        rows.append(f"<tr><th>{_esc(label)}</th><td><code>{_esc(value)}</code></td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _fit_section(score: pd.DataFrame, language: str) -> str:
    parts = [f"<p><code>{_esc(summary_line(score))}</code></p>"]
    parts.append(f"<figure>{plots.to_svg(plots.fit_figure(score, language))}</figure>")
    cols = ["id", "indicator", "age_from", "age_to", "group", "year", "published", "simulated"]
    rows = ["<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in [*cols, "diff_pp", "reason"])]
    for _, r in score.iterrows():
        cells = [_esc(r[c]) for c in cols[:6]]
        cells.append(f"{100 * r['published']:.1f}")
        cells.append("" if pd.isna(r["simulated"]) else f"{100 * r['simulated']:.1f}")
        cells.append("" if pd.isna(r["diff_pp"]) else f"{r['diff_pp']:+.1f}")
        cells.append(_esc(r["reason"]))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    parts.append("<details><summary>" + _esc(text("fit", language)) + "</summary><table>")
    parts.append("".join(rows) + "</table></details>")
    return "".join(parts)


def _assumptions(ind: xr.Dataset, language: str, attrs: dict) -> str:
    general = ASSUMPTIONS_DA if language == "da" else ASSUMPTIONS_EN
    items = [f"<li>{_esc(a)}</li>" for a in general]
    status = attrs.get("parameters_status", "")
    if status:
        items.append(f"<li>{_esc(text('parameters_status', language))}: {_esc(status)}</li>")
    shown = sorted({n for n, _ in _headline_rows(ind)})
    defs = "".join(
        f"<li><b>{_esc(indicator_label(n, language))}</b> (<code>{n}</code>): "
        f"{_doc(REGISTRY[n].definition)}</li>"
        for n in shown
    )
    missing = ind.attrs.get("missing_parts", "")
    miss = (
        f"<p class='note'>{_esc(text('missing_parts', language))}: {_esc(missing)}</p>"
        if missing
        else ""
    )
    return f"<ul>{''.join(items)}</ul><ul>{defs}</ul>{miss}"


def build_report(
    run: xr.Dataset,
    *,
    language: str = "en",
    score: pd.DataFrame | None = None,
    comparison: list[Section] | None = None,
    extra: list[Section] | None = None,
) -> str:
    """The HTML report of a run file (module docstring).

    Parameters
    ----------
    run
        A run file: the indicators of ``outputs.standard.standard_indicators`` and the run attrs
        (the tallies are not needed).
    language
        ``"en"`` or ``"da"``.
    score
        A score table (``outputs.score.score_targets``) for the calibration-fit section.
    comparison
        Sections of a scenario comparison (with_plan against without_plan, ...).
    extra
        Further sections, appended before the assumptions.
    """
    language = check_language(language)
    attrs = dict(run.attrs)
    years = run["year"].values
    year = int(attrs.get("report_year", run.attrs.get("report_year", years[-1])))
    if year not in years:
        year = int(years[-1])
    attrs["report_year"] = year
    body = [f"<h1>{_esc(text('title', language))}</h1>"]
    if str(attrs.get("parameters_status", "")).upper().startswith("PROVISIONAL"):
        body.append(f"<p class='banner'>{_esc(text('provisional', language))}</p>")
    body.append(f"<h2>{_esc(text('run', language))}</h2>{_run_table(attrs, language)}")
    notes = (
        f"<p class='note'>{_esc(text('interval_note', language))} "
        f"{_esc(text('few_note', language).format(few=FEW_PERSONS, sup=SUPPRESS_PERSONS))}</p>"
    )
    if "indicator_value" in run:
        body.append(f"<h2>{_esc(text('headline', language))} ({year})</h2>")
        body.append(_headline_table(run, year, language) + notes)
        body.append(f"<h2>{_esc(text('by_origin', language))} ({year})</h2>")
        body.append(_origin_table(run, year, language))
    body.append(f"<h2>{_esc(text('figures', language))}</h2>")
    if "age_profile_share" in run:
        cap = text("fig_age", language).format(
            year=run["age_profile_share"].attrs.get("year", year)
        )
        fig = plots.to_svg(plots.age_profile_figure(run, language))
        body.append(f"<figure>{fig}<figcaption>{_esc(cap)}</figcaption></figure>")
    if "indicator_value" in run:
        fig = plots.to_svg(plots.trends_figure(run, language))
        cap = text("fig_trend", language)
        body.append(f"<figure>{fig}<figcaption>{_esc(cap)}</figcaption></figure>")
    body.append(f"<h2 id='fit'>{_esc(text('fit', language))}</h2>")
    if score is not None and len(score):
        body.append(_fit_section(score, language))
    else:
        body.append(f"<p class='note'>{_esc(text('no_fit', language))}</p>")
    body.append(f"<h2 id='comparison'>{_esc(text('comparison', language))}</h2>")
    if comparison:
        body += [f"<h3>{_esc(s.title)}</h3>{s.html}" for s in comparison]
    else:
        body.append(f"<p class='note'>{_esc(text('no_comparison', language))}</p>")
    for s in extra or []:
        body.append(f"<h2>{_esc(s.title)}</h2>{s.html}")
    body.append(f"<h2>{_esc(text('assumptions', language))}</h2>")
    body.append(_assumptions(run, language, attrs))
    title = _esc(
        f"{text('title', language)}: {attrs.get('scenario', '')} seed {attrs.get('seed', '')}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def write_report(run: xr.Dataset, path: str | Path, **kwargs) -> Path:
    """Write :func:`build_report` to ``path`` atomically; returns the path."""
    path = Path(path)
    page = build_report(run, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
