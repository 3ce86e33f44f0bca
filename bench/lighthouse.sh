#!/usr/bin/env bash
# Lighthouse (npm `lighthouse` from the committed lock, Debian's chromium) on the app's first screen, served by
# gunicorn on a free port from a throwaway SpatiaLite file with the demo town. Mobile form factor with Lighthouse's
# default simulated throttling (slow 4G, 4x CPU). Prints the scores and every audit that failed; the full report
# goes to bench/out/lighthouse.json. Usage: [LH_USER=tenant] bash bench/lighthouse.sh [PATH]   (default /app/)
#   PATH "plate": the first demo doorplate's landing page /d/{token} (what a phone's own camera app opens).
#   LH_USER: log in as that demo account first and send its session cookie (e.g. '/app/#/my-tenancy').
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_LIGHTHOUSE=1 bash scripts/setup.sh
mkdir -p bench/out
work=$(mktemp -d)
export FLASK_APP=wsgi.py DATABASE_URL="sqlite:///$work/lighthouse.db"
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask demo seed >"$work/seed.log"
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MENPAI_PUBLIC_BASE_URL="http://127.0.0.1:$port"
.venv/bin/gunicorn -w 2 -b "127.0.0.1:$port" wsgi:app >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
path=${1:-/app/}
[ "$path" = plate ] && path=$(grep -o '/d/[0-9A-Z]*' "$work/seed.log" | head -n 1)
headers='{}'
if [ -n "${LH_USER:-}" ]; then
  curl -fs -c "$work/jar" -H 'Content-Type: application/json' -d "{\"username\":\"$LH_USER\",\"password\":\"menpai-demo\"}" \
    "http://127.0.0.1:$port/api/v1/auth/login" >/dev/null
  headers="{\"Cookie\":\"$(awk 'NF == 7 {printf "%s%s=%s", sep, $6, $7; sep = "; "}' "$work/jar")\"}"
fi

CHROME_PATH=/usr/bin/chromium node_modules/.bin/lighthouse "http://127.0.0.1:$port$path" --extra-headers="$headers" \
  --only-categories=performance,accessibility --output=json --output-path=bench/out/lighthouse.json --quiet \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
node -e '
const r = JSON.parse(require("fs").readFileSync("bench/out/lighthouse.json", "utf8"));
console.log(r.finalDisplayedUrl);
for (const c of Object.values(r.categories)) console.log(`${c.title}: ${Math.round(c.score * 100)}`);
for (const id of ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"])
  console.log(`  ${r.audits[id].title}: ${r.audits[id].displayValue}`);
const failed = Object.values(r.audits).filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== "informative");
for (const a of failed) console.log(`  below 0.9: ${a.id} (${a.score}) ${a.displayValue || ""}`);
'
