# The README's commands. Each one creates .venv on first use and installs what it needs, again
# whenever a lock file changes: `make run`/`make demo` the runtime lock (requirements.txt), the
# others the development lock (requirements-dev.txt: the runtime packages at the same versions,
# plus test, lint and benchmark tools), each after the installers (requirements-pip.txt: pip and
# uv). All are compiled with every package pinned and hashed; how to change a pin is in the README.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Hash-checked: the installer refuses any package, or any file of one, that is not in the lock
# being installed. uv (from requirements-pip.txt) installs the locks in a fraction of pip's time;
# INSTALLER=pip uses pip for them instead.
INSTALLER ?= uv
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes
# --compile-bytecode: pip writes every package's .pyc files as it installs, uv does not by default,
# and without them each process compiles every module it imports at every start whenever the
# bytecode cannot be written then (PYTHONDONTWRITEBYTECODE, a read-only .venv): about 2 s of CPU
# per Django process, measured on this 2-core VM (bench/RESULTS.md).
ifeq ($(INSTALLER),pip)
LOCK_INSTALL := $(PIP_INSTALL)
else
LOCK_INSTALL := $(VENV)/bin/uv pip install --quiet --require-hashes --compile-bytecode --python $(PY)
endif

.PHONY: run demo superuser test lint format soak

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "cryptodash needs Python 3.11 or newer, and '$(PYTHON)' is: $$($(PYTHON) --version 2>&1)"; \
	  echo "Pick another interpreter with PYTHON=, e.g. make run PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The installers first, with the interpreter's bundled pip (whatever its build shipped, older ones
# markedly slower). Order-only below, so a new pip or uv alone does not reinstall the locks.
$(VENV)/.installed-pip: requirements-pip.txt | $(PY)
	$(PIP_INSTALL) -r requirements-pip.txt
	touch $@

$(VENV)/.installed-runtime: requirements.txt | $(VENV)/.installed-pip
	$(LOCK_INSTALL) -r requirements.txt
	touch $@

# The development lock holds every runtime pin (tests/test_requirements_locks.py checks it), so
# installing it brings the runtime install up to date as well.
$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(VENV)/.installed-pip
	$(LOCK_INSTALL) -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

## Run the whole stack on http://127.0.0.1:8050 (Ctrl-C stops every process).
run: $(VENV)/.installed-runtime
	$(PY) -m cryptodash.stack run

## The whole stack against the built-in fake upstream: no internet needed, data marked simulated.
demo: $(VENV)/.installed-runtime
	$(PY) -m cryptodash.stack demo

## An account for /admin/: Django's createsuperuser on the stack's database (passwords need at
## least 12 characters). Works before the first `make run`; no Redis needed.
superuser: $(VENV)/.installed-runtime
	$(PY) -m cryptodash.stack superuser

## Lint, the import contracts, then the whole test suite on a real Redis (embedded unless
## REDIS_URL is set).
test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m cryptodash.stack test $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Whole-stack soak and chaos run (not part of make test): SOAK_ARGS="--duration 600 --clients 1000".
soak: $(VENV)/.installed-dev
	$(PY) -m bench.soak $(SOAK_ARGS)
