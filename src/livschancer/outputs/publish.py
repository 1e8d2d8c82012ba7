"""Everything a run writes besides its NetCDF file: the tables and the HTML report.

The command that runs a simulation calls, in order::

    ind = standard_indicators(result.tallies, run.report.year)
    ds = build_run_dataset(result.tallies, ind, run_attrs(seed=..., scenario=..., ...))
    path = write_dataset(ds, output_dir / run.output.file)
    paths = publish(ds, output_dir, stem=path.stem, language=run.report.language)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from livschancer.outputs import report, tables
from livschancer.outputs.labels import check_language


def publish(
    run: xr.Dataset,
    directory: str | Path,
    stem: str = "livschancer",
    language: str = "en",
    score: pd.DataFrame | None = None,
    comparison: list[report.Section] | None = None,
) -> dict[str, Path]:
    """Write ``<stem>_indicators.csv``, ``<stem>_indicators.xlsx`` and ``<stem>_report.html``
    into ``directory`` from a run file (its indicators and attrs); returns them by kind."""
    language = check_language(language)
    directory = Path(directory)
    csv, xlsx = tables.write_tables(
        run, directory, stem=f"{stem}_indicators", language=language, score=score
    )
    html = report.write_report(
        run,
        directory / f"{stem}_report.html",
        language=language,
        score=score,
        comparison=comparison,
    )
    return {"csv": csv, "xlsx": xlsx, "html": html}
