#!/usr/bin/env bash
# Install everything and run the suite on SQLite + SpatiaLite; with --postgres, on PostgreSQL + PostGIS.
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--postgres" ]; then
  shift
  export TEST_DATABASE_URL
  TEST_DATABASE_URL=$(bash scripts/postgres.sh menpai_test | tail -n 1)
else
  bash scripts/setup.sh
fi
exec .venv/bin/python -m pytest "$@"
