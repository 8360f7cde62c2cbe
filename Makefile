# Cellbooks — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= var
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 8765
export CELLBOOKS_DATA_DIR ?= $(abspath $(DATA_DIR))
export PYTHONUNBUFFERED := 1

.PHONY: install browser node servers run run-scaled test test-postgres lint format emulator bench worker migrate demo clean help screenshots

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install everything (fast when nothing changed)

migrate: install
	@mkdir -p $(DATA_DIR)
	$(BIN)/python manage.py migrate --no-input -v 0

demo: migrate  ## load the demo company (once)
	$(BIN)/python manage.py load_demo --if-empty

run: demo  ## install, migrate, load the demo, run web + worker + QBO emulator (Ctrl-C stops all)
	$(BIN)/python manage.py collectstatic --no-input -v 0
	@echo
	@echo "  Cellbooks:      http://$(HOST):$(PORT)/   (log in as demo@cellbooks.test / demo)"
	@echo "  QBO emulator:   http://$(HOST):$(EMULATOR_PORT)/"
	@echo
	HOST=$(HOST) PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) \
	  QBO_EMULATOR_URL=$${QBO_EMULATOR_URL:-http://$(HOST):$(EMULATOR_PORT)} \
	  CELLBOOKS_PUBLIC_URL=$${CELLBOOKS_PUBLIC_URL:-http://$(HOST):$(PORT)} \
	  $(BIN)/honcho -f Procfile start -c more-workers=0

# The demo on PostgreSQL + Redis with WORKERS worker processes (the Procfile's `worker`, which also
# enqueues the periodic tasks, and WORKERS - 1 `more-workers`);
# the servers keep their files in $(DATA_DIR)/scaled between runs. Ctrl-C stops everything.
WORKERS ?= 3
run-scaled: install servers  ## the demo on PostgreSQL + Redis with WORKERS=3 worker processes
	@mkdir -p $(DATA_DIR)/scaled
	scripts/with-servers --data $(DATA_DIR)/scaled -- $(MAKE) --no-print-directory _run-scaled

_run-scaled:
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py collectstatic --no-input -v 0
	@echo
	@echo "  Cellbooks:      http://$(HOST):$(PORT)/   (log in as demo@cellbooks.test / demo)"
	@echo "  QBO emulator:   http://$(HOST):$(EMULATOR_PORT)/"
	@echo "  Database:       $$DATABASE_URL"
	@echo "  Queue:          $$REDIS_URL, $(WORKERS) worker processes"
	@echo
	HOST=$(HOST) PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) \
	  QBO_EMULATOR_URL=$${QBO_EMULATOR_URL:-http://$(HOST):$(EMULATOR_PORT)} \
	  CELLBOOKS_PUBLIC_URL=$${CELLBOOKS_PUBLIC_URL:-http://$(HOST):$(PORT)} \
	  $(BIN)/honcho -f Procfile start -c more-workers=$$(( $(WORKERS) - 1 ))

emulator: install  ## run the QBO emulator alone, with the demo app and company
	$(BIN)/qbo-emulator serve --host $(HOST) --port $(EMULATOR_PORT) --data $(DATA_DIR)/emulator --demo

# The browser test drives Debian's chromium (never a downloaded browser): install it once.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:  ## install Debian's chromium for the browser test (quick when it is there)
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing" >&2; exit 1; }

# node-quickbooks for the emulator's fidelity test, pinned by tests/emulator/node/package-lock.json
# (npm ci from the npm registry; Debian's nodejs and npm when the machine has no npm).
NODE_DIR := tests/emulator/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node: $(NODE_STAMP)  ## install node-quickbooks for the emulator's fidelity test (quick when it is there)

test: install browser node  ## run the whole test suite (the browser test included)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# PostgreSQL and Redis from Debian's packages, for `make test-postgres`, `make run-scaled` and the
# benchmarks' scale-out runs; scripts/with-servers starts them on free ports in a temporary dir.
servers:  ## install Debian's postgresql and redis-server (quick when they are there)
	@{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v redis-server >/dev/null; } || \
	  { $(SUDO) apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql redis-server; }
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { echo "postgresql is still missing" >&2; exit 1; }
	@command -v redis-server >/dev/null || { echo "redis-server is still missing" >&2; exit 1; }

# The suite under tests/cellbooks again, on PostgreSQL with the worker queue on Redis (SQLite
# stays the default and has its own run in `make test`); the servers are started and stopped here.
# The browser story too, each stack as `make run-scaled` runs it (3 workers on PostgreSQL + Redis).
test-postgres: install servers browser  ## run tests/cellbooks and the browser story on PostgreSQL + Redis (started on free ports)
	CELLBOOKS_REQUIRE_POSTGRES=1 CELLBOOKS_E2E_SCALED=1 scripts/with-servers -- \
	  $(BIN)/python -m pytest tests/cellbooks tests/e2e tests/test_architecture.py -n 2 --dist loadfile

screenshots: install browser  ## run the browser test and refresh the README's docs/screenshots
	CELLBOOKS_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# make bench [QUICK=1] [BENCH_ARGS="--latency-ms 150 --time-scale 10 --only bulk"]
bench: install $(BENCH_STAMP) servers  ## run the benchmarks (SQLite, then PostgreSQL + Redis); results in bench/results, summary in docs/benchmarks.md
	$(BIN)/python -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DATA_DIR) staticfiles
