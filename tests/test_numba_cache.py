"""Tests of numba_cache.py: a writable cache directory keyed by the kernels' source text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import pytest

import livschancer
from livschancer import numba_cache

PACKAGE = Path(livschancer.__file__).resolve().parent


def _copy_package(dest: Path) -> Path:
    """A copy of the installed livschancer package under ``dest`` (without caches)."""
    target = dest / "livschancer"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.nb[ic]"))
    return target


def test_numba_uses_the_configured_directory():
    assert str(numba_cache.CACHE_DIR) == numba.config.CACHE_DIR
    assert numba_cache.CACHE_DIR.name.startswith("numba-")


def test_sources_are_every_module_of_sim_and_tallies_sorted(tmp_path):
    pkg = _copy_package(tmp_path)
    files = numba_cache.kernel_sources(pkg)
    assert files == sorted(files)
    assert pkg / "sim" / "rng.py" in files
    assert pkg / "sim" / "kernel.py" in files
    assert pkg / "states.py" in files  # the kernels freeze states.KERNEL_CONSTANTS
    allowed = set(numba_cache.KERNEL_PACKAGES) | set(numba_cache.KERNEL_MODULES)
    assert all(f.relative_to(pkg).parts[0] in allowed for f in files)
    assert pkg / "cli.py" not in files


def test_hash_changes_when_any_kernel_module_changes(tmp_path):
    pkg = _copy_package(tmp_path)
    (pkg / "tallies").mkdir(exist_ok=True)
    (pkg / "tallies" / "extra.py").write_text("X = 1\n")
    base = numba_cache.source_hash(numba_cache.kernel_sources(pkg), pkg)
    assert base == numba_cache.source_hash(numba_cache.kernel_sources(pkg), pkg)  # stable
    seen = {base}
    for path in numba_cache.kernel_sources(pkg):
        old = path.read_bytes()
        path.write_bytes(old + b"\n# edited\n")
        new = numba_cache.source_hash(numba_cache.kernel_sources(pkg), pkg)
        assert new not in seen, path
        seen.add(new)
        path.write_bytes(old)
    assert numba_cache.source_hash(numba_cache.kernel_sources(pkg), pkg) == base
    # a module outside the kernel packages does not matter; a new kernel module does
    (pkg / "cli.py").write_text("# edited\n")
    assert numba_cache.source_hash(numba_cache.kernel_sources(pkg), pkg) == base
    (pkg / "sim" / "new_kernel.py").write_text("Y = 2\n")
    assert numba_cache.source_hash(numba_cache.kernel_sources(pkg), pkg) != base


def test_directory_precedence(tmp_path, monkeypatch):
    leaf = numba_cache.cache_dir().name
    for var in ("LIVSCHANCER_CACHE_DIR", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    assert numba_cache.cache_dir() == tmp_path / "numba" / leaf
    monkeypatch.setenv("LIVSCHANCER_CACHE_DIR", str(tmp_path / "lc"))
    assert numba_cache.cache_dir() == tmp_path / "lc" / leaf
    monkeypatch.delenv("LIVSCHANCER_CACHE_DIR")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert numba_cache.cache_dir() == tmp_path / "xdg" / "livschancer" / leaf
    # a cache home that cannot hold a directory (a file here, so that it holds even for root)
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-dir"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(numba_cache.tempfile, "tempdir", str(tmp_path / "tmp"))
    got = numba_cache.cache_dir()
    shared = tmp_path / "tmp" / f"livschancer-cache-{os.getuid()}"
    assert got.parent == shared
    assert got.is_dir()
    assert shared.stat().st_mode & 0o777 == 0o700
    # a shared directory that others can write to is not trusted (the cache holds pickles)
    shared.chmod(0o777)
    other = numba_cache.cache_dir()
    assert other.parent != shared
    assert other.parent.name.startswith("livschancer-cache-")
    assert other.is_dir()


PROBE_CONST = """
from numba import njit

SCALE = {scale}


@njit(inline="always")
def scaled(x):
    return x * SCALE
"""

PROBE = """
from numba import njit

from livschancer.sim import _probe_const


@njit(cache=True)
def probe(x):
    return _probe_const.scaled(x)
"""

CHILD = """
import json, livschancer, numba
from livschancer.sim import _probe
value = _probe.probe(3.0)
print(json.dumps({"file": livschancer.__file__, "value": value, "cache": numba.config.CACHE_DIR,
                  "hits": sum(_probe.probe.stats.cache_hits.values())}))
"""


@pytest.mark.slow
def test_editing_an_inlined_module_invalidates_the_cache(tmp_path):
    """numba's own cache watches only the file of the cached function (``_probe.py``); the
    cache directory's source hash makes an edit of the module it inlines count too."""
    src = tmp_path / "src"
    pkg = _copy_package(src)
    const = pkg / "sim" / "_probe_const.py"
    const.write_text(PROBE_CONST.format(scale="1.0"))
    (pkg / "sim" / "_probe.py").write_text(PROBE)
    env = {**os.environ, "PYTHONPATH": str(src), "LIVSCHANCER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NUMBA_CACHE_DIR", None)

    def run():
        out = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(CHILD)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    assert Path(first["file"]).resolve() == (pkg / "__init__.py").resolve()
    assert first["value"] == 3.0
    assert Path(first["cache"]).parent == tmp_path / "cache"
    second = run()
    assert (second["value"], second["hits"]) == (3.0, 1)  # the cache works
    const.write_text(PROBE_CONST.format(scale="2.0"))
    third = run()
    assert third["value"] == 6.0, "a stale cached kernel was used"
    assert third["cache"] != first["cache"]
