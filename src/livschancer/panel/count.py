"""Counting a panel into the tallies a simulation writes (model.md section 5).

The panel is read in chunks of whole persons (``panel/read.py``); each chunk becomes the
person-year records the kernel writes (:class:`~livschancer.tallies.records.People`,
:class:`~livschancer.tallies.records.Records`) and goes through the very counting kernel a
simulation uses (``tallies/count.py``), so the tallies of a synthetic panel equal, exactly, the
tallies of the simulation that wrote it, and every indicator of ``livschancer.outputs`` is
computed from a panel by the same code. Memory is bounded by the chunk size, not the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from livschancer import states
from livschancer.panel import read
from livschancer.tallies.count import count_records, empty_tallies, label_tallies, lookup
from livschancer.tallies.records import ABSENT, People, Records


@dataclass
class CountResult:
    """The labelled tallies of a panel, its size and what was dropped."""

    tallies: xr.Dataset
    n_rows: int
    n_persons: int
    report: read.DropReport


def chunk_records(chunk: read.Chunk) -> tuple[People, Records]:
    """The records of a chunk of whole persons (rows sorted by person and year)."""
    pid = chunk.person_id
    n_rows = pid.shape[0]
    new = np.ones(n_rows, bool)
    new[1:] = pid[1:] != pid[:-1]
    first = np.flatnonzero(new)
    pidx = np.cumsum(new) - 1
    m = first.shape[0]
    age = chunk.age.astype(np.intp)
    state = np.full((m, states.N_AGE), ABSENT, np.uint8)
    area = np.zeros((m, states.N_AGE), np.uint8)
    bits = np.zeros((m, states.N_AGE), np.uint16)
    state[pidx, age] = chunk.state
    area[pidx, age] = chunk.area
    bits[pidx, age] = chunk.bits
    people = People(
        person_id=pid[first].astype(np.uint64),
        birth_year=chunk.birth_year[first].astype(np.int32),
        sex=chunk.sex[first].astype(np.int8),
        menapt=chunk.menapt[first].astype(np.int8),
        area0=chunk.area[first].astype(np.int8),
        parent_rg0=chunk.parent_rg[first].astype(np.int8),
        arrival_age=chunk.age[first].astype(np.int8),
    )
    records = Records(state=state, area=area, bits=bits, took_part=np.zeros(m, np.uint8))
    return people, records


def panel_years(info: read.PanelInfo) -> tuple[int, int]:
    """First and last calendar year of the panel: from its metadata or Parquet statistics, or
    else by one pass over its ``year`` column."""
    if info.years is not None:
        return info.years
    lo, hi = None, None
    for batch in read._raw_batches(info, read.BATCH_ROWS):
        years, bad = read._ints(batch.column("year"), np.int32)
        years = years[~bad]
        if years.size:
            lo = int(years.min()) if lo is None else min(lo, int(years.min()))
            hi = int(years.max()) if hi is None else max(hi, int(years.max()))
    if lo is None or hi is None:
        raise read.PanelError(str(info.path), "year", "the panel has no rows", 0, [])
    return lo, hi


def count_panel(
    path: str | Path,
    drop_invalid: bool = False,
    batch_rows: int = read.BATCH_ROWS,
    years: tuple[int, int] | None = None,
) -> CountResult:
    """Validate and count the panel at ``path`` into the labelled tallies (``tallies/spec.py``).

    ``years`` (first, last) fixes the ``year`` dim; by default the panel's own years.

    Raises
    ------
    livschancer.panel.read.PanelError
        At the first rule the panel breaks (unless ``drop_invalid``).
    """
    info = read.panel_info(path)
    first, last = years or panel_years(info)
    tallies = empty_tallies(last - first + 1)
    lk = lookup()
    report = read.DropReport()
    n_rows = n_persons = 0
    for chunk in read.iter_persons(
        path, batch_rows=batch_rows, drop_invalid=drop_invalid, report=report, info=info
    ):
        if chunk.year.min() < first or chunk.year.max() > last:
            bad = (chunk.year < first) | (chunk.year > last)
            raise read.PanelError(
                str(info.path),
                "year",
                f"years must lie in {first}-{last}",
                int(bad.sum()),
                chunk.year[bad][:3].tolist(),
            )
        people, rec = chunk_records(chunk)
        count_records(people, rec, first, tallies, lk)
        n_rows += chunk.person_id.shape[0]
        n_persons += people.person_id.shape[0]
    ds = label_tallies(tallies, first)
    ds.attrs.update(
        {
            "source": f"panel {Path(path).name}",
            "synthetic": info.metadata.get("livschancer.synthetic", "false"),
            "n_rows": n_rows,
            "n_persons": n_persons,
        }
    )
    return CountResult(ds, n_rows, n_persons, report)
