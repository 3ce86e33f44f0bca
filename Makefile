# Shortcuts for scripts/: run (install, migrate, seed, serve), test (SQLite), test-postgres (PostGIS), lint.
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test test-postgres lint format
setup:
	@bash scripts/setup.sh

run:
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

test-postgres:
	bash scripts/test.sh --postgres $(ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
