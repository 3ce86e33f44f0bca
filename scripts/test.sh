#!/usr/bin/env bash
# Install everything and run the suite on SQLite + SpatiaLite; with --postgres, on PostgreSQL + PostGIS.
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TEST_TOOLS=1 bash scripts/setup.sh
if [ "${1:-}" = "--postgres" ]; then
  shift
  export TEST_DATABASE_URL
  TEST_DATABASE_URL=$(bash scripts/postgres.sh menpai_test | tail -n 1)
fi
# The app's outbox policy, without a browser (node is optional here; CI has it).
if command -v node >/dev/null; then node --test --test-reporter=dot pwa/test/; fi
exec .venv/bin/python -m pytest "$@"
