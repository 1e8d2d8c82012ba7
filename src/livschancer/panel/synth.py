"""``livschancer synth``: a synthetic register, a simulated population written as a panel.

Simulates persons with a parameter set (the run config's ``parameters.file``, the shipped set by
default) and writes every person-year as one row of the panel format (``panel/schema.py``) to a
Parquet file, sorted by person and year, in row groups of :data:`ROW_GROUP_ROWS` rows, with
key-value metadata that marks it synthetic and records the seed, the parameter set and the
calendar years. The simulation is the engine's own (``sim/run.py``): the same seed and config
give the same panel, byte for byte, and counting it (``panel/count.py``) gives exactly the
tallies the simulation writes.

The file is written under a temporary name beside the target and renamed when complete, so an
interrupted or failed run leaves no partial panel.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hydra import compose, initialize_config_module

from livschancer import __version__, states
from livschancer.config import RunConfig, from_hydra_error, register, validate
from livschancer.errors import ConfigError, exit_on_error
from livschancer.panel import schema
from livschancer.panel.read import FLAG_BITS
from livschancer.sim import kernel
from livschancer.sim.activities import pack_activities
from livschancer.sim.config import PopulationConfig
from livschancer.sim.pack import pack_parameters
from livschancer.sim.population import Population, build_population, draw_people
from livschancer.sim.run import year_tables
from livschancer.tallies.records import ABSENT, BITS, People, Records, empty_records
from livschancer.transitions.params import ModelParameters

#: Default number of persons of a synthetic panel.
DEFAULT_PERSONS: int = 200_000
#: Rows per Parquet row group: about 32 MB of decoded columns, large enough for fast scans,
#: small enough that a reader's batch holds a few of them.
ROW_GROUP_ROWS: int = 1_000_000
#: Persons simulated per kernel call.
CHUNK_PERSONS: int = 100_000


def scaled_population(pop: PopulationConfig, persons: int) -> Population:
    """The population ``pop`` scaled so that it has about ``persons`` persons."""
    if persons < 1:
        raise ConfigError("synth.persons", "must be at least 1", persons)
    full = build_population(pop)
    if full.n == 0:
        raise ConfigError("population", "has no persons to synthesize", pop.scale)
    scaled = PopulationConfig(**{**pop.__dict__, "scale": pop.scale * persons / full.n})
    return build_population(scaled)


def simulate_records(
    seed: int, pop: Population, params: ModelParameters, chunk: int = CHUNK_PERSONS
) -> Iterator[tuple[People, Records]]:
    """The engine's person-year records of every person of ``pop``, chunk by chunk (the same
    records ``sim.run.simulate`` counts: no activities)."""
    year0, period_of_year = year_tables(params, pop)
    tb = pack_parameters(params, period_of_year, year0)
    acts = pack_activities([])
    for lo in range(0, pop.n, chunk):
        ids = np.arange(lo, min(pop.n, lo + chunk), dtype=np.uint64)
        people = draw_people(seed, pop, ids)
        rec = empty_records(ids.shape[0])
        kernel.simulate_chunk(np.uint64(seed), people, tb, acts, rec)
        yield people, rec


def _dict_array(codes: np.ndarray, names: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int8), pa.int8()), pa.array(list(names), pa.string())
    )


def records_table(people: People, rec: Records) -> pa.Table:
    """The panel rows (``schema.COLUMNS``) of a chunk's records, sorted by person and year."""
    i, a = np.nonzero(rec.state != ABSENT)  # row-major: by person, then age
    state = rec.state[i, a]
    bits = rec.bits[i, a]
    by = people.birth_year[i].astype(np.int16)
    cols: dict[str, pa.Array] = {
        "person_id": pa.array(people.person_id[i].astype(np.int64)),
        "year": pa.array((by + a).astype(np.int16)),
        "birth_year": pa.array(by),
        "age": pa.array(a.astype(np.int8)),
        "sex": _dict_array(people.sex[i], states.SEX),
        "menapt": _dict_array(people.menapt[i], states.MENAPT),
        "area": _dict_array(rec.area[i, a], states.AREA),
        "activity": _dict_array(states.ACTIVITY_OF[state], states.ACTIVITY),
        "attain": _dict_array(states.ATTAIN_OF[state], states.ATTAIN),
    }
    for col, name in FLAG_BITS.items():
        cols[col] = pa.array(((bits >> BITS[name]) & 1).astype(np.int8))
    return pa.table({c.name: cols[c.name] for c in schema.COLUMNS}, schema=arrow_schema())


def arrow_schema(metadata: dict[str, str] | None = None) -> pa.Schema:
    """The Arrow schema of a synthetic panel, with its key-value metadata."""
    fields = [pa.field(c.name, c.arrow_type, nullable=False) for c in schema.COLUMNS]
    meta = {k.encode(): v.encode() for k, v in (metadata or {}).items()}
    return pa.schema(fields, metadata=meta or None)


def write_panel(
    path: str | Path,
    seed: int,
    pop: Population,
    params: ModelParameters,
    overwrite: bool = False,
    row_group_rows: int = ROW_GROUP_ROWS,
    chunk: int = CHUNK_PERSONS,
) -> int:
    """Simulate ``pop`` and write its panel to ``path``; returns the number of rows."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConfigError("synth.out", "exists already; pass --overwrite to replace it", str(path))
    if not path.parent.is_dir():
        raise ConfigError("synth.out", "the directory must exist", str(path.parent))
    first, last = pop.years()
    meta = {
        schema.META_SYNTHETIC.decode(): "true",
        "livschancer.version": __version__,
        "livschancer.seed": str(seed),
        "livschancer.persons": str(pop.n),
        "livschancer.first_year": str(first),
        "livschancer.last_year": str(last),
        "livschancer.parameters": json.dumps(params.provenance, sort_keys=True),
        "livschancer.note": "SYNTHETIC: simulated persons, not register data",
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    n_rows = 0
    try:
        with pq.ParquetWriter(
            tmp, arrow_schema(meta), compression="zstd", write_statistics=["year", "person_id"]
        ) as writer:
            buf: list[pa.Table] = []
            n_buf = 0
            for people, rec in simulate_records(seed, pop, params, chunk):
                t = records_table(people, rec)
                buf.append(t)
                n_buf += t.num_rows
                while n_buf >= row_group_rows:
                    whole = pa.concat_tables(buf).combine_chunks()
                    writer.write_table(
                        whole.slice(0, row_group_rows), row_group_size=row_group_rows
                    )
                    rest = whole.slice(row_group_rows)
                    buf, n_buf = [rest], rest.num_rows
                    n_rows += row_group_rows
            if n_buf:
                writer.write_table(pa.concat_tables(buf).combine_chunks(), row_group_size=n_buf)
                n_rows += n_buf
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return n_rows


def compose_run(overrides: list[str]) -> RunConfig:
    """The validated run config with Hydra ``overrides`` (``seed=3``, ``population.scale=...``)."""
    register()
    try:
        with initialize_config_module(config_module="livschancer.conf", version_base=None):
            cfg = compose(config_name="config", overrides=list(overrides))
    except Exception as err:
        config_error = from_hydra_error(err)
        if config_error is None:
            raise
        raise config_error from None
    return validate(cfg)


@exit_on_error()
def main(argv: list[str]) -> int:
    """``livschancer synth OUT.parquet [--persons N] [--overwrite] [KEY=VALUE ...]``."""
    ap = argparse.ArgumentParser(
        prog="livschancer synth",
        description="Simulate persons and write their person-years as a synthetic register "
        "panel (Parquet, docs/panel.md). KEY=VALUE are run-config overrides: seed=7, "
        "parameters.file=PATH, population.first_birth_year=1990, ...",
    )
    ap.add_argument("out", help="the Parquet file to write")
    ap.add_argument("--persons", type=int, default=DEFAULT_PERSONS, help="about this many")
    ap.add_argument("--row-group-rows", type=int, default=ROW_GROUP_ROWS)
    ap.add_argument("--overwrite", action="store_true", help="replace an existing file")
    ap.add_argument("overrides", nargs="*", help="run-config overrides KEY=VALUE")
    args = ap.parse_intermixed_args(argv)
    if args.row_group_rows < 1:
        raise ConfigError("synth.row_group_rows", "must be at least 1", args.row_group_rows)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise ConfigError("synth.out", "exists already; pass --overwrite to replace it", str(out))
    run = compose_run(args.overrides)
    from livschancer.cli import load_parameters  # the CLI's loader (YAML or estimated .nc)

    params = load_parameters(run)
    pop = scaled_population(run.population, args.persons)
    n = write_panel(out, run.seed, pop, params, args.overwrite, args.row_group_rows)
    print(f"wrote {out}: {pop.n:,} persons, {n:,} person-years (synthetic, seed {run.seed})")
    return 0
