"""Estimation: known parameters -> synthetic panel -> tallies -> estimate -> the known values."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.stats import beta

from livschancer import states
from livschancer.cli import main as cli_main
from livschancer.panel.count import count_panel
from livschancer.sim.run import simulate
from livschancer.transitions.estimate import (
    K_GRID,
    estimate,
    posterior_draw,
    shrink,
)
from livschancer.transitions.store import open_parameters
from tests.helpers import PERIODS
from tests.panel.common import SEED, pop, synth, truth

PER_YEAR = 1500


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    path = synth(tmp_path_factory.mktemp("est") / "p.parquet", per_year=PER_YEAR)
    tallies = count_panel(path).tallies
    return path, tallies, estimate(tallies, PERIODS, source="test panel")


def _coverage(p_true, alpha, outcome, n_min, level):
    """Share of (row, outcome) with true p > 0 in rows with >= n_min persons whose central
    ``level`` posterior interval covers the true p."""
    a = alpha.transpose(..., outcome).values
    t = p_true.transpose(..., outcome).values
    tot = a.sum(-1, keepdims=True)
    n_row = np.broadcast_to(tot, a.shape)
    sel = (n_row >= n_min) & (t > 0) & (a > 0)
    lo = beta.ppf((1 - level) / 2, a[sel], n_row[sel] - a[sel])
    hi = beta.ppf((1 + level) / 2, a[sel], n_row[sel] - a[sel])
    inside = (t[sel] >= lo) & (t[sel] <= hi)
    return float(inside.mean()), int(sel.sum())


def test_estimate_is_valid_estimated_and_structural(round_trip):
    _, _, est = round_trip
    p = est.params.validate()
    assert p.status == "estimated"
    assert "test panel" in p.provenance["source"]
    assert float(p.job.sel(age=slice(0, 12)).max()) == 0.0
    assert float(p.job.sel(activity=["employed", "neet", "preschool"]).max()) == 0.0
    assert float(p.crime.sel(age=slice(0, 9)).max()) == 0.0
    assert float(p.risk_or.min()) == float(p.risk_or.max()) == 1.0
    forbidden = ~states.allowed_matrix()
    assert float(p.lifecourse.sel(age=slice(1, None)).values[..., forbidden].max()) == 0.0


@pytest.mark.parametrize(
    ("name", "outcome"), [("lifecourse", "to"), ("job", "outcome"), ("crime", "outcome")]
)
def test_posterior_intervals_cover_the_true_probabilities(round_trip, name, outcome):
    _, _, est = round_trip
    true = getattr(truth(), name)
    if outcome == "outcome":
        true = xr.concat([1 - true, true], dim="outcome").assign_coords(outcome=["no", "yes"])
    alpha = est.posterior[name]
    if name == "lifecourse":  # the periods the panel covers; age 0 rows are unused
        alpha = alpha.sel(age=slice(1, None))
        true = true.sel(age=slice(1, None))
    true = true.transpose(*alpha.dims)
    for level in (0.8, 0.95):
        cov, n = _coverage(true, alpha, outcome, 40, level)
        assert n > 200, n
        assert level - 0.07 <= cov <= min(1.0, level + 0.04), (name, level, cov, n)


def test_a_run_on_the_estimate_reproduces_the_indicators(round_trip):
    _, tallies, est = round_trip
    again = simulate(SEED + 100, pop(PER_YEAR), est.params).tallies
    for lo, hi in ((18, 20), (21, 25), (26, 29)):
        for share in (_neet_share, _youth_edu_share):
            a, n = share(tallies, lo, hi)
            b, _ = share(again, lo, hi)
            # persons are followed over several ages: count persons, not person-years
            se = np.sqrt(2 * a * (1 - a) / (n / (hi - lo + 1)))
            assert abs(a - b) < 4 * se + 0.005, (share.__name__, lo, hi, a, b, se)


def _stock(t: xr.Dataset, lo: int, hi: int) -> xr.DataArray:
    lc = (
        t["lifecourse"]
        .sel(age=slice(lo, hi))
        .sum([d for d in t["lifecourse"].dims if d != "transition"])
    )
    return lc.groupby(t["lifecourse"]["to"]).sum()


def _neet_share(t, lo, hi):
    s = _stock(t, lo, hi)
    neet = [x for x in s["to"].values if x.startswith("neet|")]
    return float(s.sel(to=neet).sum() / s.sum()), float(s.sum())


def _youth_edu_share(t, lo, hi):
    s = _stock(t, lo, hi)
    done = [
        x for x in s["to"].values if x.split("|")[1] in ("youth_edu", "vocational", "higher_edu")
    ]
    return float(s.sel(to=done).sum() / s.sum()), float(s.sum())


def test_shrinkage_pulls_small_cells_and_picks_the_strength():
    rng = np.random.default_rng(0)
    # 200 cells with the same true row: the marginal likelihood wants strong pooling
    p = np.array([0.2, 0.3, 0.5])
    n = np.stack([rng.multinomial(m, p) for m in rng.integers(0, 30, 200)]).astype(float)
    counts = xr.DataArray(n, dims=("cell", "to"))
    fallback = xr.DataArray(np.full(3, 1 / 3), dims="to")
    mean, _, (k,) = shrink(counts, "to", (("cell",), ()), fallback)
    assert k >= 100
    assert float(abs(mean - p).max()) < 0.1
    # cells that really differ: weak pooling
    rows = rng.dirichlet([0.5, 0.5, 0.5], 200)
    n = np.stack([rng.multinomial(200, r) for r in rows]).astype(float)
    _, _, (k2,) = shrink(xr.DataArray(n, dims=("cell", "to")), "to", (("cell",), ()), fallback)
    assert k2 <= 10
    assert k2 in K_GRID


def test_posterior_draws_are_valid_and_reproducible(round_trip):
    _, _, est = round_trip
    a = [posterior_draw(est.params, est.posterior, seed=1, index=i) for i in (0, 1)]
    # keyed by (seed, index), not by how many draws came before
    b = posterior_draw(est.params, est.posterior, seed=1, index=1)
    xr.testing.assert_identical(a[1].lifecourse, b.lifecourse)
    assert not a[0].lifecourse.equals(a[1].lifecourse)
    assert not posterior_draw(est.params, est.posterior, seed=2, index=1).lifecourse.equals(
        b.lifecourse
    )


@pytest.fixture(scope="module")
def cli_estimate(round_trip, tmp_path_factory):
    path, _, _ = round_trip
    out = tmp_path_factory.mktemp("cli") / "est.nc"
    periods = "early:1900-2007,mid:2008-2019,late:2020-2200"
    with pytest.raises(SystemExit) as err:
        cli_main(["estimate", str(path), str(out), "--periods", periods])
    assert err.value.code == 0
    return out


def test_cli_estimate_writes_an_estimated_set(cli_estimate, round_trip):
    params = open_parameters(cli_estimate)
    assert params.status == "estimated"
    xr.testing.assert_allclose(params.lifecourse, round_trip[2].params.lifecourse)


@pytest.mark.slow
def test_a_run_on_the_estimated_file(cli_estimate, tmp_path):
    cli_main(
        [
            f"parameters.file={cli_estimate}",
            "population.scale=0.002",
            "sim.progress=false",
            f"hydra.run.dir={tmp_path / 'run'}",
        ]
    )  # returns normally when it succeeds
    assert (tmp_path / "run" / "livschancer.nc").exists()


def test_compare_draws_from_the_stored_posterior(cli_estimate):
    # `livschancer compare --parameter-draws` on an estimated file draws Dirichlet sets
    from livschancer.calibration.uncertainty import draw_parameters as compare_draw

    a = compare_draw(str(cli_estimate), seed=3, index=0)
    b = compare_draw(str(cli_estimate), seed=3, index=0)
    c = compare_draw(str(cli_estimate), seed=3, index=1)
    xr.testing.assert_identical(a.lifecourse, b.lifecourse)
    assert not a.lifecourse.equals(c.lifecourse)
    assert "posterior" in a.provenance["parameter_draw"]
