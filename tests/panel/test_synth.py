"""``livschancer synth``: a synthetic panel in the panel format, marked synthetic."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from livschancer.panel import schema, synth
from tests.panel.common import pop
from tests.panel.common import synth as make


def test_panel_has_the_schema_row_groups_and_synthetic_metadata(tmp_path):
    path = make(tmp_path / "p.parquet", row_group_rows=10_000)
    pf = pq.ParquetFile(path)
    assert pf.schema_arrow.names == list(schema.NAMES)
    meta = pf.metadata.metadata
    assert meta[schema.META_SYNTHETIC] == b"true"
    assert int(meta[b"livschancer.persons"]) == pop().n
    sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.metadata.num_row_groups)]
    assert sizes[:-1] == [10_000] * (len(sizes) - 1)
    assert 0 < sizes[-1] <= 10_000
    df = pf.read().to_pandas()
    assert df["person_id"].is_monotonic_increasing
    assert (df["age"] == df["year"] - df["birth_year"]).all()
    assert set(df["activity"].astype(str)) <= set(schema.COLUMN["activity"].codes)
    assert not list(tmp_path.glob(".*tmp"))


def test_same_seed_same_bytes(tmp_path):
    a = make(tmp_path / "a.parquet").read_bytes()
    b = make(tmp_path / "b.parquet").read_bytes()
    c = make(tmp_path / "c.parquet", seed=12).read_bytes()
    assert a == b
    assert a != c


def test_cli_writes_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "s.parquet"
    args = [
        str(out),
        "--persons",
        "300",
        "population.first_birth_year=1985",
        "population.last_birth_year=2005",
        "sim.progress=false",
    ]
    assert synth.main(args) == 0
    assert pq.ParquetFile(out).metadata.num_rows > 0
    before = out.read_bytes()
    with pytest.raises(SystemExit) as err:
        synth.main(args)
    assert err.value.code == 2
    assert "exists already" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_cli_bad_override_is_one_line_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        synth.main([str(tmp_path / "x.parquet"), "population.scale=-1"])
    assert err.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "x.parquet").exists()
