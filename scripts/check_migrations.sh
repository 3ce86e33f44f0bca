#!/usr/bin/env bash
# A landed migration is never edited. migrations/landed.sha256 lists the sha256 of every landed migration file;
# this fails when a listed file is missing or differs. Files not yet listed are new (allowed).
# When new migrations land on main: `bash scripts/check_migrations.sh --update` appends them to the manifest
# (it never rewrites a listed line). Works on a fresh or shallow clone: no git history is read.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=migrations/landed.sha256
if [ "${1:-}" = "--update" ]; then
  for f in migrations/versions/*.py; do
    grep -qF "  $f" "$manifest" 2>/dev/null || sha256sum "$f" >>"$manifest"
  done
fi
[ -f "$manifest" ] || { echo "check_migrations: $manifest missing" >&2; exit 1; }
if ! out=$(grep -v '^#' "$manifest" | sha256sum --check --quiet --strict 2>&1); then
  echo "$out" >&2
  echo "check_migrations: a landed migration was edited or removed; write a new migration instead" >&2
  exit 1
fi
