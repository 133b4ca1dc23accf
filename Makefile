# Tongde: `make run` serves the demo on the embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run serve migrate demo test lint format messages bench worker beat check-deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create the virtualenv and install Tongde with its dev tools

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the Tongde Lane demo (idempotent)
	$(PY) manage.py load_demo

run: demo ## Set up and serve http://127.0.0.1:8000 (SQLite, local cache, eager Celery unless env says otherwise)
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install ## Serve with gunicorn as in production (needs collectstatic first)
	$(BIN)/gunicorn tongde.wsgi:application --bind $(HOST):$(PORT) --workers 2

test: install ## Run the whole suite (PostgreSQL, Redis and a real worker when DATABASE_URL/REDIS_URL are set)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install ## Extract and compile translations (zh_Hans, en)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' --ignore 'bench/*' --no-obsolete --no-wrap
	@# English msgids are their own English translation (stale and fuzzy ones included).
	$(PY) scripts/english_catalog.py locale/en/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

bench: install ## Measure import and API throughput as ratios (needs PostgreSQL and wrk)
	bash bench/run.sh

worker: install ## Run a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A tongde worker --loglevel INFO

beat: install ## Run Celery beat with CELERY_BEAT_SCHEDULE (needs REDIS_URL)
	$(BIN)/celery -A tongde beat --loglevel INFO

check-deploy: install ## Django's deployment checks under production-like variables
	DEBUG=false SECRET_KEY=$${SECRET_KEY:-check-deploy-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG} \
	  ALLOWED_HOSTS=tongde.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean: ## Remove the virtualenv, the SQLite database and collected files
	rm -rf $(VENV) db.sqlite3 staticfiles
