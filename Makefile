# Collections Workbench. `make` lists the targets.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SIZE ?= small

.DEFAULT_GOAL := help
.PHONY: help install migrate demo run test lint check bench worker beat web

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

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

run: demo ## Set everything up and start web + worker + beat (PORT=8000)
	@echo ""
	@echo "  Collections Workbench: http://127.0.0.1:$(PORT)/"
	@$(PY) manage.py demo_logins
	@echo ""
	$(VENV)/bin/honcho start -p $(PORT)

test: install ## Run the whole test suite (DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis)
	$(PY) -m pytest

lint: install ## ruff
	$(VENV)/bin/ruff check .

check: install ## Django's deployment checks under production-like settings
	DEBUG=0 SECRET_KEY=check-only-$$(date +%s)-not-secret-enough-to-matter-xxxxxxxxxxxx \
		ALLOWED_HOSTS=example.com $(PY) manage.py check --deploy --fail-level WARNING

bench: install ## Benchmarks on the large book (PostgreSQL via DATABASE_URL); prints figures
	$(PY) manage.py bench
