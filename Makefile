# The two commands: `make demo` and `make test`. Each sets up .venv on its own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# PostgreSQL on 127.0.0.1:5432 with trust auth; the user is postgres or root.
PG_USER ?= $(shell for u in postgres root; do psql -h 127.0.0.1 -U $$u -d test -Atc 'select 1' >/dev/null 2>&1 && echo $$u && break; done)
TEST_POSTGRES_URL ?= postgres://$(or $(PG_USER),postgres)@127.0.0.1:5432/test
# A database of its own for benchmarks.publish_round and outbox_drain, which empty it first (createdb peernet_bench).
BENCH_POSTGRES_URL ?= postgres://$(or $(PG_USER),postgres)@127.0.0.1:5432/peernet_bench
TEST_TMP := $(shell mktemp -u /tmp/peernet-make-XXXXXX)

.PHONY: demo test venv lint typecheck test-sqlite test-postgres browser bench mutants clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Migrate an SQLite database, load the demo population, then serve the app and run the
# worker together; mail is written as .eml files into var/mail. Ctrl-C stops both.
# `make demo PORT=8010` serves on another port; BASE_URL follows, so the emails' links work.
# DATABASE_URL and MAIL_DIR are honoured when set.
PORT ?= 8000
demo: export BASE_URL = http://127.0.0.1:$(PORT)
demo: export DATABASE_URL ?= sqlite://peernet.sqlite3
demo: export MAIL_DIR ?= var/mail
demo: venv
	@mkdir -p "$$MAIL_DIR"
	$(BIN)/peernet migrate
	$(BIN)/peernet demo-data
	@echo "peernet: database $$DATABASE_URL, mail as .eml files in $$MAIL_DIR/"
	@echo "peernet: serving on $$BASE_URL (sign up at $$BASE_URL/join/demo, the agenda at $$BASE_URL/agenda, coordinators at $$BASE_URL/coordinator/login); Ctrl-C stops"
	@# Each process is stopped by its id, once: `kill 0` would signal this shell too, whose
	@# trap would run again on that signal (and again...), and make with it.
	@$(BIN)/peernet worker & worker=$$!; \
	$(BIN)/peernet serve --host 127.0.0.1 --port $(PORT) & server=$$!; \
	trap 'stopped=1; kill -TERM $$server $$worker 2>/dev/null' INT TERM; \
	wait $$server; status=$$?; \
	if [ -n "$$stopped" ]; then wait $$server; status=0; fi; \
	kill -TERM $$worker 2>/dev/null; wait $$worker; \
	[ -z "$$stopped" ] || echo "peernet: demo stopped"; \
	exit $$status

# The two database runs side by side (one core each): on a two-core machine the whole of
# `make test` then stays well inside CI's 20 minutes. Each run's output is printed whole
# when it ends.
test: venv browser lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

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
	$(BIN)/python -m benchmarks.publish_round --database-url $(BENCH_POSTGRES_URL)
	$(BIN)/python -m benchmarks.outbox_drain
	$(BIN)/python -m benchmarks.outbox_drain --database-url $(BENCH_POSTGRES_URL)
	$(BIN)/python -m benchmarks.csv_import
	$(BIN)/python -m benchmarks.themes_suppression

# Mutation testing (mutmut 3) of the modules that judge and guard, one at a time with their
# own tests; prints the score per module. Slow (minutes per module), not part of `make test`.
# One module: make mutants MUTANTS_MODULES=notifications/headers.py
mutants: venv
	$(BIN)/python -m scripts.mutants $(MUTANTS_MODULES)

clean:
	rm -rf $(VENV) mutants var peernet.sqlite3* .mypy_cache .ruff_cache .pytest_cache .hypothesis
