# Banyan: the two commands a newcomer needs. `make demo` serves the demo; `make test` runs every check CI runs.
# Needs Python 3.11+ and Node 20+ (for the front-end assets); everything else is installed into .venv.

SHELL := /bin/bash
# One shell per recipe, failing on the first error: the recipes below read as the scripts they are.
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml changed since the last install (pip resolving takes ~20 s otherwise).
STAMP := $(VENV)/.installed-pyproject
PG_DEFAULT := postgresql://postgres@127.0.0.1:5432/test
# -n 2: the machine has 2 cores; xdist gives each worker its own test database.
PYTEST_ARGS ?= -n 2

.PHONY: demo test install assets messages bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(STAMP)

# The pages engineer's scripts: npm into static/vendor, and .po → .mo. Called only where they exist.
assets: install
	@if [[ -x scripts/build-assets ]]; then scripts/build-assets; fi

messages: install
	@if [[ -x scripts/compile-messages ]]; then PATH="$(CURDIR)/$(BIN):$$PATH" scripts/compile-messages; fi

# `banyan demo` ends by printing the demo accounts (from the loader's own list), right before the server starts.
demo: assets messages
	@$(BIN)/banyan demo
	# The worker runs imports and exports; it must not outlive the server, however serve ends (Ctrl-C included).
	$(BIN)/banyan worker &
	worker=$$!
	trap 'kill $$worker 2>/dev/null || true' EXIT INT TERM
	$(BIN)/banyan serve

# The import benchmark (1,000,000 resident rows into PostgreSQL by default) with its references: a bare COPY and
# django-import-export (the `bench` extra). ROWS=… and DATABASE_URL=… (postgresql://… or empty for SQLite) override.
bench: install
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(BIN)/python benchmarks/import_residents.py --rows "$${ROWS:-1000000}" --database "$${DATABASE_URL-$(PG_DEFAULT)}"

test: assets messages
	@step() { printf '\n== %s\n' "$$*"; }
	# pytest exits 5 when it collected no test: say so plainly rather than fail on an empty selection.
	run_pytest() {
	  local rc=0
	  $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?
	  if (( rc == 5 )); then echo "pytest collected no tests"; rc=0; fi
	  return $$rc
	}
	# What the checks write (SQLite files, dev keys) goes to a scratch folder, not the developer's var/.
	scratch=$$(mktemp -d)
	trap 'rm -rf "$$scratch"' EXIT
	export BANYAN_DATA_DIR="$$scratch"
	# Every check runs on a scratch SQLite; DATABASE_URL (if any) only names the PostgreSQL of the second run.
	pg_url="$${DATABASE_URL:-$(PG_DEFAULT)}"
	case "$$pg_url" in postgres://*|postgresql://*) ;; *) pg_url="$(PG_DEFAULT)" ;; esac
	unset DATABASE_URL
	mkdir -p "$$scratch/static"  # WhiteNoise warns on every request-handler start when STATIC_ROOT is missing
	step "ruff"
	$(BIN)/ruff check src benchmarks
	step "migrations are up to date"
	$(BIN)/banyan manage makemigrations --check --dry-run
	step "deploy check (production-like settings, throwaway secrets)"
	BANYAN_DEBUG=0 BANYAN_SSL_REDIRECT=1 BANYAN_HSTS_SECONDS=31536000 \
	  BANYAN_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  BANYAN_PII_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	  $(BIN)/banyan manage check --deploy --fail-level WARNING
	step "pytest on SQLite"
	run_pytest
	databases=sqlite
	if why=$$($(BIN)/python -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' \
	             "$$pg_url" 2>&1); then
	  step "pytest on PostgreSQL"
	  (export DATABASE_URL="$$pg_url"; run_pytest)
	  databases=sqlite,postgresql
	else
	  databases="sqlite (postgresql skipped: $$pg_url: $$(grep -m1 'Error:' <<<"$$why" | sed 's/^[^:]*: //' || true))"
	fi
	echo "make test: databases=$$databases"
