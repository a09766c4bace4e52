#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds, runs the
# independent CDNOW and CSV-import checks, the Swift test suite (with a Dovecot, an SMTP sink
# and a PostgreSQL server started on loopback), schemathesis against the live API, the
# dashboard in Chromium (Scripts/dashboard_browser.sh), a smoke run of the fuzz harnesses
# (Scripts/fuzz.sh --smoke) and the abuse script (Scripts/abuse.sh --debug).
#   Scripts/test.sh
# Tests that read ../shared skip with a reason when it is absent, unless PATRON_REQUIRE_SHARED=1
# (CI sets it), which turns a missing file into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

missing=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || missing+=(libcurl4-openssl-dev)
dpkg -s postgresql >/dev/null 2>&1 || missing+=(postgresql)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# The dashboard's browser test: Chromium and its driver.
dpkg -s chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift build --build-tests

cdnow=../shared/data/cdnow/CDNOW_master.txt
if [ -f "$cdnow" ]; then
  python3 Scripts/verify_cdnow_rfm.py --patron .build/debug/patron --cdnow "$cdnow" --as-of 1998-07-01
elif [ "${PATRON_REQUIRE_SHARED:-0}" = "1" ]; then
  echo "missing $cdnow (PATRON_REQUIRE_SHARED=1)" >&2
  exit 1
else
  echo "skipped: CDNOW check ($cdnow not found beside the repo)"
fi

retail=../shared/data/online_retail
if [ -d "$retail" ]; then
  python3 Scripts/verify_csv_imports.py --patron .build/debug/patron \
    --shopify ../shared/fixtures/shopify/csv/orders_export_1.devstore.redacted.csv \
    "$retail"/online_retail_subset40k.csv "$retail"/online_retail_II_subset.csv
elif [ "${PATRON_REQUIRE_SHARED:-0}" = "1" ]; then
  echo "missing $retail (PATRON_REQUIRE_SHARED=1)" >&2
  exit 1
else
  echo "skipped: Online Retail check ($retail not found beside the repo)"
fi

# The mail transport's tests run against a real Dovecot and SMTP sink on loopback, the
# PostgreSQL store's against a real PostgreSQL server (PATRON_PG_URL) and a streaming replica
# of it (PATRON_PG_READ_URL).
services=$(mktemp -d /tmp/patron-mail-services.XXXXXX)
postgres=$(mktemp -d /tmp/patron-pg.XXXXXX)
chmod 755 "$postgres"
cleanup() {
  Scripts/mail/stop_services.sh "$services" >/dev/null 2>&1 || true
  Scripts/postgres/stop.sh "$postgres/replica" "$postgres/primary" >/dev/null 2>&1 || true
  rm -rf "$services" "$postgres"
}
trap cleanup EXIT
eval "$(Scripts/mail/start_services.sh "$services")"
eval "$(Scripts/postgres/start.sh "$postgres/primary")"
eval "$(Scripts/postgres/start_replica.sh "$postgres/primary" "$postgres/replica")"

swift test --disable-xctest

# The live API against its own OpenAPI document (schemathesis from PyPI, in a throwaway venv).
Scripts/api_schemathesis.sh

# The dashboard in Chromium (Selenium from PyPI, in a throwaway venv): every page, its figures
# against the CLI's, CSRF, scopes, expiry, escaping; screenshots in .build/dashboard-screenshots/.
Scripts/dashboard_browser.sh

# Every fuzz harness still builds and no seed input crashes it (no mutation: deterministic).
# Long runs: Scripts/fuzz.sh --seconds N --optimize [TARGET…].
Scripts/fuzz.sh --smoke

# The API under abuse: hostile requests, slow clients and a burst of 10,000 connections against
# the live server (debug build); every answer a 4xx or a refusal, memory bounded.
Scripts/abuse.sh --debug
