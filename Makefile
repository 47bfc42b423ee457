# The two commands of the README: `make run` and `make test`. Both set up a
# fresh machine first (scripts/setup is idempotent and quick when done).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: setup run test test-sqlite test-postgres lint bench soak load clean

setup:
	@scripts/setup

run: setup
	@scripts/run-demo

test: setup lint test-sqlite test-postgres

# The browser tests run one at a time (each drives a Chromium, and this machine has
# two cores); the rest in two workers (pytest-xdist), as in the PostgreSQL pass.
test-sqlite: setup
	@echo "== tests on SQLite =="
	$(PY) -m pytest -q -n 2 -m "not browser"
	@echo "== browser tests (SQLite) =="
	$(PY) -m pytest -q -m browser

# The browser tests drive the UI; which database the server uses is covered by
# the API tests, so the PostgreSQL run leaves the browser out (-m) to save minutes,
# and runs only the tests whose outcome can depend on the server's database
# (server_db, marked in tests/conftest.py): the others would just run twice.
# Two workers (pytest-xdist): these tests wait on servers and PostgreSQL more than
# they compute; each worker has a database of its own (tests/conftest.py).
test-postgres: setup
	@echo "== tests on PostgreSQL =="
	@url=$$(scripts/postgres-test-server) && test -n "$$url" && \
	  echo "TEST_DATABASE_URL=$$url" && \
	  TEST_DATABASE_URL=$$url $(PY) -m pytest -q -n 2 -m "server_db and not browser"

# lint-imports checks the architecture contracts in pyproject.toml ([tool.importlinter]).
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

# Benchmarks (issue 6): writes docs/benchmarks.md. Not part of `make test`.
bench: setup
	@scripts/bench

# Thousands of seeds of the randomised fault-injection sync test (CI runs a few hundred).
soak: setup
	@scripts/soak

# 200 simulated devices syncing at once against the server on PostgreSQL.
load: setup
	@scripts/load

clean:
	rm -rf var .mypy_cache .ruff_cache
