# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installs come from the lock files (exact versions, hashes checked): requirements.lock holds the
# runtime dependencies (`make run`), requirements-dev.lock those plus every extra (development
# tools, optional integrations) for `make test`. stockpool itself is installed editable, --no-deps.
# A stamp per lock: a changed lock or pyproject.toml reinstalls. `pip check` fails when
# pyproject.toml declares a dependency the lock lacks: run `make lock`.
# bench/ and schema/ are folders: without .PHONY, make took them for built targets.
.PHONY: lock install run lint test bench schema clean

RUN_STAMP := $(VENV)/.run-stamp
STAMP := $(VENV)/.dev-stamp

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

$(STAMP): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@ $(RUN_STAMP)

# Regenerate the lock files from pyproject.toml (uv, in a venv of its own under .venv): the two
# above, and requirements-<extra>.lock (runtime + that extra) for each optional integration, to
# install in production. Pins already in the files are kept unless pyproject.toml needs others;
# to move them: `make lock LOCK_ARGS=--upgrade` or `LOCK_ARGS="--upgrade-package NAME"`.
UV_VERSION := 0.13.9
LOCK_TOOLS := $(VENV)/lock-tools-$(UV_VERSION)
UV := $(LOCK_TOOLS)/bin/uv
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock" $(LOCK_ARGS)

$(UV):
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

INTEGRATIONS = $(shell $(PYTHON) -c "import tomllib; print(*(e for e in tomllib.load(open( \
	'pyproject.toml', 'rb'))['project'].get('optional-dependencies', {}) if e != 'dev'))")

lock: $(UV)
	$(UV) pip compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(UV) pip compile $(LOCK_FLAGS) --all-extras -c requirements.lock \
		-o requirements-dev.lock pyproject.toml
	for extra in $(INTEGRATIONS); do \
		$(UV) pip compile $(LOCK_FLAGS) --extra $$extra -c requirements-dev.lock \
			-o requirements-$$extra.lock pyproject.toml || exit 1; \
	done

install: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/stockpool migrate
	$(BIN)/stockpool demo --if-empty
	$(BIN)/stockpool serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Two processes share the tests (each with its own PostgreSQL database and Redis prefix); an
# idle one takes half of what the other has queued, and the minutes-long tests go first, one or
# more to each (tests/xdist_order.py). The few that restart a shared server run alone
# afterwards (exit code 5: none selected); those live in tests/e2e (tests/conftest.py refuses
# one elsewhere): only it is collected again.
test: lint
	$(BIN)/pytest -n 2 --dist worksteal -m "not serial"
	$(BIN)/pytest -m serial tests/e2e || [ $$? -eq 5 ]

# Throughput and no-oversell figures (docs/benchmarks.md), a few minutes; not part of `test`.
# Rows on PostgreSQL and Redis are skipped, with the reason, when those do not answer locally.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1) \
		|| echo "bench: wrk could not be installed; bench/pyload.py generates the load instead"
	$(BIN)/python -m bench.run

schema: $(STAMP)
	$(BIN)/python -c "from schema import build_schema; print(build_schema().as_str())" > schema.graphql

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache stockpool.db stockpool.db-wal stockpool.db-shm
