"""Reading a panel in chunks (pyarrow) and validating it (pandera + the rules across rows).

:func:`iter_persons` yields :class:`Chunk` bundles of whole persons (a person's rows are never
split between chunks), as integer codes of :mod:`livschancer.states`, ready for counting. A
chunk is validated before it is yielded; the first rule broken stops reading with one
:class:`PanelError` line naming the file, the column, the rule, the number of offending rows
(in the chunk where it was found) and a few example rows. With ``drop_invalid=True`` the
persons with an invalid row are dropped instead (all their rows: a person is counted from a
complete history or not at all) and :class:`DropReport` says what was dropped and why.

A panel must be sorted by ``person_id``, then ``year`` (``livschancer synth`` writes it so; a
register extract is sorted with one ``ORDER BY``): that is what lets a panel larger than memory
be read in chunks. Each person's rows must run, without gaps, from their first year (birth or
arrival) to age 29.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pandera.errors
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from livschancer import states
from livschancer.errors import ConfigError
from livschancer.panel import schema
from livschancer.tallies.records import BITS

#: Rows read per batch (before whole persons are cut out of it).
BATCH_ROWS: int = 1_000_000
#: Example rows shown in an error.
N_EXAMPLES: int = 3
#: Flags stored as bits of ``Records.bits`` (panel column -> bit name).
FLAG_BITS: dict[str, str] = {
    "member": "member",
    "origin": "origin",
    "parent_rg": "parent_rg",
    "job": "job",
    "poverty": "poverty",
    "parent_psych": "parent_psych",
    "crime": "crime",
    "poverty_ever": "poverty_ever",
    "crime_before": "crime_before",
    "dropout_ever": "dropout_ever",
}
_CODE_COLS = tuple(c.name for c in schema.COLUMNS if c.kind == "code")
_INT_COLS = tuple(c.name for c in schema.COLUMNS if c.kind != "code")
_WORK_DTYPE = {k: np.dtype(v).type for k, v in schema.WORK_DTYPE.items()}
#: (activity code, attain code) -> life-course code, -1 where the pair is invalid.
PAIR_CODE: np.ndarray = np.full((len(states.ACTIVITY), len(states.ATTAIN)), -1, np.int16)
for _i, (_a, _e) in enumerate(states.LIFECOURSE_PAIRS):
    PAIR_CODE[states.ACTIVITY.index(_a), states.ATTAIN.index(_e)] = _i


class PanelError(ConfigError):
    """A panel breaks a rule: names the file, the column, the rule, the number of offending rows
    and a few example rows."""

    def __init__(self, file: str, column: str, rule: str, n_rows: int, examples: object) -> None:
        self.file = file
        self.column = column
        self.n_rows = n_rows
        super().__init__(
            f"{Path(file).name}: column {column!r}",
            f"{rule} ({n_rows:,} offending rows)",
            examples,
        )

    def __reduce__(self):
        return (type(self), (self.file, self.column, self.rule, self.n_rows, self.value))


@dataclass
class DropReport:
    """What ``drop_invalid`` dropped: offending rows by (column, rule), and the persons and rows
    dropped with them."""

    rows_by_rule: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    rows: int = 0
    rows_read: int = 0

    def add(self, column: str, rule: str, n: int) -> None:
        key = f"{column}: {rule}"
        self.rows_by_rule[key] = self.rows_by_rule.get(key, 0) + n

    def lines(self) -> list[str]:
        """Human-readable lines of the report."""
        out = [
            f"dropped {self.persons:,} persons ({self.rows:,} of {self.rows_read:,} rows) with "
            "an invalid row:"
        ]
        out += [f"  {k}: {n:,} rows" for k, n in sorted(self.rows_by_rule.items())]
        return out


class Chunk(NamedTuple):
    """Validated rows of whole persons, sorted by person and year, as integer codes."""

    person_id: np.ndarray  # int64
    year: np.ndarray  # int32
    birth_year: np.ndarray  # int32
    age: np.ndarray  # int16
    sex: np.ndarray  # int8 codes
    menapt: np.ndarray  # int8
    area: np.ndarray  # int8
    state: np.ndarray  # int16 life-course codes
    attain: np.ndarray  # int8
    bits: np.ndarray  # uint16, tallies.records.BITS
    parent_rg: np.ndarray  # int8


@dataclass
class PanelInfo:
    """What is known of a panel before reading its rows."""

    path: Path
    fmt: str  # "parquet" or "csv"
    n_rows: int | None
    years: tuple[int, int] | None  # first and last calendar year, if known without a pass
    metadata: dict[str, str]


def panel_info(path: str | Path) -> PanelInfo:
    """Open a panel, check that it exists and has every column with a usable type.

    Raises
    ------
    PanelError
        A missing column (before any row is read); wrong types are found row by row.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError("panel", "must be an existing Parquet or CSV file", str(path))
    fmt = "csv" if path.suffix.lower() in (".csv", ".gz") and ".csv" in path.name else "parquet"
    if fmt == "parquet":
        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as err:
            raise ConfigError("panel", "must be a Parquet file or a .csv file", str(err)) from None
        arrow_schema = pf.schema_arrow
        meta = {
            k.decode(): v.decode()
            for k, v in (pf.metadata.metadata or {}).items()
            if k.startswith(b"livschancer")
        }
        n_rows: int | None = pf.metadata.num_rows
        years = _years_from_meta(meta) or _years_from_stats(pf)
    else:
        reader = pacsv.open_csv(
            path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
        )
        arrow_schema = reader.schema
        meta, n_rows, years = {}, None, None
    names = set(arrow_schema.names)
    for c in schema.COLUMNS:
        if c.name not in names:
            raise PanelError(str(path), c.name, schema.RULES["missing"], n_rows or 0, [])
    return PanelInfo(path, fmt, n_rows, years, meta)


def _years_from_meta(meta: dict[str, str]) -> tuple[int, int] | None:
    if "livschancer.first_year" in meta and "livschancer.last_year" in meta:
        return int(meta["livschancer.first_year"]), int(meta["livschancer.last_year"])
    return None


def _years_from_stats(pf: pq.ParquetFile) -> tuple[int, int] | None:
    idx = pf.schema_arrow.get_field_index("year")
    if idx < 0:
        return None
    lo, hi = None, None
    for g in range(pf.metadata.num_row_groups):
        st = pf.metadata.row_group(g).column(idx).statistics
        if st is None or not st.has_min_max:
            return None
        lo = st.min if lo is None else min(lo, st.min)
        hi = st.max if hi is None else max(hi, st.max)
    return None if lo is None else (int(lo), int(hi))


def _raw_batches(info: PanelInfo, batch_rows: int) -> Iterator[pa.RecordBatch]:
    if info.fmt == "parquet":
        pf = pq.ParquetFile(info.path, read_dictionary=list(_CODE_COLS))
        yield from pf.iter_batches(batch_size=batch_rows, columns=list(schema.NAMES))
    else:
        opts = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in schema.NAMES},
            include_columns=list(schema.NAMES),
            strings_can_be_null=True,
        )
        reader = pacsv.open_csv(
            info.path,
            read_options=pacsv.ReadOptions(block_size=64 << 20),
            convert_options=opts,
        )
        yield from reader


def _codes(arr: pa.Array, codes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (int8, -1 = unknown) and a null mask of a string/dictionary column."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 0:
            return np.zeros(0, np.int8), np.zeros(0, bool)
        parts = [_codes(a, codes) for a in arr.chunks]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    if not pa.types.is_dictionary(arr.type):
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.cast(pa.string())  # integer codes etc.: reported as unknown names
        arr = arr.dictionary_encode()
    lut = np.array([codes.index(v) if v in codes else -1 for v in arr.dictionary.to_pylist()])
    idx = arr.indices.to_numpy(zero_copy_only=False)
    null = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if null.any():
        idx = np.where(null, 0, idx)
    out = lut[idx].astype(np.int8) if lut.size else np.full(len(arr), -1, np.int8)
    out[null] = -1
    return out, null


def _ints(arr: pa.Array, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Integer values and a mask of rows that are not integers (null, text, fractions)."""
    if pa.types.is_integer(arr.type):
        null = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        vals = arr.fill_null(0).to_numpy(zero_copy_only=False) if null.any() else arr.to_numpy()
        return vals.astype(dtype, copy=False), null
    num = pd.to_numeric(pd.Series(arr.to_numpy(zero_copy_only=False)), errors="coerce")
    vals = num.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(vals) | (vals != np.round(vals))
    vals = np.where(bad, 0, vals)
    info = np.iinfo(dtype)
    bad |= (vals < info.min) | (vals > info.max)
    return np.where(bad, 0, vals).astype(dtype), bad


class _Rows:
    """Rows of a batch (plus the carried-over last person of the previous one), converted."""

    def __init__(self, batch: pa.RecordBatch | pa.Table, first_row: int) -> None:
        self.raw = batch
        self.row = np.arange(first_row, first_row + batch.num_rows, dtype=np.int64)
        self.cols: dict[str, np.ndarray] = {}
        self.type_bad: dict[str, np.ndarray] = {}
        for c in schema.COLUMNS:
            arr = batch.column(c.name)
            if isinstance(arr, pa.ChunkedArray) and c.kind != "code":
                arr = arr.combine_chunks()
            if c.kind == "code":
                self.cols[c.name], self.type_bad[c.name] = _codes(arr, c.codes)
            else:
                self.cols[c.name], self.type_bad[c.name] = _ints(arr, _WORK_DTYPE[c.kind])

    def example(self, mask: np.ndarray, column: str) -> list[dict[str, object]]:
        """A few offending rows: their row number, person, year and the column's value."""
        out = []
        for i in np.flatnonzero(mask)[:N_EXAMPLES]:
            r = {"row": int(self.row[i])}
            for name in dict.fromkeys(("person_id", "year", column)):
                v = self.raw.column(name)[int(i)].as_py()
                r[name] = v
            out.append(r)
        return out


def _rule_masks(rows: _Rows) -> list[tuple[str, str, np.ndarray]]:
    """(column, rule, offending-row mask) of every rule broken by the rows, in check order."""
    out: list[tuple[str, str, np.ndarray]] = []
    for name, bad in rows.type_bad.items():
        c = schema.COLUMN[name]
        if c.kind != "code" and bad.any():
            out.append((name, schema.RULES["type"].format(kind="integers"), bad))
    frame = pd.DataFrame(rows.cols, copy=False)
    try:
        _SCHEMA.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        fc = err.failure_cases
        for (col, check), grp in fc.groupby(["column", "check"], sort=False):
            idx = grp["index"].dropna().to_numpy(dtype=np.int64)
            mask = np.zeros(frame.shape[0], bool)
            mask[idx] = True
            if check == "age":
                out.append(("age", schema.RULES["age"], mask))
                continue
            c = schema.COLUMN[str(col)]
            if c.kind == "code":
                rule = schema.RULES["code"].format(codes=list(c.codes))
            else:
                lo, hi = (states.AGE_MIN, states.AGE_MAX) if c.kind == "age" else (0, 1)
                rule = schema.RULES["range"].format(lo=lo, hi=hi)
            if not rows.type_bad[str(col)][mask].all():
                out.append((str(col), rule, mask & ~rows.type_bad[str(col)]))
    act, att = rows.cols["activity"], rows.cols["attain"]
    ok = (act >= 0) & (att >= 0)
    pair = np.where(ok, PAIR_CODE[np.maximum(act, 0), np.maximum(att, 0)], 0)
    if (ok & (pair < 0)).any():
        out.append(("activity", schema.RULES["pair"], ok & (pair < 0)))
    pid, year = rows.cols["person_id"], rows.cols["year"]
    same = np.zeros(pid.shape[0], bool)
    same[1:] = pid[1:] == pid[:-1]
    dyear = np.zeros(pid.shape[0], np.int64)
    dyear[1:] = np.diff(year.astype(np.int64))
    unsorted = np.zeros(pid.shape[0], bool)
    unsorted[1:] = pid[1:] < pid[:-1]
    unsorted |= same & (dyear < 0)
    if unsorted.any():
        out.append(("person_id", schema.RULES["sorted"], unsorted))
    dup = same & (dyear == 0)
    if dup.any():
        out.append(("year", schema.RULES["duplicate"], dup))
    gap = same & (dyear > 1)
    if gap.any():
        out.append(("year", schema.RULES["gap"], gap))
    down = np.zeros(pid.shape[0], bool)
    down[1:] = same[1:] & (att[1:] < att[:-1]) & (att[:-1] >= 0) & (att[1:] >= 0)
    if down.any():
        out.append(("attain", schema.RULES["attain"], down))
    for name in schema.FIXED:
        v = rows.cols[name]
        changed = np.zeros(pid.shape[0], bool)
        changed[1:] = same[1:] & (v[1:] != v[:-1])
        if changed.any():
            out.append((name, schema.RULES["fixed"], changed))
    # a person's last row must be at age 29 (the counting pass follows everyone to 29)
    last = np.ones(pid.shape[0], bool)
    last[:-1] = ~same[1:]
    short = last & (rows.cols["age"] != states.AGE_MAX) & ~rows.type_bad["age"]
    if short.any():
        out.append(("age", schema.RULES["complete"], short))
    return out


_SCHEMA = schema.row_schema()


def iter_persons(
    path: str | Path,
    batch_rows: int = BATCH_ROWS,
    drop_invalid: bool = False,
    report: DropReport | None = None,
    info: PanelInfo | None = None,
) -> Iterator[Chunk]:
    """Validated chunks of whole persons of the panel at ``path``.

    Raises
    ------
    PanelError
        At the first rule broken (unless ``drop_invalid``); ``sorted`` is never dropped.
    """
    info = info or panel_info(path)
    report = report if report is not None else DropReport()
    carry: pa.Table | None = None
    first_row = 0
    for batch in _raw_batches(info, batch_rows):
        table = pa.Table.from_batches([batch])
        if carry is not None and carry.num_rows:
            table = pa.concat_tables([carry, table])
        start = first_row - (carry.num_rows if carry is not None else 0)
        first_row += batch.num_rows
        pid = _ints(table.column("person_id").combine_chunks(), np.int64)[0]
        # hold back the last person: their rows may continue in the next batch
        cut = int(np.flatnonzero(pid != pid[-1])[-1] + 1) if (pid != pid[-1]).any() else 0
        carry = table.slice(cut)
        if cut:
            yield from _checked(info, table.slice(0, cut), start, drop_invalid, report)
    if carry is not None and carry.num_rows:
        yield from _checked(info, carry, first_row - carry.num_rows, drop_invalid, report)


def _checked(
    info: PanelInfo, table: pa.Table, start: int, drop_invalid: bool, report: DropReport
) -> Iterator[Chunk]:
    rows = _Rows(table, start)
    report.rows_read += table.num_rows
    broken = _rule_masks(rows)
    keep = np.ones(table.num_rows, bool)
    for column, rule, mask in broken:
        if not drop_invalid or rule == schema.RULES["sorted"]:
            raise PanelError(
                str(info.path), column, rule, int(mask.sum()), rows.example(mask, column)
            )
        report.add(column, rule, int(mask.sum()))
        keep &= ~mask
    cols = rows.cols
    if not keep.all():
        pid = cols["person_id"]
        bad_pid = np.unique(pid[~keep])
        keep = ~np.isin(pid, bad_pid)
        report.persons += int(bad_pid.shape[0])
        report.rows += int((~keep).sum())
        cols = {k: v[keep] for k, v in cols.items()}
        if not keep.any():
            return
    bits = np.zeros(cols["person_id"].shape[0], np.uint16)
    for col, b in FLAG_BITS.items():
        bits |= cols[col].astype(np.uint16) << np.uint16(BITS[b])
    yield Chunk(
        person_id=cols["person_id"],
        year=cols["year"],
        birth_year=cols["birth_year"],
        age=cols["age"],
        sex=cols["sex"],
        menapt=cols["menapt"],
        area=cols["area"],
        state=PAIR_CODE[cols["activity"], cols["attain"]],
        attain=cols["attain"],
        bits=bits,
        parent_rg=cols["parent_rg"],
    )


def check_panel(path: str | Path, drop_invalid: bool = False) -> DropReport:
    """Read and validate the whole panel (no output); returns the drop report."""
    report = DropReport()
    for _ in iter_persons(path, drop_invalid=drop_invalid, report=report):
        pass
    return report
