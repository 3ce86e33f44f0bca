#!/usr/bin/env bash
# Make a PostgreSQL + PostGIS test database on 127.0.0.1:5432 (trust auth): install, start, create.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-menpai_test}
WITH_POSTGIS=1 bash scripts/setup.sh
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  cluster=$(ls /etc/postgresql | head -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB"
psql -h 127.0.0.1 -U postgres -d "$DB" -qc "CREATE EXTENSION IF NOT EXISTS postgis"
echo "postgresql://postgres@127.0.0.1:5432/$DB"
