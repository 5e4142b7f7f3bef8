# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint schema clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/stockpool migrate
	$(BIN)/stockpool demo --if-empty
	$(BIN)/stockpool serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Two processes share the tests (each with its own PostgreSQL database and Redis prefix); the
# few that restart a shared server run alone afterwards (exit code 5: none selected).
test: lint
	$(BIN)/pytest -n 2 -m "not serial"
	$(BIN)/pytest -m serial || [ $$? -eq 5 ]

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
