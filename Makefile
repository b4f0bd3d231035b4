# The README's commands. Each one creates .venv and installs requirements.txt on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run demo test lint format soak

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## Run the whole stack on http://127.0.0.1:8050 (Ctrl-C stops every process).
run: $(VENV)/.installed
	$(PY) -m cryptodash.stack run

## The whole stack against the built-in fake upstream: no internet needed, data marked simulated.
demo: $(VENV)/.installed
	$(PY) -m cryptodash.stack demo

## Run lint and the whole test suite on a real Redis (embedded unless REDIS_URL is set).
test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(PY) -m cryptodash.stack test $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Whole-stack soak and chaos run (not part of make test): SOAK_ARGS="--duration 600 --clients 1000".
soak: $(VENV)/.installed
	$(PY) -m bench.soak $(SOAK_ARGS)
