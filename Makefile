# The two commands of this project (see README.md):
#   make book   build the book (installs what is missing, executes every chapter, prints index.html)
#   make test   run every test (lint, unit tests, nbval, book build, JupyterLab run, browser check)
# Both are idempotent. Everything lives in a local virtual environment, .venv/.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The install stamp is keyed on pyproject.toml, so a changed pin re-installs.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# learner: JupyterLab + jupyterlab-myst + nbgrader + scikit-learn (the lab test runs the chapters in it);
# dask: the reproduction ledger's distributed runner (its CI part starts a LocalCluster);
# hub: JupyterHub, for the hub test (tests/test_hub.py) and deploy/
EXTRAS := course,dev,learner,dask,hub

.PHONY: help setup system-deps book test lint full reproduce reproduce-full bench clean

help:
	@echo "make book   - build the book into _build/html (fast configuration)"
	@echo "make test   - run every test, printing per-part durations"
	@echo "make full   - run every chapter's full (book) experiment into _build/full/"
	@echo "make reproduce      - the reproduction ledger's fast tier (every book result, reduced; minutes)"
	@echo "make reproduce-full - the ledger's full tier into reproduction/ledger.json (hours; resumable)"
	@echo "make bench  - run the benchmarks (PyTorch column if torch is installed)"
	@echo "make lint   - ruff and the import contracts (lint-imports)"
	@echo "make clean  - remove _build (the venv and the data cache stay)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

system-deps:
	@bash tools/system_deps.sh

book: setup
	$(BIN)/python tools/build_book.py

test: setup system-deps
	@bash tools/run_tests.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

full: setup
	$(BIN)/python tools/run_full.py

reproduce: setup
	$(BIN)/python -m nndl_lib.reproduce --tier fast --workers 2 --threads 1

reproduce-full: setup
	$(BIN)/python -m nndl_lib.reproduce --tier full --workers 1

bench: setup
	$(BIN)/python benchmarks/bench_fc.py
	$(BIN)/python benchmarks/bench_conv.py

clean:
	rm -rf _build
