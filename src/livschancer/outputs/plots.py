"""Figures of a run's indicators (matplotlib, no display needed).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no GUI
backend), and :func:`to_svg` renders one as an inline SVG string for the HTML report.

- :func:`age_profile_figure`: status (in education, employed, NEET) by age in the report year,
  supported areas against the population, and by parental origin;
- :func:`trends_figure`: headline indicators over the years for the comparison groups;
- :func:`fit_figure`: simulated against published figures (a score table).

Values with fewer than ``tables.FEW_PERSONS`` persons behind them are not drawn.
"""

from __future__ import annotations

import io
import itertools

import matplotlib
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from livschancer import states
from livschancer.outputs.labels import text
from livschancer.outputs.tables import FEW_PERSONS, band_text, indicator_label

_SALT = itertools.count()
#: Activity groups of the age profile.
STATUS: dict[str, tuple[str, ...]] = {
    "education": tuple(sorted(states.ENROLLED)),
    "employed": ("employed",),
    "neet": ("neet",),
}
_COLORS = {"education": "#1b6fa8", "employed": "#3a923a", "neet": "#c8402a"}
_GROUP_COLORS = {
    "supported": "#c8402a",
    "grew_up_in": "#8e44ad",
    "public_housing": "#d68a1f",
    "population": "#1b6fa8",
}
#: Indicators of the trends figure: (name, band).
TRENDS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("neet_share", (15, 29)),
    ("restgruppe_share", (18, 29)),
    ("youth_edu_completed_share", (21, 21)),
    ("higher_completed_share", (29, 29)),
)


def to_svg(fig: Figure) -> str:
    """The figure as an SVG element (text kept as text; ids unique per call)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"lc{next(_SALT)}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def _status_share(ind: xr.Dataset, status: str, **sel: str) -> tuple[np.ndarray, np.ndarray]:
    acts = list(STATUS[status])
    share = ind["age_profile_share"].sel(activity=acts, ethnicity="all", sex_group="all", **sel)
    persons = ind["age_profile_persons"].sel(
        activity=acts[0], ethnicity="all", sex_group="all", **sel
    )
    y = share.sum("activity").values
    return np.where(persons.values >= FEW_PERSONS, 100 * y, np.nan), persons.values


def age_profile_figure(ind: xr.Dataset, language: str = "en") -> Figure:
    """Two panels: supported areas (solid) against the population (dashed); and residents of
    supported areas by parental origin (solid: parent in restgruppe, dashed: not)."""
    fig = Figure(figsize=(10, 3.8))
    axes = fig.subplots(1, 2, sharey=True)
    ages = ind["age"].values
    panels = (
        (
            axes[0],
            (("supported", "all", "-"), ("population", "all", "--")),
            f"{text('supported', language)} / {text('population', language)}",
        ),
        (
            axes[1],
            (("supported", "restgruppe", "-"), ("supported", "not_restgruppe", "--")),
            f"{text('supported', language)}: {text('col_origin', language).lower()}",
        ),
    )
    for ax, lines, title in panels:
        for status in STATUS:
            for group, origin, style in lines:
                y, _ = _status_share(ind, status, group=group, origin_group=origin)
                label = f"{text(status, language)}, " + (
                    text(group, language) if origin == "all" else text(origin, language)
                )
                ax.plot(ages, y, style, color=_COLORS[status], label=label, lw=1.6)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(text("age", language))
        ax.set_xlim(ages[0], ages[-1])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel(f"{text('share', language)} (%)")
    axes[0].set_ylim(0, 100)
    return fig


def _complete_years(ind: xr.Dataset, ages: tuple[int, int]) -> np.ndarray:
    """Years in which every age of the band has persons (``persons_by_age``): a run of some
    birth cohorts covers a band only in some years, and a half-covered band is no trend."""
    years = ind["year"].values
    if "persons_by_age" not in ind:
        return np.ones(len(years), dtype=bool)
    band = ind["persons_by_age"].sel(age=slice(ages[0], ages[1]))
    return (band > 0).all("age").values


def trends_figure(
    ind: xr.Dataset,
    language: str = "en",
    items: tuple[tuple[str, tuple[int, int]], ...] = TRENDS,
) -> Figure:
    """Small multiples of indicators over the years for each comparison group (origin, ethnicity
    and sex all), with their 95% MC band; the report year is marked."""
    fig = Figure(figsize=(10, 6.4))
    axes = fig.subplots(2, 2).ravel()
    years = ind["year"].values
    report = int(ind.attrs.get("report_year", years[-1]))
    for ax, (name, ages) in zip(axes, items, strict=False):
        lab = f"{name}[{ages[0]}-{ages[1]}]"
        if lab not in ind["indicator"].values:
            ax.set_visible(False)
            continue
        sel = {"indicator": lab, "origin_group": "all", "ethnicity": "all", "sex_group": "all"}
        keep = _complete_years(ind, ages)
        for group, color in _GROUP_COLORS.items():
            v = ind["indicator_value"].sel(group=group, **sel).values
            se = ind["indicator_se"].sel(group=group, **sel).values
            n = ind["indicator_den"].sel(group=group, **sel).values
            ok = keep & (n >= FEW_PERSONS)
            y = np.where(ok, 100 * v, np.nan)
            ax.plot(years, y, color=color, label=text(group, language), lw=1.5)
            ax.fill_between(years, y - 196 * se, y + 196 * se, color=color, alpha=0.15, linewidth=0)
        ax.set_title(f"{indicator_label(name, language)} ({band_text(ages)})", fontsize=10)
        if not keep.any():
            ax.text(0.5, 0.5, text("no_years", language).format(ages=band_text(ages)),
                    transform=ax.transAxes, ha="center", va="center", fontsize=9)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.axvline(report, color="grey", lw=0.8, ls=":")
        ax.grid(alpha=0.3)
        ax.set_xlim(years[keep][0], years[keep][-1])
        ax.set_ylabel("%")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def fit_figure(score: pd.DataFrame, language: str = "en") -> Figure:
    """Simulated (y) against published (x) figures in % for the computable rows of a score,
    with 95% error bars of the combined error (MC only where the target has no n), the
    diagonal and a +-3 pp band; colour by group."""
    fig = Figure(figsize=(5.6, 5.2))
    ax = fig.subplots()
    ok = score[score["computable"]]
    ax.plot([0, 100], [0, 100], color="grey", lw=0.8)
    ax.fill_between([0, 100], [-3, 97], [3, 103], color="grey", alpha=0.12, linewidth=0)
    for group, color in _GROUP_COLORS.items():
        g = ok[ok["group"] == group]
        if g.empty:
            continue
        err = g["combined_se"].fillna(g["sim_se"]).to_numpy() * 196
        ax.errorbar(
            100 * g["published"],
            100 * g["simulated"],
            yerr=err,
            fmt="o",
            ms=3.5,
            color=color,
            elinewidth=0.8,
            label=f"{text(group, language)} ({len(g)})",
        )
    hi = 100 * float(max(ok["published"].max(), ok["simulated"].max(), 0.1)) if len(ok) else 100
    ax.set_xlim(0, min(100, hi * 1.08))
    ax.set_ylim(0, min(100, hi * 1.08))
    ax.set_xlabel(f"{text('published', language)} (%)")
    ax.set_ylabel(f"{text('simulated', language)} (%)")
    ax.set_title(text("fig_fit", language), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return fig
