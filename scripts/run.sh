#!/usr/bin/env bash
# Install everything, migrate, seed the demo town and serve on http://$HOST:$PORT (default 127.0.0.1:5000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=wsgi.py
.venv/bin/flask secret-key ensure  # instance/secret_key once, unless MENPAI_SECRET_KEY is set
.venv/bin/flask db upgrade
.venv/bin/flask demo seed
exec .venv/bin/flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
