#!/usr/bin/env bash
# Create benchmarks/.venv-compare with the competitor microsimulation packages for LC6.
# Kept apart from the project's .venv so that their dependencies never touch it.
# Each package is installed on its own so that one failure does not stop the others;
# the outcome per package is written to benchmarks/.venv-compare/install-status.txt.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/../.venv-compare"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
status="$venv/install-status.txt"
: > "$status"
for pkg in neworder starsim vivarium; do
    if "$venv/bin/python" -m pip install --quiet "$pkg" > "$venv/install-$pkg.log" 2>&1; then
        ver="$("$venv/bin/python" -m pip show "$pkg" 2>/dev/null | sed -n 's/^Version: //p')"
        echo "$pkg ok $ver" | tee -a "$status"
    else
        echo "$pkg failed: $(tail -n 1 "$venv/install-$pkg.log")" | tee -a "$status"
    fi
done
