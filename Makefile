# The two commands: `make demo` and `make test`. Each sets up .venv on its own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# PostgreSQL on 127.0.0.1:5432 with trust auth; the user is postgres or root.
PG_USER ?= $(shell for u in postgres root; do psql -h 127.0.0.1 -U $$u -d test -Atc 'select 1' >/dev/null 2>&1 && echo $$u && break; done)
TEST_POSTGRES_URL ?= postgres://$(or $(PG_USER),postgres)@127.0.0.1:5432/test
TEST_TMP := $(shell mktemp -u /tmp/peernet-make-XXXXXX)

.PHONY: demo test venv lint typecheck test-sqlite test-postgres browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Migrate an SQLite database, load the demo population, then serve the app and run the
# worker together; mail is written as .eml files into var/mail. Ctrl-C stops both.
demo: venv
	mkdir -p var/mail
	$(BIN)/peernet migrate
	$(BIN)/peernet demo-data
	@echo "peernet: sign up at http://127.0.0.1:8000/join/demo, coordinators at http://127.0.0.1:8000/coordinator/login (mail goes to var/mail/)"
	@trap 'kill 0' INT TERM EXIT; $(BIN)/peernet worker & $(BIN)/peernet serve --host 127.0.0.1 --port 8000

test: venv browser lint typecheck test-sqlite test-postgres

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

test-sqlite: venv
	DATABASE_URL=sqlite://$(TEST_TMP).sqlite3 $(BIN)/pytest

test-postgres: venv
	DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest

# Debian's Chromium for the end-to-end test (Playwright drives it; it downloads no browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' (the browser test is skipped without it)"; fi; }

bench: venv
	$(BIN)/python -m benchmarks.matching_shapes
	$(BIN)/python -m benchmarks.matching_round
	$(BIN)/python -m benchmarks.smtp_throughput
	$(BIN)/python -m benchmarks.outbox_drain
	$(BIN)/python -m benchmarks.csv_import

clean:
	rm -rf $(VENV) var peernet.sqlite3* .mypy_cache .ruff_cache .pytest_cache .hypothesis
