"""Tests of outputs/plots.py: each figure renders to an inline SVG."""

from __future__ import annotations

import pandas as pd

from livschancer.outputs import plots


def test_figures_render_to_svg(run):
    for fig in (plots.age_profile_figure(run, "da"), plots.trends_figure(run, "en")):
        svg = plots.to_svg(fig)
        assert svg.startswith("<svg")
        assert svg.rstrip().endswith("</svg>")


def test_fit_figure(run):
    score = pd.DataFrame(
        {
            "computable": [True, True, False],
            "group": ["supported", "population", "supported"],
            "published": [0.2, 0.5, 0.3],
            "simulated": [0.25, 0.45, float("nan")],
            "combined_se": [0.01, float("nan"), float("nan")],
            "sim_se": [0.005, 0.002, float("nan")],
        }
    )
    assert "<svg" in plots.to_svg(plots.fit_figure(score, "en"))


def test_svg_ids_differ_between_figures(run):
    a = plots.to_svg(plots.age_profile_figure(run))
    b = plots.to_svg(plots.age_profile_figure(run))
    assert a != b  # salted ids: two figures inline in one page do not share clip-path ids
