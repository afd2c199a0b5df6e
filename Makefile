# The entry points: `make run` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run

HOST ?= 127.0.0.1
PORT ?= 8000
export SITE_URL ?= http://$(HOST):$(PORT)
export UV_PYTHON_DOWNLOADS := never
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTHON ?= python3.11
UV := $(PYTHON) -m uv
PY := $(UV) run --frozen --python $(PYTHON) python

.PHONY: run setup test test-sqlite test-postgres browser nginx vnu postgres lint format bench clean

## Install uv and the locked dependencies (idempotent).
setup:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv \
		|| $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --frozen --python $(PYTHON) --quiet

## Create the database, load the demo newsroom, and serve it with the background worker.
run: setup
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py load_demo
	@$(PY) manage.py purge_page_cache -v0
	@echo "Serving $(SITE_URL)/ (Ctrl+C stops the site and the worker)"
# `manage.py serve` replaces the recipe's shell, run by the venv's python (no uv in between):
# Ctrl+C and SIGTERM reach it, and it stops granian and the worker (serve.py).
	@exec "$${UV_PROJECT_ENVIRONMENT:-.venv}/bin/python" manage.py serve --host $(HOST) --port $(PORT)

## The whole suite on SQLite, then on PostgreSQL.
test: setup browser nginx vnu
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== SQLite =="
	@$(PY) -m pytest

test-postgres: postgres
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(POSTGRES_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL =="; DATABASE_URL=$(POSTGRES_TEST_URL) $(PY) -m pytest; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL at $(POSTGRES_TEST_URL) is required in CI" >&2; exit 1; \
	else echo "PostgreSQL not reachable at $(POSTGRES_TEST_URL): skipped that run (set POSTGRES_TEST_URL)."; fi

## Start the local PostgreSQL cluster if this machine has one and it is down.
postgres:
	@if command -v pg_ctlcluster >/dev/null && command -v pg_lsclusters >/dev/null \
		&& pg_lsclusters -h | grep -q down; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; fi

## Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; fi
	@[ -x /usr/bin/chromium ] || echo "No /usr/bin/chromium: browser tests will be skipped (install Debian's chromium)."

## Debian's nginx, for the tests of the shipped front (deploy/); never started as a service.
nginx: setup
	@$(PY) -m dateline.testing.nginx >/dev/null

## The Nu HTML checker for the tests of pages and emails: npm's vnu-jar, pinned in
## tools/vnu/package-lock.json, run by Java (Debian's default-jre-headless when root).
VNU_JAR := tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar
vnu: $(VNU_JAR)
	@if ! command -v java >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless) >/dev/null; fi
	@command -v java >/dev/null || echo "No java: the Nu HTML checker test will be skipped (install default-jre-headless)."

$(VNU_JAR): tools/vnu/package.json tools/vnu/package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm) >/dev/null; fi
	@if command -v npm >/dev/null; then \
		npm ci --prefix tools/vnu --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@ \
		|| { echo "npm could not install the Nu HTML checker: its test will be skipped." >&2; \
			[ "$$CI" != "true" ]; }; \
	else echo "No npm: the Nu HTML checker test will be skipped (install npm)."; fi

## Load throwaway sites and print figures (comments, signups, newsletters; SQLite, PostgreSQL).
## `make bench BENCH=newsletters` runs one.
bench: setup postgres
	@$(PY) -m bench $(BENCH)

## ruff, and the import layers (import-linter's contracts in pyproject.toml).
lint: setup
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen lint-imports --no-cache

format: setup
	@$(UV) run --frozen ruff format .
	@$(UV) run --frozen ruff check --fix .

clean:
	rm -rf var .venv
