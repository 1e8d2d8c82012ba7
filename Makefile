# `make run` and `make test` set everything up themselves (a virtual environment in .venv/).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: run test test-slow test-cluster test-all bench lint baseline clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/livschancer $(ARGS)

test: $(STAMP)
	$(PY) -m pytest -m "not slow and not cluster" -n 2 -q

test-slow: $(STAMP)
	$(PY) -m pytest -m "slow and not cluster" -q

# Needs a running SLURM cluster (bash scripts/slurm_local.sh start); .ci/run starts one.
test-cluster: $(STAMP)
	$(PY) -m pytest -m cluster -q

test-all: test test-slow

bench: $(STAMP)
	$(PY) benchmarks/denmark.py
	$(PY) benchmarks/indicators.py
	$(PY) benchmarks/compare.py
	$(PY) benchmarks/sweep.py
	$(PY) benchmarks/panel_count.py
	bash benchmarks/lc6/setup_compare.sh
	$(PY) benchmarks/lc6/run.py --compare

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

baseline: $(STAMP)
	$(PY) -m tests.baseline

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
