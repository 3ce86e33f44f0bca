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
# node + npm for the app's unit tests and its npm packages (Debian's nodejs 18 will do; a newer node is kept).
if [ "${WITH_TEST_TOOLS:-0}" = 1 ] && ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
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

# npm packages from the committed package-lock.json, when node is here. The app never needs them at run time: the
# QR decoder is served from the committed copy in pwa/vendor/ (scripts/vendor.mjs makes it from node_modules/, a
# test checks they match). WITH_LIGHTHOUSE=1 adds the dev tools (Lighthouse, for bench/lighthouse.sh).
if command -v npm >/dev/null; then
  lock=$(sha256sum package-lock.json | cut -c1-16)
  dev=${WITH_LIGHTHOUSE:-0}
  if [ ! -f "node_modules/.installed-$lock-1" ] && { [ "$dev" = 1 ] || [ ! -f "node_modules/.installed-$lock-0" ]; }; then
    echo "setup: installing npm packages (npm ci)"
    omit=(--omit=dev); [ "$dev" = 1 ] && omit=()
    npm ci --no-audit --no-fund --loglevel=error "${omit[@]}"
    touch "node_modules/.installed-$lock-$dev"
  fi
fi
