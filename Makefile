# MISS Academy: `make run` to try it, `make test` to check it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run` is for trying it on this machine: DEBUG on. Production sets its own environment.
DEMO_PASSWORD ?= miss-demo-2026
export DEMO_PASSWORD

.PHONY: install run setup test test-postgres test-e2e lint format bench clean

$(BIN)/python:
	$(shell command -v $(PYTHON) >/dev/null 2>&1 && echo $(PYTHON) || echo python3) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

setup: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_curriculum
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo

run: setup
	@echo ""
	@echo "  MISS Academy is running on http://127.0.0.1:$(PORT)/"
	@echo "  Log in as learner, educator or admin with the password: $(DEMO_PASSWORD)"
	@echo "  (set DEMO_PASSWORD to choose another; press Ctrl+C to stop)"
	@echo ""
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/miss} $(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
