# Collections Workbench. `make` lists the targets.
#
# Embedded default: SQLite (WAL) in var/ and Celery on kombu's filesystem transport in var/broker.
# Set DATABASE_URL (PostgreSQL) and REDIS_URL to run the same targets against real services.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Where customer links point (emails, statement PDFs, the portal): the web server's own address
# unless SITE_URL is set. Exported to every process alike: honcho gives each one a PORT of its own,
# so the worker and beat could not tell the web server's port from theirs.
ifeq ($(strip $(SITE_URL)),)
SITE_URL = http://127.0.0.1:$(PORT)
endif
export SITE_URL
SIZE ?= small
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install migrate demo demo-logins run web worker beat test lint typecheck migrate-check check collectstatic bench bench-small clean-var

help: ## List the targets
	@echo "Collections Workbench — make <target>:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Make the virtualenv and install the dependencies

migrate: install ## Create or update the database
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo book if the database has none (SIZE=small|large)
	$(PY) manage.py seed_demo --size $(SIZE) --if-empty

demo-logins: install ## Print the demo logins
	@$(PY) manage.py demo_logins

run: demo ## Set everything up and start web + workers (default queue, messages) + beat (PORT=8000)
	@echo ""
	@echo "  Collections Workbench: http://127.0.0.1:$(PORT)/"
	@$(PY) manage.py demo_logins
	@echo "  Stop with Ctrl-C."
	@echo ""
	$(VENV)/bin/honcho start -f Procfile -p $(PORT)

web: migrate ## Only the web server (gunicorn + whitenoise) on PORT
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile -p $(PORT) web

worker: migrate ## Only the Celery workers (the default queue and the messages queue)
	$(VENV)/bin/honcho start -f Procfile worker messages

beat: migrate ## Only Celery beat (run exactly one)
	$(VENV)/bin/honcho start -f Procfile beat

test: install ## Run the whole test suite (DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis)
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install ## ruff, then the layer contracts (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: install ## mypy (django-stubs) over services and selectors
	$(VENV)/bin/mypy --cache-dir "$${VAR_DIR:-/tmp}/workbench-mypy-cache"

migrate-check: install ## A database built by the commit before the layered layout migrates forward with nothing lost
	bash devtools/scripts/migrate_forward.sh

check: install ## Django's deployment checks under production-like settings
	DEBUG=0 SECRET_KEY=check-only-$$(date +%s)-not-secret-enough-to-matter-xxxxxxxxxxxx \
		ALLOWED_HOSTS=example.com $(PY) manage.py check --deploy --fail-level WARNING

collectstatic: install ## Collect static files into staticfiles/ (what production serves)
	$(PY) manage.py collectstatic --noinput

bench: migrate ## Benchmarks on the large book (PostgreSQL via DATABASE_URL); prints figures
	$(PY) manage.py bench

bench-small: migrate ## The same benchmarks on the small demo book (a smoke test; figures not meaningful)
	$(PY) manage.py bench --small --statements 20 --requests 5 --workspace-invoices 200 --users 10 \
		--load-seconds 5 --think 0.5,2 --saturation-seconds 3 --output "$${VAR_DIR:-var}/bench-small.json"

clean-var: ## Delete the embedded database, broker queue and mail (var/ or VAR_DIR)
	rm -rf "$${VAR_DIR:-var}"
