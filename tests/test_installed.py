"""The package as installed on a shared machine: read-only install location, no writable HOME."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import livschancer

PACKAGE = Path(livschancer.__file__).resolve().parent
# the package's Hydra plugin (our sweeper), installed beside it in the hydra_plugins namespace
PLUGIN = PACKAGE.parent / "hydra_plugins" / "livschancer_sweeper"

CHILD = """
import sys
from pathlib import Path
import livschancer
assert Path(livschancer.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve())
import hydra_plugins.livschancer_sweeper as plugin
assert Path(plugin.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve())
from livschancer.cli import main
main(sys.argv[2:])
"""


def _make_read_only(root: Path) -> None:
    """Remove write permission below ``root``. Root ignores permissions, so each directory also
    gets a *file* named ``__pycache__`` (numba's in-tree cache and .pyc files need a directory
    of that name); that holds for every user."""
    dirs = [root, *(p for p in root.rglob("*") if p.is_dir())]
    for d in dirs:
        blocker = d / "__pycache__"
        if not blocker.exists():
            blocker.write_text("")
    for p in [*root.rglob("*"), root]:
        mode = p.stat().st_mode
        p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.mark.slow
def test_read_only_install_and_home_imports_and_runs(tmp_path):
    site = tmp_path / "site"
    for src, dest in ((PACKAGE, "livschancer"), (PLUGIN, "hydra_plugins/livschancer_sweeper")):
        shutil.copytree(src, site / dest, ignore=shutil.ignore_patterns("__pycache__", "*.nb[ic]"))
    home = tmp_path / "home"
    home.mkdir()
    (home / ".cache").write_text("")  # ~/.cache cannot be a directory, even for root
    _make_read_only(site)
    home.chmod(0o555)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LIVSCHANCER_CACHE_DIR", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME")
    }
    env.update(PYTHONPATH=str(site), HOME=str(home), TMPDIR=str(scratch), PYTHONUNBUFFERED="1")
    run_dir = tmp_path / "run"
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent(CHILD),
                str(site),
                f"hydra.run.dir={run_dir}",
                "population.scale=0.001",
                "sim.progress=false",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=scratch,
            timeout=900,
        )
    finally:
        for p in [site, *site.rglob("*"), home]:
            if p.is_dir():
                p.chmod(0o755)  # let pytest clean up
    assert out.returncode == 0, out.stderr[-3000:]
    assert (run_dir / "livschancer.nc").is_file()
    caches = list(scratch.glob("livschancer-cache-*/numba-*/**/*.nbi"))
    assert caches, "the kernels were not cached in the temporary directory"
