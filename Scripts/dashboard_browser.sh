#!/usr/bin/env bash
# The dashboard in a real browser: Chromium and chromedriver (Debian's `chromium`,
# `chromium-driver`) driven by Selenium (PyPI, in a throwaway venv) against a live patron-api on
# a generated shop (debug build). Checks, with the CLI as the reference: sign-in, every page with
# no console error and no failed request, the RFM grid's counts equal `patron rfm`'s, a cell's
# export equals `patron segment export` of that cell, the live count equals `patron segment
# count`, pausing a flow shows in `patron campaigns list`, a read key cannot pause, a missing CSRF
# token is refused, an expired session goes back to sign-in, HTML stored in a customer's name,
# tags and a flow's name runs nowhere. Screenshots of each page go to .build/dashboard-screenshots/.
# Called by Scripts/test.sh; needs a debug build (swift build).
#   Scripts/dashboard_browser.sh [--customers N]
set -euo pipefail
cd "$(dirname "$0")/.."
customers=2000
[ "${1:-}" = "--customers" ] && customers=$2

for tool in chromium chromedriver; do
  command -v "$tool" >/dev/null || { echo "dashboard_browser: $tool is missing (apt install chromium chromium-driver)" >&2; exit 1; }
done
venv=${PATRON_SELENIUM_VENV:-/tmp/patron-selenium-venv}
if ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "selenium==4.27.1"
fi

. Scripts/bench/lib.sh  # start_api
WORKDIR=$(mktemp -d /tmp/patron-dashboard.XXXXXX)
work=$WORKDIR
bench_workdir dashboard  # (stops the server and removes the folder at the end)

bin=.build/debug
export PATRON_DB="$work/shop.sqlite"
"$bin/patron" generate --customers "$customers" --seed 11 >/dev/null
"$bin/patron" rfm --save >/dev/null
"$bin/patron" predict fit --save >/dev/null
"$bin/patron" segment save repeat 'orders.count >= 2' >/dev/null
"$bin/patron" campaigns activate flows/welcome.yaml flows/win-back.yaml >/dev/null
read_key=$("$bin/patron" apikey create browser-reader --scope read 2>/dev/null)
admin_key=$("$bin/patron" apikey create browser-admin --scope admin 2>/dev/null)
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

start_api "$work/server.log" PATRON_DB="$PATRON_DB" PATRON_SESSION_SECRET="$secret"

mkdir -p .build/dashboard-screenshots
status=0
"$venv/bin/python" Scripts/dashboard_browser.py --url "$url" --patron "$bin/patron" --db "$PATRON_DB" \
  --read-key "$read_key" --admin-key "$admin_key" --secret "$secret" \
  --screenshots .build/dashboard-screenshots || status=$?
if [ "$status" != 0 ]; then
  echo "dashboard_browser: the server's log:" >&2
  tail -n 30 "$work/server.log" >&2
fi
exit $status
