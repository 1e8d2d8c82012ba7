"""Calibration uncertainty: parameter sets drawn from the fit's approximate distribution.

A calibrated file (``status: calibrated``) stores the fitted shifts and the covariance of the
fitted free parameters, ``(J'J)^-1 s^2`` at the optimum (``calibration/fit.py``). A draw adds a
multivariate normal deviation to the fitted parameters and builds the parameter set with the
shifted knobs. Draws are keyed by the name ``"calibration"``, a seed and a draw index, never by
a position in a list, so that both arms of a comparison with the same seed and index get the
same parameter set.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import yaml

from livschancer.calibration.free import by_name, shifts_of
from livschancer.errors import ConfigError
from livschancer.transitions.params import ModelParameters
from livschancer.transitions.provisional import load_parameters, shipped_path

STREAM = zlib.crc32(b"calibration")


def covariance(path: str | Path | None = None) -> tuple[list[str], np.ndarray]:
    """The fitted parameters' names and covariance of a calibrated file (default: shipped)."""
    path = shipped_path() if path is None else Path(path)
    doc = yaml.safe_load(path.read_text())
    cov = doc.get("covariance") if isinstance(doc, dict) else None
    if not (isinstance(doc, dict) and doc.get("status") == "calibrated" and cov):
        raise ConfigError(
            "parameters.file",
            "parameter draws need a calibrated set with a covariance (livschancer calibrate)",
            str(path),
        )
    names = list(cov["parameters"])
    matrix = np.asarray(cov["matrix"], dtype=float).reshape(len(names), len(names))
    return names, matrix


def draw_shifts(path: str | Path | None, seed: int, index: int) -> dict[str, float]:
    """Knob shifts of draw ``index``: a deviation of the fitted parameters from N(0, cov)."""
    names, cov = covariance(path)
    if not names:
        return {}
    rng = np.random.default_rng([int(seed), STREAM, int(index)])
    # symmetrise and clip tiny negative eigenvalues of a near-singular covariance
    w, v = np.linalg.eigh((cov + cov.T) / 2)
    dev = v @ (np.sqrt(np.clip(w, 0, None)) * rng.standard_normal(len(names)))
    return shifts_of(dev, by_name(names))


def draw_parameters(path: str | Path | None, seed: int, index: int) -> ModelParameters:
    """The parameter set of ``path`` with draw ``index`` of its uncertainty.

    An estimated set (``.nc``, ``livschancer estimate``) draws from its Dirichlet posterior
    (``transitions/estimate.py``); a calibrated YAML set from the fit's covariance.
    """
    if path is not None and str(path).endswith(".nc"):
        from livschancer.transitions.estimate import posterior_draw
        from livschancer.transitions.store import open_parameters, open_posterior

        posterior = open_posterior(path)
        if not posterior:
            raise ConfigError(
                "parameters.file",
                "parameter draws need an estimated set stored with its posterior",
                str(path),
            )
        return posterior_draw(open_parameters(path), posterior, seed, index)
    params = load_parameters(path, shifts=draw_shifts(path, seed, index))
    params.provenance["parameter_draw"] = f"seed {seed}, draw {index}"
    return params
