# make run: install, migrate, seed the demo, serve on http://127.0.0.1:5000
# make test: install, run the suite on SQLite + SpatiaLite; make test-postgres: the same on PostGIS
export FLASK_APP := wsgi.py
PG_TEST_URL := postgresql://postgres@127.0.0.1:5432/menpai_test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test test-postgres lint format bench
setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/flask db upgrade
	.venv/bin/flask demo seed
	.venv/bin/flask run --host $(HOST) --port $(PORT)

test: setup
	.venv/bin/python -m pytest $(ARGS)

test-postgres: setup
	@bash scripts/postgres.sh menpai_test >/dev/null
	TEST_DATABASE_URL=$(PG_TEST_URL) .venv/bin/python -m pytest $(ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
