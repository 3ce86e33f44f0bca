#!/usr/bin/env bash
# Install everything Menpai needs on Debian 12: system packages, a virtualenv, pinned Python packages.
# Idempotent and quick when nothing changed. WITH_POSTGIS=1 also installs PostgreSQL + PostGIS.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# SpatiaLite for the embedded database; a CJK font for the Chinese address on printed doorplates.
packages=(libsqlite3-mod-spatialite fonts-noto-cjk)
# The tests read printed PDFs and SVGs back with independent renderers (poppler, librsvg), and drive the app in
# Debian's chromium through Playwright.
if [ "${WITH_TEST_TOOLS:-0}" = 1 ]; then packages+=(poppler-utils librsvg2-bin chromium); fi
if [ "${WITH_POSTGIS:-0}" = 1 ]; then packages+=(postgresql-15-postgis-3); fi
if ! command -v "$PYTHON" >/dev/null; then packages+=(python3); fi
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then packages+=(python3-venv); fi

missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  rm -f .venv/.installed-* && touch "$stamp"
fi
