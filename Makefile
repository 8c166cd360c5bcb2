# The one place commands live. `make run` serves on a SQLite file; `make test` runs ruff, mypy and
# pytest on SQLite and PostgreSQL. Installs are pinned by requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK := requirements.lock

.PHONY: run demo test lint fmt bench install install-dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/liquidpolicy serve --host $(HOST) --port $(PORT)

# A demo organisation in an empty database (refused, exit 2, when members exist).
demo: $(VENV)/.installed
	$(BIN)/liquidpolicy migrate
	$(BIN)/liquidpolicy demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Debian's Chromium for the browser tests (tests/browser), never a downloaded browser.
browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# TEST_WORKERS processes share the tests, a file at a time (pytest-xdist); 1 runs them in one.
TEST_WORKERS ?= auto
test: lint browser
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile tests delegation

bench: $(VENV)/.installed-dev
	@if [ -f bench/tally.py ]; then $(BIN)/python bench/tally.py; else echo "no benchmarks yet"; fi
	$(BIN)/python bench/close_issue.py --members 100000
	$(BIN)/python bench/chain.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
